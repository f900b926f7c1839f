//! Authentication: password hashing, tokens, the account service, its principal cache and
//! the Bearer extractor.

pub mod account;
mod account_delete;
mod account_email;
pub mod account_export;
pub mod device;
pub mod extract;
pub mod password;
pub mod principals;
pub mod service;
pub mod sign_ins;
pub mod token_checks;
pub mod tokens;

pub use extract::BearerAuth;
pub use service::{AuthError, AuthService};
