DROP TABLE video_feedback;
DROP TABLE captions;
DROP TABLE videos;
