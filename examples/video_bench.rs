//! Video benchmarks for `make bench` (run it in release mode):
//!
//! 1. Processing time of a 60 s 720p clip through PinkFlow's pipeline (transcode +
//!    poster) against the `ffmpeg` command doing the same transcode and poster, as a
//!    ratio (target ≤ 1.15). Skipped when `ffmpeg` is not installed.
//! 2. The server's peak memory (VmHWM) while a 1 GiB upload streams in (target
//!    < 64 MiB): starts the `pinkflow` binary next to this example, streams the body
//!    over a plain socket and reads `/proc/<pid>/status`.
//!
//!     cargo run --release --example video_bench [-- transcode|upload]

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test and tool code: a failed unwrap is a failed run, with its message"
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use pinkflow_media::{self as media, ClipSpec, JobControl, TranscodeOptions};

const PRESET: &str = "veryfast";

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "all".into());
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ok = true;
    if which == "all" || which == "transcode" {
        ok &= transcode_bench(dir.path());
    }
    if which == "all" || which == "upload" {
        ok &= upload_bench(dir.path());
    }
    if !ok {
        std::process::exit(1);
    }
}

fn transcode_bench(dir: &Path) -> bool {
    let input = dir.join("bench-60s-720p.mp4");
    println!("== transcode: 60 s 1280x720 clip, preset {PRESET}");
    let spec = ClipSpec {
        width: 1280,
        height: 720,
        seconds: 60.0,
        ..ClipSpec::default()
    };
    if let Err(e) = media::write_test_clip(&input, &spec) {
        eprintln!("cannot write the clip: {e}");
        return false;
    }
    let cancel = AtomicBool::new(false);
    let start = Instant::now();
    let ours = media::transcode(
        &input,
        &dir.join("ours.mp4"),
        &dir.join("ours.jpg"),
        &TranscodeOptions {
            max_height: 720,
            x264_preset: PRESET.into(),
        },
        JobControl {
            cancel: &cancel,
            progress: &mut |_| {},
        },
    );
    let ours_time = start.elapsed();
    if let Err(e) = ours {
        eprintln!("pinkflow transcode failed: {e}");
        return false;
    }
    println!("pinkflow (ffmpeg-next): {:.2} s", ours_time.as_secs_f64());

    let ffmpeg_available = Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ffmpeg_available {
        println!("ffmpeg command not installed: ratio skipped (apt-get install ffmpeg)");
        return true;
    }
    let start = Instant::now();
    let transcode = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(&input)
        .args([
            "-vf",
            "scale=1280:720:flags=bicubic,setsar=1,format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            PRESET,
            "-crf",
            "23",
            "-profile:v",
            "high",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-movflags",
            "+faststart",
        ])
        .arg(dir.join("theirs.mp4"))
        .status();
    let poster = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-ss", "30", "-i"])
        .arg(&input)
        .args(["-frames:v", "1", "-q:v", "3"])
        .arg(dir.join("theirs.jpg"))
        .status();
    let theirs_time = start.elapsed();
    if !transcode.is_ok_and(|s| s.success()) || !poster.is_ok_and(|s| s.success()) {
        eprintln!("the ffmpeg command failed");
        return false;
    }
    let ratio = ours_time.as_secs_f64() / theirs_time.as_secs_f64();
    println!(
        "ffmpeg command:          {:.2} s",
        theirs_time.as_secs_f64()
    );
    println!(
        "ratio: {ratio:.2} (target <= 1.15) {}",
        if ratio <= 1.15 { "PASS" } else { "FAIL" }
    );
    ratio <= 1.15
}

fn server_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    // target/<profile>/examples/video_bench → target/<profile>/pinkflow
    let bin = exe.parent()?.parent()?.join("pinkflow");
    bin.exists().then_some(bin)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18_999)
}

/// One HTTP/1.1 request with `Connection: close`; returns (status, body).
fn http(port: u16, head: &str, body: &[u8]) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Ok((status, body))
}

fn post_json(port: u16, path: &str, json: &str) -> std::io::Result<(u16, String)> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        json.len()
    );
    http(port, &head, json.as_bytes())
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn upload_bench(dir: &Path) -> bool {
    const SIZE: u64 = 1 << 30;
    println!("== upload: server peak memory while 1 GiB streams in");
    let Some(bin) = server_binary() else {
        eprintln!("build the pinkflow binary first (cargo build --release)");
        return false;
    };
    let port = free_port();
    let child = Command::new(bin)
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("APP_ENV", "testing")
        .env("PORT", port.to_string())
        .env("WORKERS", "1")
        .env("BCRYPT_COST", "4")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("bench.db").display()),
        )
        .env("VIDEO_UPLOAD_FOLDER", dir.join("videos"))
        .env("VIDEO_MAX_SIZE_MB", "2048")
        .env("WORKER_EMBEDDED", "false")
        .env("RATE_LIMIT_REGISTER", "1000/minute")
        .env("RATE_LIMIT_LOGIN", "1000/minute")
        .env("RATE_LIMIT_API", "1000/minute")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = child else {
        eprintln!("cannot start the server");
        return false;
    };
    let server = Server(child);
    let pid = server.0.id();
    let ready = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(100));
        http(
            port,
            "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
            b"",
        )
        .is_ok_and(|(s, _)| s == 200)
    });
    if !ready {
        eprintln!("the server did not start");
        return false;
    }
    let _ = post_json(
        port,
        "/api/auth/register",
        r#"{"email":"bench@example.com","username":"bench","password":"password123"}"#,
    );
    let token = post_json(
        port,
        "/api/auth/login",
        r#"{"email":"bench@example.com","password":"password123"}"#,
    )
    .ok()
    .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok())
    .and_then(|v| v["access_token"].as_str().map(str::to_owned));
    let Some(token) = token else {
        eprintln!("cannot sign in to the bench server");
        return false;
    };
    let before = peak_rss_kib(pid).unwrap_or(0);

    let boundary = "pinkflowbenchboundary";
    let preamble = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBench\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.mp4\"\r\nContent-Type: video/mp4\r\n\r\n"
    );
    let epilogue = format!("\r\n--{boundary}--\r\n");
    let length = preamble.len() as u64 + SIZE + epilogue.len() as u64;
    let start = Instant::now();
    let result = (|| -> std::io::Result<(u16, String)> {
        let mut stream = TcpStream::connect(("127.0.0.1", port))?;
        write!(
            stream,
            "POST /api/videos HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{preamble}"
        )?;
        let chunk = vec![0x5Au8; 256 * 1024];
        let mut sent = 0u64;
        while sent < SIZE {
            let n = chunk.len().min((SIZE - sent) as usize);
            stream.write_all(&chunk[..n])?;
            sent += n as u64;
        }
        stream.write_all(epilogue.as_bytes())?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response)?;
        let text = String::from_utf8_lossy(&response).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok((status, text))
    })();
    let elapsed = start.elapsed();
    let peak = peak_rss_kib(pid).unwrap_or(0);
    match result {
        Ok((status, _)) => println!(
            "uploaded 1 GiB in {:.1} s; answer {status} (a block of bytes is not a video: refused after the probe)",
            elapsed.as_secs_f64()
        ),
        Err(e) => {
            eprintln!("upload failed: {e}");
            return false;
        }
    }
    let leftovers = ["incoming", "originals"]
        .iter()
        .filter_map(|a| std::fs::read_dir(dir.join("videos").join(a)).ok())
        .flat_map(|d| d.filter_map(Result::ok))
        .count();
    let peak_mib = peak as f64 / 1024.0;
    println!(
        "server peak memory: {peak_mib:.1} MiB (before the upload {:.1} MiB; target < 64 MiB) {}",
        before as f64 / 1024.0,
        if peak_mib < 64.0 { "PASS" } else { "FAIL" }
    );
    println!("files left behind: {leftovers}");
    peak_mib < 64.0 && leftovers == 0
}
