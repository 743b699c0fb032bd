//! The screen: a pure view of the state. No I/O, no clock reads, no globals.

mod chart;
mod confirm;
mod detail;
mod footer;
pub mod format;
mod header;
pub mod layout;
mod list;
mod overlay;

use crate::app::state::{Overlay, State};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

/// Draws the whole console for `state`.
pub fn render(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::new().style(theme.text), area);
    let Some(areas) = layout::areas(area) else {
        return too_small(frame, area, theme);
    };
    header::render(frame, areas.header, state, theme);
    list::render(frame, areas.list, areas.wide, state, theme);
    if let Some(chart) = areas.chart {
        chart::render(frame, chart, state, theme);
    }
    detail::render(frame, areas.detail, areas.chart.is_none(), state, theme);
    footer::render(frame, areas.footer, state, theme);
    match &state.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => overlay::help(frame, area, *scroll, state, theme),
        Overlay::OperationsLog { scroll } => {
            overlay::operations_log(frame, area, *scroll, state, theme)
        }
        Overlay::Details { scroll } => overlay::details(frame, area, *scroll, state, theme),
        Overlay::Picker(picker) => overlay::picker(frame, area, picker, theme),
        Overlay::Confirm(modal) => confirm::render(frame, area, modal, state, theme),
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = vec![
        Line::from(Span::styled("terminal too small", theme.warning)),
        Line::from(format!(
            "{}x{}, needs at least {}x{}",
            area.width,
            area.height,
            layout::MIN_WIDTH,
            layout::MIN_HEIGHT
        )),
        Line::from(Span::styled("q quits", theme.muted)),
    ];
    let rect = layout::centered(area, area.width, 3);
    frame.render_widget(
        Paragraph::new(text).centered().wrap(Wrap { trim: true }),
        rect,
    );
}

/// A bordered box over the screen, cleared underneath.
fn modal_block<'a>(
    frame: &mut Frame,
    rect: Rect,
    title: Line<'a>,
    theme: &Theme,
    border: Style,
) -> Rect {
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(title)
        .border_style(border)
        .style(theme.modal);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    inner
}
