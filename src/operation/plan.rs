//! `plan`: from "roll back production to v41" to the checked action, the request exactly as
//! it will be sent, the facts that justify it and the confirmation it demands. The console
//! and the commands both plan here and send only what the plan holds.

use super::facts::{Briefing, Estimate, Fact, default_strategy, estimate, facts};
use super::request::{Parts, Request, new_idempotency_key};
use crate::backend::{Backend, BackendError, Capabilities, Identity};
use crate::domain::{
    Action, ActionAvailability, BuildStatus, Deployment, DeploymentId, Diff, DomainMove, EnvRef,
    Environment, Scope, Strategy,
};

/// What the engineer asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Intent {
    pub action: Action,
    pub env: EnvRef,
    pub target: DeploymentId,
    /// Redeploy: `Some(true)` rebuilds from the commit; `None` rebuilds only when the artifact
    /// cannot be reused (pruned, never built, or the platform cannot reuse artifacts).
    pub rebuild: Option<bool>,
    /// `None`: the platform's safest ([`default_strategy`]).
    pub strategy: Option<Strategy>,
    pub scope: Scope,
}

impl Intent {
    pub fn new(action: Action, env: EnvRef, target: DeploymentId) -> Self {
        Self {
            action,
            env,
            target,
            rebuild: None,
            strategy: None,
            scope: Scope::default(),
        }
    }
}

/// What the front end already knows and the rules it applies.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    /// `console.protected-environments`: ids or names, in any case.
    pub protected: Vec<String>,
    /// The project's display name; its id when not given.
    pub project_name: Option<String>,
    /// Who is asking; read from the platform when not given.
    pub identity: Option<Identity>,
    /// The engineer's name, sent as the operation's actor (config `actor`, else the login
    /// name); the identity's actor when not given.
    pub actor: Option<String>,
}

/// How the engineer must confirm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Type this word exactly: the environment's id (`production`).
    TypeName(String),
    /// `y` is enough.
    YesNo,
}

impl Confirmation {
    /// The one protection rule: an environment listed by id or by name, in any case, asks
    /// for its id to be typed.
    pub fn for_environment(env: &Environment, protected: &[String]) -> Self {
        let listed = protected.iter().any(|p| {
            let p = p.trim();
            p.eq_ignore_ascii_case(env.id.as_str()) || p.eq_ignore_ascii_case(&env.name)
        });
        if listed {
            Self::TypeName(env.id.to_string())
        } else {
            Self::YesNo
        }
    }

    /// Whether `answer` (a line, its ending aside) confirms. A typed name must match
    /// exactly: `production ` is not `production`.
    pub fn accepts(&self, answer: &str) -> bool {
        let answer = answer.trim_end_matches(['\n', '\r']);
        match self {
            Self::TypeName(name) => answer == name,
            Self::YesNo => matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES"),
        }
    }

    pub fn is_typed(&self) -> bool {
        matches!(self, Self::TypeName(_))
    }
}

/// The platform said in advance that the action is not possible on this deployment.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub action: Action,
    pub target_label: String,
    pub reason: String,
    /// The platform's code for it (`artifact_pruned`, `permission`, ...).
    pub code: Option<String>,
    /// What to do instead, when there is something.
    pub suggestion: Option<Action>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("cannot {} to {}: {}", verb(.0.action), .0.target_label, .0.reason)]
    Refused(Refusal),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// What the engineer may still choose in the modal, where the platform allows it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Choices {
    pub strategies: Vec<Strategy>,
    pub components: Vec<String>,
    pub regions: Vec<String>,
}

impl Choices {
    pub fn is_empty(&self) -> bool {
        self.strategies.len() < 2 && self.components.len() < 2 && self.regions.len() < 2
    }
}

/// Everything decided before the confirmation.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub action: Action,
    pub project_name: String,
    pub environment: Environment,
    pub target: Deployment,
    /// The live deployment when planned: id and label.
    pub live: Option<(DeploymentId, String)>,
    pub diff: Option<Diff>,
    /// The hostnames a switch moves (or leaves).
    pub domains: Vec<DomainMove>,
    /// Sent as it is once confirmed, and only then.
    pub request: Request,
    pub facts: Vec<Fact>,
    pub confirmation: Confirmation,
    /// The strategy and scope the request carries.
    pub strategy: Option<Strategy>,
    pub scope: Scope,
    /// How long it takes, when the platform says what that is made of.
    pub estimate: Option<Estimate>,
    /// What may still be chosen (strategy, components, regions).
    pub choices: Choices,
    /// What planning read and the rules it applied: a choice re-assembles from them.
    pub reads: Reads,
    pub context: Context,
}

impl Plan {
    /// The same plan with another strategy or scope: facts, estimate and request follow
    /// (a fresh idempotency key: nothing was sent for the old one). Nothing is read again.
    pub fn choose(&self, strategy: Option<Strategy>, scope: Scope) -> Plan {
        let mut reads = self.reads.clone();
        reads.intent.strategy = strategy;
        reads.intent.scope = scope;
        assemble(reads, &self.context)
    }

    pub fn live_label(&self) -> Option<&str> {
        self.live.as_ref().map(|(_, label)| label.as_str())
    }

    pub fn env(&self) -> &EnvRef {
        self.request.env()
    }

    /// A redeploy that rebuilds from the commit.
    pub fn rebuild(&self) -> bool {
        matches!(&self.request, Request::Redeploy(r) if r.rebuild)
    }

    /// `roll back production to v41`, for prompts and logs.
    pub fn summary(&self) -> String {
        format!(
            "{} {} to {}",
            verb(self.action),
            self.environment.id,
            self.target.label
        )
    }
}

/// `roll back`, `promote`, `redeploy`.
pub fn verb(action: Action) -> &'static str {
    match action {
        Action::Rollback => "roll back",
        Action::Promote => "promote",
        Action::Redeploy => "redeploy",
    }
}

/// Asks the platform whether the action is allowed, reads what the engineer must know, and
/// builds the request. Nothing is changed.
pub async fn plan(
    backend: &dyn Backend,
    intent: Intent,
    context: &Context,
) -> Result<Plan, PlanError> {
    let env_ref = &intent.env;
    let availability = check(backend, &intent).await?;
    let target = read("the target", || {
        backend.get_deployment(env_ref, &intent.target)
    })
    .await?;
    if !availability.allowed {
        return Err(PlanError::Refused(Refusal {
            action: intent.action,
            target_label: target.label.clone(),
            reason: availability
                .reason
                .unwrap_or_else(|| "the platform does not allow it".to_owned()),
            code: availability.code,
            suggestion: availability.suggestion,
        }));
    }
    let environment = read("the environment", || backend.get_environment(env_ref)).await?;
    let live = match environment.live.clone() {
        Some(id) if id == target.id => Some((id, target.label.clone())),
        Some(id) => {
            let label = match read("the live deployment", || {
                backend.get_deployment(env_ref, &id)
            })
            .await
            {
                Ok(d) => d.label,
                // A read that may succeed again is tried again, not planned around.
                Err(error) if error.is_retryable() => return Err(error.into()),
                Err(error) => {
                    tracing::debug!(%error, live = %id, "live deployment unreadable; named by id");
                    id.to_string()
                }
            };
            Some((id, label))
        }
        None => None,
    };
    let diff = match read("the diff", || backend.diff(env_ref, &target.id)).await {
        Ok(diff) => Some(diff),
        // A modal without the diff would say nothing of migrations or configuration: a
        // passing failure is not planned around.
        Err(error) if error.is_retryable() => return Err(error.into()),
        Err(error) => {
            tracing::warn!(%error, target = %target.id, "no diff for the plan");
            None
        }
    };
    let domains = match &diff {
        Some(diff) if !diff.domains.is_empty() => diff.domains.clone(),
        _ if intent.action == Action::Redeploy => Vec::new(),
        _ => match read("the domains", || {
            backend.domains_to_move(env_ref, &target.id)
        })
        .await
        {
            Ok(domains) => domains,
            Err(error) if error.is_retryable() => return Err(error.into()),
            Err(_) => Vec::new(),
        },
    };
    let identity = match &context.identity {
        Some(identity) => identity.clone(),
        None => read("who you are", || backend.identity()).await?,
    };
    let plan = assemble(
        Reads {
            intent,
            environment,
            target,
            live_label: live.map(|(_, label)| label),
            diff,
            domains,
            identity,
            capabilities: backend.capabilities(),
        },
        context,
    );
    check_choice(&plan)?;
    Ok(plan)
}

/// A strategy or scope the platform does not offer is refused before anything is asked.
fn check_choice(plan: &Plan) -> Result<(), BackendError> {
    let choices = &plan.choices;
    let target = &plan.target.label;
    let unknown = |asked: &[String], offered: &[String], what: &str| -> Option<String> {
        let wrong: Vec<&String> = asked.iter().filter(|a| !offered.contains(a)).collect();
        if wrong.is_empty() {
            return None;
        }
        Some(if offered.is_empty() {
            format!("this platform cannot limit an operation to some {what}")
        } else {
            format!(
                "{target} has no {what} {} (it has {})",
                wrong
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                offered.join(", ")
            )
        })
    };
    let problem = unknown(&plan.scope.components, &choices.components, "components")
        .or_else(|| unknown(&plan.scope.regions, &choices.regions, "regions"))
        .or_else(|| {
            let strategy = plan.reads.intent.strategy?;
            let offered = plan
                .reads
                .capabilities
                .strategies
                .iter()
                .any(|s| std::mem::discriminant(s) == std::mem::discriminant(&strategy));
            (!offered).then(|| {
                format!(
                    "this platform does not offer the {} strategy (it offers {})",
                    strategy.describe(),
                    plan.reads
                        .capabilities
                        .strategies
                        .iter()
                        .map(|s| s.describe())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        });
    match problem {
        Some(message) if plan.action != Action::Redeploy => Err(BackendError::invalid(message)),
        _ => Ok(()),
    }
}

/// What planning read from the platform.
#[derive(Clone, Debug, PartialEq)]
pub struct Reads {
    pub intent: Intent,
    pub environment: Environment,
    pub target: Deployment,
    pub live_label: Option<String>,
    pub diff: Option<Diff>,
    pub domains: Vec<DomainMove>,
    pub identity: Identity,
    pub capabilities: Capabilities,
}

/// The plan from what was read: pure, so every decision in it can be tested without a
/// platform.
pub fn assemble(reads: Reads, context: &Context) -> Plan {
    let kept = reads.clone();
    let Reads {
        intent,
        environment,
        target,
        live_label,
        diff,
        domains,
        identity,
        capabilities: caps,
    } = reads;
    let env_ref = &intent.env;
    let strategy = match intent.action {
        Action::Redeploy => None,
        _ => intent.strategy.or_else(|| default_strategy(&caps)),
    };
    // No artifact to reuse: removed by retention, or the build never produced one.
    let no_artifact = target.artifact.pruned || target.build_status != BuildStatus::Ready;
    let rebuild = intent.action == Action::Redeploy
        && intent
            .rebuild
            .unwrap_or((no_artifact || !caps.redeploy_artifact) && caps.redeploy_rebuild);
    let project_name = context
        .project_name
        .clone()
        .unwrap_or_else(|| env_ref.project.to_string());
    let facts = facts(&Briefing {
        action: intent.action,
        project: &project_name,
        environment: environment.id.as_str(),
        mode: environment.mode,
        target: &target,
        live_label: live_label.as_deref(),
        diff: diff.as_ref(),
        domains: &domains,
        capabilities: &caps,
        role: Some(identity.role),
        strategy,
        scope: &intent.scope,
        rebuild,
        mixed: environment.is_mixed(),
    });
    let rollout = diff.as_ref().and_then(|d| d.rollout.as_ref());
    let estimate = rollout.map(|rollout| {
        estimate(
            rollout,
            intent.action,
            target.runtime_state,
            strategy,
            &intent.scope,
            rebuild,
        )
    });
    let choices = choices(intent.action, &caps, rollout, &target);
    let actor = context
        .actor
        .clone()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or(identity.actor);
    let request = Request::new(Parts {
        action: intent.action,
        env: env_ref.clone(),
        target: target.id.clone(),
        expected_live: environment.live.clone(),
        idempotency_key: new_idempotency_key(),
        actor,
        strategy,
        scope: intent.scope.clone(),
        rebuild,
    });
    Plan {
        action: intent.action,
        project_name,
        confirmation: Confirmation::for_environment(&environment, &context.protected),
        live: environment.live.clone().zip(live_label),
        environment,
        target,
        diff,
        domains,
        request,
        facts,
        strategy,
        scope: intent.scope,
        estimate,
        choices,
        reads: kept,
        context: context.clone(),
    }
}

/// What a switch may choose on this platform: its strategies, and the components and
/// regions the target runs (from the rollout facts, else the deployment's own lists).
fn choices(
    action: Action,
    caps: &Capabilities,
    rollout: Option<&crate::domain::Rollout>,
    target: &Deployment,
) -> Choices {
    if action == Action::Redeploy {
        return Choices::default();
    }
    let components = match rollout {
        Some(r) => r.components.clone(),
        None => target.components.to_vec(),
    };
    let regions = match rollout {
        Some(r) => r.regions.clone(),
        None => target.regions.to_vec(),
    };
    Choices {
        strategies: caps.strategies.clone(),
        components: if caps.components {
            components
        } else {
            Vec::new()
        },
        regions: if caps.regions { regions } else { Vec::new() },
    }
}

/// A read for the plan: one that fails in a way worth another try (a timeout, a reset, a
/// `5xx`, a `429`) is read again, twice at most, so a flaky network does not fail the check
/// before a modal. Nothing is sent while planning, so reading again is always safe.
async fn read<T, F, Fut>(what: &str, mut call: F) -> Result<T, BackendError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BackendError>>,
{
    let policy = crate::net::RetryPolicy {
        max_attempts: 3,
        base_delay: std::time::Duration::from_millis(100),
        ..crate::net::RetryPolicy::default()
    };
    crate::net::retrying(crate::net::Replay::Read, &policy, what, |_| call()).await
}

/// The platform's verdict on the action; one it does not list is not offered.
async fn check(backend: &dyn Backend, intent: &Intent) -> Result<ActionAvailability, PlanError> {
    let actions = read("the actions", || {
        backend.actions(&intent.env, &intent.target)
    })
    .await?;
    Ok(actions
        .into_iter()
        .find(|a| a.action == intent.action)
        .unwrap_or_else(|| {
            ActionAvailability::refused(
                intent.action,
                "unsupported",
                "this platform does not offer it",
            )
        }))
}
