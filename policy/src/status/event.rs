//! `Action`: what an actor does; `EventKind`: what the audit trail records of it.

use serde::{Deserialize, Serialize};

/// What an audit event records. Stored by its code, so existing events read unchanged.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// The application was submitted.
    Submitted,
    /// A reviewer approved (the unit) or recommended (HR).
    Approved,
    /// A reviewer returned it with a comment.
    Returned,
    /// The applicant sent a returned application again.
    Resubmitted,
    /// The applicant withdrew.
    Withdrawn,
    /// The centre's account recorded 入选 (this site's arrangement).
    Selected,
    /// The centre's account recorded 未入选 (this site's arrangement).
    NotSelected,
    /// The applicant added proof documents while at unit review or returned.
    DocumentsAdded,
    /// HR recorded the stamped paper 申报表 by its printed check code.
    PaperReceived,
    /// The applicant confirmed their mail address: the application goes to the unit.
    Confirmed,
    /// The centre voided the record, with a reason.
    Voided,
    /// Not confirmed in time: the record lapsed.
    Expired,
    /// After the centre's decision, the applicant asked for their personal data to be erased.
    ErasureRequested,
    /// The centre declined an erasure request, with its reason.
    ErasureDeclined,
    /// A new applicant address, given in a resubmission, was proven by its 邮箱验证码: mail goes
    /// there from now on.
    AddressProven,
    /// The new applicant address waiting for its 邮箱验证码 was corrected on the code page (the
    /// first was mistyped): the corrected one waits for its own code.
    AddressCorrected,
}

impl EventKind {
    /// The stored and API code.
    pub fn code(self) -> &'static str {
        match self {
            EventKind::Submitted => "submitted",
            EventKind::Approved => "approved",
            EventKind::Returned => "returned",
            EventKind::Resubmitted => "resubmitted",
            EventKind::Withdrawn => "withdrawn",
            EventKind::Selected => "selected",
            EventKind::NotSelected => "not_selected",
            EventKind::DocumentsAdded => "documents_added",
            EventKind::PaperReceived => "paper_received",
            EventKind::Confirmed => "confirmed",
            EventKind::Voided => "voided",
            EventKind::Expired => "expired",
            EventKind::ErasureRequested => "erasure_requested",
            EventKind::ErasureDeclined => "erasure_declined",
            EventKind::AddressProven => "address_proven",
            EventKind::AddressCorrected => "address_corrected",
        }
    }

    /// Whether the event changed what the applicant submitted (a new version of the content).
    pub fn changes_content(self) -> bool {
        matches!(self, EventKind::Submitted | EventKind::Resubmitted | EventKind::DocumentsAdded)
    }

    /// The event in words.
    pub fn label(self) -> &'static str {
        match self {
            EventKind::Submitted => "提交申报",
            EventKind::Approved => "审核通过",
            EventKind::Returned => "退回",
            EventKind::Resubmitted => "修改后重新提交",
            EventKind::Withdrawn => "撤回申报",
            EventKind::Selected => "登记入选（本站设置）",
            EventKind::NotSelected => "登记未入选（本站设置）",
            EventKind::DocumentsAdded => "补充证明材料",
            EventKind::PaperReceived => "纸质申报表已收到",
            EventKind::Confirmed => "确认邮箱",
            EventKind::Voided => "作废（本站设置）",
            EventKind::Expired => "未按时确认邮箱，已失效",
            EventKind::ErasureRequested => "申请删除个人信息",
            EventKind::ErasureDeclined => "不予删除个人信息（本站设置）",
            EventKind::AddressProven => "新邮箱已验证",
            EventKind::AddressCorrected => "更正待验证的新邮箱",
        }
    }
}

/// The kind of the event an action records.
impl From<Action> for EventKind {
    fn from(action: Action) -> Self {
        match action {
            Action::Approve => EventKind::Approved,
            Action::Return => EventKind::Returned,
            Action::Resubmit => EventKind::Resubmitted,
            Action::Withdraw => EventKind::Withdrawn,
            Action::Select => EventKind::Selected,
            Action::Reject => EventKind::NotSelected,
            Action::AddDocuments => EventKind::DocumentsAdded,
            Action::PaperReceived => EventKind::PaperReceived,
            Action::Confirm => EventKind::Confirmed,
            Action::Void => EventKind::Voided,
            Action::Expire => EventKind::Expired,
            Action::RequestErasure => EventKind::ErasureRequested,
            Action::DeclineErasure => EventKind::ErasureDeclined,
            Action::ProveAddress => EventKind::AddressProven,
            Action::CorrectAddress => EventKind::AddressCorrected,
        }
    }
}

/// Something an actor does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// 审核通过 (unit), 推荐 (HR).
    Approve,
    /// 退回 with a comment.
    Return,
    /// The applicant sends a returned application again.
    Resubmit,
    /// The applicant withdraws.
    Withdraw,
    /// The centre's account records 入选 (this site's arrangement).
    Select,
    /// The centre's account records 未入选 (this site's arrangement).
    Reject,
    /// The applicant adds proof documents (unit review or returned); the status stays.
    AddDocuments,
    /// HR records the stamped paper 申报表 (by its check code); the status stays.
    PaperReceived,
    /// The applicant confirms their mail address (the link mailed to it).
    Confirm,
    /// The centre voids a record (a squatted 身份证号, for instance), with a reason.
    Void,
    /// An unconfirmed record lapses (recorded as the applicant's: they did not confirm).
    Expire,
    /// After the centre's decision, the applicant asks for erasure; the status stays.
    RequestErasure,
    /// The centre declines an erasure request, with a reason; the status stays.
    DeclineErasure,
    /// The applicant proves a new address given in a resubmission (its 邮箱验证码); the status
    /// stays.
    ProveAddress,
    /// The applicant corrects the new address still waiting for its code (on the code page);
    /// the status stays.
    CorrectAddress,
}

impl Action {
    /// Parses a decision as a form posts it (`approve`, `return`, `select`, `reject`,
    /// `withdraw`, `resubmit`).
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "approve" => Some(Action::Approve),
            "return" => Some(Action::Return),
            "resubmit" => Some(Action::Resubmit),
            "withdraw" => Some(Action::Withdraw),
            "select" => Some(Action::Select),
            "reject" => Some(Action::Reject),
            "add_documents" => Some(Action::AddDocuments),
            "paper_received" => Some(Action::PaperReceived),
            "confirm" => Some(Action::Confirm),
            "void" => Some(Action::Void),
            _ => None,
        }
    }
}

/// Compares by code, as stored and as the API shows it.
impl PartialEq<&str> for EventKind {
    fn eq(&self, code: &&str) -> bool {
        self.code() == *code
    }
}
