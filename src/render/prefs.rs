//! Preferences of signed-out visitors, kept in a plain cookie (nothing secret in it; every
//! value is validated on the way in, exactly like the form). Cookies written before the
//! player preferences existed still parse: missing fields keep their defaults.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, SameSite, time::Duration};

use crate::domain::{Preferences, PreferencesUpdate};

pub const COOKIE: &str = "pinkflow_prefs";

/// The `<html>` attribute for each player preference, in
/// [`crate::domain::player_prefs::PLAYER_FIELDS`] order (the contract with the player:
/// docs/PLAYER_PREFERENCES.md).
pub const PLAYER_ATTRIBUTES: [&str; 11] = [
    "data-caption-size",
    "data-caption-color",
    "data-caption-bg",
    "data-caption-opacity",
    "data-caption-font",
    "data-caption-edge",
    "data-caption-position",
    "data-sign-layout",
    "data-sign-corner",
    "data-sign-size",
    "data-shortcuts",
];

/// The player preferences as `<html>` attributes: (attribute, value), always all of them.
pub fn player_attributes(prefs: &Preferences) -> [(&'static str, String); 11] {
    let mut values = prefs.player.fields().into_iter();
    PLAYER_ATTRIBUTES.map(|name| (name, values.next().map(|(_, v)| v).unwrap_or_default()))
}

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
    let mut pairs = vec![
        (
            "preferred_sign_language",
            p.preferred_sign_language.to_owned(),
        ),
        ("visual_density", p.visual_density.to_string()),
        ("reading_level", p.reading_level.to_string()),
        ("motion_sensitivity", p.motion_sensitivity.to_string()),
        ("color_contrast", p.color_contrast.to_owned()),
    ];
    pairs.extend(prefs.player.fields());
    serde_urlencoded::to_string(pairs).unwrap_or_default()
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
    use crate::domain::player_prefs::{CaptionColor, CaptionEdge, SignCorner};

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

    #[test]
    fn every_player_preference_has_its_attribute() {
        let attrs = player_attributes(&Preferences::default());
        let pairs: Vec<String> = attrs.iter().map(|(n, v)| format!("{n}={v}")).collect();
        assert_eq!(
            pairs.join(" "),
            "data-caption-size=100 data-caption-color=white data-caption-bg=black \
             data-caption-opacity=75 data-caption-font=sans data-caption-edge=none \
             data-caption-position=over data-sign-layout=pip data-sign-corner=bottom-right \
             data-sign-size=medium data-shortcuts=on"
        );
    }

    #[test]
    fn player_preferences_round_trip_and_old_cookies_still_parse() {
        let mut p = Preferences::default();
        p.player.caption_color = CaptionColor::Yellow;
        p.player.caption_edge = CaptionEdge::Outline;
        p.player.sign_corner = SignCorner::TopLeft;
        p.player.keyboard_shortcuts = false;
        let encoded = encode(&p);
        assert!(encoded.contains("sign_corner=top-left"), "{encoded}");
        assert_eq!(parse(&encoded), Some(p));
        // A cookie from before the player preferences.
        let old = "preferred_sign_language=BSL&visual_density=2&reading_level=3\
                   &motion_sensitivity=false&color_contrast=normal";
        let parsed = parse(old).unwrap();
        assert_eq!(parsed.density.get(), 2);
        assert_eq!(parsed.player, Default::default());
        // One bad player value makes the cookie invalid, like any other bad value.
        assert_eq!(parse("visual_density=2&caption_size=999"), None);
    }
}
