//! The `PUT /api/auth/user/preferences` request body as documented in the OpenAPI
//! document (the handler reads JSON and validates it field by field; see [`super::docs`]).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::Contrast;
use crate::domain::player_prefs::{
    CaptionBackground, CaptionColor, CaptionEdge, CaptionFont, CaptionOpacity, CaptionPosition,
    CaptionSize, SignCorner, SignLayout, SignSize,
};

/// `PUT /api/auth/user/preferences` body: any subset of the preferences
/// (the five accessibility preferences, caption appearance and player layout).
/// Types are strict (`"4"` is not a number) and unknown keys are refused.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"visual_density": 2, "color_contrast": "high", "motion_sensitivity": true}))]
pub struct PreferencesRequest {
    #[schema(
        nullable = false,
        pattern = "^ *([Aa][Ss][Ll]|[Bb][Ss][Ll]|[Aa][Uu][Ss][Ll][Aa][Nn]|[Nn][Zz][Ss][Ll]|[Ii][Ss][Ll]|[Ll][Ss][Ff]|[Ll][Ss][Qq]|[Dd][Gg][Ss]|[Ll][Ss][Ee]|[Ll][Ii][Ss]|[Ll][Ii][Bb][Rr][Aa][Ss]|[Jj][Ss][Ll]) *$"
    )]
    pub preferred_sign_language: Option<String>,
    /// 1 (most spacious) to 5 (most compact); an integer literal (`2`, not `2.0`).
    #[schema(nullable = false, minimum = 1, maximum = 5)]
    pub visual_density: Option<i64>,
    /// 1 (plainest language) to 5 (most detailed); an integer literal (`2`, not `2.0`).
    #[schema(nullable = false, minimum = 1, maximum = 5)]
    pub reading_level: Option<i64>,
    #[schema(nullable = false)]
    pub motion_sensitivity: Option<bool>,
    #[schema(nullable = false, value_type = Option<Contrast>)]
    pub color_contrast: Option<String>,
    /// Caption text size, percent. Text and background together must reach a contrast
    /// of 4.5:1 (7:1 with high contrast): see `caption_color`.
    #[schema(nullable = false, value_type = Option<CaptionSize>)]
    pub caption_size: Option<i64>,
    /// Caption text colour. Refused (422 on this field) when it and the background reach
    /// less than 4.5:1 (7:1 with high contrast on): the background counts at its opacity
    /// over a black and a white picture, the worse of the two, and an `outline` edge
    /// counts as background when that is better.
    #[schema(nullable = false, value_type = Option<CaptionColor>)]
    pub caption_color: Option<String>,
    #[schema(nullable = false, value_type = Option<CaptionBackground>)]
    pub caption_background: Option<String>,
    /// Background opacity, percent (0: no background).
    #[schema(nullable = false, value_type = Option<CaptionOpacity>)]
    pub caption_opacity: Option<i64>,
    /// `legible` is Atkinson Hyperlegible.
    #[schema(nullable = false, value_type = Option<CaptionFont>)]
    pub caption_font: Option<String>,
    #[schema(nullable = false, value_type = Option<CaptionEdge>)]
    pub caption_edge: Option<String>,
    #[schema(nullable = false, value_type = Option<CaptionPosition>)]
    pub caption_position: Option<String>,
    #[schema(nullable = false, value_type = Option<SignLayout>)]
    pub sign_layout: Option<String>,
    #[schema(nullable = false, value_type = Option<SignCorner>)]
    pub sign_corner: Option<String>,
    #[schema(nullable = false, value_type = Option<SignSize>)]
    pub sign_size: Option<String>,
    /// The player's single-key shortcuts (they act only while focus is in the player).
    #[schema(nullable = false)]
    pub keyboard_shortcuts: Option<bool>,
}
