//! Why the workflow did not do what was asked. The HTTP layer maps each to a status code and
//! a page or JSON body; the texts are for the person who asked.

use crate::store::{Cause, StoreError};
use policy::Reason;

/// A refusal or a failure.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Outside the window, or after this stage's close: why, in words.
    #[error("closed")]
    Closed(String),
    /// Field errors.
    #[error("{} field errors", .0.len())]
    Invalid(Vec<Reason>),
    /// The submission id was used with another body.
    #[error("submission id reused with another body")]
    SubmissionConflict,
    /// Someone decided first: who and when, in words.
    #[error("stale")]
    Stale(String),
    /// The state machine allows no such step now.
    #[error("{title}")]
    NotAllowed {
        /// Page title.
        title: &'static str,
        /// Why, in words.
        message: String,
    },
    /// The request lacks something the step needs (a decision, a comment, a confirmation).
    #[error("{title}")]
    Incomplete {
        /// Page title.
        title: &'static str,
        /// What to add.
        message: String,
    },
    /// The stamped paper 申报表 is missing or does not match the record: why, in words.
    #[error("paper")]
    Paper(String),
    /// Another application of the same 身份证号 holds a place in the round: its reference.
    #[error("number already holds a place")]
    NumberHasPlace(String),
    /// Every place is taken.
    #[error(transparent)]
    QuotaFull(#[from] policy::QuotaFull),
    /// No such application.
    #[error("not found")]
    NotFound,
    /// Over a rate limit: the seconds until the window ends.
    #[error("too many requests")]
    TooMany {
        /// Seconds to wait.
        retry_after: i64,
    },
    /// A service could not be reached; nothing was written.
    #[error("a service is unavailable")]
    Unavailable(#[source] Cause),
    /// Anything else (logged, never shown).
    #[error("internal error")]
    Internal(#[source] Cause),
}

impl Error {
    /// Whether the write may have happened anyway (a store that timed out can have committed):
    /// then nothing made for it, such as copied files, may be removed.
    pub fn may_have_written(&self) -> bool {
        matches!(self, Error::Unavailable(_) | Error::Internal(_))
    }
}

impl Error {
    /// A service could not be reached, because of `cause` (an error, or words).
    pub fn unavailable(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(Cause::new(cause))
    }

    /// Anything else, because of `cause` (an error, or words).
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(Cause::new(cause))
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(_) => Error::Unavailable(Cause::new(e)),
            StoreError::Internal(_) => Error::Internal(Cause::new(e)),
        }
    }
}

impl From<tera::Error> for Error {
    fn from(e: tera::Error) -> Self {
        Error::Internal(Cause::new(e))
    }
}
