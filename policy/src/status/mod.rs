//! Application statuses, who acts on them, and the one state machine between them.

mod actor;
mod event;
mod machine;
mod state;

pub use actor::{Actor, DecisionForm};
pub use event::{Action, EventKind};
pub use machine::{QuotaEffect, Step, reviewer_for, step};
pub use state::Status;

#[cfg(test)]
mod tests;
