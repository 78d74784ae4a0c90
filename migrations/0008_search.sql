-- newshound schema, version 8: search over the stored news, and topics applied to it.
--
-- `article_search` is a full-text index (SQLite FTS5) of every article's matched title (the
-- entry's, else the page's) and final text. It is an external-content table over the view
-- `article_search_content`: it keeps only the index, the text stays in `articles`. Triggers
-- keep it in step in the transaction that gives an article its text, changes it or prunes it.
-- The index only narrows the articles a query is run on (src/search), so it keeps no positions
-- (detail=none): phrases, NEAR and title:/body: are checked by the matcher itself.
--
-- The articles already stored are indexed after this migration, in batches with progress in
-- the log (src/store/search_index.rs); `daemon_state` key 'search_index_built_through' says how
-- far that got, so an interrupted build goes on where it stopped.

-- `lang` holds one word naming the article's language (`xlang` and the stored code in lower
-- case, `xlang` alone when there is none), so that a search narrows each language by its own
-- stems inside the index, without looking articles up.
CREATE VIEW article_search_content AS
    SELECT id, COALESCE(title, page_title, '') AS title, text,
           'xlang' || lower(trim(COALESCE(language, ''))) AS lang
    FROM articles WHERE text IS NOT NULL;

CREATE VIRTUAL TABLE article_search USING fts5(
    title, text, lang,
    content = 'article_search_content', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2',
    detail = none
);

CREATE TRIGGER article_search_insert AFTER INSERT ON articles
WHEN new.text IS NOT NULL BEGIN
    INSERT INTO article_search (rowid, title, text, lang)
        VALUES (new.id, COALESCE(new.title, new.page_title, ''), new.text,
                'xlang' || lower(trim(COALESCE(new.language, ''))));
END;

CREATE TRIGGER article_search_delete AFTER DELETE ON articles
WHEN old.text IS NOT NULL BEGIN
    INSERT INTO article_search (article_search, rowid, title, text, lang)
        VALUES ('delete', old.id, COALESCE(old.title, old.page_title, ''), old.text,
                'xlang' || lower(trim(COALESCE(old.language, ''))));
END;

CREATE TRIGGER article_search_update AFTER UPDATE OF title, page_title, text, language ON articles
WHEN old.title IS NOT new.title OR old.page_title IS NOT new.page_title
     OR old.text IS NOT new.text OR old.language IS NOT new.language BEGIN
    INSERT INTO article_search (article_search, rowid, title, text, lang)
        SELECT 'delete', old.id, COALESCE(old.title, old.page_title, ''), old.text,
               'xlang' || lower(trim(COALESCE(old.language, '')))
        WHERE old.text IS NOT NULL;
    INSERT INTO article_search (rowid, title, text, lang)
        SELECT new.id, COALESCE(new.title, new.page_title, ''), new.text,
               'xlang' || lower(trim(COALESCE(new.language, '')))
        WHERE new.text IS NOT NULL;
END;

-- The ends of the long words of articles in languages that write compounds as one word
-- (German, Dutch, the Nordic languages), where a term also matches the last part of a compound
-- (`Verkauf` in `Waffenverkäufe`): each such word's folded form and stem, reversed, so that a
-- prefix query finds the words that end in a term. Contentless: written with the article's
-- text by newshound (src/store/search_index/ends.rs), removed with the article.
CREATE VIRTUAL TABLE article_ends USING fts5(
    ends,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2',
    detail = none
);

CREATE TRIGGER article_ends_delete AFTER DELETE ON articles BEGIN
    DELETE FROM article_ends WHERE rowid = old.id;
END;

-- What a search filters its candidates by, for the articles that have a text: looked up by id
-- (the candidates the index found) or scanned to count what a search looked through, without
-- reading the article rows, whose text comes first. The language also as the matcher reads a
-- stored code (in any case), for narrowing each language by its own stems.
CREATE INDEX articles_searchable
    ON articles(id, first_seen_at, story_id, language, lower(trim(language)))
    WHERE text IS NOT NULL;

-- Articles whose words the index may spell otherwise than the matcher does (compatibility
-- characters such as ligatures and full-width letters, combining vowel signs): every search
-- reads them rather than trusting the index. Written where an article's text is.
CREATE TABLE search_unindexed (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
);

-- A backfilled hit was found by applying a topic to stored articles (`newshound rematch`, or a
-- new or changed topic in the service): it is never sent as an immediate alert, only in the
-- topic's next digest.
ALTER TABLE hits ADD COLUMN backfill INTEGER NOT NULL DEFAULT 0;

-- What each topic was when the service last applied it to the stored articles: a hash of its
-- query (canonical form) and languages. A topic whose definition differs from this, or that
-- is missing here, is new or changed and is backfilled.
CREATE TABLE topic_definitions (
    name          TEXT PRIMARY KEY,
    fingerprint   TEXT    NOT NULL,
    backfilled_at INTEGER NOT NULL
);

-- Every article stored so far still has to be indexed (ids above this one).
INSERT INTO daemon_state (key, value) VALUES ('search_index_built_through', '0');
