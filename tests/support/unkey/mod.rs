//! A fake of Unkey's v2 API, checked against its OpenAPI document, and the world most
//! tests start from.

pub mod fake;
pub mod fake_api;
pub mod spec;
pub mod world;
