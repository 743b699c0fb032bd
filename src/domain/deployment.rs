use super::{DeploymentId, EnvironmentId, ProjectId, Timestamp};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::sync::Arc;

/// An immutable build of a project.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Deployment {
    pub id: DeploymentId,
    /// Human label: `v42`, a tag, `rev3`, or a short id.
    pub label: String,
    pub project: ProjectId,
    pub environment: EnvironmentId,
    pub artifact: Artifact,
    /// Shared: the platform's record, the list and every page hold one copy.
    #[serde(default, with = "shared_option")]
    pub commit: Option<Arc<Commit>>,
    /// Shared: a platform has a few authors for many deployments.
    #[serde(default, with = "super::shared_text")]
    pub author: Option<Arc<str>>,
    pub created_at: Timestamp,
    pub build_status: BuildStatus,
    pub runtime_state: RuntimeState,
    // Shared lists: most deployments of an environment carry the same regions, components
    // and configuration, and a clone (the list, a page, the platform's own record) then
    // costs a reference count instead of a copy of every string.
    #[serde(default, with = "shared_list")]
    pub regions: Arc<[String]>,
    #[serde(default, with = "shared_list")]
    pub components: Arc<[String]>,
    /// Names and hashes of environment variables and settings; never secret values.
    #[serde(default, with = "shared_list")]
    pub config: Arc<[ConfigEntry]>,
    /// Database migrations this deployment introduced, oldest first.
    #[serde(default)]
    pub migrations: Vec<String>,
    #[serde(default)]
    pub is_rollback: bool,
    #[serde(default)]
    pub rolled_back_from: Option<DeploymentId>,
    /// Set when this deployment was made by a redeploy of another one.
    #[serde(default)]
    pub redeployed_from: Option<DeploymentId>,
    /// Whether the environment's domains point at it right now.
    #[serde(default)]
    pub is_live: bool,
}

impl Deployment {
    /// The commit's first seven columns as drawn (`-` without a commit): cut between
    /// grapheme clusters and made inert, whatever the platform put in its sha.
    pub fn short_commit(&self) -> Cow<'_, str> {
        self.commit
            .as_ref()
            .map_or(Cow::Borrowed("-"), |c| crate::text::head(&c.sha, 7).text)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact {
    /// Image reference, e.g. `registry.example.com/acme/storefront:v42`.
    pub image: String,
    /// Content digest, e.g. `sha256:…`.
    pub digest: Option<String>,
    /// The artifact no longer exists at the registry (retention removed it).
    #[serde(default)]
    pub pruned: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub subject: String,
    pub branch: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigEntry {
    pub name: String,
    /// A hash of the value, so drift can be seen without the value.
    pub hash: String,
    pub kind: ConfigKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigKind {
    EnvVar,
    Setting,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BuildStatus {
    Queued,
    Building,
    Deploying,
    Ready,
    Failed,
    Canceled,
}

impl BuildStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Building => "building",
            Self::Deploying => "deploying",
            Self::Ready => "ready",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Ready | Self::Failed | Self::Canceled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuntimeState {
    Running,
    Starting,
    SpunDown,
}

impl RuntimeState {
    /// The words shown on screen (`spun down`, with a space).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Starting => "starting",
            Self::SpunDown => "spun down",
        }
    }
}

/// A shared value reads and writes as the value itself, or null.
mod shared_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer, T: Serialize>(
        value: &Option<Arc<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        value.as_deref().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Option<Arc<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(|value| value.map(Arc::new))
    }
}

/// A shared list reads and writes as a plain JSON array.
mod shared_list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer, T: Serialize>(
        list: &Arc<[T]>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        list.as_ref().serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        deserializer: D,
    ) -> Result<Arc<[T]>, D::Error> {
        Vec::<T>::deserialize(deserializer).map(Arc::from)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::text;

    /// A deployment whose platform strings are the given ones.
    pub(crate) fn with_text(label: &str, author: &str, sha: &str, subject: &str) -> Deployment {
        Deployment {
            id: "d1".into(),
            label: label.to_owned(),
            project: ProjectId::new("p"),
            environment: "production".into(),
            artifact: Artifact {
                image: "img".into(),
                digest: None,
                pruned: false,
            },
            commit: Some(Arc::new(Commit {
                sha: sha.to_owned(),
                subject: subject.to_owned(),
                branch: None,
            })),
            author: Some(author.into()),
            created_at: chrono::DateTime::UNIX_EPOCH,
            build_status: BuildStatus::Ready,
            runtime_state: RuntimeState::Running,
            regions: Arc::from([]),
            components: Arc::from([]),
            config: Arc::from([]),
            migrations: vec![],
            is_rollback: false,
            rolled_back_from: None,
            redeployed_from: None,
            is_live: false,
        }
    }

    #[test]
    fn a_multi_byte_sha_is_cut_between_characters() {
        let d = with_text("v1", "a", "日本語のコミット", "s");
        assert_eq!(d.short_commit(), "日本語");
        let d = with_text("v1", "a", "é\u{301}abcdefgh", "s");
        assert_eq!(d.short_commit(), "é\u{301}abcdef");
        let d = with_text("v1", "a", "\u{1b}[2Jabc", "s");
        assert_eq!(d.short_commit(), "␛[2Jabc");
        assert_eq!(
            with_text("v1", "a", "9f8e7d6c5b", "s").short_commit(),
            "9f8e7d6"
        );
    }

    proptest::proptest! {
        #[test]
        fn short_commits_are_seven_clean_columns_at_most(sha in text::props::text()) {
            let d = with_text("v1", "a", &sha, "s");
            let short = d.short_commit();
            proptest::prop_assert!(text::width(&short) <= 7);
            proptest::prop_assert!(!short.chars().any(text::is_unsafe));
            proptest::prop_assert!(text::clean(&sha).starts_with(short.as_ref()));
        }
    }
}
