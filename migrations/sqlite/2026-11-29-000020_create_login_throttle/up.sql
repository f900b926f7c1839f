-- Failed sign-ins per account (the normalised email, known or not, so the throttle does
-- not reveal which accounts exist), shared by every instance.
CREATE TABLE login_throttle (
    account TEXT PRIMARY KEY,
    failures INTEGER NOT NULL CHECK (failures >= 0),
    window_started_at TIMESTAMP NOT NULL
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_started_at);
