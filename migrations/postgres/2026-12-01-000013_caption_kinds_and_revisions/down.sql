DROP TABLE caption_revisions;
DELETE FROM captions WHERE kind NOT IN ('captions', 'subtitles');
ALTER TABLE captions DROP CONSTRAINT captions_kind_check;
ALTER TABLE captions ALTER COLUMN kind TYPE VARCHAR(10);
ALTER TABLE captions ADD CONSTRAINT captions_kind_check CHECK (kind IN ('captions', 'subtitles'));
