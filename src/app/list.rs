//! The deployments list: items newest first, a filter, the selection and the scroll offset.
//!
//! Moving and drawing touch only the rows on screen; the full list is walked only when data
//! arrives or the filter text changes (and a narrowing filter walks only the previous matches).

use crate::domain::{Deployment, DeploymentId};
use std::collections::HashMap;

#[derive(Clone, Debug, Default)]
pub struct DeploymentList {
    items: Vec<Deployment>,
    index: HashMap<DeploymentId, usize>,
    filter: String,
    /// Positions in `items` that match the filter; `None` without a filter.
    view: Option<Vec<usize>>,
    /// Position in the view.
    selected: usize,
    /// First visible row.
    pub offset: usize,
    loaded: bool,
}

impl DeploymentList {
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    pub fn len(&self) -> usize {
        self.view.as_ref().map_or(self.items.len(), Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn total(&self) -> usize {
        self.items.len()
    }

    pub fn filter(&self) -> &str {
        &self.filter
    }

    /// The row at a view position.
    pub fn row(&self, position: usize) -> Option<&Deployment> {
        let index = match &self.view {
            Some(view) => *view.get(position)?,
            None => position,
        };
        self.items.get(index)
    }

    pub fn selected_position(&self) -> usize {
        self.selected
    }

    pub fn selected(&self) -> Option<&Deployment> {
        self.row(self.selected)
    }

    pub fn by_id(&self, id: &DeploymentId) -> Option<&Deployment> {
        self.index.get(id).and_then(|i| self.items.get(*i))
    }

    pub fn label_of<'a>(&'a self, id: &'a DeploymentId) -> &'a str {
        self.by_id(id).map_or(id.as_str(), |d| d.label.as_str())
    }

    /// Replaces the whole list, keeping the selection on the same deployment when it is
    /// still there. Returns whether anything changed.
    pub fn replace(&mut self, items: Vec<Deployment>) -> bool {
        if self.loaded && items == self.items {
            return false;
        }
        let keep = self.selected().map(|d| d.id.clone());
        self.items = items;
        self.loaded = true;
        self.reindex(keep);
        true
    }

    /// Merges a fresh first page into a longer list: the page replaces every row down to the
    /// page's oldest row; a page that does not reach any known row replaces everything.
    pub fn merge_head(&mut self, page: Vec<Deployment>) -> bool {
        let Some(last) = page.last() else {
            return self.replace(page);
        };
        match self.index.get(&last.id) {
            Some(&at) if self.items[..=at] == page[..] => false,
            Some(&at) => {
                let mut items = page;
                items.extend(self.items.drain(at + 1..));
                self.replace(items)
            }
            None => self.replace(page),
        }
    }

    fn reindex(&mut self, keep: Option<DeploymentId>) {
        self.index = self
            .items
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        self.view = (!self.filter.is_empty()).then(|| self.matching(0..self.items.len()));
        self.selected = keep
            .and_then(|id| self.position_of(&id))
            .unwrap_or(0)
            .min(self.len().saturating_sub(1));
    }

    fn matching(&self, candidates: impl Iterator<Item = usize>) -> Vec<usize> {
        let needle = self.filter.to_lowercase();
        candidates
            .filter(|&i| matches(&self.items[i], &needle))
            .collect()
    }

    /// Sets the filter text; narrowing walks only the previous matches.
    pub fn set_filter(&mut self, text: &str) {
        if text == self.filter {
            return;
        }
        let keep = self.selected().map(|d| d.id.clone());
        let narrowing =
            !self.filter.is_empty() && text.to_lowercase().starts_with(&self.filter.to_lowercase());
        self.filter = text.to_owned();
        self.view = if text.is_empty() {
            None
        } else if narrowing && let Some(previous) = self.view.take() {
            Some(self.matching(previous.into_iter()))
        } else {
            Some(self.matching(0..self.items.len()))
        };
        self.selected = keep
            .and_then(|id| self.position_of(&id))
            .unwrap_or(0)
            .min(self.len().saturating_sub(1));
        self.offset = 0;
    }

    fn position_of(&self, id: &DeploymentId) -> Option<usize> {
        let index = *self.index.get(id)?;
        match &self.view {
            None => Some(index),
            Some(view) => view.binary_search(&index).ok(),
        }
    }

    /// Selects a deployment, clearing a filter that hides it. Returns false when unknown.
    pub fn select_id(&mut self, id: &DeploymentId) -> bool {
        if self.position_of(id).is_none() && self.index.contains_key(id) {
            self.set_filter("");
        }
        match self.position_of(id) {
            Some(position) => {
                self.selected = position;
                true
            }
            None => false,
        }
    }

    /// Moves the selection by `delta` rows (clamped), keeping it within `rows` visible rows.
    pub fn move_by(&mut self, delta: i64, rows: usize) {
        let last = self.len().saturating_sub(1) as i64;
        self.selected = (self.selected as i64 + delta).clamp(0, last.max(0)) as usize;
        self.scroll_into_view(rows);
    }

    pub fn scroll_into_view(&mut self, rows: usize) {
        self.offset = visible_offset(self.offset, self.selected, rows, self.len());
    }
}

/// The first row to draw so that `selected` is visible within `rows` rows, and the rows
/// are filled when the list is long enough.
pub fn visible_offset(offset: usize, selected: usize, rows: usize, len: usize) -> usize {
    let rows = rows.max(1);
    offset
        .min(len.saturating_sub(rows))
        .clamp(selected.saturating_sub(rows - 1), selected)
}

fn matches(deployment: &Deployment, needle: &str) -> bool {
    deployment.label.to_lowercase().contains(needle)
        || deployment.commit.as_ref().is_some_and(|c| {
            c.sha.to_lowercase().starts_with(needle) || c.subject.to_lowercase().contains(needle)
        })
        || deployment
            .author
            .as_ref()
            .is_some_and(|a| a.to_lowercase().contains(needle))
}
