//! WebVTT, read the way browsers read it: [`parse`] follows the W3C WebVTT file-parsing
//! algorithm (<https://w3c.github.io/webvtt/#file-parsing>), so a file Chromium plays is
//! accepted. What the algorithm skips (a block without a timing line, a cue whose timing
//! line is broken, a `STYLE` block after the first cue, …) is skipped here too and
//! reported as a [`Warning`] naming its line; a file is refused ([`VttError`]) only when
//! its signature is wrong or when no cue is left.
//!
//! Public API (the caption editor and the importers build on it):
//!
//! * [`parse`] → [`WebVtt`]; [`parse_with_warnings`] also returns the warnings.
//!   [`parse_str`] takes text that is already decoded (the importers' output).
//! * [`WebVtt`]: the header (what follows `WEBVTT` on its line, and the header lines),
//!   the kept `STYLE` / `REGION` / `NOTE` [`Block`]s and the [`Cue`]s
//!   (`identifier`, `start`, `end`, `settings`, `text` with its markup, `line`).
//! * [`write`]: a [`WebVtt`] back to WebVTT text — header, blocks, cues with their
//!   identifiers, settings and text. Parsing what it writes gives the same document.
//! * [`parse_timestamp`] / [`format_timestamp`]: `hh:mm:ss.ttt` ↔ seconds.
//! * [`WebVtt::transcript`] and [`plain_text`]: the cues as plain text (markup removed,
//!   `<v Speaker>` as the speaker, ruby keeps its base text, entities decoded).

mod parse;
mod text;
mod timing;
mod write;

use std::fmt;

pub use parse::{parse, parse_str, parse_with_warnings};
pub use text::{TranscriptLine, plain_text};
pub use timing::{format_timestamp, parse_timestamp};
pub use write::write;

/// One cue: its timing (seconds), settings and text as written (with any markup).
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    /// The identifier line, when the cue has one (never empty, never holds `-->`).
    pub identifier: Option<String>,
    pub start: f64,
    pub end: f64,
    /// The cue settings (`line:90% align:start`), separated by single spaces; empty
    /// when there are none.
    pub settings: String,
    /// The cue payload, lines joined with `\n` (no blank line, no `-->`).
    pub text: String,
    /// Line of the timing line, 1-based.
    pub line: usize,
}

/// What a kept block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// `STYLE`: CSS for `::cue` (only before the first cue).
    Style,
    /// `REGION`: region settings (only before the first cue).
    Region,
    /// `NOTE`: a comment.
    Note,
}

/// A `STYLE`, `REGION` or `NOTE` block, kept so the stored file keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub kind: BlockKind,
    /// For STYLE and REGION the lines after the keyword line; for NOTE the whole block,
    /// starting with `NOTE`.
    pub text: String,
    /// How many cues come before it in the file.
    pub before_cue: usize,
    /// Its first line, 1-based.
    pub line: usize,
}

/// A parsed WebVTT file with at least one cue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WebVtt {
    /// What follows `WEBVTT` on the first line (empty, or starting with a space or tab),
    /// then the header lines, each after a `\n`.
    pub header: String,
    pub blocks: Vec<Block>,
    pub cues: Vec<Cue>,
}

/// A problem that refuses a file, with the 1-based line it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VttError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for VttError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for VttError {}

/// Something the parser skipped, with the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Line {}: {}", self.line, self.message)
    }
}

#[cfg(test)]
mod tests;
