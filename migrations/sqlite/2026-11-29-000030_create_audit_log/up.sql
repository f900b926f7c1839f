-- The audit trail: sign-ins, sign-outs, preference and module changes (who, what, when,
-- details as JSON without secrets). No foreign key: the trail outlives accounts.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    event TEXT NOT NULL,
    user_id INTEGER,
    origin TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_log_occurred_idx ON audit_log (occurred_at);
CREATE INDEX audit_log_user_idx ON audit_log (user_id, occurred_at);
