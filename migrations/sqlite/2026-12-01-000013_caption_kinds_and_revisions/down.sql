DROP TABLE caption_revisions;
CREATE TABLE captions_old (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    video_id INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'captions' CHECK (kind IN ('captions', 'subtitles')),
    storage_key TEXT NOT NULL,
    cue_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    transcript TEXT
);
INSERT INTO captions_old (id, video_id, language, label, kind, storage_key, cue_count, created_at, transcript)
    SELECT id, video_id, language, label, kind, storage_key, cue_count, created_at, transcript FROM captions
    WHERE kind IN ('captions', 'subtitles');
DROP TABLE captions;
ALTER TABLE captions_old RENAME TO captions;
CREATE UNIQUE INDEX captions_video_language_kind_key ON captions (video_id, language, kind);
