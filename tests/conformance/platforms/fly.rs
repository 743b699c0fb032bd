//! The Fly adapter against the fake Fly API on a real socket: app `shop-web` with releases
//! v25–v30 (v30 live on six Machines), the image of v27 deleted from the registry.

use crate::platform::{CommandLine, Fixtures, Keys, Platform, Refused, Subject, Traits};
use crate::support::fly::fake::Fake;
use crate::support::fly::world::{
    self, APP, COLLEAGUE, ORG, ORG_TOKEN, PROJECT, READ_TOKEN, STAGING_APP, id,
};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::{Backend, PreconditionCode};
use switchback::clock::VirtualClock;
use switchback::domain::{Action, DeploymentId};

/// How long the adapter waits for an answer here.
const PATIENCE: Duration = Duration::from_secs(1);
/// Longer than the adapter waits, here and in the binary's config below.
const LATE: Duration = Duration::from_secs(3);
/// The variable the binary's config names for the token.
const TOKEN_VAR: &str = "SWITCHBACK_CONFORMANCE_FLY_TOKEN";

pub struct FlyPlatform {
    fake: Fake,
    clock: VirtualClock,
    subject: Subject,
}

fn adapter(fake: &Fake, clock: &VirtualClock, token: &str) -> Arc<dyn Backend> {
    world::adapter(fake, clock, world::settings(fake, token, PATIENCE))
}

fn version(id: &DeploymentId) -> i64 {
    id.as_str().parse().unwrap()
}

impl Platform for FlyPlatform {
    const TRAITS: Traits = Traits {
        // Fly takes no idempotency key; the adapter remembers its own.
        keys: Keys::Adapter,
        // Fly's `/tokens/authorize` says whether the token may deploy each app.
        role_known_up_front: true,
        permission: "deploy",
        network: true,
    };

    async fn start() -> Self {
        let clock = world::clock();
        let fake = Fake::start(world::world(&clock)).await;
        let fixtures = Fixtures {
            live: id(30),
            target: id(29),
            other: id(28),
            refused: Refused {
                deployment: id(27),
                action: Action::Rollback,
                code: PreconditionCode::ArtifactPruned,
                suggestion: None,
            },
            redeploy_source: id(30),
            rebuild: false,
        };
        let subject = Subject {
            backend: adapter(&fake, &clock, ORG_TOKEN),
            env: world::production(),
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
        self.fake.with(|s| s.advance(1));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }

    async fn live_at_platform(&self) -> Option<DeploymentId> {
        self.fake.with(|s| s.live(APP)).map(id)
    }

    async fn performed(&self) -> usize {
        self.fake.with(|s| s.performed)
    }

    async fn creations(&self) -> usize {
        self.fake
            .with(|s| s.releases.iter().filter(|r| r.app == APP).count())
    }

    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String> {
        // Ana runs `fly deploy --image` of that release's image from her laptop.
        self.fake
            .with(|s| s.colleague_deploys(APP, version(to), COLLEAGUE));
        Some(COLLEAGUE.to_owned())
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, ORG_TOKEN)
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, READ_TOKEN)
    }

    async fn answer_next_creation_late(&self) {
        self.fake.answer_late("POST /api/v1/releases", LATE);
    }

    async fn late_answer_pending(&self) -> bool {
        self.fake.with(|s| !s.late.is_empty())
    }

    fn command_line(&self) -> Option<CommandLine> {
        let config = format!(
            "[[backends]]\nkind = \"fly\"\nname = \"fly\"\norg = \"{ORG}\"\nproject = \"{PROJECT}\"\n\
             api-url = \"{url}\"\nmachines-url = \"{url}\"\ntoken-env = \"{TOKEN_VAR}\"\n\
             request-timeout = \"1s\"\n[backends.apps]\nproduction = \"{APP}\"\nstaging = \"{STAGING_APP}\"\n",
            url = self.fake.url
        );
        Some(CommandLine {
            config,
            vars: vec![(TOKEN_VAR.into(), ORG_TOKEN.into())],
            project: PROJECT.into(),
            env: "production".into(),
        })
    }
}
