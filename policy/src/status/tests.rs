use super::*;
use proptest::prelude::*;

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
const ACTIONS: [Action; 15] = [
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
    Action::ProveAddress,
    Action::CorrectAddress,
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

/// Every status from which the state machine can still reach a quota place, once confirmed and
/// before it holds one, is in review: a new stage whose status is left out of [`reviewer_for`]
/// (and so of [`Status::in_review`]) fails here.
#[test]
fn in_review_is_every_status_still_on_its_way_to_a_place() {
    let reaches_a_place = |from: Status| {
        let mut seen = vec![from];
        let mut i = 0;
        while let Some(&at) = seen.get(i) {
            i += 1;
            for actor in ACTORS {
                for action in ACTIONS {
                    if let Some(next) = step(at, actor, action)
                        && !seen.contains(&next.to)
                    {
                        seen.push(next.to);
                    }
                }
            }
        }
        seen.into_iter().any(Status::holds_place)
    };
    for s in Status::ALL.iter().copied() {
        let on_its_way = s != Status::Unconfirmed && !s.holds_place() && reaches_a_place(s);
        assert_eq!(s.in_review(), on_its_way, "{s:?}");
    }
    assert!([Status::UnitReview, Status::HrReview, Status::Returned].iter().all(|s| s.in_review()));
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
