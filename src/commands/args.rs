//! What each command takes on the command line. The commands own these types; the command
//! line (`crate::cli`) parses into them.

use clap::Args;

/// Which project and environment, and how to print.
#[derive(Clone, Debug, Default, PartialEq, Args)]
pub struct Where {
    /// Project id or name (default: the first)
    #[arg(long, value_name = "PROJECT")]
    pub project: Option<String>,
    /// Environment id or name (default: production, else the first)
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
    /// Print one JSON document on stdout and nothing else (= --output json)
    #[arg(long, conflicts_with = "output")]
    pub json: bool,
    /// How to print: text, json (one document) or jsonl (one JSON event a line, as it
    /// happens)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub output: Option<Output>,
}

/// What stdout holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// Lines for a person.
    #[default]
    Text,
    /// One JSON document, at the end.
    Json,
    /// One JSON object a line, each as it happens (for pipelines).
    Jsonl,
}

impl Where {
    /// `--output`, or `json` for `--json`.
    pub fn output(&self) -> Output {
        match (self.json, self.output) {
            (true, _) => Output::Json,
            (false, Some(output)) => output,
            (false, None) => Output::Text,
        }
    }

    /// Whether stdout holds JSON (a document or lines) rather than text.
    pub fn machine(&self) -> bool {
        self.output() != Output::Text
    }
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub at: Where,
    /// How many deployments to show, newest first (at least 1)
    #[arg(long, default_value_t = 50, value_name = "N", conflicts_with = "all")]
    pub limit: usize,
    /// Every deployment, printed page by page as the platform hands them out
    #[arg(long)]
    pub all: bool,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub at: Where,
}

/// How an operation is confirmed and followed.
#[derive(Clone, Debug, Default, PartialEq, Args)]
pub struct Confirm {
    /// Do not ask for confirmation (needed when stdin is not a terminal)
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Return at once with the operation id instead of waiting for it to finish
    #[arg(long)]
    pub no_wait: bool,
    #[command(flatten)]
    pub shape: Shape,
}

/// How a rollback or promote proceeds and what it touches, where the platform allows.
#[derive(Clone, Debug, Default, PartialEq, Args)]
pub struct Shape {
    /// How the switch proceeds: immediate, rolling (one machine at a time), canary (one
    /// extra machine checked first), blue-green (new machines beside the old), or a share
    /// at a time such as 25% [default: rolling where the platform has it]
    #[arg(long, value_name = "STRATEGY", value_parser = parse_strategy)]
    pub strategy: Option<crate::domain::Strategy>,
    /// Only these components (comma-separated); the others stay on what serves them now
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub components: Vec<String>,
    /// Only these regions (comma-separated); the others stay on what serves them now
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub regions: Vec<String>,
}

impl Shape {
    pub fn scope(&self) -> crate::domain::Scope {
        let clean = |names: &[String]| -> Vec<String> {
            names
                .iter()
                .map(|n| n.trim().to_owned())
                .filter(|n| !n.is_empty())
                .collect()
        };
        crate::domain::Scope {
            components: clean(&self.components),
            regions: clean(&self.regions),
        }
    }

    pub fn is_default(&self) -> bool {
        self.strategy.is_none() && self.scope().is_everything()
    }
}

/// `immediate`, `rolling`, `canary`, `blue-green`, `25%` (or `max-unavailable=25`): a share of the machines at a time.
fn parse_strategy(text: &str) -> Result<crate::domain::Strategy, String> {
    use crate::domain::Strategy;
    let text = text.trim().to_ascii_lowercase();
    let share = text
        .strip_suffix('%')
        .or_else(|| text.strip_prefix("max-unavailable="));
    match (text.as_str(), share) {
        ("immediate", _) => Ok(Strategy::Immediate),
        ("rolling", _) => Ok(Strategy::Rolling),
        ("canary", _) => Ok(Strategy::Canary),
        ("blue-green" | "bluegreen", _) => Ok(Strategy::BlueGreen),
        (_, Some(percent)) => match percent.trim().parse::<u8>() {
            Ok(percent @ 1..=100) => Ok(Strategy::MaxUnavailable { percent }),
            _ => Err(format!("`{percent}` is not a share from 1% to 100%")),
        },
        _ => Err(format!(
            "`{text}` is not a strategy: immediate, rolling, canary, blue-green, or a share at a time such as 25%"
        )),
    }
}

/// The deployment an operation is about: positional, or after `--to`.
#[derive(Clone, Debug, Default, PartialEq, Args)]
pub struct Target {
    /// The deployment: an id, a label (v41), a commit prefix (7+ hex), or last-good
    #[arg(value_name = "TARGET")]
    pub target: Option<String>,
    /// The same as TARGET
    #[arg(long = "to", value_name = "TARGET", conflicts_with = "target")]
    pub to: Option<String>,
}

impl Target {
    pub fn named(target: &str) -> Self {
        Self {
            target: Some(target.to_owned()),
            to: None,
        }
    }

    /// The name given, either way.
    pub fn name(&self) -> Option<&str> {
        self.target.as_deref().or(self.to.as_deref())
    }
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct RollbackArgs {
    /// Without a target: last-good, and the reason it was chosen is printed
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub at: Where,
    #[command(flatten)]
    pub confirm: Confirm,
}

#[derive(Clone, Debug, PartialEq, Args)]
#[command(group = clap::ArgGroup::new("named").args(["target", "to"]).required(true))]
pub struct PromoteArgs {
    #[command(flatten)]
    pub target: Target,
    #[command(flatten)]
    pub at: Where,
    #[command(flatten)]
    pub confirm: Confirm,
}

#[derive(Clone, Debug, PartialEq, Args)]
#[command(group = clap::ArgGroup::new("named").args(["target", "to"]).required(true))]
pub struct RedeployArgs {
    #[command(flatten)]
    pub target: Target,
    /// Rebuild from the same commit instead of reusing the artifact
    #[arg(long)]
    pub rebuild: bool,
    #[command(flatten)]
    pub at: Where,
    #[command(flatten)]
    pub confirm: Confirm,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct OperationArgs {
    /// The operation's id, as an operation command printed it (op_000001)
    #[arg(value_name = "ID")]
    pub id: String,
    /// Wait until it ends, printing its steps and log as they arrive
    #[arg(long)]
    pub follow: bool,
    #[command(flatten)]
    pub at: Where,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct PathsArgs {
    /// Print one JSON document
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct GuardArgs {
    /// How long to watch, e.g. 10m
    #[arg(long = "for", value_name = "DURATION", default_value = "10m", value_parser = duration)]
    pub window: std::time::Duration,
    /// How often to look: one line per look
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = duration)]
    pub every: std::time::Duration,
    /// The highest acceptable 5xx rate, e.g. 1% or 0.5% [default: console.error-threshold]
    #[arg(long, value_name = "PERCENT", value_parser = percent)]
    pub threshold: Option<f64>,
    /// What the live deployment must also be worse than to breach: `previous` (the rate of
    /// the deployment live before it, while it was) or a rate, e.g. 0.5%
    #[arg(long, value_name = "previous|PERCENT", default_value = "previous", value_parser = baseline)]
    pub baseline: crate::operation::guard::Baseline,
    /// A look with fewer requests than this is not judged
    #[arg(long, value_name = "N", default_value_t = 100)]
    pub min_requests: u64,
    /// How long a breach must last before it counts, and before --rollback acts
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = duration)]
    pub hold: std::time::Duration,
    /// Roll back to the last good deployment when a breach holds (needs --yes)
    #[arg(long)]
    pub rollback: bool,
    /// Confirm that rollback now, as typing the environment's name would (required with
    /// --rollback)
    #[arg(long, short = 'y')]
    pub yes: bool,
    #[command(flatten)]
    pub at: Where,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `30s`, `10m`, `1h30m`: longer than zero.
pub fn duration(text: &str) -> Result<std::time::Duration, String> {
    match humantime_serde::re::humantime::parse_duration(text) {
        Ok(duration) if duration.is_zero() => Err("must be longer than 0".to_owned()),
        Ok(duration) => Ok(duration),
        Err(error) => Err(format!(
            "`{text}` is not a duration like 30s or 2m ({error})"
        )),
    }
}

/// `1%`, `0.5%` or `2` (percent): a fraction above 0 and at most 1.
pub fn percent(text: &str) -> Result<f64, String> {
    let number = text.trim().trim_end_matches('%').trim();
    match number.parse::<f64>() {
        Ok(p) if p.is_finite() && p > 0.0 && p <= 100.0 => Ok(p / 100.0),
        Ok(_) => Err("must be a percentage above 0 and at most 100".to_owned()),
        Err(_) => Err(format!("`{text}` is not a percentage like 1% or 0.5%")),
    }
}

fn baseline(text: &str) -> Result<crate::operation::guard::Baseline, String> {
    use crate::operation::guard::Baseline;
    if text.trim().eq_ignore_ascii_case("previous") {
        return Ok(Baseline::Previous);
    }
    percent(text)
        .map(Baseline::Rate)
        .map_err(|_| format!("`{text}` is neither `previous` nor a percentage like 0.5%"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::guard::Baseline;

    #[test]
    fn percentages_are_read_as_percent_with_or_without_the_sign() {
        assert_eq!(percent("1%"), Ok(0.01));
        assert_eq!(percent("0.5%"), Ok(0.005));
        assert_eq!(percent("2"), Ok(0.02));
        for bad in ["0%", "-1%", "101%", "lots", "NaN%"] {
            assert!(percent(bad).is_err(), "{bad}");
        }
        assert_eq!(baseline("previous"), Ok(Baseline::Previous));
        assert_eq!(baseline("Previous"), Ok(Baseline::Previous));
        assert_eq!(baseline("0.2%"), Ok(Baseline::Rate(0.002)));
        assert!(baseline("last").unwrap_err().contains("previous"));
    }

    #[test]
    fn a_target_is_named_either_way() {
        assert_eq!(Target::named("v41").name(), Some("v41"));
        let to = Target {
            target: None,
            to: Some("v40".into()),
        };
        assert_eq!(to.name(), Some("v40"));
        assert_eq!(Target::default().name(), None);
        assert!(duration("0s").is_err());
        assert_eq!(duration("10m"), Ok(std::time::Duration::from_secs(600)));
    }

    #[test]
    fn output_follows_json_or_output() {
        let mut at = Where::default();
        assert_eq!(at.output(), Output::Text);
        at.output = Some(Output::Jsonl);
        assert_eq!(at.output(), Output::Jsonl);
        assert!(at.machine());
        at.output = None;
        at.json = true;
        assert_eq!(at.output(), Output::Json);
    }
}
