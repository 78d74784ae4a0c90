-- newshound schema, version 6: feed health. A feed failing for longer than
-- [daemon] feed_failure_alert_after gets one "feed broken" email to the admin address, and one
-- "recovered" email when it works again. The state lives beside the feed and is changed in the
-- transaction that puts the email into the outbox, so neither is lost nor sent twice.

-- When the current run of failed polls began (Unix seconds); NULL while the feed works. Set by
-- the first failed poll of a run, cleared by the next successful one (200 or 304).
ALTER TABLE feeds ADD COLUMN failing_since INTEGER;
-- The outbox row of the "feed broken" email of the current run; NULL when none was sent. Cleared
-- in the transaction that queues the "recovered" email.
ALTER TABLE feeds ADD COLUMN broken_alert_outbox_id INTEGER;

-- Feeds failing at upgrade time: their run is taken to begin at their last poll (the earliest
-- time known for sure), so an upgrade never alerts at once about an old failure.
UPDATE feeds SET failing_since = last_polled_at
 WHERE consecutive_errors > 0 AND last_polled_at IS NOT NULL;
