//! The WebVTT file-parsing algorithm (W3C WebVTT §6.1, "WebVTT parser algorithm" and
//! "collect a WebVTT block"), over lines: the signature, the header, then blocks — a
//! cue, a STYLE or REGION block before the first cue, or anything else, which is a NOTE
//! (kept) or skipped with a warning.

use super::timing::{is_space, parse_timing_line};
use super::{Block, BlockKind, Cue, VttError, Warning, WebVtt};

fn fail<T>(line: usize, message: impl Into<String>) -> Result<T, VttError> {
    Err(VttError {
        line,
        message: message.into(),
    })
}

/// Parse `bytes` as WebVTT (UTF-8, as browsers decode it: a BOM is dropped and invalid
/// bytes become U+FFFD). Warnings are dropped; see [`parse_with_warnings`].
pub fn parse(bytes: &[u8]) -> Result<WebVtt, VttError> {
    parse_with_warnings(bytes).map(|(doc, _)| doc)
}

/// [`parse`], with what was skipped.
pub fn parse_with_warnings(bytes: &[u8]) -> Result<(WebVtt, Vec<Warning>), VttError> {
    parse_str(&String::from_utf8_lossy(bytes))
}

/// `word` (STYLE, REGION, NOTE) followed by nothing or by whitespace only.
fn keyword_only(buffer: &str, word: &str) -> bool {
    buffer
        .strip_prefix(word)
        .is_some_and(|rest| rest.chars().all(is_space))
}

/// A NOTE block: `NOTE` then a space, tab, line break or nothing.
fn is_note(buffer: &str) -> bool {
    buffer
        .strip_prefix("NOTE")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n']))
}

/// What one block turned out to be.
enum Collected {
    Cue(Cue),
    Style(String),
    Region(String),
    /// Not a cue: the text it held, and the timing line that failed, if one did.
    Other {
        buffer: String,
        bad_timing: Option<(usize, String)>,
    },
}

struct Parser<'a> {
    lines: Vec<&'a str>,
    /// Index of the next line to read.
    pos: usize,
    seen_cue: bool,
}

impl Parser<'_> {
    /// "Collect a WebVTT block". Line numbers are 1-based (`index + 1`).
    fn collect_block(&mut self, in_header: bool) -> Collected {
        let mut line_count = 0;
        let mut previous = self.pos;
        let mut buffer = String::new();
        let mut seen_arrow = false;
        let mut cue: Option<Cue> = None;
        let mut bad_timing = None;
        let (mut style, mut region) = (false, false);
        while let Some(&line) = self.lines.get(self.pos) {
            self.pos += 1;
            line_count += 1;
            if line.contains("-->") {
                if !in_header && (line_count == 1 || (line_count == 2 && !seen_arrow)) {
                    seen_arrow = true;
                    previous = self.pos;
                    match parse_timing_line(line) {
                        Ok((start, end, settings)) => {
                            let identifier = std::mem::take(&mut buffer);
                            cue = Some(Cue {
                                identifier: (!identifier.is_empty()).then_some(identifier),
                                start,
                                end,
                                settings,
                                text: String::new(),
                                line: self.pos,
                            });
                            self.seen_cue = true;
                        }
                        Err(why) => {
                            cue = None;
                            let shown: String = line.chars().take(60).collect();
                            bad_timing = Some((
                                self.pos,
                                format!("{shown:?} is not a valid cue timing line: {why}"),
                            ));
                        }
                    }
                } else {
                    self.pos = previous;
                    break;
                }
            } else if line.is_empty() {
                break;
            } else {
                if !in_header && line_count == 2 && !self.seen_cue {
                    if keyword_only(&buffer, "STYLE") {
                        style = true;
                        buffer.clear();
                    } else if keyword_only(&buffer, "REGION") {
                        region = true;
                        buffer.clear();
                    }
                }
                if !buffer.is_empty() {
                    buffer.push('\n');
                }
                buffer.push_str(line);
                previous = self.pos;
            }
        }
        if let Some(mut cue) = cue {
            cue.text = buffer;
            Collected::Cue(cue)
        } else if style {
            Collected::Style(buffer)
        } else if region {
            Collected::Region(buffer)
        } else {
            Collected::Other { buffer, bad_timing }
        }
    }

    fn skip_blank_lines(&mut self) {
        while self.lines.get(self.pos).is_some_and(|l| l.is_empty()) {
            self.pos += 1;
        }
    }
}

/// Parse decoded WebVTT text (a leading BOM is dropped; NUL becomes U+FFFD).
pub fn parse_str(text: &str) -> Result<(WebVtt, Vec<Warning>), VttError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalized = text
        .replace('\0', "\u{fffd}")
        .replace("\r\n", "\n")
        .replace('\r', "\n");
    // Signature: "WEBVTT" alone, or followed by a space, tab or line break.
    let sig_ok = normalized
        .strip_prefix("WEBVTT")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\n']));
    if !sig_ok {
        return fail(
            1,
            "a WebVTT file must start with the word WEBVTT on its own first line",
        );
    }
    let mut lines: Vec<&str> = normalized.split('\n').collect();
    if normalized.ends_with('\n') {
        lines.pop();
    }
    let mut doc = WebVtt {
        header: lines[0]["WEBVTT".len()..].to_owned(),
        ..WebVtt::default()
    };
    let mut warnings = Vec::new();
    // Why the file would be refused if no cue turns up: the first cue that was skipped.
    let mut refusal: Option<VttError> = None;
    let mut p = Parser {
        lines,
        pos: 1,
        seen_cue: false,
    };
    if p.lines.get(1).is_some_and(|l| !l.is_empty()) {
        if let Collected::Other { buffer, .. } = p.collect_block(true) {
            for line in buffer.split('\n').filter(|l| !l.is_empty()) {
                doc.header.push('\n');
                doc.header.push_str(line);
            }
        }
        // The header ended at a timing line rather than at a blank line.
        if p.lines.get(p.pos).is_some_and(|l| !l.is_empty()) && !p.lines[p.pos - 1].is_empty() {
            warnings.push(Warning {
                line: p.pos + 1,
                message: "a blank line is missing before this line (it ends the header)".into(),
            });
        }
    }
    p.skip_blank_lines();
    while p.pos < p.lines.len() {
        let start = p.pos + 1;
        let seen_cue = p.seen_cue;
        let before_cue = doc.cues.len();
        let block = |kind, text| Block {
            kind,
            text,
            before_cue,
            line: start,
        };
        match p.collect_block(false) {
            Collected::Cue(cue) => doc.cues.push(cue),
            Collected::Style(css) => doc.blocks.push(block(BlockKind::Style, css)),
            Collected::Region(settings) => doc.blocks.push(block(BlockKind::Region, settings)),
            Collected::Other { bad_timing, buffer } => {
                if let Some((line, why)) = bad_timing {
                    refusal.get_or_insert_with(|| VttError {
                        line,
                        message: format!("{why}; no cue is left in the file"),
                    });
                    warnings.push(Warning {
                        line,
                        message: format!(
                            "{why} (use hh:mm:ss.ttt --> hh:mm:ss.ttt); the cue was skipped"
                        ),
                    });
                } else if is_note(&buffer) {
                    doc.blocks.push(block(BlockKind::Note, buffer));
                } else if seen_cue && (buffer.starts_with("STYLE") || buffer.starts_with("REGION"))
                {
                    warnings.push(Warning {
                        line: start,
                        message: "a STYLE or REGION block after the first cue was skipped \
                                  (they must come before the cues)"
                            .into(),
                    });
                } else {
                    refusal.get_or_insert_with(|| no_timing_line(&buffer, start));
                    warnings.push(Warning {
                        line: start,
                        message: "a block without a timing line was skipped".into(),
                    });
                }
            }
        }
        p.skip_blank_lines();
    }
    if doc.cues.is_empty() {
        return Err(refusal.unwrap_or_else(|| VttError {
            line: p.lines.len().max(1),
            message: "the file has no cues".into(),
        }));
    }
    Ok((doc, warnings))
}

/// The refusal for a file whose first skipped block had no timing line: its first line
/// reads as a cue identifier, so the timing line was expected after it.
fn no_timing_line(buffer: &str, start: usize) -> VttError {
    const EXAMPLE: &str = "\"00:00:01.000 --> 00:00:04.000\"";
    let mut lines = buffer.split('\n');
    let head: String = lines.next().unwrap_or("").chars().take(60).collect();
    let (line, message) = if lines.next().is_some() {
        (
            start + 1,
            format!("expected a cue timing line such as {EXAMPLE} after {head:?}"),
        )
    } else {
        (
            start,
            format!("{head:?} is not a cue: expected a cue timing line such as {EXAMPLE}"),
        )
    };
    VttError {
        line,
        message: format!("{message}; no cue is left in the file"),
    }
}
