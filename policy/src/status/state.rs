//! `Status`: where an application stands.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Stored, waiting for the applicant to confirm their mail address: nobody else is mailed.
    Unconfirmed,
    /// Waiting for the employer unit.
    UnitReview,
    /// Waiting for league/city HR or the department.
    HrReview,
    /// Returned to the applicant with a comment.
    Returned,
    /// Recommended by HR: holds a quota place.
    Recommended,
    /// Recorded as selected by the regional centre's account (this site's arrangement: the
    /// selection is the issuer's).
    Selected,
    /// Recorded as not selected by the regional centre's account.
    NotSelected,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// Voided by the regional centre's account (with a reason; this site's arrangement), or never
    /// confirmed in time.
    Voided,
}

impl Status {
    /// Every status.
    pub const ALL: &'static [Status] = &[
        Status::Unconfirmed,
        Status::UnitReview,
        Status::HrReview,
        Status::Returned,
        Status::Recommended,
        Status::Selected,
        Status::NotSelected,
        Status::Withdrawn,
        Status::Voided,
    ];

    /// The API code.
    pub fn code(self) -> &'static str {
        match self {
            Status::Unconfirmed => "unconfirmed",
            Status::UnitReview => "unit_review",
            Status::HrReview => "hr_review",
            Status::Returned => "returned",
            Status::Recommended => "recommended",
            Status::Selected => "selected",
            Status::NotSelected => "not_selected",
            Status::Withdrawn => "withdrawn",
            Status::Voided => "voided",
        }
    }

    /// The Chinese label.
    pub fn label(self) -> &'static str {
        match self {
            Status::Unconfirmed => "待确认邮箱",
            Status::UnitReview => "单位审核中",
            Status::HrReview => "盟市（厅局）审核中",
            Status::Returned => "已退回",
            Status::Recommended => "已推荐",
            Status::Selected => "已登记入选（本站设置）",
            Status::NotSelected => "已登记未入选（本站设置）",
            Status::Withdrawn => "已撤回",
            Status::Voided => "已作废",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// Whether the applicant prints the 申报表 in this status: from the unit's approval on (the
    /// notice, 六(一)3: 单位审核通过后，申报人员点击“打印申报表”), and no longer once it is
    /// withdrawn, voided or returned (a resubmission goes to the unit again).
    pub fn printable(self) -> bool {
        matches!(self, Status::HrReview | Status::Recommended | Status::Selected | Status::NotSelected)
    }

    /// Whether an application in this status holds a quota place: recommended, or decided by
    /// the centre after a recommendation. One 身份证号 holds at most one place in a round.
    pub fn holds_place(self) -> bool {
        matches!(self, Status::Recommended | Status::Selected | Status::NotSelected)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}
