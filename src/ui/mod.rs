//! The screen: a pure view of the state. No I/O, no clock reads, no globals.

mod chart;
mod confirm;
mod cut;
mod detail;
mod figure;
mod footer;
pub mod format;
mod header;
pub mod layout;
mod list;
pub mod message;
mod overlay;
mod plot;
mod text;

use crate::app::state::{Overlay, State};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget, Wrap};

/// Draws the whole console for `state` into the frame.
pub fn render(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    draw(frame.buffer_mut(), area, state, theme);
}

/// Draws the whole console for `state` into `area` of `buf`: the view without a terminal.
pub fn draw(buf: &mut Buffer, area: Rect, state: &State, theme: &Theme) {
    text::patch(buf, area, theme.text);
    let Some(areas) = layout::areas(area) else {
        return too_small(buf, area, theme);
    };
    header::render(buf, areas.header, state, theme);
    list::render(buf, areas.list, areas.wide, state, theme);
    if let Some(chart) = areas.chart {
        chart::render(buf, chart, state, theme);
    }
    detail::render(buf, areas.detail, areas.chart.is_none(), state, theme);
    footer::render(buf, areas.footer, state, theme);
    match &state.overlay {
        Overlay::None => {}
        Overlay::Help { scroll } => overlay::help(buf, area, *scroll, state, theme),
        Overlay::OperationsLog { selected, .. } => {
            overlay::operations_log(buf, area, *selected, state, theme)
        }
        Overlay::Entry { entry, scroll, .. } => {
            overlay::entry(buf, area, entry, *scroll, state, theme)
        }
        Overlay::Details { scroll } => overlay::details(buf, area, *scroll, state, theme),
        Overlay::Picker(picker) => overlay::picker(buf, area, picker, theme),
        Overlay::Confirm(modal) => confirm::render(buf, area, modal, state, theme),
    }
}

/// What a frame of `area` cannot show: rows of the detail pane and of the open overlay
/// below what fits. The console hands it to the model, which keeps scrolls within it.
pub fn measure(area: Rect, state: &State, theme: &Theme) -> (u16, u16) {
    let Some(areas) = layout::areas(area) else {
        return (0, 0);
    };
    (
        detail::hidden(areas.detail, areas.chart.is_none(), state, theme),
        overlay::hidden(area, state, theme),
    )
}

fn too_small(buf: &mut Buffer, area: Rect, theme: &Theme) {
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
    Paragraph::new(text)
        .centered()
        .wrap(Wrap { trim: true })
        .render(rect, buf);
}

/// A bordered box over the screen, cleared underneath.
fn modal_block<'a>(
    buf: &mut Buffer,
    rect: Rect,
    title: Line<'a>,
    theme: &Theme,
    border: Style,
) -> Rect {
    Clear.render(rect, buf);
    // The title may hold platform text (a label, an environment): drawn inert, and cut so
    // the corners stay.
    let title = cut::fit(title, usize::from(rect.width.saturating_sub(2)));
    let block = Block::bordered()
        .title(title)
        .border_style(border)
        .style(theme.modal);
    let inner = block.inner(rect);
    block.render(rect, buf);
    inner
}
