-- newshound schema, version 5: email. Every message is rendered into the outbox in the same
-- transaction that records which hits it carries (hit_deliveries) and, for a digest, the slot it
-- covers (digest_state); a sender delivers pending rows and marks each sent only after the
-- server accepted it. A crash can therefore only repeat a message with the same Message-ID,
-- never lose one.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    -- 'immediate', 'digest' or 'test'
    kind            TEXT    NOT NULL,
    -- the digest's name for 'digest'
    name            TEXT,
    recipient       TEXT    NOT NULL,
    sender          TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    message_id      TEXT    NOT NULL,
    -- the whole RFC 5322 message, headers included
    message         BLOB    NOT NULL,
    created_at      INTEGER NOT NULL,
    -- 'pending', 'sent' or 'failed'
    status          TEXT    NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    -- the server's answer to the accepted message, or the file written
    answer          TEXT,
    sent_at         INTEGER
);
CREATE INDEX outbox_pending ON outbox(next_attempt_at) WHERE status = 'pending';
CREATE INDEX outbox_recipient ON outbox(recipient, kind, created_at);

-- Which hits went to whom (in an immediate alert), so each recipient hears of a hit once.
CREATE TABLE hit_deliveries (
    hit_id    INTEGER NOT NULL REFERENCES hits(id) ON DELETE CASCADE,
    recipient TEXT    NOT NULL,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    PRIMARY KEY (hit_id, recipient)
);

-- The last slot each digest covered (Unix seconds): a digest covers the hits found after it.
CREATE TABLE digest_state (
    name         TEXT PRIMARY KEY,
    last_slot_at INTEGER NOT NULL
);
