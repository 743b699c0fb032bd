//! The loop: read keys, signals, poll results and answers; update; draw only when dirty.

use super::{Setup, terminal};
use crate::app::command::Command;
use crate::app::msg::Msg;
use crate::app::state::{Settings, State};
use crate::app::{effects, update};
use crate::backend::Platform;
use crate::clock::SharedClock;
use crate::config::keys::{KeyCode, KeyPress, Keymap};
use crate::poller::{self, PollOptions, PollerHandle, TokioClock};
use crate::theme::{Theme, ThemeSource};
use color_eyre::eyre::WrapErr;
use ratatui::crossterm::event::{self, Event, KeyEventKind, KeyModifiers, MouseEventKind};
use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

/// Set, the console panics right after its first frame: shows (and tests) that a panic
/// restores the terminal before the report prints.
pub const PANIC_VAR: &str = "SWITCHBACK_PANIC_AFTER_DRAW";

/// A pause before fetching the detail of a new selection, so holding `j` over a long list
/// does not send a request per row.
const DETAIL_DEBOUNCE: Duration = Duration::from_millis(120);

pub async fn run(setup: Setup) -> color_eyre::Result<super::Ended> {
    // Fatal problems are found before the terminal is touched, so they print plainly.
    let keymap = Keymap::build(&setup.config.keys).wrap_err("the [keys] table in the config")?;
    let source = ThemeSource {
        user_dir: directories::ProjectDirs::from("dev", "switchback", "switchback")
            .map(|d| d.config_dir().join("themes")),
    };
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = Theme::choose(
        setup.theme.as_deref(),
        setup.config.theme.as_deref(),
        no_color,
        &source,
    )
    .map_err(|error| super::theme_problem::describe(&error, &setup, &source))?;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(super::StartProblem(
            "the console needs a terminal; for scripts use `switchback list`, `switchback rollback`, ..."
                .to_owned(),
        )
        .into());
    }
    let mut signals = Signals::new().wrap_err("listening for signals")?;
    let clock: SharedClock = Arc::new(TokioClock::starting_at(chrono::Utc::now()));
    let backend = setup.backend.clone();
    let mut state = State::new(
        setup.backend_name.clone(),
        backend.capabilities(),
        Settings::from_config(&setup.config),
        keymap,
        backend.now(),
    );
    state.real_now = clock.now();
    state.connection = crate::poller::Freshness::new(state.real_now);
    state.settings.local_offset = *chrono::Local::now().offset();

    let mut term =
        terminal::enter(setup.config.console.mouse).wrap_err("preparing the terminal")?;
    let _guard = terminal::Guard;
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    spawn_input_reader(tx.clone());
    let (poll_tx, mut poll_rx) = mpsc::unbounded_channel();
    let poller = poller::spawn(
        backend.clone(),
        clock.clone(),
        PollOptions::default(),
        poll_tx,
    );
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut detail_task: Option<tokio::task::AbortHandle> = None;

    let panic_on_purpose = std::env::var_os(PANIC_VAR).is_some();
    let size = term.size().wrap_err("reading the terminal size")?;
    let mut pending = update(&mut state, super::resized(size.width, size.height));
    // A fast platform answers within milliseconds: the first frame then shows the data at
    // once, instead of a "loading" screen repainted a moment later.
    let first_frame_by = tokio::time::Instant::now() + FIRST_FRAME_GRACE;
    let mut drawn = false;
    loop {
        for command in pending.drain(..) {
            if execute(command, &backend, &poller, &tx, &mut detail_task) {
                state.quit = true;
            }
        }
        if state.quit {
            break;
        }
        let first_frame_ready = drawn
            || state.view.list.is_loaded()
            || state.unreachable().is_some()
            || tokio::time::Instant::now() >= first_frame_by;
        if state.dirty && first_frame_ready {
            let size = term
                .draw(|frame| crate::ui::render(frame, &state, &theme))
                .wrap_err("drawing the screen")?
                .area;
            state.dirty = false;
            drawn = true;
            // What the frame could not show bounds the scrolls; a change is news to the
            // model, not a reason to draw.
            if let crate::app::Msg::Measured {
                detail_hidden,
                overlay_hidden,
            } = super::measured(&state, size.width, size.height, &theme)
                && (detail_hidden, overlay_hidden) != (state.detail_hidden, state.overlay_hidden)
            {
                pending.extend(update(
                    &mut state,
                    crate::app::Msg::Measured {
                        detail_hidden,
                        overlay_hidden,
                    },
                ));
            }
            if panic_on_purpose {
                panic!("{PANIC_VAR} is set: panicking on purpose after the first frame");
            }
        }
        let msg = tokio::select! {
            Some(msg) = rx.recv() => msg,
            Some(event) = poll_rx.recv() => Msg::Poll(event),
            _ = tick.tick() => Msg::Tick { now: backend.now(), real: clock.now() },
            name = signals.next() => Msg::Signal(name),
            _ = tokio::time::sleep_until(first_frame_by), if !drawn => continue,
        };
        pending.extend(handle(&mut state, msg));
        // Whatever else is already waiting is taken in before the next frame: at start the
        // projects, environments and deployments arrive within a millisecond of each other
        // and make one frame, not four.
        for _ in 0..COALESCE_MAX {
            if state.quit || pending.iter().any(|c| matches!(c, Command::Quit)) {
                break;
            }
            let next = match rx.try_recv() {
                Ok(msg) => msg,
                Err(_) => match poll_rx.try_recv() {
                    Ok(event) => Msg::Poll(event),
                    Err(_) => break,
                },
            };
            pending.extend(handle(&mut state, next));
        }
    }
    drop(poller);
    if let Some(task) = detail_task {
        task.abort();
    }
    terminal::restore();
    let stopped = backend.shutdown().await;
    let ended = super::Ended {
        stopped,
        in_flight: state.active.as_ref().map(|active| super::InFlight {
            id: active.id.clone(),
            env: active.env.clone(),
        }),
    };
    // The process ends next: freeing a long list and a large platform model (the demo's
    // 100k deployments) would take longer than everything else on the way out, so both are
    // left to the exit.
    std::mem::forget(state);
    std::mem::forget(backend);
    Ok(ended)
}

/// The longest the first frame waits for the deployments before it shows "loading".
const FIRST_FRAME_GRACE: Duration = Duration::from_millis(100);

/// Messages taken in at most between two frames, so a flood cannot hold the screen still.
const COALESCE_MAX: usize = 64;

/// One message into the state, traced when it changed the screen.
fn handle(state: &mut State, msg: Msg) -> Vec<Command> {
    let (name, resource) = match &msg {
        Msg::Poll(event) => (msg.name(), Some(event.resource.clone())),
        other => (other.name(), None),
    };
    let was_dirty = state.dirty;
    let commands = update(state, msg);
    if state.dirty && !was_dirty {
        tracing::trace!(msg = name, resource = ?resource, "screen changed");
    }
    commands
}

/// Carries out one command; returns true to quit.
fn execute(
    command: Command,
    backend: &Platform,
    poller: &PollerHandle,
    tx: &mpsc::UnboundedSender<Msg>,
    detail_task: &mut Option<tokio::task::AbortHandle>,
) -> bool {
    match command {
        Command::Quit => return true,
        Command::SetPollTargets(targets) => poller.set_targets(targets),
        Command::PollNow(resources) => poller.poll_now(resources),
        command @ Command::FetchDetail { .. } => {
            if let Some(previous) = detail_task.take() {
                previous.abort();
            }
            let (backend, tx) = (backend.clone(), tx.clone());
            let task = tokio::spawn(async move {
                tokio::time::sleep(DETAIL_DEBOUNCE).await;
                if let Some(msg) = effects::execute(&backend, command).await {
                    let _ = tx.send(msg);
                }
            });
            *detail_task = Some(task.abort_handle());
            tokio::spawn(async move {
                if let Err(error) = task.await
                    && error.is_panic()
                {
                    tracing::error!(%error, "fetching the detail panicked");
                }
            });
        }
        command => {
            let (backend, tx) = (backend.clone(), tx.clone());
            tokio::spawn(async move {
                if let Some(msg) = effects::execute(&backend, command).await {
                    let _ = tx.send(msg);
                }
            });
        }
    }
    false
}

struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    async fn next(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.hup.recv() => "SIGHUP",
            _ = self.int.recv() => "SIGINT",
        }
    }
}

/// Terminal events are read on a plain thread (crossterm's reader blocks) and sent on.
fn spawn_input_reader(tx: mpsc::UnboundedSender<Msg>) {
    std::thread::Builder::new()
        .name("input".to_owned())
        .spawn(move || {
            while let Ok(event) = event::read() {
                if let Some(msg) = to_msg(event)
                    && tx.send(msg).is_err()
                {
                    break;
                }
            }
        })
        .expect("spawning the input thread");
}

fn to_msg(event: Event) -> Option<Msg> {
    use ratatui::crossterm::event::KeyCode as K;
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => {
            let code = match key.code {
                K::Char(c) => KeyCode::Char(c),
                K::Enter => KeyCode::Enter,
                K::Esc => KeyCode::Esc,
                K::Tab => KeyCode::Tab,
                K::BackTab => KeyCode::BackTab,
                K::Backspace => KeyCode::Backspace,
                K::Delete => KeyCode::Delete,
                K::Up => KeyCode::Up,
                K::Down => KeyCode::Down,
                K::Left => KeyCode::Left,
                K::Right => KeyCode::Right,
                K::Home => KeyCode::Home,
                K::End => KeyCode::End,
                K::PageUp => KeyCode::PageUp,
                K::PageDown => KeyCode::PageDown,
                K::F(n) => KeyCode::F(n),
                _ => return None,
            };
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            let code = match code {
                KeyCode::Char(c) if ctrl => KeyCode::Char(c.to_ascii_lowercase()),
                other => other,
            };
            Some(Msg::Key(KeyPress {
                code,
                ctrl,
                alt: key.modifiers.contains(KeyModifiers::ALT),
            }))
        }
        Event::Resize(width, height) => Some(super::resized(width, height)),
        Event::Paste(text) => Some(Msg::Paste(text)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::ScrollDown => Some(Msg::Key(KeyPress::plain(KeyCode::Down))),
            MouseEventKind::ScrollUp => Some(Msg::Key(KeyPress::plain(KeyCode::Up))),
            _ => None,
        },
        _ => None,
    }
}
