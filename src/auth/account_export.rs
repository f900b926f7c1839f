//! Taking your data (GDPR article 20): one JSON document with the profile, the
//! preferences, every video (details and links, with its caption tracks) and every
//! rating given.

use serde::Serialize;
use serde_json::Value;

use super::account::{AccountError, AccountService};
use crate::db::DbError;
use crate::models::User;
use crate::models::feedback as feedback_db;
use crate::video::VideoView;

/// The export document.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AccountExport {
    /// `pinkflow-account-export/1`.
    pub format: &'static str,
    /// RFC 3339 time of the export.
    pub exported_at: String,
    pub profile: ExportProfile,
    /// The accessibility preferences, as `GET /api/auth/user` gives them.
    #[schema(value_type = Object)]
    pub accessibility_preferences: Value,
    /// Every video of the account, with its caption tracks and links.
    pub videos: Vec<VideoView>,
    /// Every rating this account gave.
    pub feedback: Vec<ExportRating>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExportProfile {
    pub id: i32,
    pub email: String,
    pub username: String,
    pub email_verified: bool,
    pub created_at: String,
    #[schema(nullable)]
    pub last_login: Option<String>,
    pub authorized_modules: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExportRating {
    pub video_id: i32,
    /// `accurate`, `helpful` or `inaccurate`.
    pub rating: String,
    pub updated_at: String,
}

fn iso(at: chrono::NaiveDateTime) -> String {
    chrono::DateTime::<chrono::Utc>::from_naive_utc_and_offset(at, chrono::Utc)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl AccountService {
    /// Everything PinkFlow keeps about `user`, as one document.
    pub async fn export(&self, user: &User) -> Result<AccountExport, AccountError> {
        let task = |e: crate::video::VideoError| AccountError::Db(DbError::Task(e.to_string()));
        let videos = self.videos().list_own(user.id).await.map_err(task)?;
        let user_id = user.id;
        let feedback = self
            .auth()
            .db()
            .run(move |c| feedback_db::given_by(c, user_id))
            .await?;
        Ok(AccountExport {
            format: "pinkflow-account-export/1",
            exported_at: iso(crate::db::now()),
            profile: ExportProfile {
                id: user.id,
                email: user.email.clone(),
                username: user.username.clone(),
                email_verified: user.email_verified_at.is_some(),
                created_at: iso(user.created_at),
                last_login: user.last_login.map(iso),
                authorized_modules: user.modules(),
            },
            accessibility_preferences: serde_json::to_value(user.preferences().to_json())
                .unwrap_or(Value::Null),
            videos,
            feedback: feedback
                .into_iter()
                .map(|(video_id, rating, at)| ExportRating {
                    video_id,
                    rating,
                    updated_at: iso(at),
                })
                .collect(),
        })
    }
}
