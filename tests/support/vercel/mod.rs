//! A fake of Vercel's REST API, checked against its OpenAPI document, and the world most
//! tests start from.

pub mod fake;
pub mod model;
pub mod spec;
pub mod world;
