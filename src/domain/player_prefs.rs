//! Caption appearance and player layout preferences (issue 11 item 4), their validation
//! and the caption contrast rule.
//!
//! Every value is one of a short list (the names are the `<html data-caption-*>` /
//! `data-sign-*` attribute values the stylesheet and the player read; see
//! docs/PLAYER_PREFERENCES.md). The contrast rule lives in [`super::caption_contrast`].

use std::fmt;

use serde::Serialize;

pub use super::caption_contrast::{ContrastFailure, contrast_failure};
pub use super::player_update::{PlayerPrefsUpdate, Raw, SHORTCUTS_MESSAGE};

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

#[cfg(test)]
mod tests {
    use super::*;

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
