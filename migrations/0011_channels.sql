-- newshound schema, version 11: channels besides email. Each outbox row names the channel it
-- goes through ('email' for every email, else the [[channels]] name); a channel message's
-- recipient is the channel's name (an email recipient is an address, which always holds '@',
-- and a channel name never does), so hit_deliveries records what each channel was told just as
-- it records each recipient. Its message is the request body, its message_id the id a
-- receiver de-duplicates on (the webhook-id, the Matrix transaction id).

ALTER TABLE outbox ADD COLUMN channel TEXT NOT NULL DEFAULT 'email';
