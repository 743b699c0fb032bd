//! What a backend knows about where a project's traffic is measured: the values of the
//! placeholders in metric query templates (`{project}`, `{namespace}`, ...).

use crate::domain::{EnvironmentId, ProjectId};

/// Placeholder names with their values for one project and environment, and the kind of
/// backend that gave them (for a message naming what it does not give).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricLabels {
    kind: &'static str,
    values: Vec<(&'static str, String)>,
}

impl MetricLabels {
    /// The placeholders every backend gives.
    pub const COMMON: [&'static str; 2] = ["project", "environment"];

    /// `{project}` and `{environment}`: the ids themselves.
    pub fn new(kind: &'static str, project: &ProjectId, environment: &EnvironmentId) -> Self {
        let [p, e] = Self::COMMON;
        Self {
            kind,
            values: vec![
                (p, project.as_str().to_owned()),
                (e, environment.as_str().to_owned()),
            ],
        }
    }

    /// Adds (or replaces) the value of `name`.
    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Self {
        let value = value.into();
        match self.values.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => *v = value,
            None => self.values.push((name, value)),
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The placeholders given, in the order they were added.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.values.iter().map(|(n, _)| *n)
    }

    /// The backend kind that gave them (`demo`, `kubernetes`, ...).
    pub fn kind(&self) -> &'static str {
        self.kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_backend_gives_the_ids_and_an_adapter_adds_its_own() {
        let labels = MetricLabels::new(
            "kubernetes",
            &ProjectId::new("shop/web"),
            &EnvironmentId::new("prod"),
        )
        .with("namespace", "shop")
        .with("project", "replaced");
        assert_eq!(labels.get("environment"), Some("prod"));
        assert_eq!(labels.get("namespace"), Some("shop"));
        assert_eq!(labels.get("project"), Some("replaced"));
        assert_eq!(labels.get("workload"), None);
        assert_eq!(
            labels.names().collect::<Vec<_>>(),
            ["project", "environment", "namespace"]
        );
        assert_eq!(labels.kind(), "kubernetes");
    }
}
