-- newshound schema, version 2: where an article's text comes from. The feed's own text of an
-- entry (its content, else its summary, as plain text) is kept so that it can stand in when the
-- article page cannot be fetched, is not HTML, or yields too little text.

ALTER TABLE articles ADD COLUMN feed_text TEXT;
-- 'feed_content' or 'feed_summary'.
ALTER TABLE articles ADD COLUMN feed_text_source TEXT;
-- 'page', 'feed_content' or 'feed_summary'.
ALTER TABLE articles ADD COLUMN text_source TEXT;
