//! The shipped binary as a child process, for the tests that need a real
//! process: to kill it (`kill -9`), to send it SIGTERM, to read its log.

use std::{
    io::{BufRead, BufReader, Read},
    path::Path,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{mpsc, Arc, Mutex},
    time::{Duration, Instant},
};

use base64::{engine::general_purpose::STANDARD, Engine};

/// A running `cookie-jar serve`; killed when dropped.
pub struct Process {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub address: String,
    log: Arc<Mutex<Vec<String>>>,
}

/// What every child starts with: a fixed key (so cookies outlive a
/// restart), no colours, the per-client login limit raised (the test's
/// clients all come from 127.0.0.1), the suite's session store (under a
/// Redis prefix of its own); `vars` add to them or override them.
pub fn command(dir: &Path, vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cookie-jar"));
    command
        .current_dir(dir)
        .env("STATIC_DIR", concat!(env!("CARGO_MANIFEST_DIR"), "/static"))
        .env("BIND_ADDR", "127.0.0.1:0")
        .env("SESSION_SECRET", STANDARD.encode([42u8; 64]))
        .env("LOG", "warn,cookie_jar=info")
        .env("NO_COLOR", "1")
        .env("CLIENT_AUTH_POSTS_PER_MINUTE", "100000")
        .env("NEW_SESSIONS_PER_CLIENT_PER_MINUTE", "100000")
        .env("SESSION_STORE", super::store_under_test().as_str())
        .env("REDIS_URL", super::redis_url())
        // The folder's name: a restart in the same folder finds its sessions.
        .env(
            "REDIS_KEY_PREFIX",
            format!("cookie-jar-test:{}:", dir.display()),
        )
        .env_remove("DATABASE_URL")
        .env_remove("APP_ENV")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

impl Process {
    /// Starts the binary in `dir` and waits until it says where it listens.
    pub fn start(dir: &Path, vars: &[(&str, &str)]) -> Process {
        let mut child = command(dir, vars).spawn().expect("the binary starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (found, wait) = mpsc::channel();
        drain(child.stdout.take().unwrap(), log.clone(), Some(found));
        drain(child.stderr.take().unwrap(), log.clone(), None);
        let address = wait.recv_timeout(Duration::from_secs(60));
        let mut process = Process {
            child,
            address: String::new(),
            log,
        };
        match address {
            Ok(address) => process.address = address,
            Err(_) => panic!(
                "the binary did not say where it listens within 60 s:\n{}",
                process.log()
            ),
        }
        process
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    /// Everything it wrote so far, stdout and stderr.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// `kill -9`: no chance to finish anything.
    pub fn kill_hard(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }

    /// SIGTERM, as systemd or a container runtime stops a service.
    #[allow(unsafe_code)]
    pub fn terminate(&self) {
        // SAFETY: kill(2) with a pid of our own child and a valid signal.
        let sent = unsafe { libc::kill(self.pid(), libc::SIGTERM) };
        assert_eq!(sent, 0, "SIGTERM sent");
    }

    /// Waits up to `limit` for the process to exit.
    pub fn exited_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a pipe line by line into `log` until it closes; the first
/// "Cookie Jar is open at http://127.0.0.1:PORT" goes to `found`.
fn drain(
    pipe: impl Read + Send + 'static,
    log: Arc<Mutex<Vec<String>>>,
    found: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            if let (Some(found), Some(at)) = (&found, line.find("is open at http://")) {
                let url = line[at + "is open at ".len()..].split(' ').next().unwrap();
                let _ = found.send(url.to_string());
            }
            log.lock().unwrap().push(line);
        }
    });
}
