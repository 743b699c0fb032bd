//! From a config entry to a connected client: kubeconfig, context, namespaces, environment.

use super::config::KubernetesBackendConfig;
use crate::backend::BackendError;
use kube::config::{KubeConfigOptions, Kubeconfig};

/// What the config entry resolves to once the kubeconfig is read.
#[derive(Clone)]
pub struct Resolved {
    pub client: kube::Client,
    pub context: String,
    /// The kubeconfig user of the context, shown as the actor when the cluster cannot say.
    pub user: Option<String>,
    pub namespaces: Vec<String>,
    pub environment: String,
    pub selector: Option<String>,
}

pub async fn connect(config: &KubernetesBackendConfig) -> Result<Resolved, BackendError> {
    crate::net::install_tls_provider();
    let path = config.kubeconfig_path().ok_or_else(|| {
        BackendError::invalid("no kubeconfig: set `kubeconfig`, $KUBECONFIG or $HOME")
    })?;
    let kubeconfig = Kubeconfig::read_from(&path).map_err(|e| {
        BackendError::invalid(format!("cannot read kubeconfig {}: {e}", path.display()))
    })?;
    let context = config
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .ok_or_else(|| {
            BackendError::invalid(format!(
                "kubeconfig {} has no current context; set `context`",
                path.display()
            ))
        })?;
    let user = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == context)
        .and_then(|c| c.context.as_ref())
        .and_then(|c| c.user.clone());
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let client_config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| BackendError::invalid(format!("kubeconfig context {context}: {e}")))?;
    let namespaces = if config.namespaces.is_empty() {
        vec![client_config.default_namespace.clone()]
    } else {
        config.namespaces.clone()
    };
    let client = kube::Client::try_from(client_config)
        .map_err(|e| BackendError::invalid(format!("kubernetes client for {context}: {e}")))?;
    Ok(Resolved {
        client,
        environment: config
            .environment
            .clone()
            .unwrap_or_else(|| context.clone()),
        context,
        user,
        namespaces,
        selector: config.selector.clone(),
    })
}
