//! PromQL templates: `{deployment}`, `{deployment-label}` and the placeholders a backend
//! gives (`{project}`, `{environment}`, and its own such as Kubernetes' `{namespace}`) inside
//! quoted label values, `{window}` as a range. Checked once when the config is read; values
//! are escaped for the string they land in, and for the regex when the matcher is `=~` or
//! `!~`.

use crate::backend::registry::BackendConfig;
use crate::backend::{BackendError, MetricLabels};
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placeholder {
    Deployment,
    DeploymentLabel,
    /// One the backend gives, by its name (`project`, `namespace`, ...).
    Backend(&'static str),
}

impl Placeholder {
    fn name(self) -> &'static str {
        match self {
            Self::Deployment => "deployment",
            Self::DeploymentLabel => "deployment-label",
            Self::Backend(name) => name,
        }
    }

    /// Stands for one deployment, or for all of them in the environment-wide view.
    fn is_deployment(self) -> bool {
        matches!(self, Self::Deployment | Self::DeploymentLabel)
    }
}

/// Every placeholder name a template may use, in the order messages list them.
fn known_placeholders() -> Vec<&'static str> {
    let mut names = BackendConfig::metric_placeholders();
    let common = MetricLabels::COMMON.len().min(names.len());
    names.splice(common..common, ["deployment", "deployment-label"]);
    names.push("window");
    names
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quote {
    Double,
    Single,
    Backtick,
}

impl Quote {
    fn from_char(c: char) -> Option<Self> {
        match c {
            '"' => Some(Self::Double),
            '\'' => Some(Self::Single),
            '`' => Some(Self::Backtick),
            _ => None,
        }
    }

    fn as_char(self) -> char {
        match self {
            Self::Double => '"',
            Self::Single => '\'',
            Self::Backtick => '`',
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Part {
    Text(String),
    Value {
        label: Placeholder,
        quote: Quote,
        regex: bool,
    },
    Window,
}

/// Why a template was refused when the config was read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("the query is empty")]
    Empty,
    #[error("unknown placeholder {{{0}}}; known: {known}", known = braced(&known_placeholders()))]
    Unknown(String),
    #[error("{{{0}}} must be inside a quoted label value, e.g. {0}=\"{{{0}}}\"")]
    OutsideQuotes(&'static str),
    #[error("{{window}} is a range and must be outside quotes, e.g. rate(x[{{window}}])")]
    WindowInsideQuotes,
    #[error(
        "{{{0}}} must be matched with `=~` (deployment=~\"{{{0}}}\") so the whole environment can be matched too"
    )]
    DeploymentNotRegex(&'static str),
    #[error("a quoted string is never closed")]
    UnclosedQuote,
}

/// What the placeholders stand for in one query.
#[derive(Clone, Debug)]
pub struct Values<'a> {
    /// What the backend gives: `{project}`, `{environment}` and its own.
    pub labels: &'a MetricLabels,
    /// The deployment's id; `None`: every deployment of the environment.
    pub deployment: Option<&'a str>,
    /// The deployment's label (`v42`); `None`: every deployment of the environment.
    pub deployment_label: Option<&'a str>,
    pub window: Duration,
}

/// `{a}, {b}`: placeholder names as written in a template.
fn braced(names: &[&str]) -> String {
    let braced: Vec<String> = names.iter().map(|n| format!("{{{n}}}")).collect();
    braced.join(", ")
}

/// A parsed PromQL template.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    source: String,
    parts: Vec<Part>,
}

impl Template {
    pub fn parse(source: &str) -> Result<Self, TemplateError> {
        if source.trim().is_empty() {
            return Err(TemplateError::Empty);
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        // The open quote, and whether its string is a regex (after `=~` or `!~`).
        let mut open: Option<(Quote, bool)> = None;
        let mut rest = source;
        while let Some(c) = rest.chars().next() {
            if c == '{'
                && let Some((name, len)) = placeholder_at(rest)
            {
                let part = placement(name, open)?;
                parts.push(Part::Text(std::mem::take(&mut text)));
                parts.push(part);
                rest = &rest[len..];
                continue;
            }
            rest = &rest[c.len_utf8()..];
            text.push(c);
            match open {
                None => {
                    if let Some(quote) = Quote::from_char(c) {
                        let before = text[..text.len() - 1].trim_end();
                        open = Some((quote, before.ends_with("=~") || before.ends_with("!~")));
                    }
                }
                Some((quote, _)) if c == '\\' && quote != Quote::Backtick => {
                    // An escape: the next character never closes the string.
                    if let Some(next) = rest.chars().next() {
                        text.push(next);
                        rest = &rest[next.len_utf8()..];
                    }
                }
                Some((quote, _)) if c == quote.as_char() => open = None,
                Some(_) => {}
            }
        }
        if open.is_some() {
            return Err(TemplateError::UnclosedQuote);
        }
        parts.push(Part::Text(text));
        parts.retain(|p| !matches!(p, Part::Text(t) if t.is_empty()));
        Ok(Self {
            source: source.to_owned(),
            parts,
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether filling it needs the deployment's label (looked up at the platform).
    pub fn uses_deployment_label(&self) -> bool {
        self.parts.iter().any(|p| {
            matches!(
                p,
                Part::Value {
                    label: Placeholder::DeploymentLabel,
                    ..
                }
            )
        })
    }

    /// The query for these values. Fails only for a value that cannot be written inside a
    /// backtick string (one holding a backtick).
    pub fn render(&self, values: &Values<'_>) -> Result<String, BackendError> {
        let mut out = String::with_capacity(self.source.len() + 32);
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Window => out.push_str(&promql_duration(values.window)),
                Part::Value {
                    label,
                    quote,
                    regex,
                } => {
                    let value = match label {
                        Placeholder::Deployment => values.deployment,
                        Placeholder::DeploymentLabel => values.deployment_label,
                        Placeholder::Backend(name) => Some(given(values.labels, name)?),
                    };
                    let Some(value) = value else {
                        // Every deployment; parsing made sure this is a regex matcher.
                        out.push_str(ANY);
                        continue;
                    };
                    let value = if *regex {
                        regex_escape(value)
                    } else {
                        value.to_owned()
                    };
                    out.push_str(&quote_escape(&value, *quote, label.name())?);
                }
            }
        }
        Ok(out)
    }
}

/// The value the backend gives for `name`, refused when it gives none (a Kubernetes
/// placeholder for a project of another platform).
fn given<'a>(labels: &'a MetricLabels, name: &str) -> Result<&'a str, BackendError> {
    labels.get(name).ok_or_else(|| {
        let project = labels.get("project").unwrap_or_default();
        let names: Vec<&str> = labels.names().collect();
        BackendError::invalid(format!(
            "{{{name}}} has no value for project {project}: a `{}` backend gives {}; pick a \
             preset or queries for this platform",
            labels.kind(),
            braced(&names)
        ))
    })
}

/// `{name}` at the start of `s`, when `name` looks like a placeholder.
fn placeholder_at(s: &str) -> Option<(&str, usize)> {
    let close = s.find('}')?;
    let name = &s[1..close];
    let looks_like_name = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '-');
    looks_like_name.then_some((name, close + 1))
}

fn placement(name: &str, open: Option<(Quote, bool)>) -> Result<Part, TemplateError> {
    let label = match name {
        "deployment" => Placeholder::Deployment,
        "deployment-label" => Placeholder::DeploymentLabel,
        "window" if open.is_some() => return Err(TemplateError::WindowInsideQuotes),
        "window" => return Ok(Part::Window),
        other => match BackendConfig::metric_placeholders()
            .into_iter()
            .find(|known| *known == other)
        {
            Some(known) => Placeholder::Backend(known),
            None => return Err(TemplateError::Unknown(other.to_owned())),
        },
    };
    let Some((quote, regex)) = open else {
        return Err(TemplateError::OutsideQuotes(label.name()));
    };
    if label.is_deployment() && !regex {
        return Err(TemplateError::DeploymentNotRegex(label.name()));
    }
    Ok(Part::Value {
        label,
        quote,
        regex,
    })
}

/// Every deployment: what `{deployment}` becomes in the environment-wide view.
const ANY: &str = ".*";

/// RE2 (Prometheus' regex engine) metacharacters, backslash-escaped.
fn regex_escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Escapes `value` for a PromQL string in `quote` (Go's string rules).
fn quote_escape(value: &str, quote: Quote, label: &str) -> Result<String, BackendError> {
    if quote == Quote::Backtick {
        return if value.contains('`') {
            Err(BackendError::invalid(format!(
                "the {label} value contains a backtick and cannot go inside a `raw` string; \
                 quote it with \" in the template"
            )))
        } else {
            Ok(value.to_owned())
        };
    }
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote.as_char() => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A PromQL duration: whole seconds when possible, else milliseconds.
pub fn promql_duration(d: Duration) -> String {
    let millis = d.as_millis().max(1);
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{millis}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{EnvironmentId, ProjectId};
    use crate::metrics::PrometheusConfig;

    fn labels(project: &str, environment: &str) -> MetricLabels {
        MetricLabels::new(
            "demo",
            &ProjectId::new(project),
            &EnvironmentId::new(environment),
        )
    }

    static STOREFRONT: std::sync::LazyLock<MetricLabels> =
        std::sync::LazyLock::new(|| labels("acme/storefront", "production"));

    fn values(deployment: Option<&str>) -> Values<'_> {
        Values {
            labels: &STOREFRONT,
            deployment,
            deployment_label: deployment.map(|_| "v7"),
            window: Duration::from_secs(60),
        }
    }

    #[test]
    fn placeholders_are_filled() {
        let t = Template::parse(
            r#"sum(rate(req{project="{project}",environment='{environment}',deployment=~"{deployment}"}[{window}]))"#,
        )
        .unwrap();
        assert_eq!(
            t.render(&values(Some("dep-7"))).unwrap(),
            r#"sum(rate(req{project="acme/storefront",environment='production',deployment=~"dep-7"}[60s]))"#
        );
    }

    #[test]
    fn the_whole_environment_matches_every_deployment() {
        let t = Template::parse(r#"x{deployment=~"{deployment}",version=~'{deployment-label}'}"#)
            .unwrap();
        assert!(t.uses_deployment_label());
        assert_eq!(
            t.render(&values(None)).unwrap(),
            r#"x{deployment=~".*",version=~'.*'}"#
        );
        assert_eq!(
            t.render(&values(Some("dep-7"))).unwrap(),
            r#"x{deployment=~"dep-7",version=~'v7'}"#
        );
        assert!(!Template::parse("x").unwrap().uses_deployment_label());
    }

    #[test]
    fn string_values_are_escaped_for_their_quotes() {
        let t = Template::parse(r#"x{a="{project}",b='{environment}'}"#).unwrap();
        let labels = labels("a\"b\\c\nd", "it's");
        let v = Values {
            labels: &labels,
            deployment: None,
            deployment_label: None,
            window: Duration::from_secs(1),
        };
        assert_eq!(t.render(&v).unwrap(), r#"x{a="a\"b\\c\nd",b='it\'s'}"#);
    }

    #[test]
    fn regex_values_are_escaped_twice() {
        let t = Template::parse(r#"x{deployment=~"{deployment}", p!~ "{project}"}"#).unwrap();
        let labels = labels("a.b", "");
        let v = Values {
            labels: &labels,
            deployment: Some("v1.2+(rc)"),
            deployment_label: None,
            window: Duration::from_secs(1),
        };
        // Regex-escaped (`\.`), then string-escaped (`\\.`).
        assert_eq!(
            t.render(&v).unwrap(),
            r#"x{deployment=~"v1\\.2\\+\\(rc\\)", p!~ "a\\.b"}"#
        );
    }

    #[test]
    fn backtick_strings_are_raw_and_refuse_backticks() {
        let t = Template::parse("x{a=`{project}`, d=~`{deployment}`}").unwrap();
        assert_eq!(
            t.render(&values(Some("v1.2"))).unwrap(),
            r"x{a=`acme/storefront`, d=~`v1\.2`}"
        );
        let labels = labels("a`b", "production");
        let v = Values {
            labels: &labels,
            ..values(None)
        };
        assert!(matches!(t.render(&v), Err(BackendError::Invalid { .. })));
    }

    #[test]
    fn an_escaped_quote_does_not_close_the_string() {
        let t = Template::parse(r#"x{a="say \"{project}\""}"#).unwrap();
        assert_eq!(
            t.render(&values(None)).unwrap(),
            r#"x{a="say \"acme/storefront\""}"#
        );
    }

    #[test]
    fn misplaced_and_unknown_placeholders_are_refused() {
        assert_eq!(
            Template::parse("x{a=\"{env}\"}"),
            Err(TemplateError::Unknown("env".into()))
        );
        assert_eq!(
            Template::parse("x{project}"),
            Err(TemplateError::OutsideQuotes("project"))
        );
        assert_eq!(
            Template::parse("rate(x[\"{window}\"])"),
            Err(TemplateError::WindowInsideQuotes)
        );
        assert_eq!(
            Template::parse("x{deployment=\"{deployment}\"}"),
            Err(TemplateError::DeploymentNotRegex("deployment"))
        );
        assert_eq!(
            Template::parse("x{version='{deployment-label}'}"),
            Err(TemplateError::DeploymentNotRegex("deployment-label"))
        );
        assert_eq!(
            Template::parse("x{a=\"b}"),
            Err(TemplateError::UnclosedQuote)
        );
        assert_eq!(Template::parse("  "), Err(TemplateError::Empty));
    }

    #[test]
    fn every_placeholder_is_known_and_the_message_lists_them() {
        let message = TemplateError::Unknown("env".into()).to_string();
        assert_eq!(
            message,
            "unknown placeholder {env}; known: {project}, {environment}, {deployment}, \
             {deployment-label}, {namespace}, {workload}, {service}, {window}"
        );
        for name in ["namespace", "workload", "service"] {
            assert!(
                Template::parse(&format!("x{{a=\"{{{name}}}\"}}")).is_ok(),
                "{name}"
            );
        }
    }

    #[test]
    fn a_placeholder_the_backend_does_not_give_is_refused_naming_it_and_the_kind() {
        let t = Template::parse(r#"x{namespace="{namespace}"}"#).unwrap();
        let error = t.render(&values(None)).unwrap_err();
        assert!(matches!(error, BackendError::Invalid { .. }), "{error}");
        let message = error.to_string();
        assert!(
            message.contains("{namespace} has no value for project acme/storefront")
                && message.contains("a `demo` backend gives {project}, {environment}"),
            "{message}"
        );
        let given = STOREFRONT.clone().with("namespace", "shop");
        let v = Values {
            labels: &given,
            ..values(None)
        };
        assert_eq!(t.render(&v).unwrap(), r#"x{namespace="shop"}"#);
    }

    #[test]
    fn regex_quantifiers_and_matchers_are_not_placeholders() {
        let source = r#"sum by (le) (x{code=~"5[0-9]{2}", job="api"})"#;
        let t = Template::parse(source).unwrap();
        assert_eq!(t.render(&values(None)).unwrap(), source);
    }

    #[test]
    fn the_default_templates_parse() {
        let c = PrometheusConfig::default();
        for source in [&c.error_rate, &c.request_rate, &c.latency_p95] {
            let t = Template::parse(source).unwrap();
            let q = t.render(&values(Some("dep-1"))).unwrap();
            assert!(q.contains(r#"project="acme/storefront""#), "{q}");
            assert!(q.contains(r#"deployment=~"dep-1""#), "{q}");
            assert!(q.contains("[60s]"), "{q}");
        }
    }

    #[test]
    fn durations_in_promql_units() {
        assert_eq!(promql_duration(Duration::from_secs(90)), "90s");
        assert_eq!(promql_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(promql_duration(Duration::ZERO), "1ms");
    }
}
