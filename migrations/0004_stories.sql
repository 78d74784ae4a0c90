-- newshound schema, version 4: one article however many feeds carry it, and one story however
-- many sites copy it.
--
-- An article is identified by the canonical form of its link (`url_key`: tracking parameters,
-- fragments and case removed), so the same page in several feeds is one article with one row per
-- feed entry in `article_sources`. Entry identity (feed, entry key) moves there; the article row
-- keeps the feed and entry that first brought it.
--
-- A story is a set of articles whose texts are near-duplicates (wire copy on several sites). Its
-- id is the id of its first (lead) article, so a story id is known before its row is written.
-- `text_hash` finds exact copies, `fingerprint` (a MinHash signature, see src/dedup) near ones.
-- A topic hits a story at most once.

ALTER TABLE articles ADD COLUMN url_key TEXT;
ALTER TABLE articles ADD COLUMN text_hash TEXT;
ALTER TABLE articles ADD COLUMN fingerprint BLOB;
CREATE INDEX articles_url_key ON articles(url_key);
CREATE INDEX articles_text_hash ON articles(text_hash);
UPDATE articles SET url_key = url;

CREATE TABLE article_sources (
    feed_id       INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    entry_key     TEXT    NOT NULL,
    article_id    INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    url           TEXT,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (feed_id, entry_key)
);
CREATE INDEX article_sources_article ON article_sources(article_id);
INSERT INTO article_sources (feed_id, entry_key, article_id, url, first_seen_at)
    SELECT feed_id, entry_key, id, url, first_seen_at FROM articles;

-- Articles that already have their text become stories of their own; their hits follow.
INSERT OR IGNORE INTO stories (id, lead_article_id, created_at)
    SELECT id, id, first_seen_at FROM articles WHERE story_id IS NULL AND text IS NOT NULL;
UPDATE articles SET story_id = id WHERE story_id IS NULL AND text IS NOT NULL;
UPDATE hits SET story_id = (SELECT story_id FROM articles WHERE articles.id = hits.article_id)
    WHERE story_id IS NULL;
CREATE UNIQUE INDEX hits_topic_story ON hits(topic, story_id);
