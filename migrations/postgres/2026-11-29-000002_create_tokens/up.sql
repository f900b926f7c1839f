-- Refresh tokens: one row per issued token; rotation marks the old one used,
-- and presenting a used token revokes its whole family (RFC 9700 reuse detection).
CREATE TABLE refresh_tokens (
    jti VARCHAR(64) PRIMARY KEY,
    family_id VARCHAR(64) NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issued_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user_idx ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_expires_idx ON refresh_tokens (expires_at);

-- Access tokens revoked before their expiry (sign-out).
CREATE TABLE revoked_tokens (
    jti VARCHAR(64) PRIMARY KEY,
    token_type VARCHAR(10) NOT NULL CHECK (token_type IN ('access', 'refresh')),
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    revoked_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at);
