//! The HTTP contract adapter over a real loopback socket to `switchback serve`'s router,
//! which serves the demo platform; a fault proxy sits between them.

use crate::platform::{CommandLine, Fixtures, Keys, Platform, Refused, Traits};
use crate::support::http::{self, DEPLOYER_TOKEN, DEPLOYER_VAR, READ_ONLY_VAR, prod};
use crate::support::proxy::{Fault, FaultProxy};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::http::HttpOptions;
use switchback::backend::{Backend, PageRequest, PreconditionCode};
use switchback::domain::{Action, DeploymentId, EnvRef};

/// How long the adapter waits for an answer here; a late answer waits longer.
const PATIENCE: Duration = Duration::from_secs(1);
/// The variable the binary's config names for the deployer's token.
const TOKEN_VAR: &str = "SWITCHBACK_CONFORMANCE_TOKEN";

pub struct HttpPlatform {
    served: http::Platform,
    proxy: FaultProxy,
    backend: Arc<dyn Backend>,
    fixtures: Fixtures,
}

fn options() -> HttpOptions {
    let mut options = http::options(4);
    options.settings.request_timeout = PATIENCE;
    options
}

impl HttpPlatform {
    fn client(&self, token_var: &str) -> Arc<dyn Backend> {
        Arc::new(http::client(&self.proxy.url(), Some(token_var), options()))
    }
}

impl Platform for HttpPlatform {
    async fn start() -> Self {
        let served = http::Platform::start_scenario("bad-deploy").await;
        let proxy = FaultProxy::start(served.addr).await;
        let backend: Arc<dyn Backend> =
            Arc::new(http::client(&proxy.url(), Some(DEPLOYER_VAR), options()));
        let fixtures = Fixtures {
            live: served.id("v42").await,
            target: served.id("v41").await,
            other: served.id("v40").await,
            refused: Refused {
                deployment: served.id("v37").await,
                action: Action::Rollback,
                code: PreconditionCode::ArtifactPruned,
                suggestion: Some(Action::Redeploy),
            },
            redeploy_source: served.id("v42").await,
            rebuild: false,
        };
        Self {
            served,
            proxy,
            backend,
            fixtures,
        }
    }

    fn backend(&self) -> Arc<dyn Backend> {
        self.backend.clone()
    }

    fn env(&self) -> EnvRef {
        prod()
    }

    fn fixtures(&self) -> &Fixtures {
        &self.fixtures
    }

    fn traits(&self) -> Traits {
        Traits {
            keys: Keys::Platform,
            role_known_up_front: true,
            permission: "read-only",
            network: true,
        }
    }

    async fn advance(&self) {
        self.served.clock.advance(Duration::from_secs(1));
    }

    async fn live_at_platform(&self) -> Option<DeploymentId> {
        self.served
            .demo
            .get_environment(&prod())
            .await
            .unwrap()
            .live
    }

    async fn performed(&self) -> usize {
        self.served.operations(&prod()).await.len()
    }

    async fn creations(&self) -> usize {
        let all = PageRequest::first(1000);
        let page = self.served.demo.list_deployments(&prod(), all).await;
        page.unwrap().items.len()
    }

    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String> {
        let bob = http::deployer(&self.served.url());
        let moving = http::rollback(to, &self.fixtures.live, "bob-1", "bob");
        bob.rollback(moving).await.unwrap();
        for _ in 0..120 {
            if self.live_at_platform().await.as_ref() == Some(to) {
                return Some("bob".into());
            }
            self.advance().await;
        }
        panic!("bob's rollback to {to} did not land")
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        self.client(DEPLOYER_VAR)
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        self.client(READ_ONLY_VAR)
    }

    async fn answer_next_creation_late(&self) {
        self.proxy
            .aim("POST", "/redeploy", Fault::LateAnswer(PATIENCE * 3));
    }

    async fn late_answer_pending(&self) -> bool {
        self.proxy.aimed_left() > 0
    }

    fn command_line(&self) -> Option<CommandLine> {
        let config = format!(
            "[[backends]]\nkind = \"http\"\nname = \"shared\"\nurl = \"{}\"\n\
             token-env = \"{TOKEN_VAR}\"\nrequest-timeout = \"{}ms\"\n",
            self.proxy.url(),
            PATIENCE.as_millis()
        );
        Some(CommandLine {
            config,
            vars: vec![(TOKEN_VAR.into(), DEPLOYER_TOKEN.into())],
            project: "acme/storefront".into(),
            env: "production".into(),
        })
    }
}
