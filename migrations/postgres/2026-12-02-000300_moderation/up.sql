-- Roles, suspension and per-account quotas (issue 15), and viewers' reports of videos.
ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'member'
    CHECK (role IN ('member', 'moderator', 'admin'));
ALTER TABLE users ADD COLUMN suspended_at TIMESTAMP;
ALTER TABLE users ADD COLUMN suspended_reason TEXT;
-- Browser sessions signed in before this instant are no longer valid.
ALTER TABLE users ADD COLUMN sessions_revoked_at TIMESTAMP;
-- Per-account overrides of VIDEO_QUOTA_MB and VIDEO_UPLOADS_PER_DAY (NULL: the default).
ALTER TABLE users ADD COLUMN video_quota_mb INTEGER CHECK (video_quota_mb IS NULL OR video_quota_mb >= 0);
ALTER TABLE users ADD COLUMN uploads_per_day INTEGER CHECK (uploads_per_day IS NULL OR uploads_per_day >= 0);

CREATE TABLE video_reports (
    id SERIAL PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    reporter_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    reason TEXT NOT NULL CHECK (reason IN ('wrong_language', 'inaccurate', 'inappropriate', 'copyright', 'other')),
    details TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'dismissed', 'actioned')),
    created_at TIMESTAMP NOT NULL,
    resolved_at TIMESTAMP,
    resolved_by INTEGER REFERENCES users(id) ON DELETE SET NULL
);
-- One open report per viewer per video.
CREATE UNIQUE INDEX video_reports_one_open ON video_reports (video_id, reporter_id) WHERE status = 'open';
CREATE INDEX video_reports_status ON video_reports (status, video_id);
CREATE INDEX video_reports_reporter ON video_reports (reporter_id, created_at);
