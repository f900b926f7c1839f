//! Interface copy of changing the email address and of the "where you are signed in"
//! page, in the same (key, level, text) shape as [`super::copy`], which reads this table
//! too.

pub const COPY: &[(&str, u8, &str)] = &[
    ("account.change_email", 3, "Change your email address"),
    ("account.change_email", 1, "Change my email"),
    ("account.sessions", 3, "Where you are signed in"),
    ("account.sessions", 1, "Where I am signed in"),
    // Changing the email address
    ("email.heading", 3, "Change your email address"),
    ("email.heading", 1, "Change my email"),
    ("email.now", 3, "Your email address now is {email}."),
    ("email.now", 1, "Your email now: {email}."),
    (
        "email.lead",
        3,
        "We will email a link to the new address. Your address changes when you follow the link; until then the old one stays.",
    ),
    (
        "email.lead",
        1,
        "We send a link to the new email. Open it to make the change.",
    ),
    ("email.new", 3, "New email address"),
    ("email.new", 1, "New email"),
    ("email.password", 3, "Your password, to confirm"),
    ("email.password", 1, "Your password"),
    ("email.submit", 3, "Send the link"),
    ("email.submit", 1, "Send link"),
    ("email.sent.heading", 3, "Check the new inbox"),
    ("email.sent.heading", 1, "Look in your new email"),
    (
        "email.sent.body",
        3,
        "We sent a link to {email}. Follow it within {minutes} minutes to change your address.",
    ),
    (
        "email.sent.body",
        1,
        "We sent a link to {email}. Open it within {minutes} minutes.",
    ),
    ("confirm_email.heading", 3, "Use this email address?"),
    ("confirm_email.heading", 1, "Use this email?"),
    (
        "confirm_email.lead",
        3,
        "Your account's email address will be {email}.",
    ),
    ("confirm_email.lead", 1, "Your new email will be {email}."),
    ("confirm_email.submit", 3, "Use this email address"),
    ("confirm_email.submit", 1, "Yes, use this email"),
    (
        "confirm_email.done",
        3,
        "Your email address is now {email}.",
    ),
    ("confirm_email.done", 1, "Your email is now {email}."),
    (
        "confirm_email.bad.body",
        3,
        "The link is wrong, was used already, or is too old. Ask for a new one from your account.",
    ),
    (
        "confirm_email.bad.body",
        1,
        "The link is old or used. Get a new one from your account.",
    ),
    (
        "confirm_email.taken.heading",
        3,
        "Your email address did not change",
    ),
    (
        "confirm_email.taken.heading",
        1,
        "Your email did not change",
    ),
    (
        "confirm_email.taken.body",
        3,
        "Another account uses this email address now, so yours stays as it was.",
    ),
    (
        "confirm_email.taken.body",
        1,
        "Someone else has this email now. Your email stays the same.",
    ),
    // Where you are signed in
    ("sessions.heading", 3, "Where you are signed in"),
    ("sessions.heading", 1, "Where I am signed in"),
    (
        "sessions.lead",
        3,
        "These browsers and apps are signed in to your account. If you do not know one, sign it out and change your password.",
    ),
    (
        "sessions.lead",
        1,
        "These are signed in as you. Sign out any you do not know.",
    ),
    (
        "sessions.place.hint",
        3,
        "The place is the network the sign-in came from, never the full address.",
    ),
    (
        "sessions.place.hint",
        1,
        "Place: only the network, not the address.",
    ),
    ("sessions.kind", 3, "Kind"),
    ("sessions.kind.browser", 3, "Browser"),
    ("sessions.kind.api", 3, "App (API sign-in)"),
    ("sessions.kind.api", 1, "App"),
    ("sessions.place", 3, "Approximate place (network)"),
    ("sessions.place", 1, "Network"),
    ("sessions.signed_in", 3, "Signed in"),
    ("sessions.last_seen", 3, "Last seen"),
    ("sessions.last_seen", 1, "Last used"),
    ("sessions.this", 3, "This browser"),
    ("sessions.sign_out", 3, "Sign out"),
    (
        "sessions.here",
        3,
        "To sign out here, use Sign out at the top of the page.",
    ),
    (
        "sessions.here",
        1,
        "Use Sign out at the top to sign out here.",
    ),
    ("sessions.others", 3, "Sign out everywhere else"),
    ("sessions.others", 1, "Sign out all others"),
    ("sessions.alone", 3, "You are not signed in anywhere else."),
    ("sessions.alone", 1, "You are signed in only here."),
    ("sessions.signed_out_here", 3, "You are signed out."),
    ("sessions.ended", 3, "Signed out: {device}."),
    ("sessions.ended", 1, "{device} is signed out."),
    (
        "sessions.ended_others",
        3,
        "You were signed out everywhere else. This browser stays signed in.",
    ),
    (
        "sessions.ended_others",
        1,
        "All others are signed out. You are still signed in here.",
    ),
];

/// Validation messages of these pages in plain language (levels 1 and 2).
pub const PLAIN_ERRORS: &[(&str, &str)] = &[
    ("Enter your new email address", "Type the new email."),
    (
        "This is already your email address",
        "This is your email now. Type a new one.",
    ),
    (
        "That sign-in has ended already",
        "That one is signed out already.",
    ),
];
