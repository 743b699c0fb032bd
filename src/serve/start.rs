//! Starting `switchback serve`: flags over config, tokens from the environment, the demo
//! platform, the listener, and a clean stop on Ctrl-C or SIGTERM.

use super::{ServeState, Tokens, router};
use crate::backend::BackendKind;
use crate::backend::Platform;
use crate::backend::demo::{self, DemoBackendConfig};
use crate::config::Config;
use color_eyre::eyre::{WrapErr, eyre};
use std::net::SocketAddr;
use std::sync::Arc;

const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// `switchback serve`: the demo platform over the documented HTTP API.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:7878, or `[serve] listen` in config].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// The demo scenario, a built-in name or a TOML file: the global `--scenario NAME`.
    #[arg(skip)]
    pub scenario: Option<String>,
    /// Demo time runs this many times faster than real time: the global `--speed N`.
    #[arg(skip)]
    pub speed: Option<f64>,
    /// Environment variable holding the deployer role's bearer token.
    #[arg(long, value_name = "VAR")]
    pub deployer_token_env: Option<String>,
    /// Environment variable holding the read-only role's bearer token.
    #[arg(long, value_name = "VAR")]
    pub read_only_token_env: Option<String>,
}

/// A token variable that was named but cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the environment variable {var} (the {role} token) is not set")]
    Unset { var: String, role: &'static str },
    #[error("the environment variable {var} (the {role} token) is empty")]
    Empty { var: String, role: &'static str },
    #[error("the deployer and read-only tokens must differ")]
    Same,
}

/// Reads the tokens from the variables named (flags first, then config); `lookup` is
/// `std::env::var` outside tests.
pub fn resolve_tokens(
    deployer_var: Option<&str>,
    read_only_var: Option<&str>,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Tokens, TokenError> {
    let read = |var: Option<&str>, role: &'static str| -> Result<Option<String>, TokenError> {
        let Some(var) = var else { return Ok(None) };
        match lookup(var) {
            None => Err(TokenError::Unset {
                var: var.to_owned(),
                role,
            }),
            Some(value) if value.trim().is_empty() => Err(TokenError::Empty {
                var: var.to_owned(),
                role,
            }),
            Some(value) => Ok(Some(value.trim().to_owned())),
        }
    };
    let tokens = Tokens {
        deployer: read(deployer_var, "deployer")?,
        read_only: read(read_only_var, "read-only")?,
    };
    if tokens.deployer.is_some() && tokens.deployer == tokens.read_only {
        return Err(TokenError::Same);
    }
    Ok(tokens)
}

/// Serves the demo platform until Ctrl-C or SIGTERM.
pub async fn run(args: ServeArgs, config: Config) -> color_eyre::Result<()> {
    crate::logging::init_stderr();
    let deployer_var = args
        .deployer_token_env
        .as_deref()
        .or(config.serve.deployer_token_env.as_deref());
    let read_only_var = args
        .read_only_token_env
        .as_deref()
        .or(config.serve.read_only_token_env.as_deref());
    let tokens = resolve_tokens(deployer_var, read_only_var, |var| std::env::var(var).ok())?;
    let listen: SocketAddr = match (args.listen, config.serve.listen.as_deref()) {
        (Some(addr), _) => addr,
        (None, Some(text)) => text
            .parse()
            .wrap_err_with(|| format!("[serve] listen = {text:?} is not an address"))?,
        (None, None) => DEFAULT_LISTEN.parse().expect("default address"),
    };
    let (backend, traffic) = demo_platform(&args)?;
    let mut state = ServeState::new(backend, tokens.clone());
    if let Some(traffic) = traffic {
        state = state.with_traffic(traffic);
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .wrap_err_with(|| format!("cannot listen on {listen}"))?;
    let bound = listener.local_addr()?;
    if tokens.is_open() {
        // Said once, on stderr (the log goes there too: it is not logged a second time).
        eprintln!(
            "switchback serve: WARNING: no token variable named: serving WITHOUT authentication, every caller may roll back"
        );
    }
    eprintln!("switchback serve: listening on http://{bound}");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .wrap_err("the server stopped")?;
    Ok(())
}

type Served = (Platform, Option<Arc<dyn super::TrafficSource>>);

/// The demo platform, on a clock `--speed` times faster than real time: a demo entry,
/// checked and built by the demo kind as a configured one would be.
fn demo_platform(args: &ServeArgs) -> color_eyre::Result<Served> {
    let mut config = DemoBackendConfig::new("serve");
    if let Some(scenario) = &args.scenario {
        config.scenario = scenario.clone();
    }
    if let Some(speed) = args.speed {
        config.speed = speed;
    }
    demo::DemoKind::validate(&config).map_err(|problem| eyre!("--{problem}"))?;
    // Roles are checked by the server from the token; the platform sees a deployer and
    // records the actor each request names.
    let demo = demo::platform(&config, demo::DemoKind::clock(&config), "serve".to_owned())?;
    tracing::info!(
        scenario = config.scenario,
        speed = config.speed,
        "serving the demo platform"
    );
    Ok((
        Platform::native(Arc::new(demo.clone())),
        Some(Arc::new(demo)),
    ))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("stopping");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |var| pairs.iter().find(|(k, _)| k == var).map(|(_, v)| v.clone())
    }

    #[test]
    fn named_but_unset_variables_refuse_to_start() {
        let err = resolve_tokens(Some("DEP"), None, env(&[])).unwrap_err();
        assert_eq!(
            err,
            TokenError::Unset {
                var: "DEP".into(),
                role: "deployer"
            }
        );
        let err = resolve_tokens(None, Some("RO"), env(&[("RO", " ")])).unwrap_err();
        assert!(matches!(err, TokenError::Empty { .. }));
    }

    #[test]
    fn tokens_come_from_the_named_variables() {
        let tokens =
            resolve_tokens(Some("DEP"), Some("RO"), env(&[("DEP", "d1"), ("RO", "r1")])).unwrap();
        assert_eq!(tokens.deployer.as_deref(), Some("d1"));
        assert_eq!(tokens.read_only.as_deref(), Some("r1"));
        assert!(!tokens.is_open());
        assert!(resolve_tokens(None, None, env(&[])).unwrap().is_open());
        assert_eq!(
            resolve_tokens(Some("A"), Some("B"), env(&[("A", "x"), ("B", "x")])).unwrap_err(),
            TokenError::Same
        );
    }
}
