//! The shipped `config.example.toml` documents a Temps entry: uncommented, it loads, and the
//! values it shows are the real defaults.

use std::time::Duration;
use switchback::backend::registry::BackendConfig;
use switchback::backend::temps::TempsBackendConfig;

#[test]
fn the_examples_temps_entry_loads_and_shows_the_defaults() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text
        .find("# kind = \"temps\"")
        .expect("the example has a Temps entry");
    let entry: String = text[start..]
        .lines()
        .take_while(|l| l.starts_with("# ") && !l.starts_with("# ---"))
        .map(|l| format!("{}\n", l.trim_start_matches("# ")))
        .collect();
    let config: BackendConfig = toml::from_str(&entry).unwrap_or_else(|e| panic!("{e}\n{entry}"));
    assert_eq!(config.kind(), "temps");
    assert_eq!(config.validate(), Ok(()));
    let shown: TempsBackendConfig = toml::from_str(
        &entry
            .lines()
            .filter(|l| !l.starts_with("kind"))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let defaults: TempsBackendConfig =
        toml::from_str("name = \"temps\"\nbase-url = \"https://temps.example.com\"").unwrap();
    assert_eq!(shown.token_env, defaults.token_env);
    assert_eq!(shown.request_timeout, defaults.request_timeout);
    assert_eq!(shown.rollback_timeout, defaults.rollback_timeout);
    assert_eq!(defaults.rollback_timeout, Duration::from_secs(120));
    assert_eq!(shown.redeploy_timeout, defaults.redeploy_timeout);
}
