//! SubRip (`.srt`) to WebVTT cues: numbered blocks `1` / `00:00:01,000 --> 00:00:02,500`
//! / text. A missing blank line between cues is tolerated (a number followed by a
//! timing line starts the next cue); a block without a timing line, or with a broken
//! one, is skipped with a "Line N: …" warning, as for WebVTT.

use super::{Lines, cue_text, is_digits, sub_timestamp};
use crate::video::webvtt::{Cue, VttError, Warning, WebVtt};

/// `hh:mm:ss,ttt` (hours one or more digits; `.` is taken for `,` too).
fn timestamp(s: &str) -> Option<f64> {
    let (clock, ms) = s.split_once([',', '.'])?;
    sub_timestamp(clock, ms)
}

/// A timing line: start and end; what follows the end time (SubRip's `X1:…` box) is
/// dropped.
fn timing(line: &str) -> Result<(f64, f64), String> {
    let (left, right) = line
        .split_once("-->")
        .ok_or_else(|| "expected \"-->\" between the times".to_string())?;
    let start = left.trim();
    let end = right.split_whitespace().next().unwrap_or("");
    let start_s = timestamp(start)
        .ok_or_else(|| format!("{start:?} is not a valid start time (use hh:mm:ss,ttt)"))?;
    let end_s = timestamp(end)
        .ok_or_else(|| format!("{end:?} is not a valid end time (use hh:mm:ss,ttt)"))?;
    Ok((start_s, end_s))
}

/// Parse SubRip text into a WebVTT document (no header, no blocks).
pub fn parse(text: &str) -> Result<(WebVtt, Vec<Warning>), VttError> {
    let lines = Lines::new(text);
    let mut doc = WebVtt::default();
    let mut warnings = Vec::new();
    // A number line followed by a timing line, or a timing line, starts a cue.
    let starts_cue = |i: usize| {
        lines.get(i).is_some_and(|l| l.contains("-->"))
            || (lines.get(i).is_some_and(is_digits)
                && lines.get(i + 1).is_some_and(|l| l.contains("-->")))
    };
    let mut i = lines.skip_blank(0);
    while i < lines.len() {
        if !starts_cue(i) {
            warnings.push(Warning {
                line: i + 1,
                message: "a block without a timing line was skipped".into(),
            });
            i = lines.skip_blank(lines.block_end(i));
            continue;
        }
        let (identifier, t) = match lines.get(i) {
            Some(l) if !l.contains("-->") => (Some(l.trim().to_owned()), i + 1),
            _ => (None, i),
        };
        let mut j = t + 1;
        while j < lines.len() && !lines.is_blank(j) && !starts_cue(j) {
            j += 1;
        }
        match timing(lines.get(t).unwrap_or_default()) {
            Ok((start, end)) => doc.cues.push(Cue {
                identifier,
                start,
                end,
                settings: String::new(),
                text: cue_text(lines.range(t + 1, j)),
                line: t + 1,
            }),
            Err(why) => warnings.push(Warning {
                line: t + 1,
                message: format!("{why}; the cue was skipped"),
            }),
        }
        i = lines.skip_blank(j);
    }
    super::no_cues(&doc, &warnings, lines.len())?;
    Ok((doc, warnings))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_numbered_cues_tags_and_positions() {
        let text = "1\r\n00:00:01,000 --> 00:00:02,500 X1:10 X2:20 Y1:5 Y2:9\r\n<i>Hello</i> <font color=\"red\">café</font>\r\nZoë & co <3\r\n\r\n2\r\n00:00:02,500 --> 00:00:04,000\r\n{\\an8}Up top\r\n";
        let (doc, warnings) = parse(text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(doc.cues.len(), 2);
        let cue = &doc.cues[0];
        assert_eq!(cue.identifier.as_deref(), Some("1"));
        assert_eq!((cue.start, cue.end, cue.line), (1.0, 2.5, 2));
        assert_eq!(cue.text, "<i>Hello</i> café\nZoë &amp; co &lt;3");
        assert_eq!(doc.cues[1].text, "Up top");
    }

    #[test]
    fn a_missing_blank_line_and_dot_separators_are_tolerated() {
        let (doc, _) =
            parse("1\n00:00:01.000 --> 00:00:02.000\nA\n2\n00:00:02,000 --> 00:00:03,000\nB\n")
                .unwrap();
        assert_eq!(doc.cues.len(), 2);
        assert_eq!(doc.cues[0].text, "A");
    }

    #[test]
    fn malformed_timing_lines_are_skipped_with_their_line() {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:02 --> 00:00:03,000\nbad\n\n3\n00:00:03,000 --> 00:00:04,000\nok\n";
        let (doc, warnings) = parse(text).unwrap();
        assert_eq!(doc.cues.len(), 2);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0]
                .to_string()
                .starts_with("Line 6: \"00:00:02\" is not a valid start time"),
            "{}",
            warnings[0]
        );
        let e = parse("1\n00:00:01,000 --> 00:00:61,000\nbad\n").unwrap_err();
        assert!(e.to_string().contains("Line 2"), "{e}");
        assert!(e.to_string().contains("end time"), "{e}");
        let e = parse("just some text\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("Line 1: a block without a timing line was skipped; no cue is left"),
            "{e}"
        );
    }
}
