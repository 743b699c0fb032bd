//! The terminal's lifecycle: raw mode and the alternate screen on the way in, and always
//! restored on the way out: on quit, on error, on panic (before the report prints) and on
//! SIGTERM, SIGHUP and SIGINT.

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, event, execute, terminal};
use std::io::{self, BufWriter, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Frames are collected whole and written with one `write` at the end of each draw (the
/// standard output's own buffer would split a 9 kB frame into nine writes of 1 kB): fewer
/// system calls, and over SSH a frame arrives in one piece instead of tearing.
pub type Term = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Larger than any frame at common sizes (a full 120x40 repaint is about 10 kB).
const FRAME_BUFFER: usize = 64 * 1024;

static ACTIVE: AtomicBool = AtomicBool::new(false);
static MOUSE: AtomicBool = AtomicBool::new(false);

/// Enters raw mode and the alternate screen; installs the panic hook that restores first.
pub fn enter(mouse: bool) -> io::Result<Term> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    MOUSE.store(mouse, Ordering::SeqCst);
    let mut stdout = io::stdout();
    execute!(
        stdout,
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste,
        cursor::Hide
    )?;
    if mouse {
        execute!(stdout, event::EnableMouseCapture)?;
    }
    Terminal::new(CrosstermBackend::new(BufWriter::with_capacity(
        FRAME_BUFFER,
        stdout,
    )))
}

/// Leaves the alternate screen, shows the cursor and turns raw mode off. Safe to call more
/// than once; only the first call after [`enter`] writes anything.
pub fn restore() {
    if !ACTIVE.swap(false, Ordering::SeqCst) {
        return;
    }
    let mut stdout = io::stdout();
    if MOUSE.load(Ordering::SeqCst) {
        let _ = execute!(stdout, event::DisableMouseCapture);
    }
    let _ = execute!(
        stdout,
        event::DisableBracketedPaste,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
    let _ = stdout.flush();
}

/// Restores the terminal before the previous hook (color-eyre's report) prints, so the report
/// lands on the normal screen, readable.
fn install_panic_hook() {
    static INSTALLED: AtomicBool = AtomicBool::new(false);
    if INSTALLED.swap(true, Ordering::SeqCst) {
        return;
    }
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

/// Restores on drop: the error path out of the loop.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}
