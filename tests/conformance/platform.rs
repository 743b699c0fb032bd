//! What the suite needs from each platform under test: its fake running, the adapter wired to
//! it, a few deployments to act on, what the platform can and cannot express, and the
//! fake's own view of what was carried out.

use std::sync::Arc;
use switchback::backend::{Backend, PreconditionCode};
use switchback::domain::{Action, DeploymentId, EnvRef};

/// A platform under test. One implementation per adapter; the behaviours are written once
/// against this trait.
#[allow(async_fn_in_trait)]
pub trait Platform: Sized {
    /// What the platform can express, where platforms differ.
    const TRAITS: Traits;

    /// The fake with its starting world, and the adapter on a deployer's credentials.
    async fn start() -> Self;

    fn subject(&self) -> &Subject;

    /// The adapter under test.
    fn backend(&self) -> Arc<dyn Backend> {
        self.subject().backend.clone()
    }

    /// The environment every behaviour works in.
    fn env(&self) -> EnvRef {
        self.subject().env.clone()
    }

    fn fixtures(&self) -> &Fixtures {
        &self.subject().fixtures
    }

    /// One step of the platform's world: its clock, or its controller.
    async fn advance(&self);

    /// The live deployment as the fake records it, not as the adapter reports it.
    async fn live_at_platform(&self) -> Option<DeploymentId>;

    /// Operations the fake carried out so far (switches of the live deployment, builds and
    /// restarts), counted at the fake.
    async fn performed(&self) -> usize;

    /// Deployments the fake holds for the environment.
    async fn creations(&self) -> usize;

    /// Someone else moves live to `to` at the platform (another console, a dashboard, a
    /// `kubectl`) and it lands. Returns the name the platform records for them, when it
    /// records one.
    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String>;

    /// A new adapter on the same platform and credentials, as after the console restarts.
    async fn restarted(&self) -> Arc<dyn Backend>;

    /// An adapter on read-only credentials.
    async fn read_only(&self) -> Arc<dyn Backend>;

    /// The fake carries out the next creation (a redeploy) at once but holds its answer past
    /// the adapter's request timeout. Nothing to arrange without a network
    /// (`Traits::network` false).
    async fn answer_next_creation_late(&self);

    /// Whether a late answer arranged above still waits for its request.
    async fn late_answer_pending(&self) -> bool;

    /// How the `switchback` binary reaches this fake; `None` where it cannot (the embedded
    /// demo lives inside the binary, with nothing to share).
    fn command_line(&self) -> Option<CommandLine>;
}

/// A `[[backends]]` entry naming the fake, and how the command line names things there.
pub struct CommandLine {
    pub config: String,
    /// Variables the entry names (tokens), set for the binary only.
    pub vars: Vec<(String, String)>,
    pub project: String,
    pub env: String,
}

/// The adapter under test, where it works, and on what.
pub struct Subject {
    pub backend: Arc<dyn Backend>,
    pub env: EnvRef,
    pub fixtures: Fixtures,
}

/// Advances `p` until the fake has `to` live; panics when it never does.
pub async fn advance_until_live<P: Platform>(p: &P, to: &DeploymentId) {
    for _ in 0..120 {
        if p.live_at_platform().await.as_ref() == Some(to) {
            return;
        }
        p.advance().await;
    }
    panic!("{to} never went live")
}

/// Deployments of the starting world.
pub struct Fixtures {
    /// Live when the platform starts.
    pub live: DeploymentId,
    /// An earlier deployment a rollback can switch to.
    pub target: DeploymentId,
    /// Another earlier one, where a colleague moves live.
    pub other: DeploymentId,
    /// An action the platform refuses, with its code and suggestion.
    pub refused: Refused,
    /// What a redeploy starts from, and whether the platform rebuilds it.
    pub redeploy_source: DeploymentId,
    pub rebuild: bool,
}

pub struct Refused {
    pub deployment: DeploymentId,
    pub action: Action,
    pub code: PreconditionCode,
    pub suggestion: Option<Action>,
}

/// What a platform can express, where that differs between platforms.
#[derive(Clone, Copy, Debug)]
pub struct Traits {
    pub keys: Keys,
    /// The credentials' role is known before anything is refused (Unkey's is learned from
    /// the first refusal).
    pub role_known_up_front: bool,
    /// Words a refusal for a missing permission names.
    pub permission: &'static str,
    /// Calls cross a network, so an answer can come later than the adapter waits (the
    /// embedded demo's cannot).
    pub network: bool,
}

/// Who remembers an operation's idempotency key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// The platform: a replay from any console returns the first operation.
    Platform,
    /// Only the adapter (the platform takes no keys): a replay from the same console returns
    /// the first operation; a restarted console's replay must be refused, never performed.
    Adapter,
}
