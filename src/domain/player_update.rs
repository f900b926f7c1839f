//! A validated change to some of the player preferences, read from JSON (strict types)
//! or from form fields and cookies (text).

use serde_json::Value;

use super::player_prefs::{
    CaptionBackground, CaptionColor, CaptionEdge, CaptionFont, CaptionOpacity, CaptionPosition,
    CaptionSize, PlayerPrefs, SignCorner, SignLayout, SignSize,
};

/// A validated change to some of the player preferences.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlayerPrefsUpdate {
    pub caption_size: Option<CaptionSize>,
    pub caption_color: Option<CaptionColor>,
    pub caption_background: Option<CaptionBackground>,
    pub caption_opacity: Option<CaptionOpacity>,
    pub caption_font: Option<CaptionFont>,
    pub caption_edge: Option<CaptionEdge>,
    pub caption_position: Option<CaptionPosition>,
    pub sign_layout: Option<SignLayout>,
    pub sign_corner: Option<SignCorner>,
    pub sign_size: Option<SignSize>,
    pub keyboard_shortcuts: Option<bool>,
}

/// A raw value from JSON (typed) or a form (text).
#[derive(Clone, Copy)]
pub enum Raw<'a> {
    Json(&'a Value),
    Form(&'a str),
}

impl<'a> Raw<'a> {
    fn text(self) -> Option<&'a str> {
        match self {
            Raw::Json(v) => v.as_str(),
            Raw::Form(s) => Some(s),
        }
    }

    /// A whole number: a JSON integer literal, or form text of digits.
    fn number(self) -> Option<i64> {
        match self {
            Raw::Json(v) => v.as_i64(),
            Raw::Form(s) => s.trim().parse().ok(),
        }
    }

    fn flag(self) -> Option<bool> {
        match self {
            Raw::Json(v) => v.as_bool(),
            Raw::Form(s) => match s.trim() {
                "on" | "true" => Some(true),
                "off" | "false" => Some(false),
                _ => None,
            },
        }
    }
}

fn named<T>(
    raw: Raw<'_>,
    parse: fn(&str) -> Result<T, String>,
    msg: fn() -> String,
) -> Result<T, String> {
    raw.text().ok_or_else(msg).and_then(parse)
}

fn numbered<T>(
    raw: Raw<'_>,
    make: fn(i64) -> Result<T, String>,
    msg: fn() -> String,
) -> Result<T, String> {
    raw.number().ok_or_else(msg).and_then(make)
}

pub const SHORTCUTS_MESSAGE: &str = "Keyboard shortcuts must be on or off";

impl PlayerPrefsUpdate {
    pub fn is_empty(&self) -> bool {
        *self == PlayerPrefsUpdate::default()
    }

    /// A change to every value of `p`.
    pub fn all(p: PlayerPrefs) -> Self {
        PlayerPrefsUpdate {
            caption_size: Some(p.caption_size),
            caption_color: Some(p.caption_color),
            caption_background: Some(p.caption_background),
            caption_opacity: Some(p.caption_opacity),
            caption_font: Some(p.caption_font),
            caption_edge: Some(p.caption_edge),
            caption_position: Some(p.caption_position),
            sign_layout: Some(p.sign_layout),
            sign_corner: Some(p.sign_corner),
            sign_size: Some(p.sign_size),
            keyboard_shortcuts: Some(p.keyboard_shortcuts),
        }
    }

    /// Read `key` when it is a player field: `None` for any other key, else whether the
    /// value was valid (and then it is recorded).
    pub fn read(&mut self, key: &str, raw: Raw<'_>) -> Option<Result<(), String>> {
        let result = match key {
            "caption_size" => numbered(raw, CaptionSize::new, CaptionSize::message)
                .map(|v| self.caption_size = Some(v)),
            "caption_opacity" => numbered(raw, CaptionOpacity::new, CaptionOpacity::message)
                .map(|v| self.caption_opacity = Some(v)),
            "caption_color" => named(raw, CaptionColor::parse, CaptionColor::message)
                .map(|v| self.caption_color = Some(v)),
            "caption_background" => {
                named(raw, CaptionBackground::parse, CaptionBackground::message)
                    .map(|v| self.caption_background = Some(v))
            }
            "caption_font" => named(raw, CaptionFont::parse, CaptionFont::message)
                .map(|v| self.caption_font = Some(v)),
            "caption_edge" => named(raw, CaptionEdge::parse, CaptionEdge::message)
                .map(|v| self.caption_edge = Some(v)),
            "caption_position" => named(raw, CaptionPosition::parse, CaptionPosition::message)
                .map(|v| self.caption_position = Some(v)),
            "sign_layout" => named(raw, SignLayout::parse, SignLayout::message)
                .map(|v| self.sign_layout = Some(v)),
            "sign_corner" => named(raw, SignCorner::parse, SignCorner::message)
                .map(|v| self.sign_corner = Some(v)),
            "sign_size" => {
                named(raw, SignSize::parse, SignSize::message).map(|v| self.sign_size = Some(v))
            }
            "keyboard_shortcuts" => raw
                .flag()
                .ok_or_else(|| SHORTCUTS_MESSAGE.to_owned())
                .map(|v| self.keyboard_shortcuts = Some(v)),
            _ => return None,
        };
        Some(result)
    }

    /// True when the change can alter the caption contrast.
    pub fn touches_contrast(&self) -> bool {
        self.caption_color.is_some()
            || self.caption_background.is_some()
            || self.caption_opacity.is_some()
            || self.caption_edge.is_some()
    }

    /// The field a contrast refusal is reported on: the first submitted of text colour,
    /// background, opacity, edge.
    pub fn contrast_field(&self) -> Option<&'static str> {
        if self.caption_color.is_some() {
            Some("caption_color")
        } else if self.caption_background.is_some() {
            Some("caption_background")
        } else if self.caption_opacity.is_some() {
            Some("caption_opacity")
        } else if self.caption_edge.is_some() {
            Some("caption_edge")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_values_are_typed_and_listed() {
        let mut u = PlayerPrefsUpdate::default();
        assert_eq!(u.read("caption_size", Raw::Json(&json!(150))), Some(Ok(())));
        assert_eq!(
            u.read("sign_corner", Raw::Json(&json!("top-left"))),
            Some(Ok(()))
        );
        assert_eq!(
            u.read("keyboard_shortcuts", Raw::Json(&json!(false))),
            Some(Ok(()))
        );
        assert_eq!(u.read("density", Raw::Json(&json!(1))), None);
        let p = PlayerPrefs::default().apply(&u);
        assert_eq!(p.caption_size.get(), 150);
        assert_eq!(p.sign_corner, SignCorner::TopLeft);
        assert!(!p.keyboard_shortcuts);

        for (key, bad) in [
            ("caption_size", json!("150")),
            ("caption_size", json!(150.0)),
            ("caption_size", json!(110)),
            ("caption_size", json!(50)),
            ("caption_opacity", json!(101)),
            ("caption_opacity", json!(30)),
            ("caption_color", json!("purple")),
            ("caption_color", json!(1)),
            ("caption_background", json!("red")),
            ("caption_font", json!("comic")),
            ("caption_edge", json!("glow")),
            ("caption_position", json!("above")),
            ("sign_layout", json!("grid")),
            ("sign_corner", json!("middle")),
            ("sign_size", json!("huge")),
            ("keyboard_shortcuts", json!("off")),
        ] {
            let result = PlayerPrefsUpdate::default().read(key, Raw::Json(&bad));
            let message = result.and_then(Result::err).unwrap_or_default();
            assert!(message.contains("must be"), "{key}={bad}: {message:?}");
        }
        assert!(CaptionSize::message().ends_with("75, 100, 125, 150, 175, 200, 250, 300"));
        assert_eq!(
            SignCorner::message(),
            "Sign video corner must be one of: top-left, top-right, bottom-left, bottom-right"
        );
    }

    #[test]
    fn form_values_are_text() {
        let mut u = PlayerPrefsUpdate::default();
        for (k, v) in [
            ("caption_size", "300"),
            ("caption_opacity", "0"),
            ("caption_font", "legible"),
            ("keyboard_shortcuts", "off"),
            ("sign_layout", "side"),
        ] {
            assert_eq!(u.read(k, Raw::Form(v)), Some(Ok(())), "{k}");
        }
        let p = PlayerPrefs::default().apply(&u);
        assert_eq!((p.caption_size.get(), p.caption_opacity.get()), (300, 0));
        assert_eq!(p.caption_font, CaptionFont::Legible);
        assert_eq!(p.sign_layout, SignLayout::Side);
        assert!(!p.keyboard_shortcuts);
        assert!(
            u.read("caption_size", Raw::Form("big"))
                .is_some_and(|r| r.is_err())
        );
        assert!(
            u.read("keyboard_shortcuts", Raw::Form("maybe"))
                .is_some_and(|r| r.is_err())
        );
    }
}
