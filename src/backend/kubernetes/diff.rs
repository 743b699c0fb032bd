//! Live revision against a target revision: images, environment variables, resources,
//! command, args and change-cause, per container.

use super::mapping::{containers, env_source};
use super::revisions::CHANGE_CAUSE;
use crate::domain::{ConfigChange, ConfigChangeKind, DiffDetail};
use k8s_openapi::api::core::v1::{Container, EnvVar};
use serde_json::Value;
use std::collections::BTreeMap;

/// What differs between two templates and their ReplicaSets' annotations.
#[derive(Debug, Default, PartialEq)]
pub struct TemplateDiff {
    pub config_drift: Vec<ConfigChange>,
    pub details: Vec<DiffDetail>,
}

/// `live` and `target` are `(pod template, ReplicaSet metadata.annotations)`.
pub fn template_diff(live: (&Value, &Value), target: (&Value, &Value)) -> TemplateDiff {
    let mut out = TemplateDiff::default();
    let live_c = by_name(containers(live.0));
    let target_c = by_name(containers(target.0));
    let prefix = live_c.len().max(target_c.len()) > 1;
    let names: std::collections::BTreeSet<&String> = live_c.keys().chain(target_c.keys()).collect();
    for name in names {
        let (l, t) = (live_c.get(name), target_c.get(name));
        let mut detail = |section: &str, what: String, a: Option<String>, b: Option<String>| {
            if a != b {
                out.details.push(DiffDetail {
                    section: section.into(),
                    name: what,
                    live: a,
                    target: b,
                });
            }
        };
        detail(
            "image",
            name.clone(),
            l.and_then(|c| c.image.clone()),
            t.and_then(|c| c.image.clone()),
        );
        detail(
            "resources",
            name.clone(),
            l.and_then(|c| compact(&c.resources)),
            t.and_then(|c| compact(&c.resources)),
        );
        detail(
            "command",
            name.clone(),
            l.and_then(|c| joined(&c.command)),
            t.and_then(|c| joined(&c.command)),
        );
        detail(
            "args",
            name.clone(),
            l.and_then(|c| joined(&c.args)),
            t.and_then(|c| joined(&c.args)),
        );
        let live_env = env_map(l);
        let target_env = env_map(t);
        let env_names: std::collections::BTreeSet<&String> =
            live_env.keys().chain(target_env.keys()).collect();
        for env in env_names {
            let (a, b) = (live_env.get(env), target_env.get(env));
            let change = match (a, b) {
                (Some(_), None) => ConfigChangeKind::Added,
                (None, Some(_)) => ConfigChangeKind::Removed,
                (Some(a), Some(b)) if env_source(a) != env_source(b) => ConfigChangeKind::Changed,
                _ => continue,
            };
            let shown = if prefix {
                format!("{name}/{env}")
            } else {
                env.clone()
            };
            out.config_drift.push(ConfigChange {
                name: shown.clone(),
                change,
            });
            out.details.push(DiffDetail {
                section: "env".into(),
                name: shown,
                live: a.map(env_source),
                target: b.map(env_source),
            });
        }
    }
    let cause = |annotations: &Value| {
        annotations
            .get(CHANGE_CAUSE)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (a, b) = (cause(live.1), cause(target.1));
    if a != b {
        out.details.push(DiffDetail {
            section: "change-cause".into(),
            name: CHANGE_CAUSE.into(),
            live: a,
            target: b,
        });
    }
    out
}

fn by_name(list: Vec<Container>) -> BTreeMap<String, Container> {
    list.into_iter().map(|c| (c.name.clone(), c)).collect()
}

fn env_map(c: Option<&Container>) -> BTreeMap<String, EnvVar> {
    c.and_then(|c| c.env.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|e| (e.name.clone(), e))
        .collect()
}

fn compact<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    let value = serde_json::to_value(v.as_ref()?).ok()?;
    match &value {
        Value::Object(m) if m.is_empty() => None,
        _ => Some(value.to_string()),
    }
}

fn joined(v: &Option<Vec<String>>) -> Option<String> {
    v.as_ref().filter(|v| !v.is_empty()).map(|v| v.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn images_env_resources_and_cause_differences_are_listed() {
        let live = json!({"spec": {"containers": [{"name": "web", "image": "web:3",
            "args": ["--fast"],
            "resources": {"limits": {"memory": "512Mi"}},
            "env": [{"name": "MODE", "value": "b"}, {"name": "NEW", "value": "1"},
                    {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db2", "key": "pw"}}}]}]}});
        let target = json!({"spec": {"containers": [{"name": "web", "image": "web:1",
            "env": [{"name": "MODE", "value": "a"},
                    {"name": "DB", "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}}}]}]}});
        let d = template_diff(
            (&live, &json!({"kubernetes.io/change-cause": "v3"})),
            (&target, &json!({"kubernetes.io/change-cause": "v1"})),
        );
        let drift: Vec<_> = d
            .config_drift
            .iter()
            .map(|c| (c.name.as_str(), c.change))
            .collect();
        assert_eq!(
            drift,
            vec![
                ("DB", ConfigChangeKind::Changed),
                ("MODE", ConfigChangeKind::Changed),
                ("NEW", ConfigChangeKind::Added)
            ]
        );
        let sections: Vec<_> = d.details.iter().map(|x| x.section.as_str()).collect();
        assert_eq!(
            sections,
            vec![
                "image",
                "resources",
                "args",
                "env",
                "env",
                "env",
                "change-cause"
            ]
        );
        let db = d.details.iter().find(|x| x.name == "DB").unwrap();
        assert_eq!(db.target.as_deref(), Some("secret db/pw"));
        let mode = d.details.iter().find(|x| x.name == "MODE").unwrap();
        assert_eq!(
            (mode.live.as_deref(), mode.target.as_deref()),
            (Some("value b"), Some("value a"))
        );
    }
}
