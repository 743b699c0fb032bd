use super::serve::{Served, serve};
use chrono::TimeZone;
use std::net::SocketAddr;
use std::sync::{Arc, Once};
use std::time::Duration;
use switchback::backend::demo::{DemoBackend, Scenario};
use switchback::backend::http::HttpBackendConfig;
use switchback::backend::http::{HttpBackend, HttpOptions};
use switchback::backend::{Backend, Identity, OperationRequest, PageRequest, Role};
use switchback::clock::VirtualClock;
use switchback::domain::{DeploymentId, EnvRef, Operation};
use switchback::net::{HttpSettings, RetryPolicy};
use switchback::serve::{ServeState, Tokens};

pub const DEPLOYER_VAR: &str = "SWITCHBACK_HTTP_TEST_DEPLOYER_TOKEN";
pub const READ_ONLY_VAR: &str = "SWITCHBACK_HTTP_TEST_READ_ONLY_TOKEN";
pub const WRONG_VAR: &str = "SWITCHBACK_HTTP_TEST_WRONG_TOKEN";
pub const DEPLOYER_TOKEN: &str = "dep-4f1b2c9d8e7a6b5c";
pub const READ_ONLY_TOKEN: &str = "ro-9a8b7c6d5e4f3a2b";

/// Sets the token variables once, before any client reads them.
fn token_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: runs once, before any test thread builds a client or reads the environment
        // (every test starts through `Platform::start`).
        unsafe {
            std::env::set_var(DEPLOYER_VAR, DEPLOYER_TOKEN);
            std::env::set_var(READ_ONLY_VAR, READ_ONLY_TOKEN);
            std::env::set_var(WRONG_VAR, "not-a-valid-token");
        }
    });
}

pub fn prod() -> EnvRef {
    EnvRef::new("acme/storefront", "production")
}

/// The demo platform served on a loopback port.
pub struct Platform {
    pub demo: DemoBackend,
    pub clock: VirtualClock,
    pub addr: SocketAddr,
    _served: Served,
}

impl Platform {
    pub async fn start() -> Platform {
        Self::start_scenario("bad-deploy").await
    }

    pub async fn start_scenario(scenario: &str) -> Platform {
        token_env();
        let clock = VirtualClock::starting_at(
            chrono::Utc
                .with_ymd_and_hms(2026, 11, 20, 14, 0, 0)
                .unwrap(),
        );
        let demo = DemoBackend::new(
            Scenario::load(scenario).unwrap(),
            Arc::new(clock.clone()),
            Identity {
                actor: "serve".into(),
                role: Role::Deployer,
            },
        );
        let tokens = Tokens {
            deployer: Some(DEPLOYER_TOKEN.into()),
            read_only: Some(READ_ONLY_TOKEN.into()),
        };
        let state =
            ServeState::new(Arc::new(demo.clone()), tokens).with_traffic(Arc::new(demo.clone()));
        let served = serve(state).await;
        Platform {
            demo,
            clock,
            addr: served.addr,
            _served: served,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Operations the platform itself recorded in `env`.
    /// (Retried: the `flaky` scenario fails some platform calls on purpose.)
    pub async fn operations(&self, env: &EnvRef) -> Vec<Operation> {
        for _ in 0..10 {
            match self.demo.list_operations(env).await {
                Ok(ops) => return ops,
                Err(e) if e.is_retryable() => continue,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("the platform kept failing")
    }

    /// How many deployments the platform has in `prod()`.
    pub async fn deployment_count(&self) -> usize {
        for _ in 0..10 {
            match self
                .demo
                .list_deployments(&prod(), PageRequest::first(500))
                .await
            {
                Ok(page) => {
                    assert!(page.next.is_none(), "more than one page");
                    return page.items.len();
                }
                Err(e) if e.is_retryable() => continue,
                Err(e) => panic!("{e}"),
            }
        }
        panic!("the platform kept failing")
    }

    pub async fn id(&self, label: &str) -> DeploymentId {
        let mut page = None;
        for _ in 0..10 {
            match self
                .demo
                .list_deployments(&prod(), PageRequest::first(200))
                .await
            {
                Ok(found) => {
                    page = Some(found);
                    break;
                }
                Err(e) if e.is_retryable() => continue,
                Err(e) => panic!("{e}"),
            }
        }
        let page = page.expect("the platform kept failing");
        page.items
            .into_iter()
            .find(|d| d.label == label)
            .unwrap_or_else(|| panic!("no deployment {label}"))
            .id
    }
}

/// Fast retries so tests do not wait on backoff; `attempts` = 1 means no retry. A
/// `Retry-After` above 2 s ends a call at once, as one above a minute does in use.
pub fn options(attempts: u32) -> HttpOptions {
    HttpOptions {
        settings: HttpSettings {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(5),
            ..HttpSettings::default()
        },
        retry: RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(1500),
            retry_after_cap: Duration::from_secs(2),
        },
    }
}

pub fn config(url: &str, token_var: Option<&str>) -> HttpBackendConfig {
    let mut config = HttpBackendConfig::new("shared", url);
    config.token_env = token_var.map(str::to_owned);
    config
}

pub fn deployer(url: &str) -> HttpBackend {
    HttpBackend::with_options(&config(url, Some(DEPLOYER_VAR)), options(4)).unwrap()
}

pub fn client(url: &str, token_var: Option<&str>, options: HttpOptions) -> HttpBackend {
    HttpBackend::with_options(&config(url, token_var), options).unwrap()
}

pub fn rollback(
    target: &DeploymentId,
    expected: &DeploymentId,
    key: &str,
    actor: &str,
) -> OperationRequest {
    OperationRequest {
        env: prod(),
        target: target.clone(),
        expected_live: Some(expected.clone()),
        idempotency_key: key.to_owned(),
        actor: actor.to_owned(),
        strategy: None,
        scope: Default::default(),
    }
}

/// A plain HTTP client for looking at the wire itself.
pub fn raw_client() -> reqwest::Client {
    switchback::net::install_tls_provider();
    reqwest::Client::new()
}
