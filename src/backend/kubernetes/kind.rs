//! The `kubernetes` kind: its config's checks, the adapter it builds (connecting on first
//! use), and what its project ids say for metric queries.

use super::workload::Address;
use super::{KubernetesBackendConfig, LazyKubernetes};
use crate::backend::{BackendKind, BuildError, KeyProblem, MetricLabels, Platform};
use crate::clock::SharedClock;
use crate::domain::{EnvironmentId, ProjectId};
use std::sync::Arc;

pub struct KubernetesKind;

impl BackendKind for KubernetesKind {
    const NAME: &'static str = "kubernetes";
    const METRIC_LABELS: &'static [&'static str] = &[NAMESPACE, WORKLOAD, SERVICE];
    type Config = KubernetesBackendConfig;

    fn name(config: &KubernetesBackendConfig) -> &str {
        &config.name
    }

    fn validate(config: &KubernetesBackendConfig) -> Result<(), KeyProblem> {
        if let Some(i) = config.namespaces.iter().position(|n| n.trim().is_empty()) {
            return Err(KeyProblem::at("namespaces", "a namespace needs a name").index(i));
        }
        if config
            .selector
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            return Err(KeyProblem::at(
                "selector",
                "leave `selector` out, or give a label selector such as `team=web`",
            ));
        }
        Ok(())
    }

    /// The kubeconfig is read and the cluster asked on the first call.
    fn build(config: &KubernetesBackendConfig, clock: SharedClock) -> Result<Platform, BuildError> {
        Ok(Platform::native(Arc::new(LazyKubernetes::new(
            config.clone(),
            clock,
        ))))
    }
}

const NAMESPACE: &str = "namespace";
const WORKLOAD: &str = "workload";
const SERVICE: &str = "service";

/// `{namespace}` and `{workload}` from the project id (`shop/web`, `shop/rollouts/web`), and
/// `{service}`: the Service selecting the pods is assumed to carry the workload's name (the
/// usual convention). A project id of another shape gives only the common ones.
pub fn metric_labels(project: &ProjectId, environment: &EnvironmentId) -> MetricLabels {
    let labels = MetricLabels::new(KubernetesKind::NAME, project, environment);
    match Address::parse(project) {
        Ok(address) => labels
            .with(NAMESPACE, address.namespace)
            .with(WORKLOAD, address.name.clone())
            .with(SERVICE, address.name),
        Err(_) => labels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(project: &str) -> MetricLabels {
        metric_labels(&ProjectId::new(project), &EnvironmentId::new("prod-eu"))
    }

    #[test]
    fn a_deployment_or_a_rollout_gives_its_namespace_workload_and_service() {
        for project in ["shop/web", "shop/rollouts/web"] {
            let labels = labels(project);
            assert_eq!(labels.get("project"), Some(project));
            assert_eq!(labels.get("environment"), Some("prod-eu"));
            assert_eq!(labels.get("namespace"), Some("shop"));
            assert_eq!(labels.get("workload"), Some("web"));
            assert_eq!(labels.get("service"), Some("web"));
            assert_eq!(labels.kind(), "kubernetes");
        }
    }

    #[test]
    fn the_labels_given_are_the_ones_declared() {
        let given: Vec<_> = labels("shop/web").names().collect();
        let mut declared = MetricLabels::COMMON.to_vec();
        declared.extend(KubernetesKind::METRIC_LABELS);
        assert_eq!(given, declared);
    }

    #[test]
    fn another_shape_of_id_gives_only_the_common_ones() {
        let labels = labels("storefront");
        assert_eq!(labels.get("namespace"), None);
        assert_eq!(labels.names().count(), 2);
    }

    #[test]
    fn empty_namespaces_and_selectors_are_named() {
        let config = |text: &str| -> KubernetesBackendConfig { toml::from_str(text).unwrap() };
        let problem =
            KubernetesKind::validate(&config("name = \"k\"\nnamespaces = [\"shop\", \" \"]"))
                .unwrap_err();
        assert_eq!(problem.key(), "namespaces[1]");
        let problem =
            KubernetesKind::validate(&config("name = \"k\"\nselector = \"\"")).unwrap_err();
        assert_eq!(problem.key(), "selector");
        assert_eq!(
            KubernetesKind::validate(&config("name = \"k\"\nselector = \"team=web\"")),
            Ok(())
        );
    }
}
