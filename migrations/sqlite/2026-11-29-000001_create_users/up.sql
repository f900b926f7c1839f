CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    email TEXT NOT NULL CHECK (length(email) <= 254),
    username TEXT NOT NULL CHECK (length(username) <= 32),
    password_hash TEXT NOT NULL,
    preferred_sign_language TEXT NOT NULL DEFAULT 'ASL' CHECK (length(preferred_sign_language) <= 10),
    visual_density INTEGER NOT NULL DEFAULT 3 CHECK (visual_density BETWEEN 1 AND 5),
    reading_level INTEGER NOT NULL DEFAULT 3 CHECK (reading_level BETWEEN 1 AND 5),
    motion_sensitivity BOOLEAN NOT NULL DEFAULT FALSE,
    color_contrast TEXT NOT NULL DEFAULT 'normal' CHECK (color_contrast IN ('normal', 'high')),
    authorized_modules TEXT NOT NULL DEFAULT '[]',
    module_preferences TEXT NOT NULL DEFAULT '{}',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    last_login TIMESTAMP,
    CONSTRAINT users_email_lower CHECK (email = lower(email))
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE INDEX users_sign_language_idx ON users (preferred_sign_language);
