//! The HTTP contract end to end: `serve` over the demo platform on a loopback socket, the
//! `http` backend against it, and a fault-injecting proxy between them.

mod binary;
mod commands;
mod contract;
mod faults;
mod proxy;
mod support;
mod two_consoles;
