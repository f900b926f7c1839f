//! Caption files from anywhere, turned into the WebVTT PinkFlow stores: [`import`]
//! decodes the bytes ([`decode`]: UTF-8 with or without BOM, UTF-16 with BOM,
//! Windows-1252 otherwise), tells the format from the content and the file name
//! (WebVTT, SubRip `.srt`, YouTube `.sbv`), parses it and checks the [`Limits`].
//! Everything skipped comes back as "Line N: …" warnings for the uploader.

pub mod decode;
pub mod sbv;
pub mod srt;

use crate::video::webvtt::{self, VttError, Warning, WebVtt};

/// The formats a caption file may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    WebVtt,
    SubRip,
    Sbv,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::WebVtt => "WebVTT",
            Format::SubRip => "SubRip (.srt)",
            Format::Sbv => "SBV (.sbv)",
        }
    }
}

/// How many cues a track may have, and how long a cue's text may be (characters as
/// written, markup included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_cues: usize,
    pub max_cue_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_cues: 20_000,
            max_cue_chars: 1_000,
        }
    }
}

/// An accepted caption file.
#[derive(Debug, Clone)]
pub struct Imported {
    pub format: Format,
    pub doc: WebVtt,
    /// The WebVTT file to store: a UTF-8 WebVTT upload as it was sent, anything else
    /// converted (re-encoded as UTF-8, or written by [`webvtt::write`]).
    pub vtt: Vec<u8>,
    /// What was skipped or changed, each "Line N: …" where it has a line.
    pub warnings: Vec<String>,
}

/// Why a caption file is refused (every message is for the uploader).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("The caption file is not valid {format}. {error}")]
    Invalid {
        format: &'static str,
        error: VttError,
    },
    #[error("The caption file has {count} cues; the most a track may have is {max}.")]
    TooManyCues { count: usize, max: usize },
    #[error("Line {line}: this cue has {count} characters; the most a cue may have is {max}.")]
    CueTooLong {
        line: usize,
        count: usize,
        max: usize,
    },
}

/// Decode, detect, parse and check a caption upload.
pub fn import(
    filename: Option<&str>,
    bytes: &[u8],
    limits: Limits,
) -> Result<Imported, ImportError> {
    let (text, encoding) = decode::decode(bytes);
    let format = detect(filename, &text);
    let parsed = match format {
        Format::WebVtt => webvtt::parse_str(&text),
        Format::SubRip => srt::parse(&text),
        Format::Sbv => sbv::parse(&text),
    };
    let (doc, skipped) = parsed.map_err(|error| ImportError::Invalid {
        format: format.name(),
        error,
    })?;
    check(&doc, limits)?;
    let mut warnings = Vec::new();
    if encoding != encoding_rs::UTF_8 {
        warnings.push(format!(
            "The file was read as {} text and stored as UTF-8.",
            encoding.name()
        ));
    }
    if format != Format::WebVtt {
        warnings.push(format!(
            "The {} file was converted to WebVTT.",
            format.name()
        ));
    }
    warnings.extend(skipped.iter().map(Warning::to_string));
    let vtt = match format {
        Format::WebVtt if encoding == encoding_rs::UTF_8 => bytes.to_vec(),
        Format::WebVtt => text.into_bytes(),
        _ => webvtt::write(&doc).into_bytes(),
    };
    Ok(Imported {
        format,
        doc,
        vtt,
        warnings,
    })
}

/// The cue count and cue lengths against `limits`.
pub fn check(doc: &WebVtt, limits: Limits) -> Result<(), ImportError> {
    if doc.cues.len() > limits.max_cues {
        return Err(ImportError::TooManyCues {
            count: doc.cues.len(),
            max: limits.max_cues,
        });
    }
    for cue in &doc.cues {
        let count = cue.text.chars().count();
        if count > limits.max_cue_chars {
            return Err(ImportError::CueTooLong {
                line: cue.line,
                count,
                max: limits.max_cue_chars,
            });
        }
    }
    Ok(())
}

/// The format: the `WEBVTT` signature decides first, then the file name's extension,
/// then the first timing line's shape; WebVTT otherwise (its parser then names the
/// problem).
pub fn detect(filename: Option<&str>, text: &str) -> Format {
    if text.trim_start_matches('\u{feff}').starts_with("WEBVTT") {
        return Format::WebVtt;
    }
    let ext = filename
        .and_then(|n| n.rsplit_once('.'))
        .map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("srt") => return Format::SubRip,
        Some("sbv") => return Format::Sbv,
        _ => {}
    }
    let lines = Lines::new(text);
    let first = lines.skip_blank(0);
    let line = lines.get(first).unwrap_or_default();
    if sbv::is_timing(line) {
        Format::Sbv
    } else if (is_digits(line) && lines.get(first + 1).is_some_and(|l| l.contains("-->")))
        || (line.contains("-->") && line.contains(','))
    {
        Format::SubRip
    } else {
        Format::WebVtt
    }
}

/// A refusal when no cue is left, naming the first skipped line.
fn no_cues(doc: &WebVtt, warnings: &[Warning], lines: usize) -> Result<(), VttError> {
    if !doc.cues.is_empty() {
        return Ok(());
    }
    Err(match warnings.first() {
        Some(w) => VttError {
            line: w.line,
            message: format!("{}; no cue is left in the file", w.message),
        },
        None => VttError {
            line: lines.max(1),
            message: "the file has no cues".into(),
        },
    })
}

/// Lines with CR, CRLF and LF ends (NUL read as U+FFFD), without a final empty one.
struct Lines {
    lines: Vec<String>,
}

impl Lines {
    fn new(text: &str) -> Self {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let normalized = text
            .replace('\0', "\u{fffd}")
            .replace("\r\n", "\n")
            .replace('\r', "\n");
        let mut lines: Vec<String> = normalized.split('\n').map(str::to_owned).collect();
        if normalized.ends_with('\n') {
            lines.pop();
        }
        Lines { lines }
    }

    fn len(&self) -> usize {
        self.lines.len()
    }

    fn get(&self, i: usize) -> Option<&str> {
        self.lines.get(i).map(String::as_str)
    }

    fn range(&self, from: usize, to: usize) -> &[String] {
        self.lines.get(from..to.max(from)).unwrap_or_default()
    }

    fn is_blank(&self, i: usize) -> bool {
        self.get(i).is_none_or(|l| l.trim().is_empty())
    }

    /// The first non-blank line at or after `i`.
    fn skip_blank(&self, mut i: usize) -> usize {
        while i < self.len() && self.is_blank(i) {
            i += 1;
        }
        i
    }

    /// The first blank line (or the end) after the block starting at `i`.
    fn block_end(&self, mut i: usize) -> usize {
        while i < self.len() && !self.is_blank(i) {
            i += 1;
        }
        i
    }
}

fn is_digits(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
}

/// `h:mm:ss` and three digits of milliseconds (hours one or more digits, minutes and
/// seconds two digits below 60), as SubRip and SBV write them.
fn sub_timestamp(clock: &str, ms: &str) -> Option<f64> {
    let mut parts = clock.split(':');
    let (h, m, s) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |v: &str, len: Option<usize>| {
        (!v.is_empty()
            && v.len() <= 10
            && len.is_none_or(|n| v.len() == n)
            && v.bytes().all(|b| b.is_ascii_digit()))
        .then(|| v.parse::<u64>().ok())
        .flatten()
    };
    let (h, m, s, ms) = (
        digits(h, None)?,
        digits(m, Some(2))?,
        digits(s, Some(2))?,
        digits(ms, Some(3))?,
    );
    if parts.next().is_some() || m > 59 || s > 59 {
        return None;
    }
    Some((h * 3600) as f64 + (m * 60) as f64 + s as f64 + ms as f64 / 1000.0)
}

/// SubRip/SBV text lines as WebVTT cue text: `<i>`, `<b>`, `<u>` kept, other tags
/// (`<font …>`) and `{\an8}`-style codes dropped, `&`, `<`, `>` escaped, each line
/// trimmed at the end, blank lines dropped (they would end the cue).
fn cue_text(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| convert_line(l.trim_end()))
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

fn convert_line(line: &str) -> String {
    const KEPT: [&str; 6] = ["i", "/i", "b", "/b", "u", "/u"];
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(close) = rest.find('>')
        {
            let tag = rest[1..close].trim().to_ascii_lowercase();
            let name = tag.split_whitespace().next().unwrap_or("");
            if KEPT.contains(&tag.as_str()) {
                out.push('<');
                out.push_str(&tag);
                out.push('>');
                rest = &rest[close + 1..];
                continue;
            }
            if matches!(name, "font" | "/font" | "s" | "/s") {
                rest = &rest[close + 1..];
                continue;
            }
        }
        if c == '{'
            && rest.starts_with("{\\")
            && let Some(close) = rest.find('}')
        {
            rest = &rest[close + 1..];
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests;
