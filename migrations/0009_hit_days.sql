-- newshound schema, version 9: the web overview's counts, kept so that the page reads a few
-- small rows instead of every hit.
--
-- `hit_topics` holds each topic's hits and newest hit (the overview's "all" and "last hit"),
-- `hit_days` its hits per UTC day (the chart of hits per day and the whole days of "the last 7
-- days"), `hit_hours` the hits per UTC hour and topic (the hours at the edge of "the last 24
-- hours" and "the last 7 days", so those are exact without reading a day of hits). The triggers
-- below keep all three in the transaction that writes or deletes a hit (retention's cascade
-- from articles and stories fires them too), so they always equal
--     SELECT topic, count(*), max(created_at) FROM hits GROUP BY 1
--     SELECT topic, created_at / 86400, count(*), max(created_at) FROM hits GROUP BY 1, 2
--     SELECT created_at / 3600, topic, count(*) FROM hits GROUP BY 1, 2
-- A hit's topic and created_at are written once and never updated.

CREATE TABLE hit_topics (
    topic   TEXT    NOT NULL PRIMARY KEY,
    hits    INTEGER NOT NULL,
    -- the newest created_at of the topic's hits
    last_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE hit_days (
    topic   TEXT    NOT NULL,
    -- the UTC day of the hits: created_at / 86400, days since 1970-01-01
    day     INTEGER NOT NULL,
    hits    INTEGER NOT NULL,
    -- the newest created_at of the day's hits
    last_at INTEGER NOT NULL,
    PRIMARY KEY (topic, day)
) WITHOUT ROWID;

-- Hour first: the overview reads the few hours at a window's edge for every topic at once.
CREATE TABLE hit_hours (
    -- the UTC hour of the hits: created_at / 3600
    hour  INTEGER NOT NULL,
    topic TEXT    NOT NULL,
    hits  INTEGER NOT NULL,
    PRIMARY KEY (hour, topic)
) WITHOUT ROWID;

INSERT INTO hit_topics (topic, hits, last_at)
    SELECT topic, count(*), max(created_at) FROM hits GROUP BY topic;
INSERT INTO hit_days (topic, day, hits, last_at)
    SELECT topic, created_at / 86400, count(*), max(created_at) FROM hits
    GROUP BY topic, created_at / 86400;
INSERT INTO hit_hours (hour, topic, hits)
    SELECT created_at / 3600, topic, count(*) FROM hits
    GROUP BY created_at / 3600, topic;

CREATE TRIGGER hit_counts_insert AFTER INSERT ON hits BEGIN
    INSERT INTO hit_topics (topic, hits, last_at) VALUES (NEW.topic, 1, NEW.created_at)
    ON CONFLICT (topic) DO UPDATE
        SET hits = hits + 1, last_at = max(last_at, excluded.last_at);
    INSERT INTO hit_days (topic, day, hits, last_at)
    VALUES (NEW.topic, NEW.created_at / 86400, 1, NEW.created_at)
    ON CONFLICT (topic, day) DO UPDATE
        SET hits = hits + 1, last_at = max(last_at, excluded.last_at);
    INSERT INTO hit_hours (hour, topic, hits) VALUES (NEW.created_at / 3600, NEW.topic, 1)
    ON CONFLICT (hour, topic) DO UPDATE SET hits = hits + 1;
END;

-- When the day's newest hit goes, the day's last_at is read again from the day's remaining hits
-- (through hits_created_at: one day's rows, and only for that one deletion), then the topic's
-- from its days.
CREATE TRIGGER hit_counts_delete AFTER DELETE ON hits BEGIN
    UPDATE hit_days SET
        hits = hits - 1,
        last_at = CASE WHEN last_at > OLD.created_at THEN last_at ELSE COALESCE(
            (SELECT max(h.created_at) FROM hits h
             WHERE h.created_at >= OLD.created_at / 86400 * 86400
               AND h.created_at < OLD.created_at / 86400 * 86400 + 86400
               AND +h.topic = OLD.topic),
            last_at) END
    WHERE topic = OLD.topic AND day = OLD.created_at / 86400;
    DELETE FROM hit_days
    WHERE topic = OLD.topic AND day = OLD.created_at / 86400 AND hits <= 0;
    UPDATE hit_topics SET
        hits = hits - 1,
        last_at = CASE WHEN last_at > OLD.created_at THEN last_at ELSE COALESCE(
            (SELECT max(d.last_at) FROM hit_days d WHERE d.topic = OLD.topic), last_at) END
    WHERE topic = OLD.topic;
    DELETE FROM hit_topics WHERE topic = OLD.topic AND hits <= 0;
    UPDATE hit_hours SET hits = hits - 1
    WHERE hour = OLD.created_at / 3600 AND topic = OLD.topic;
    DELETE FROM hit_hours
    WHERE hour = OLD.created_at / 3600 AND topic = OLD.topic AND hits <= 0;
END;

-- The overview counts the failed emails; without this it would read every outbox row, each
-- past its whole message.
CREATE INDEX outbox_failed ON outbox(id) WHERE status = 'failed';
