//! The real binary in a real pseudo-terminal: start on the bad-deploy demo, roll back with the
//! typed name, watch the header change; and leave the terminal restored after `q`, SIGTERM
//! and SIGHUP (alternate screen left, cursor shown, raw mode off).
//!
//! Waits are generous and event-based ("until the screen shows X, within 60 s"); nothing here
//! measures time.

use nix::sys::termios::LocalFlags;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(60);

struct Console {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser>>,
    bytes: Arc<Mutex<Vec<u8>>>,
    _home: tempfile::TempDir,
}

impl Console {
    fn start(args: &[&str]) -> Self {
        Self::start_with(args, &[])
    }

    fn start_with(args: &[&str], env: &[(&str, &str)]) -> Self {
        let pty = native_pty_system();
        let pair = pty
            .openpty(PtySize {
                rows: 24,
                cols: 80,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let home = tempfile::tempdir().unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_switchback"));
        cmd.args(args);
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        cmd.env("XDG_DATA_HOME", home.path().join("data"));
        cmd.env("XDG_CACHE_HOME", home.path().join("cache"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("SWITCHBACK_CONFIG");
        cmd.env_remove("NO_COLOR");
        cmd.cwd(home.path());
        for (key, value) in env {
            cmd.env(key, value);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(24, 80, 0)));
        let bytes = Arc::new(Mutex::new(Vec::new()));
        let (s, b) = (screen.clone(), bytes.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s.lock().unwrap().process(&buf[..n]);
                b.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Self {
            master: pair.master,
            child,
            writer,
            screen,
            bytes,
            _home: home,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn header(&self) -> String {
        self.contents()
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned()
    }

    fn wait_for(&self, what: &str, done: impl Fn(&Self) -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if done(self) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("waited for {what}; the screen shows:\n{}", self.contents());
    }

    fn press(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn signal(&self, name: &str) {
        let pid = self.child.process_id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait_exit(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                // Let the reader drain what the program wrote last.
                std::thread::sleep(Duration::from_millis(200));
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        panic!("the console did not exit; it shows:\n{}", self.contents());
    }

    /// The terminal is as the program found it: the alternate screen was left and the cursor
    /// shown after the last time they were entered and hidden, and raw mode is off.
    fn assert_restored(&self) {
        let bytes = self.bytes.lock().unwrap().clone();
        let last = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
        let entered = last(b"\x1b[?1049h").expect("the alternate screen was entered");
        let left = last(b"\x1b[?1049l").expect("the alternate screen was left");
        assert!(
            left > entered,
            "left the alternate screen after entering it"
        );
        let shown = last(b"\x1b[?25h").expect("the cursor was shown");
        let hidden = last(b"\x1b[?25l").unwrap_or(0);
        assert!(shown > hidden, "the cursor is shown at the end");
        let screen = self.screen.lock().unwrap();
        assert!(!screen.screen().alternate_screen());
        assert!(!screen.screen().hide_cursor());
        let termios = self.master.get_termios().expect("the pty's modes");
        assert!(
            termios
                .local_flags
                .contains(LocalFlags::ICANON | LocalFlags::ECHO),
            "raw mode is off (canonical input and echo are back)"
        );
    }

    fn started(&self) {
        self.wait_for("the bad-deploy console", |c| {
            let screen = c.contents();
            c.header().contains("LIVE v42")
                && screen.contains("v41")
                && screen.contains("r rollback")
        });
    }
}

#[test]
fn rollback_in_a_real_terminal_then_q_restores_it() {
    let mut console = Console::start(&["--demo", "--scenario", "bad-deploy"]);
    console.started();
    console.press("j");
    console.wait_for("v41 selected", |c| {
        c.contents().contains("Selected v41 vs live v42")
    });
    console.press("r");
    console.wait_for("the confirmation modal", |c| {
        c.contents().contains("Type production")
    });
    console.press("production");
    console.wait_for("the typed name", |c| c.contents().contains("│production"));
    console.press("\r");
    console.wait_for("the header to say ROLLED BACK with v41 live", |c| {
        let header = c.header();
        header.contains("ROLLED BACK") && header.contains("LIVE v41")
    });
    console.press("q");
    console.wait_exit();
    console.assert_restored();
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut console = Console::start(&["--demo"]);
    console.started();
    console.signal("TERM");
    console.wait_exit();
    console.assert_restored();
}

#[test]
fn sighup_restores_the_terminal() {
    let mut console = Console::start(&["--demo"]);
    console.started();
    console.press("j");
    console.wait_for("v41 selected", |c| {
        c.contents().contains("Selected v41 vs live v42")
    });
    console.press("r");
    console.wait_for("a modal open when the line drops", |c| {
        c.contents().contains("Type production")
    });
    console.signal("HUP");
    console.wait_exit();
    console.assert_restored();
}

#[test]
fn a_panic_restores_the_terminal_before_the_report() {
    let mut console = Console::start_with(&["--demo"], &[("SWITCHBACK_PANIC_AFTER_DRAW", "1")]);
    console.wait_exit();
    console.assert_restored();
    let bytes = console.bytes.lock().unwrap().clone();
    let find = |needle: &[u8]| bytes.windows(needle.len()).position(|w| w == needle);
    let left = find(b"\x1b[?1049l").expect("the alternate screen was left");
    let report = find(b"panicking on purpose").expect("the panic report is shown");
    assert!(
        left < report,
        "the terminal is restored before the report prints"
    );
}

#[test]
fn a_platform_that_does_not_answer_still_gets_a_screen_and_q_quits() {
    // Accepts connections and never answers: the first frame cannot wait for data.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        format!("[[backends]]\nkind = \"http\"\nname = \"silent\"\nurl = \"{url}\"\n"),
    )
    .unwrap();
    let mut console = Console::start(&["--config", config.path().to_str().unwrap()]);
    console.wait_for("the loading frame while the platform is silent", |c| {
        c.contents().contains("loading deployments")
    });
    console.press("q");
    console.wait_exit();
    console.assert_restored();
}

/// `switchback serve` as a child process on a free loopback port; killed when dropped.
struct Serve {
    child: std::process::Child,
    url: String,
    _config: tempfile::NamedTempFile,
}

impl Serve {
    fn start() -> Self {
        use std::io::BufRead;
        let config = tempfile::NamedTempFile::new().unwrap();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_switchback"))
            .arg("--config")
            .arg(config.path())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
        let (found, url) = std::sync::mpsc::channel();
        // Read to the end: the server logs every request there.
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                if let Some(at) = line.split("listening on ").nth(1) {
                    let _ = found.send(at.trim().to_owned());
                }
            }
        });
        Self {
            child,
            url: url
                .recv_timeout(PATIENCE)
                .expect("serve says where it listens"),
            _config: config,
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_consoles_on_one_serve_see_each_others_name_and_time() {
    let serve = Serve::start();
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        format!(
            "[[backends]]\nkind = \"http\"\nname = \"shared\"\nurl = \"{}\"\n",
            serve.url
        ),
    )
    .unwrap();
    let path = config.path().to_str().unwrap();
    // Each console is its engineer's: the actor is the login name.
    let mut dana = Console::start_with(&["--config", path], &[("USER", "dana")]);
    let alex = Console::start_with(&["--config", path], &[("USER", "alex")]);
    for console in [&dana, &alex] {
        console.wait_for("the shared platform", |c| {
            c.header().contains("LIVE v42") && c.contents().contains("v41")
        });
    }
    dana.press("j");
    dana.wait_for("v41 selected", |c| {
        c.contents().contains("Selected v41 vs live v42")
    });
    dana.press("r");
    dana.wait_for("the confirmation modal", |c| {
        c.contents().contains("Type production")
    });
    dana.press("production");
    dana.wait_for("the typed name", |c| c.contents().contains("│production"));
    dana.press("\r");
    dana.wait_for("dana's rollback to land", |c| {
        c.header().contains("LIVE v41")
    });
    // alex is told, with dana's name and the time on the clock.
    alex.wait_for("dana's name and time on alex's screen", |c| {
        let screen = c.contents();
        screen.contains("LIVE v41")
            && screen
                .lines()
                .any(|l| l.contains("dana's rollback to v41 completed at ") && l.contains(':'))
    });
    // dana's own console does not announce dana's rollback as someone else's.
    assert!(
        !dana.contents().contains("dana's rollback"),
        "{}",
        dana.contents()
    );
}

#[test]
fn quitting_with_an_operation_in_flight_says_how_to_follow_it() {
    let served = Serve::start();
    let config = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        config.path(),
        format!(
            "[[backends]]\nkind = \"http\"\nname = \"shared\"\nurl = \"{}\"\n",
            served.url
        ),
    )
    .unwrap();
    let mut console = Console::start(&["--config", config.path().to_str().unwrap()]);
    console.started();
    // v40 is spun down: its rollback is a cold start, still running when we quit.
    console.press("jj");
    console.wait_for("v40 selected", |c| {
        c.contents().contains("Selected v40 vs live v42")
    });
    console.press("r");
    console.wait_for("the confirmation modal", |c| {
        c.contents().contains("Type production")
    });
    console.press("production");
    console.wait_for("the typed name", |c| c.contents().contains("│production"));
    console.press("\r");
    console.wait_for("the operation under way", |c| {
        c.contents().contains("rollback to v40 ·")
    });
    console.press("q");
    console.wait_exit();
    console.assert_restored();
    let bytes = console.bytes.lock().unwrap().clone();
    let text = String::from_utf8_lossy(&bytes);
    let left = text
        .rfind("\x1b[?1049l")
        .expect("the alternate screen was left");
    let after = &text[left..];
    assert!(
        after.contains(
            "operation op_000001 is still running at the platform: switchback operation \
             op_000001 --project acme/storefront --env production --follow"
        ),
        "after the terminal was restored:\n{after}"
    );
}
