//! The five accessibility preferences and their rules, plus the player preferences
//! ([`super::player_prefs`]) carried with them.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::{Map, Value};

use super::player_prefs::{PLAYER_FIELDS, PlayerPrefs, PlayerPrefsJson, PlayerPrefsUpdate, Raw};

/// Sign languages PinkFlow knows: code, English name, ISO 639-3 code.
pub const SIGN_LANGUAGES: &[(&str, &str, &str)] = &[
    ("ASL", "American Sign Language", "ase"),
    ("BSL", "British Sign Language", "bfi"),
    ("Auslan", "Australian Sign Language", "asf"),
    ("NZSL", "New Zealand Sign Language", "nzs"),
    ("ISL", "Irish Sign Language", "isg"),
    ("LSF", "French Sign Language", "fsl"),
    ("LSQ", "Quebec Sign Language", "fcs"),
    ("DGS", "German Sign Language", "gsg"),
    ("LSE", "Spanish Sign Language", "ssp"),
    ("LIS", "Italian Sign Language", "ise"),
    ("Libras", "Brazilian Sign Language", "bzs"),
    ("JSL", "Japanese Sign Language", "jsl"),
];

/// One of [`SIGN_LANGUAGES`], stored by its code. The default is the first, ASL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SignLanguage(usize);

impl SignLanguage {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        SIGN_LANGUAGES
            .iter()
            .position(|(code, _, _)| code.eq_ignore_ascii_case(raw))
            .map(SignLanguage)
            .ok_or_else(Self::choices_message)
    }

    pub fn choices_message() -> String {
        let codes: Vec<&str> = SIGN_LANGUAGES.iter().map(|(c, _, _)| *c).collect();
        format!("Choose a sign language from: {}", codes.join(", "))
    }

    pub fn code(self) -> &'static str {
        SIGN_LANGUAGES[self.0].0
    }

    pub fn name(self) -> &'static str {
        SIGN_LANGUAGES[self.0].1
    }

    pub fn iso639_3(self) -> &'static str {
        SIGN_LANGUAGES[self.0].2
    }

    pub fn all() -> impl Iterator<Item = SignLanguage> {
        (0..SIGN_LANGUAGES.len()).map(SignLanguage)
    }
}

/// In the OpenAPI document: `SignLanguageCode`, the codes of [`SIGN_LANGUAGES`].
impl utoipa::PartialSchema for SignLanguage {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("A sign-language code."))
            .enum_values(Some(SIGN_LANGUAGES.iter().map(|(code, _, _)| *code)))
            .into()
    }
}

impl utoipa::ToSchema for SignLanguage {
    fn name() -> std::borrow::Cow<'static, str> {
        "SignLanguageCode".into()
    }
}

impl fmt::Display for SignLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A level from 1 to 5, used for visual density and reading level.
macro_rules! level {
    ($name:ident, $what:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(u8);

        impl $name {
            pub const MESSAGE: &'static str = concat!($what, " must be a whole number from 1 to 5");

            pub fn new(value: i64) -> Result<Self, &'static str> {
                if (1..=5).contains(&value) {
                    Ok($name(value as u8))
                } else {
                    Err(Self::MESSAGE)
                }
            }

            pub fn get(self) -> u8 {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                $name(3)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

level!(Density, "Visual density");
level!(ReadingLevel, "Reading level");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, utoipa::ToSchema)]
#[schema(as = ColorContrast, rename_all = "lowercase")]
pub enum Contrast {
    #[default]
    Normal,
    High,
}

impl Contrast {
    pub const MESSAGE: &'static str = "Colour contrast must be \"normal\" or \"high\"";

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw {
            "normal" => Ok(Contrast::Normal),
            "high" => Ok(Contrast::High),
            _ => Err(Self::MESSAGE),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Contrast::Normal => "normal",
            Contrast::High => "high",
        }
    }
}

/// A person's accessibility preferences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Preferences {
    pub sign_language: SignLanguage,
    pub density: Density,
    pub reading_level: ReadingLevel,
    /// True when the person wants motion reduced (no animation, no autoplay).
    pub motion_sensitivity: bool,
    pub contrast: Contrast,
    /// Caption appearance and player layout.
    pub player: PlayerPrefs,
}

/// The JSON shape of [`Preferences`] used by the API (`AccessibilityPreferences` in the
/// OpenAPI document).
#[derive(Debug, Serialize, PartialEq, Eq, utoipa::ToSchema)]
#[schema(as = AccessibilityPreferences, description = "The five accessibility preferences, with caption appearance and player layout.", example = json!({"preferred_sign_language": "BSL", "visual_density": 3,
    "reading_level": 3, "motion_sensitivity": false, "color_contrast": "normal",
    "caption_size": 100, "caption_color": "white", "caption_background": "black",
    "caption_opacity": 75, "caption_font": "sans", "caption_edge": "none",
    "caption_position": "over", "sign_layout": "pip", "sign_corner": "bottom-right",
    "sign_size": "medium", "keyboard_shortcuts": true}))]
pub struct PreferencesJson {
    #[schema(value_type = SignLanguage)]
    pub preferred_sign_language: &'static str,
    #[schema(minimum = 1, maximum = 5)]
    pub visual_density: u8,
    #[schema(minimum = 1, maximum = 5)]
    pub reading_level: u8,
    pub motion_sensitivity: bool,
    #[schema(value_type = Contrast)]
    pub color_contrast: &'static str,
    #[serde(flatten)]
    pub player: PlayerPrefsJson,
}

impl Preferences {
    pub fn to_json(self) -> PreferencesJson {
        PreferencesJson {
            preferred_sign_language: self.sign_language.code(),
            visual_density: self.density.get(),
            reading_level: self.reading_level.get(),
            motion_sensitivity: self.motion_sensitivity,
            color_contrast: self.contrast.as_str(),
            player: self.player.to_json(),
        }
    }

    pub fn apply(mut self, update: &PreferencesUpdate) -> Self {
        if let Some(v) = update.sign_language {
            self.sign_language = v;
        }
        if let Some(v) = update.density {
            self.density = v;
        }
        if let Some(v) = update.reading_level {
            self.reading_level = v;
        }
        if let Some(v) = update.motion_sensitivity {
            self.motion_sensitivity = v;
        }
        if let Some(v) = update.contrast {
            self.contrast = v;
        }
        self.player = self.player.apply(&update.player);
        self
    }
}

/// Field names, as used by the API and the forms.
pub const PREFERENCE_FIELDS: [&str; 5] = [
    "preferred_sign_language",
    "visual_density",
    "reading_level",
    "motion_sensitivity",
    "color_contrast",
];

/// A validated change to some of the preferences.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreferencesUpdate {
    pub sign_language: Option<SignLanguage>,
    pub density: Option<Density>,
    pub reading_level: Option<ReadingLevel>,
    pub motion_sensitivity: Option<bool>,
    pub contrast: Option<Contrast>,
    pub player: PlayerPrefsUpdate,
}

pub type FieldErrors = BTreeMap<String, String>;

impl PreferencesUpdate {
    pub fn is_empty(&self) -> bool {
        *self == PreferencesUpdate::default()
    }

    /// From a JSON object: strict types (`"4"` is not a number), unknown keys refused.
    pub fn from_json(body: &Map<String, Value>) -> Result<Self, FieldErrors> {
        let mut update = PreferencesUpdate::default();
        let mut errors = FieldErrors::new();
        for (key, value) in body {
            let result: Result<(), String> = match key.as_str() {
                "preferred_sign_language" => match value.as_str() {
                    Some(s) => SignLanguage::parse(s).map(|v| update.sign_language = Some(v)),
                    None => Err(SignLanguage::choices_message()),
                },
                "visual_density" => json_level(value, Density::new, Density::MESSAGE)
                    .map(|v| update.density = Some(v)),
                "reading_level" => json_level(value, ReadingLevel::new, ReadingLevel::MESSAGE)
                    .map(|v| update.reading_level = Some(v)),
                "motion_sensitivity" => match value.as_bool() {
                    Some(b) => {
                        update.motion_sensitivity = Some(b);
                        Ok(())
                    }
                    None => Err("Motion sensitivity must be true or false".into()),
                },
                "color_contrast" => match value.as_str().map(Contrast::parse) {
                    Some(Ok(c)) => {
                        update.contrast = Some(c);
                        Ok(())
                    }
                    _ => Err(Contrast::MESSAGE.into()),
                },
                other => update
                    .player
                    .read(other, Raw::Json(value))
                    .unwrap_or_else(|| {
                        Err(format!(
                            "Unknown preference; use {}, {}",
                            PREFERENCE_FIELDS.join(", "),
                            PLAYER_FIELDS.join(", ")
                        ))
                    }),
            };
            if let Err(message) = result {
                errors.insert(key.clone(), message);
            }
        }
        if errors.is_empty() {
            Ok(update)
        } else {
            Err(errors)
        }
    }

    /// From form fields (all strings). Only the preference fields are read.
    pub fn from_form<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Self, FieldErrors> {
        let mut update = PreferencesUpdate::default();
        let mut errors = FieldErrors::new();
        let mut record = |field: &str, r: Result<(), String>| {
            if let Err(m) = r {
                errors.insert(field.to_owned(), m);
            }
        };
        if let Some(v) = get("preferred_sign_language") {
            record(
                "preferred_sign_language",
                SignLanguage::parse(v).map(|v| update.sign_language = Some(v)),
            );
        }
        if let Some(v) = get("visual_density") {
            record(
                "visual_density",
                form_level(v, Density::new).map(|v| update.density = Some(v)),
            );
        }
        if let Some(v) = get("reading_level") {
            record(
                "reading_level",
                form_level(v, ReadingLevel::new).map(|v| update.reading_level = Some(v)),
            );
        }
        if let Some(v) = get("motion_sensitivity") {
            record(
                "motion_sensitivity",
                match v {
                    "true" => Ok(true),
                    "false" => Ok(false),
                    _ => Err("Choose whether to reduce motion".to_string()),
                }
                .map(|b| update.motion_sensitivity = Some(b)),
            );
        }
        if let Some(v) = get("color_contrast") {
            record(
                "color_contrast",
                Contrast::parse(v)
                    .map(|c| update.contrast = Some(c))
                    .map_err(str::to_owned),
            );
        }
        for name in PLAYER_FIELDS {
            if let Some(v) = get(name)
                && let Some(result) = update.player.read(name, Raw::Form(v))
            {
                record(name, result);
            }
        }
        if errors.is_empty() {
            Ok(update)
        } else {
            Err(errors)
        }
    }
}

fn json_level<T>(
    value: &Value,
    make: fn(i64) -> Result<T, &'static str>,
    message: &'static str,
) -> Result<T, String> {
    value
        .as_i64()
        .ok_or(message)
        .and_then(make)
        .map_err(str::to_owned)
}

fn form_level<T>(value: &str, make: fn(i64) -> Result<T, &'static str>) -> Result<T, String> {
    // Anything that is not a whole number gets the same message as an out-of-range one.
    make(value.trim().parse::<i64>().unwrap_or(0)).map_err(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn json_update_is_strict() {
        let ok = PreferencesUpdate::from_json(&obj(json!({
            "visual_density": 5, "color_contrast": "high", "motion_sensitivity": true,
            "reading_level": 1, "preferred_sign_language": "bsl"
        })))
        .unwrap();
        let p = Preferences::default().apply(&ok);
        assert_eq!(p.density.get(), 5);
        assert_eq!(p.reading_level.get(), 1);
        assert_eq!(p.contrast, Contrast::High);
        assert!(p.motion_sensitivity);
        assert_eq!(p.sign_language.code(), "BSL");

        let errors = PreferencesUpdate::from_json(&obj(json!({
            "visual_density": "4", "reading_level": 0, "color_contrast": "purple",
            "motion_sensitivity": "yes", "preferred_sign_language": "Klingon", "colour": 1,
            "visual_density_x": 2.5
        })))
        .unwrap_err();
        assert_eq!(errors.len(), 7, "{errors:?}");
        assert!(errors["preferred_sign_language"].contains("ASL, BSL"));
        assert!(PreferencesUpdate::from_json(&obj(json!({"visual_density": 4.0}))).is_err());
        assert!(PreferencesUpdate::from_json(&obj(json!({"visual_density": 99}))).is_err());
    }

    #[test]
    fn form_update_reads_strings() {
        let fields = [
            ("visual_density", "2"),
            ("motion_sensitivity", "true"),
            ("color_contrast", "normal"),
        ];
        let get = |k: &str| fields.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        let u = PreferencesUpdate::from_form(get).unwrap();
        assert_eq!(u.density, Some(Density::new(2).unwrap()));
        assert_eq!(u.motion_sensitivity, Some(true));
        let bad = [("visual_density", "six"), ("motion_sensitivity", "maybe")];
        let get = |k: &str| bad.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
        assert_eq!(PreferencesUpdate::from_form(get).unwrap_err().len(), 2);
    }

    #[test]
    fn defaults_match_the_original_platform() {
        let p = Preferences::default().to_json();
        assert_eq!(p.preferred_sign_language, "ASL");
        assert_eq!((p.visual_density, p.reading_level), (3, 3));
        assert!(!p.motion_sensitivity);
        assert_eq!(p.color_contrast, "normal");
    }
}
