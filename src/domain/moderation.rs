//! Roles and report reasons: the closed lists moderation works with.

use serde::{Deserialize, Serialize};

/// What an account may do beyond its own content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Anyone with an account.
    #[default]
    Member,
    /// Works the report queue: hides and restores videos, suspends accounts.
    Moderator,
    /// A moderator who also changes roles, modules and quotas.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Member, Role::Moderator, Role::Admin];

    pub fn parse(raw: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Moderator => "moderator",
            Role::Admin => "admin",
        }
    }

    /// Moderators and admins.
    pub fn can_moderate(self) -> bool {
        self >= Role::Moderator
    }

    pub fn is_admin(self) -> bool {
        self == Role::Admin
    }
}

/// Why a viewer reports a video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportReason {
    WrongLanguage,
    Inaccurate,
    Inappropriate,
    Copyright,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 5] = [
        ReportReason::WrongLanguage,
        ReportReason::Inaccurate,
        ReportReason::Inappropriate,
        ReportReason::Copyright,
        ReportReason::Other,
    ];

    pub fn parse(raw: &str) -> Option<ReportReason> {
        ReportReason::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::WrongLanguage => "wrong_language",
            ReportReason::Inaccurate => "inaccurate",
            ReportReason::Inappropriate => "inappropriate",
            ReportReason::Copyright => "copyright",
            ReportReason::Other => "other",
        }
    }

    /// The reason as people read it.
    pub fn label(self) -> &'static str {
        match self {
            ReportReason::WrongLanguage => "Wrong sign language label",
            ReportReason::Inaccurate => "Inaccurate signing",
            ReportReason::Inappropriate => "Inappropriate",
            ReportReason::Copyright => "Copyright",
            ReportReason::Other => "Other",
        }
    }
}

/// Longest optional text of a report, and of a moderator's reason, in characters.
pub const REPORT_DETAILS_MAX: usize = 1000;
pub const MODERATION_REASON_MAX: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_and_order() {
        assert_eq!(Role::parse("Admin"), Some(Role::Admin));
        assert_eq!(Role::parse(" moderator "), Some(Role::Moderator));
        assert_eq!(Role::parse("root"), None);
        assert!(Role::Admin.can_moderate() && Role::Moderator.can_moderate());
        assert!(!Role::Member.can_moderate() && !Role::Moderator.is_admin());
    }

    #[test]
    fn reasons_round_trip() {
        for r in ReportReason::ALL {
            assert_eq!(ReportReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(ReportReason::parse("spam"), None);
    }
}
