//! Writing a mail: which words (by kind and the recipient's reading level), as plain
//! text and as HTML, from one pair of templates (`templates/mail/message.{txt,html}`).

use askama::Template;

use crate::render::copy;

/// What a mail is about. Its name is stored with the queued mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailKind {
    /// Confirm the address given at registration (link).
    VerifyEmail { link: String, minutes: u64 },
    /// The password was changed (notice, with a link to reset it).
    PasswordChanged { reset_link: String },
    /// Choose a new password (single-use link).
    PasswordReset { link: String, minutes: u64 },
    /// To the new address: confirm it (link).
    EmailChange { link: String, minutes: u64 },
    /// To the old address: the account now uses `new_email`.
    EmailChanged { new_email: String },
}

impl MailKind {
    pub fn name(&self) -> &'static str {
        match self {
            MailKind::VerifyEmail { .. } => "verify_email",
            MailKind::PasswordChanged { .. } => "password_changed",
            MailKind::PasswordReset { .. } => "password_reset",
            MailKind::EmailChange { .. } => "email_change",
            MailKind::EmailChanged { .. } => "email_changed",
        }
    }

    fn key(&self) -> &'static str {
        match self {
            MailKind::VerifyEmail { .. } => "mail.verify",
            MailKind::PasswordChanged { .. } => "mail.password_changed",
            MailKind::PasswordReset { .. } => "mail.reset",
            MailKind::EmailChange { .. } => "mail.email_change",
            MailKind::EmailChanged { .. } => "mail.email_changed",
        }
    }

    /// The link the mail exists for, if any.
    pub fn link(&self) -> Option<&str> {
        match self {
            MailKind::VerifyEmail { link, .. }
            | MailKind::PasswordReset { link, .. }
            | MailKind::EmailChange { link, .. } => Some(link),
            MailKind::PasswordChanged { reset_link } => Some(reset_link),
            MailKind::EmailChanged { .. } => None,
        }
    }
}

/// A written mail, ready to queue.
#[derive(Debug, Clone)]
pub struct Composed {
    pub kind: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Action {
    pub label: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "mail/message.txt")]
struct TextMail<'a> {
    greeting: &'a str,
    paragraphs: &'a [String],
    action: &'a Option<Action>,
    after: &'a [String],
    footer: &'a str,
}

#[derive(Template)]
#[template(path = "mail/message.html")]
struct HtmlMail<'a> {
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    action: &'a Option<Action>,
    link_hint: &'a str,
    after: &'a [String],
    footer: &'a str,
}

/// Write `kind` for `name` at reading `level` (1-5).
pub fn compose(kind: &MailKind, name: &str, level: u8) -> Result<Composed, askama::Error> {
    let key = kind.key();
    let t = |suffix: &str| copy::text(&format!("{key}.{suffix}"), level);
    let fill = |s: &str| {
        let s = s.replace("{name}", name);
        match kind {
            MailKind::VerifyEmail { minutes, .. }
            | MailKind::PasswordReset { minutes, .. }
            | MailKind::EmailChange { minutes, .. } => s.replace("{minutes}", &minutes.to_string()),
            MailKind::EmailChanged { new_email } => s.replace("{email}", new_email),
            MailKind::PasswordChanged { .. } => s,
        }
    };
    let subject = t("subject").to_owned();
    let greeting = fill(copy::text("mail.greeting", level));
    let paragraphs = vec![fill(t("body"))];
    let after = vec![fill(t("after"))];
    let action = kind.link().map(|url| Action {
        label: t("action").to_owned(),
        url: url.to_owned(),
    });
    let footer = copy::text("mail.footer", level);
    let text = TextMail {
        greeting: &greeting,
        paragraphs: &paragraphs,
        action: &action,
        after: &after,
        footer,
    }
    .render()?;
    let html = HtmlMail {
        subject: &subject,
        greeting: &greeting,
        paragraphs: &paragraphs,
        action: &action,
        link_hint: copy::text("mail.link_hint", level),
        after: &after,
        footer,
    }
    .render()?;
    Ok(Composed {
        kind: kind.name(),
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_words_at_every_level_and_both_parts_carry_the_link() {
        let kinds = [
            MailKind::VerifyEmail {
                link: "https://p.example/verify?t=1".into(),
                minutes: 1440,
            },
            MailKind::PasswordChanged {
                reset_link: "https://p.example/forgot-password".into(),
            },
            MailKind::PasswordReset {
                link: "https://p.example/reset?t=2&x=<y>".into(),
                minutes: 30,
            },
            MailKind::EmailChange {
                link: "https://p.example/e?t=3".into(),
                minutes: 60,
            },
            MailKind::EmailChanged {
                new_email: "new@example.com".into(),
            },
        ];
        for kind in &kinds {
            for level in 1..=5 {
                let m = compose(kind, "ann", level).unwrap();
                assert!(!m.subject.is_empty(), "{kind:?} {level}");
                assert!(m.text.contains("ann"), "{}", m.text);
                assert!(!m.text.contains('{'), "unfilled placeholder: {}", m.text);
                if let Some(link) = kind.link() {
                    assert!(m.text.contains(link), "{}", m.text);
                    // HTML escapes the link's `&` and `<`.
                    assert!(m.html.contains("href=\"https://p.example/"), "{}", m.html);
                }
            }
        }
        let plain = compose(&kinds[2], "ann", 1).unwrap();
        let standard = compose(&kinds[2], "ann", 3).unwrap();
        assert_ne!(plain.subject, standard.subject);
        assert!(standard.html.contains("&#60;y&#62;"), "{}", standard.html);
    }
}
