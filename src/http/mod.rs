//! Cross-cutting HTTP pieces: request context and logging, JSON errors under `/api`,
//! security headers and rate limits.

pub mod middleware;
pub mod rate_limit;
