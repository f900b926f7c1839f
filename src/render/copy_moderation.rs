//! Interface copy for reports, the moderation queue and the admin pages, in the same
//! (key, level, text) shape as [`super::copy`], which reads this table too.

pub const COPY: &[(&str, u8, &str)] = &[
    (
        "login.suspended",
        3,
        "This account is suspended by moderators, so you cannot sign in.",
    ),
    (
        "login.suspended",
        1,
        "Your account is stopped. You cannot sign in.",
    ),
];
