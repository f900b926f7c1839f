//! PinkFlow: a deaf-first, accessibility-adaptive web platform.

pub mod auth;
pub mod cache;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod events;
#[doc(hidden)]
pub mod fuzz_targets;
pub mod http;
pub mod mail;
pub mod metrics;
pub mod models;
pub mod moderation;
pub mod redis;
pub mod render;
pub mod resilience;
pub mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod video;
pub mod web;
