//! Every backend kind this build knows, listed once. A kind is an adapter folder with a
//! [`BackendKind`]; adding one is its folder, its `mod` line in `backend/mod.rs` and one
//! line in [`kinds!`] below.

pub use super::kind::{BackendKind, BuildError, KeyProblem, KeyStep};

use super::demo::DemoBackendConfig;
use super::kind::kinds;
use serde::Deserialize;

kinds! {
    /// The embedded demo platform.
    Demo => super::demo::DemoKind,
    /// A platform speaking the documented HTTP contract (`docs/api.md`).
    Http => super::http::HttpKind,
    Unkey => super::unkey::UnkeyKind,
    Kubernetes => super::kubernetes::KubernetesKind,
    /// A self-hosted Temps server.
    Temps => super::temps::TempsKind,
    Vercel => super::vercel::VercelKind,
    /// Fly.io: one app per environment, rollbacks orchestrated over its Machines.
    Fly => super::fly::FlyKind,
}

impl BackendConfig {
    /// The embedded demo with its defaults: what runs when no backend is configured.
    pub fn default_demo() -> Self {
        Self::Demo(DemoBackendConfig::default())
    }

    pub fn as_demo(&self) -> Option<&DemoBackendConfig> {
        match self {
            Self::Demo(demo) => Some(demo),
            _ => None,
        }
    }
}

/// Written by hand rather than with `#[serde(tag = "kind")]`: an internally tagged enum
/// buffers the entry, which loses the position and key of any error inside it. The config
/// file loader bypasses this impl to keep them; this one serves other callers.
impl<'de> Deserialize<'de> for BackendConfig {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: serde::Deserializer<'de>,
    {
        use serde::de::Error as _;
        let mut table = toml::Table::deserialize(deserializer)?;
        let kind = match table.remove("kind") {
            Some(toml::Value::String(kind)) => kind,
            Some(other) => {
                return Err(D::Error::custom(format!(
                    "`kind` must be a string, found {}",
                    other.type_str()
                )));
            }
            None => return Err(D::Error::missing_field("kind")),
        };
        Self::deserialize_kind(&kind, toml::Value::Table(table))
            .map_err(D::Error::custom)?
            .ok_or_else(|| D::Error::unknown_variant(&kind, Self::KINDS))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(text: &str) -> BackendConfig {
        toml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn each_kind_is_read_under_its_name() {
        for (kind, rest) in [
            ("demo", ""),
            ("http", "url = \"http://127.0.0.1:7878\""),
            ("unkey", ""),
            ("kubernetes", ""),
            ("temps", "base-url = \"http://127.0.0.1:8080\""),
            ("vercel", ""),
            ("fly", "org = \"acme\"\n[apps]\nproduction = \"shop-web\""),
        ] {
            let config = entry(&format!("kind = \"{kind}\"\nname = \"n-{kind}\"\n{rest}"));
            assert_eq!(config.kind(), kind);
            assert_eq!(config.name(), format!("n-{kind}"));
            assert_eq!(config.validate(), Ok(()), "{kind}");
        }
        assert_eq!(
            BackendConfig::KINDS,
            [
                "demo",
                "http",
                "unkey",
                "kubernetes",
                "temps",
                "vercel",
                "fly"
            ]
        );
    }

    #[test]
    fn unknown_kinds_and_keys_are_refused() {
        let error = toml::from_str::<BackendConfig>("kind = \"nope\"\nname = \"x\"").unwrap_err();
        assert!(error.to_string().contains("nope"), "{error}");
        let error =
            toml::from_str::<BackendConfig>("kind = \"demo\"\nname = \"x\"\nsped = 2").unwrap_err();
        assert!(error.to_string().contains("sped"), "{error}");
        let error = toml::from_str::<BackendConfig>("name = \"x\"").unwrap_err();
        assert!(error.to_string().contains("kind"), "{error}");
    }

    #[test]
    fn the_placeholders_are_the_common_ones_then_each_kinds() {
        assert_eq!(
            BackendConfig::metric_placeholders(),
            ["project", "environment", "namespace", "workload", "service"]
        );
    }

    #[test]
    fn a_demo_entry_runs_on_its_speed() {
        let fast = entry("kind = \"demo\"\nname = \"d\"\nspeed = 1000");
        let clock = fast.clock();
        let first = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        // 20 ms of real time is at least 20 s of demo time.
        assert!(clock.now() - first >= chrono::Duration::seconds(20));
    }
}
