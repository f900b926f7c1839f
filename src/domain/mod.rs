//! Validated values: parse once at the edge, then trust the type.
//!
//! Error messages are written for people: they say what is wrong and what to do.

mod account;
mod caption_contrast;
mod moderation;
pub mod player_prefs;
mod player_update;
mod preferences;
mod video;

pub use account::{Email, Password, Username};
pub use caption_contrast::{ContrastFailure, Refusal, refusal_errors};
pub use moderation::{MODERATION_REASON_MAX, REPORT_DETAILS_MAX, ReportReason, Role};
pub use player_prefs::{PlayerPrefs, PlayerPrefsJson, PlayerPrefsUpdate};
pub use preferences::{
    Contrast, Density, FieldErrors, PREFERENCE_FIELDS, Preferences, PreferencesJson,
    PreferencesUpdate, ReadingLevel, SIGN_LANGUAGES, SignLanguage,
};
pub use video::{UnknownValue, VideoStatus, Visibility};
