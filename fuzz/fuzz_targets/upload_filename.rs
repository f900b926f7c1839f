#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pinkflow::fuzz_targets::upload_filename(data));
