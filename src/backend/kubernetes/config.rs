//! The `[[backends]]` entry of kind `kubernetes`: one cluster context and its namespaces
//! make one environment.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct KubernetesBackendConfig {
    pub name: String,
    /// Path to the kubeconfig; default `$KUBECONFIG` (its first entry), then `~/.kube/config`.
    #[serde(default)]
    pub kubeconfig: Option<String>,
    /// The kubeconfig context; default its current context.
    #[serde(default)]
    pub context: Option<String>,
    /// Namespaces to show; default the context's namespace (or `default`).
    #[serde(default)]
    pub namespaces: Vec<String>,
    /// The environment name shown; default the context name.
    #[serde(default)]
    pub environment: Option<String>,
    /// Only Deployments and Rollouts matching this label selector (`team=web`).
    #[serde(default)]
    pub selector: Option<String>,
}

impl KubernetesBackendConfig {
    /// The kubeconfig file this entry reads, with `~` expanded.
    pub fn kubeconfig_path(&self) -> Option<PathBuf> {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        if let Some(path) = &self.kubeconfig {
            return Some(expand_home(path, home.as_deref()));
        }
        if let Some(list) = std::env::var_os("KUBECONFIG") {
            // Like kubectl, the first file of the list that exists.
            if let Some(first) = std::env::split_paths(&list).find(|p| p.exists()) {
                return Some(first);
            }
        }
        home.map(|h| h.join(".kube").join("config"))
    }
}

fn expand_home(path: &str, home: Option<&Path>) -> PathBuf {
    match (path.strip_prefix("~/"), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if path == "~" => home.map(Path::to_path_buf).unwrap_or_else(|| path.into()),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tilde_path_is_expanded_against_home() {
        let home = Path::new("/home/oncall");
        assert_eq!(
            expand_home("~/.kube/prod", Some(home)),
            PathBuf::from("/home/oncall/.kube/prod")
        );
        assert_eq!(
            expand_home("/etc/kube", Some(home)),
            PathBuf::from("/etc/kube")
        );
    }

    #[test]
    fn a_backends_entry_of_kind_kubernetes_parses() {
        let entry: crate::backend::registry::BackendConfig = toml::from_str(
            r#"
name = "prod-eu"
kind = "kubernetes"
kubeconfig = "~/.kube/config"
context = "prod-eu"
namespaces = ["shop"]
environment = "production"
selector = "team=web"
"#,
        )
        .unwrap();
        let crate::backend::registry::BackendConfig::Kubernetes(k) = &entry else {
            panic!("not a kubernetes entry");
        };
        assert_eq!(k.namespaces, vec!["shop"]);
        assert_eq!(k.selector.as_deref(), Some("team=web"));
        assert_eq!(entry.name(), "prod-eu");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<KubernetesBackendConfig>("name = \"x\"\nnamespace = \"shop\"\n")
            .unwrap_err();
        assert!(err.to_string().contains("namespace"), "{err}");
    }
}
