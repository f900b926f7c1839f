//! libFuzzer target: the input goes to `pinkflow::fuzz_targets::caption_import`
//! (src/fuzz_targets.rs), which tests/fuzz_smoke.rs also runs on stable.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pinkflow::fuzz_targets::caption_import(data));
