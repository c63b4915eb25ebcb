//! Quota arithmetic: a place is never over-allocated.

use serde::Serialize;

/// The site's reading of the notice's figures as caps on recommendations, beside the notice's
/// own words for them.
pub const QUOTA_READING: &str =
    "本站口径：通知的名额是“计划选派”学员人数，“具体推荐名额见附件1”；本站把审核通过计为占用一个推荐名额";

/// Places used against a cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Quota {
    /// Places available.
    pub cap: u32,
    /// Places taken.
    pub used: u32,
}

/// Every place is taken. Counting the notice's 计划选派 figures as a cap on recommendations is this
/// site's reading, and the message says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("名额已满（已推荐 {used} / 名额 {cap}），不能再推荐（{QUOTA_READING}）")]
pub struct QuotaFull {
    /// Places available.
    pub cap: u32,
    /// Places taken.
    pub used: u32,
}

impl Quota {
    /// Places left.
    pub fn remaining(self) -> u32 {
        self.cap.saturating_sub(self.used)
    }

    /// Takes one place.
    pub fn take(self) -> Result<Quota, QuotaFull> {
        if self.used < self.cap {
            Ok(Quota { used: self.used + 1, ..self })
        } else {
            Err(QuotaFull { cap: self.cap, used: self.used })
        }
    }

    /// Gives one place back (a withdrawn recommendation).
    pub fn release(self) -> Quota {
        Quota { used: self.used.saturating_sub(1), ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_quota_refuses() {
        let q = Quota { cap: 1, used: 0 };
        let q = q.take().expect("one place");
        assert_eq!(q.remaining(), 0);
        let err = q.take().expect_err("full");
        assert!(err.to_string().contains("1 / 名额 1"));
        assert_eq!(q.release().remaining(), 1);
    }

    proptest! {
        #[test]
        fn never_over_allocated(cap in 0u32..50, ops in proptest::collection::vec(any::<bool>(), 0..200)) {
            let mut q = Quota { cap, used: 0 };
            for take in ops {
                q = if take { q.take().unwrap_or(q) } else { q.release() };
                prop_assert!(q.used <= q.cap);
            }
        }
    }
}
