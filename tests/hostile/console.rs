//! The console in a real pseudo-terminal against the hostile platform: every byte it writes
//! is switchback's own (no OSC, DCS, C1, bell or bidi control; no CSI but those the screen
//! library writes), the window title and clipboard are never touched, the layout holds with
//! boxes closed, and the terminal is restored after `q`.

use crate::payloads::terminal_hazard;
use crate::server::{CANARY, Mode, Platform, TOKEN_VAR};
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PATIENCE: Duration = Duration::from_secs(60);
const ROWS: u16 = 24;
const COLS: u16 = 80;

/// What the terminal was asked to do besides drawing.
#[derive(Default)]
struct Asked {
    titles: Vec<Vec<u8>>,
    clipboard: Vec<Vec<u8>>,
    bells: usize,
    unhandled: Vec<String>,
}

impl vt100::Callbacks for Asked {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], data: &[u8]) {
        self.clipboard.push(data.to_vec());
    }
    fn paste_from_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8]) {
        self.clipboard.push(ty.to_vec());
    }
    fn unhandled_control(&mut self, _: &mut vt100::Screen, b: u8) {
        self.unhandled.push(format!("control {b:#04x}"));
    }
}

struct Console {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    screen: Arc<Mutex<vt100::Parser<Asked>>>,
    bytes: Arc<Mutex<Vec<u8>>>,
    home: tempfile::TempDir,
}

impl Console {
    fn start(url: &str) -> Self {
        let home = tempfile::tempdir().unwrap();
        let config = home.path().join("config.toml");
        std::fs::write(
            &config,
            format!("[[backends]]\nkind = \"http\"\nname = \"hostile\"\nurl = \"{url}\"\ntoken-env = \"{TOKEN_VAR}\"\n"),
        )
        .unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_switchback"));
        cmd.args(["--config", config.to_str().unwrap()]);
        for (key, dir) in [
            ("HOME", ""),
            ("XDG_CONFIG_HOME", "config"),
            ("XDG_STATE_HOME", "state"),
            ("XDG_DATA_HOME", "data"),
            ("XDG_CACHE_HOME", "cache"),
        ] {
            cmd.env(key, home.path().join(dir));
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("SWITCHBACK_LOG", "trace");
        cmd.env(TOKEN_VAR, CANARY);
        cmd.env_remove("SWITCHBACK_CONFIG");
        cmd.env_remove("NO_COLOR");
        cmd.cwd(home.path());
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new_with_callbacks(
            ROWS,
            COLS,
            0,
            Asked::default(),
        )));
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
            home,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn row(&self, row: u16) -> String {
        let parser = self.screen.lock().unwrap();
        parser
            .screen()
            .rows(0, COLS)
            .nth(row as usize)
            .unwrap_or_default()
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

    fn wait_exit(&mut self) {
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.child.try_wait().unwrap().is_some() {
                std::thread::sleep(Duration::from_millis(200));
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child.kill().ok();
        panic!("the console did not exit; it shows:\n{}", self.contents());
    }

    /// Every byte written so far is switchback's own, and the terminal was asked nothing.
    fn assert_only_own_bytes(&self) {
        let bytes = self.bytes.lock().unwrap().clone();
        if let Some(hazard) = terminal_hazard(&bytes) {
            panic!("the console wrote {hazard}");
        }
        let parser = self.screen.lock().unwrap();
        let asked = parser.callbacks();
        assert!(
            asked.titles.is_empty(),
            "the title was set: {:?}",
            asked.titles
        );
        assert!(
            asked.clipboard.is_empty(),
            "the clipboard was used: {:?}",
            asked.clipboard
        );
        assert_eq!(asked.bells, 0, "the bell rang");
    }

    /// The header on the first row, the key hints on the last, the list's divider in one
    /// column from top to bottom, every box closed, and nothing drawn right of a box.
    fn assert_layout(&self, header: &str, boxed: bool) {
        let first = self.row(0);
        assert!(
            first.contains(header),
            "the first row is the header {header:?}:\n{}",
            self.contents()
        );
        let last = self.row(ROWS - 1);
        assert!(
            boxed || (last.contains("q") && last.contains("rollback")),
            "the last row holds the key hints:\n{}",
            self.contents()
        );
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        let at = |r: u16, c: u16| {
            screen
                .cell(r, c)
                .map(|cell| cell.contents().to_owned())
                .unwrap_or_default()
        };
        let mut boxes = 0;
        for r in 0..ROWS {
            for c in 0..COLS {
                if at(r, c) != "┌" {
                    continue;
                }
                let right = (c + 1..COLS).find(|&x| at(r, x) == "┐").unwrap_or_else(|| {
                    panic!(
                        "the box at row {r}, column {c} has no top right corner:\n{}",
                        screen.contents()
                    )
                });
                let bottom = (r + 1..ROWS).find(|&y| at(y, c) == "└").unwrap_or_else(|| {
                    panic!(
                        "the box at row {r}, column {c} has no bottom left corner:\n{}",
                        screen.contents()
                    )
                });
                assert_eq!(
                    at(bottom, right),
                    "┘",
                    "the box at row {r}, column {c} is closed:\n{}",
                    screen.contents()
                );
                for y in r + 1..bottom {
                    for x in [c, right] {
                        assert!(
                            matches!(at(y, x).as_str(), "│" | "├" | "┤" | "┼"),
                            "the side of the box at row {r}, column {c} is broken at row {y}, column {x} ({:?}):\n{}",
                            at(y, x),
                            screen.contents()
                        );
                    }
                }
                boxes += 1;
            }
        }
        assert_eq!(boxes > 0, boxed, "boxes on screen:\n{}", screen.contents());
        if !boxed {
            // The divider between the list and the chart: one column, down to the detail.
            let divider = (0..COLS)
                .find(|&c| at(1, c) == "│")
                .unwrap_or_else(|| panic!("the list has a divider:\n{}", screen.contents()));
            let detail = (2..ROWS)
                .find(|&r| at(r, 0) == "─")
                .unwrap_or_else(|| panic!("the detail has its rule:\n{}", screen.contents()));
            for r in 1..detail {
                assert_eq!(
                    at(r, divider),
                    "│",
                    "row {r} keeps the divider in column {divider}:\n{}",
                    screen.contents()
                );
            }
        }
    }
}

impl Console {
    /// No row would run past the right edge on a terminal that draws each code point of a
    /// cluster on its own (a ZWJ family as four faces, a flag as two letters): what `fit`
    /// promises, whatever the terminal.
    fn assert_rows_fit_any_terminal(&self) {
        use unicode_width::UnicodeWidthChar;
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        for r in 0..ROWS {
            let mut widest = 0;
            for c in 0..COLS {
                let Some(cell) = screen.cell(r, c) else {
                    continue;
                };
                if cell.is_wide_continuation() {
                    continue;
                }
                let drawn = if cell.is_wide() { 2 } else { 1 };
                let apart: usize = cell
                    .contents()
                    .chars()
                    .map(|ch| match ch {
                        '\u{200d}' | '\u{fe0f}' => 0,
                        '\u{1f1e6}'..='\u{1f1ff}' => 2,
                        _ => ch.width().unwrap_or(0),
                    })
                    .sum();
                widest += drawn.max(apart);
            }
            assert!(
                widest <= COLS as usize,
                "row {r} is {widest} columns wide on a terminal that draws code points apart:\n{}",
                screen.contents()
            );
        }
    }
}

/// The console started against `platform`, the list drawn.
fn started(platform_url: &str) -> Console {
    let console = Console::start(platform_url);
    console.wait_for("the deployments with their hostile labels", |c| {
        let screen = c.contents();
        c.row(0).contains("v42:") && screen.contains("v41:") && screen.contains("rollback")
    });
    console
}

fn quit(mut console: Console) -> Console {
    console.press("q");
    console.wait_exit();
    let bytes = console.bytes.lock().unwrap().clone();
    let last = |needle: &[u8]| bytes.windows(needle.len()).rposition(|w| w == needle);
    let entered = last(b"\x1b[?1049h").expect("the alternate screen was entered");
    let left = last(b"\x1b[?1049l").expect("the alternate screen was left");
    assert!(left > entered, "the alternate screen was left");
    {
        let parser = console.screen.lock().unwrap();
        assert!(!parser.screen().alternate_screen());
        assert!(!parser.screen().hide_cursor());
    }
    let termios = console.master.get_termios().expect("the pty's modes");
    assert!(
        termios
            .local_flags
            .contains(nix::sys::termios::LocalFlags::ICANON | nix::sys::termios::LocalFlags::ECHO),
        "raw mode is off"
    );
    let raw = String::from_utf8_lossy(&bytes);
    assert!(!raw.contains("panicked"), "no panic:\n{raw}");
    console
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_writes_only_its_own_bytes() {
    let platform = Platform::start().await;
    let url = platform.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut console = started(&url);
        console.assert_only_own_bytes();
        // Walk the list, open the details, help and the rollback confirmation: each shows
        // more of the platform's text.
        for keys in ["j", "j", "\r", "\x1b", "?", "\x1b", "j", "r"] {
            console.press(keys);
            // A lone Esc is read as Esc only when nothing follows it at once.
            std::thread::sleep(Duration::from_millis(300));
            console.assert_only_own_bytes();
        }
        console.press("\x1b");
        std::thread::sleep(Duration::from_millis(300));
        let console = quit(console);
        console.assert_only_own_bytes();
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_layout_holds_with_hostile_labels() {
    let platform = Platform::start().await;
    let url = platform.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut console = started(&url);
        console.assert_layout("v42:", false);
        for keys in ["j", "j", "j"] {
            console.press(keys);
            std::thread::sleep(Duration::from_millis(300));
            console.assert_layout("v42:", false);
        }
        // The rollback confirmation: a box full of the platform's words.
        console.press("r");
        console.wait_for("the confirmation", |c| {
            c.contents().contains("Type production")
        });
        console.assert_layout("", true);
        console.press("\x1b");
        std::thread::sleep(Duration::from_millis(300));
        quit(console);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_quoted_back_never_reaches_the_screen_or_the_log() {
    let platform = Platform::start().await;
    platform.set_mode(Mode::EchoAuthorization(401));
    let url = platform.url.clone();
    tokio::task::spawn_blocking(move || {
        let console = Console::start(&url);
        console.wait_for("the refusal on screen", |c| {
            let screen = c.contents();
            screen.contains("refused") || screen.contains("token") || screen.contains("401")
        });
        std::thread::sleep(Duration::from_millis(500));
        let console = quit(console);
        let bytes = String::from_utf8_lossy(&console.bytes.lock().unwrap()).into_owned();
        assert!(
            !bytes.contains(CANARY),
            "the screen showed the token:\n{}",
            console.contents()
        );
        let mut files = Vec::new();
        let mut stack = vec![console.home.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                if entry.path().is_dir() {
                    stack.push(entry.path());
                } else {
                    files.push(entry.path());
                }
            }
        }
        for file in files {
            let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
            assert!(
                !text.contains(CANARY),
                "{} holds the token:\n{text:.4000}",
                file.display()
            );
        }
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_fit_on_terminals_that_draw_clusters_apart() {
    let platform = Platform::start().await;
    let url = platform.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut console = started(&url);
        console.assert_rows_fit_any_terminal();
        for keys in ["j", "j", "j", "j", "j"] {
            console.press(keys);
            std::thread::sleep(Duration::from_millis(300));
            console.assert_rows_fit_any_terminal();
        }
        quit(console);
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multi_byte_commit_shas_keep_the_console_up() {
    let platform = Platform::start_with(true, false).await;
    let url = platform.url.clone();
    tokio::task::spawn_blocking(move || {
        let mut console = started(&url);
        console.press("j");
        std::thread::sleep(Duration::from_millis(300));
        console.assert_only_own_bytes();
        console.assert_layout("v42:", false);
        quit(console);
    })
    .await
    .unwrap();
}
