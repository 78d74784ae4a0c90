-- newshound schema, version 10: a topic's hits, newest first, read by the index alone.
--
-- The topic page (`/topics/NAME`) and the topic's feeds list one topic's hits newest first, a
-- page at a time: the next page starts after the (created_at, id) of the last hit shown
-- (keyset pagination, never OFFSET). This index gives that order within a topic, so a page
-- reads its rows and stops, however many hits the topic and the others have.
-- (`hits_topic_story`, UNIQUE (topic, story_id), keeps its own job: one hit per topic and story.)

CREATE INDEX hits_by_topic ON hits(topic, created_at, id);
