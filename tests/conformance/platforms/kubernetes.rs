//! The Kubernetes adapter against the fake API server on a real socket, with its deployment
//! controller stepped by hand: a plain Deployment `web` with three revisions.

use crate::platform::{CommandLine, Fixtures, Keys, Platform, Refused, Subject, Traits};
use crate::support::kubernetes::{COLLEAGUE, FakeCluster, Options, three_revisions};
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::{Backend, PreconditionCode};
use switchback::domain::{Action, DeploymentId, EnvRef};

const NAME: &str = "web";
/// Longer than the adapter waits for an answer (its read timeout, 20 s).
const LATE: Duration = Duration::from_secs(22);

pub struct KubernetesPlatform {
    cluster: FakeCluster,
    subject: Subject,
}

impl Platform for KubernetesPlatform {
    const TRAITS: Traits = Traits {
        // The API server takes no idempotency key; the adapter remembers its own.
        keys: Keys::Adapter,
        role_known_up_front: true,
        permission: "patch deployments.apps",
        network: true,
    };

    async fn start() -> Self {
        let cluster = FakeCluster::start(Options::default());
        cluster.seed_deployment(NAME, &three_revisions());
        cluster.manual_rollouts(true);
        let revision = |image: &str| {
            let image = format!("registry.example.com/web:{image}");
            DeploymentId::new(cluster.rs_with_image(NAME, &image))
        };
        let (live, target) = (revision("1.2"), revision("1.1"));
        let fixtures = Fixtures {
            other: revision("1.0"),
            // A restart renews the live revision only; an older one is rolled back to.
            refused: Refused {
                deployment: target.clone(),
                action: Action::Redeploy,
                code: PreconditionCode::NotApplicable,
                suggestion: Some(Action::Rollback),
            },
            redeploy_source: live.clone(),
            rebuild: false,
            live,
            target,
        };
        let subject = Subject {
            backend: Arc::new(cluster.backend().await),
            env: EnvRef::new("shop/web", "production"),
            fixtures,
        };
        Self { cluster, subject }
    }

    fn subject(&self) -> &Subject {
        &self.subject
    }

    async fn advance(&self) {
        self.cluster.tick(NAME);
    }

    async fn live_at_platform(&self) -> Option<DeploymentId> {
        // The controller gives the revision it rolls out to the highest number.
        let newest = self.cluster.replicasets(NAME).pop()?;
        Some(DeploymentId::new(newest["metadata"]["name"].as_str()?))
    }

    async fn performed(&self) -> usize {
        // Each rollback or restart gives the Deployment its next revision.
        let deployment = self.cluster.deployment(NAME);
        let revision = &deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"];
        revision
            .as_str()
            .and_then(|r| r.parse().ok())
            .expect("a revision")
    }

    async fn creations(&self) -> usize {
        self.cluster.replicasets(NAME).len()
    }

    async fn colleague_moves_live(&self, to: &DeploymentId) -> Option<String> {
        // Someone applies the template of `to` with kubectl.
        let revisions = self.cluster.replicasets(NAME);
        let rs = revisions
            .iter()
            .find(|rs| rs["metadata"]["name"] == to.as_str());
        let mut template = rs.expect("a revision")["spec"]["template"].clone();
        let labels = template["metadata"]["labels"].as_object_mut().unwrap();
        labels.remove("pod-template-hash");
        self.cluster
            .change(NAME, |d| d["spec"]["template"] = template);
        while self.cluster.tick(NAME) {}
        Some(COLLEAGUE.to_owned())
    }

    async fn restarted(&self) -> Arc<dyn Backend> {
        Arc::new(self.cluster.backend().await)
    }

    async fn read_only(&self) -> Arc<dyn Backend> {
        self.cluster.forbid("patch", "deployments.apps");
        Arc::new(self.cluster.backend().await)
    }

    async fn answer_next_creation_late(&self) {
        self.cluster.answer_next_patch_after(LATE);
    }

    async fn late_answer_pending(&self) -> bool {
        let pending =
            |s: &mut crate::support::kubernetes::store::Store| s.answer_next_patch_after.is_some();
        self.cluster.with_store(pending)
    }

    fn command_line(&self) -> Option<CommandLine> {
        let config = format!(
            "[[backends]]\nkind = \"kubernetes\"\nname = \"cluster\"\nkubeconfig = \"{}\"\n\
             environment = \"production\"\n",
            self.cluster.kubeconfig.display()
        );
        Some(CommandLine {
            config,
            vars: Vec::new(),
            project: "shop/web".into(),
            env: "production".into(),
        })
    }
}
