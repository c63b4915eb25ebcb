//! Store failures, with their cause kept for the log.

/// Store failures. Bad input never reaches the store.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store cannot be reached now; nothing was written.
    #[error("store unavailable")]
    Unavailable(#[source] Cause),
    /// The store answered with something unexpected.
    #[error("store error")]
    Internal(#[source] Cause),
}

/// What caused a failure, kept whole for the log (never shown to a person); cheap to clone, so
/// one failed commit can answer every caller waiting on it.
#[derive(Clone, Debug)]
pub struct Cause(std::sync::Arc<dyn std::error::Error + Send + Sync>);

impl Cause {
    /// An error, or words.
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self(std::sync::Arc::from(cause.into()))
    }

    /// `source`, with what was being done (`context`) in front of it.
    pub fn because(context: impl Into<String>, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::new(Because { context: context.into(), source: Self::new(source) })
    }
}

impl std::fmt::Display for Cause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Cause {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

/// A cause with what was being done when it happened.
#[derive(Debug, thiserror::Error)]
#[error("{context}")]
struct Because {
    context: String,
    #[source]
    source: Cause,
}

impl StoreError {
    /// The store cannot be reached now, because of `cause` (an error, or words).
    pub fn unavailable(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(Cause::new(cause))
    }

    /// The store answered with something unexpected: `cause` (an error, or words).
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(Cause::new(cause))
    }
}
