//! Contract tests of the Unkey adapter against a local fake of Unkey's v2 API built from
//! its OpenAPI document (read from `../shared/specs` at run time).

mod binary;
mod errors;
#[path = "../support/unkey/fake.rs"]
mod fake;
#[path = "../support/unkey/fake_api.rs"]
mod fake_api;
mod metrics;
mod operations;
mod reads;
#[path = "../support/unkey/spec.rs"]
mod spec;
#[path = "../support/unkey/world.rs"]
mod world;

pub use world::*;

// What the tests take from here besides the world.
use std::sync::Arc;
use std::time::Duration;
use switchback::backend::unkey::{RootKey, UnkeyBackend, UnkeySettings};
use switchback::clock::VirtualClock;
