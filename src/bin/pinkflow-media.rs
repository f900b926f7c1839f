//! `pinkflow-media`: the helper that runs FFmpeg for PinkFlow. The server (upload
//! probes) and the workers (transcodes) start it as a child process, so FFmpeg's
//! libraries never load into them and a crash on a hostile file kills only this helper.
//! The only code of the `pinkflow` package that uses the `pinkflow_media` crate.
//!
//! Protocol, on stdout, one JSON object per line (stderr is for diagnostics only):
//!
//! - `pinkflow-media probe FILE` prints `{"ok": {...ProbeInfo...}}`;
//! - `pinkflow-media transcode --max-height N --preset P INPUT OUTPUT.mp4 POSTER.jpg`
//!   prints `{"progress": N}` whenever the percentage grows, then
//!   `{"ok": {...TranscodeReport...}}`;
//! - on failure either prints `{"error": {"kind": "invalid"|"internal", "message": "..."}}`
//!   (`invalid`: the file is the problem, `message` is for the uploader).
//!
//! Exit status 0 with `ok`, 1 with `error`. A job is cancelled by signalling the helper.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;

use clap::{Parser, Subcommand};
use pinkflow_media::{self as media, JobControl, MediaError, TranscodeOptions};
use serde_json::{Value, json};

#[derive(Parser)]
#[command(
    name = "pinkflow-media",
    version,
    about = "Runs FFmpeg for PinkFlow (probe, transcode); prints one JSON object per line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that FILE is a video PinkFlow can read and print what it contains.
    Probe { file: PathBuf },
    /// Transcode INPUT to an H.264/AAC MP4 and write a JPEG poster, printing progress.
    Transcode {
        /// Largest output height in pixels (never upscaled).
        #[arg(long)]
        max_height: u32,
        /// libx264 preset.
        #[arg(long)]
        preset: String,
        input: PathBuf,
        output: PathBuf,
        poster: PathBuf,
    },
}

/// Write one protocol line; exit when the parent no longer reads them.
fn emit(line: &Value) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        std::process::exit(1);
    }
}

fn to_json<T: serde::Serialize>(value: T) -> Result<Value, MediaError> {
    serde_json::to_value(value).map_err(|e| MediaError::Internal(e.to_string()))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    media::init();
    let result = match cli.command {
        Command::Probe { file } => media::probe(&file).and_then(to_json),
        Command::Transcode {
            max_height,
            preset,
            input,
            output,
            poster,
        } => {
            // Never set: the parent cancels by signal.
            let cancel = AtomicBool::new(false);
            media::transcode(
                &input,
                &output,
                &poster,
                &TranscodeOptions {
                    max_height,
                    x264_preset: preset,
                },
                JobControl {
                    cancel: &cancel,
                    progress: &mut |pct| emit(&json!({ "progress": pct })),
                },
            )
            .and_then(to_json)
        }
    };
    match result {
        Ok(value) => {
            emit(&json!({ "ok": value }));
            ExitCode::SUCCESS
        }
        Err(e) => {
            let kind = if e.is_permanent() {
                "invalid"
            } else {
                "internal"
            };
            emit(&json!({ "error": { "kind": kind, "message": e.to_string() } }));
            ExitCode::FAILURE
        }
    }
}
