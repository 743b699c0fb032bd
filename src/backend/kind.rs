//! What a backend kind is: the one trait an adapter implements so that a `[[backends]]`
//! entry of its `kind` can be read, checked and built. The list of kinds is in `registry`.

use super::Platform;
use crate::clock::{SharedClock, SystemClock};
use serde::de::DeserializeOwned;
use std::fmt;
use std::sync::Arc;

/// One kind of `[[backends]]` entry, owned by its adapter's folder.
pub trait BackendKind {
    /// The `kind = "..."` that picks it.
    const NAME: &'static str;

    /// The metric-template placeholders its backend's `metric_labels` gives beyond
    /// `{project}` and `{environment}`; a template naming one no kind gives is refused when
    /// the config is read.
    const METRIC_LABELS: &'static [&'static str] = &[];

    /// The entry's keys, every one but `kind`; unknown keys are refused.
    type Config: DeserializeOwned + Clone + fmt::Debug + PartialEq + Send + Sync + 'static;

    /// The entry's `name`.
    fn name(config: &Self::Config) -> &str;

    /// The first value that parses but makes no sense, with its key inside the entry.
    fn validate(_config: &Self::Config) -> Result<(), KeyProblem> {
        Ok(())
    }

    /// The clock the backend runs on; real time unless the kind says otherwise.
    fn clock(_config: &Self::Config) -> SharedClock {
        Arc::new(SystemClock)
    }

    /// The adapter, running on `clock`. Synchronous: an adapter that must talk to its
    /// platform first does so on first use.
    fn build(config: &Self::Config, clock: SharedClock) -> Result<Platform, BuildError>;
}

/// One step to a value inside a `[[backends]]` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyStep {
    Key(String),
    Index(usize),
}

/// A value of an entry that makes no sense: where it is inside the entry, and why. The
/// config loader adds the file, line, column and `backends[N]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyProblem {
    pub path: Vec<KeyStep>,
    pub message: String,
}

impl KeyProblem {
    /// A problem with the value of `key`.
    pub fn at(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: vec![KeyStep::Key(key.into())],
            message: message.into(),
        }
    }

    /// The same problem, one item further: `namespaces` → `namespaces[2]`.
    pub fn index(mut self, index: usize) -> Self {
        self.path.push(KeyStep::Index(index));
        self
    }

    /// The path as written in messages: `namespaces[2]`.
    pub fn key(&self) -> String {
        let mut out = String::new();
        for step in &self.path {
            match step {
                KeyStep::Key(key) if out.is_empty() => out.push_str(key),
                KeyStep::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                KeyStep::Index(index) => out.push_str(&format!("[{index}]")),
            }
        }
        out
    }
}

impl fmt::Display for KeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key(), self.message)
    }
}

/// Why an entry could not become a backend (an unset token variable, an unknown scenario):
/// the adapter's own error, which names the entry.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct BuildError(Box<dyn std::error::Error + Send + Sync>);

impl BuildError {
    pub fn new(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Box::new(error))
    }
}

/// Generates [`BackendConfig`](super::registry::BackendConfig), one variant per kind, and
/// everything that dispatches on it; invoked once, in `registry`.
macro_rules! kinds {
    ($($(#[$doc:meta])* $variant:ident => $kind:ty),+ $(,)?) => {
        /// One `[[backends]]` entry; its `kind` picks the variant.
        #[derive(Clone, Debug, PartialEq)]
        pub enum BackendConfig {
            $($(#[$doc])* $variant(<$kind as $crate::backend::BackendKind>::Config),)+
        }

        impl BackendConfig {
            /// Every `kind` this build understands, in the order the docs list them.
            pub const KINDS: &'static [&'static str] =
                &[$(<$kind as $crate::backend::BackendKind>::NAME),+];

            /// Every metric-template placeholder some backend gives: `{project}`,
            /// `{environment}`, then each kind's own, in the order of the list.
            pub fn metric_placeholders() -> Vec<&'static str> {
                let own = [$(<$kind as $crate::backend::BackendKind>::METRIC_LABELS),+];
                let mut names = $crate::backend::MetricLabels::COMMON.to_vec();
                for name in own.concat() {
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                names
            }

            pub fn name(&self) -> &str {
                use $crate::backend::BackendKind;
                match self {
                    $(Self::$variant(c) => <$kind>::name(c),)+
                }
            }

            pub fn kind(&self) -> &'static str {
                use $crate::backend::BackendKind;
                match self {
                    $(Self::$variant(_) => <$kind>::NAME,)+
                }
            }

            /// Reads the rest of an entry (everything but `kind`) as the given kind;
            /// `Ok(None)` when the kind is unknown.
            pub fn deserialize_kind<'de, D>(kind: &str, rest: D) -> Result<Option<Self>, D::Error>
            where
                D: serde::Deserializer<'de>,
            {
                use $crate::backend::BackendKind;
                use serde::Deserialize;
                $(if kind == <$kind>::NAME {
                    let config = <$kind as BackendKind>::Config::deserialize(rest)?;
                    return Ok(Some(Self::$variant(config)));
                })+
                Ok(None)
            }

            /// The first value that makes no sense, with its key inside the entry.
            pub fn validate(&self) -> Result<(), $crate::backend::KeyProblem> {
                use $crate::backend::BackendKind;
                match self {
                    $(Self::$variant(c) => <$kind>::validate(c),)+
                }
            }

            /// The clock the entry's backend runs on.
            pub fn clock(&self) -> $crate::clock::SharedClock {
                use $crate::backend::BackendKind;
                match self {
                    $(Self::$variant(c) => <$kind>::clock(c),)+
                }
            }

            /// The entry's adapter, running on `clock`.
            pub fn build(
                &self,
                clock: $crate::clock::SharedClock,
            ) -> Result<$crate::backend::Platform, $crate::backend::BuildError>
            {
                use $crate::backend::BackendKind;
                match self {
                    $(Self::$variant(c) => <$kind>::build(c, clock),)+
                }
            }
        }
    };
}
pub(crate) use kinds;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_names_its_key_inside_the_entry() {
        let problem = KeyProblem::at("namespaces", "a namespace needs a name").index(2);
        assert_eq!(problem.key(), "namespaces[2]");
        assert_eq!(
            problem.to_string(),
            "namespaces[2]: a namespace needs a name"
        );
    }
}
