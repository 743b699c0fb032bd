//! The recorded answers of a real Temps v0.0.1 server, read at run time from
//! `../shared/observed` beside the repository. A test that needs them fails naming the file
//! when it is missing.

use serde_json::Value;
use std::path::PathBuf;
use std::sync::OnceLock;

pub const FILE: &str = "temps-v0.0.1-transcript.json";

/// One request and what the server answered.
#[derive(Clone, Debug)]
pub struct Entry {
    pub label: String,
    pub method: String,
    pub path: String,
    pub params: Value,
    /// `admin`, `reader`, `none`, or the bad key itself.
    pub auth: String,
    /// `None` when the server dropped the connection.
    pub status: Option<u16>,
    pub content_type: String,
    pub body: Value,
}

impl Entry {
    /// A request to the API (not one through Temps' proxy to the app).
    pub fn is_api(&self) -> bool {
        self.path.starts_with('/')
    }
}

/// A file under `shared/<dir>/` beside the repository (a worktree nested deeper finds it
/// further up); panics naming the file when it is missing.
pub fn shared_file(dir: &str, name: &str) -> PathBuf {
    let relative: PathBuf = ["shared", dir, name].iter().collect();
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .skip(1)
        .map(|d| d.join(&relative))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "{} is missing: the Temps tests need shared/{dir}/{name} beside the repository",
                manifest.join("..").join(&relative).display()
            )
        })
}

pub fn entries() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(|| {
        let path = shared_file("observed", FILE);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("read the Temps transcript {}: {e}", path.display()));
        let raw: Vec<Value> = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{FILE} is not the JSON list it should be: {e}"));
        raw.into_iter()
            .map(|e| Entry {
                label: e["label"].as_str().unwrap_or_default().to_owned(),
                method: e["method"].as_str().unwrap_or_default().to_owned(),
                path: e["path"].as_str().unwrap_or_default().to_owned(),
                params: e["params"].clone(),
                auth: e["auth"].as_str().unwrap_or("admin").to_owned(),
                status: e["status"].as_u64().map(|s| s as u16),
                content_type: e["content_type"].as_str().unwrap_or_default().to_owned(),
                body: e["body"].clone(),
            })
            .collect()
    })
}

/// The entry labelled `label`; panics naming it when the transcript has none.
pub fn entry(label: &str) -> &'static Entry {
    entries()
        .iter()
        .find(|e| e.label == label)
        .unwrap_or_else(|| panic!("{FILE} has no entry `{label}`"))
}

/// The body of the entry labelled `label`.
pub fn body(label: &str) -> Value {
    entry(label).body.clone()
}
