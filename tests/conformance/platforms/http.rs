//! The HTTP contract adapter over a real loopback socket to `switchback serve`'s router,
//! which serves the demo platform; a fault proxy sits between them.

use crate::platform::{
    CommandLine, Fixtures, Keys, Platform, Refused, Subject, Traits, advance_until_live,
};
use crate::support::http::{self, DEPLOYER_TOKEN, DEPLOYER_VAR, READ_ONLY_VAR, prod};
use crate::support::proxy::{Fault, FaultProxy};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::http::HttpOptions;
use switchback::backend::{Backend, PageRequest, PreconditionCode};
use switchback::domain::{Action, DeploymentId};

/// How long the adapter waits for an answer here; a late answer waits longer.
const PATIENCE: Duration = Duration::from_secs(1);
/// The variable the binary's config names for the deployer's token.
const TOKEN_VAR: &str = "SWITCHBACK_CONFORMANCE_TOKEN";

pub struct HttpPlatform {
    served: http::Platform,
    proxy: FaultProxy,
    subject: Subject,
}

fn client(proxy: &FaultProxy, token_var: &str) -> Arc<dyn Backend> {
    let mut options: HttpOptions = http::options(4);
    options.settings.request_timeout = PATIENCE;
    Arc::new(http::client(&proxy.url(), Some(token_var), options))
}

impl Platform for HttpPlatform {
    const TRAITS: Traits = Traits {
        keys: Keys::Platform,
        role_known_up_front: true,
        permission: "read-only",
        network: true,
    };

    async fn start() -> Self {
        let served = http::Platform::start_scenario("bad-deploy").await;
        let proxy = FaultProxy::start(served.addr).await;
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
        let subject = Subject {
            backend: client(&proxy, DEPLOYER_VAR),
            env: prod(),
            fixtures,
        };
        Self {
            served,
            proxy,
            subject,
        }
    }

    fn subject(&self) -> &Subject {
        &self.subject
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
        let live = &self.subject.fixtures.live;
        bob.rollback(http::rollback(to, live, "bob-1", "bob"))
            .await
            .unwrap();
        advance_until_live(self, to).await;
        Some("bob".into())
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        client(&self.proxy, DEPLOYER_VAR)
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        client(&self.proxy, READ_ONLY_VAR)
    }

    async fn answer_next_creation_late(&self) {
        let late = Fault::LateAnswer(PATIENCE * 3);
        self.proxy.aim("POST", "/redeploy", late);
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
