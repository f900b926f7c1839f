-- Browser sessions when Redis is not configured. The id is the SHA-256 of the session
-- key held in the cookie, so a copy of this table cannot be replayed as cookies.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
