//! A strict-enough WebVTT parser (W3C WebVTT, the file syntax): it refuses what
//! browsers would silently drop, naming the line of the problem, and it turns cues into
//! a plain transcript for the page below the player.

use std::fmt;

/// One cue: its timing (seconds) and its text as written (with any tags).
#[derive(Debug, Clone, PartialEq)]
pub struct Cue {
    pub identifier: Option<String>,
    pub start: f64,
    pub end: f64,
    pub text: String,
    /// Line of the timing line, 1-based.
    pub line: usize,
}

/// A parsed, valid WebVTT file.
#[derive(Debug, Clone, PartialEq)]
pub struct WebVtt {
    pub cues: Vec<Cue>,
}

/// A problem in a WebVTT file, with the 1-based line it is on.
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

fn fail<T>(line: usize, message: impl Into<String>) -> Result<T, VttError> {
    Err(VttError {
        line,
        message: message.into(),
    })
}

/// Parse `bytes` as WebVTT.
pub fn parse(bytes: &[u8]) -> Result<WebVtt, VttError> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            return fail(line, "the file is not UTF-8 text; save it as UTF-8");
        }
    };
    if text.contains('\0') {
        let line = text[..text.find('\0').unwrap_or(0)].matches('\n').count() + 1;
        return fail(line, "the file contains a NUL character");
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();

    // Signature: "WEBVTT" alone or followed by a space or tab and anything.
    let first = lines.first().copied().unwrap_or("");
    let rest = first.strip_prefix("WEBVTT");
    if !matches!(rest, Some(r) if r.is_empty() || r.starts_with([' ', '\t'])) {
        return fail(1, "a WebVTT file must start with the line WEBVTT");
    }

    // Header: everything up to the first blank line.
    let mut i = 1;
    while i < lines.len() && !lines[i].is_empty() {
        if lines[i].contains("-->") {
            return fail(
                i + 1,
                "a blank line is needed between the WEBVTT line and the first cue",
            );
        }
        i += 1;
    }

    let mut cues: Vec<Cue> = Vec::new();
    let mut seen_cue = false;
    while i < lines.len() {
        // Skip blank lines between blocks.
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        let block_start = i;
        let mut end = i;
        while end < lines.len() && !lines[end].is_empty() {
            end += 1;
        }
        let block = &lines[block_start..end];
        let head = block[0];
        if is_keyword_block(head, "NOTE") {
            if let Some(k) = block.iter().position(|l| l.contains("-->")) {
                return fail(block_start + k + 1, "a NOTE must not contain \"-->\"");
            }
        } else if is_keyword_block(head, "STYLE") || is_keyword_block(head, "REGION") {
            if seen_cue {
                return fail(
                    block_start + 1,
                    "STYLE and REGION blocks must come before the first cue",
                );
            }
        } else {
            let (identifier, timing_index) = if head.contains("-->") {
                (None, 0)
            } else {
                if block.len() < 2 || !block[1].contains("-->") {
                    return fail(
                        block_start + 2.min(block.len()),
                        format!(
                            "expected a cue timing line such as \"00:00:01.000 --> 00:00:04.000\" after {head:?}"
                        ),
                    );
                }
                (Some(head.to_owned()), 1)
            };
            let line_no = block_start + timing_index + 1;
            let (start, end_time) = parse_timing(block[timing_index], line_no)?;
            if let Some(prev) = cues.last()
                && start < prev.start
            {
                return fail(
                    line_no,
                    format!(
                        "cues must be in time order: this cue starts at {} but the previous one at {}",
                        format_timestamp(start),
                        format_timestamp(prev.start)
                    ),
                );
            }
            let payload = &block[timing_index + 1..];
            if let Some(k) = payload.iter().position(|l| l.contains("-->")) {
                return fail(
                    line_no + k + 1,
                    "cue text must not contain \"-->\"; is a blank line missing before this cue?",
                );
            }
            cues.push(Cue {
                identifier,
                start,
                end: end_time,
                text: payload.join("\n"),
                line: line_no,
            });
            seen_cue = true;
        }
        i = end;
    }
    if cues.is_empty() {
        return fail(lines.len().max(1), "the file has no cues");
    }
    Ok(WebVtt { cues })
}

fn is_keyword_block(line: &str, keyword: &str) -> bool {
    line.strip_prefix(keyword)
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
}

fn parse_timing(line: &str, line_no: usize) -> Result<(f64, f64), VttError> {
    let Some((left, right)) = line.split_once("-->") else {
        return fail(line_no, "expected \"-->\" between the start and end times");
    };
    let start = parse_timestamp(left.trim()).ok_or(()).or_else(|_| {
        fail(
            line_no,
            format!(
                "{:?} is not a valid start time (use hh:mm:ss.ttt or mm:ss.ttt)",
                left.trim()
            ),
        )
    })?;
    let right = right.trim_start();
    let end_text = right.split([' ', '\t']).next().unwrap_or("");
    let end = parse_timestamp(end_text).ok_or(()).or_else(|_| {
        fail(
            line_no,
            format!("{end_text:?} is not a valid end time (use hh:mm:ss.ttt or mm:ss.ttt)"),
        )
    })?;
    if end <= start {
        return fail(line_no, "the end time must be after the start time");
    }
    Ok((start, end))
}

/// `hh:mm:ss.ttt` (hours: two or more digits) or `mm:ss.ttt`, minutes and seconds
/// below 60, exactly three decimals.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    let (clock, millis) = s.split_once('.')?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let (hours, minutes, secs) = match parts.as_slice() {
        [m, s] => ("0", *m, *s),
        [h, m, s] if h.len() >= 2 => (*h, *m, *s),
        _ => return None,
    };
    let digits = |v: &str, exact: bool| {
        (!v.is_empty() && (!exact || v.len() == 2) && v.bytes().all(|b| b.is_ascii_digit()))
            .then(|| v.parse::<u64>().ok())
            .flatten()
    };
    let h = digits(hours, false)?;
    let m = digits(minutes, true)?;
    let sec = digits(secs, true)?;
    if m > 59 || sec > 59 || h > 999_999 {
        return None;
    }
    let ms: u64 = millis.parse().ok()?;
    Some((h * 3600 + m * 60 + sec) as f64 + ms as f64 / 1000.0)
}

/// `hh:mm:ss.ttt` for messages and transcripts.
pub fn format_timestamp(seconds: f64) -> String {
    let total_ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, rem) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (m, rem) = (rem / 60_000, rem % 60_000);
    format!("{h:02}:{m:02}:{:02}.{:03}", rem / 1000, rem % 1000)
}

/// One line of a transcript: when it is said and what, as plain text.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(description = "One line of a transcript.")]
pub struct TranscriptLine {
    pub start_seconds: f64,
    /// `hh:mm:ss.ttt`, for display.
    pub start: String,
    /// The voice (`<v Name>`), when the cue names one.
    pub speaker: Option<String>,
    pub text: String,
}

impl WebVtt {
    /// The cues as plain text: tags removed, entities decoded, one line per cue
    /// (consecutive cues with identical text merged).
    pub fn transcript(&self) -> Vec<TranscriptLine> {
        let mut out: Vec<TranscriptLine> = Vec::new();
        for cue in &self.cues {
            let (speaker, text) = plain_text(&cue.text);
            if text.is_empty() {
                continue;
            }
            if out
                .last()
                .is_some_and(|l| l.text == text && l.speaker == speaker)
            {
                continue;
            }
            out.push(TranscriptLine {
                start_seconds: cue.start,
                start: format_timestamp(cue.start),
                speaker,
                text,
            });
        }
        out
    }
}

/// Strip cue tags (`<b>`, `<c.x>`, `<00:00:01.000>`, `<v Name>`…) and decode the
/// character references WebVTT allows; returns the first voice name, if any.
pub fn plain_text(cue_text: &str) -> (Option<String>, String) {
    let mut speaker = None;
    let mut out = String::with_capacity(cue_text.len());
    let mut rest = cue_text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else {
            out.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &after[..close];
        if speaker.is_none()
            && let Some(name) = tag
                .strip_prefix('v')
                .filter(|t| t.starts_with([' ', '\t', '.']))
        {
            let name = name.split_once([' ', '\t']).map_or("", |(_, n)| n).trim();
            if !name.is_empty() {
                speaker = Some(decode_entities(name));
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    let text = decode_entities(&out)
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (speaker, text)
}

fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&lrm;", "\u{200e}")
        .replace("&rlm;", "\u{200f}")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\u{feff}WEBVTT - Greeting in ASL\r
Kind: captions\r
\r
NOTE written by a person, checked by a Deaf reviewer\r
\r
STYLE\r
::cue { color: yellow }\r
\r
intro\r
00:00.000 --> 00:02.500 line:90%\r
<v Alex>Hello &amp; welcome!</v>\r
\r
00:00:02.500 --> 00:00:05.000\r
[door bell rings]\r
<i>Someone</i> is at the door.\r
\r
00:00:05.000 --> 00:00:06.000\r
&lt;3\r
";

    #[test]
    fn parses_a_good_file() {
        let vtt = parse(GOOD.as_bytes()).unwrap();
        assert_eq!(vtt.cues.len(), 3);
        assert_eq!(vtt.cues[0].identifier.as_deref(), Some("intro"));
        assert_eq!(vtt.cues[0].start, 0.0);
        assert_eq!(vtt.cues[0].end, 2.5);
        assert_eq!(vtt.cues[0].line, 10);
        assert_eq!(vtt.cues[1].start, 2.5);
        let transcript = vtt.transcript();
        assert_eq!(transcript[0].speaker.as_deref(), Some("Alex"));
        assert_eq!(transcript[0].text, "Hello & welcome!");
        assert_eq!(
            transcript[1].text,
            "[door bell rings] Someone is at the door."
        );
        assert_eq!(transcript[1].start, "00:00:02.500");
        assert_eq!(transcript[2].text, "<3");
    }

    #[test]
    fn accepts_minimal_files_and_long_hours() {
        let vtt = parse(b"WEBVTT\n\n100:00:00.000 --> 100:00:01.000\nhi").unwrap();
        assert_eq!(vtt.cues[0].start, 360_000.0);
    }

    fn error_of(text: &str) -> VttError {
        parse(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn refuses_bad_files_with_the_line_number() {
        let cases: [(&str, usize, &str); 12] = [
            ("", 1, "must start with the line WEBVTT"),
            ("1\n00:00.000 --> 00:01.000\nhi\n", 1, "WEBVTT"),
            ("WEBVTTX\n\n00:00.000 --> 00:01.000\nhi\n", 1, "WEBVTT"),
            ("WEBVTT\n00:00.000 --> 00:01.000\nhi\n", 2, "blank line"),
            (
                "WEBVTT\n\n00:00.000 -> 00:01.000\nhi\n",
                4,
                "cue timing line",
            ),
            ("WEBVTT\n\n00:00,000 --> 00:01.000\nhi\n", 3, "start time"),
            ("WEBVTT\n\n00:00.000 --> 00:61.000\nhi\n", 3, "end time"),
            ("WEBVTT\n\n0:00:00.000 --> 00:01.000\nhi\n", 3, "start time"),
            (
                "WEBVTT\n\n00:02.000 --> 00:01.000\nhi\n",
                3,
                "after the start",
            ),
            (
                "WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n00:01.000 --> 00:02.000\nthere\n",
                5,
                "-->",
            ),
            (
                "WEBVTT\n\n00:05.000 --> 00:06.000\na\n\n00:01.000 --> 00:02.000\nb\n",
                6,
                "time order",
            ),
            ("WEBVTT\n\nNOTE only a note\n", 4, "no cues"),
        ];
        for (text, line, needle) in cases {
            let e = error_of(text);
            assert_eq!(e.line, line, "{text:?} gave {e}");
            assert!(e.message.contains(needle), "{text:?} gave {e}");
        }
    }

    #[test]
    fn refuses_binary_and_late_style() {
        let e = parse(b"WEBVTT\n\n00:00.000 --> 00:01.000\n\xff\xfe\n").unwrap_err();
        assert_eq!(e.line, 4);
        let e = error_of("WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n\nSTYLE\n::cue {}\n");
        assert_eq!(e.line, 6);
    }

    #[test]
    fn timestamps_round_trip() {
        assert_eq!(parse_timestamp("01:02:03.004"), Some(3723.004));
        assert_eq!(parse_timestamp("02:03.004"), Some(123.004));
        assert_eq!(parse_timestamp("2:03.004"), None);
        assert_eq!(parse_timestamp("02:03.04"), None);
        assert_eq!(format_timestamp(3723.004), "01:02:03.004");
    }
}
