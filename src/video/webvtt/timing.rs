//! Timestamps and the cue timing line, by the W3C rules "collect a WebVTT timestamp" and
//! "collect WebVTT cue timings and settings" (hours optional, minutes and seconds two
//! digits below 60, exactly three decimals; whitespace is ASCII whitespace).

/// ASCII whitespace as WebVTT means it: space, tab, LF, FF, CR (not VT).
pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{c}' | '\r')
}

/// Most hours a timestamp may have (beyond it the milliseconds no longer fit an `f64`).
const MAX_HOURS: u64 = 1_000_000_000;

/// Read one timestamp at the start of `s`; the time and the rest of `s`.
fn collect_timestamp(s: &str) -> Result<(f64, &str), &'static str> {
    let digits = |s: &str| s.bytes().take_while(u8::is_ascii_digit).count();
    let n1 = digits(s);
    if n1 == 0 {
        return Err("a time must start with a digit");
    }
    let v1: u64 = s[..n1].parse().map_err(|_| "the hours are too large")?;
    let hours_first = n1 != 2 || v1 > 59;
    let rest = s[n1..]
        .strip_prefix(':')
        .ok_or("expected \":\" after the first number")?;
    let n2 = digits(rest);
    if n2 != 2 {
        return Err("minutes and seconds have two digits");
    }
    let v2: u64 = rest[..2].parse().map_err(|_| "bad minutes")?;
    let mut rest = &rest[2..];
    let (h, m, sec) = if hours_first || rest.starts_with(':') {
        rest = rest
            .strip_prefix(':')
            .ok_or("expected \":\" before the seconds")?;
        if digits(rest) != 2 {
            return Err("minutes and seconds have two digits");
        }
        let v3: u64 = rest[..2].parse().map_err(|_| "bad seconds")?;
        rest = &rest[2..];
        (v1, v2, v3)
    } else {
        (0, v1, v2)
    };
    let rest = rest
        .strip_prefix('.')
        .ok_or("expected \".\" and three digits of milliseconds")?;
    if digits(rest) != 3 {
        return Err("the milliseconds have exactly three digits");
    }
    let ms: u64 = rest[..3].parse().map_err(|_| "bad milliseconds")?;
    if m > 59 || sec > 59 {
        return Err("minutes and seconds are below 60");
    }
    if h > MAX_HOURS {
        return Err("the hours are too large");
    }
    Ok((
        (h * 3600) as f64 + (m * 60) as f64 + sec as f64 + ms as f64 / 1000.0,
        &rest[3..],
    ))
}

/// `hh:mm:ss.ttt` (hours: any number of digits) or `mm:ss.ttt`, minutes and seconds
/// below 60, exactly three decimals; nothing else around it.
pub fn parse_timestamp(s: &str) -> Option<f64> {
    match collect_timestamp(s) {
        Ok((t, "")) => Some(t),
        _ => None,
    }
}

/// `hh:mm:ss.ttt`, for files, messages and transcripts.
pub fn format_timestamp(seconds: f64) -> String {
    let total_ms = (seconds.max(0.0) * 1000.0).round() as u64;
    let (h, rem) = (total_ms / 3_600_000, total_ms % 3_600_000);
    let (m, rem) = (rem / 60_000, rem % 60_000);
    format!("{h:02}:{m:02}:{:02}.{:03}", rem / 1000, rem % 1000)
}

/// A cue timing line: start, end and the settings (tokens joined by one space), or why
/// it is not one.
pub(super) fn parse_timing_line(line: &str) -> Result<(f64, f64, String), String> {
    let s = line.trim_start_matches(is_space);
    let (start, rest) =
        collect_timestamp(s).map_err(|why| format!("the start time is not valid ({why})"))?;
    let rest = rest.trim_start_matches(is_space);
    let rest = rest
        .strip_prefix("-->")
        .ok_or_else(|| "expected \"-->\" right after the start time".to_string())?;
    let rest = rest.trim_start_matches(is_space);
    let (end, rest) =
        collect_timestamp(rest).map_err(|why| format!("the end time is not valid ({why})"))?;
    let settings = rest
        .split(is_space)
        .filter(|t| !t.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok((start, end, settings))
}
