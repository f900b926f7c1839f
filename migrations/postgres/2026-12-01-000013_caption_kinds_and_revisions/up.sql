-- Four track kinds (captions, subtitles, chapters, descriptions).
ALTER TABLE captions DROP CONSTRAINT captions_kind_check;
ALTER TABLE captions ALTER COLUMN kind TYPE VARCHAR(12);
ALTER TABLE captions ADD CONSTRAINT captions_kind_check
    CHECK (kind IN ('captions', 'subtitles', 'chapters', 'descriptions'));

-- Earlier versions of a track, kept when the editor saves or restores (the last 10).
CREATE TABLE caption_revisions (
    id SERIAL PRIMARY KEY,
    caption_id INTEGER NOT NULL REFERENCES captions (id) ON DELETE CASCADE,
    -- Who made the change that replaced this version (NULL once their account is gone).
    user_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    -- The WebVTT file as it was before that change.
    body TEXT NOT NULL,
    cue_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX caption_revisions_caption_idx ON caption_revisions (caption_id, id);
