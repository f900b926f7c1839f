//! The caption contrast rule: a caption text colour and what is behind it must reach
//! 4.5:1 (WCAG 1.4.3), or 7:1 when high contrast is on (WCAG 1.4.6).
//!
//! How the background's opacity counts: the caption box is painted over the video, and
//! the picture can be anything. So the box colour is composited at its opacity (in sRGB,
//! as browsers blend) over the two extremes, a black picture and a white picture, and
//! the lower of the two ratios is the caption's contrast. At opacity 0 there is no box:
//! the text is measured against a black and a white picture, so any colour fails.
//!
//! The edge: an `outline` is drawn all round every letter in the edge colour (black, or
//! white for black text), so, as WCAG's understanding of 1.4.3 says of a halo, the
//! outline is the letters' background; then the ratio of text to outline counts when it
//! is better. A drop shadow, raised or depressed edge only covers one side of each
//! stroke, so it never counts.

use super::player_prefs::{CaptionEdge, PlayerPrefs};
use super::preferences::{Contrast, FieldErrors, Preferences, PreferencesUpdate};

/// The least ratios: normal and high contrast.
pub const MINIMUM: f64 = 4.5;
pub const MINIMUM_HIGH: f64 = 7.0;

/// Why a caption style was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContrastFailure {
    /// The caption's contrast (the worst case), e.g. 3.3 for 3.3:1.
    pub ratio: f64,
    /// What it had to reach.
    pub required: f64,
    /// True when the worst case is a light picture (else a dark one).
    pub over_light: bool,
    /// True when high contrast is on (that is why the bar is 7:1).
    pub high_contrast: bool,
}

impl ContrastFailure {
    /// The ratio as shown to people: rounded down to one decimal, so 4.47 is "4.4", never
    /// a "4.5" that seems to pass.
    pub fn ratio_text(&self) -> String {
        format!("{:.1}", (self.ratio * 10.0).floor() / 10.0)
    }

    pub fn required_text(&self) -> String {
        format!("{}", self.required)
    }

    /// The API's message (the page words it through the copy catalogue).
    pub fn message(&self) -> String {
        format!(
            "Caption text and its background have a contrast of {}:1 over a {} picture; \
             captions need at least {}:1{}. The background counts at its opacity over a \
             black and a white picture, and an outline edge counts as background. Choose \
             another text colour, a more solid background or an outline edge",
            self.ratio_text(),
            if self.over_light { "light" } else { "dark" },
            self.required_text(),
            if self.high_contrast {
                " with high contrast on"
            } else {
                ""
            },
        )
    }
}

/// sRGB 0-255 channel to linear light (WCAG 2 relative luminance).
fn linear(c: f64) -> f64 {
    let c = c / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

pub fn luminance(rgb: [f64; 3]) -> f64 {
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

pub fn ratio(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn float(rgb: [u8; 3]) -> [f64; 3] {
    rgb.map(f64::from)
}

/// `top` at `alpha` (0-1) over `under`, channel by channel in sRGB.
fn over(top: [f64; 3], alpha: f64, under: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|i| alpha * top[i] + (1.0 - alpha) * under[i])
}

const BLACK: [f64; 3] = [0.0, 0.0, 0.0];
const WHITE: [f64; 3] = [255.0, 255.0, 255.0];

/// The edge colour drawn round the letters: black, or white for black text (the same
/// choice as static/css/captions.css).
pub fn edge_rgb(p: &PlayerPrefs) -> [f64; 3] {
    let text = float(p.caption_color.rgb());
    if ratio(text, BLACK) >= ratio(text, WHITE) {
        BLACK
    } else {
        WHITE
    }
}

/// The caption's worst-case contrast and whether that case is the light picture.
pub fn caption_contrast(p: &PlayerPrefs) -> (f64, bool) {
    let text = float(p.caption_color.rgb());
    let bg = float(p.caption_background.rgb());
    let alpha = f64::from(p.caption_opacity.get()) / 100.0;
    let on_dark = ratio(text, over(bg, alpha, BLACK));
    let on_light = ratio(text, over(bg, alpha, WHITE));
    let (mut worst, over_light) = if on_light <= on_dark {
        (on_light, true)
    } else {
        (on_dark, false)
    };
    if p.caption_edge == CaptionEdge::Outline {
        worst = worst.max(ratio(text, edge_rgb(p)));
    }
    (worst, over_light)
}

/// `Some` when the caption style falls short of the bar for this contrast setting.
pub fn contrast_failure(p: &PlayerPrefs, high_contrast: bool) -> Option<ContrastFailure> {
    let required = if high_contrast { MINIMUM_HIGH } else { MINIMUM };
    let (ratio, over_light) = caption_contrast(p);
    (ratio < required).then_some(ContrastFailure {
        ratio,
        required,
        over_light,
        high_contrast,
    })
}

/// A refused change: the field it is reported on, and why.
pub type Refusal = (&'static str, ContrastFailure);

impl Preferences {
    /// `self` with `update` applied, unless the change touches the caption colours, the
    /// edge or the contrast setting and the result falls short of the contrast rule.
    /// Changes that touch none of these never fail (a stored style stays as it is).
    pub fn apply_checked(self, update: &PreferencesUpdate) -> Result<Preferences, Refusal> {
        let after = self.apply(update);
        if !update.player.touches_contrast() && update.contrast.is_none() {
            return Ok(after);
        }
        match contrast_failure(&after.player, after.contrast == Contrast::High) {
            None => Ok(after),
            Some(failure) => Err((
                update.player.contrast_field().unwrap_or("color_contrast"),
                failure,
            )),
        }
    }
}

/// A refusal as the API's field errors.
pub fn refusal_errors((field, failure): Refusal) -> FieldErrors {
    FieldErrors::from([(field.to_owned(), failure.message())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::player_prefs::{CaptionBackground, CaptionColor, CaptionOpacity};

    fn style(text: CaptionColor, bg: CaptionBackground, opacity: i64) -> PlayerPrefs {
        PlayerPrefs {
            caption_color: text,
            caption_background: bg,
            caption_opacity: CaptionOpacity::new(opacity).unwrap(),
            ..PlayerPrefs::default()
        }
    }

    #[test]
    fn luminance_matches_wcag() {
        assert!((ratio(WHITE, BLACK) - 21.0).abs() < 1e-9);
        assert!((ratio(BLACK, BLACK) - 1.0).abs() < 1e-9);
        // #767676 on white is the classic 4.54:1.
        let grey = [118.0; 3];
        assert!((ratio(grey, WHITE) - 4.54).abs() < 0.01);
    }

    #[test]
    fn the_default_style_passes_even_with_high_contrast() {
        let (r, light) = caption_contrast(&PlayerPrefs::default());
        // 75 % black over a white picture is sRGB 64: 10.4:1 against white text.
        assert!((r - 10.4).abs() < 0.1, "{r}");
        assert!(light);
        assert_eq!(contrast_failure(&PlayerPrefs::default(), true), None);
    }

    #[test]
    fn opacity_counts_over_the_worst_picture() {
        use CaptionBackground as B;
        use CaptionColor as C;
        // Solid: only the box matters.
        assert_eq!(
            contrast_failure(&style(C::Magenta, B::Black, 100), false),
            None
        );
        // Magenta on black is 6.7:1: fine, but not for high contrast.
        let f = contrast_failure(&style(C::Magenta, B::Black, 100), true).unwrap();
        assert_eq!((f.ratio_text().as_str(), f.required), ("6.6", 7.0));
        // 75 % black lets a white picture through: magenta falls to 3.3:1.
        let f = contrast_failure(&style(C::Magenta, B::Black, 75), false).unwrap();
        assert!(f.over_light && f.ratio < 4.5, "{f:?}");
        // White on 75 % blue: 6.19:1, passes 4.5 but not 7.
        assert_eq!(contrast_failure(&style(C::White, B::Blue, 75), false), None);
        assert!(contrast_failure(&style(C::White, B::Blue, 75), true).is_some());
        // Yellow on white is poor at any opacity; black on yellow is fine solid.
        assert!(contrast_failure(&style(C::Yellow, B::White, 100), false).is_some());
        assert_eq!(
            contrast_failure(&style(C::Black, B::Yellow, 100), true),
            None
        );
        // Black text on 50 % white passes (5.3:1); on 25 % white it fails over a dark picture.
        assert_eq!(
            contrast_failure(&style(C::Black, B::White, 50), false),
            None
        );
        let f = contrast_failure(&style(C::Black, B::White, 25), false).unwrap();
        assert!(!f.over_light, "{f:?}");
        // No box at all: every colour fails against one of the two pictures.
        for c in CaptionColor::ALL {
            assert!(
                contrast_failure(&style(*c, B::Black, 0), false).is_some(),
                "{c}"
            );
        }
    }

    #[test]
    fn only_an_outline_edge_counts() {
        use crate::domain::player_prefs::CaptionEdge as E;
        let mut p = style(CaptionColor::White, CaptionBackground::Black, 0);
        p.caption_edge = E::Outline;
        assert_eq!(
            contrast_failure(&p, true),
            None,
            "white with a black outline"
        );
        p.caption_color = CaptionColor::Black;
        assert_eq!(edge_rgb(&p), WHITE);
        assert_eq!(
            contrast_failure(&p, true),
            None,
            "black with a white outline"
        );
        p.caption_color = CaptionColor::Magenta;
        assert_eq!(contrast_failure(&p, false), None);
        assert!(
            contrast_failure(&p, true).is_some(),
            "magenta/black is 6.7:1"
        );
        for edge in [E::Shadow, E::Raised, E::Depressed, E::None] {
            p.caption_edge = edge;
            p.caption_color = CaptionColor::White;
            assert!(contrast_failure(&p, false).is_some(), "{edge}");
        }
    }

    #[test]
    fn the_message_says_why() {
        let f = contrast_failure(
            &style(CaptionColor::White, CaptionBackground::Blue, 75),
            true,
        )
        .unwrap();
        let m = f.message();
        assert!(m.contains("6.1:1 over a light picture"), "{m}");
        assert!(m.contains("at least 7:1 with high contrast on"), "{m}");
        // Never rounds up to the bar.
        let near = ContrastFailure {
            ratio: 4.49,
            required: 4.5,
            over_light: true,
            high_contrast: false,
        };
        assert_eq!(near.ratio_text(), "4.4");
    }

    #[test]
    fn changes_are_checked_against_the_whole_result() {
        use crate::domain::player_prefs::Raw;
        let update = |pairs: &[(&str, &str)]| {
            let get = |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v);
            PreferencesUpdate::from_form(get).unwrap()
        };
        let base = Preferences::default();
        let magenta = update(&[("caption_color", "magenta")]);
        assert_eq!(base.apply_checked(&magenta).unwrap_err().0, "caption_color");
        let solid = update(&[("caption_color", "magenta"), ("caption_opacity", "100")]);
        let p = base.apply_checked(&solid).unwrap();
        // Turning high contrast on with a 6.7:1 style is refused, on the contrast field.
        let high = update(&[("color_contrast", "high")]);
        let (field, f) = p.apply_checked(&high).unwrap_err();
        assert_eq!(
            (field, f.required, f.high_contrast),
            ("color_contrast", 7.0, true)
        );
        // Both in one change is fine.
        let mut both = high;
        assert_eq!(
            both.player.read("caption_color", Raw::Form("yellow")),
            Some(Ok(()))
        );
        assert!(p.apply_checked(&both).is_ok());
        // A change elsewhere never fails.
        let sign = update(&[("sign_size", "large"), ("visual_density", "2")]);
        assert!(p.apply_checked(&sign).is_ok());
        let errors = refusal_errors(base.apply_checked(&magenta).unwrap_err());
        assert!(errors["caption_color"].contains("4.5:1"), "{errors:?}");
    }
}
