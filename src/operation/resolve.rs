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
