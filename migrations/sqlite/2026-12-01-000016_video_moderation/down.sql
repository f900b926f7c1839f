ALTER TABLE videos DROP COLUMN hidden_reason;
ALTER TABLE videos DROP COLUMN hidden_at;
