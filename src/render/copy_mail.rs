//! The words of every mail PinkFlow sends, in the same (key, level, text) shape as
//! [`super::copy`], which reads this table too. `{name}`, `{minutes}`, `{email}` are
//! filled in by `crate::mail::compose`.

pub const COPY: &[(&str, u8, &str)] = &[
    ("mail.greeting", 3, "Hello {name},"),
    ("mail.greeting", 1, "Hi {name},"),
    (
        "mail.footer",
        3,
        "You get this email because of your PinkFlow account. PinkFlow never asks for your password by email.",
    ),
    (
        "mail.footer",
        1,
        "This email is about your PinkFlow account. We never ask for your password.",
    ),
    (
        "mail.link_hint",
        3,
        "If the button does not work, copy this address into your browser:",
    ),
    (
        "mail.link_hint",
        1,
        "No button? Copy this into your browser:",
    ),
    // Confirm the address (at registration)
    ("mail.verify.subject", 3, "Confirm your email address"),
    ("mail.verify.subject", 1, "Is this your email?"),
    (
        "mail.verify.body",
        3,
        "Please confirm that this is your email address, so PinkFlow can reach you about your account.",
    ),
    (
        "mail.verify.body",
        1,
        "Please tell us this is your email. Then we can write to you.",
    ),
    (
        "mail.verify.body",
        5,
        "Please confirm that this is your email address. PinkFlow writes to it only about your account: to reset a forgotten password, or to tell you when your password or address changes.",
    ),
    ("mail.verify.action", 3, "Confirm my email address"),
    ("mail.verify.action", 1, "Yes, this is my email"),
    (
        "mail.verify.after",
        3,
        "The link works for {minutes} minutes. If you did not create an account, you can ignore this email.",
    ),
    (
        "mail.verify.after",
        1,
        "The link works for {minutes} minutes. Not you? Do nothing.",
    ),
    // Password changed
    (
        "mail.password_changed.subject",
        3,
        "Your password was changed",
    ),
    ("mail.password_changed.subject", 1, "Your password is new"),
    (
        "mail.password_changed.body",
        3,
        "The password of your PinkFlow account was just changed. Every other device was signed out.",
    ),
    (
        "mail.password_changed.body",
        1,
        "Someone changed your password. Other devices are signed out.",
    ),
    (
        "mail.password_changed.after",
        3,
        "If this was not you, reset your password now and check where you are signed in.",
    ),
    (
        "mail.password_changed.after",
        1,
        "Not you? Make a new password now.",
    ),
    ("mail.password_changed.action", 3, "Reset my password"),
    ("mail.password_changed.action", 1, "Make a new password"),
    // Forgotten password
    ("mail.reset.subject", 3, "Reset your PinkFlow password"),
    ("mail.reset.subject", 1, "Make a new password"),
    (
        "mail.reset.body",
        3,
        "Someone asked to reset the password of the PinkFlow account with this email address. Use the button to choose a new password.",
    ),
    (
        "mail.reset.body",
        1,
        "Someone asked for a new password. Press the button to make one.",
    ),
    ("mail.reset.action", 3, "Choose a new password"),
    ("mail.reset.action", 1, "Make a new password"),
    (
        "mail.reset.after",
        3,
        "The link works once, for {minutes} minutes. If you did not ask, ignore this email: your password stays the same.",
    ),
    (
        "mail.reset.after",
        1,
        "The link works once, for {minutes} minutes. Not you? Do nothing.",
    ),
    // Change of address: to the new address
    (
        "mail.email_change.subject",
        3,
        "Confirm your new email address",
    ),
    ("mail.email_change.subject", 1, "Is this your new email?"),
    (
        "mail.email_change.body",
        3,
        "You asked to use this address for your PinkFlow account. It changes when you confirm.",
    ),
    (
        "mail.email_change.body",
        1,
        "You want to use this email for PinkFlow. Press the button to say yes.",
    ),
    ("mail.email_change.action", 3, "Use this email address"),
    ("mail.email_change.action", 1, "Yes, use this email"),
    (
        "mail.email_change.after",
        3,
        "The link works for {minutes} minutes. If you did not ask, ignore this email.",
    ),
    (
        "mail.email_change.after",
        1,
        "The link works for {minutes} minutes. Not you? Do nothing.",
    ),
    // Change of address: notice to the old address
    (
        "mail.email_changed.subject",
        3,
        "Your email address was changed",
    ),
    ("mail.email_changed.subject", 1, "Your email is new"),
    (
        "mail.email_changed.body",
        3,
        "Your PinkFlow account now uses {email}. We will not write to this address again.",
    ),
    (
        "mail.email_changed.body",
        1,
        "Your PinkFlow account now uses {email}. We will not write here again.",
    ),
    (
        "mail.email_changed.after",
        3,
        "If this was not you, sign in and change your password, or contact the site's team.",
    ),
    (
        "mail.email_changed.after",
        1,
        "Not you? Sign in and change your password.",
    ),
];
