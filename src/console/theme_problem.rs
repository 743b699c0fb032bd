//! A theme that cannot be used is a config (or usage) error like the others: where it was
//! named, what is wrong, and the choices; never a program's report.

use super::{Setup, StartProblem};
use crate::theme::{ThemeError, ThemeSource};

/// The problem in the product's words: `config error: FILE:LINE:COL: unknown theme …`.
pub(super) fn describe(error: &ThemeError, setup: &Setup, source: &ThemeSource) -> StartProblem {
    let choices = source
        .names()
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let problem = match error {
        ThemeError::NotFound { name } => {
            format!("unknown theme `{name}` (choose one of {choices})")
        }
        ThemeError::Parse { path, message } => {
            return StartProblem(format!("config error: {path}:{message}"));
        }
        other => other.to_string(),
    };
    if setup.theme.is_some() {
        return StartProblem(format!("--theme: {problem}"));
    }
    let place = setup
        .config_path
        .as_ref()
        .and_then(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let (line, column) = crate::config::key_position(&text, "theme")?;
            Some(format!("{}:{line}:{column}: ", path.display()))
        })
        .unwrap_or_default();
    StartProblem(format!("config error: {place}{problem} in `theme`"))
}
