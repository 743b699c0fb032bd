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

/// `crate::` paths in `source` that start with one of `modules` (`backend::http` matches
/// `use crate::backend::http::X`, `crate::backend::http;`, `use crate::backend::{http, …}`
/// and `use crate::{backend::http, …}`), ignoring comments.
fn crate_imports(source: &str, modules: &[&str]) -> Vec<String> {
    let code: String = source
        .lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let path_and_more = &rest[at + "crate::".len()..];
        for path in expand(path_and_more) {
            if modules.iter().any(|m| {
                path == *m
                    || path
                        .strip_prefix(m)
                        .is_some_and(|tail| tail.starts_with("::"))
            }) {
                found.push(format!("crate::{path}"));
            }
        }
        rest = path_and_more;
    }
    found
}

/// The paths a `use` tree at the start of `text` names: `a::{b, c::d}` → `a::b`, `a::c::d`.
fn expand(text: &str) -> Vec<String> {
    let text = text.trim_start();
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    let (head, tail) = text.split_at(end);
    if !tail.starts_with('{') || !(head.is_empty() || head.ends_with("::")) {
        return vec![head.trim_end_matches("::").to_owned()];
    }
    // The braced group, up to its matching close.
    let mut depth = 0;
    let mut items = Vec::new();
    let mut start = 1;
    for (i, c) in tail.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 1 => {
                items.push(&tail[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 1 => {
                items.push(&tail[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .flat_map(expand)
        .map(|inner| format!("{head}{inner}"))
        .collect()
}

/// Every import of `modules` in the files under `root` (relative to `src/`).
fn crate_violations(root: &str, modules: &[&str]) -> Vec<String> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = Vec::new();
    assert!(
        base.join(root).exists(),
        "src/{root} is where this test looks"
    );
    for file in rust_files(&base.join(root)) {
        let source = std::fs::read_to_string(&file).unwrap();
        for import in crate_imports(&source, modules) {
            found.push(format!("{}: {import}", file.display()));
        }
    }
    found
}

/// Backend kinds are known to the rest through `backend::registry` only; the adapters know
/// nothing of the config file or of Prometheus; the metrics know no adapter's ids.
#[test]
fn config_backend_and_metrics_import_each_other_only_through_the_registry() {
    let adapters = [
        "backend::demo",
        "backend::http",
        "backend::unkey",
        "backend::kubernetes",
    ];
    let rules: [(&str, &[&str]); 3] = [
        ("config", &adapters),
        ("backend", &["config", "metrics"]),
        ("metrics", &["backend::kubernetes"]),
    ];
    let mut found = Vec::new();
    for (root, modules) in rules {
        found.extend(crate_violations(root, modules));
    }
    assert!(
        found.is_empty(),
        "an import across the registry's boundary:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_crate_import_scanner_sees_every_form() {
    let modules = ["backend::http", "config"];
    let seen = |source: &str| crate_imports(source, &modules);
    assert_eq!(
        seen("use crate::backend::http::HttpBackendConfig;"),
        ["crate::backend::http::HttpBackendConfig"]
    );
    assert_eq!(seen("use crate::backend::http;"), ["crate::backend::http"]);
    assert_eq!(
        seen("use crate::backend::{Backend, http::HttpBackend};"),
        ["crate::backend::http::HttpBackend"]
    );
    assert_eq!(
        seen("use crate::{\n    backend::{demo, http},\n    config::Config,\n};"),
        ["crate::backend::http", "crate::config::Config"]
    );
    assert_eq!(
        seen("    let c = crate::config::parse_str(text, path);"),
        ["crate::config::parse_str"]
    );
    assert_eq!(
        seen("use crate::backend::httpx::Other;\nuse crate::configure;"),
        Vec::<String>::new()
    );
    assert_eq!(
        seen("// use crate::backend::http::X;\nuse crate::backend::registry::BackendConfig;"),
        Vec::<String>::new()
    );
}

/// The engine serves every front end and knows none: nothing in it imports the console's
/// model, the screen, the terminal, the command line, the commands or the server.
#[test]
fn the_engine_imports_no_front_end() {
    let front_ends = ["app", "ui", "console", "cli", "commands", "serve"];
    let mut found = Vec::new();
    for root in [
        "domain",
        "backend",
        "operation",
        "poller",
        "metrics",
        "net",
        "clock.rs",
    ] {
        found.extend(crate_violations(root, &front_ends));
    }
    assert!(
        found.is_empty(),
        "the engine imports a front end:\n{}",
        found.join("\n")
    );
}

/// The console's model (`app`) never reaches into the view (`ui`) or the terminal
/// (`console`), and the commands never into the command line's parser (`cli`): each is told
/// what it needs.
#[test]
fn the_model_and_the_commands_stay_below_their_front_ends() {
    let mut found = crate_violations("app", &["ui", "console", "cli", "commands"]);
    found.extend(crate_violations(
        "commands",
        &["cli", "app", "ui", "console"],
    ));
    found.extend(crate_violations("ui", &["console", "cli", "commands"]));
    assert!(
        found.is_empty(),
        "a layer reaches upwards:\n{}",
        found.join("\n")
    );
}
