//! The cues of a stored track as the caption editor sees them: read from the WebVTT
//! file (keeping everything before the first cue — the `WEBVTT` line, the header, STYLE,
//! REGION and NOTE blocks — and each cue's settings), checked one by one as a person or
//! an API client sends them, shifted, and written back as WebVTT.
//!
//! Times are whole milliseconds here. [`write`] is the one place an edited track
//! becomes WebVTT text again; it keeps the header as it was read, byte for byte, and the
//! NOTE blocks between cues before the moment of the video they stood before.

use serde::{Deserialize, Serialize};

use super::webvtt::{self, VttError, format_timestamp};

/// Most cues a track may have.
pub const MAX_CUES: usize = 20_000;
/// Most characters of one cue's text.
pub const MAX_CUE_CHARS: usize = 1_000;
/// Largest shift of every timing, either way (one day).
pub const MAX_SHIFT_MS: i64 = 86_400_000;
/// Latest time a cue may end (hours as the parser allows them).
const MAX_TIME_MS: u64 = 999_999 * 3_600_000;

/// One cue, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimedCue {
    /// The cue identifier (the line before the timing line), if any.
    pub id: Option<String>,
    pub start_ms: u64,
    pub end_ms: u64,
    /// What follows the end time on the timing line (`line:90% align:start`), as written.
    pub settings: String,
    /// The cue text as written (markup kept), lines separated by `\n`.
    pub text: String,
}

/// A stored track: what comes before its first cue, kept as it was, its cues, and the
/// NOTE blocks between and after them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Track {
    /// The `WEBVTT` line, header lines and the STYLE, REGION and NOTE blocks before the
    /// first cue, without the blank lines that end them.
    pub header: String,
    pub cues: Vec<TimedCue>,
    /// NOTE blocks after the first cue, in file order.
    pub notes: Vec<Note>,
}

/// A NOTE block after the first cue. It is tied to the time of the cue it stood before,
/// so edits, inserted or deleted cues and re-sorting keep it before that moment of the
/// video; a shift of every timing moves it along.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The whole block, starting with `NOTE`.
    pub text: String,
    /// The start of the cue it stood before; `None` after the last cue.
    pub before_ms: Option<u64>,
}

impl Track {
    /// Move every cue and note by `delta_ms` (see [`shift`]).
    pub fn shift(&mut self, delta_ms: i64) -> Result<(), String> {
        let old: Vec<u64> = self.cues.iter().map(|c| c.start_ms).collect();
        shift(&mut self.cues, delta_ms)?;
        for note in &mut self.notes {
            if let Some(at) = note.before_ms.as_mut() {
                // The same move as the cues had (a note's time is one of their starts).
                if let Some(i) = old.iter().position(|t| t == at) {
                    *at = self.cues[i].start_ms;
                }
            }
        }
        Ok(())
    }
}

/// One cue as a person or a client sends it and as the API returns it (`Cue` in the
/// OpenAPI document).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = Cue, example = json!({"id": "intro", "start": "00:00:01.000", "end": "00:00:03.500", "settings": "line:90%", "text": "<v Sam>Hello!"}))]
pub struct CueFields {
    /// The cue identifier, if any: one line without `-->`.
    #[serde(default)]
    pub id: Option<String>,
    /// `hh:mm:ss.ttt` when returned; `mm:ss.ttt`, `m:ss`, `ss.t` and a decimal comma are
    /// accepted as well.
    pub start: String,
    /// After `start`; same forms.
    pub end: String,
    /// The cue settings (`line:90% align:start`), as written; empty when none.
    #[serde(default)]
    pub settings: String,
    /// The words (markup such as `<v Sam>` or `<i>` kept), 1-1,000 characters; lines
    /// separated by `\n`, blank lines removed.
    pub text: String,
}

impl TimedCue {
    pub fn fields(&self) -> CueFields {
        CueFields {
            id: self.id.clone(),
            start: format_ms(self.start_ms),
            end: format_ms(self.end_ms),
            settings: self.settings.clone(),
            text: self.text.clone(),
        }
    }
}

/// A problem with one cue: its index (0-based), the field and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CueError {
    pub index: usize,
    /// `id`, `start`, `end`, `settings` or `text`.
    pub field: &'static str,
    pub message: String,
}

/// `hh:mm:ss.ttt`.
pub fn format_ms(ms: u64) -> String {
    format_timestamp(ms as f64 / 1000.0)
}

/// A time as people type it: `[[h:]mm:]ss[.ttt]`, the fraction of 1-3 digits (a comma
/// works too), minutes and seconds below 60 after a larger unit. `None` if it is not one.
pub fn parse_time(raw: &str) -> Option<u64> {
    let raw = raw.trim();
    let (clock, fraction) = match raw.split_once(['.', ',']) {
        Some((c, f)) => (c, f),
        None => (raw, ""),
    };
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut millis: u64 = fraction.parse().unwrap_or(0);
    for _ in fraction.len()..3 {
        millis *= 10;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    if parts.len() > 3
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let numbers: Vec<u64> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    let seconds = match numbers.as_slice() {
        [s] => *s,
        [m, s] if *s < 60 => m * 60 + s,
        [h, m, s] if *m < 60 && *s < 60 => h * 3600 + m * 60 + s,
        _ => return None,
    };
    let ms = seconds.checked_mul(1000)?.checked_add(millis)?;
    (ms <= MAX_TIME_MS).then_some(ms)
}

/// Read a stored WebVTT file into its header and cues.
pub fn read(bytes: &[u8]) -> Result<Track, VttError> {
    let parsed = webvtt::parse(bytes)?;
    let text = String::from_utf8_lossy(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalized.split('\n').collect();
    let mut cues = Vec::with_capacity(parsed.cues.len());
    for cue in &parsed.cues {
        cues.push(TimedCue {
            id: cue.identifier.clone(),
            start_ms: seconds_to_ms(cue.start),
            end_ms: seconds_to_ms(cue.end),
            settings: cue.settings.clone(),
            text: cue.text.clone(),
        });
    }
    // Everything before the first cue's block (its identifier line, else its timing line).
    let first_block = parsed.cues.first().map_or(lines.len(), |c| {
        c.line
            .saturating_sub(1 + usize::from(c.identifier.is_some()))
    });
    let notes = parsed
        .blocks
        .iter()
        .filter(|b| b.kind == webvtt::BlockKind::Note && b.before_cue > 0)
        .map(|b| Note {
            text: b.text.clone(),
            before_ms: cues.get(b.before_cue).map(|c| c.start_ms),
        })
        .collect();
    let header = lines[..first_block.min(lines.len())]
        .join("\n")
        .trim_end()
        .to_owned();
    Ok(Track {
        header: if header.is_empty() {
            "WEBVTT".to_owned()
        } else {
            header
        },
        cues,
        notes,
    })
}

fn seconds_to_ms(seconds: f64) -> u64 {
    (seconds.max(0.0) * 1000.0).round() as u64
}

/// The track as WebVTT text (cues in the order given; each note before the first cue
/// that starts at or after its time).
pub fn write(track: &Track) -> String {
    let mut out = String::with_capacity(track.header.len() + track.cues.len() * 64);
    out.push_str(&track.header);
    out.push('\n');
    let mut notes: Vec<&Note> = track.notes.iter().collect();
    notes.sort_by_key(|n| n.before_ms.unwrap_or(u64::MAX));
    let mut notes = notes.into_iter().peekable();
    for cue in &track.cues {
        while let Some(note) = notes.next_if(|n| n.before_ms.is_some_and(|t| t <= cue.start_ms)) {
            out.push('\n');
            out.push_str(&note.text);
            out.push('\n');
        }
        out.push('\n');
        if let Some(id) = &cue.id {
            out.push_str(id);
            out.push('\n');
        }
        out.push_str(&format_ms(cue.start_ms));
        out.push_str(" --> ");
        out.push_str(&format_ms(cue.end_ms));
        if !cue.settings.is_empty() {
            out.push(' ');
            out.push_str(&cue.settings);
        }
        out.push('\n');
        out.push_str(&cue.text);
        out.push('\n');
    }
    for note in notes {
        out.push('\n');
        out.push_str(&note.text);
        out.push('\n');
    }
    out
}

/// Check cues as sent. `first` is the index of `raw[0]` in the whole track (for the
/// messages and error indexes). All problems are reported, not just the first.
pub fn check(raw: &[CueFields], first: usize) -> Result<Vec<TimedCue>, Vec<CueError>> {
    let mut errors = Vec::new();
    let mut cues = Vec::with_capacity(raw.len());
    for (i, fields) in raw.iter().enumerate() {
        let index = first + i;
        let mut fail = |field: &'static str, message: &str| {
            errors.push(CueError {
                index,
                field,
                message: message.to_owned(),
            })
        };
        let id = fields
            .id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if id.is_some_and(|id| id.contains("-->") || id.contains(['\n', '\r'])) {
            fail("id", "The cue name must be one line without -->");
        }
        let start = parse_time(&fields.start);
        let end = parse_time(&fields.end);
        match start {
            None if fields.start.trim().is_empty() => {
                fail("start", "Enter a start time, such as 00:01:02.500")
            }
            None => fail(
                "start",
                "Enter the start time as hours:minutes:seconds.milliseconds, such as 00:01:02.500",
            ),
            Some(_) => {}
        }
        match end {
            None if fields.end.trim().is_empty() => {
                fail("end", "Enter an end time, such as 00:01:04.000")
            }
            None => fail(
                "end",
                "Enter the end time as hours:minutes:seconds.milliseconds, such as 00:01:04.000",
            ),
            Some(e) if start.is_some_and(|s| e <= s) => {
                fail("end", "The end time must be after the start time")
            }
            Some(_) => {}
        }
        let settings = fields.settings.trim();
        if settings.contains("-->") || settings.contains(['\n', '\r']) {
            fail("settings", "The cue settings must be one line without -->");
        }
        let text = clean_text(&fields.text);
        if text.is_empty() {
            fail("text", "Enter the words of the cue");
        } else if text.chars().count() > MAX_CUE_CHARS {
            fail(
                "text",
                "The words of a cue must be 1,000 characters or fewer",
            );
        } else if text.contains("-->") {
            fail("text", "The words of a cue must not contain -->");
        }
        if let (Some(start_ms), Some(end_ms)) = (start, end) {
            cues.push(TimedCue {
                id: id.map(str::to_owned),
                start_ms,
                end_ms,
                settings: settings.to_owned(),
                text,
            });
        }
    }
    if errors.is_empty() {
        Ok(cues)
    } else {
        Err(errors)
    }
}

/// Line endings as `\n`, trailing spaces and blank lines (which would end the cue) gone.
fn clean_text(raw: &str) -> String {
    raw.replace("\r\n", "\n")
        .replace('\r', "\n")
        .split('\n')
        .map(str::trim_end)
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Put cues in time order (by start, then end; stable otherwise), as WebVTT wants them.
pub fn sort(cues: &mut [TimedCue]) {
    cues.sort_by_key(|c| (c.start_ms, c.end_ms));
}

/// The numbers (1-based) of the cues that start before the one before them ends.
pub fn overlaps(cues: &[TimedCue]) -> Vec<usize> {
    let mut latest_end = 0;
    let mut out = Vec::new();
    for (i, cue) in cues.iter().enumerate() {
        if i > 0 && cue.start_ms < latest_end {
            out.push(i + 1);
        }
        latest_end = latest_end.max(cue.end_ms);
    }
    out
}

/// Warnings for people and clients: one per overlapping cue.
pub fn overlap_warnings(cues: &[TimedCue]) -> Vec<String> {
    overlaps(cues)
        .into_iter()
        .map(|n| format!("Cue {n} starts before the cue before it ends: both will show at once"))
        .collect()
}

/// Parse a shift in milliseconds (`-1500`, `+250`, `250`).
pub fn parse_shift(raw: &str) -> Result<i64, String> {
    let raw = raw.trim();
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    match digits.parse::<i64>() {
        Ok(0) => Err("Enter a number of milliseconds other than 0, such as 500 or -500".into()),
        Ok(ms) if ms.abs() <= MAX_SHIFT_MS => Ok(ms),
        Ok(_) => Err("Shift by at most 86,400,000 milliseconds (one day)".into()),
        Err(_) if raw.is_empty() => {
            Err("Enter the number of milliseconds to shift by, such as 500 or -500".into())
        }
        Err(_) => Err(
            "Enter a whole number of milliseconds, such as 500 (later) or -500 (earlier)".into(),
        ),
    }
}

/// Move every cue by `delta_ms`; refused when a cue would start before 0.
pub fn shift(cues: &mut [TimedCue], delta_ms: i64) -> Result<(), String> {
    let moved = |t: u64| -> Option<u64> {
        let t = i64::try_from(t).ok()?.checked_add(delta_ms)?;
        u64::try_from(t).ok().filter(|t| *t <= MAX_TIME_MS)
    };
    if let Some(n) = cues
        .iter()
        .position(|c| moved(c.start_ms).is_none() || moved(c.end_ms).is_none())
    {
        return Err(format!(
            "Cue {} would start before the video does: shift by less",
            n + 1
        ));
    }
    for cue in cues.iter_mut() {
        cue.start_ms = moved(cue.start_ms).unwrap_or(cue.start_ms);
        cue.end_ms = moved(cue.end_ms).unwrap_or(cue.end_ms);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "\u{feff}WEBVTT - Greeting\r\nKind: captions\r\n\r\nNOTE checked by a Deaf reviewer\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\nintro\r\n00:00.000 --> 00:02.500 line:90% align:start\r\n<v Alex>Hello &amp; welcome!</v>\r\n\r\n00:00:02.000 --> 00:00:05.000\r\n[door bell]\r\nSomeone is here.\r\n";

    fn fields(start: &str, end: &str, text: &str) -> CueFields {
        CueFields {
            id: None,
            start: start.into(),
            end: end.into(),
            settings: String::new(),
            text: text.into(),
        }
    }

    #[test]
    fn a_file_keeps_its_header_blocks_and_settings_through_a_round_trip() {
        let track = read(FILE.as_bytes()).unwrap();
        assert_eq!(
            track.header,
            "WEBVTT - Greeting\nKind: captions\n\nNOTE checked by a Deaf reviewer\n\nSTYLE\n::cue { color: yellow }"
        );
        assert_eq!(track.cues.len(), 2);
        assert_eq!(track.cues[0].id.as_deref(), Some("intro"));
        assert_eq!(track.cues[0].settings, "line:90% align:start");
        assert_eq!(track.cues[0].end_ms, 2500);
        assert_eq!(track.cues[1].text, "[door bell]\nSomeone is here.");
        assert_eq!(track.cues[1].settings, "");
        let written = write(&track);
        assert!(written.contains("\nintro\n00:00:00.000 --> 00:00:02.500 line:90% align:start\n"));
        assert_eq!(read(written.as_bytes()).unwrap(), track);
        let minimal = read(b"WEBVTT\n\n00:01.000 --> 00:02.000\nhi").unwrap();
        assert_eq!(
            write(&minimal),
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n"
        );
    }

    #[test]
    fn notes_between_cues_stay_before_their_moment_through_edits() {
        let file = "WEBVTT\n\n00:01.000 --> 00:02.000\none\n\nNOTE scene two:\nthe kitchen\n\n00:05.000 --> 00:06.000\ntwo\n\n00:08.000 --> 00:09.000\nthree\n\nNOTE end of file\n";
        let mut track = read(file.as_bytes()).unwrap();
        assert_eq!(
            track.notes,
            [
                Note {
                    text: "NOTE scene two:\nthe kitchen".into(),
                    before_ms: Some(5000)
                },
                Note {
                    text: "NOTE end of file".into(),
                    before_ms: None
                }
            ]
        );
        assert_eq!(read(write(&track).as_bytes()).unwrap(), track);
        // A cue inserted before the noted moment goes before the note; the noted cue
        // deleted: the note stays before the next one.
        let inserted = check(&[fields("00:03", "00:04", "inserted")], 0).unwrap();
        track.cues.splice(1..2, inserted);
        sort(&mut track.cues);
        let written = write(&track);
        let order: Vec<usize> = ["one", "inserted", "NOTE scene two", "three", "NOTE end"]
            .iter()
            .map(|w| written.find(w).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{written}");
        // Shifting moves the notes with the cues.
        let mut track = read(file.as_bytes()).unwrap();
        track.shift(1000).unwrap();
        assert_eq!(track.notes[0].before_ms, Some(6000));
        let reread = read(write(&track).as_bytes()).unwrap();
        assert_eq!(reread.notes, track.notes);
        assert_eq!(reread.cues[1].start_ms, 6000);
    }

    #[test]
    fn times_are_read_as_people_type_them() {
        assert_eq!(parse_time("00:01:02.500"), Some(62_500));
        assert_eq!(parse_time("1:02.5"), Some(62_500));
        assert_eq!(parse_time(" 62,5 "), Some(62_500));
        assert_eq!(parse_time("75"), Some(75_000));
        assert_eq!(parse_time("1:00:00"), Some(3_600_000));
        for bad in [
            "", "1:60", "1:2:3:4", "a", "1.2345", "-1", "1::2", "00:00.0a",
        ] {
            assert_eq!(parse_time(bad), None, "{bad:?}");
        }
        assert_eq!(format_ms(62_500), "00:01:02.500");
    }

    #[test]
    fn every_problem_of_every_cue_is_reported() {
        let raw = [
            fields("00:01.000", "00:02.000", "fine"),
            fields("00:05.000", "00:04.000", "end before start"),
            fields("soon", "", "  \n "),
            fields("00:06.000", "00:07.000", &"x".repeat(1001)),
            fields("00:06.000", "00:07.000", "a --> b"),
        ];
        let errors = check(&raw, 10).unwrap_err();
        let found: Vec<(usize, &str)> = errors.iter().map(|e| (e.index, e.field)).collect();
        assert_eq!(
            found,
            [
                (11, "end"),
                (12, "start"),
                (12, "end"),
                (12, "text"),
                (13, "text"),
                (14, "text")
            ]
        );
        assert_eq!(
            errors[0].message,
            "The end time must be after the start time"
        );
        let ok = check(&[fields("1", "2", "  two\n\n lines  \r\n")], 0).unwrap();
        assert_eq!(ok[0].text, "  two\n lines");
    }

    #[test]
    fn overlaps_are_warnings_and_shifts_move_everything() {
        let mut cues = check(
            &[
                fields("00:03", "00:04", "c"),
                fields("00:00", "00:02", "a"),
                fields("00:01", "00:03", "b"),
            ],
            0,
        )
        .unwrap();
        sort(&mut cues);
        assert_eq!(cues[0].text, "a");
        assert_eq!(overlaps(&cues), [2]);
        assert_eq!(overlap_warnings(&cues).len(), 1);
        shift(&mut cues, 1500).unwrap();
        assert_eq!((cues[0].start_ms, cues[2].end_ms), (1500, 5500));
        assert!(shift(&mut cues, -2000).unwrap_err().contains("Cue 1"));
        assert_eq!(cues[0].start_ms, 1500, "a refused shift changes nothing");
        assert_eq!(parse_shift("+250"), Ok(250));
        assert_eq!(parse_shift("-1500"), Ok(-1500));
        assert!(parse_shift("0").is_err() && parse_shift("1.5").is_err());
        assert!(parse_shift("").is_err() && parse_shift("99999999999").is_err());
    }
}
