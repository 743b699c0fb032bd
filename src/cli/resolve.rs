//! From flags, environment and config file to the one backend this run uses.

use super::GlobalOptions;
use crate::backend::demo::DemoBackendConfig;
use crate::config::{self, BackendConfig, Config, ConfigError};
use crate::paths::Paths;
use std::path::PathBuf;

/// The environment variable naming a config file, between `--config` and the default.
pub const CONFIG_VAR: &str = "SWITCHBACK_CONFIG";

/// Where the config came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigSource {
    Flag,
    Env,
    Default,
}

impl ConfigSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Flag => "--config",
            Self::Env => CONFIG_VAR,
            Self::Default => "default",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigLocation {
    pub path: PathBuf,
    pub source: ConfigSource,
}

/// `--config`, then `SWITCHBACK_CONFIG`, then `config.toml` in the config directory.
pub fn locate_config(
    global: &GlobalOptions,
    env_value: Option<String>,
    paths: &Paths,
) -> ConfigLocation {
    if let Some(path) = &global.config {
        return ConfigLocation {
            path: path.clone(),
            source: ConfigSource::Flag,
        };
    }
    match env_value.filter(|v| !v.trim().is_empty()) {
        Some(path) => ConfigLocation {
            path: path.into(),
            source: ConfigSource::Env,
        },
        None => ConfigLocation {
            path: paths.config_file.clone(),
            source: ConfigSource::Default,
        },
    }
}

/// Reads the config. A missing default file means the defaults; a file named by
/// `--config` or `SWITCHBACK_CONFIG` must exist.
pub fn load_config(location: &ConfigLocation) -> Result<Config, ConfigError> {
    if location.source == ConfigSource::Default && !location.path.exists() {
        return Ok(Config::default());
    }
    config::load_file(&location.path)
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChooseError {
    #[error("no backend is named `{name}`; configured: {}", configured.join(", "))]
    UnknownBackend {
        name: String,
        configured: Vec<String>,
    },
    #[error("--backend {name}: no backends are configured (only the embedded demo is available)")]
    NothingConfigured { name: String },
    #[error("--speed applies to the demo only; backend `{name}` is of kind `{kind}`")]
    SpeedNotDemo { name: String, kind: String },
}

/// The backend entry to use: `--demo`/`--scenario` force the embedded demo; otherwise
/// `--backend NAME`, or the first configured, or the demo when none is configured.
pub fn choose_backend(
    config: &Config,
    global: &GlobalOptions,
) -> Result<BackendConfig, ChooseError> {
    let mut chosen = if global.demo || global.scenario.is_some() {
        BackendConfig::default_demo()
    } else if let Some(name) = &global.backend {
        if config.backends.is_empty() {
            return Err(ChooseError::NothingConfigured { name: name.clone() });
        }
        config
            .backends
            .iter()
            .find(|b| b.name() == name)
            .cloned()
            .ok_or_else(|| ChooseError::UnknownBackend {
                name: name.clone(),
                configured: config
                    .backends
                    .iter()
                    .map(|b| b.name().to_owned())
                    .collect(),
            })?
    } else {
        config
            .backends
            .first()
            .cloned()
            .unwrap_or_else(BackendConfig::default_demo)
    };
    match &mut chosen {
        BackendConfig::Demo(DemoBackendConfig {
            scenario, speed, ..
        }) => {
            if let Some(name) = &global.scenario {
                *scenario = name.clone();
            }
            if let Some(factor) = global.speed {
                *speed = factor;
            }
        }
        other => {
            if global.speed.is_some() {
                return Err(ChooseError::SpeedNotDemo {
                    name: other.name().to_owned(),
                    kind: other.kind().to_owned(),
                });
            }
        }
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(name: &str, scenario: &str) -> BackendConfig {
        BackendConfig::Demo(DemoBackendConfig {
            scenario: scenario.into(),
            ..DemoBackendConfig::new(name)
        })
    }

    fn two_backends() -> Config {
        Config {
            backends: vec![demo("first", "calm"), demo("second", "busy")],
            ..Config::default()
        }
    }

    #[test]
    fn the_config_flag_wins_over_the_environment_and_the_default() {
        let paths = Paths::under("/c".into(), "/d".into());
        let flag = GlobalOptions {
            config: Some("/flag.toml".into()),
            ..Default::default()
        };
        let location = locate_config(&flag, Some("/env.toml".into()), &paths);
        assert_eq!(
            (location.path, location.source),
            ("/flag.toml".into(), ConfigSource::Flag)
        );
        let location = locate_config(&GlobalOptions::default(), Some("/env.toml".into()), &paths);
        assert_eq!(
            (location.path, location.source),
            ("/env.toml".into(), ConfigSource::Env)
        );
        let location = locate_config(&GlobalOptions::default(), None, &paths);
        assert_eq!(
            (location.path, location.source),
            ("/c/config.toml".into(), ConfigSource::Default)
        );
    }

    #[test]
    fn a_missing_default_file_means_defaults_but_a_named_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("config.toml");
        let default = ConfigLocation {
            path: missing.clone(),
            source: ConfigSource::Default,
        };
        assert!(load_config(&default).unwrap().backends.is_empty());
        let named = ConfigLocation {
            path: missing,
            source: ConfigSource::Flag,
        };
        assert!(matches!(load_config(&named), Err(ConfigError::Read { .. })));
    }

    #[test]
    fn no_backends_means_the_demo_on_bad_deploy() {
        let chosen = choose_backend(&Config::default(), &GlobalOptions::default()).unwrap();
        assert_eq!(chosen, BackendConfig::default_demo());
        assert_eq!(chosen.as_demo().unwrap().scenario, "bad-deploy");
    }

    #[test]
    fn the_first_backend_unless_one_is_named() {
        let config = two_backends();
        assert_eq!(
            choose_backend(&config, &GlobalOptions::default())
                .unwrap()
                .name(),
            "first"
        );
        let named = GlobalOptions {
            backend: Some("second".into()),
            ..Default::default()
        };
        assert_eq!(choose_backend(&config, &named).unwrap().name(), "second");
        let unknown = GlobalOptions {
            backend: Some("third".into()),
            ..Default::default()
        };
        let error = choose_backend(&config, &unknown).unwrap_err();
        assert_eq!(
            error,
            ChooseError::UnknownBackend {
                name: "third".into(),
                configured: vec!["first".into(), "second".into()]
            }
        );
        assert!(error.to_string().contains("first, second"));
    }

    #[test]
    fn demo_flags_force_the_demo_and_override_its_settings() {
        let options = GlobalOptions {
            scenario: Some("calm".into()),
            speed: Some(10.0),
            backend: Some("second".into()),
            ..Default::default()
        };
        let chosen = choose_backend(&two_backends(), &options).unwrap();
        let demo = chosen.as_demo().unwrap();
        assert_eq!(
            (demo.name.as_str(), demo.scenario.as_str(), demo.speed),
            ("demo", "calm", 10.0)
        );
        let speed_only = GlobalOptions {
            speed: Some(3.0),
            ..Default::default()
        };
        let chosen = choose_backend(&two_backends(), &speed_only).unwrap();
        let demo = chosen.as_demo().unwrap();
        assert_eq!((demo.name.as_str(), demo.speed), ("first", 3.0));
    }
}
