//! The Temps adapter against the fake Temps v0.0.1 on a real socket: the static project
//! `switchback-static` (deployments 6–9 completed, 9 live) with one failed build added,
//! since only a static site's rollback completes on v0.0.1.

use crate::platform::{CommandLine, Fixtures, Keys, Platform, Refused, Subject, Traits};
use crate::support::temps::fake::FakeTemps;
use crate::support::temps::world::{ADMIN_KEY, FakeState, READER_KEY, STATIC_ENV};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::{Backend, PreconditionCode};
use switchback::clock::VirtualClock;
use switchback::domain::{Action, DeploymentId, EnvRef};

/// How long the adapter waits for an answer here.
const PATIENCE: Duration = Duration::from_secs(1);
/// Longer than the adapter waits, here and in the binary's config below.
const LATE: Duration = Duration::from_secs(3);
/// The variable the binary's config names for the key.
const KEY_VAR: &str = "SWITCHBACK_CONFORMANCE_TEMPS_KEY";

pub struct TempsPlatform {
    fake: FakeTemps,
    clock: VirtualClock,
    subject: Subject,
}

fn adapter(fake: &FakeTemps, clock: &VirtualClock, key: &str) -> Arc<dyn Backend> {
    Arc::new(fake.adapter(fake.settings(key, PATIENCE), Arc::new(clock.clone())))
}

fn id(n: i32) -> DeploymentId {
    DeploymentId::new(n.to_string())
}

impl Platform for TempsPlatform {
    const TRAITS: Traits = Traits {
        // Temps takes no idempotency key; the adapter remembers its own.
        keys: Keys::Adapter,
        // `/user/me` names the key's role and `/api-keys/permissions` what it may do.
        role_known_up_front: true,
        permission: "deployments:create",
        network: true,
    };

    async fn start() -> Self {
        let mut world = FakeState::recorded();
        let failed = world.add_deployment(
            STATIC_ENV,
            "failed",
            "1111111111111111111111111111111111111111",
        );
        let fake = FakeTemps::start(world).await;
        let clock = VirtualClock::starting_at(chrono::Utc::now());
        let fixtures = Fixtures {
            live: id(9),
            target: id(7),
            other: id(8),
            refused: Refused {
                deployment: id(failed),
                action: Action::Rollback,
                code: PreconditionCode::NotReady,
                suggestion: None,
            },
            redeploy_source: id(9),
            rebuild: true,
        };
        let subject = Subject {
            backend: adapter(&fake, &clock, ADMIN_KEY),
            env: EnvRef::new("switchback-static", "production"),
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
        self.fake.with(FakeState::advance);
        self.clock.advance(Duration::from_secs(1));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    async fn live_at_platform(&self) -> Option<DeploymentId> {
        self.fake.with(|s| s.live(STATIC_ENV)).map(id)
    }

    async fn performed(&self) -> usize {
        self.fake.with(|s| s.performed)
    }

    async fn creations(&self) -> usize {
        self.fake.with(|s| {
            s.deployments
                .iter()
                .filter(|d| d["environment_id"] == STATIC_ENV)
                .count()
        })
    }

    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String> {
        // Someone rolls back in Temps' dashboard; Temps does not record who.
        let to: i32 = to.as_str().parse().unwrap();
        self.fake.with(|s| s.set_live(STATIC_ENV, to));
        None
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, ADMIN_KEY)
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, READER_KEY)
    }

    async fn answer_next_creation_late(&self) {
        self.fake.answer_late("trigger-pipeline", LATE);
    }

    async fn late_answer_pending(&self) -> bool {
        self.fake.with(|s| !s.late.is_empty())
    }

    fn command_line(&self) -> Option<CommandLine> {
        let config = format!(
            "[[backends]]\nkind = \"temps\"\nname = \"temps\"\nbase-url = \"{}\"\n\
             token-env = \"{KEY_VAR}\"\nrequest-timeout = \"1s\"\n",
            self.fake.url
        );
        Some(CommandLine {
            config,
            vars: vec![(KEY_VAR.into(), ADMIN_KEY.into())],
            project: "switchback-static".into(),
            env: "production".into(),
        })
    }
}
