//! HTTP handlers, grouped by feature. Handlers are thin: extract, call a service, respond.

pub mod api;
pub mod health;
pub mod media;
pub mod metrics;
pub mod pages;
pub mod video_forms;
