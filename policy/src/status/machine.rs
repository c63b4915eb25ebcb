//! `step`, the one state machine, `reviewer_for`, and `Status::in_review`, which follows it.

use super::actor::Actor;
use super::event::{Action, EventKind};
use super::state::Status;

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
        (UnitReview | HrReview | Returned | Recommended, Actor::Applicant, ProveAddress | CorrectAddress) => {
            s(from, QuotaEffect::None)
        }
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

impl Status {
    /// Whether review of an application in this status is not finished: confirmed and on its way
    /// to a quota place, at a reviewing stage before the recommendation or returned to the
    /// applicant. Follows [`reviewer_for`], so a new stage is counted once it has its reviewer;
    /// the send page lists these as not in the 汇总表.
    pub fn in_review(self) -> bool {
        self == Status::Returned || (reviewer_for(self).is_some() && !self.holds_place())
    }
}
