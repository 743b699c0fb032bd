//! The shared test kit: fakes of the platforms and the helpers more than one test crate
//! uses. A crate mounts the parts it needs with `#[path = "../support/…"]`; the conformance
//! suite mounts them all through this file.

// Each crate uses a part of the kit.
#![allow(dead_code)]

pub mod demo;
pub mod fly;
pub mod home;
pub mod http;
pub mod kubernetes;
pub mod proxy;
pub mod serve;
pub mod temps;
pub mod unkey;
pub mod vercel;
