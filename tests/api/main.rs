//! Integration tests of the HTTP application. Run on SQLite by default and on
//! PostgreSQL (+ Redis) with `PINKFLOW_TEST_BACKEND=postgres` (see helpers.rs).

mod auth_login;
mod auth_register;
mod auth_tokens;
mod csrf;
mod health;
mod helpers;
mod openapi;
mod pages;
mod preferences;
mod protocol;
mod renderer;
mod sessions;
mod throttle;
