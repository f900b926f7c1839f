-- Where an account is signed in (issue 13): one row per browser session and per API
-- sign-in (refresh token family), whichever store keeps the sessions. A browser session
-- carries its row's id, and a session whose row is gone has ended (on every instance:
-- the check is part of the account read). Only the device in words and the address's
-- network prefix (/24, /48) are kept, never the full address or User-Agent.
CREATE TABLE sign_ins (
    id VARCHAR(32) PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind VARCHAR(10) NOT NULL CHECK (kind IN ('browser', 'api')),
    family_id VARCHAR(64) UNIQUE,
    device TEXT NOT NULL,
    place TEXT NOT NULL,
    signed_in_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_ins_user_idx ON sign_ins (user_id);
CREATE INDEX sign_ins_expires_idx ON sign_ins (expires_at);
