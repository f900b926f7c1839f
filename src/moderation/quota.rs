//! Per-account quotas: storage (`VIDEO_QUOTA_MB`) and uploads per day
//! (`VIDEO_UPLOADS_PER_DAY`), each overridable per account by an admin.

use crate::config::QuotaSettings;
use crate::db::{Db, DbError, now};
use crate::models::User;
use crate::models::moderation as moderation_db;
use crate::video::{VideoError, VideoService};

const MB: u64 = 1024 * 1024;

/// What an account stores and may store, and how many uploads it made today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub used_bytes: u64,
    pub quota_bytes: u64,
    pub uploads_today: u64,
    pub uploads_per_day: u64,
}

impl Usage {
    /// Bytes still free under the quota.
    pub fn remaining_bytes(&self) -> u64 {
        self.quota_bytes.saturating_sub(self.used_bytes)
    }

    pub fn uploads_left(&self) -> u64 {
        self.uploads_per_day.saturating_sub(self.uploads_today)
    }

    /// "You have used 1.2 GB of 2 GB" (without "You have used").
    pub fn describe(&self) -> String {
        format!("{} of {}", human(self.used_bytes), human(self.quota_bytes))
    }
}

/// `user`'s limits: the overrides, else the defaults.
pub fn limits(settings: &QuotaSettings, user: &User) -> (u64, u64) {
    let quota_mb = user
        .video_quota_mb
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(settings.quota_mb);
    let per_day = user
        .uploads_per_day
        .and_then(|v| u64::try_from(v).ok())
        .unwrap_or(u64::from(settings.uploads_per_day));
    (quota_mb.saturating_mul(MB), per_day)
}

/// `user`'s usage now (one round trip).
pub async fn usage(db: &Db, settings: &QuotaSettings, user: &User) -> Result<Usage, DbError> {
    let (quota_bytes, uploads_per_day) = limits(settings, user);
    let id = user.id;
    let (used, today) = db
        .run(move |c| {
            let since = now() - chrono::TimeDelta::days(1);
            Ok((
                moderation_db::storage_used(c, id)?,
                moderation_db::uploads_since(c, id, since)?,
            ))
        })
        .await?;
    Ok(Usage {
        used_bytes: u64::try_from(used).unwrap_or(0),
        quota_bytes,
        uploads_today: u64::try_from(today).unwrap_or(0),
        uploads_per_day,
    })
}

/// `1.2 GB`, `2 GB`, `340 MB`, `12 KB` (1 GB = 1024 MB).
pub fn human(bytes: u64) -> String {
    const GB: u64 = 1024 * MB;
    let one = |n: u64, unit: u64, name: &str| {
        if n.is_multiple_of(unit) {
            format!("{} {name}", n / unit)
        } else {
            format!("{:.1} {name}", n as f64 / unit as f64)
        }
    };
    if bytes >= GB {
        one(bytes, GB, "GB")
    } else if bytes >= MB {
        one(bytes, MB, "MB")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_the_issue() {
        assert_eq!(human(2048 * MB), "2 GB");
        assert_eq!(human(1229 * MB), "1.2 GB");
        assert_eq!(human(340 * MB), "340 MB");
        assert_eq!(human(1000), "1 KB");
        let u = Usage {
            used_bytes: 1229 * MB,
            quota_bytes: 2048 * MB,
            uploads_today: 3,
            uploads_per_day: 20,
        };
        assert_eq!(u.describe(), "1.2 GB of 2 GB");
        assert_eq!(u.uploads_left(), 17);
    }
}

/// How much one upload may send now, and why that much.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    /// Largest file accepted: the upload limit, or what is left of the quota.
    pub limit: u64,
    /// The quota, not `VIDEO_MAX_SIZE_MB`, sets `limit`.
    pub quota_binds: bool,
    pub usage: Usage,
}

impl Allowance {
    /// The refusal of a file larger than [`Allowance::limit`].
    pub fn too_large(&self, videos: &VideoService) -> VideoError {
        if self.quota_binds {
            over_quota(&self.usage)
        } else {
            videos.too_large()
        }
    }
}

fn over_quota(usage: &Usage) -> VideoError {
    VideoError::OverQuota(format!(
        "This video does not fit in your storage: you have used {}. Delete videos you no longer need, or ask an admin for more space.",
        usage.describe()
    ))
}

/// What `user` may upload now: refused at once (before the body is read) while the
/// disk is low ([`VideoError::LowDiskSpace`]), after the day's uploads
/// ([`VideoError::DailyUploadLimit`]) or with a full quota ([`VideoError::OverQuota`]).
pub async fn allowance(videos: &VideoService, user: &User) -> Result<Allowance, VideoError> {
    let settings = videos.settings();
    if super::disk::low(&settings.upload_folder, settings.quota.min_free_mb).is_some() {
        return Err(VideoError::LowDiskSpace);
    }
    let usage = usage(videos.db(), &settings.quota, user).await?;
    if usage.uploads_left() == 0 {
        return Err(VideoError::DailyUploadLimit(format!(
            "You have uploaded {} videos in the last day, the most you can upload in a day. Try again tomorrow.",
            usage.uploads_today
        )));
    }
    let remaining = usage.remaining_bytes();
    if remaining == 0 {
        return Err(over_quota(&usage));
    }
    Ok(Allowance {
        limit: remaining.min(settings.max_upload_bytes),
        quota_binds: remaining < settings.max_upload_bytes,
        usage,
    })
}
