use chrono::TimeZone;
use std::sync::Arc;
use switchback::backend::demo::{DemoBackend, Scenario};
use switchback::backend::{Backend, Identity, OperationRequest, RedeployRequest, Role};
use switchback::clock::VirtualClock;
use switchback::domain::{Deployment, DeploymentId, EnvRef, Environment, Timestamp};

pub fn t0() -> Timestamp {
    chrono::Utc
        .with_ymd_and_hms(2026, 11, 20, 14, 0, 0)
        .unwrap()
}

pub fn deployer(actor: &str) -> Identity {
    Identity {
        actor: actor.to_owned(),
        role: Role::Deployer,
    }
}

pub fn read_only(actor: &str) -> Identity {
    Identity {
        actor: actor.to_owned(),
        role: Role::ReadOnly,
    }
}

pub struct Demo {
    pub backend: DemoBackend,
    pub clock: VirtualClock,
}

impl Demo {
    pub fn new(scenario: &str) -> Self {
        let clock = VirtualClock::starting_at(t0());
        let backend = DemoBackend::new(
            Scenario::load(scenario).unwrap(),
            Arc::new(clock.clone()),
            deployer("alice"),
        );
        Self { backend, clock }
    }

    pub fn advance(&self, secs: u64) {
        self.clock.advance(std::time::Duration::from_secs(secs));
    }

    pub async fn env(&self, env: &EnvRef) -> Environment {
        self.backend.get_environment(env).await.unwrap()
    }

    pub async fn all(&self, env: &EnvRef) -> Vec<Deployment> {
        let mut out = Vec::new();
        let mut page = switchback::backend::PageRequest::first(200);
        loop {
            let p = self
                .backend
                .list_deployments(env, page.clone())
                .await
                .unwrap();
            out.extend(p.items);
            match p.next {
                Some(next) => page.cursor = Some(next),
                None => return out,
            }
        }
    }

    pub async fn by_label(&self, env: &EnvRef, label: &str) -> Deployment {
        self.all(env)
            .await
            .into_iter()
            .find(|d| d.label == label)
            .unwrap_or_else(|| panic!("no deployment {label} in {env}"))
    }

    pub async fn id(&self, env: &EnvRef, label: &str) -> DeploymentId {
        self.by_label(env, label).await.id
    }

    pub async fn live_label(&self, env: &EnvRef) -> Option<String> {
        let live = self.env(env).await.live?;
        Some(self.backend.get_deployment(env, &live).await.unwrap().label)
    }
}

pub fn prod() -> EnvRef {
    EnvRef::new("acme/storefront", "production")
}

pub fn request(env: &EnvRef, target: &DeploymentId, key: &str) -> OperationRequest {
    OperationRequest {
        env: env.clone(),
        target: target.clone(),
        expected_live: None,
        idempotency_key: key.to_owned(),
        actor: "alice".to_owned(),
        strategy: None,
        scope: Default::default(),
    }
}

pub fn redeploy_request(
    env: &EnvRef,
    source: &DeploymentId,
    rebuild: bool,
    key: &str,
) -> RedeployRequest {
    RedeployRequest {
        env: env.clone(),
        source: source.clone(),
        rebuild,
        expected_live: None,
        idempotency_key: key.to_owned(),
        actor: "alice".to_owned(),
    }
}
