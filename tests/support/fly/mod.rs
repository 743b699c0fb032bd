//! A fake of Fly.io's three APIs (Machines, GraphQL, releases REST) and its managed
//! Prometheus, on one local socket, checking every request against the specs in
//! `../shared/specs` and modelling Machines over a virtual clock, leases, regions that
//! fail, deleted images, rate limits and tokens of each kind.

pub mod answers;
pub mod fake;
pub mod graphql;
pub mod model;
pub mod openapi;
pub mod world;
