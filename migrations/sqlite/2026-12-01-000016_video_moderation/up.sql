-- Moderators hide a video (issue 15): hidden videos leave the catalogue, search and every page and media URL for everyone but their owner and moderators.
ALTER TABLE videos ADD COLUMN hidden_at TIMESTAMP;
ALTER TABLE videos ADD COLUMN hidden_reason TEXT;
