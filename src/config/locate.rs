//! Finding where a key or value sits in the config text, for error messages.

use std::fmt;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One step into the document: a table key or an array index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Where in the document, e.g. `backends[0].speed`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyPath(pub Vec<Segment>);

impl KeyPath {
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.0.push(Segment::Key(key.into()));
        self
    }

    pub fn index(mut self, index: usize) -> Self {
        self.0.push(Segment::Index(index));
        self
    }

    /// Appends a path inside a `[[backends]]` entry, as its kind reports it.
    pub fn extend(mut self, steps: Vec<crate::backend::registry::KeyStep>) -> Self {
        use crate::backend::registry::KeyStep;
        for step in steps {
            self.0.push(match step {
                KeyStep::Key(key) => Segment::Key(key),
                KeyStep::Index(index) => Segment::Index(index),
            });
        }
        self
    }

    /// Appends a serde path (as tracked by `serde_path_to_error`).
    pub fn extend_serde(mut self, path: &serde_path_to_error::Path) -> Self {
        use serde_path_to_error::Segment as S;
        for segment in path {
            match segment {
                S::Map { key } => self.0.push(Segment::Key(key.clone())),
                S::Seq { index } => self.0.push(Segment::Index(*index)),
                S::Enum { .. } | S::Unknown => {}
            }
        }
        self
    }

    pub fn last_key(&self) -> Option<&str> {
        match self.0.last() {
            Some(Segment::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// The path without its last key: the table the key lives in.
    pub fn parent(&self) -> KeyPath {
        let mut segments = self.0.clone();
        if matches!(segments.last(), Some(Segment::Key(_))) {
            segments.pop();
        }
        KeyPath(segments)
    }

    /// How the table this path names is written in the file: `[poll]`, `[[backends]]`.
    pub fn table_header(&self) -> String {
        let mut keys = Vec::new();
        let mut array_of_tables = false;
        for segment in &self.0 {
            match segment {
                Segment::Key(key) => {
                    keys.push(key.as_str());
                    array_of_tables = false;
                }
                Segment::Index(_) => array_of_tables = true,
            }
        }
        if keys.is_empty() {
            "the top level".to_owned()
        } else if array_of_tables {
            format!("[[{}]]", keys.join("."))
        } else {
            format!("[{}]", keys.join("."))
        }
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => write!(f, "{key}")?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// What to point at: the key itself (unknown keys) or its value (bad values).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Key,
    Value,
}

/// The byte range of the deepest part of `path` that exists in `doc`.
pub fn span_of(doc: &Spanned<DeTable<'_>>, path: &KeyPath, target: Target) -> Range<usize> {
    let mut best = doc.span();
    let mut value: Option<&Spanned<DeValue<'_>>> = None;
    let mut table = Some(doc.get_ref());
    for segment in &path.0 {
        match segment {
            Segment::Key(key) => {
                let Some((k, v)) = table.and_then(|t| t.get_key_value(key.as_str())) else {
                    return best;
                };
                best = k.span();
                value = Some(v);
            }
            Segment::Index(index) => {
                let Some(item) = value
                    .and_then(|v| v.get_ref().as_array())
                    .and_then(|a| a.get(*index))
                else {
                    return best;
                };
                best = item.span();
                value = Some(item);
            }
        }
        table = value.and_then(|v| v.get_ref().as_table());
    }
    match (target, value) {
        (Target::Value, Some(v)) if matches!(path.0.last(), Some(Segment::Key(_))) => v.span(),
        _ => best,
    }
}

/// 1-based line and column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Where a top-level key's value is in config text: line and column, 1-based. `None` when
/// the text does not parse or has no such key.
pub fn key_position(text: &str, key: &str) -> Option<(usize, usize)> {
    let doc = DeTable::parse(text).ok()?;
    doc.get_ref().get(key)?;
    let span = span_of(&doc, &KeyPath::default().key(key), Target::Value);
    Some(line_column(text, span.start))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, 9), (2, 4));
    }

    #[test]
    fn finds_keys_inside_arrays_of_tables() {
        let text = "[[backends]]\nname = \"a\"\n\n[[backends]]\nname = \"b\"\nspeed = 2\n";
        let doc = DeTable::parse(text).unwrap();
        let path = KeyPath::default().key("backends").index(1).key("speed");
        let span = span_of(&doc, &path, Target::Key);
        assert_eq!(line_column(text, span.start), (6, 1));
        let span = span_of(&doc, &path, Target::Value);
        assert_eq!(line_column(text, span.start), (6, 9));
        assert_eq!(path.parent().table_header(), "[[backends]]");
        assert_eq!(path.to_string(), "backends[1].speed");
    }
}
