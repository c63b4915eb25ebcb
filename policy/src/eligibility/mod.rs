//! Who may apply to which stream: routing and conditions, each failure a reason with its field.

mod checks;
mod profile;
mod verdict;

pub use checks::{RuleCheck, rule_checks};
pub(crate) use profile::bool_or_text;
pub use profile::{Profile, ProfileForm, Reason, truthy};
pub use verdict::{TrackVerdict, Verdict, eligibility, route, self_check};

#[cfg(test)]
mod tests;
