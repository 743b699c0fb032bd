//! From a config entry to a connected client: kubeconfig, context, namespaces, environment.

use super::config::KubernetesBackendConfig;
use crate::backend::BackendError;
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const READ_TIMEOUT: Duration = Duration::from_secs(20);

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
    /// The API server's URL, naming its discovery file.
    pub server: String,
    /// Where discovery is kept between runs (beside the kubeconfig).
    pub cache_dir: Option<std::path::PathBuf>,
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
    // Tokens and passwords of the kubeconfig's users: hidden from anything printed.
    for auth in kubeconfig
        .auth_infos
        .iter()
        .filter_map(|a| a.auth_info.as_ref())
    {
        if let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(auth) {
            for key in ["token", "password"] {
                if let Some(secret) = fields.get(key).and_then(serde_json::Value::as_str) {
                    crate::net::secrets::register(secret);
                }
            }
        }
    }
    let options = KubeConfigOptions {
        context: Some(context.clone()),
        ..KubeConfigOptions::default()
    };
    let mut client_config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| BackendError::invalid(format!("kubeconfig context {context}: {e}")))?;
    // kube's defaults suit long watches; a console wants to hear about a dead cluster soon.
    client_config.connect_timeout = Some(CONNECT_TIMEOUT);
    client_config.read_timeout = Some(READ_TIMEOUT);
    let server = client_config.cluster_url.to_string();
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
        server,
        cache_dir: super::discovery::cache_dir_for(&path),
    })
}
