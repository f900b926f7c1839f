//! Stable-toolchain driver for the fuzz targets in `pinkflow::fuzz_targets` (the same
//! bodies cargo-fuzz runs from `fuzz/`): each target gets its seed corpus
//! (`fuzz/corpus/<target>/`), then seeded pseudo-random inputs — mutations of the corpus,
//! structured inputs built from the words the parsers know, and raw bytes — for a bounded
//! time. A panic reports the target, the seed and the input.
//!
//! `FUZZ_SMOKE_SECS` (per target, default 1) and `FUZZ_SMOKE_SEED` (default: a fixed
//! seed, so `cargo test` is reproducible) tune it: `make fuzz-smoke` uses a random seed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and tool code: a failed unwrap is a failed run, with its message"
)]

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::{Duration, Instant};

use pinkflow::fuzz_targets::TARGETS;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Words and fragments that make random inputs reach the parsers' interesting branches.
const DICTIONARY: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ":",
    ",",
    "\"",
    "null",
    "true",
    "false",
    "0",
    "1",
    "5",
    "6",
    "-1",
    "2.0",
    "1e3",
    "9223372036854775807",
    "18446744073709551616",
    "\"visual_density\"",
    "\"reading_level\"",
    "\"motion_sensitivity\"",
    "\"color_contrast\"",
    "\"preferred_sign_language\"",
    "\"high\"",
    "\"normal\"",
    "\"ASL\"",
    "\" bsl \"",
    "\"Libras\"",
    "visual_density=",
    "reading_level=",
    "motion_sensitivity=",
    "color_contrast=",
    "preferred_sign_language=",
    "&",
    "=",
    "%20",
    "%FF",
    "+",
    "/",
    "s",
    "m",
    "h",
    "d",
    "second",
    "minute",
    "hour",
    "day",
    "DAY",
    "1000000000",
    "4294967296",
    " ",
    "\t",
    "\u{3000}",
    "\u{a0}",
    "Bearer ",
    "bearer",
    "Basic ",
    ".",
    "eyJ",
    "eyJhbGciOiJub25lIn0",
    "eyJhbGciOiJIUzI1NiJ9",
    "AAAA",
    "==",
    "\u{0}",
    "é",
    "🦻",
    "WEBVTT",
    "WEBVTT\n\n",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    "\u{feff}",
    " --> ",
    "-->",
    "00:00.000",
    "00:01.500",
    "01:02:03.456",
    "99:59.999",
    "00:60.000",
    "NOTE ",
    "STYLE\n",
    "REGION\n",
    "<v Sam>",
    "<c.loud>",
    "</c>",
    "<00:00:01.000>",
    "&amp;",
    "&lt;",
    "&nbsp;",
    "&#",
    " align:start",
    "00:00:01,000",
    "0:00:01.000,0:00:02.000",
    "1\n",
    "[br]",
    "<i>",
    "</i>",
    "<font color=\"red\">",
    "{\\an8}",
    "<ruby>",
    "<rt>",
    ".mp4",
    ".MOV",
    ".webm",
    ".mkv",
    ".avi",
    "..",
    "../",
    "\\",
    "C:\\",
    "incoming/",
    "originals/",
    "processed/",
    "posters/",
    "captions/",
    "\u{202e}",
    "\u{7f}",
];

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut inputs: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| std::fs::read(entry.ok()?.path()).ok())
        .collect();
    inputs.sort();
    inputs
}

fn random_input(rng: &mut StdRng, corpus: &[Vec<u8>]) -> Vec<u8> {
    match rng.random_range(0..4) {
        // Raw bytes.
        0 => (0..rng.random_range(0..64)).map(|_| rng.random()).collect(),
        // Dictionary words strung together.
        1 => {
            let mut out = Vec::new();
            for _ in 0..rng.random_range(1..12) {
                out.extend_from_slice(DICTIONARY[rng.random_range(0..DICTIONARY.len())].as_bytes());
            }
            out
        }
        // A corpus entry, mutated a few times.
        _ => {
            let mut out = corpus
                .get(rng.random_range(0..corpus.len().max(1)))
                .cloned()
                .unwrap_or_default();
            for _ in 0..rng.random_range(1..5) {
                mutate(rng, &mut out);
            }
            out
        }
    }
}

fn mutate(rng: &mut StdRng, data: &mut Vec<u8>) {
    let at = |rng: &mut StdRng, len: usize| rng.random_range(0..=len);
    match rng.random_range(0..5) {
        0 if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            data[i] ^= 1 << rng.random_range(0..8);
        }
        1 if !data.is_empty() => {
            let i = rng.random_range(0..data.len());
            let n = rng.random_range(1..=(data.len() - i).min(8));
            data.drain(i..i + n);
        }
        2 => {
            let i = at(rng, data.len());
            let word = DICTIONARY[rng.random_range(0..DICTIONARY.len())].as_bytes();
            data.splice(i..i, word.iter().copied());
        }
        3 => {
            let i = at(rng, data.len());
            data.insert(i, rng.random());
        }
        _ if !data.is_empty() => {
            // Duplicate a slice (repeated keys, long values).
            let i = rng.random_range(0..data.len());
            let j = rng.random_range(i..data.len()) + 1;
            let copy = data[i..j].to_vec();
            let k = at(rng, data.len());
            data.splice(k..k, copy);
        }
        _ => data.push(rng.random()),
    }
}

fn run(target: &str, body: fn(&[u8]), input: &[u8], seed: u64) {
    if catch_unwind(AssertUnwindSafe(|| body(input))).is_err() {
        panic!(
            "fuzz target {target} panicked (FUZZ_SMOKE_SEED={seed}) on input {:?} (bytes {input:?})",
            String::from_utf8_lossy(input)
        );
    }
}

#[test]
fn fuzz_targets_survive_their_corpus_and_random_inputs() {
    let secs: f64 = std::env::var("FUZZ_SMOKE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let seed: u64 = std::env::var("FUZZ_SMOKE_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F1A6);
    let only = std::env::var("FUZZ_SMOKE_TARGET").ok();
    for (name, body) in TARGETS {
        if only.as_deref().is_some_and(|o| o != *name) {
            continue;
        }
        let corpus = corpus(name);
        assert!(!corpus.is_empty(), "no seed corpus for {name}");
        for input in &corpus {
            run(name, *body, input, seed);
        }
        let mut rng = StdRng::seed_from_u64(seed ^ name.len() as u64);
        let deadline = Instant::now() + Duration::from_secs_f64(secs);
        let mut runs = 0u64;
        while Instant::now() < deadline {
            let input = random_input(&mut rng, &corpus);
            run(name, *body, &input, seed);
            runs += 1;
        }
        println!(
            "fuzz-smoke {name}: {} corpus + {runs} random inputs, seed {seed}",
            corpus.len()
        );
    }
}
