DROP TABLE video_reports;
ALTER TABLE users DROP COLUMN uploads_per_day;
ALTER TABLE users DROP COLUMN video_quota_mb;
ALTER TABLE users DROP COLUMN sessions_revoked_at;
ALTER TABLE users DROP COLUMN suspended_reason;
ALTER TABLE users DROP COLUMN suspended_at;
ALTER TABLE users DROP COLUMN role;
