//! The Unkey adapter against the fake Unkey v2 API on a real socket, on a virtual clock.

use crate::platform::{CommandLine, Fixtures, Keys, Platform, Refused, Subject, Traits};
use crate::support::unkey::fake::{FULL_KEY, Fake, READ_ONLY_KEY};
use crate::support::unkey::world::{
    GOOD, LIVE, PROJECT, STOPPED, deployment, id, production, settings, world,
};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::unkey::UnkeyBackend;
use switchback::backend::{Backend, PreconditionCode};
use switchback::clock::VirtualClock;
use switchback::domain::{Action, DeploymentId};

/// A second ready deployment, older than `GOOD`.
const OLDER: &str = "d_good0000";
/// How long the adapter waits for an answer here.
const PATIENCE: Duration = Duration::from_secs(1);
/// Longer than the adapter waits here and in the binary (10 s, not configurable).
const LATE: Duration = Duration::from_secs(12);
/// The variable the binary's config names for the root key.
const KEY_VAR: &str = "SWITCHBACK_CONFORMANCE_UNKEY_KEY";

pub struct UnkeyPlatform {
    fake: Fake,
    clock: VirtualClock,
    subject: Subject,
}

fn adapter(fake: &Fake, clock: &VirtualClock, key: &str) -> Arc<dyn Backend> {
    let mut settings = settings(fake, key);
    settings.http.request_timeout = PATIENCE;
    let clock = Arc::new(clock.clone());
    Arc::new(UnkeyBackend::new(settings, clock).expect("client builds"))
}

impl Platform for UnkeyPlatform {
    const TRAITS: Traits = Traits {
        // Unkey v2 takes no idempotency key and returns no operation id.
        keys: Keys::Adapter,
        // A missing permission shows only when Unkey refuses.
        role_known_up_front: false,
        permission: "rollback_deployment",
        network: true,
    };

    async fn start() -> Self {
        // Production, oldest first: a stopped one, OLDER and GOOD ready, LIVE live.
        let mut state = world();
        let at = state.deployments[0].created_at + 30_000;
        let older = deployment(OLDER, "production", "ready", "1212121abab", at);
        state.deployments.insert(1, older);
        let fake = Fake::start(state).await;
        let clock = VirtualClock::starting_at(chrono::Utc::now());
        let fixtures = Fixtures {
            live: id(LIVE),
            target: id(GOOD),
            other: id(OLDER),
            refused: Refused {
                deployment: id(STOPPED),
                action: Action::Rollback,
                code: PreconditionCode::NotRunning,
                suggestion: Some(Action::Redeploy),
            },
            redeploy_source: id(LIVE),
            rebuild: true,
        };
        let subject = Subject {
            backend: adapter(&fake, &clock, FULL_KEY),
            env: production(),
            fixtures,
        };
        Self {
            fake,
            clock,
            subject,
        }
    }

    fn subject(&self) -> &Subject {
        &self.subject
    }

    async fn advance(&self) {
        self.clock.advance(Duration::from_secs(1));
    }

    async fn live_at_platform(&self) -> Option<DeploymentId> {
        let current = self.fake.with(|s| s.apps[0].current.clone());
        current.map(DeploymentId::new)
    }

    async fn performed(&self) -> usize {
        self.fake.with(|s| s.performed)
    }

    async fn creations(&self) -> usize {
        let production = |s: &mut crate::support::unkey::fake::FakeState| {
            let deployments = s.deployments.iter();
            deployments.filter(|d| d.env_slug == "production").count()
        };
        self.fake.with(production)
    }

    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String> {
        // Someone rolls back in Unkey's dashboard; Unkey does not say who.
        self.fake.with(|s| {
            s.apps[0].current = Some(to.to_string());
            s.apps[0].rolled_back = true;
        });
        None
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, FULL_KEY)
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, READ_ONLY_KEY)
    }

    async fn answer_next_creation_late(&self) {
        let late = ("deployments.createDeployment".to_owned(), LATE);
        self.fake.with(|s| s.late.push(late));
    }

    async fn late_answer_pending(&self) -> bool {
        self.fake.with(|s| !s.late.is_empty())
    }

    fn command_line(&self) -> Option<CommandLine> {
        let config = format!(
            "[[backends]]\nkind = \"unkey\"\nname = \"unkey\"\nbase-url = \"{}\"\n\
             token-env = \"{KEY_VAR}\"\n",
            self.fake.base_url
        );
        Some(CommandLine {
            config,
            vars: vec![(KEY_VAR.into(), FULL_KEY.into())],
            project: PROJECT.into(),
            env: "web/production".into(),
        })
    }
}
