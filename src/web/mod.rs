//! The browser side's HTTP plumbing: sessions and their store, the cookies of signed-out
//! visitors, CSRF protection, error pages and static assets.

pub mod assets;
pub mod client;
pub mod csrf;
pub mod errors;
pub mod session;
pub mod session_cache;
pub mod session_store;
pub mod visitor;
