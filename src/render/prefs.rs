//! Preferences of signed-out visitors, kept in a plain cookie (nothing secret in it; every
//! value is validated on the way in, exactly like the form).

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::domain::{Preferences, PreferencesUpdate};

pub const COOKIE: &str = "pinkflow_prefs";

/// The visitor's saved choices, if the cookie is present and valid.
pub fn from_request(req: &HttpRequest) -> Option<Preferences> {
    let cookie = req.cookie(COOKIE)?;
    parse(cookie.value())
}

pub fn parse(value: &str) -> Option<Preferences> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(value).ok()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    let update = PreferencesUpdate::from_form(get).ok()?;
    if update.is_empty() {
        return None;
    }
    Some(Preferences::default().apply(&update))
}

pub fn encode(prefs: &Preferences) -> String {
    let p = prefs.to_json();
    let density = p.visual_density.to_string();
    let reading = p.reading_level.to_string();
    let motion = p.motion_sensitivity.to_string();
    serde_urlencoded::to_string([
        ("preferred_sign_language", p.preferred_sign_language),
        ("visual_density", density.as_str()),
        ("reading_level", reading.as_str()),
        ("motion_sensitivity", motion.as_str()),
        ("color_contrast", p.color_contrast),
    ])
    .unwrap_or_default()
}

/// The cookie holding `prefs` for a year.
pub fn cookie(prefs: &Preferences, secure: bool) -> Cookie<'static> {
    Cookie::build(COOKIE, encode(prefs))
        .path("/")
        .http_only(true)
        .secure(secure)
        .same_site(SameSite::Lax)
        .max_age(Duration::days(365))
        .finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Contrast;

    #[test]
    fn cookie_round_trips_and_refuses_bad_values() {
        let p = Preferences {
            contrast: Contrast::High,
            motion_sensitivity: true,
            ..Default::default()
        };
        let encoded = encode(&p);
        assert_eq!(parse(&encoded), Some(p));
        assert_eq!(parse("visual_density=9"), None);
        assert_eq!(parse("garbage"), None);
        assert_eq!(parse(""), None);
    }
}
