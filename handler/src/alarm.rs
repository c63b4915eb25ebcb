//! The events an operator is alarmed on. Each is logged with the structured field `alarm` set
//! to one of these codes, which only the code sets; the template's metric filters match that
//! field (`{ $.fields.alarm = "…" }`), never a phrase a request could make the handler log.

/// A mail given up after its attempts.
pub const MAIL_GIVEN_UP: &str = "mail_given_up";
/// The function could not start (bad settings or secrets).
pub const CANNOT_START: &str = "cannot_start";
/// A page built from other rules than the handler enforces sent a form.
pub const RULES_MISMATCH: &str = "rules_mismatch";
/// A record was erased but its files or mail copies could not all be deleted (the next purge
/// tries again).
pub const ERASURE_UNFINISHED: &str = "erasure_unfinished";

/// Every code, for the template's check.
pub const ALL: [&str; 4] = [MAIL_GIVEN_UP, CANNOT_START, RULES_MISMATCH, ERASURE_UNFINISHED];
