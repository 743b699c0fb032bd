//! The embedded demo platform: the adapter is the platform, on a virtual clock.

use crate::platform::{
    CommandLine, Fixtures, Keys, Platform, Refused, Subject, Traits, advance_until_live,
};
use crate::support::demo::{Demo, deployer, prod, read_only, request};
use std::sync::Arc;
use switchback::backend::{Backend, PreconditionCode};
use switchback::domain::{Action, DeploymentId};

pub struct DemoPlatform {
    demo: Demo,
    subject: Subject,
}

impl Platform for DemoPlatform {
    const TRAITS: Traits = Traits {
        keys: Keys::Platform,
        role_known_up_front: true,
        permission: "read-only",
        network: false,
    };

    async fn start() -> Self {
        // v42 is live; v41 still runs; v40 is spun down; v37's artifact was pruned.
        let demo = Demo::new("bad-deploy");
        let env = prod();
        let fixtures = Fixtures {
            live: demo.id(&env, "v42").await,
            target: demo.id(&env, "v41").await,
            other: demo.id(&env, "v40").await,
            refused: Refused {
                deployment: demo.id(&env, "v37").await,
                action: Action::Rollback,
                code: PreconditionCode::ArtifactPruned,
                suggestion: Some(Action::Redeploy),
            },
            redeploy_source: demo.id(&env, "v42").await,
            rebuild: false,
        };
        let backend = Arc::new(demo.backend.clone());
        Self {
            demo,
            subject: Subject {
                backend,
                env,
                fixtures,
            },
        }
    }

    fn subject(&self) -> &Subject {
        &self.subject
    }

    async fn advance(&self) {
        self.demo.advance(1);
    }

    async fn live_at_platform(&self) -> Option<DeploymentId> {
        self.demo.env(&prod()).await.live
    }

    async fn performed(&self) -> usize {
        let operations = self.demo.backend.list_operations(&prod()).await;
        operations.unwrap().len()
    }

    async fn creations(&self) -> usize {
        self.demo.all(&prod()).await.len()
    }

    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String> {
        let dana = self.demo.backend.with_identity(deployer("dana"));
        let mut moving = request(&prod(), to, "dana-1");
        moving.actor = "dana".into();
        dana.rollback(moving).await.unwrap();
        advance_until_live(self, to).await;
        Some("dana".into())
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        Arc::new(self.demo.backend.with_identity(deployer("alice")))
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        Arc::new(self.demo.backend.with_identity(read_only("rita")))
    }

    // The demo answers from inside the process: no answer can come late.
    async fn answer_next_creation_late(&self) {}

    async fn late_answer_pending(&self) -> bool {
        false
    }

    // The binary carries its own demo platform, with nothing to share with this one.
    fn command_line(&self) -> Option<CommandLine> {
        None
    }
}
