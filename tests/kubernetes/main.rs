//! The Kubernetes backend against a fake API server on loopback, and against the real
//! kubectl for parity.

mod argo;
mod domains;
#[path = "../support/kubernetes/mod.rs"]
mod fake;
mod follow;
mod mapping;
mod parity;
mod race;
mod rbac;
mod reads;
mod requests;

use switchback::domain::EnvRef;

pub fn env(project: &str) -> EnvRef {
    EnvRef::new(project, "production")
}
