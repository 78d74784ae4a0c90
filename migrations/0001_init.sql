-- newshound schema, version 1: feeds and their poll state, articles, and the first shape of
-- stories and hits (filled by later stages). Times are Unix seconds, UTC.

-- One row per feed the user configured. `config_url` is what the config says and identifies the
-- feed across permanent redirects; `url` is where it is fetched now.
CREATE TABLE feeds (
    id                 INTEGER PRIMARY KEY,
    config_url         TEXT    NOT NULL UNIQUE,
    url                TEXT    NOT NULL,
    name               TEXT    NOT NULL,
    title              TEXT,
    etag               TEXT,
    last_modified      TEXT,
    last_polled_at     INTEGER,
    next_poll_at       INTEGER NOT NULL DEFAULT 0,
    last_status        TEXT,
    last_http_status   INTEGER,
    last_error         TEXT,
    consecutive_errors INTEGER NOT NULL DEFAULT 0,
    disabled_reason    TEXT,
    item_count         INTEGER NOT NULL DEFAULT 0,
    created_at         INTEGER NOT NULL
);
CREATE INDEX feeds_next_poll_at ON feeds(next_poll_at);

-- Clusters of articles that tell the same story (filled by the dedup stage).
CREATE TABLE stories (
    id              INTEGER PRIMARY KEY,
    lead_article_id INTEGER,
    created_at      INTEGER NOT NULL
);

-- One row per feed entry. (feed_id, entry_key) is the entry's identity: GUID, else link, else a
-- hash of title and content; a changed entry updates its row instead of adding one.
CREATE TABLE articles (
    id             INTEGER PRIMARY KEY,
    feed_id        INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_key      TEXT    NOT NULL,
    guid           TEXT,
    url            TEXT,
    canonical_url  TEXT,
    title          TEXT,
    author         TEXT,
    summary        TEXT,
    content_html   TEXT,
    entry_hash     TEXT    NOT NULL,
    language       TEXT,
    published_at   INTEGER,
    updated_at     INTEGER,
    first_seen_at  INTEGER NOT NULL,
    changed_at     INTEGER NOT NULL,
    page_status    TEXT    NOT NULL DEFAULT 'pending',
    page_attempts  INTEGER NOT NULL DEFAULT 0,
    page_error     TEXT,
    fetched_at     INTEGER,
    page_title     TEXT,
    text           TEXT,
    site_name      TEXT,
    story_id       INTEGER REFERENCES stories(id) ON DELETE SET NULL,
    UNIQUE (feed_id, entry_key)
);
CREATE INDEX articles_first_seen_at ON articles(first_seen_at);
CREATE INDEX articles_page_pending ON articles(feed_id) WHERE page_status = 'pending';
CREATE INDEX articles_story ON articles(story_id);

-- Topic hits (filled by the matcher stage); notified_at is set in the transaction that writes the
-- alert to the outbox.
CREATE TABLE hits (
    id          INTEGER PRIMARY KEY,
    topic       TEXT    NOT NULL,
    article_id  INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    story_id    INTEGER REFERENCES stories(id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    notified_at INTEGER,
    UNIQUE (topic, article_id)
);
CREATE INDEX hits_story ON hits(story_id);

-- Small persistent facts of the daemon itself (e.g. when retention last ran).
CREATE TABLE daemon_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
