//! The reviewers' steps (unit, HR, centre) behind their links, the applicant's withdrawal, HR's
//! receipt of the stamped paper and the centre's own steps (void, decline an erasure request).

use super::apply::{COMMENT_MAX, Decision, Edit, Stage, allow, apply, incomplete};
use crate::store::{Event, Record};
use crate::workflow::limits::{self, RETURN_PER_RECORD};
use crate::workflow::{Context, Error, paper};
use policy::{Action, Actor, Reason};

/// A reviewer's decision, or the applicant's withdrawal, on the version the link was issued for.
pub async fn decide(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    actor: Actor,
    decision: &Decision,
    client: &str,
) -> Result<(), Error> {
    let action = decision.action.filter(is_decision).ok_or_else(|| {
        // A stale page says so before anything else.
        super::current(record, events, expected, actor)
            .err()
            .unwrap_or_else(|| incomplete("请选择操作", "请选择审核结果后再提交。"))
    })?;
    // Reviewers act until their stage closes; the applicant may withdraw at any time.
    let stage = if actor == Actor::Applicant { Stage::Any } else { Stage::Open("审核") };
    let allowed = allow(ctx, (record, events), expected, actor, action, stage)?;
    let comment = decision.comment.trim();
    if action == Action::Return && comment.is_empty() {
        return Err(incomplete("请填写退回意见", "退回时必须填写退回意见，申报人将按意见修改。"));
    }
    if comment.chars().count() > COMMENT_MAX {
        return Err(incomplete("意见过长", format!("意见不能超过{COMMENT_MAX}个字。")));
    }
    if action == Action::Withdraw && !decision.confirmed {
        return Err(incomplete("请确认撤回", "撤回后不能恢复。请勾选“确认撤回”后再提交。"));
    }
    // Each return mails the applicant: one application cannot be returned round and round.
    if action == Action::Return {
        limits::check(ctx, RETURN_PER_RECORD, &record.reference).await?;
    }
    // 线上与线下同步: HR recommends only on the stamped paper that matches the record.
    if actor.records_paper() && action == Action::Approve && ctx.programme.paper_required {
        paper::matching(ctx, record, events).map_err(Error::Paper)?;
    }
    let edit = Edit { applicant_told_otherwise: decision.erasing, ..Edit::default() };
    apply(ctx, (record, events), allowed, edit, comment, client).await
}

/// The actions a decision form may ask for; every other step has its own path and checks.
fn is_decision(action: &Action) -> bool {
    matches!(action, Action::Approve | Action::Return | Action::Select | Action::Reject | Action::Withdraw)
}

/// HR records the stamped paper 申报表 by the 核验码 printed on it (or the address under its QR
/// code): it must be this application's current content's. The status stays; the event
/// keeps the printed version hash, which an HR recommendation is checked against. `Ok(false)`
/// when that paper was recorded already: nothing changes.
pub async fn receive_paper(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    code: &str,
    client: &str,
) -> Result<bool, Error> {
    let allowed =
        allow(ctx, (record, events), expected, Actor::Hr, Action::PaperReceived, Stage::Open("登记纸质申报表"))?;
    let printed = match paper::typed_for(ctx, &record.reference, code) {
        Ok(printed) => printed,
        Err(None) => return Err(Error::Invalid(vec![Reason::new("code", paper::INVALID_CODE)])),
        Err(Some(other)) => {
            return Err(Error::Paper(format!(
                "这份纸质申报表属于另一份申报（编号{other}），不是本申报（{}）的。",
                record.reference
            )));
        }
    };
    if printed != paper::version_hash(ctx, record) {
        // Only a code an earlier version of this application had is paper printed before a
        // change; any other is a code nobody printed (mistyped, most likely).
        let on_paper = paper::content_version_of(events, &printed)
            .ok_or_else(|| Error::Invalid(vec![Reason::new("code", paper::INVALID_CODE)]))?;
        return Err(Error::Paper(paper::stale(Some(on_paper), paper::content_version(events))));
    }
    if paper::received(events) == Some(printed.as_str()) {
        // Recorded already (a second click, a form sent again): nothing changes, nobody is mailed.
        tracing::info!(reference = %record.reference, "paper received again: nothing to record");
        return Ok(false);
    }
    tracing::info!(reference = %record.reference, "paper received");
    let comment = format!("纸质申报表已收到，核验码 {printed}");
    let edit = Edit { version_hash: Some(printed), ..Edit::default() };
    apply(ctx, (record, events), allowed, edit, &comment, client).await.map(|()| true)
}

/// The centre's reason (field `reason`), trimmed: required (`missing` says so) and at most
/// [`COMMENT_MAX`] characters (`what` names it).
fn centre_reason<'a>(reason: &'a str, missing: &str, what: &str) -> Result<&'a str, Error> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Invalid(vec![Reason::new("reason", missing)]));
    }
    if reason.chars().count() > COMMENT_MAX {
        return Err(Error::Invalid(vec![Reason::new("reason", format!("{what}不能超过{COMMENT_MAX}个字。"))]));
    }
    Ok(reason)
}

/// The centre voids a record (a 身份证号 used by someone else, for instance) with a reason: the
/// number is freed, and a place, if it held one, given back. The applicant is told.
pub async fn void(ctx: &Context, record: &Record, events: &[Event], reason: &str, client: &str) -> Result<(), Error> {
    let reason = centre_reason(reason, "请填写作废理由，理由会记入办理记录并邮件告知申报人。", "作废理由")?;
    let allowed = allow(ctx, (record, events), record.version, Actor::Centre, Action::Void, Stage::Any)?;
    tracing::info!(reference = %record.reference, "record voided by the centre");
    apply(ctx, (record, events), allowed, Edit::default(), reason, client).await
}

/// The centre declines a pending erasure request with a reason, recorded and mailed to the
/// applicant; the status stays, and the applicant may ask again.
pub async fn decline_erasure(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    reason: &str,
    client: &str,
) -> Result<(), Error> {
    let missing = "请填写不予删除的理由（例如培养期间经费管理仍需要），理由会记入办理记录并邮件告知申报人。";
    let reason = centre_reason(reason, missing, "不予删除的理由")?;
    if record.erasure_pending().is_none() {
        return Err(not_requested(record));
    }
    let action = Action::DeclineErasure;
    let allowed = allow(ctx, (record, events), record.version, Actor::Centre, action, Stage::Any)?;
    tracing::info!(reference = %record.reference, "erasure request declined by the centre");
    apply(ctx, (record, events), allowed, Edit::default(), reason, client).await
}

/// The refusal when a record has no pending erasure request.
pub fn not_requested(record: &Record) -> Error {
    Error::NotAllowed {
        title: "没有待处理的删除申请",
        message: format!("申报{}没有待处理的删除个人信息申请（可能已处理）。", record.reference),
    }
}
