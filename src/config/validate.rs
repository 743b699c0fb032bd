//! Checks on values that parse but make no sense together. Each backend kind checks its
//! own entries; this adds where they are.

use super::Config;
use super::locate::KeyPath;
use std::collections::HashSet;

#[derive(Debug)]
pub(crate) struct Invalid {
    pub path: KeyPath,
    pub message: String,
}

fn invalid(path: KeyPath, message: impl Into<String>) -> Invalid {
    Invalid {
        path,
        message: message.into(),
    }
}

/// The first value that makes no sense, with where it is.
pub(crate) fn check(config: &Config) -> Result<(), Invalid> {
    let mut names = HashSet::new();
    for (index, backend) in config.backends.iter().enumerate() {
        let entry = KeyPath::default().key("backends").index(index);
        let name = backend.name();
        if name.trim().is_empty() {
            return Err(invalid(
                entry.key("name"),
                "a backend needs a non-empty name",
            ));
        }
        if !names.insert(name) {
            return Err(invalid(
                entry.key("name"),
                format!("two backends are named `{name}`; names must be unique"),
            ));
        }
        if let Err(problem) = backend.validate() {
            return Err(invalid(entry.extend(problem.path), problem.message));
        }
    }
    let threshold = config.console.error_threshold;
    if !(0.0..=1.0).contains(&threshold) {
        return Err(invalid(
            KeyPath::default().key("console").key("error-threshold"),
            format!("{threshold} is outside 0..1 (it is a fraction: 0.01 means 1%)"),
        ));
    }
    for (key, value) in [
        ("focused", config.poll.focused),
        ("others", config.poll.others),
        ("operation", config.poll.operation),
    ] {
        if value.is_zero() {
            return Err(invalid(
                KeyPath::default().key("poll").key(key),
                "must be longer than zero (e.g. \"2s\")",
            ));
        }
    }
    if let Err(error) = config.keys.validate() {
        let (action, index) = error.location();
        let mut path = KeyPath::default().key("keys").key(action);
        if let Some(index) = index {
            path = path.index(index);
        }
        return Err(invalid(path, error.to_string()));
    }
    Ok(())
}
