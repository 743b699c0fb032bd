//! The embedded demo platform: every rule of the domain, checked against the model.

mod actions;
mod generated;
mod lifetime;
mod operations;
mod properties;
mod rollback;
mod scenarios;
#[path = "../support/demo.rs"]
mod support;
mod traffic;
