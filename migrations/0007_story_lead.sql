-- newshound schema, version 7: a story's lead is its earliest published copy.
--
-- The lead is the copy `hits` and the emails show for a story. It used to be the copy stored
-- first, so a story whose original arrived after an edited copy was shown under the edit's
-- headline. Now it is the copy published first, ties going to the copy seen first; a copy
-- without a publication time, or claiming one after newshound first saw it, counts as published
-- when first seen. newshound chooses it again whenever a copy of the story settles
-- (src/store/stories.rs, EARLIEST_PUBLISHED_COPY); this applies the same rule to the stories
-- stored before. Story ids, hits and deliveries do not change.

UPDATE stories SET lead_article_id = (
    SELECT id FROM articles WHERE story_id = stories.id
    ORDER BY min(COALESCE(published_at, first_seen_at), first_seen_at), first_seen_at, id
    LIMIT 1)
WHERE EXISTS (SELECT 1 FROM articles WHERE story_id = stories.id);
