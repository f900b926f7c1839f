//! PinkFlow: a deaf-first, accessibility-adaptive web platform.

pub mod auth;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod http;
pub mod models;
pub mod render;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod web;
