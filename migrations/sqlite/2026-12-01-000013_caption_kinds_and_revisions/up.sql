-- Four track kinds (captions, subtitles, chapters, descriptions): SQLite cannot change a
-- CHECK constraint, so the table is rebuilt with its rows, ids and index.
CREATE TABLE captions_new (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    video_id INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'captions'
        CHECK (kind IN ('captions', 'subtitles', 'chapters', 'descriptions')),
    storage_key TEXT NOT NULL,
    cue_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    transcript TEXT
);
INSERT INTO captions_new (id, video_id, language, label, kind, storage_key, cue_count, created_at, transcript)
    SELECT id, video_id, language, label, kind, storage_key, cue_count, created_at, transcript FROM captions;
DROP TABLE captions;
ALTER TABLE captions_new RENAME TO captions;
CREATE UNIQUE INDEX captions_video_language_kind_key ON captions (video_id, language, kind);

-- Earlier versions of a track, kept when the editor saves or restores (the last 10).
CREATE TABLE caption_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    caption_id INTEGER NOT NULL REFERENCES captions (id) ON DELETE CASCADE,
    -- Who made the change that replaced this version (NULL once their account is gone).
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The WebVTT file as it was before that change.
    body TEXT NOT NULL,
    cue_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX caption_revisions_caption_idx ON caption_revisions (caption_id, id);
