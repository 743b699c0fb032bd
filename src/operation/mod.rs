//! Operations, planned once for every front end: which deployment a name means, what an
//! operation will do and must warn about, the confirmation it demands, and the request it
//! sends. Engine code: it knows the backend, never the screen nor the command line.

pub mod facts;
pub mod guard;
pub mod last_good;
pub mod pages;
mod plan;
mod request;
pub mod resolve;
pub mod target;

pub use facts::{Briefing, DomainFacts, Estimate, Fact};
pub use last_good::{LastGood, last_good};
pub use plan::{
    Choices, Confirmation, Context, Intent, Plan, PlanError, Reads, Refusal, assemble, plan, verb,
};
pub use request::{Parts, Request, new_idempotency_key};
