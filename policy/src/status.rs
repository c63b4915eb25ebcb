//! Application statuses.

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
    /// Selected by the regional centre.
    Selected,
    /// Not selected by the regional centre.
    NotSelected,
    /// Withdrawn by the applicant.
    Withdrawn,
    /// Voided by the regional centre (with a reason), or never confirmed in time.
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
            Status::Selected => "入选",
            Status::NotSelected => "未入选",
            Status::Withdrawn => "已撤回",
            Status::Voided => "已作废",
        }
    }

    /// Parses an API code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.code() == code)
    }

    /// Whether an application in this status keeps its 身份证号 for the round (one application
    /// per person): every status but a withdrawal or a voided record, after which the person may
    /// apply afresh.
    pub fn holds_identity(self) -> bool {
        !matches!(self, Status::Withdrawn | Status::Voided)
    }

    /// Whether an application in this status holds a quota place: recommended, or decided by
    /// the centre after a recommendation.
    pub fn holds_place(self) -> bool {
        matches!(self, Status::Recommended | Status::Selected | Status::NotSelected)
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

/// Who acts on an application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The applicant, through the status link.
    Applicant,
    /// The employer unit's reviewer.
    Unit,
    /// League/city HR, or the department for 区直 units.
    Hr,
    /// The regional centre.
    Centre,
}

impl Actor {
    /// Every actor, in the order an application meets them: the applicant, then each review
    /// stage. Lists of actors (the stages' closes, the codes, the tests) iterate this; a new stage
    /// fails to compile in [`Actor::position`] until it has its place here.
    pub const ALL: [Actor; 4] = [Actor::Applicant, Actor::Unit, Actor::Hr, Actor::Centre];

    /// Its place in [`Actor::ALL`].
    pub const fn position(self) -> usize {
        match self {
            Actor::Applicant => 0,
            Actor::Unit => 1,
            Actor::Hr => 2,
            Actor::Centre => 3,
        }
    }

    /// The actor before this one (the stage that passed the application on).
    pub fn previous(self) -> Option<Actor> {
        self.position().checked_sub(1).map(|i| Self::ALL[i])
    }

    /// The API code (also the link stage).
    pub fn code(self) -> &'static str {
        match self {
            Actor::Applicant => "applicant",
            Actor::Unit => "unit",
            Actor::Hr => "hr",
            Actor::Centre => "centre",
        }
    }

    /// Parses a code.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }

    /// What the reviewer is asked to do, in mail subjects (`请审核…`, `请审核推荐…`).
    pub fn asked_to(self) -> &'static str {
        match self {
            Actor::Hr => "审核推荐",
            Actor::Centre => "确定结果",
            Actor::Applicant | Actor::Unit => "审核",
        }
    }

    /// The decision form of a reviewer: its heading, choices and comment label.
    pub fn decision_form(self) -> DecisionForm {
        const RETURN_NEEDS_COMMENT: &str = "意见（退回时必填，不超过1000字）";
        let (legend, choices, comment_label): (_, &'static [_], _) = match self {
            Actor::Unit => {
                ("所在单位审核", &[("approve", "审核通过"), ("return", "退回申报人修改")], RETURN_NEEDS_COMMENT)
            }
            Actor::Hr => (
                "审核推荐（占用推荐名额）",
                &[("approve", "审核通过并推荐"), ("return", "退回申报人修改")],
                RETURN_NEEDS_COMMENT,
            ),
            Actor::Centre => ("确定结果", &[("select", "入选"), ("reject", "未入选")], "意见（选填，不超过1000字）"),
            Actor::Applicant => ("", &[], ""),
        };
        DecisionForm { legend, choices, comment_label }
    }

    /// Whether this reviewer is mailed a link as each application reaches them (the centre works
    /// from its dashboard instead).
    pub fn mailed_on_arrival(self) -> bool {
        matches!(self, Actor::Unit | Actor::Hr)
    }

    /// This actor's stage in words, for its deadline.
    pub fn stage_name(self) -> &'static str {
        match self {
            Actor::Applicant => "申报人提交、修改申报",
            Actor::Unit => "所在单位审核",
            Actor::Hr => "盟市人力资源社会保障部门、厅局（高校）审核推荐",
            Actor::Centre => "自治区人事人才公共服务中心确定结果",
        }
    }

    /// The role in words, as pages and mail name it.
    pub fn label(self) -> &'static str {
        match self {
            Actor::Applicant => "申报人",
            Actor::Unit => "所在单位",
            Actor::Hr => "盟市人社部门或厅局（高校）",
            Actor::Centre => "自治区人事人才公共服务中心",
        }
    }
}

/// A reviewer's decision form, as [`Actor::decision_form`] gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecisionForm {
    /// The heading.
    pub legend: &'static str,
    /// The choices: decision code, words.
    pub choices: &'static [(&'static str, &'static str)],
    /// The comment box's label (whether it is needed, and how long it may be).
    pub comment_label: &'static str,
}

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
    /// The centre marked 入选.
    Selected,
    /// The centre marked 未入选.
    NotSelected,
    /// The applicant added proof documents while at unit review or returned.
    DocumentsAdded,
    /// HR recorded the stamped paper 申报表 by its printed check code.
    PaperReceived,
    /// The applicant confirmed their mail address: the application goes to the unit.
    Confirmed,
    /// The centre voided the record, with a reason.
    Voided,
    /// Not confirmed in time: the record lapsed and freed its 身份证号.
    Expired,
    /// After the centre's decision, the applicant asked for their personal data to be erased.
    ErasureRequested,
    /// The centre declined an erasure request, with its reason.
    ErasureDeclined,
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
            EventKind::Selected => "确定入选",
            EventKind::NotSelected => "确定未入选",
            EventKind::DocumentsAdded => "补充证明材料",
            EventKind::PaperReceived => "纸质申报表已收到",
            EventKind::Confirmed => "确认邮箱",
            EventKind::Voided => "作废",
            EventKind::Expired => "未按时确认邮箱，已失效",
            EventKind::ErasureRequested => "申请删除个人信息",
            EventKind::ErasureDeclined => "不予删除个人信息",
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
    /// The centre marks 入选.
    Select,
    /// The centre marks 未入选.
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

/// What a transition does besides changing the status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuotaEffect {
    /// Nothing.
    None,
    /// Takes a place (HR recommends).
    Take,
    /// Gives a place back (a recommended application is withdrawn).
    Release,
}

/// A move the state machine allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    /// The status after it.
    pub to: Status,
    /// Its effect on the quota.
    pub quota: QuotaEffect,
    /// The event kind recorded.
    pub event: EventKind,
}

/// The one state machine of an application: who may do what from which status. Nothing else
/// decides what may follow what.
pub fn step(from: Status, actor: Actor, action: Action) -> Option<Step> {
    use Action::*;
    use Status::*;
    let s = |to, quota| Some(Step { to, quota, event: EventKind::from(action) });
    match (from, actor, action) {
        (UnitReview, Actor::Unit, Approve) => s(HrReview, QuotaEffect::None),
        (UnitReview, Actor::Unit, Return) => s(Returned, QuotaEffect::None),
        (HrReview, Actor::Hr, Approve) => s(Recommended, QuotaEffect::Take),
        (HrReview, Actor::Hr, Return) => s(Returned, QuotaEffect::None),
        (Returned, Actor::Applicant, Resubmit) => s(UnitReview, QuotaEffect::None),
        (UnitReview | HrReview | Returned, Actor::Applicant, Withdraw) => s(Withdrawn, QuotaEffect::None),
        (Recommended, Actor::Applicant, Withdraw) => s(Withdrawn, QuotaEffect::Release),
        (UnitReview, Actor::Applicant, AddDocuments) => s(UnitReview, QuotaEffect::None),
        (Returned, Actor::Applicant, AddDocuments) => s(Returned, QuotaEffect::None),
        (HrReview, Actor::Hr, PaperReceived) => s(HrReview, QuotaEffect::None),
        (Recommended, Actor::Centre, Select) => s(Selected, QuotaEffect::None),
        (Recommended, Actor::Centre, Reject) => s(NotSelected, QuotaEffect::None),
        (Unconfirmed, Actor::Applicant, Confirm) => s(UnitReview, QuotaEffect::None),
        (Unconfirmed, Actor::Applicant, Withdraw) => s(Withdrawn, QuotaEffect::None),
        (Unconfirmed, Actor::Applicant, Expire) => s(Voided, QuotaEffect::None),
        (Unconfirmed | UnitReview | HrReview | Returned, Actor::Centre, Void) => s(Voided, QuotaEffect::None),
        (Recommended, Actor::Centre, Void) => s(Voided, QuotaEffect::Release),
        (Selected | NotSelected, Actor::Applicant, RequestErasure) => s(from, QuotaEffect::None),
        (Selected | NotSelected, Actor::Centre, DeclineErasure) => s(from, QuotaEffect::None),
        _ => None,
    }
}

/// The reviewer whose turn it is in `status`, if any.
pub fn reviewer_for(status: Status) -> Option<Actor> {
    match status {
        Status::UnitReview => Some(Actor::Unit),
        Status::HrReview => Some(Actor::Hr),
        Status::Recommended => Some(Actor::Centre),
        _ => None,
    }
}

#[cfg(test)]
mod machine {
    use super::*;
    use proptest::prelude::*;

    const ACTORS: [Actor; 4] = Actor::ALL;

    #[test]
    fn every_actor_has_its_place_in_all() {
        for (i, actor) in Actor::ALL.into_iter().enumerate() {
            assert_eq!(actor.position(), i, "{actor:?}");
            assert_eq!(Actor::from_code(actor.code()), Some(actor));
        }
        assert_eq!(Actor::Centre.previous(), Some(Actor::Hr));
        assert_eq!(Actor::Applicant.previous(), None);
    }
    const ACTIONS: [Action; 13] = [
        Action::Approve,
        Action::Return,
        Action::Resubmit,
        Action::Withdraw,
        Action::Select,
        Action::Reject,
        Action::AddDocuments,
        Action::PaperReceived,
        Action::Confirm,
        Action::Void,
        Action::Expire,
        Action::RequestErasure,
        Action::DeclineErasure,
    ];

    #[test]
    fn the_happy_path_and_a_return() {
        let s = |f, a, x| step(f, a, x).map(|s| s.to);
        assert_eq!(s(Status::UnitReview, Actor::Unit, Action::Approve), Some(Status::HrReview));
        assert_eq!(s(Status::HrReview, Actor::Hr, Action::Approve), Some(Status::Recommended));
        assert_eq!(step(Status::HrReview, Actor::Hr, Action::Approve).map(|s| s.quota), Some(QuotaEffect::Take));
        assert_eq!(s(Status::HrReview, Actor::Hr, Action::Return), Some(Status::Returned));
        assert_eq!(s(Status::Returned, Actor::Applicant, Action::Resubmit), Some(Status::UnitReview));
        assert_eq!(
            step(Status::Recommended, Actor::Applicant, Action::Withdraw).map(|s| s.quota),
            Some(QuotaEffect::Release)
        );
        assert_eq!(s(Status::Recommended, Actor::Centre, Action::Select), Some(Status::Selected));
    }

    #[test]
    fn nothing_reaches_the_unit_before_the_applicant_confirms() {
        let s = |f, a, x| step(f, a, x).map(|s| s.to);
        assert_eq!(s(Status::Unconfirmed, Actor::Applicant, Action::Confirm), Some(Status::UnitReview));
        for actor in ACTORS {
            for action in ACTIONS {
                let to = s(Status::Unconfirmed, actor, action);
                assert!(
                    matches!(to, None | Some(Status::UnitReview | Status::Withdrawn | Status::Voided)),
                    "{actor:?} {action:?} -> {to:?}"
                );
            }
        }
        assert_eq!(reviewer_for(Status::Unconfirmed), None);
        // Voided and expired records free the 身份证号; a voided recommendation its place.
        assert_eq!(s(Status::Unconfirmed, Actor::Applicant, Action::Expire), Some(Status::Voided));
        assert!(!Status::Voided.holds_identity() && Status::Unconfirmed.holds_identity());
        assert_eq!(step(Status::Recommended, Actor::Centre, Action::Void).map(|s| s.quota), Some(QuotaEffect::Release));
        assert_eq!(step(Status::Selected, Actor::Centre, Action::Void), None);
    }

    #[test]
    fn nobody_approves_out_of_turn_and_the_applicant_never_approves() {
        for from in Status::ALL {
            assert_eq!(step(*from, Actor::Applicant, Action::Approve), None);
            assert_eq!(step(*from, Actor::Unit, Action::Approve).is_some(), *from == Status::UnitReview);
            assert_eq!(step(*from, Actor::Hr, Action::Approve).is_some(), *from == Status::HrReview);
        }
        // Decided by the centre, withdrawn or voided: final. After a decision only an erasure
        // request (and the centre's answer to it) is recorded, and the status stays.
        for from in [Status::Selected, Status::NotSelected, Status::Withdrawn, Status::Voided] {
            for actor in ACTORS {
                for action in ACTIONS {
                    let erasure = matches!(
                        (from, actor, action),
                        (Status::Selected | Status::NotSelected, Actor::Applicant, Action::RequestErasure)
                            | (Status::Selected | Status::NotSelected, Actor::Centre, Action::DeclineErasure)
                    );
                    let to = step(from, actor, action).map(|s| s.to);
                    assert_eq!(to, erasure.then_some(from), "{from:?} {actor:?} {action:?}");
                }
            }
        }
    }

    proptest! {
        /// Random sequences by random actors never skip a stage: `recommended` is only ever
        /// reached from `hr_review`, which is only reached from `unit_review`, and a place is
        /// taken exactly when entering `recommended` and released only when leaving it.
        #[test]
        fn random_sequences_never_skip_a_stage(moves in proptest::collection::vec((0usize..4, 0usize..13), 0..60)) {
            let mut status = Status::Unconfirmed;
            let mut places = 0i32;
            for (a, x) in moves {
                if let Some(next) = step(status, ACTORS[a], ACTIONS[x]) {
                    match next.to {
                        Status::HrReview => prop_assert!(matches!(status, Status::UnitReview | Status::HrReview)),
                        Status::UnitReview => prop_assert!(matches!(status, Status::Unconfirmed | Status::UnitReview | Status::Returned)),
                        Status::Recommended => prop_assert_eq!(status, Status::HrReview),
                        // Decided by the centre from a recommendation; an erasure request keeps it.
                        Status::Selected | Status::NotSelected => prop_assert!(status == Status::Recommended || status == next.to),
                        _ => {}
                    }
                    places += match next.quota { QuotaEffect::Take => 1, QuotaEffect::Release => -1, QuotaEffect::None => 0 };
                    status = next.to;
                    prop_assert_eq!(places, i32::from(status.holds_place()));
                }
            }
        }
    }
}

/// Compares by code, as stored and as the API shows it.
impl PartialEq<&str> for EventKind {
    fn eq(&self, code: &&str) -> bool {
        self.code() == *code
    }
}

/// Compares by code, as stored and as the API shows it.
impl PartialEq<&str> for Actor {
    fn eq(&self, code: &&str) -> bool {
        self.code() == *code
    }
}
