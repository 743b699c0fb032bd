//! Which deployment, project or environment a name means: one rule for every front end.
//!
//! A deployment name is tried as an exact id, an exact label, and a commit-sha prefix of at
//! least [`MIN_SHA_PREFIX`] characters; `last-good` is resolved by the caller (it needs the
//! platform's history). A name that fits two different deployments, by one rule or by two,
//! is refused with every candidate named, never guessed. `id:NAME`, `label:NAME` and
//! `commit:PREFIX` ask for one rule only, to settle such a clash.

use crate::domain::{Deployment, Environment, Project};

/// The shortest commit prefix taken as a name: shorter ones collide too easily.
pub const MIN_SHA_PREFIX: usize = 7;

/// The word that means "the newest earlier deployment that stayed healthy while live".
pub const LAST_GOOD: &str = "last-good";

/// How many close names an unknown name is answered with.
const CLOSEST: usize = 5;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError {
    /// Nothing has that name; `closest` are the most similar names known.
    #[error("no {what} `{wanted}` in {within}{}", closest_hint(.closest))]
    NotFound {
        what: &'static str,
        wanted: String,
        within: String,
        closest: Vec<String>,
    },
    /// The name fits more than one; each candidate says how it matched.
    #[error(
        "`{wanted}` could mean {} {what}s: {}; {hint}",
        .candidates.len(),
        .candidates.join(", ")
    )]
    Ambiguous {
        what: &'static str,
        wanted: String,
        candidates: Vec<String>,
        hint: &'static str,
    },
}

fn closest_hint(closest: &[String]) -> String {
    if closest.is_empty() {
        String::new()
    } else {
        format!("; closest: {}", closest.join(", "))
    }
}

impl ResolveError {
    /// Names to offer instead (the closest for an unknown name, the candidates for an
    /// ambiguous one).
    pub fn candidates(&self) -> &[String] {
        match self {
            Self::NotFound { closest, .. } => closest,
            Self::Ambiguous { candidates, .. } => candidates,
        }
    }
}

/// Which rule a name asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Any,
    Id,
    Label,
    Commit,
}

fn split_rule(wanted: &str) -> (Rule, &str) {
    for (prefix, rule) in [
        ("id:", Rule::Id),
        ("label:", Rule::Label),
        ("commit:", Rule::Commit),
    ] {
        if let Some(rest) = wanted.strip_prefix(prefix)
            && !rest.is_empty()
        {
            return (rule, rest);
        }
    }
    (Rule::Any, wanted)
}

/// Whether `wanted` asks for the last known good deployment.
pub fn is_last_good(wanted: &str) -> bool {
    wanted.trim().eq_ignore_ascii_case(LAST_GOOD)
}

/// The deployment `wanted` names among `all` (one environment's deployments).
///
/// `within` names the environment in messages.
pub fn deployment<'a>(
    all: &'a [Deployment],
    wanted: &str,
    within: &str,
) -> Result<&'a Deployment, ResolveError> {
    let wanted = wanted.trim();
    let whole = wanted;
    let (rule, wanted) = split_rule(wanted);
    // A literal id or label that happens to start with `id:` wins over the qualifier.
    let (rule, wanted) = if rule != Rule::Any
        && all
            .iter()
            .any(|d| d.id.as_str() == whole || d.label == whole)
    {
        (Rule::Any, whole)
    } else {
        (rule, wanted)
    };
    let mut found: Vec<(&'a Deployment, &'static str)> = Vec::new();
    let mut add = |d: &'a Deployment, how: &'static str| {
        if !found.iter().any(|(f, _)| f.id == d.id) {
            found.push((d, how));
        }
    };
    if matches!(rule, Rule::Any | Rule::Id) {
        all.iter()
            .filter(|d| d.id.as_str() == wanted)
            .for_each(|d| add(d, "id"));
    }
    if matches!(rule, Rule::Any | Rule::Label) {
        all.iter()
            .filter(|d| d.label == wanted)
            .for_each(|d| add(d, "label"));
    }
    let sha_like = wanted.len() >= MIN_SHA_PREFIX && wanted.chars().all(|c| c.is_ascii_hexdigit());
    if matches!(rule, Rule::Any | Rule::Commit) && sha_like {
        let prefix = wanted.to_ascii_lowercase();
        all.iter()
            .filter(|d| {
                d.commit.as_ref().is_some_and(|c| {
                    c.sha.len() >= prefix.len()
                        && c.sha.is_char_boundary(prefix.len())
                        && c.sha[..prefix.len()].eq_ignore_ascii_case(&prefix)
                })
            })
            .for_each(|d| add(d, "commit"));
    }
    match found.as_slice() {
        [(one, _)] => Ok(one),
        [] => {
            let labels: Vec<String> = all.iter().map(|d| d.label.clone()).collect();
            Err(ResolveError::NotFound {
                what: "deployment",
                wanted: whole.to_owned(),
                within: within.to_owned(),
                closest: closest(wanted, &labels, CLOSEST),
            })
        }
        many => Err(ResolveError::Ambiguous {
            what: "deployment",
            wanted: whole.to_owned(),
            candidates: many.iter().map(|(d, how)| describe_match(d, how)).collect(),
            hint: "name it by id (id:ID), label (label:NAME) or a longer commit prefix",
        }),
    }
}

fn describe_match(d: &Deployment, how: &str) -> String {
    match how {
        "id" => format!("{} (by id {})", d.label, d.id),
        "label" => format!("{} (by label, id {})", d.label, d.id),
        _ => format!("{} (by commit {}, id {})", d.label, d.short_commit(), d.id),
    }
}

/// The project `wanted` names: its exact id, its exact name, or a unique last part of its
/// id (`storefront` for `shop/storefront`), as people type it.
pub fn project<'a>(
    all: &'a [Project],
    wanted: &str,
    within: &str,
) -> Result<&'a Project, ResolveError> {
    by_name(
        all,
        wanted,
        within,
        "project",
        |p| p.id.as_str(),
        |p| p.name.as_str(),
    )
}

/// The environment `wanted` names, by the same rule as projects (the name compared without
/// regard to case: `Production` and `production` are the same environment to a person).
pub fn environment<'a>(
    all: &'a [Environment],
    wanted: &str,
    within: &str,
) -> Result<&'a Environment, ResolveError> {
    by_name(
        all,
        wanted,
        within,
        "environment",
        |e| e.id.as_str(),
        |e| e.name.as_str(),
    )
}

fn by_name<'a, T>(
    all: &'a [T],
    wanted: &str,
    within: &str,
    what: &'static str,
    id: impl Fn(&T) -> &str,
    name: impl Fn(&T) -> &str,
) -> Result<&'a T, ResolveError> {
    let wanted = wanted.trim();
    if let Some(exact) = wanted.strip_prefix("id:")
        && let Some(found) = all.iter().find(|t| id(t) == exact)
    {
        return Ok(found);
    }
    let short = |t: &T| {
        let id = id(t);
        id.contains('/') && id.rsplit('/').next().is_some_and(|last| last == wanted)
    };
    // Every rule at once: a name that two rules give to two different things is refused.
    let matches: Vec<&T> = all
        .iter()
        .filter(|t| {
            id(t) == wanted
                || name(t) == wanted
                || id(t).eq_ignore_ascii_case(wanted)
                || name(t).eq_ignore_ascii_case(wanted)
                || short(t)
        })
        .collect();
    match matches.as_slice() {
        [one] => return Ok(one),
        [] => {}
        many => {
            return Err(ResolveError::Ambiguous {
                what,
                wanted: wanted.to_owned(),
                candidates: many.iter().map(|t| id(t).to_owned()).collect(),
                hint: "name it by its whole id, or as id:ID",
            });
        }
    }
    let known: Vec<String> = all.iter().map(|t| id(t).to_owned()).collect();
    Err(ResolveError::NotFound {
        what,
        wanted: wanted.to_owned(),
        within: within.to_owned(),
        closest: closest(wanted, &known, CLOSEST),
    })
}

/// Up to `count` of `known`, most similar to `wanted` first (ties keep their order).
pub fn closest(wanted: &str, known: &[String], count: usize) -> Vec<String> {
    let wanted = wanted.to_lowercase();
    let mut scored: Vec<(usize, usize, &String)> = known
        .iter()
        .enumerate()
        .map(|(i, k)| (strsim::levenshtein(&wanted, &k.to_lowercase()), i, k))
        .collect();
    scored.sort();
    scored
        .into_iter()
        .take(count)
        .map(|(_, _, k)| k.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Artifact, BuildStatus, Commit, EnvMode, EnvironmentKind, ProjectId, RuntimeState,
    };
    use std::sync::Arc;

    fn dep(id: &str, label: &str, sha: &str) -> Deployment {
        Deployment {
            id: id.into(),
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
                subject: "s".into(),
                branch: None,
            })),
            author: None,
            created_at: chrono::Utc::now(),
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

    /// A platform whose labels imitate other deployments' ids.
    fn tricky() -> Vec<Deployment> {
        vec![
            dep("dep_0003", "v3", "c0ffee1234567890"),
            dep("dep_0002", "dep_0001", "abcdef0011223344"),
            dep("dep_0001", "v1", "abcdef0099887766"),
        ]
    }

    #[test]
    fn an_id_that_is_also_another_label_is_refused_naming_both() {
        let all = tricky();
        let error = deployment(&all, "dep_0001", "p · production").unwrap_err();
        let ResolveError::Ambiguous { candidates, .. } = &error else {
            panic!("{error}")
        };
        assert_eq!(candidates.len(), 2, "{error}");
        let text = error.to_string();
        assert!(text.contains("v1 (by id dep_0001)"), "{text}");
        assert!(text.contains("dep_0001 (by label, id dep_0002)"), "{text}");
        // Each can still be named on purpose.
        assert_eq!(deployment(&all, "id:dep_0001", "").unwrap().label, "v1");
        assert_eq!(
            deployment(&all, "label:dep_0001", "").unwrap().id.as_str(),
            "dep_0002"
        );
    }

    #[test]
    fn ids_labels_and_commit_prefixes_each_find_one() {
        let all = tricky();
        assert_eq!(deployment(&all, "dep_0003", "").unwrap().label, "v3");
        assert_eq!(deployment(&all, "v3", "").unwrap().label, "v3");
        assert_eq!(deployment(&all, "c0ffee1", "").unwrap().label, "v3");
        assert_eq!(deployment(&all, "C0FFEE12", "").unwrap().label, "v3");
        // Two deployments share the prefix: refused, with a longer prefix to type instead.
        let error = deployment(&all, "abcdef0", "").unwrap_err();
        assert_eq!(error.candidates().len(), 2, "{error}");
        assert_eq!(deployment(&all, "abcdef001", "").unwrap().label, "dep_0001");
        // Under seven characters a prefix is no name.
        assert!(matches!(
            deployment(&all, "c0ffee", ""),
            Err(ResolveError::NotFound { .. })
        ));
    }

    #[test]
    fn unknown_names_offer_the_closest_labels() {
        let all = tricky();
        let error = deployment(&all, "v33", "p · production").unwrap_err();
        assert_eq!(error.candidates()[0], "v3");
        assert!(
            error
                .to_string()
                .starts_with("no deployment `v33` in p · production")
        );
    }

    #[test]
    fn multibyte_names_and_shas_never_panic() {
        let mut all = tricky();
        all.push(dep("dep_0004", "v4", "ééééééééé"));
        assert!(deployment(&all, "éééé", "").is_err());
        assert!(deployment(&all, "abcdef0é", "").is_err());
    }

    fn env(id: &str, name: &str) -> Environment {
        Environment {
            mixed: Vec::new(),
            live_label: None,
            id: id.into(),
            project: ProjectId::new("shop/storefront"),
            name: name.to_owned(),
            kind: EnvironmentKind::Production,
            live: None,
            mode: EnvMode::Normal,
            domains: vec![],
            branch: None,
        }
    }

    fn project(id: &str) -> Project {
        Project {
            id: ProjectId::new(id),
            name: id.rsplit('/').next().unwrap().to_owned(),
            components: vec![],
        }
    }

    #[test]
    fn a_unique_short_project_name_is_enough_and_a_shared_one_is_refused() {
        let projects = vec![
            project("shop/storefront"),
            project("shop/api"),
            project("ops/api"),
        ];
        assert_eq!(
            super::project(&projects, "storefront", "")
                .unwrap()
                .id
                .as_str(),
            "shop/storefront"
        );
        let error = super::project(&projects, "api", "").unwrap_err();
        assert_eq!(error.candidates(), ["shop/api", "ops/api"]);
        assert_eq!(
            super::project(&projects, "ops/api", "")
                .unwrap()
                .id
                .as_str(),
            "ops/api"
        );
    }

    #[test]
    fn environments_by_id_or_name_in_any_case() {
        let envs = vec![env("production", "Production"), env("staging", "Staging")];
        for name in ["production", "Production", "PRODUCTION"] {
            assert_eq!(
                environment(&envs, name, "").unwrap().id.as_str(),
                "production"
            );
        }
        let error = environment(&envs, "prodution", "shop/storefront").unwrap_err();
        assert_eq!(error.candidates()[0], "production");
    }
}
