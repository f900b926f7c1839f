//! Integration tests of the HTTP application. Run on SQLite by default and on
//! PostgreSQL (+ Redis) with `PINKFLOW_TEST_BACKEND=postgres` (see helpers.rs).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and tool code: a failed unwrap is a failed run, with its message"
)]

mod auth_login;
mod auth_register;
mod auth_tokens;
mod cache;
mod caption_editor;
mod caption_editor_pages;
mod caption_import;
mod captions;
mod cluster;
mod csrf;
mod delete_account;
mod email_change;
mod events;
mod export;
mod health;
mod helpers;
mod mail;
mod metrics;
mod moderation;
mod moderation_cluster;
mod moderation_helpers;
mod moderation_pages;
mod openapi;
mod outage;
mod pages;
mod passwords;
mod passwords_api;
mod player;
mod player_pages;
mod player_prefs;
mod preferences;
mod protocol;
mod quotas;
mod read_models;
mod redis_outage;
mod renderer;
mod revocation;
mod search;
mod search_counts;
mod search_pages;
mod session_cache;
mod sessions;
mod sign_ins;
mod sign_ins_registry;
mod smtp;
mod stateless;
mod throttle;
mod transactions;
mod verification;
mod video_helpers;
mod video_pages;
mod videos;
mod worker;
mod x_accel;
