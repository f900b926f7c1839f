//! Caption appearance and player layout preferences (issue 11 item 4), their validation
//! and the caption contrast rule.
//!
//! Every value is one of a short list (the names are the `<html data-caption-*>` /
//! `data-sign-*` attribute values the stylesheet and the player read; see
//! docs/PLAYER_PREFERENCES.md). The contrast rule lives in [`super::caption_contrast`].

use std::fmt;

use serde::Serialize;
use serde_json::Value;

pub use super::caption_contrast::{ContrastFailure, contrast_failure};

/// A preference that is one of a fixed list of names.
macro_rules! choice {
    ($(#[$meta:meta])* $name:ident, $schema:literal, $what:literal,
     [$($variant:ident = $value:literal),+ $(,)?], default = $default:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $(#[doc = $value] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const DEFAULT: $name = $name::$default;

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value,)+
                }
            }

            pub fn parse(raw: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == raw.trim())
                    .ok_or_else(Self::message)
            }

            pub fn message() -> String {
                let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                format!(concat!($what, " must be one of: {}"), names.join(", "))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name::$default
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($what))
                    .enum_values(Some(Self::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                $schema.into()
            }
        }
    };
}

/// A preference that is one of a fixed list of whole numbers (percentages).
macro_rules! steps {
    ($(#[$meta:meta])* $name:ident, $schema:literal, $what:literal, [$($v:literal),+], default = $default:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $name(u16);

        impl $name {
            pub const ALL: &'static [u16] = &[$($v),+];

            pub fn new(value: i64) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| i64::from(*v) == value)
                    .map($name)
                    .ok_or_else(Self::message)
            }

            pub fn message() -> String {
                let names: Vec<String> = Self::ALL.iter().map(u16::to_string).collect();
                format!(concat!($what, " must be one of: {}"), names.join(", "))
            }

            pub fn get(self) -> u16 {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name($default)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::Integer)
                    .description(Some($what))
                    .enum_values(Some(Self::ALL.iter().map(|v| serde_json::json!(v))))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                $schema.into()
            }
        }
    };
}

steps!(
    /// Caption text size, percent of the normal size.
    CaptionSize, "CaptionSize", "Caption size (percent)",
    [75, 100, 125, 150, 175, 200, 250, 300], default = 100
);
steps!(
    /// How solid the box behind the caption text is, percent.
    CaptionOpacity, "CaptionOpacity", "Caption background opacity (percent)",
    [0, 25, 50, 75, 100], default = 75
);

choice!(
    /// Caption text colour.
    CaptionColor, "CaptionColor", "Caption text colour",
    [White = "white", Yellow = "yellow", Cyan = "cyan", Green = "green", Magenta = "magenta",
     Black = "black"],
    default = White
);
choice!(
    /// The colour of the box behind the caption text.
    CaptionBackground, "CaptionBackground", "Caption background colour",
    [Black = "black", White = "white", Blue = "blue", Yellow = "yellow"],
    default = Black
);
choice!(
    /// Caption typeface. `legible` is Atkinson Hyperlegible (SIL OFL), bundled.
    CaptionFont, "CaptionFont", "Caption font",
    [Sans = "sans", Serif = "serif", Mono = "mono", Legible = "legible"],
    default = Sans
);
choice!(
    /// The edge drawn around caption letters.
    CaptionEdge, "CaptionEdge", "Caption edge",
    [None = "none", Outline = "outline", Shadow = "shadow", Raised = "raised",
     Depressed = "depressed"],
    default = None
);
choice!(
    /// Captions over the picture or below it.
    CaptionPosition, "CaptionPosition", "Caption position",
    [Over = "over", Below = "below"],
    default = Over
);
choice!(
    /// The signed edition as a picture in picture or side by side.
    SignLayout, "SignLayout", "Sign video layout",
    [Pip = "pip", Side = "side"],
    default = Pip
);
choice!(
    /// The corner of the picture in picture.
    SignCorner, "SignCorner", "Sign video corner",
    [TopLeft = "top-left", TopRight = "top-right", BottomLeft = "bottom-left",
     BottomRight = "bottom-right"],
    default = BottomRight
);
choice!(
    /// The size of the picture in picture.
    SignSize, "SignSize", "Sign video size",
    [Small = "small", Medium = "medium", Large = "large"],
    default = Medium
);

impl CaptionColor {
    /// sRGB, 0-255.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            CaptionColor::White => [255, 255, 255],
            CaptionColor::Yellow => [255, 255, 0],
            CaptionColor::Cyan => [0, 255, 255],
            CaptionColor::Green => [0, 255, 0],
            CaptionColor::Magenta => [255, 0, 255],
            CaptionColor::Black => [0, 0, 0],
        }
    }
}

impl CaptionBackground {
    /// sRGB, 0-255.
    pub fn rgb(self) -> [u8; 3] {
        match self {
            CaptionBackground::Black => [0, 0, 0],
            CaptionBackground::White => [255, 255, 255],
            CaptionBackground::Blue => [0, 0, 255],
            CaptionBackground::Yellow => [255, 255, 0],
        }
    }
}

/// Caption appearance and player layout: the eleven player preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlayerPrefs {
    pub caption_size: CaptionSize,
    pub caption_color: CaptionColor,
    pub caption_background: CaptionBackground,
    pub caption_opacity: CaptionOpacity,
    pub caption_font: CaptionFont,
    pub caption_edge: CaptionEdge,
    pub caption_position: CaptionPosition,
    pub sign_layout: SignLayout,
    pub sign_corner: SignCorner,
    pub sign_size: SignSize,
    /// The player's single-key shortcuts (they only ever act while focus is in the player).
    pub keyboard_shortcuts: bool,
}

impl Default for PlayerPrefs {
    fn default() -> Self {
        PlayerPrefs {
            caption_size: CaptionSize::default(),
            caption_color: CaptionColor::DEFAULT,
            caption_background: CaptionBackground::DEFAULT,
            caption_opacity: CaptionOpacity::default(),
            caption_font: CaptionFont::DEFAULT,
            caption_edge: CaptionEdge::DEFAULT,
            caption_position: CaptionPosition::DEFAULT,
            sign_layout: SignLayout::DEFAULT,
            sign_corner: SignCorner::DEFAULT,
            sign_size: SignSize::DEFAULT,
            keyboard_shortcuts: true,
        }
    }
}

/// Field names, as used by the API, the forms and the cookie (in page order).
pub const PLAYER_FIELDS: [&str; 11] = [
    "caption_size",
    "caption_color",
    "caption_background",
    "caption_opacity",
    "caption_font",
    "caption_edge",
    "caption_position",
    "sign_layout",
    "sign_corner",
    "sign_size",
    "keyboard_shortcuts",
];

/// The JSON shape of [`PlayerPrefs`] (flattened into `AccessibilityPreferences`).
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = PlayerPreferences, description = "Caption appearance and player layout.")]
pub struct PlayerPrefsJson {
    #[schema(value_type = CaptionSize)]
    pub caption_size: u16,
    #[schema(value_type = CaptionColor)]
    pub caption_color: &'static str,
    #[schema(value_type = CaptionBackground)]
    pub caption_background: &'static str,
    #[schema(value_type = CaptionOpacity)]
    pub caption_opacity: u16,
    #[schema(value_type = CaptionFont)]
    pub caption_font: &'static str,
    #[schema(value_type = CaptionEdge)]
    pub caption_edge: &'static str,
    #[schema(value_type = CaptionPosition)]
    pub caption_position: &'static str,
    #[schema(value_type = SignLayout)]
    pub sign_layout: &'static str,
    #[schema(value_type = SignCorner)]
    pub sign_corner: &'static str,
    #[schema(value_type = SignSize)]
    pub sign_size: &'static str,
    pub keyboard_shortcuts: bool,
}

impl PlayerPrefs {
    pub fn to_json(self) -> PlayerPrefsJson {
        PlayerPrefsJson {
            caption_size: self.caption_size.get(),
            caption_color: self.caption_color.as_str(),
            caption_background: self.caption_background.as_str(),
            caption_opacity: self.caption_opacity.get(),
            caption_font: self.caption_font.as_str(),
            caption_edge: self.caption_edge.as_str(),
            caption_position: self.caption_position.as_str(),
            sign_layout: self.sign_layout.as_str(),
            sign_corner: self.sign_corner.as_str(),
            sign_size: self.sign_size.as_str(),
            keyboard_shortcuts: self.keyboard_shortcuts,
        }
    }

    /// Every value as text, by field name (the form, the cookie and the cache key).
    pub fn fields(self) -> [(&'static str, String); 11] {
        let j = self.to_json();
        [
            ("caption_size", j.caption_size.to_string()),
            ("caption_color", j.caption_color.to_owned()),
            ("caption_background", j.caption_background.to_owned()),
            ("caption_opacity", j.caption_opacity.to_string()),
            ("caption_font", j.caption_font.to_owned()),
            ("caption_edge", j.caption_edge.to_owned()),
            ("caption_position", j.caption_position.to_owned()),
            ("sign_layout", j.sign_layout.to_owned()),
            ("sign_corner", j.sign_corner.to_owned()),
            ("sign_size", j.sign_size.to_owned()),
            (
                "keyboard_shortcuts",
                on_off(j.keyboard_shortcuts).to_owned(),
            ),
        ]
    }

    pub fn apply(mut self, u: &PlayerPrefsUpdate) -> Self {
        macro_rules! take {
            ($($f:ident),+) => { $(if let Some(v) = u.$f { self.$f = v; })+ };
        }
        take!(
            caption_size,
            caption_color,
            caption_background,
            caption_opacity,
            caption_font,
            caption_edge,
            caption_position,
            sign_layout,
            sign_corner,
            sign_size,
            keyboard_shortcuts
        );
        self
    }
}

/// `"on"` / `"off"` (the `data-shortcuts` attribute and the form's values).
pub fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}

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
    fn defaults_are_the_contract_defaults() {
        let j = PlayerPrefs::default().to_json();
        assert_eq!(
            (
                j.caption_size,
                j.caption_color,
                j.caption_background,
                j.caption_opacity
            ),
            (100, "white", "black", 75)
        );
        assert_eq!(
            (j.caption_font, j.caption_edge, j.caption_position),
            ("sans", "none", "over")
        );
        assert_eq!(
            (
                j.sign_layout,
                j.sign_corner,
                j.sign_size,
                j.keyboard_shortcuts
            ),
            ("pip", "bottom-right", "medium", true)
        );
    }

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

    #[test]
    fn fields_round_trip_through_the_form_reader() {
        let p = PlayerPrefs {
            caption_size: CaptionSize::new(250).unwrap(),
            caption_color: CaptionColor::Yellow,
            caption_background: CaptionBackground::Blue,
            caption_opacity: CaptionOpacity::new(100).unwrap(),
            caption_font: CaptionFont::Serif,
            caption_edge: CaptionEdge::Depressed,
            caption_position: CaptionPosition::Below,
            sign_layout: SignLayout::Side,
            sign_corner: SignCorner::TopRight,
            sign_size: SignSize::Large,
            keyboard_shortcuts: false,
        };
        let mut u = PlayerPrefsUpdate::default();
        for (k, v) in p.fields() {
            assert_eq!(u.read(k, Raw::Form(&v)), Some(Ok(())), "{k}={v}");
        }
        assert_eq!(PlayerPrefs::default().apply(&u), p);
        assert_eq!(p.fields().map(|(k, _)| k), PLAYER_FIELDS);
    }
}
