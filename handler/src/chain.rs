//! An error with its causes, for one log line: `what failed: because: because`.

use std::fmt;

/// Displays an error followed by each of its sources, joined by `: `.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_cause_is_shown_once() {
        #[derive(Debug, thiserror::Error)]
        #[error("reading the store")]
        struct Outer(#[source] std::io::Error);
        let e = Outer(std::io::Error::other("timed out"));
        assert_eq!(super::Chain(&e).to_string(), "reading the store: timed out");
    }
}
