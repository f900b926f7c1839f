//! Table rows and their queries. Only this module (and `db`) speaks diesel.

pub mod session;
pub mod stats;
pub mod throttle;
pub mod token;
pub mod user;

pub use user::{NewUser, User};
