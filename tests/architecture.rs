//! The module boundary, checked on the source: the engine (`domain/`, `backend/`, the poller)
//! never imports the screen (ratatui, crossterm), and the screen (`ui/`) never talks to the
//! network (reqwest).

use std::path::{Path, PathBuf};

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(path) {
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                files.extend(rust_files(&p));
            } else if p.extension().is_some_and(|e| e == "rs") {
                files.push(p);
            }
        }
    }
    files
}

/// Lines of `source` that name one of `crates` as a path (`use ratatui::…`, `ratatui::x`,
/// `extern crate`), ignoring comments.
fn offending_lines(source: &str, crates: &[&str]) -> Vec<String> {
    source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .filter(|code| {
            crates.iter().any(|c| {
                code.contains(&format!("{c}::"))
                    || code.contains(&format!("extern crate {c}"))
                    || code.contains(&format!("{{{c}"))
            })
        })
        .map(|l| l.trim().to_owned())
        .collect()
}

fn violations(roots: &[&str], crates: &[&str]) -> Vec<String> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    for root in roots {
        for file in rust_files(&base.join(root)) {
            let source = std::fs::read_to_string(&file).unwrap();
            for line in offending_lines(&source, crates) {
                found.push(format!("{}: {line}", file.display()));
            }
        }
    }
    found
}

#[test]
fn the_engine_never_imports_the_screen() {
    let roots = ["domain", "backend", "poller.rs", "poller"];
    assert!(
        roots.iter().any(|r| Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join(r)
            .exists()),
        "the engine's sources are where this test looks"
    );
    let found = violations(&roots, &["ratatui", "crossterm", "ratatui_textarea"]);
    assert!(
        found.is_empty(),
        "the engine imports the screen:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_screen_never_talks_to_the_network() {
    let found = violations(&["ui"], &["reqwest", "hyper"]);
    assert!(
        found.is_empty(),
        "ui/ imports the network:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_sees_the_forms_an_import_takes() {
    let crates = ["ratatui", "crossterm"];
    assert_eq!(
        offending_lines("use ratatui::widgets::Paragraph;", &crates).len(),
        1
    );
    assert_eq!(
        offending_lines("    let s = ratatui::style::Style::new();", &crates).len(),
        1
    );
    assert_eq!(offending_lines("use {crossterm, std};", &crates).len(), 1);
    assert_eq!(
        offending_lines("// ratatui:: is not used here", &crates).len(),
        0
    );
    assert_eq!(offending_lines("use std::fmt;", &crates).len(), 0);
}
