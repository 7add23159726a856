//! What the integration tests share: the `rirwhois` binary, and `rirwhois serve` on loopback
//! ports the system picks, with the addresses it logs, killed when the test ends however it
//! ends.

#![allow(dead_code)] // each test crate uses its own part of it

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long the server may take to say something the test waits for.
const LOG_WAIT: Duration = Duration::from_secs(30);

/// `rirwhois` as cargo built it for these tests.
pub(crate) fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rirwhois"))
}

/// Runs `rirwhois compile --strict FLAGS -o OUT INPUTS` (logging warnings only) and
/// panics with its report when it fails.
pub(crate) fn compile<S: AsRef<std::ffi::OsStr>>(out: &Path, flags: &[&str], inputs: &[S]) {
    let done = bin()
        .env("RUST_LOG", "warn")
        .args(["compile", "--strict"])
        .args(flags)
        .arg("-o")
        .arg(out)
        .args(inputs)
        .output()
        .expect("run rirwhois compile");
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
}

/// A directory of this test process for files shared by its tests (`name` tells the test
/// crates apart), made on first use.
pub(crate) fn process_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rirwhois-{name}-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("test directory");
    dir
}

/// A running `rirwhois serve`, killed on drop.
pub(crate) struct Serve {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Every log line [`Serve::wait_for`] has read so far.
    pub(crate) log: Vec<String>,
    pub(crate) whois: SocketAddr,
    pub(crate) rdap: SocketAddr,
    pub(crate) metrics: SocketAddr,
    /// Holds the configuration file.
    _dir: tempfile::TempDir,
}

impl Serve {
    /// Starts `rirwhois serve` with its three listeners on 127.0.0.1 port 0, `snapshot`
    /// (else the server's default), `config` as its configuration file (none when empty),
    /// then `args`, logging at `info`; returns once each listener has said where it
    /// listens.
    pub(crate) fn start(snapshot: Option<&Path>, config: &str, args: &[&str]) -> Serve {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = bin();
        cmd.env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .arg("serve")
            .args(["--whois", "127.0.0.1:0", "--rdap", "127.0.0.1:0"])
            .args(["--metrics", "127.0.0.1:0"]);
        if let Some(snapshot) = snapshot {
            cmd.arg("--snapshot").arg(snapshot);
        }
        if !config.is_empty() {
            let file = dir.path().join("rirwhois.toml");
            std::fs::write(&file, config).expect("write the configuration");
            cmd.arg("--config").arg(file);
        }
        let mut child = cmd
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start rirwhois serve");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        // Reads the log to its end, so that the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let unset = SocketAddr::from(([0, 0, 0, 0], 0));
        let mut s = Serve {
            child,
            lines,
            log: Vec::new(),
            whois: unset,
            rdap: unset,
            metrics: unset,
            _dir: dir,
        };
        s.whois = s.listening("whois");
        s.rdap = s.listening("rdap");
        s.metrics = s.listening("metrics");
        s
    }

    /// Waits for a log line not read before that contains `needle`, and returns it; panics
    /// with the log after 30 s, or when the server has exited.
    pub(crate) fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + LOG_WAIT;
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    self.log.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!("no '{needle}' in the log: {:#?}", self.log);
    }

    /// The address a listener logged (`<what> listening on ADDR`), from the lines read so
    /// far or the next ones.
    fn listening(&mut self, what: &str) -> SocketAddr {
        let needle = format!("{what} listening on ");
        let line = match self.log.iter().find(|l| l.contains(&needle)) {
            Some(l) => l.clone(),
            None => self.wait_for(&needle),
        };
        let rest = line.split(&needle).nth(1).unwrap_or("");
        let addr: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '\u{1b}' && *c != '"')
            .collect();
        addr.parse()
            .unwrap_or_else(|e| panic!("{what} listening on {addr:?}: {e}"))
    }

    /// The server process (to wait for its exit).
    pub(crate) fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// The server's process id (to signal it).
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
