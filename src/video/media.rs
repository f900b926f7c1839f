//! The client of the video pipeline. FFmpeg itself runs in the `pinkflow-media` helper
//! binary (src/bin/pinkflow-media.rs over the `pinkflow-media` crate), which this module
//! starts as a child process for each upload probe and each transcode. The server and
//! the workers never link FFmpeg: its ~165 shared libraries stay out of their memory,
//! and a crash on a hostile file kills only the helper (the upload is refused, or the
//! job fails and is retried).
//!
//! The helper prints one JSON object per line on stdout (`{"progress": N}`, then
//! `{"ok": ...}` or `{"error": {"kind", "message"}}`); a job is cancelled by killing it.
//! All functions block: call them from a blocking thread.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;

pub use crate::config::HELPER_NAME;
/// How long an upload probe may take before the file is refused (a probe reads headers:
/// healthy files take milliseconds).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(60);
/// How often a running helper is checked for cancellation.
const POLL: Duration = Duration::from_millis(100);
/// The end of the helper's stderr kept for the log when it fails.
const STDERR_TAIL: usize = 4096;

/// The words the helper uses for a file FFmpeg cannot open; also what an uploader reads
/// when the helper crashes on their file.
pub const NOT_A_VIDEO: &str =
    "This file is not a video PinkFlow can read. Upload an MP4, MOV, WebM, AVI or MKV video.";

/// Why a media operation failed. `Display` is written for the person who uploaded.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The input is not a video we can read (wrong format, corrupt, no picture).
    #[error("{0}")]
    Invalid(String),
    /// The job was cancelled (shutdown or lost lease).
    #[error("processing was interrupted")]
    Cancelled,
    /// Anything else (disk, encoder set-up, the helper missing or crashing): worth
    /// another attempt.
    #[error("{0}")]
    Internal(String),
}

impl MediaError {
    /// True when retrying cannot help: the input itself is the problem.
    pub fn is_permanent(&self) -> bool {
        matches!(self, MediaError::Invalid(_))
    }
}

/// What a probe learned about a file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ProbeInfo {
    pub container: String,
    pub duration_seconds: Option<f64>,
    pub width: u32,
    pub height: u32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Frames per second of the picture stream, when known.
    #[serde(default)]
    pub frame_rate: Option<f64>,
}

/// Settings of one transcode.
#[derive(Debug, Clone)]
pub struct TranscodeOptions {
    pub max_height: u32,
    pub x264_preset: String,
}

/// What a transcode produced (read back from the output file).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TranscodeReport {
    pub duration_seconds: f64,
    pub width: u32,
    pub height: u32,
    pub video_codec: String,
    pub audio_codec: Option<String>,
    /// Frames per second of the processed picture, when known.
    #[serde(default)]
    pub frame_rate: Option<f64>,
    pub poster_written: bool,
}

/// How the caller follows and stops a transcode.
pub struct JobControl<'a> {
    /// Set to stop the job (the helper is killed within ~100 ms).
    pub cancel: &'a AtomicBool,
    /// Called with the percentage done whenever it changes.
    pub progress: &'a mut dyn FnMut(u8),
}

/// One line of the helper's output.
#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Line<T> {
    Progress(u8),
    Ok(T),
    Error(HelperError),
}

#[derive(Deserialize)]
struct HelperError {
    kind: ErrorKind,
    message: String,
}

#[derive(Deserialize, PartialEq)]
#[serde(rename_all = "lowercase")]
enum ErrorKind {
    Invalid,
    Internal,
}

/// How one run of the helper ended.
enum Outcome<T> {
    Done(T),
    Failed(HelperError),
    Cancelled,
    TimedOut,
    /// Could not be started (missing, not executable).
    NotStarted(std::io::Error),
    /// Died by a signal or panicked: most likely the input made FFmpeg crash.
    Crashed(String),
    /// Exited without a result line, or printed something else.
    Broken(String),
}

/// Runs the `pinkflow-media` helper.
#[derive(Debug, Clone)]
pub struct MediaHelper {
    bin: PathBuf,
    probe_timeout: Duration,
}

impl MediaHelper {
    pub fn new(bin: impl Into<PathBuf>) -> Self {
        MediaHelper {
            bin: bin.into(),
            probe_timeout: PROBE_TIMEOUT,
        }
    }

    /// A different probe time limit (tests).
    pub fn with_probe_timeout(mut self, limit: Duration) -> Self {
        self.probe_timeout = limit;
        self
    }

    pub fn bin(&self) -> &Path {
        &self.bin
    }

    /// Run `pinkflow-media --version`: the start-up check of `serve` and `worker`. The
    /// error is one line for the operator.
    pub fn check(&self) -> Result<String, String> {
        let fix = "build it with `cargo build --bin pinkflow-media` (it belongs next to the \
                   pinkflow binary) or set MEDIA_BIN to its path";
        let out = Command::new(&self.bin)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                format!(
                    "cannot run the media helper {}: {e}; {fix}",
                    self.bin.display()
                )
            })?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if out.status.success() && version.starts_with(HELPER_NAME) {
            Ok(version)
        } else {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.lines().next().unwrap_or_default();
            Err(format!(
                "{} is not a working media helper ({}{}{}); {fix}",
                self.bin.display(),
                out.status,
                if said.is_empty() { "" } else { ": " },
                said.trim()
            ))
        }
    }

    /// Check that `path` is a video in an accepted container, with a picture stream
    /// FFmpeg can decode. At most the probe time limit (60 s).
    pub fn probe(&self, path: &Path) -> Result<ProbeInfo, MediaError> {
        let never = AtomicBool::new(false);
        let outcome = self.run(
            &[OsStr::new("probe"), path.as_os_str()],
            Some(self.probe_timeout),
            &never,
            &mut |_| {},
        );
        match outcome {
            Outcome::Done(info) => Ok(info),
            Outcome::Failed(e) => Err(e.into()),
            // A file that crashes FFmpeg or takes a minute to open is hostile or broken:
            // the uploader is told it cannot be read (nothing is stored, so there is no
            // job to retry).
            Outcome::Crashed(how) => {
                tracing::error!(file = %path.display(), helper = %how, "the media helper crashed while probing an upload; refused as not a video");
                Err(MediaError::Invalid(NOT_A_VIDEO.into()))
            }
            Outcome::TimedOut => {
                tracing::warn!(file = %path.display(), limit = ?self.probe_timeout, "probing an upload took too long; refused");
                Err(MediaError::Invalid(
                    "PinkFlow could not read this file in time; it may be damaged. Upload an MP4, MOV, WebM, AVI or MKV video.".into(),
                ))
            }
            other => Err(self.internal(other, "probing the upload")),
        }
    }

    /// Transcode `input` to an H.264 + AAC MP4 at `output` (index at the front), at most
    /// `max_height` high, and write a JPEG poster from a representative frame to
    /// `poster`. Inputs without sound give a video-only MP4. Setting `control.cancel`
    /// kills the helper and returns [`MediaError::Cancelled`].
    pub fn transcode(
        &self,
        input: &Path,
        output: &Path,
        poster: &Path,
        options: &TranscodeOptions,
        control: JobControl<'_>,
    ) -> Result<TranscodeReport, MediaError> {
        let max_height = options.max_height.to_string();
        let args = [
            OsStr::new("transcode"),
            OsStr::new("--max-height"),
            OsStr::new(&max_height),
            OsStr::new("--preset"),
            OsStr::new(&options.x264_preset),
            input.as_os_str(),
            output.as_os_str(),
            poster.as_os_str(),
        ];
        match self.run(&args, None, control.cancel, control.progress) {
            Outcome::Done(report) => Ok(report),
            Outcome::Failed(e) => Err(e.into()),
            Outcome::Cancelled => Err(MediaError::Cancelled),
            // A crash fails this attempt; the job is retried up to VIDEO_MAX_ATTEMPTS.
            other => Err(self.internal(other, "processing the video")),
        }
    }

    fn internal<T>(&self, outcome: Outcome<T>, doing: &str) -> MediaError {
        let why = match outcome {
            Outcome::NotStarted(e) => format!(
                "the media helper {} cannot be started: {e}",
                self.bin.display()
            ),
            Outcome::Crashed(how) => format!("the media helper crashed ({how})"),
            Outcome::Broken(how) => format!("the media helper failed ({how})"),
            Outcome::TimedOut => "the media helper took too long".into(),
            Outcome::Cancelled => "the media helper was stopped".into(),
            Outcome::Done(_) | Outcome::Failed(_) => "unexpected result".into(),
        };
        tracing::error!(helper = %self.bin.display(), "{doing}: {why}");
        MediaError::Internal(format!("{doing} failed: {why}"))
    }

    /// Start the helper, pass progress lines on, stop it when `cancel` is set or `limit`
    /// passes, and always reap it.
    fn run<T: DeserializeOwned>(
        &self,
        args: &[&OsStr],
        limit: Option<Duration>,
        cancel: &AtomicBool,
        progress: &mut dyn FnMut(u8),
    ) -> Outcome<T> {
        let mut command = Command::new(&self.bin);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        die_with_parent(&mut command);
        let mut child = match spawn(&mut command) {
            Ok(child) => child,
            Err(e) => return Outcome::NotStarted(e),
        };
        let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
            reap(&mut child, true);
            return Outcome::Broken("no pipes".into());
        };
        let (tx, lines) = mpsc::channel::<String>();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_tail = keep_tail(stderr);

        let started = Instant::now();
        let mut result: Option<Line<T>> = None;
        let mut garbage: Option<String> = None;
        let mut eof = false;
        let ended: Result<ExitStatus, Outcome<T>> = loop {
            if cancel.load(Ordering::Relaxed) {
                reap(&mut child, true);
                break Err(Outcome::Cancelled);
            }
            if limit.is_some_and(|l| started.elapsed() >= l) {
                reap(&mut child, true);
                break Err(Outcome::TimedOut);
            }
            if eof {
                match child.try_wait() {
                    Ok(Some(status)) => break Ok(status),
                    Ok(None) => thread::sleep(POLL),
                    Err(e) => {
                        reap(&mut child, true);
                        break Err(Outcome::Broken(format!("cannot wait for it: {e}")));
                    }
                }
                continue;
            }
            match lines.recv_timeout(POLL) {
                Ok(line) => match serde_json::from_str::<Line<T>>(&line) {
                    Ok(Line::Progress(pct)) => progress(pct),
                    Ok(last) => result = Some(last),
                    Err(_) => {
                        if garbage.is_none() {
                            garbage = Some(line.chars().take(200).collect());
                        }
                    }
                },
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => eof = true,
            }
        };
        let status = match ended {
            Ok(status) => status,
            // Killed: the reading threads end when the pipes close (not waited for, in
            // case something the helper started still holds them).
            Err(outcome) => return outcome,
        };
        let _ = reader.join();
        let stderr = stderr_tail.join().unwrap_or_default();
        let described = describe(status, &stderr);
        match (result, garbage) {
            (Some(Line::Ok(value)), None) if status.success() => Outcome::Done(value),
            (Some(Line::Error(e)), None) if status.code() == Some(1) => Outcome::Failed(e),
            _ if crashed(status) => {
                tracing::warn!(stderr = %stderr.trim(), "media helper crashed: {described}");
                Outcome::Crashed(described)
            }
            (_, Some(garbage)) => Outcome::Broken(format!("{described}; printed {garbage:?}")),
            _ => {
                tracing::warn!(stderr = %stderr.trim(), "media helper gave no result: {described}");
                Outcome::Broken(format!("{described} without a result"))
            }
        }
    }
}

impl From<HelperError> for MediaError {
    fn from(e: HelperError) -> Self {
        match e.kind {
            ErrorKind::Invalid => MediaError::Invalid(e.message),
            ErrorKind::Internal => MediaError::Internal(e.message),
        }
    }
}

/// Killed by a signal (SIGSEGV, SIGABRT, the OOM killer...) or a Rust panic (status 101).
fn crashed(status: ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal().is_some() {
            return true;
        }
    }
    status.code() == Some(101)
}

fn describe(status: ExitStatus, stderr: &str) -> String {
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    match last {
        Some(line) => format!("{status}: {}", line.trim()),
        None => status.to_string(),
    }
}

/// Start the helper; retry briefly on "text file busy" (the helper being replaced, or
/// written by a test while another thread forks).
fn spawn(command: &mut Command) -> std::io::Result<Child> {
    const ETXTBSY: i32 = 26;
    let mut tries = 0;
    loop {
        match command.spawn() {
            Err(e) if e.raw_os_error() == Some(ETXTBSY) && tries < 20 => {
                tries += 1;
                thread::sleep(Duration::from_millis(10));
            }
            other => return other,
        }
    }
}

/// Kill (when asked) and wait, so no zombie is left behind.
fn reap(child: &mut Child, kill: bool) {
    if kill {
        let _ = child.kill();
    }
    let _ = child.wait();
}

/// Read a pipe to its end on a thread, keeping the last few kilobytes.
fn keep_tail(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    thread::spawn(move || {
        let mut tail = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = pipe.read(&mut buf) {
            if n == 0 {
                break;
            }
            tail.extend_from_slice(&buf[..n]);
            if tail.len() > STDERR_TAIL {
                tail.drain(..tail.len() - STDERR_TAIL);
            }
        }
        String::from_utf8_lossy(&tail).into_owned()
    })
}

/// On Linux the helper gets SIGKILL when the thread that started it goes away (a
/// SIGKILLed worker does not leave a transcode running).
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_lines_parse() {
        let p: Line<ProbeInfo> = serde_json::from_str(r#"{"progress": 42}"#).unwrap();
        assert!(matches!(p, Line::Progress(42)));
        let ok: Line<ProbeInfo> = serde_json::from_str(
            r#"{"ok":{"container":"avi","duration_seconds":null,"width":2,"height":4,"video_codec":"h264","audio_codec":null}}"#,
        )
        .unwrap();
        assert!(matches!(ok, Line::Ok(ProbeInfo { width: 2, .. })));
        let e: Line<ProbeInfo> =
            serde_json::from_str(r#"{"error":{"kind":"invalid","message":"no"}}"#).unwrap();
        let Line::Error(e) = e else { panic!() };
        assert!(MediaError::from(e).is_permanent());
        assert!(serde_json::from_str::<Line<ProbeInfo>>(r#"{"progress": 300}"#).is_err());
    }

    #[test]
    fn a_missing_helper_is_a_clear_error() {
        let helper = MediaHelper::new("/nonexistent/pinkflow-media");
        let e = helper.check().unwrap_err();
        assert!(e.contains("cannot run the media helper /nonexistent/pinkflow-media"));
        assert!(e.contains("MEDIA_BIN"), "{e}");
        let e = helper.probe(Path::new("/tmp/x.mp4")).unwrap_err();
        assert!(!e.is_permanent());
        assert!(e.to_string().contains("cannot be started"), "{e}");
    }

    /// A stand-in helper: a shell script.
    #[cfg(unix)]
    fn script(dir: &Path, name: &str, body: &str) -> MediaHelper {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        MediaHelper::new(path)
    }

    #[cfg(unix)]
    #[test]
    fn not_a_helper_fails_the_check() {
        let dir = tempfile::tempdir().unwrap();
        let e = script(dir.path(), "hello", "echo hello")
            .check()
            .unwrap_err();
        assert!(e.contains("is not a working media helper"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn crashes_garbage_and_slowness() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.mp4");
        // Killed by a signal while probing: the uploader is told the file cannot be read.
        let e = script(dir.path(), "segv", "kill -SEGV $$")
            .probe(&file)
            .unwrap_err();
        assert!(e.is_permanent());
        assert_eq!(e.to_string(), NOT_A_VIDEO);
        // ... while transcoding: retried.
        let cancel = AtomicBool::new(false);
        let opts = TranscodeOptions {
            max_height: 720,
            x264_preset: "ultrafast".into(),
        };
        let e = script(
            dir.path(),
            "segv2",
            "echo '{\"progress\": 5}'; kill -SEGV $$",
        )
        .transcode(
            &file,
            &file,
            &file,
            &opts,
            JobControl {
                cancel: &cancel,
                progress: &mut |_| {},
            },
        )
        .unwrap_err();
        assert!(matches!(e, MediaError::Internal(_)), "{e:?}");
        // Garbage or nothing: internal.
        let e = script(dir.path(), "garbage", "echo not json")
            .probe(&file)
            .unwrap_err();
        assert!(matches!(e, MediaError::Internal(_)), "{e:?}");
        let e = script(dir.path(), "silent", "exit 0")
            .probe(&file)
            .unwrap_err();
        assert!(matches!(e, MediaError::Internal(_)), "{e:?}");
        // A probe over its time limit is killed and refused.
        let start = Instant::now();
        let e = script(dir.path(), "slow", "exec sleep 30")
            .with_probe_timeout(Duration::from_millis(300))
            .probe(&file)
            .unwrap_err();
        assert!(e.is_permanent(), "{e:?}");
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    /// This process's children called `name` (running or zombie).
    #[cfg(target_os = "linux")]
    fn children_named(name: &str) -> Vec<String> {
        let me = std::process::id().to_string();
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|entry| {
                let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                let (open, close) = (stat.find('(')?, stat.rfind(')')?);
                let mut rest = stat.get(close + 2..)?.split(' ');
                let (_state, ppid) = (rest.next()?, rest.next()?);
                (stat.get(open + 1..close)? == name && ppid == me).then(|| stat.clone())
            })
            .collect()
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn cancel_kills_and_reaps_the_helper() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.mp4");
        let helper = script(
            dir.path(),
            "fake-cancel",
            "echo '{\"progress\": 1}'; while :; do sleep 0.05; done",
        );
        let cancel = AtomicBool::new(false);
        let mut seen = Vec::new();
        let mut progress = |pct: u8| {
            seen.push(pct);
            cancel.store(true, Ordering::Relaxed);
        };
        let start = Instant::now();
        let e = helper
            .transcode(
                &file,
                &file,
                &file,
                &TranscodeOptions {
                    max_height: 720,
                    x264_preset: "ultrafast".into(),
                },
                JobControl {
                    cancel: &cancel,
                    progress: &mut progress,
                },
            )
            .unwrap_err();
        assert!(matches!(e, MediaError::Cancelled), "{e:?}");
        assert_eq!(seen, [1]);
        assert!(start.elapsed() < Duration::from_secs(5));
        assert_eq!(children_named("fake-cancel"), Vec::<String>::new());
    }
}
