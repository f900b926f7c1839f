//! The web-platform-tests WebVTT file-parsing corpus (tests/data/webvtt-wpt/, 3-Clause
//! BSD, see its README): every `.vtt` is parsed by PinkFlow and the JavaScript
//! assertions of its `.test` are run by Node against the cues (count, ids, text, start
//! and end times; assertions on settings, regions and style sheets are skipped, PinkFlow
//! keeps those as written). A file where a conforming browser finds no cue is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pinkflow::video::webvtt;
use serde_json::{Value, json};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/webvtt-wpt")
}

/// The names of the corpus inputs (`<name>.vtt` beside `<name>.test`).
pub fn corpus_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(corpus_dir())
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(".test").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// The two `.test` files that assert only on style sheets, and the cues a browser finds
/// in their `.vtt` (tests/browser/webvtt_conformance.test.js checks these in Chromium).
const STYLESHEET_ONLY: [(&str, usize); 2] = [("stylesheets-newlines", 2), ("stylesheets-none", 0)];

/// `N` of the `.test` file's `assert_equals(cues.length, N…)`, if it has one.
fn asserted_count(name: &str) -> Option<usize> {
    let test = std::fs::read_to_string(corpus_dir().join(format!("{name}.test"))).unwrap();
    let at = test.find("assert_equals(cues.length, ")? + "assert_equals(cues.length, ".len();
    let digits: String = test[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// How many cues a conforming browser finds in `<name>.vtt`.
fn expected_count(name: &str) -> usize {
    asserted_count(name)
        .or_else(|| {
            STYLESHEET_ONLY
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| *c)
        })
        .unwrap_or_else(|| panic!("{name}: no cue count known"))
}

#[test]
fn pinkflow_meets_the_wpt_file_parsing_assertions_for_cues() {
    let names = corpus_names();
    assert_eq!(names.len(), 24, "{names:?}");
    let mut files = Vec::new();
    for name in &names {
        let bytes = std::fs::read(corpus_dir().join(format!("{name}.vtt"))).unwrap();
        let parsed = webvtt::parse(&bytes);
        let expected = expected_count(name);
        // Refused exactly when a browser finds no cue, and then with a line.
        match &parsed {
            Ok(doc) => assert_eq!(doc.cues.len(), expected, "{name}"),
            Err(e) => {
                assert_eq!(expected, 0, "{name} refused: {e}");
                assert!(e.line >= 1 && e.to_string().starts_with("Line "), "{e}");
            }
        }
        let cues: Vec<Value> = parsed
            .map(|doc| doc.cues)
            .unwrap_or_default()
            .iter()
            .map(|c| {
                json!({
                    "id": c.identifier.clone().unwrap_or_default(),
                    "text": c.text,
                    "startTime": c.start,
                    "endTime": c.end,
                })
            })
            .collect();
        files.push(json!({ "name": name, "cues": cues }));
    }
    let input = json!({ "dir": corpus_dir(), "files": files }).to_string();
    let node = std::env::var("NODE").unwrap_or_else(|_| "node".into());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/webvtt-wpt-assertions.js");
    let mut child = Command::new(&node)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("this test runs the corpus assertions with Node ({node}): {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "node failed");
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let (mut checked, mut skipped) = (0, 0);
    let mut failures = Vec::new();
    for r in &results {
        checked += r["checked"].as_u64().unwrap();
        skipped += r["skipped"].as_u64().unwrap();
        for f in r["failures"].as_array().unwrap() {
            failures.push(format!("{}: {}", r["name"], f.as_str().unwrap()));
        }
        // The cue count at least was checked for every file that has cues.
        if asserted_count(r["name"].as_str().unwrap()).is_some() {
            assert!(r["checked"].as_u64().unwrap() >= 1, "{r}");
        }
    }
    eprintln!(
        "webvtt-wpt: {} files, {checked} assertions met, {skipped} skipped (settings, regions, style sheets)",
        results.len()
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 90, "only {checked} assertions checked");
}
