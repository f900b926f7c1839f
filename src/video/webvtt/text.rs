//! Cue text as plain text, for the transcript beside the player: markup removed (the
//! voice of `<v Speaker>` becomes the speaker, ruby keeps its base text and drops the
//! `<rt>` annotation), character references decoded. The pages escape the result.

use super::{WebVtt, format_timestamp};

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
    /// (cues without text left out, consecutive cues with identical text merged).
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

/// The tag's name: what comes before a `.`, space or tab (`c.loud` → `c`, `/v` → `/v`).
fn tag_name(tag: &str) -> &str {
    tag.split(['.', ' ', '\t', '\u{c}']).next().unwrap_or("")
}

/// Strip cue tags (`<b>`, `<c.x>`, `<00:00:01.000>`, `<v Name>`, `<ruby>`…), drop ruby
/// text (`<rt>…</rt>`) and decode character references; returns the first voice name,
/// if any, and the text with each line trimmed and lines joined by one space.
pub fn plain_text(cue_text: &str) -> (Option<String>, String) {
    let mut speaker = None;
    let mut out = String::with_capacity(cue_text.len());
    let mut in_rt = false;
    let mut rest = cue_text;
    while let Some(open) = rest.find('<') {
        if !in_rt {
            out.push_str(&rest[..open]);
        }
        let after = &rest[open + 1..];
        let close = after.find('>').unwrap_or(after.len());
        let tag = &after[..close];
        match tag_name(tag) {
            "rt" => in_rt = true,
            "/rt" | "/ruby" => in_rt = false,
            "v" if speaker.is_none() => {
                let name = tag.split_once([' ', '\t', '\u{c}']).map_or("", |(_, n)| n);
                let name = decode_entities(name.trim());
                if !name.is_empty() {
                    speaker = Some(name);
                }
            }
            _ => {}
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    if !in_rt {
        out.push_str(rest);
    }
    let text = decode_entities(&out)
        .split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (speaker, text)
}

/// The named references WebVTT files use, and numeric ones (`&#233;`, `&#xE9;`).
fn decode_entities(s: &str) -> String {
    const NAMED: [(&str, &str); 8] = [
        ("amp", "&"),
        ("lt", "<"),
        ("gt", ">"),
        ("quot", "\""),
        ("apos", "'"),
        ("nbsp", "\u{a0}"),
        ("lrm", "\u{200e}"),
        ("rlm", "\u{200f}"),
    ];
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&n| n <= 10).and_then(|semi| {
            let name = &after[..semi];
            let ch = if let Some(num) = name.strip_prefix('#') {
                let value = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse().ok(),
                };
                value
                    .and_then(char::from_u32)
                    .filter(|c| *c != '\0')
                    .map(String::from)
            } else {
                NAMED
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, c)| (*c).to_owned())
            };
            ch.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push_str(&c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
