//! Checks on values that parse but make no sense together.

use super::locate::KeyPath;
use super::{BackendConfig, Config};
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
        match backend {
            BackendConfig::Demo(demo) => {
                if !(demo.speed.is_finite() && demo.speed > 0.0) {
                    return Err(invalid(
                        entry.key("speed"),
                        format!("{} is not a positive number", demo.speed),
                    ));
                }
                if demo.scenario.trim().is_empty() {
                    return Err(invalid(
                        entry.key("scenario"),
                        "name a scenario (e.g. `bad-deploy`)",
                    ));
                }
            }
            BackendConfig::Http(http) => {
                let url_ok = reqwest::Url::parse(&http.url)
                    .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.has_host());
                if !url_ok {
                    return Err(invalid(
                        entry.key("url"),
                        format!(
                            "{:?} is not an http(s) URL (e.g. \"http://127.0.0.1:7878\")",
                            http.url
                        ),
                    ));
                }
                for (key, value) in [
                    ("connect-timeout", http.connect_timeout),
                    ("request-timeout", http.request_timeout),
                ] {
                    if value.is_zero() {
                        return Err(invalid(
                            entry.key(key),
                            "must be longer than zero (e.g. \"3s\")",
                        ));
                    }
                }
            }
            BackendConfig::Unkey(unkey) => {
                if let Some((key, message)) = unkey.problem() {
                    return Err(invalid(entry.key(key), message));
                }
            }
            BackendConfig::Kubernetes(k8s) => {
                if let Some(i) = k8s.namespaces.iter().position(|n| n.trim().is_empty()) {
                    return Err(invalid(
                        entry.key("namespaces").index(i),
                        "a namespace needs a name",
                    ));
                }
                if k8s.selector.as_deref().is_some_and(|s| s.trim().is_empty()) {
                    return Err(invalid(
                        entry.key("selector"),
                        "leave `selector` out, or give a label selector such as `team=web`",
                    ));
                }
            }
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
