//! Which optional APIs a cluster serves, kept on disk between runs as kubectl keeps its
//! discovery (`~/.kube/cache`): a command run a minute after another asks nothing. The file
//! sits beside the kubeconfig, in `cache/switchback/`, one per API server, and is trusted for
//! [`TTL`]; a file that is missing, stale, unreadable or cannot be written only means asking.

use super::api::{KubeApi, Optional};
use crate::backend::BackendError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long an answer is trusted: a cluster that gains Argo Rollouts shows them within it.
pub const TTL: Duration = Duration::from_secs(600);

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Kept {
    /// Seconds since the Unix epoch when the cluster was asked.
    asked_at: u64,
    argo: bool,
    gateway: bool,
}

/// The cluster's optional APIs: from the file when it is fresh, else asked and written.
pub async fn optional_apis(
    api: &KubeApi,
    cache_dir: Option<&Path>,
    server: &str,
) -> Result<Optional, BackendError> {
    let file = cache_dir.map(|dir| dir.join(file_name(server)));
    let now = seconds(SystemTime::now());
    if let Some(kept) = file.as_deref().and_then(|f| read(f, now)) {
        return Ok(kept);
    }
    let found = api.discover().await?;
    if let Some(file) = file {
        write(&file, now, found);
    }
    Ok(found)
}

fn read(file: &Path, now: u64) -> Option<Optional> {
    let kept: Kept = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    let age = now.checked_sub(kept.asked_at)?;
    (age < TTL.as_secs()).then_some(Optional {
        argo: kept.argo,
        gateway: kept.gateway,
    })
}

/// Written to a temporary file and renamed, so a concurrent reader never sees half of it.
fn write(file: &Path, now: u64, found: Optional) {
    let kept = Kept {
        asked_at: now,
        argo: found.argo,
        gateway: found.gateway,
    };
    let (Some(dir), Ok(text)) = (file.parent(), serde_json::to_vec(&kept)) else {
        return;
    };
    let partial = file.with_extension(format!("{}.tmp", std::process::id()));
    let written = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&partial, text))
        .and_then(|()| std::fs::rename(&partial, file));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&partial);
        tracing::debug!(%error, file = %file.display(), "cannot keep the cluster's discovery");
    }
}

/// `https://10.0.0.1:6443/` → `https_10.0.0.1_6443.json`, as kubectl names its folders.
fn file_name(server: &str) -> String {
    let safe: String = server
        .trim_end_matches('/')
        .replace("://", "_")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{safe}.json")
}

/// The cache folder for a kubeconfig file: `~/.kube/config` → `~/.kube/cache/switchback`.
pub fn cache_dir_for(kubeconfig: &Path) -> Option<PathBuf> {
    Some(kubeconfig.parent()?.join("cache").join("switchback"))
}

fn seconds(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_urls_become_file_names() {
        assert_eq!(
            file_name("https://10.0.0.1:6443/"),
            "https_10.0.0.1_6443.json"
        );
        assert_eq!(
            file_name("http://127.0.0.1:41234"),
            "http_127.0.0.1_41234.json"
        );
    }

    #[test]
    fn a_kept_answer_holds_for_its_ttl_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested").join("x.json");
        let found = Optional {
            argo: true,
            gateway: false,
        };
        write(&file, 1_000, found);
        assert_eq!(read(&file, 1_000), Some(found));
        assert_eq!(read(&file, 1_000 + TTL.as_secs() - 1), Some(found));
        assert_eq!(read(&file, 1_000 + TTL.as_secs()), None);
        // A clock set back does not make an answer from the future trusted.
        assert_eq!(read(&file, 999), None);
        std::fs::write(&file, "not json").unwrap();
        assert_eq!(read(&file, 1_000), None);
    }
}
