-- Accounts people run themselves (issue 13). session_epoch: a browser session carries the
-- epoch it was started in, and a password change or reset bumps it, so every other
-- session ends at once, on every instance, whichever store keeps it. email_verified_at:
-- when the address was confirmed.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN email_verified_at TIMESTAMP;
-- Single-use links (password reset, email verification, change of address): only the
-- SHA-256 of the 256-bit random token is stored.
CREATE TABLE account_tokens (
    id SERIAL PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX account_tokens_user_idx ON account_tokens (user_id, purpose);
