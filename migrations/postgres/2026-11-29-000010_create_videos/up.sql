-- Videos: the row is also the processing job (status, attempts, lease).
CREATE TABLE videos (
    id SERIAL PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title VARCHAR(200) NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sign_language VARCHAR(10) NOT NULL,
    visibility VARCHAR(10) NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    status VARCHAR(12) NOT NULL DEFAULT 'uploaded'
        CHECK (status IN ('uploaded', 'queued', 'processing', 'ready', 'failed')),
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    original_filename VARCHAR(255) NOT NULL,
    source_key VARCHAR(200) NOT NULL,
    source_size BIGINT NOT NULL,
    output_key VARCHAR(200),
    poster_key VARCHAR(200),
    duration_seconds DOUBLE PRECISION,
    width INTEGER,
    height INTEGER,
    video_codec VARCHAR(32),
    audio_codec VARCHAR(32),
    edition_group VARCHAR(36),
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until TIMESTAMP,
    lease_token VARCHAR(36),
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    processed_at TIMESTAMP
);
CREATE INDEX videos_owner_idx ON videos (owner_id, created_at);
CREATE INDEX videos_status_idx ON videos (status);
CREATE INDEX videos_public_idx ON videos (sign_language, created_at) WHERE visibility = 'public' AND status = 'ready';
CREATE INDEX videos_claim_idx ON videos (status, lease_until, id) WHERE status IN ('queued', 'processing');
CREATE INDEX videos_edition_idx ON videos (edition_group) WHERE edition_group IS NOT NULL;

-- WebVTT caption tracks, one per (video, language, kind).
CREATE TABLE captions (
    id SERIAL PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language VARCHAR(35) NOT NULL,
    label VARCHAR(64) NOT NULL,
    kind VARCHAR(10) NOT NULL DEFAULT 'captions' CHECK (kind IN ('captions', 'subtitles')),
    storage_key VARCHAR(200) NOT NULL,
    cue_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX captions_video_language_kind_key ON captions (video_id, language, kind);

-- A viewer's rating of the signing, one per viewer per video.
CREATE TABLE video_feedback (
    id SERIAL PRIMARY KEY,
    video_id INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating VARCHAR(12) NOT NULL CHECK (rating IN ('accurate', 'helpful', 'inaccurate')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX video_feedback_video_user_key ON video_feedback (video_id, user_id);
CREATE INDEX video_feedback_user_idx ON video_feedback (user_id);
