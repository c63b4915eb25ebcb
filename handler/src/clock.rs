//! The handler's clock: the system's, or one started at a chosen instant that runs on from there.

use std::time::Instant;
use time::OffsetDateTime;

/// A source of "now".
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    origin: Option<(OffsetDateTime, Instant)>,
}

impl Clock {
    /// The system clock (the Lambda's only clock).
    pub fn system() -> Self {
        Self { origin: None }
    }

    /// A clock that reads `start` now and runs on in real time (`tepei serve --now`).
    pub fn starting_at(start: OffsetDateTime) -> Self {
        Self { origin: Some((start, Instant::now())) }
    }

    /// The current instant.
    pub fn now(&self) -> OffsetDateTime {
        match self.origin {
            None => OffsetDateTime::now_utc(),
            Some((start, at)) => start + at.elapsed(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trial_clock_starts_where_told_and_runs_on() {
        let start = time::macros::datetime!(2025-03-15 10:00 +8);
        let clock = Clock::starting_at(start);
        let now = clock.now();
        assert!(now >= start && now - start < time::Duration::seconds(5));
        assert!(Clock::system().now().year() >= 2025);
    }
}
