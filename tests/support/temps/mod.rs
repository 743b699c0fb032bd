//! A fake Temps v0.0.1 server: seeded from the answers a real server gave
//! (`shared/observed/temps-v0.0.1-transcript.json`), answering as it did, quirks included,
//! and checking every request against Temps' OpenAPI document (`shared/specs/temps-openapi.json`).

pub mod fake;
mod routes;
pub mod spec;
pub mod transcript;
pub mod world;
