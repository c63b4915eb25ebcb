//! Decisions behind signed links (unit, HR, centre; the applicant withdraws), the confirmation
//! of an address, and the applicant's changes, through one guard and one write ([`apply`]):
//! the version the page showed, `policy::step` (the one state machine) and the actor's stage,
//! then one conditional write of the new version with its event, its mails and any quota place.

mod applicant;
mod apply;
mod review;

pub use applicant::{
    Confirmation, add_documents, confirm, correct_address, expire, lapsed, prove_address, request_erasure, resubmit,
};
pub use apply::{COMMENT_MAX, Decision, Documents, current, quota_slot};
pub use review::{decide, decline_erasure, not_requested, receive_paper, void};
