//! A throwaway `redis-server` on a free loopback port, no persistence, killed
//! when dropped. Where the binary is missing, the tests that need it print
//! "skipped: redis-server is not installed" and pass, except when `CI` is
//! set: there they fail (`.ci/run` installs it).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    args: Vec<String>,
    pub password: Option<String>,
}

fn binary() -> Option<PathBuf> {
    ["redis-server", "valkey-server"].iter().find_map(|name| {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {name}")])
            .output()
            .ok()?;
        let path = String::from_utf8(found.stdout).ok()?;
        let path = path.trim();
        (!path.is_empty()).then(|| PathBuf::from(path))
    })
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl RedisServer {
    /// A server with a password, or `None` (after saying so) when there is no
    /// redis-server and `CI` is not set.
    pub fn start() -> Option<Self> {
        Self::start_with(Vec::new())
    }

    /// The same, with more arguments for `redis-server` (TLS, say).
    pub fn start_with(extra: Vec<String>) -> Option<Self> {
        let Some(binary) = binary() else {
            assert!(
                std::env::var_os("CI").is_none(),
                "redis-server is not installed, and CI is set: .ci/run installs it"
            );
            report!("skipped: redis-server is not installed");
            return None;
        };
        let port = free_port();
        let password = format!("pw-{port}");
        let mut args = vec![
            "--save".to_owned(),
            String::new(),
            "--appendonly".to_owned(),
            "no".to_owned(),
            "--bind".to_owned(),
            "127.0.0.1".to_owned(),
            "--requirepass".to_owned(),
            password.clone(),
            "--dir".to_owned(),
            std::env::temp_dir().display().to_string(),
        ];
        let tls = extra.iter().any(|a| a == "--tls-port");
        if tls {
            args.extend(["--port".to_owned(), "0".to_owned()]);
        } else {
            args.extend(["--port".to_owned(), port.to_string()]);
        }
        args.extend(
            extra
                .into_iter()
                .map(|a| a.replace("{port}", &port.to_string())),
        );
        let mut server = Self {
            child: None,
            port,
            args,
            password: Some(password),
        };
        server.spawn(&binary);
        Some(server)
    }

    fn spawn(&mut self, binary: &Path) {
        let child = Command::new(binary)
            .args(&self.args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server starts");
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `redis://:password@127.0.0.1:port/`
    pub fn url(&self) -> String {
        format!(
            "redis://:{}@127.0.0.1:{}/",
            self.password.as_deref().unwrap_or_default(),
            self.port
        )
    }

    /// Stops the server (its data is gone: it keeps none on disk).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stalls the server (SIGSTOP): connections stay open, nothing answers,
    /// and its clock runs on, so keys expire meanwhile.
    pub fn pause(&self) {
        self.signal("STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("CONT");
    }

    fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("running").id();
        let status = Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{name} {pid}");
    }

    /// Starts it again on the same port, empty.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn(&binary().expect("it ran before"));
    }

    /// Runs `redis-cli` against it and returns its output.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "--no-auth-warning"])
            .args(["-a", self.password.as_deref().unwrap_or_default()])
            .args(args)
            .output()
            .expect("redis-cli runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
