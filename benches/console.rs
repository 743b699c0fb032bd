//! The console's hot paths: drawing the main screen (through the terminal, and the view
//! alone) and handling a key, for lists of 1k, 10k and 100k deployments. All must cost the
//! same whatever the list length (only the rows on screen are touched).

mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use std::hint::black_box;
use std::time::{Duration, Instant};
use switchback::app::{Msg, State, update};
use switchback::config::keys::{KeyCode, KeyPress};
use switchback::theme::Theme;

const WIDTH: u16 = 120;
const HEIGHT: u16 = 40;

fn render(c: &mut Criterion) {
    let theme = Theme::default();
    let mut group = c.benchmark_group("render_120x40");
    for count in support::sizes(&[1_000, 10_000, 100_000]) {
        let state = support::console(count, WIDTH, HEIGHT);
        let mut terminal = Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("terminal");
        group.bench_with_input(BenchmarkId::from_parameter(count), &state, |b, state| {
            b.iter(|| {
                terminal
                    .draw(|frame| switchback::ui::render(frame, black_box(state), &theme))
                    .expect("draw");
            })
        });
    }
    group.finish();
}

/// The view alone: `ui::draw` into a blank buffer, without the terminal's diff and flush.
/// The buffer is reused and cleared outside the measured time, as the terminal reuses its
/// own.
fn view(c: &mut Criterion) {
    let theme = Theme::default();
    let area = Rect::new(0, 0, WIDTH, HEIGHT);
    let mut buffer = Buffer::empty(area);
    let mut group = c.benchmark_group("view_120x40");
    for count in support::sizes(&[1_000, 10_000, 100_000]) {
        let state = support::console(count, WIDTH, HEIGHT);
        group.bench_with_input(BenchmarkId::from_parameter(count), &state, |b, state| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    buffer.reset();
                    let start = Instant::now();
                    switchback::ui::draw(&mut buffer, area, black_box(state), &theme);
                    total += start.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyPress::plain(code))
}

/// Puts the selection back on the first row, outside the measured time.
fn to_top(state: &mut State) {
    let rows = state.list_rows;
    state
        .view
        .list
        .move_by(-(state.view.list.len() as i64), rows);
}

/// `iters` presses of `code`, each from the top of the list, timing only `update`.
fn presses(state: &mut State, code: KeyCode, iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        to_top(state);
        let start = Instant::now();
        black_box(update(state, key(code)));
        total += start.elapsed();
    }
    total
}

fn keys(c: &mut Criterion) {
    let mut group = c.benchmark_group("update_key");
    for count in support::sizes(&[10_000, 100_000]) {
        let mut state = support::console(count, WIDTH, HEIGHT);
        for (name, code) in [
            ("j", KeyCode::Char('j')),
            ("PgDn", KeyCode::PageDown),
            ("G", KeyCode::Char('G')),
        ] {
            group.bench_function(BenchmarkId::new(name, count), |b| {
                b.iter_custom(|iters| presses(&mut state, code, iters))
            });
            to_top(&mut state);
            update(&mut state, key(code));
            assert_ne!(
                state.view.list.selected_position(),
                0,
                "{name} moves the selection"
            );
        }
    }
    group.finish();
}

criterion_group!(benches, render, view, keys);
criterion_main!(benches);
