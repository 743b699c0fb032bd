//! The HTTP contract end to end: `serve` over the demo platform on a loopback socket, the
//! `http` backend against it, and a fault-injecting proxy between them.

mod binary;
mod bounds;
mod commands;
mod contract;
mod faults;
#[path = "../support/proxy.rs"]
mod proxy;
mod runbook;
#[path = "../support/serve.rs"]
mod serve;
#[path = "../support/http.rs"]
mod support;
mod two_consoles;
