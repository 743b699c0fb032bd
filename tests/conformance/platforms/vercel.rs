//! The Vercel adapter against the fake Vercel REST API on a real socket, the two on one
//! virtual clock.

use crate::platform::{CommandLine, Fixtures, Keys, Platform, Refused, Subject, Traits};
use crate::support::vercel::fake::{Fake, FakeState, MEMBER_TOKEN, VIEWER_TOKEN};
use crate::support::vercel::model;
use crate::support::vercel::world::{
    GOOD, LIVE, OLDER, PROJECT, REMOVED, TEAM_ID, clock, id, production, settings, world,
};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::vercel::VercelBackend;
use switchback::backend::{Backend, PreconditionCode};
use switchback::clock::VirtualClock;
use switchback::domain::{Action, DeploymentId};

/// How long the adapter waits for an answer here.
const PATIENCE: Duration = Duration::from_secs(1);
/// Longer than the adapter waits here and in the binary (10 s, not configurable).
const LATE: Duration = Duration::from_secs(12);
/// The variable the binary's config names for the token.
const TOKEN_VAR: &str = "SWITCHBACK_CONFORMANCE_VERCEL_TOKEN";
const CREATE: &str = "POST /v13/deployments";

pub struct VercelPlatform {
    fake: Fake,
    clock: VirtualClock,
    subject: Subject,
}

fn adapter(fake: &Fake, clock: &VirtualClock, token: &str) -> Arc<dyn Backend> {
    let mut settings = settings(fake, token);
    settings.http.request_timeout = PATIENCE;
    Arc::new(VercelBackend::new(settings, Arc::new(clock.clone())).expect("client builds"))
}

impl Platform for VercelPlatform {
    const TRAITS: Traits = Traits {
        // Vercel takes no idempotency key and returns no operation id.
        keys: Keys::Adapter,
        // The team membership's role says it (VIEWER may look, not act).
        role_known_up_front: true,
        permission: "role",
        network: true,
    };

    async fn start() -> Self {
        let clock = clock();
        let fake = Fake::start(world(&clock)).await;
        let fixtures = Fixtures {
            live: id(LIVE),
            target: id(GOOD),
            other: id(OLDER),
            refused: Refused {
                deployment: id(REMOVED),
                action: Action::Rollback,
                code: PreconditionCode::ArtifactPruned,
                suggestion: Some(Action::Redeploy),
            },
            redeploy_source: id(LIVE),
            // Vercel redeploys by building the source again.
            rebuild: true,
        };
        let subject = Subject {
            backend: adapter(&fake, &clock, MEMBER_TOKEN),
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
        self.fake.with(|s| {
            model::settle(s);
            s.projects[0].production.clone().map(DeploymentId::new)
        })
    }

    async fn performed(&self) -> usize {
        self.fake.with(|s| s.performed)
    }

    async fn creations(&self) -> usize {
        let production = |s: &mut FakeState| {
            let mine = s.deployments.iter().filter(|d| d.project_id == PROJECT);
            mine.filter(|d| d.target == Some("production")).count()
        };
        self.fake.with(production)
    }

    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String> {
        // Someone rolls back in Vercel's dashboard a while ago; Vercel does not say who.
        self.fake.with(|s| {
            let long_ago = s.now_ms() - 600_000;
            model::start_job(s, 0, true, to.as_str(), long_ago);
            model::settle(s);
        });
        None
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, MEMBER_TOKEN)
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        adapter(&self.fake, &self.clock, VIEWER_TOKEN)
    }

    async fn answer_next_creation_late(&self) {
        self.fake.with(|s| s.late.push((CREATE.to_owned(), LATE)));
    }

    async fn late_answer_pending(&self) -> bool {
        self.fake.with(|s| !s.late.is_empty())
    }

    fn command_line(&self) -> Option<CommandLine> {
        let config = format!(
            "[[backends]]\nkind = \"vercel\"\nname = \"vercel\"\nbase-url = \"{}\"\n\
             token-env = \"{TOKEN_VAR}\"\nteam = \"{TEAM_ID}\"\n",
            self.fake.base_url
        );
        Some(CommandLine {
            config,
            vars: vec![(TOKEN_VAR.into(), MEMBER_TOKEN.into())],
            project: PROJECT.into(),
            env: "production".into(),
        })
    }
}
