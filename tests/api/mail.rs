//! Mail: queued in the database, delivered over real SMTP (aiosmtpd on loopback) as
//! plain text + HTML, or written as `.eml` files without `SMTP_URL`; an SMTP outage
//! delays mail and loses none, and each mail arrives exactly once, also with two
//! instances sending from one queue.

use std::time::{Duration, Instant};

use pinkflow::mail::{MailKind, Recipient};
use pinkflow::models::mail as mail_db;

use crate::helpers::{TestApp, spawn_app_with, spawn_peer};
use crate::smtp::{SmtpSink, link_in, wait_for_messages};

/// Fast retries, and a sender that looks at the queue every second.
fn quick(s: &mut std::collections::HashMap<String, String>) {
    s.insert("MAIL_RETRY_BACKOFF".into(), "1s".into());
    s.insert("MAIL_POLL_INTERVAL".into(), "1s".into());
    s.insert("PUBLIC_URL".into(), "https://pink.example".into());
    s.insert("MAIL_FROM".into(), "PinkFlow <hello@pink.example>".into());
}

async fn queue_reset_mail(app: &TestApp, to: &str, level: u8) -> i32 {
    let mailer = app.state.mail.clone();
    let to = to.to_owned();
    let id = app
        .state
        .db
        .run(move |conn| {
            mailer.queue(
                conn,
                &Recipient {
                    user_id: None,
                    email: &to,
                    name: "ann",
                    reading_level: level,
                },
                &MailKind::PasswordReset {
                    link: "https://pink.example/reset-password?token=abc123".into(),
                    minutes: 30,
                },
            )
        })
        .await
        .unwrap();
    app.state.mail.wake();
    id
}

async fn rows(app: &TestApp, to: &str) -> Vec<mail_db::QueuedMail> {
    let to = to.to_owned();
    app.state
        .db
        .run(move |c| mail_db::for_recipient(c, &to))
        .await
        .unwrap()
}

async fn wait_until_sent(app: &TestApp, to: &str) -> mail_db::QueuedMail {
    let started = Instant::now();
    loop {
        let all = rows(app, to).await;
        if let Some(m) = all.iter().find(|m| m.status == "sent") {
            return m.clone();
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "mail not sent: {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn mail_goes_over_smtp_as_plain_text_and_html_in_the_recipients_words() {
    let sink = SmtpSink::up().await;
    let url = sink.url();
    let app = spawn_app_with(|s| {
        quick(s);
        s.insert("SMTP_URL".into(), url);
    })
    .await;
    queue_reset_mail(&app, "ann@example.com", 1).await;
    let got = sink.wait_for(1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(m.contains("X-Envelope-To: ann@example.com"), "{m}");
    assert!(m.contains("From: PinkFlow <hello@pink.example>"), "{m}");
    assert!(m.contains("multipart/alternative"), "{m}");
    assert!(m.contains("text/plain"), "{m}");
    assert!(m.contains("text/html"), "{m}");
    // Reading level 1: the plain words.
    assert!(m.contains("Subject: Make a new password"), "{m}");
    assert!(m.contains("Press the button to make one."), "{m}");
    assert_eq!(
        link_in(m, "https://pink.example/").as_deref(),
        Some("https://pink.example/reset-password?token=abc123")
    );
    assert!(m.contains("href=\"https://pink.example/reset-password?token=abc123\""));

    let row = wait_until_sent(&app, "ann@example.com").await;
    assert_eq!(row.attempts, 1);
    assert!(
        m.contains(&format!("Message-ID: <{}>", row.message_id)),
        "{m}"
    );
    // Sent mail keeps no body (it held a single-use link).
    assert!(row.body_text.is_empty() && row.body_html.is_empty());
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sink.messages().len(), 1, "delivered once");
}

#[tokio::test]
async fn an_smtp_outage_delays_mail_and_loses_none_and_it_arrives_exactly_once() {
    let mut sink = SmtpSink::down();
    let url = sink.url();
    let app = spawn_app_with(|s| {
        quick(s);
        s.insert("SMTP_URL".into(), url);
    })
    .await;
    queue_reset_mail(&app, "bo@example.com", 3).await;

    // The server is down: the attempt fails, the mail waits with its error.
    let started = Instant::now();
    let waiting = loop {
        let all = rows(&app, "bo@example.com").await;
        if let Some(m) = all
            .iter()
            .find(|m| m.status == "pending" && m.attempts >= 1)
        {
            break m.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{all:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(waiting.last_error.is_some());
    assert!(!waiting.body_text.is_empty(), "the mail is kept until sent");
    let report = pinkflow::mail::status::report(&app.state.db, "SMTP")
        .await
        .unwrap();
    assert!(report.contains("pending: 1"), "{report}");
    assert!(report.contains("bo@example.com"), "{report}");
    assert!(report.contains("last error"), "{report}");

    // Still down for a couple of retries, then the server comes back.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(sink.messages().is_empty());
    sink.start().await;
    let got = sink.wait_for(1, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 1, "the mail arrives once the server is back");
    assert!(got[0].contains("Subject: Reset your PinkFlow password"));
    let sent = wait_until_sent(&app, "bo@example.com").await;
    assert!(sent.attempts >= 2, "it was retried: {sent:?}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(sink.messages().len(), 1, "exactly once");
    let report = pinkflow::mail::status::report(&app.state.db, "SMTP")
        .await
        .unwrap();
    assert!(report.contains("pending: 0"), "{report}");
    assert!(report.contains("sent: 1"), "{report}");
}

#[tokio::test]
async fn two_instances_sending_from_one_queue_deliver_each_mail_once() {
    let sink = SmtpSink::up().await;
    let url = sink.url();
    let app = spawn_app_with(|s| {
        quick(s);
        s.insert("SMTP_URL".into(), url);
    })
    .await;
    let peer = spawn_peer(&app, &["SMTP_URL", "MAIL_POLL_INTERVAL", "PUBLIC_URL"]).await;
    for i in 0..6 {
        let instance = if i % 2 == 0 { &app } else { &peer };
        queue_reset_mail(instance, &format!("p{i}@example.com"), 3).await;
    }
    let got = sink.wait_for(6, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 6);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = sink.messages();
    assert_eq!(got.len(), 6, "no mail twice");
    for i in 0..6 {
        let to = format!("X-Envelope-To: p{i}@example.com");
        assert_eq!(got.iter().filter(|m| m.contains(&to)).count(), 1, "{to}");
    }
}

#[tokio::test]
async fn without_smtp_url_each_mail_is_an_eml_file_in_the_outbox() {
    let outbox = tempfile::tempdir().unwrap();
    let dir = outbox.path().join("outbox");
    let dir_setting = dir.display().to_string();
    let app = spawn_app_with(|s| {
        quick(s);
        s.insert("MAIL_OUTBOX_DIR".into(), dir_setting);
    })
    .await;
    queue_reset_mail(&app, "cy@example.com", 5).await;
    let got = wait_for_messages(&dir, 1, Duration::from_secs(20)).await;
    assert_eq!(got.len(), 1);
    let m = &got[0];
    assert!(m.contains("To: cy@example.com"), "{m}");
    assert!(m.contains("text/plain") && m.contains("text/html"), "{m}");
    assert!(m.contains("https://pink.example/reset-password?token=abc123"));
    let row = wait_until_sent(&app, "cy@example.com").await;
    let file = dir.join(format!("{}.eml", row.message_id.replace('@', "_")));
    assert!(
        file.exists(),
        "named after the Message-ID: {}",
        file.display()
    );
}
