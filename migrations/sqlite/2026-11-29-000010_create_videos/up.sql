-- Videos: the row is also the processing job (status, attempts, lease).
CREATE TABLE videos (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    sign_language TEXT NOT NULL,
    visibility TEXT NOT NULL DEFAULT 'private' CHECK (visibility IN ('private', 'public')),
    status TEXT NOT NULL DEFAULT 'uploaded'
        CHECK (status IN ('uploaded', 'queued', 'processing', 'ready', 'failed')),
    progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    original_filename TEXT NOT NULL,
    source_key TEXT NOT NULL,
    source_size INTEGER NOT NULL,
    output_key TEXT,
    poster_key TEXT,
    duration_seconds REAL,
    width INTEGER,
    height INTEGER,
    video_codec TEXT,
    audio_codec TEXT,
    edition_group TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    lease_until TIMESTAMP,
    lease_token TEXT,
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
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    video_id INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    language TEXT NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL DEFAULT 'captions' CHECK (kind IN ('captions', 'subtitles')),
    storage_key TEXT NOT NULL,
    cue_count INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX captions_video_language_kind_key ON captions (video_id, language, kind);

-- A viewer's rating of the signing, one per viewer per video.
CREATE TABLE video_feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    video_id INTEGER NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    rating TEXT NOT NULL CHECK (rating IN ('accurate', 'helpful', 'inaccurate')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX video_feedback_video_user_key ON video_feedback (video_id, user_id);
CREATE INDEX video_feedback_user_idx ON video_feedback (user_id);
