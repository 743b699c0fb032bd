use std::sync::Once;
use std::time::Duration;

/// Timeouts and limits of one HTTP backend.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Larger response bodies are refused, never buffered whole.
    pub max_body_bytes: usize,
    pub user_agent: String,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(3),
            request_timeout: Duration::from_secs(10),
            max_body_bytes: 16 * 1024 * 1024,
            user_agent: format!("switchback/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// rustls needs one process-wide crypto provider; we use ring (kube uses it too).
pub fn install_tls_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another part of the process may have installed one already; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

pub fn build_client(settings: &HttpSettings) -> Result<reqwest::Client, reqwest::Error> {
    install_tls_provider();
    reqwest::Client::builder()
        .connect_timeout(settings.connect_timeout)
        .timeout(settings.request_timeout)
        .user_agent(settings.user_agent.clone())
        .build()
}
