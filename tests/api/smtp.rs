//! A real SMTP server on loopback for the mail tests: Debian's python3-aiosmtpd,
//! started by `smtp_sink.py` on a port of the test's choosing, writing each message it
//! accepts to a folder. Also: reading the messages (quoted-printable decoded).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Debian's interpreter, which has python3-aiosmtpd (not whatever `python3` is first on
/// PATH).
const PYTHON: &str = "/usr/bin/python3";

pub struct SmtpSink {
    pub port: u16,
    pub dir: tempfile::TempDir,
    child: Option<Child>,
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl SmtpSink {
    /// A sink that is not running yet (the server is "down"); `start` brings it up.
    pub fn down() -> SmtpSink {
        SmtpSink {
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            child: None,
        }
    }

    pub async fn up() -> SmtpSink {
        let mut sink = SmtpSink::down();
        sink.start().await;
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub async fn start(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/api/smtp_sink.py");
        let mut child = Command::new(PYTHON)
            .arg(script)
            .arg("127.0.0.1")
            .arg(self.port.to_string())
            .arg(self.dir.path())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start the SMTP sink (apt-get install python3-aiosmtpd)");
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("the SMTP sink starts within 20 s")
            .unwrap();
        assert_eq!(ready.as_deref(), Some("ready"), "SMTP sink did not start");
        self.child = Some(child);
    }

    /// The messages received so far, oldest first, decoded.
    pub fn messages(&self) -> Vec<String> {
        read_messages(self.dir.path())
    }

    /// Wait until at least `n` messages arrived (at most `timeout`).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<String> {
        wait_for_messages(self.dir.path(), n, timeout).await
    }
}

/// Every `.eml` file of `dir`, oldest first, decoded.
pub fn read_messages(dir: &Path) -> Vec<String> {
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .map(|p| (std::fs::metadata(&p).unwrap().modified().unwrap(), p))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
        .into_iter()
        .map(|(_, p)| decode_qp(&std::fs::read_to_string(p).unwrap()))
        .collect()
}

pub async fn wait_for_messages(dir: &Path, n: usize, timeout: Duration) -> Vec<String> {
    let started = Instant::now();
    loop {
        let found = read_messages(dir);
        if found.len() >= n || started.elapsed() > timeout {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Undo quoted-printable (soft line breaks and `=XX`, upper-case hex as the encoder
/// writes it, so a 7-bit part's `=ab` stays), enough to read links and words.
pub fn decode_qp(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && bytes[i + 1..i + 3]
                .iter()
                .all(|c| c.is_ascii_digit() || (b'A'..=b'F').contains(c))
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first link in `message` that starts with `prefix`.
pub fn link_in(message: &str, prefix: &str) -> Option<String> {
    let start = message.find(prefix)?;
    Some(
        message[start..]
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
            .collect(),
    )
}
