//! The `pinkflow-media` helper through the server's client (src/video/media.rs): the
//! protocol, the same answers as the in-process pipeline, and cancellation by killing it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and tool code: a failed unwrap is a failed run, with its message"
)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use pinkflow::video::media::{JobControl, MediaError, MediaHelper, NOT_A_VIDEO, TranscodeOptions};
use pinkflow_media::{ClipSpec, write_test_clip};

fn helper() -> MediaHelper {
    MediaHelper::new(env!("CARGO_BIN_EXE_pinkflow-media"))
}

fn options() -> TranscodeOptions {
    TranscodeOptions {
        max_height: 180,
        x264_preset: "ultrafast".into(),
    }
}

/// This process's children named `pinkflow-media`, running or zombie.
/// The tests here run one at a time: `helper_children` sees every helper this test
/// process started, so a helper of a concurrent test would look like a leftover.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn helper_children() -> Vec<String> {
    let me = std::process::id().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            let (open, close) = (stat.find('(')?, stat.rfind(')')?);
            let ppid = stat.get(close + 2..)?.split(' ').nth(1)?;
            (stat.get(open + 1..close)? == "pinkflow-media" && ppid == me).then(|| stat.clone())
        })
        .collect()
}

#[test]
fn the_helper_passes_the_start_up_check() {
    let _serial = serial();
    let version = helper().check().unwrap();
    assert!(version.starts_with("pinkflow-media "), "{version}");
}

#[test]
fn probe_and_transcode_through_the_helper() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.mp4");
    write_test_clip(&src, &ClipSpec::default()).unwrap();
    let info = helper().probe(&src).unwrap();
    assert_eq!((info.width, info.height), (320, 240));
    assert_eq!(info.container, "mov,mp4,m4a,3gp,3g2,mj2");
    assert_eq!(info.audio_codec.as_deref(), Some("aac"));

    let cancel = AtomicBool::new(false);
    let mut seen = Vec::new();
    let report = helper()
        .transcode(
            &src,
            &dir.path().join("out.mp4"),
            &dir.path().join("poster.jpg"),
            &options(),
            JobControl {
                cancel: &cancel,
                progress: &mut |p| seen.push(p),
            },
        )
        .unwrap();
    assert_eq!((report.width, report.height), (240, 180));
    assert_eq!(report.video_codec, "h264");
    assert!(report.poster_written);
    assert!(
        !seen.is_empty() && seen.windows(2).all(|w| w[0] < w[1]),
        "{seen:?}"
    );
    let poster = pinkflow_media::inspect(&dir.path().join("poster.jpg")).unwrap();
    assert_eq!(poster.video_codec, "mjpeg");
}

#[test]
fn a_text_file_is_not_a_video_with_the_same_words() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.mp4");
    std::fs::write(&path, "just some text, not a video\n".repeat(100)).unwrap();
    let e = helper().probe(&path).unwrap_err();
    assert!(e.is_permanent());
    assert_eq!(e.to_string(), NOT_A_VIDEO);
    assert_eq!(NOT_A_VIDEO, pinkflow_media::NOT_A_VIDEO);
    // A missing input is the file's problem too, not the helper's.
    let e = helper().probe(&dir.path().join("gone.mp4")).unwrap_err();
    assert!(e.is_permanent());
    // Transcoding it: permanent, not retried.
    let cancel = AtomicBool::new(false);
    let e = helper()
        .transcode(
            &path,
            &dir.path().join("o.mp4"),
            &dir.path().join("p.jpg"),
            &options(),
            JobControl {
                cancel: &cancel,
                progress: &mut |_| {},
            },
        )
        .unwrap_err();
    assert!(e.is_permanent(), "{e:?}");
}

#[test]
fn cancelling_kills_the_helper_and_leaves_no_zombie() {
    let _serial = serial();
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("long.mp4");
    write_test_clip(
        &src,
        &ClipSpec {
            seconds: 8.0,
            ..ClipSpec::default()
        },
    )
    .unwrap();
    let cancel = AtomicBool::new(false);
    let mut seen = 0;
    let mut progress = |_: u8| {
        seen += 1;
        cancel.store(true, Ordering::Relaxed);
    };
    let start = Instant::now();
    let e = helper()
        .transcode(
            &src,
            &dir.path().join("o.mp4"),
            &dir.path().join("p.jpg"),
            &TranscodeOptions {
                max_height: 240,
                x264_preset: "medium".into(),
            },
            JobControl {
                cancel: &cancel,
                progress: &mut progress,
            },
        )
        .unwrap_err();
    assert!(matches!(e, MediaError::Cancelled), "{e:?}");
    assert!(seen >= 1);
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(helper_children(), Vec::<String>::new());
}
