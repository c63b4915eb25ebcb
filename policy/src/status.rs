//! Application statuses.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for the employer unit.
    UnitReview,
    /// Waiting for league/city HR or the department.
    HrReview,
    /// Returned to the applicant with a comment.
    Returned,
    /// Recommended by HR: holds a quota place.
    Recommended,
    /// Selected by the regional centre.
    Selected,
    /// Not selected by the regional centre.
    NotSelected,
    /// Withdrawn by the applicant.
    Withdrawn,
}

impl Status {
    /// Every status.
    pub const ALL: &'static [Status] = &[
        Status::UnitReview,
        Status::HrReview,
        Status::Returned,
        Status::Recommended,
        Status::Selected,
        Status::NotSelected,
        Status::Withdrawn,
    ];

    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            Status::UnitReview => "unit_review",
            Status::HrReview => "hr_review",
            Status::Returned => "returned",
            Status::Recommended => "recommended",
            Status::Selected => "selected",
            Status::NotSelected => "not_selected",
            Status::Withdrawn => "withdrawn",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Status::UnitReview => "单位审核中",
            Status::HrReview => "盟市（厅局）审核中",
            Status::Returned => "已退回",
            Status::Recommended => "已推荐",
            Status::Selected => "入选",
            Status::NotSelected => "未入选",
            Status::Withdrawn => "已撤回",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_code(s.code()), Some(*s));
            assert_eq!(serde_json_code(*s), format!("\"{}\"", s.code()));
        }
    }

    fn serde_json_code(s: Status) -> String {
        serde_json::to_string(&s).expect("serialises")
    }
}
