//! Where each panel goes at a given size, and the order in which panels give way.
//!
//! 1. Narrower than 80 columns: the error-rate chart gives way; its numbers move into the
//!    detail pane's title.
//! 2. Lower than 22 rows: the detail pane shrinks to three lines (the most important facts).
//! 3. Below 60x16: a `terminal too small` message instead of the console.
//!
//! From 120 columns the list shows commit subjects and the chart takes two fifths of the
//! width; taller than 34 rows the detail pane shows more lines.

use ratatui::layout::Rect;

pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    /// The deployments list, title row included.
    pub list: Rect,
    pub chart: Option<Rect>,
    /// The detail pane, title row included.
    pub detail: Rect,
    /// Key hints, toasts and the filter line.
    pub footer: Rect,
    /// The list shows extra columns.
    pub wide: bool,
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

fn detail_height(height: u16) -> u16 {
    match height {
        0..22 => 4,
        22..34 => 7,
        _ => 10,
    }
}

/// The areas for a screen; `None` when it is too small.
pub fn areas(area: Rect) -> Option<Areas> {
    if too_small(area) {
        return None;
    }
    let header = Rect::new(area.x, area.y, area.width, 1);
    let footer = Rect::new(area.x, area.bottom() - 1, area.width, 1);
    let detail_h = detail_height(area.height);
    let detail = Rect::new(area.x, footer.y - detail_h, area.width, detail_h);
    let body = Rect::new(
        area.x,
        header.bottom(),
        area.width,
        detail.y - header.bottom(),
    );
    let (list, chart) = if area.width < 80 {
        (body, None)
    } else {
        // From 120 columns the chart takes two fifths and the list the rest, so commit
        // subjects fit beside the authors.
        let chart_w = if area.width >= 120 {
            area.width * 2 / 5
        } else {
            32
        };
        let list = Rect::new(body.x, body.y, body.width - chart_w, body.height);
        let chart = Rect::new(list.right(), body.y, chart_w, body.height);
        (list, Some(chart))
    };
    Some(Areas {
        header,
        list,
        chart,
        detail,
        footer,
        wide: area.width >= 120,
    })
}

/// How many deployments the list shows at this size.
pub fn list_rows(width: u16, height: u16) -> usize {
    areas(Rect::new(0, 0, width, height))
        .map_or(1, |a| usize::from(a.list.height.saturating_sub(1)).max(1))
}

/// A centred rectangle of at most `width` x `height` inside `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_give_way_in_order() {
        let full = areas(Rect::new(0, 0, 80, 24)).unwrap();
        assert!(full.chart.is_some());
        assert_eq!(full.detail.height, 7);
        let narrow = areas(Rect::new(0, 0, 79, 24)).unwrap();
        assert!(narrow.chart.is_none());
        let low = areas(Rect::new(0, 0, 60, 16)).unwrap();
        assert_eq!(low.detail.height, 4);
        assert!(low.list.height >= 4);
        assert!(areas(Rect::new(0, 0, 59, 24)).is_none());
        assert!(areas(Rect::new(0, 0, 80, 15)).is_none());
    }

    #[test]
    fn every_size_from_tiny_to_huge_has_sane_areas() {
        for w in 0..200 {
            for h in (0..80).step_by(3) {
                if let Some(a) = areas(Rect::new(0, 0, w, h)) {
                    let screen = Rect::new(0, 0, w, h);
                    for r in [a.header, a.list, a.detail, a.footer] {
                        assert_eq!(r.intersection(screen), r, "{w}x{h}");
                    }
                }
            }
        }
    }
}
