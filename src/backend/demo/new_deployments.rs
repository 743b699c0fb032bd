//! New deployments, made by a push or a redeploy.

use super::world::{DeploymentRecord, World};
use crate::domain::{Artifact, BuildStatus, Deployment, RuntimeState};

impl World {
    /// The deployment a redeploy makes: same commit, same or rebuilt artifact, today's config.
    pub(crate) fn create_deployment(
        &mut self,
        p: usize,
        e: usize,
        source: usize,
        rebuild: bool,
    ) -> usize {
        let (commit, profile) = (
            self.deployments[source].commit,
            self.deployments[source].profile,
        );
        let d = self.new_deployment(p, e, commit, profile.error_rate);
        let src = self.deployments[source].dep.clone();
        let rec = &mut self.deployments[d];
        rec.profile = profile;
        rec.dep.redeployed_from = Some(src.id.clone());
        rec.dep.author = src.author.clone();
        rec.dep.regions = src.regions.clone();
        if !rebuild {
            rec.dep.artifact = Artifact {
                pruned: false,
                ..src.artifact
            };
            rec.dep.build_status = BuildStatus::Deploying;
        }
        d
    }

    /// A new deployment record, queued, with the next label and today's configuration.
    pub(crate) fn new_deployment(
        &mut self,
        p: usize,
        e: usize,
        commit: Option<usize>,
        error_rate: f64,
    ) -> usize {
        let id = self.new_deployment_id();
        let env = self.env_mut(p, e);
        env.next_label += 1;
        let label = format!("{}{}", env.label_prefix, env.next_label);
        let config = World::config_entries(&env.config);
        let env_ref = env.env_ref.clone();
        let project = &self.projects[p];
        let digest = format!(
            "sha256:{:016x}{:016x}",
            super::noise::hash_str(id.as_str()),
            super::noise::mix(self.seed, self.id_counter, 3)
        );
        let dep = Deployment {
            id,
            label: label.clone(),
            project: env_ref.project.clone(),
            environment: env_ref.environment.clone(),
            artifact: Artifact {
                image: format!("{}:{label}", project.image),
                digest: Some(digest),
                pruned: false,
            },
            commit: commit.map(|c| self.commit_of(p, c)),
            author: commit.map(|c| std::sync::Arc::clone(&project.commits[c].author)),
            created_at: self.now,
            build_status: BuildStatus::Queued,
            runtime_state: RuntimeState::SpunDown,
            regions: project.regions.clone().into(),
            components: project.project.components.clone().into(),
            config: config.into(),
            migrations: Vec::new(),
            is_rollback: false,
            rolled_back_from: None,
            redeployed_from: None,
            is_live: false,
        };
        let profile = super::traffic::Profile {
            error_rate,
            p50_ms: super::scenario::spec::default_p50(),
            p95_ms: super::scenario::spec::default_p95(),
        };
        self.add_deployment(DeploymentRecord::new(dep, p, e, commit, profile))
    }
}
