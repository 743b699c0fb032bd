//! Long generated histories (the `large` scenario): commits and deployments made by rule
//! instead of written out. Nothing is expanded into specs: `check` validates the parameters
//! and `build` makes each generated entry straight into the platform's records, number by
//! number (1 is the oldest).

use super::spec::{GenerateSpec, ProjectSpec};
use crate::backend::demo::text::{decimal_len, hex16, push_ascii, push_decimal};
use std::time::Duration;

/// More than any screen or benchmark needs, and few enough to build in a second or two.
pub(crate) const MAX_DEPLOYMENTS: usize = 1_000_000;
/// The oldest generated deployment must be younger than this (dates stay far in range).
pub(crate) const MAX_AGE: Duration = Duration::from_secs(1000 * 365 * 24 * 3600);

const SUBJECTS: [&str; 8] = [
    "Tune cache headers",
    "Fix pagination off-by-one",
    "Bump dependencies",
    "Add order export",
    "Refactor checkout flow",
    "Improve search ranking",
    "Log slow queries",
    "Tidy error pages",
];
pub(crate) const AUTHORS: [&str; 5] = ["alice", "bob", "chen", "dana", "emeka"];
/// The branch of every generated commit.
pub(crate) const BRANCH: &str = "main";

/// Commit `i`'s sha is made of `i` times this, modulo 2^128: odd, so every number has its own
/// sha and the sha gives the number back.
const SHA_FACTOR: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835;
const SHA_FACTOR_INVERSE: u128 = inverse(SHA_FACTOR);
const SHA_LEN: usize = 40;

/// The multiplicative inverse of an odd number modulo 2^128 (Newton's iteration doubles
/// the correct low bits each round: 3, 6, 12, ..., 192).
const fn inverse(odd: u128) -> u128 {
    let mut x = odd;
    let mut round = 0;
    while round < 6 {
        x = x.wrapping_mul(2u128.wrapping_sub(odd.wrapping_mul(x)));
        round += 1;
    }
    x
}

/// One project's generated history.
#[derive(Clone, Copy, Debug)]
pub(crate) struct History<'a> {
    pub spec: &'a GenerateSpec,
    /// Index of the environment it belongs to.
    pub env: usize,
    /// Labels are this prefix and the number.
    pub prefix: &'a str,
}

impl<'a> History<'a> {
    /// The project's generated history, if it has one and its environment exists.
    pub fn of(project: &'a ProjectSpec) -> Option<History<'a>> {
        let spec = project.generate.as_ref()?;
        let env = project
            .environments
            .iter()
            .position(|e| e.id == spec.environment)?;
        let prefix = project.environments[env]
            .label_prefix
            .as_deref()
            .unwrap_or("v");
        Some(History { spec, env, prefix })
    }

    pub fn len(&self) -> usize {
        self.spec.deployments
    }

    pub fn numbers(&self) -> std::ops::RangeInclusive<usize> {
        1..=self.len()
    }

    pub fn sha(&self, i: usize) -> String {
        // The value's low 28 bits first (its first seven digits, distinct for every number
        // below 2^28, so short shas differ), the rest of it, then eight zeros.
        let value = (i as u128).wrapping_mul(SHA_FACTOR).rotate_right(28);
        let mut digits = [b'0'; SHA_LEN];
        digits[..16].copy_from_slice(&hex16((value >> 64) as u64));
        digits[16..32].copy_from_slice(&hex16(value as u64));
        let mut sha = String::with_capacity(SHA_LEN);
        push_ascii(&mut sha, &digits);
        sha
    }

    /// The number whose commit has this sha, if one has.
    pub fn number_of_sha(&self, sha: &str) -> Option<usize> {
        let canonical = sha.len() == SHA_LEN
            && sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        let value = u128::from_str_radix(sha.get(..32)?, 16).ok()?;
        let zeros = sha.get(32..)?.bytes().all(|b| b == b'0');
        let i = value.rotate_left(28).wrapping_mul(SHA_FACTOR_INVERSE);
        (canonical && zeros)
            .then_some(i)
            .and_then(|i| usize::try_from(i).ok())
            .filter(|i| self.numbers().contains(i))
    }

    pub fn subject(&self, i: usize) -> String {
        let start = SUBJECTS[i % SUBJECTS.len()];
        let number = 1000 + i as u64;
        let mut subject = String::with_capacity(start.len() + 4 + decimal_len(number));
        subject.push_str(start);
        subject.push_str(" (#");
        push_decimal(&mut subject, number);
        subject.push(')');
        subject
    }

    /// Commit `i`'s author, as an index into `AUTHORS`.
    pub fn author(&self, i: usize) -> usize {
        i % AUTHORS.len()
    }

    pub fn label(&self, i: usize) -> String {
        let mut label = String::with_capacity(self.prefix.len() + decimal_len(i as u64));
        label.push_str(self.prefix);
        push_decimal(&mut label, i as u64);
        label
    }

    /// The number this label stands for, if the history generates it.
    pub fn number_of_label(&self, label: &str) -> Option<usize> {
        let digits = label.strip_prefix(self.prefix)?;
        let canonical = digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        let i: usize = digits.parse().ok().filter(|_| canonical)?;
        self.numbers().contains(&i).then_some(i)
    }

    /// How long before the scenario starts deployment `i` was created; checked to fit.
    pub fn age(&self, i: usize) -> Duration {
        let every = self.spec.every;
        every * (self.len() - i) as u32 + every / 2
    }

    /// The oldest deployment's age, or `None` when it does not fit in a `Duration`.
    pub fn oldest_age(&self) -> Option<Duration> {
        let steps = u32::try_from(self.len().checked_sub(1)?).ok()?;
        let every = self.spec.every;
        every.checked_mul(steps)?.checked_add(every / 2)
    }

    /// Its build failed (never the newest: something must be live).
    pub fn fails(&self, i: usize) -> bool {
        let every = self.spec.failed_every;
        every > 0 && i.is_multiple_of(every) && i != self.len()
    }

    /// Retention removed its artifact.
    pub fn pruned(&self, i: usize) -> bool {
        self.spec
            .keep_artifacts
            .is_some_and(|keep| self.len() - i >= keep)
    }

    pub fn error_rate(&self, i: usize) -> f64 {
        0.001 + 0.002 * (i % 3) as f64
    }

    pub fn p50_ms(&self, i: usize) -> f64 {
        30.0 + (i % 7) as f64
    }

    pub fn p95_ms(&self, i: usize) -> f64 {
        110.0 + (i % 11) as f64 * 3.0
    }

    pub fn migrations(&self, i: usize) -> Vec<String> {
        if i.is_multiple_of(50) {
            vec![format!("{i:05}_migration")]
        } else {
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(deployments: usize) -> GenerateSpec {
        GenerateSpec {
            environment: "production".into(),
            deployments,
            every: Duration::from_secs(7200),
            failed_every: 97,
            keep_artifacts: Some(500),
        }
    }

    #[test]
    fn the_sha_factor_has_an_inverse() {
        assert_eq!(SHA_FACTOR.wrapping_mul(SHA_FACTOR_INVERSE), 1);
    }

    #[test]
    fn a_sha_and_a_label_give_their_number_back_and_nothing_else_does() {
        let spec = spec(10_000);
        let history = History {
            spec: &spec,
            env: 0,
            prefix: "v",
        };
        for i in [1, 2, 97, 9_999, 10_000] {
            assert_eq!(history.number_of_sha(&history.sha(i)), Some(i));
            assert_eq!(history.number_of_label(&history.label(i)), Some(i));
        }
        let longer = super::tests::spec(10_001);
        let beyond = History {
            spec: &longer,
            ..history
        };
        assert_eq!(history.number_of_sha(&beyond.sha(10_001)), None);
        assert_eq!(history.number_of_sha(&history.sha(5).to_uppercase()), None);
        assert_eq!(history.number_of_sha(&history.sha(5)[1..]), None);
        let short: std::collections::HashSet<String> = history
            .numbers()
            .map(|i| history.sha(i)[..7].to_owned())
            .collect();
        assert_eq!(short.len(), history.len(), "every short sha is its own");
        assert_eq!(history.number_of_sha(&"a".repeat(40)), None);
        assert_eq!(history.number_of_sha("0"), None);
        for label in ["v0", "v012", "v+12", "v10001", "v", "x12", "v1a"] {
            assert_eq!(history.number_of_label(label), None, "{label}");
        }
    }

    #[test]
    fn the_oldest_age_is_refused_when_it_does_not_fit() {
        let mut spec = spec(3);
        spec.every = Duration::MAX;
        let history = History {
            spec: &spec,
            env: 0,
            prefix: "v",
        };
        assert_eq!(history.oldest_age(), None);
    }
}
