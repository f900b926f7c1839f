//! `pinkflow mail status`: the queue at a glance (how many mails in each state, and
//! every mail not yet sent, with its attempts, next try and last error).

use crate::db::{Db, DbError};
use crate::models::mail as mail_db;

/// The report `pinkflow mail status` prints.
pub async fn report(db: &Db, delivery: &str) -> Result<String, DbError> {
    let (counts, unsent) = db
        .run(|c| Ok((mail_db::count_by_status(c)?, mail_db::unsent(c, 50)?)))
        .await?;
    let count = |status: &str| {
        counts
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    };
    let mut out = format!(
        "mail delivery: {delivery}\npending: {}  sending: {}  sent: {}  failed: {}\n",
        count(mail_db::STATUS_PENDING),
        count(mail_db::STATUS_SENDING),
        count(mail_db::STATUS_SENT),
        count(mail_db::STATUS_FAILED),
    );
    if unsent.is_empty() {
        out.push_str("nothing waiting\n");
    }
    for m in &unsent {
        out.push_str(&format!(
            "#{:<6} {:<8} {:<17} to {:<32} queued {}  attempts {}  next {}{}\n",
            m.id,
            m.status,
            m.kind,
            m.recipient,
            m.created_at.format("%Y-%m-%d %H:%M:%S"),
            m.attempts,
            m.next_attempt_at.format("%Y-%m-%d %H:%M:%S"),
            m.last_error
                .as_deref()
                .map(|e| format!("  last error: {e}"))
                .unwrap_or_default(),
        ));
    }
    Ok(out)
}
