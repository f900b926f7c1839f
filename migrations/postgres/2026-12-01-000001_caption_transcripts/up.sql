-- The cues of each track as transcript lines (JSON), parsed once when the track is stored.
-- Tracks stored before this column existed are filled by the application on first read.
ALTER TABLE captions ADD COLUMN transcript TEXT;
