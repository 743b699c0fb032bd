//! The `http` backend: a platform that speaks the documented contract (`docs/openapi.yaml`).

pub mod wire;
