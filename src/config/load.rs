//! Reading a config file: TOML syntax, then the schema, then the values; every error names
//! the file, line, column and key.

use super::locate::{KeyPath, Target, line_column, span_of};
use super::problem::{Problem, SerdeMessage};
use super::{BackendConfig, Config, validate};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config error: {}: cannot read the file: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("config error: {}:{line}:{column}: {problem}", path.display())]
    At {
        path: PathBuf,
        line: usize,
        column: usize,
        /// The key the problem is about, as a dotted path (`backends[0].speed`).
        key: Option<String>,
        problem: Box<Problem>,
    },
}

impl ConfigError {
    pub fn problem(&self) -> Option<&Problem> {
        match self {
            Self::At { problem, .. } => Some(problem.as_ref()),
            Self::Read { .. } => None,
        }
    }
}

/// Reads and checks the config file at `path`.
pub fn load_file(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_str(&text, path)
}

/// Parses and checks config text; `path` is only used in error messages.
pub fn parse_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let doc = DeTable::parse(text).map_err(|error| {
        let offset = error.span().map_or(0, |s| s.start);
        let (line, column) = line_column(text, offset);
        ConfigError::At {
            path: path.to_owned(),
            line,
            column,
            key: None,
            problem: Box::new(Problem::Syntax {
                message: error.message().trim().to_owned(),
            }),
        }
    })?;
    let source = Source { path, text, doc };

    // `[[backends]]` is read entry by entry so errors inside an entry keep their key.
    let mut root = source.doc.clone();
    let backends = root.get_mut().remove("backends");
    let mut track = serde_path_to_error::Track::new();
    let mut config = Config::deserialize(serde_path_to_error::Deserializer::new(
        toml::de::Deserializer::from(root),
        &mut track,
    ))
    .map_err(|error| source.serde_error(KeyPath::default(), &track.path(), &error))?;
    if let Some(backends) = backends {
        config.backends = source.read_backends(backends)?;
    }
    if let Err(invalid) = validate::check(&config) {
        return Err(source.error(
            &invalid.path,
            Target::Value,
            Problem::Invalid {
                key: invalid.path.to_string(),
                message: invalid.message,
            },
        ));
    }
    Ok(config)
}

struct Source<'a> {
    path: &'a Path,
    text: &'a str,
    doc: Spanned<DeTable<'a>>,
}

impl Source<'_> {
    fn error(&self, key: &KeyPath, target: Target, problem: Problem) -> ConfigError {
        let span = span_of(&self.doc, key, target);
        self.error_at(span.start, key, problem)
    }

    fn error_at(&self, offset: usize, key: &KeyPath, problem: Problem) -> ConfigError {
        let (line, column) = line_column(self.text, offset);
        ConfigError::At {
            path: self.path.to_owned(),
            line,
            column,
            key: (!key.0.is_empty()).then(|| key.to_string()),
            problem: Box::new(problem),
        }
    }

    fn serde_error(
        &self,
        base: KeyPath,
        path: &serde_path_to_error::Path,
        error: &toml::de::Error,
    ) -> ConfigError {
        let path = base.extend_serde(path);
        match SerdeMessage::parse(error.message()) {
            SerdeMessage::UnknownField { field, expected } => {
                let key = if path.last_key() == Some(field.as_str()) {
                    path
                } else {
                    path.key(field.clone())
                };
                let table = key.parent().table_header();
                self.error(
                    &key,
                    Target::Key,
                    Problem::UnknownKey {
                        key: field,
                        table,
                        expected,
                    },
                )
            }
            SerdeMessage::MissingField { field } => {
                let table = path.table_header();
                self.error(
                    &path,
                    Target::Key,
                    Problem::MissingKey { key: field, table },
                )
            }
            SerdeMessage::UnknownVariant { variant, expected } => {
                let message = format!(
                    "`{variant}` is not one of {}",
                    super::problem::quoted_list(&expected)
                );
                self.bad_value(&path, error, message)
            }
            SerdeMessage::Other(message) => self.bad_value(&path, error, message),
        }
    }

    fn bad_value(&self, path: &KeyPath, error: &toml::de::Error, message: String) -> ConfigError {
        let problem = Problem::BadValue {
            key: path.to_string(),
            message,
        };
        // toml knows the exact value that failed; our own lookup is the fallback.
        match error.span() {
            Some(span) => self.error_at(span.start, path, problem),
            None => self.error(path, Target::Value, problem),
        }
    }

    fn read_backends(
        &self,
        value: Spanned<DeValue<'_>>,
    ) -> Result<Vec<BackendConfig>, ConfigError> {
        let base = KeyPath::default().key("backends");
        let DeValue::Array(items) = value.into_inner() else {
            return Err(self.error(
                &base,
                Target::Value,
                Problem::BadValue {
                    key: "backends".to_owned(),
                    message: "expected a list of tables; write each entry as [[backends]]"
                        .to_owned(),
                },
            ));
        };
        items
            .into_iter()
            .enumerate()
            .map(|(index, item)| self.read_backend(base.clone().index(index), item))
            .collect()
    }

    fn read_backend(
        &self,
        entry: KeyPath,
        item: Spanned<DeValue<'_>>,
    ) -> Result<BackendConfig, ConfigError> {
        let span = item.span();
        let DeValue::Table(mut table) = item.into_inner() else {
            return Err(self.error(
                &entry,
                Target::Value,
                Problem::BadValue {
                    key: entry.to_string(),
                    message: "each backend must be a table ([[backends]])".to_owned(),
                },
            ));
        };
        let kind_key = entry.clone().key("kind");
        let kind = match table.remove("kind") {
            None => {
                let problem = Problem::MissingKey {
                    key: "kind".to_owned(),
                    table: "[[backends]]".to_owned(),
                };
                return Err(self.error_at(span.start, &entry, problem));
            }
            Some(kind) => match kind.get_ref().as_str() {
                Some(kind) => kind.to_owned(),
                None => {
                    let problem = Problem::BadValue {
                        key: kind_key.to_string(),
                        message: format!("expected a string, found {}", kind.get_ref().type_str()),
                    };
                    return Err(self.error(&kind_key, Target::Value, problem));
                }
            },
        };
        let rest = ValueDeserializer::from(Spanned::new(span, DeValue::Table(table)));
        let mut track = serde_path_to_error::Track::new();
        let parsed = BackendConfig::deserialize_kind(
            &kind,
            serde_path_to_error::Deserializer::new(rest, &mut track),
        );
        match parsed {
            Ok(Some(backend)) => Ok(backend),
            Ok(None) => Err(self.error(
                &kind_key,
                Target::Value,
                Problem::UnknownKind {
                    kind,
                    expected: BackendConfig::KINDS
                        .iter()
                        .map(|k| (*k).to_owned())
                        .collect(),
                },
            )),
            Err(error) => {
                let mut error = self.serde_error(entry, &track.path(), &error);
                // `kind` was taken out before the entry was read; it is a valid key too.
                if let ConfigError::At { problem, .. } = &mut error
                    && let Problem::UnknownKey { expected, .. } = problem.as_mut()
                {
                    expected.insert(0, "kind".to_owned());
                }
                Err(error)
            }
        }
    }
}
