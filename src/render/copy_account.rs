//! Interface copy of the account pages people run themselves (password change,
//! forgotten password), in the same (key, level, text) shape as [`super::copy`], which
//! reads this table too.

pub const COPY: &[(&str, u8, &str)] = &[
    (
        "register.done",
        3,
        "Your account has been created. You are signed in.",
    ),
    (
        "register.done",
        1,
        "Your account is ready. You are signed in.",
    ),
    ("account.security", 3, "Password and sign-in"),
    ("account.security", 1, "Password"),
    ("account.change_password", 3, "Change your password"),
    ("account.change_password", 1, "Change password"),
    ("login.forgot", 3, "Forgotten your password?"),
    ("login.forgot", 1, "Forgot your password?"),
    ("account.export", 3, "Download your data (JSON)"),
    ("account.export", 1, "Download my data"),
    // Deleting the account
    ("account.delete", 3, "Delete your account"),
    ("account.delete", 1, "Delete my account"),
    ("delete.heading", 3, "Delete your account"),
    ("delete.heading", 1, "Delete my account"),
    (
        "delete.lead",
        3,
        "This deletes your account, your videos with their captions, and your ratings, at once. It cannot be undone.",
    ),
    (
        "delete.lead",
        1,
        "Your account and your videos will be gone. You cannot get them back.",
    ),
    (
        "delete.lead2",
        3,
        "You can register again with the same email address later.",
    ),
    ("delete.lead2", 1, "You can make a new account later."),
    ("delete.password", 3, "Your password, to confirm"),
    ("delete.password", 1, "Your password"),
    ("delete.submit", 3, "Delete my account"),
    ("delete.keep", 3, "Keep my account"),
    ("delete.done", 3, "Your account has been deleted."),
    ("delete.done", 1, "Your account is gone."),
    // Confirming the address
    ("verify.status.yes", 3, "Your email address is confirmed."),
    ("verify.status.yes", 1, "Your email is checked."),
    (
        "verify.status.no",
        3,
        "Your email address is not confirmed yet. Follow the link we emailed you.",
    ),
    (
        "verify.status.no",
        1,
        "Your email is not checked yet. Use the link in our email.",
    ),
    ("verify.resend", 3, "Send the link again"),
    ("verify.resend", 1, "Send it again"),
    (
        "verify.sent",
        3,
        "We have sent you a new link. Older links no longer work.",
    ),
    ("verify.sent", 1, "We sent a new link."),
    ("verify.heading", 3, "Confirm your email address"),
    ("verify.heading", 1, "Is this your email?"),
    (
        "verify.lead",
        3,
        "Press the button to confirm that this address is yours.",
    ),
    ("verify.lead", 1, "Press the button to say yes."),
    ("verify.submit", 3, "Confirm my email address"),
    ("verify.submit", 1, "Yes, this is my email"),
    (
        "verify.done",
        3,
        "Thank you: your email address is confirmed.",
    ),
    ("verify.done", 1, "Thank you. Your email is checked."),
    (
        "verify.bad.body",
        3,
        "The link is wrong, was used already, or is too old. Sign in and send a new one from your account page.",
    ),
    (
        "verify.bad.body",
        1,
        "The link is old or used. Sign in to get a new one.",
    ),
    // Change password
    ("password.heading", 3, "Change your password"),
    ("password.heading", 1, "Change password"),
    (
        "password.lead",
        3,
        "Every other device where you are signed in will be signed out. This one stays signed in.",
    ),
    (
        "password.lead",
        1,
        "Other devices will be signed out. This one stays.",
    ),
    (
        "password.lead",
        5,
        "Every other browser and app where you are signed in will be signed out at once, and we will email you that the password changed. This browser stays signed in.",
    ),
    ("password.current", 3, "Current password"),
    ("password.current", 1, "Your password now"),
    ("password.new", 3, "New password"),
    ("password.new", 1, "New password"),
    (
        "password.new.hint",
        3,
        "At least 8 characters. A few words are easier to remember.",
    ),
    ("password.new.hint", 1, "8 or more letters or numbers."),
    ("password.submit", 3, "Change password"),
    (
        "password.changed",
        3,
        "Your password has been changed. Other devices were signed out.",
    ),
    (
        "password.changed",
        1,
        "Your password is new. Other devices are signed out.",
    ),
    // Forgotten password
    ("forgot.heading", 3, "Reset your password"),
    ("forgot.heading", 1, "Forgot your password?"),
    (
        "forgot.lead",
        3,
        "Enter the email address of your account. We will email you a link to choose a new password.",
    ),
    (
        "forgot.lead",
        1,
        "Type your email. We send you a link to make a new password.",
    ),
    ("forgot.email", 3, "Email address"),
    ("forgot.email", 1, "Email"),
    ("forgot.submit", 3, "Send the link"),
    ("forgot.sent.heading", 3, "Check your email"),
    ("forgot.sent.heading", 1, "Look in your email"),
    (
        "forgot.sent.body",
        3,
        "If an account uses that address, we have sent it a link to choose a new password. The link works once, for {minutes} minutes.",
    ),
    (
        "forgot.sent.body",
        1,
        "If we know your email, we sent you a link. It works once, for {minutes} minutes.",
    ),
    (
        "forgot.sent.more",
        3,
        "No email after a few minutes? Check your spam folder, or ask again.",
    ),
    (
        "forgot.sent.more",
        1,
        "No email? Look in spam, or ask again.",
    ),
    ("forgot.again", 3, "Ask for another link"),
    ("forgot.again", 1, "Get a new link"),
    // Reset password (from the link)
    ("reset.heading", 3, "Choose a new password"),
    ("reset.heading", 1, "Make a new password"),
    (
        "reset.lead",
        3,
        "After this, you will be signed out everywhere. Sign in with the new password.",
    ),
    ("reset.lead", 1, "Then sign in with the new password."),
    ("reset.submit", 3, "Save the new password"),
    (
        "reset.done",
        3,
        "Your password has been changed and you were signed out everywhere. Sign in with the new password.",
    ),
    ("reset.done", 1, "Your password is new. Sign in with it."),
    ("reset.bad.heading", 3, "This link does not work"),
    ("reset.bad.heading", 1, "This link does not work"),
    (
        "reset.bad.body",
        3,
        "The link is wrong, was used already, or is more than {minutes} minutes old. Ask for a new one.",
    ),
    (
        "reset.bad.body",
        1,
        "The link is old or used. Get a new one.",
    ),
];

/// Validation messages of these pages in plain language (levels 1 and 2).
pub const PLAIN_ERRORS: &[(&str, &str)] = &[
    (
        "Your current password is wrong",
        "That is not your password now.",
    ),
    ("Enter your current password", "Type your password now."),
    ("Enter a new password", "Type a new password."),
    ("Your password is wrong", "That is not your password."),
];
