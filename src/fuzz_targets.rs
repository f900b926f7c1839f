//! Fuzz target bodies for what users (and operators) control. Each takes arbitrary
//! bytes, must never panic, and checks the parser's own promises (round trips,
//! bounds). They are driven two ways:
//!
//! * by cargo-fuzz (libFuzzer, nightly): `fuzz/fuzz_targets/<name>.rs` call these;
//! * on stable, by `tests/fuzz_smoke.rs`, which feeds each the seed corpus in
//!   `fuzz/corpus/<name>/` plus seeded pseudo-random and mutated inputs for a bounded
//!   time, so `cargo test` exercises them everywhere.
//!

#![allow(
    clippy::expect_used,
    reason = "a fuzz target reports a broken promise by panicking, as libFuzzer expects"
)]

use std::sync::LazyLock;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Map, Value};

use crate::auth::extract::bearer_token;
use crate::auth::service;
use crate::auth::tokens::{TokenKeys, TokenType};
use crate::config::{RateLimit, parse_duration};
use crate::domain::{Preferences, PreferencesUpdate};
use crate::video::input::{FILENAME_MAX, VIDEO_EXTENSIONS, display_filename, video_extension};
use crate::video::storage::{Area, Storage};
use crate::video::{caption_import, webvtt};

/// A target: its name (the cargo-fuzz target and corpus directory) and body.
pub type Target = (&'static str, fn(&[u8]));

/// Every target, for drivers.
pub const TARGETS: &[Target] = &[
    ("preferences_json", preferences_json),
    ("preferences_form", preferences_form),
    ("rate_limit", rate_limit),
    ("duration", duration),
    ("token_decode", token_decode),
    ("bearer_header", bearer_header),
    ("throttle_key", throttle_key),
    ("webvtt", webvtt),
    ("caption_import", caption_import),
    ("upload_filename", upload_filename),
];

/// `PreferencesUpdate::from_json` on any JSON object: an accepted update applies, and
/// the preferences it produces read back as the same preferences.
pub fn preferences_json(data: &[u8]) {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    match PreferencesUpdate::from_json(&body) {
        Ok(update) => {
            assert_eq!(update.is_empty(), body.is_empty());
            round_trip(Preferences::default().apply(&update));
        }
        Err(errors) => {
            assert!(!errors.is_empty());
            for field in errors.keys() {
                assert!(body.contains_key(field), "error for absent field {field}");
            }
        }
    }
}

fn round_trip(prefs: Preferences) {
    let json = serde_json::to_value(prefs.to_json()).expect("serialise");
    let map: Map<String, Value> = json.as_object().cloned().expect("object");
    let again = PreferencesUpdate::from_json(&map).expect("own output is valid");
    assert_eq!(Preferences::default().apply(&again), prefs);
}

/// `PreferencesUpdate::from_form` on any URL-encoded form.
pub fn preferences_form(data: &[u8]) {
    let Ok(fields) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(data) else {
        return;
    };
    let get = |k: &str| {
        fields
            .iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    };
    match PreferencesUpdate::from_form(get) {
        Ok(update) => round_trip(Preferences::default().apply(&update)),
        Err(errors) => {
            for field in errors.keys() {
                assert!(get(field).is_some(), "error for absent field {field}");
            }
        }
    }
}

/// `RATE_LIMIT_*` values: accepted limits are 1..=10^9 per second/minute/hour/day,
/// print back to themselves, and have a positive replenish interval.
pub fn rate_limit(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(limit) = s.parse::<RateLimit>() {
        assert!((1..=1_000_000_000).contains(&limit.count));
        assert!([1, 60, 3_600, 86_400].contains(&limit.period.as_secs()));
        assert!(limit.replenish_interval() > Duration::ZERO);
        let printed = limit.to_string();
        assert_eq!(printed.parse::<RateLimit>(), Ok(limit), "{printed}");
    }
}

/// Durations such as `ACCESS_TOKEN_TTL`: accepted ones lie between 1 s and 10 years.
pub fn duration(data: &[u8]) {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(d) = parse_duration(s) {
        assert!(d >= Duration::from_secs(1));
        assert!(d <= Duration::from_secs(10 * 365 * 86_400));
        assert_eq!(parse_duration(&d.as_secs().to_string()), Ok(d));
    }
}

static KEYS: LazyLock<TokenKeys> = LazyLock::new(|| {
    TokenKeys::new(
        &SecretString::from("fuzz-access-secret-0123456789abcdef0123456789"),
        &SecretString::from("fuzz-refresh-secret-0123456789abcdef012345678"),
        Duration::from_secs(900),
        Duration::from_secs(3600),
    )
    .expect("keys")
});

/// `TokenKeys::decode` on any string, as an access and as a refresh token: never
/// panics and never accepts a token it did not sign. A genuine token spliced with the
/// input must still be refused unless the input left it intact.
pub fn token_decode(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    for kind in [TokenType::Access, TokenType::Refresh] {
        assert!(KEYS.decode(&input, kind).is_err(), "forged token accepted");
    }
    let genuine = KEYS.issue(42, "family", TokenType::Access).token;
    let at = data
        .first()
        .map_or(0, |b| usize::from(*b) % (genuine.len() + 1));
    let mut spliced = genuine.clone();
    if let Some(at) = (at..=genuine.len()).find(|i| genuine.is_char_boundary(*i)) {
        spliced.insert_str(at, &input);
    }
    match KEYS.decode(&spliced, TokenType::Access) {
        Ok(claims) => {
            assert_eq!(claims.user_id, 42);
            assert_eq!(spliced, genuine, "a modified token was accepted");
        }
        Err(_) => assert!(!input.is_empty() || spliced != genuine),
    }
}

/// `Authorization` header parsing: a token, when found, is non-empty and has no
/// whitespace.
pub fn bearer_header(data: &[u8]) {
    let Ok(header) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(token) = bearer_token(Some(header)) {
        assert!(!token.is_empty());
        assert!(!token.contains(char::is_whitespace));
        assert!(header.contains(token));
    }
}

/// The sign-in throttle key made from whatever was typed as the email: something every
/// database can store and index (no NUL, at most 254 bytes unless hashed), and the same
/// for the same input.
pub fn throttle_key(data: &[u8]) {
    let email = String::from_utf8_lossy(data);
    let key = service::throttle_key(&email);
    assert!(!key.contains('\0'));
    assert!(key.len() <= 254 || (key.starts_with("overlong:") && key.len() == 9 + 64));
    assert_eq!(key, service::throttle_key(&email));
}

/// Caption files (`POST .../captions`): the WebVTT parser never panics; an error names
/// a line of the file and says something, and so does every warning; an accepted file
/// has cues with finite times and a transcript whose times read back. Writing the
/// document out again with `webvtt::write` and parsing that gives the same document
/// and no warnings.
pub fn webvtt(data: &[u8]) {
    let lines = line_count(data);
    let (vtt, warnings) = match webvtt::parse_with_warnings(data) {
        Err(e) => {
            assert!(e.line >= 1 && e.line <= lines, "{e} for {lines} lines");
            assert!(!e.message.is_empty());
            return;
        }
        Ok(parsed) => parsed,
    };
    for w in &warnings {
        assert!(w.line >= 1 && w.line <= lines, "{w} for {lines} lines");
    }
    assert!(!vtt.cues.is_empty());
    for cue in &vtt.cues {
        assert!(cue.start >= 0.0 && cue.start.is_finite() && cue.end.is_finite());
    }
    for line in vtt.transcript() {
        let back = webvtt::parse_timestamp(&line.start).expect("own timestamps parse");
        assert!((back - line.start_seconds).abs() < 0.0005, "{}", line.start);
        assert!(!line.text.is_empty());
    }
    same_document_again(&vtt);
}

/// Lines as the parsers count them: \n, \r\n and a lone \r each end one.
fn line_count(data: &[u8]) -> usize {
    String::from_utf8_lossy(data)
        .replace("\r\n", "\n")
        .split(['\n', '\r'])
        .count()
}

/// `webvtt::write` then `webvtt::parse` gives `doc` back (line numbers aside).
fn same_document_again(doc: &webvtt::WebVtt) {
    let out = webvtt::write(doc);
    let (again, warnings) = webvtt::parse_str(&out).expect("own output parses");
    assert!(warnings.is_empty(), "{warnings:?} in {out:?}");
    assert_eq!(again.header, doc.header);
    assert_eq!(again.cues.len(), doc.cues.len(), "{out:?}");
    for (a, b) in again.cues.iter().zip(&doc.cues) {
        assert_eq!(
            (a.start, a.end, &a.identifier, &a.settings, &a.text),
            (b.start, b.end, &b.identifier, &b.settings, &b.text),
            "{out:?}"
        );
    }
    let kinds = |d: &webvtt::WebVtt| -> Vec<(webvtt::BlockKind, String)> {
        d.blocks.iter().map(|b| (b.kind, b.text.clone())).collect()
    };
    assert_eq!(kinds(&again), kinds(doc), "{out:?}");
}

/// SubRip and SBV uploads: the importers never panic; errors and warnings name a line
/// of the file; an accepted file's cues survive the round trip parse → write WebVTT →
/// parse unchanged. The whole import (decoding included) never panics either.
pub fn caption_import(data: &[u8]) {
    let (text, _) = caption_import::decode::decode(data);
    let lines = text.replace("\r\n", "\n").split(['\n', '\r']).count();
    for parse in [caption_import::srt::parse, caption_import::sbv::parse] {
        match parse(&text) {
            Err(e) => {
                assert!(e.line >= 1 && e.line <= lines, "{e} for {lines} lines");
                assert!(!e.message.is_empty());
            }
            Ok((doc, warnings)) => {
                assert!(!doc.cues.is_empty());
                for w in &warnings {
                    assert!(w.line >= 1 && w.line <= lines, "{w} for {lines} lines");
                }
                same_document_again(&doc);
            }
        }
    }
    for name in ["a.srt", "a.sbv", "a.vtt"] {
        if let Ok(imported) = caption_import::import(Some(name), data, Default::default()) {
            let (doc, _) = webvtt::parse(&imported.vtt)
                .map(|d| (d, ()))
                .expect("a stored file parses");
            assert_eq!(doc.cues.len(), imported.doc.cues.len());
        }
    }
}

/// Upload file names (the multipart `filename`) and storage keys: the name shown to
/// people is one path component without control characters, trimmed, non-empty, at
/// most 255 characters, and cleaning it again changes nothing; an accepted extension is
/// one of the allow-list and really ends the name; and no key — whatever the database
/// holds — maps to a path outside the storage area it names.
pub fn upload_filename(data: &[u8]) {
    let raw = String::from_utf8_lossy(data);
    let shown = display_filename(&raw);
    assert!(!shown.is_empty());
    assert!(shown.chars().count() <= FILENAME_MAX);
    assert!(!shown.contains(['/', '\\']) && !shown.chars().any(char::is_control));
    assert_eq!(shown, shown.trim());
    assert_eq!(
        display_filename(&shown),
        shown,
        "cleaning twice changes the name"
    );
    if let Some(ext) = video_extension(&raw) {
        assert!(VIDEO_EXTENSIONS.contains(&ext));
        let lower = raw.to_ascii_lowercase();
        assert!(
            lower.ends_with(&format!(".{ext}")),
            "{raw:?} does not end in .{ext}"
        );
    }
    let root = std::path::Path::new("/srv/pinkflow-fuzz");
    let storage = Storage::new(root);
    if let Some(path) = storage.path(&raw) {
        let rel = path.strip_prefix(root).expect("inside the root");
        let parts: Vec<_> = rel.components().collect();
        assert_eq!(parts.len(), 2, "{raw:?} -> {}", path.display());
        assert!(
            parts
                .iter()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        );
        let area = parts[0].as_os_str().to_str().unwrap_or("");
        assert!(Area::ALL.iter().any(|a| a.dir() == area));
    }
    // Keys the server makes are always valid, whatever extension was asked for.
    for area in Area::ALL {
        if let Some(ext) = video_extension(&raw) {
            assert!(storage.path(&Storage::new_key(area, ext)).is_some());
        }
    }
}
