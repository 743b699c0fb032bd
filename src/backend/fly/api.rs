//! Fly's answers as the adapter reads them. A Machine's `config` is kept whole as JSON: an
//! update must send it back whole, since a partial one silently drops services, checks and
//! metadata.

use serde::Deserialize;
use serde_json::Value;

/// Releases per GraphQL page (flyctl asks for 25).
pub const PAGE: usize = 50;
/// Releases read to resolve versions and images (the newest; older ones are looked up).
pub const HISTORY: usize = 200;

#[derive(Clone, Debug, Deserialize)]
pub struct Machine {
    pub id: String,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub instance_id: String,
    #[serde(default)]
    pub config: Value,
    #[serde(default)]
    pub checks: Vec<CheckStatus>,
    #[serde(default)]
    pub image_ref: Option<ImageRef>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct CheckStatus {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ImageRef {
    #[serde(default)]
    pub digest: Option<String>,
}

impl Machine {
    pub fn metadata(&self, key: &str) -> Option<&str> {
        self.config["metadata"][key].as_str()
    }

    /// The release the Machine runs, from its `fly_release_version` metadata.
    pub fn release_version(&self) -> Option<i64> {
        self.metadata("fly_release_version")?.trim().parse().ok()
    }

    /// Its process group (`app` when unnamed, as flyctl reads it).
    pub fn group(&self) -> String {
        self.metadata("fly_process_group")
            .filter(|g| !g.is_empty())
            .unwrap_or("app")
            .to_owned()
    }

    pub fn image(&self) -> &str {
        self.config["image"].as_str().unwrap_or("")
    }

    /// A temporary canary Machine (not counted in the live distribution).
    pub fn is_canary(&self) -> bool {
        self.metadata("fly_canary") == Some("true")
    }

    /// Part of the app's deployed state: not destroyed, not a canary.
    pub fn counts(&self) -> bool {
        !matches!(self.state.as_str(), "destroyed" | "destroying") && !self.is_canary()
    }

    pub fn is_started(&self) -> bool {
        self.state == "started"
    }

    pub fn checks_pass(&self) -> bool {
        self.checks.iter().all(|c| c.status == "passing")
    }
}

/// A release as GraphQL's `releasesUnprocessed` gives it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    pub id: String,
    pub version: i64,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub image_ref: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default)]
    pub config_definition: Option<Value>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct User {
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl Release {
    pub fn user_name(&self) -> Option<String> {
        let user = self.user.as_ref()?;
        user.email.clone().or_else(|| user.name.clone())
    }

    pub fn image(&self) -> &str {
        self.image_ref.as_deref().unwrap_or("")
    }
}

/// A page of releases, newest first, and the cursor after it.
pub struct ReleasePage {
    pub releases: Vec<Release>,
    pub next: Option<String>,
}

/// An image as the registry still knows it.
#[derive(Clone, Debug, Deserialize)]
pub struct Image {
    #[serde(default)]
    pub digest: String,
}

/// A lease as Fly answers it (inside `{"status":"success","data":…}`).
#[derive(Clone, Debug, Deserialize)]
pub struct Lease {
    pub nonce: String,
}

/// A release created for a deploy.
#[derive(Clone, Debug, Deserialize)]
pub struct NewRelease {
    pub id: String,
    pub version: i64,
}
