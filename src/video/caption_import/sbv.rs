//! YouTube's SBV (`.sbv`) to WebVTT cues: blocks of `0:00:01.000,0:00:02.500` then the
//! text; `[br]` is a line break. A block without a timing line, or with a broken one,
//! is skipped with a "Line N: …" warning, as for WebVTT.

use super::{Lines, cue_text, sub_timestamp};
use crate::video::webvtt::{Cue, VttError, Warning, WebVtt};

/// `h:mm:ss.ttt`.
fn timestamp(s: &str) -> Option<f64> {
    let (clock, ms) = s.trim().split_once('.')?;
    sub_timestamp(clock, ms)
}

/// Whether `line` is an SBV timing line (for telling formats apart).
pub fn is_timing(line: &str) -> bool {
    timing(line).is_ok()
}

fn timing(line: &str) -> Result<(f64, f64), String> {
    let (left, right) = line
        .split_once(',')
        .ok_or_else(|| "expected two times separated by a comma".to_string())?;
    let start = timestamp(left).ok_or_else(|| {
        format!(
            "{:?} is not a valid start time (use h:mm:ss.ttt)",
            left.trim()
        )
    })?;
    let end = timestamp(right).ok_or_else(|| {
        format!(
            "{:?} is not a valid end time (use h:mm:ss.ttt)",
            right.trim()
        )
    })?;
    Ok((start, end))
}

/// Parse SBV text into a WebVTT document (no header, no blocks).
pub fn parse(text: &str) -> Result<(WebVtt, Vec<Warning>), VttError> {
    let lines = Lines::new(text);
    let mut doc = WebVtt::default();
    let mut warnings = Vec::new();
    let mut i = lines.skip_blank(0);
    while i < lines.len() {
        let end = lines.block_end(i);
        match timing(lines.get(i).unwrap_or_default()) {
            Ok((start, stop)) => doc.cues.push(Cue {
                identifier: None,
                start,
                end: stop,
                settings: String::new(),
                text: cue_text(
                    &lines
                        .range(i + 1, end)
                        .iter()
                        .flat_map(|l| l.split("[br]").map(str::to_owned))
                        .collect::<Vec<_>>(),
                ),
                line: i + 1,
            }),
            Err(why) => warnings.push(Warning {
                line: i + 1,
                message: format!("{why}; the block was skipped"),
            }),
        }
        i = lines.skip_blank(end);
    }
    super::no_cues(&doc, &warnings, lines.len())?;
    Ok((doc, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_blocks_and_line_breaks() {
        let text =
            "0:00:00.599,0:00:04.160\n>> ALICE: café[br]Zoë <3\n\n0:00:04.160,0:00:06.770\nBye\n";
        let (doc, warnings) = parse(text).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(doc.cues.len(), 2);
        assert_eq!((doc.cues[0].start, doc.cues[0].end), (0.599, 4.16));
        assert_eq!(doc.cues[0].text, "&gt;&gt; ALICE: café\nZoë &lt;3");
        assert_eq!(doc.cues[1].line, 4);
    }

    #[test]
    fn malformed_timing_lines_are_skipped_with_their_line() {
        let (doc, warnings) =
            parse("0:00:00.000,0:00:01.000\na\n\n0:00:01,0:00:02.000\nb\n").unwrap();
        assert_eq!(doc.cues.len(), 1);
        assert!(
            warnings[0]
                .to_string()
                .starts_with("Line 4: \"0:00:01\" is not a valid start time"),
            "{}",
            warnings[0]
        );
        let e = parse("0:00:01.000 0:00:02.000\nx\n").unwrap_err();
        assert!(
            e.to_string().starts_with("Line 1: expected two times separated by a comma; the block was skipped; no cue is left"),
            "{e}"
        );
    }
}
