-- newshound schema, version 3: why an article matched a topic. Each hit keeps its score (matched
-- occurrences, title words weighing more), the matched words as written in the article (a JSON
-- array of strings), and a snippet of about 200 characters with the byte ranges of the matched
-- words in it (a JSON array of [start, end] pairs), so alerts and `newshound hits` can show them
-- without matching again.

ALTER TABLE hits ADD COLUMN score INTEGER NOT NULL DEFAULT 0;
ALTER TABLE hits ADD COLUMN matched TEXT NOT NULL DEFAULT '[]';
ALTER TABLE hits ADD COLUMN snippet TEXT NOT NULL DEFAULT '';
ALTER TABLE hits ADD COLUMN snippet_marks TEXT NOT NULL DEFAULT '[]';
CREATE INDEX hits_created_at ON hits(created_at);
