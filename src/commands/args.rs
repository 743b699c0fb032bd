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
