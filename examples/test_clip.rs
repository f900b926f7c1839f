//! Write a synthetic test clip (moving pattern after a black lead-in, 440 Hz tone)
//! with PinkFlow's FFmpeg crate (pinkflow-media), for manual testing and benchmarks.
//!
//!     cargo run --example test_clip -- OUT.mp4 [SECONDS] [WIDTH] [HEIGHT]

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and tool code: a failed unwrap is a failed run, with its message"
)]

use std::path::PathBuf;

use pinkflow_media::{ClipSpec, write_test_clip};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next().map(PathBuf::from) else {
        eprintln!("usage: test_clip OUT.mp4 [SECONDS] [WIDTH] [HEIGHT]");
        std::process::exit(2);
    };
    let mut number = |default: f64| {
        args.next()
            .map_or(Some(default), |v| v.parse::<f64>().ok())
            .filter(|v| *v > 0.0)
            .unwrap_or_else(|| {
                eprintln!("SECONDS, WIDTH and HEIGHT must be positive numbers");
                std::process::exit(2);
            })
    };
    let seconds = number(2.0);
    let width = number(320.0) as u32;
    let height = number(240.0) as u32;
    let spec = ClipSpec {
        width: width & !1,
        height: height & !1,
        seconds,
        ..ClipSpec::default()
    };
    if let Err(e) = write_test_clip(&out, &spec) {
        eprintln!("test_clip: {e}");
        std::process::exit(1);
    }
    println!("wrote {}", out.display());
}
