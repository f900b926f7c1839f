ALTER TABLE videos DROP COLUMN frame_rate;
