//! What is wrong with a config file, typed, so callers and tests need not read the text.

use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The file is not valid TOML.
    Syntax {
        message: String,
    },
    /// A key that the table does not have.
    UnknownKey {
        key: String,
        table: String,
        expected: Vec<String>,
    },
    /// A `[[backends]]` entry whose `kind` this build does not know.
    UnknownKind {
        kind: String,
        expected: Vec<String>,
    },
    MissingKey {
        key: String,
        table: String,
    },
    /// A value of the wrong type or outside the allowed words.
    BadValue {
        key: String,
        message: String,
    },
    /// A value that parses but makes no sense (checked after parsing).
    Invalid {
        key: String,
        message: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax { message } => write!(f, "{message}"),
            Self::UnknownKey {
                key,
                table,
                expected,
            } => {
                write!(f, "unknown key `{key}` in {table}")?;
                if !expected.is_empty() {
                    write!(f, " (expected one of {})", quoted_list(expected))?;
                }
                Ok(())
            }
            Self::UnknownKind { kind, expected } => write!(
                f,
                "unknown backend kind `{kind}` in [[backends]] (this build knows {})",
                quoted_list(expected)
            ),
            Self::MissingKey { key, table } => write!(f, "missing key `{key}` in {table}"),
            Self::BadValue { key, message } => write!(f, "bad value for `{key}`: {message}"),
            Self::Invalid { key, message } => write!(f, "invalid value for `{key}`: {message}"),
        }
    }
}

pub(crate) fn quoted_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a serde error says, recovered from its message. serde reports unknown and missing
/// fields only as text (`unknown field `x`, expected one of ...`); its format is fixed by
/// `serde::de::Error`'s default methods and pinned by the tests below.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SerdeMessage {
    UnknownField {
        field: String,
        expected: Vec<String>,
    },
    UnknownVariant {
        variant: String,
        expected: Vec<String>,
    },
    MissingField {
        field: String,
    },
    Other(String),
}

impl SerdeMessage {
    pub(crate) fn parse(message: &str) -> Self {
        let message = message.trim();
        if let Some(rest) = message.strip_prefix("unknown field ")
            && let Some((field, expected)) = split_expected(rest)
        {
            return Self::UnknownField { field, expected };
        }
        if let Some(rest) = message.strip_prefix("unknown variant ")
            && let Some((variant, expected)) = split_expected(rest)
        {
            return Self::UnknownVariant { variant, expected };
        }
        if let Some(rest) = message.strip_prefix("missing field ")
            && let Some((field, tail)) = backticked(rest)
            && tail.is_empty()
        {
            return Self::MissingField { field };
        }
        Self::Other(message.to_owned())
    }
}

/// "`x`, expected one of `a`, `b`" → ("x", ["a", "b"]).
fn split_expected(rest: &str) -> Option<(String, Vec<String>)> {
    let (name, tail) = backticked(rest)?;
    let tail = tail.strip_prefix(", ")?;
    let list = tail
        .strip_prefix("expected one of ")
        .or_else(|| tail.strip_prefix("expected "));
    // serde writes one item as "`a`", two as "`a` or `b`", more as "one of `a`, `b`, `c`".
    let expected = match list {
        Some(list) => list
            .split(", ")
            .flat_map(|item| item.split(" or "))
            .filter_map(|item| backticked(item.trim()).map(|(i, _)| i))
            .collect(),
        None => Vec::new(), // "there are no fields" / "there are no variants"
    };
    Some((name, expected))
}

fn backticked(text: &str) -> Option<(String, &str)> {
    let inner = text.strip_prefix('`')?;
    let end = inner.find('`')?;
    Some((inner[..end].to_owned(), &inner[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::Error as _;

    fn message_of(error: toml::de::Error) -> String {
        error.message().to_owned()
    }

    #[test]
    fn reads_serde_unknown_field_messages() {
        let message = message_of(toml::de::Error::unknown_field(
            "scenaro",
            &["name", "scenario"],
        ));
        assert_eq!(
            SerdeMessage::parse(&message),
            SerdeMessage::UnknownField {
                field: "scenaro".into(),
                expected: vec!["name".into(), "scenario".into()]
            }
        );
        let message = message_of(toml::de::Error::unknown_field("x", &["a", "b"]));
        assert_eq!(
            SerdeMessage::parse(&message),
            SerdeMessage::UnknownField {
                field: "x".into(),
                expected: vec!["a".into(), "b".into()]
            }
        );
        let message = message_of(toml::de::Error::unknown_field("x", &["only"]));
        assert_eq!(
            SerdeMessage::parse(&message),
            SerdeMessage::UnknownField {
                field: "x".into(),
                expected: vec!["only".into()]
            }
        );
    }

    #[test]
    fn reads_serde_variant_and_missing_messages() {
        let message = message_of(toml::de::Error::unknown_variant(
            "admin",
            &["deployer", "read-only"],
        ));
        assert_eq!(
            SerdeMessage::parse(&message),
            SerdeMessage::UnknownVariant {
                variant: "admin".into(),
                expected: vec!["deployer".into(), "read-only".into()]
            }
        );
        let message = message_of(toml::de::Error::missing_field("name"));
        assert_eq!(
            SerdeMessage::parse(&message),
            SerdeMessage::MissingField {
                field: "name".into()
            }
        );
        assert_eq!(
            SerdeMessage::parse("invalid type: string \"x\", expected f64"),
            SerdeMessage::Other("invalid type: string \"x\", expected f64".into())
        );
    }
}
