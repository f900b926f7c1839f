DROP INDEX videos_listed_language_idx;
DROP INDEX videos_listed_newest_idx;
DROP TRIGGER video_search_captions ON captions;
DROP TRIGGER video_search_videos ON videos;
DROP FUNCTION video_search_refresh();
DROP FUNCTION video_search_document(integer);
DROP TABLE video_search;
