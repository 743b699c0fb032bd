//! Scenarios: the platform's starting state and what happens on its own, as TOML.

mod build;
mod build_env;
mod check;
mod check_generate;
mod generate;
pub mod spec;

pub(crate) use build::build_world;

use spec::ScenarioSpec;
use std::path::Path;

const BUILTINS: &[(&str, &str)] = &[
    ("bad-deploy", include_str!("../scenarios/bad-deploy.toml")),
    ("steady", include_str!("../scenarios/steady.toml")),
    ("large", include_str!("../scenarios/large.toml")),
    (
        "incident-race",
        include_str!("../scenarios/incident-race.toml"),
    ),
    ("flaky", include_str!("../scenarios/flaky.toml")),
];

const BUILTIN_NAMES: &[&str] = &["bad-deploy", "steady", "large", "incident-race", "flaky"];

/// A loaded, checked scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    pub(crate) spec: ScenarioSpec,
    /// The built-in name or the file it came from.
    origin: String,
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("no built-in scenario named `{name}` (built in: {}), and no file at that path", BUILTIN_NAMES.join(", "))]
    Unknown { name: String },
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The TOML does not parse or has a wrong or unknown key.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// It parses, but says something impossible (an unknown commit, a duplicate label).
    #[error("{file}: {key}: {message}")]
    Invalid {
        file: String,
        key: String,
        message: String,
    },
}

impl Scenario {
    /// A built-in scenario by name, or a TOML file by path.
    pub fn load(name_or_path: &str) -> Result<Scenario, ScenarioError> {
        if let Some((name, text)) = BUILTINS.iter().find(|(name, _)| *name == name_or_path) {
            return Self::parse(text, &format!("built-in scenario {name}"));
        }
        let path = Path::new(name_or_path);
        if !path.exists() {
            return Err(ScenarioError::Unknown {
                name: name_or_path.to_owned(),
            });
        }
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Read {
            file: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    pub fn builtin_names() -> &'static [&'static str] {
        BUILTIN_NAMES
    }

    /// Parses and checks scenario text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
        let mut spec: ScenarioSpec = toml::from_str(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|span| line_column(text, span.start))
                .unwrap_or((0, 0));
            ScenarioError::Syntax {
                file: origin.to_owned(),
                line,
                column,
                message: e.message().trim().to_owned(),
            }
        })?;
        if let Some(base) = spec.scenario.extends.clone() {
            spec = extend(spec, &base, origin)?;
        }
        // A generated history stays a `generate` table: the world is built from it directly.
        check::check(&spec).map_err(|(key, message)| invalid(origin, key, message))?;
        Ok(Scenario {
            spec,
            origin: origin.to_owned(),
        })
    }

    pub fn name(&self) -> &str {
        &self.spec.scenario.name
    }

    pub fn description(&self) -> &str {
        &self.spec.scenario.description
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// This file on top of a built-in base.
fn extend(spec: ScenarioSpec, base: &str, origin: &str) -> Result<ScenarioSpec, ScenarioError> {
    let Some((_, text)) = BUILTINS.iter().find(|(name, _)| *name == base) else {
        return Err(invalid(
            origin,
            "scenario.extends".to_owned(),
            format!(
                "no built-in scenario `{base}` (built in: {})",
                BUILTIN_NAMES.join(", ")
            ),
        ));
    };
    let mut merged: ScenarioSpec = toml::from_str(text)
        .map_err(|e| invalid(origin, "scenario.extends".into(), e.to_string()))?;
    if merged.scenario.extends.is_some() {
        return Err(invalid(
            origin,
            "scenario.extends".into(),
            format!("`{base}` extends another scenario itself"),
        ));
    }
    merged.scenario = spec.scenario;
    merged.scenario.extends = None;
    if spec.settings.is_some() {
        merged.settings = spec.settings;
    }
    if spec.faults.is_some() {
        merged.faults = spec.faults;
    }
    merged.projects.extend(spec.projects);
    merged.events.extend(spec.events);
    Ok(merged)
}

fn invalid(origin: &str, key: String, message: String) -> ScenarioError {
    ScenarioError::Invalid {
        file: origin.to_owned(),
        key,
        message,
    }
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod generate_equivalence;
