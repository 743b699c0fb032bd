//! `[metrics]` as documented and as the binary reads it.

use switchback::metrics::PrometheusConfig;

/// The README's example is the real defaults, and every template in it is accepted.
#[test]
fn the_documented_config_is_the_default_and_every_example_parses() {
    use switchback::metrics::{MetricsConfig, Template};
    let readme = include_str!("../../README.md");
    let start = readme
        .find("## Error rates from Prometheus")
        .expect("the README has a Prometheus section");
    let section = &readme[start..];
    let doc = section[3..]
        .find("\n## ")
        .map_or(section, |end| &section[..end + 3]);
    let blocks: Vec<&str> = doc
        .split("```toml\n")
        .skip(1)
        .map(|rest| rest.split("```").next().unwrap())
        .collect();
    assert!(blocks.len() >= 2);
    let config: switchback::config::Config = toml::from_str(blocks[0]).unwrap();
    let Some(MetricsConfig::Prometheus(shown)) = config.metrics else {
        panic!("the example has a [metrics] table")
    };
    assert_eq!(
        shown,
        PrometheusConfig {
            token_env: Some("PROM_TOKEN".into()),
            ..PrometheusConfig::default()
        }
    );
    for line in blocks[1..].iter().flat_map(|b| b.lines()) {
        if let Some((_, value)) = line.split_once(" = ") {
            let value: toml::Value = toml::from_str(&format!("v = {value}")).unwrap();
            let source = value["v"].as_str().unwrap();
            Template::parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        }
    }
}

/// The commented `[metrics]` section of config.example.toml, uncommented, is the defaults.
#[test]
fn the_example_config_metrics_section_is_the_default() {
    use switchback::metrics::MetricsConfig;
    let example = include_str!("../../config.example.toml");
    let section = example
        .split_once("# [metrics]")
        .map(|(_, rest)| rest)
        .expect("config.example.toml documents [metrics]");
    let mut uncommented = String::from("[metrics]\n");
    // Up to the next section, should one follow.
    let section_lines = section
        .lines()
        .take_while(|line| !line.starts_with("# ---") && !line.starts_with('['));
    for line in section_lines {
        let Some(line) = line.strip_prefix("# ") else {
            continue;
        };
        let is_key = line
            .split_once(" = ")
            .is_some_and(|(key, _)| key.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        if is_key {
            uncommented.push_str(line);
            uncommented.push('\n');
        }
    }
    let config: switchback::config::Config = toml::from_str(&uncommented).unwrap();
    assert_eq!(
        config.metrics,
        Some(MetricsConfig::Prometheus(PrometheusConfig {
            token_env: Some("PROM_TOKEN".into()),
            ..PrometheusConfig::default()
        })),
        "{uncommented}"
    );
}

/// The real binary refuses a bad `[metrics]` at start, naming the key, before any call.
#[test]
fn a_bad_metrics_table_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[metrics]\nkind = \"prometheus\"\nerror-rate = 'x{a=\"{env}\"}'\n",
    )
    .unwrap();
    let output = assert_cmd::Command::cargo_bin("switchback")
        .unwrap()
        .arg("--config")
        .arg(&path)
        .arg("status")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("[metrics] error-rate: unknown placeholder {env}"),
        "{stderr}"
    );
}
