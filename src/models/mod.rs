//! Table rows and their queries. Only this module (and `db`) speaks diesel.

pub mod account_token;
pub mod audit;
pub mod caption;
pub mod caption_revision;
pub mod feedback;
pub mod mail;
pub mod moderation;
pub mod report;
pub mod search;
pub mod seed;
pub mod session;
pub mod sign_in;
pub mod stats;
pub mod throttle;
pub mod token;
pub mod user;
pub mod video;
pub mod video_job;
pub mod watch;

pub use user::{NewUser, User};
pub use video::Video;
