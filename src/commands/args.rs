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
    /// Print one JSON document on stdout and nothing else
    #[arg(long)]
    pub json: bool,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub at: Where,
    /// How many deployments to show
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub limit: usize,
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
    /// How the switch proceeds: immediate, rolling (one machine at a time), or a share at a
    /// time such as 25% [default: rolling where the platform has it]
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

/// `immediate`, `rolling`, `25%` (or `max-unavailable=25`): a share of the machines at a time.
fn parse_strategy(text: &str) -> Result<crate::domain::Strategy, String> {
    use crate::domain::Strategy;
    let text = text.trim().to_ascii_lowercase();
    let share = text
        .strip_suffix('%')
        .or_else(|| text.strip_prefix("max-unavailable="));
    match (text.as_str(), share) {
        ("immediate", _) => Ok(Strategy::Immediate),
        ("rolling", _) => Ok(Strategy::Rolling),
        (_, Some(percent)) => match percent.trim().parse::<u8>() {
            Ok(percent @ 1..=100) => Ok(Strategy::MaxUnavailable { percent }),
            _ => Err(format!("`{percent}` is not a share from 1% to 100%")),
        },
        _ => Err(format!(
            "`{text}` is not a strategy: immediate, rolling, or a share at a time such as 25%"
        )),
    }
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct RollbackArgs {
    /// The deployment to roll back to: its label (v41) or id
    #[arg(long = "to", value_name = "LABEL_OR_ID")]
    pub to: String,
    #[command(flatten)]
    pub at: Where,
    #[command(flatten)]
    pub confirm: Confirm,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct PromoteArgs {
    /// The deployment to promote: its label or id
    #[arg(value_name = "LABEL_OR_ID")]
    pub deployment: String,
    #[command(flatten)]
    pub at: Where,
    #[command(flatten)]
    pub confirm: Confirm,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct RedeployArgs {
    /// The deployment to redeploy: its label or id
    #[arg(value_name = "LABEL_OR_ID")]
    pub deployment: String,
    /// Rebuild from the same commit instead of reusing the artifact
    #[arg(long)]
    pub rebuild: bool,
    #[command(flatten)]
    pub at: Where,
    #[command(flatten)]
    pub confirm: Confirm,
}

#[derive(Clone, Debug, PartialEq, Args)]
pub struct PathsArgs {
    /// Print one JSON document
    #[arg(long)]
    pub json: bool,
}
