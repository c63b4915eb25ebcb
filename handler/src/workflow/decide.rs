//! Decisions behind signed links (unit, HR, centre; the applicant withdraws) and the
//! resubmission of a returned application, through one [`apply`] step: `policy::step`, the one
//! state machine, then one conditional write of the new version with its event, its mails and
//! any quota place.

use crate::store::{Attachment, Event, QuotaChange, Record, Transition, Transitioned};
use crate::views;
use crate::workflow::Context;
use crate::workflow::{Error, actor_address, client_hash, notify};
use policy::{
    Action, Actor, Application, ApplicationForm, AttachmentInput, EventKind, QuotaEffect, QuotaSlot, Reason, Status,
};

/// Longest comment.
pub const COMMENT_MAX: usize = 1000;

/// What a reviewer or the applicant asks for.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    /// `approve`, `return`, `select`, `reject`, `withdraw`.
    pub decision: String,
    /// The comment (required to return).
    pub comment: String,
    /// The applicant confirmed a withdrawal.
    pub confirmed: bool,
}

/// What the applicant changes in the proof documents: files to drop (by their index on the
/// record) and files to add (uploaded beforehand or carried by the form). Replacing a file is
/// dropping it and adding the new one.
#[derive(Debug, Clone, Default)]
pub struct Documents {
    /// Indexes into the record's attachments.
    pub remove: Vec<usize>,
    /// New files.
    pub add: Vec<AttachmentInput>,
}

impl Documents {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.remove.is_empty() && self.add.is_empty()
    }
}

/// What a change writes besides the status: a new application, a new set of files.
#[derive(Default)]
struct Edit {
    application: Option<Application>,
    attachments: Option<Vec<Attachment>>,
    changes: Vec<crate::store::Change>,
    /// The hash printed on the paper received.
    version_hash: Option<String>,
}

/// The record's files after `documents`, the new ones copied under the record, read back and
/// checked; with the names of the kinds added, and the copies made (to remove if the change is
/// not stored).
async fn documents_after(
    ctx: &Context,
    record: &Record,
    documents: &Documents,
) -> Result<(Vec<Attachment>, Vec<String>, Vec<Attachment>), Error> {
    let files = super::submit::Files::CopiedTo(&record.reference);
    let added = super::submit::check_attachments(ctx, &documents.add, &record.submission_id, files).await?;
    let kept = record.attachments.iter().enumerate().filter(|(i, _)| !documents.remove.contains(i)).map(|(_, a)| a);
    let all: Vec<Attachment> = kept.cloned().chain(added.iter().cloned()).collect();
    let max = ctx.programme.attachments.max_files;
    if all.len() > max {
        super::submit::discard(ctx, &added).await;
        return Err(Error::Invalid(vec![Reason::new("attachments", policy::UploadError::TooMany(max).to_string())]));
    }
    let mut names: Vec<String> = Vec::new();
    for a in &added {
        let name = ctx.programme.attachment_kind(&a.kind).map(|k| k.name.clone()).unwrap_or_else(|_| a.kind.clone());
        if !names.contains(&name) {
            names.push(name);
        }
    }
    Ok((all, names, added))
}

/// The quota counter a recommendation of `record` counts against.
pub fn quota_slot(ctx: &Context, record: &Record) -> Result<QuotaSlot, Error> {
    ctx.programme.quota_for(&record.application).ok_or_else(|| {
        Error::internal(format!("{}: stream {} is not in the programme", record.reference, record.stream()))
    })
}

/// One step on the record at version `expected`: the new application (a resubmission) or the
/// same, the event's comment, the mails, and the write. Every change goes through here.
#[allow(clippy::too_many_arguments)]
async fn apply(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    actor: Actor,
    action: Action,
    edit: Edit,
    comment: &str,
    client: &str,
) -> Result<(), Error> {
    let step = policy::step(record.status, actor, action).ok_or_else(|| not_allowed(record, action))?;
    let now = views::rfc3339(ctx.clock.now());
    let mut next = record.clone();
    next.status = step.to;
    next.version = record.version + 1;
    next.updated_at = now.clone();
    if let Some(application) = edit.application {
        next.application = application;
    }
    if let Some(attachments) = edit.attachments {
        next.attachments = attachments;
    }
    match action {
        Action::RequestErasure => next.erasure_requested_at = Some(now.clone()),
        Action::DeclineErasure => next.erasure_requested_at = None,
        _ => {}
    }
    if step.event.changes_content() {
        // Hashed while a resubmission's content is open, then sealed for the store.
        next.version_hash = Some(super::paper::content_hash(ctx, &next));
        next = crate::personal::seal_record(&ctx.settings.data_keys, &next);
    }
    let event = Event {
        seq: events.len() as u32 + 1,
        kind: step.event,
        actor,
        actor_address: actor_address(ctx, actor, record),
        at: now,
        comment: (!comment.is_empty()).then(|| comment.to_owned()),
        status: step.to,
        client_hash: Some(client_hash(ctx, client)),
        changes: edit.changes,
        version_hash: if step.event.changes_content() { next.version_hash.clone() } else { edit.version_hash },
    };
    let quota = match step.quota {
        QuotaEffect::None => None,
        QuotaEffect::Take => {
            let slot = quota_slot(ctx, record)?;
            Some(QuotaChange::Take { key: slot.key.to_string(), cap: slot.cap })
        }
        QuotaEffect::Release => Some(QuotaChange::Release { key: quota_slot(ctx, record)?.key.to_string() }),
    };
    // The resubmission's comment lists the changed fields for the record; its mail says none.
    let mail_comment = if matches!(action, Action::Resubmit | Action::AddDocuments) { "" } else { comment };
    let after: Vec<Event> = events.iter().cloned().chain(std::iter::once(event.clone())).collect();
    let paper = super::paper::state(ctx, &next, &after);
    let mails = match action {
        // Confirmed: now the applicant's receipt and the unit's review link.
        Action::Confirm => notify::submitted(ctx, &next)?,
        // Lapsed: the address was never shown to be the applicant's; nobody is mailed. An
        // erasure request is answered on the page, and the centre sees it on its dashboard.
        Action::Expire | Action::RequestErasure => Vec::new(),
        _ => notify::decided(ctx, &next, record.status, actor, action, mail_comment, paper)?,
    };
    let change = Transition { expected_version: expected, record: next, event, mails, quota };
    match ctx.store.transition(&change).await? {
        Transitioned::Done => {
            tracing::info!(reference = %record.reference, actor = actor.code(), event = step.event.code(), "change stored");
            ctx.mail_queued(&change.mails).await;
            Ok(())
        }
        Transitioned::Stale(_) => {
            let events = ctx.store.events(&record.reference).await.unwrap_or_default();
            Err(Error::Stale(views::already_decided(&events)))
        }
        Transitioned::QuotaFull { used, cap } => Err(Error::QuotaFull(policy::QuotaFull { used, cap })),
        Transitioned::NotFound => Err(Error::NotFound),
    }
}

fn not_allowed(record: &Record, action: Action) -> Error {
    let (title, verb) = if action == Action::Resubmit {
        ("不能重新提交", "重新提交")
    } else {
        ("不能进行此操作", "进行此操作")
    };
    Error::NotAllowed {
        title, message: format!("这份申报当前为“{}”，不能{verb}。", record.status.label())
    }
}

fn incomplete(title: &'static str, message: impl Into<String>) -> Error {
    Error::Incomplete { title, message: message.into() }
}

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
    if record.version != expected {
        return Err(Error::Stale(views::already_decided(events)));
    }
    let action = Action::from_code(decision.decision.trim())
        .filter(|a| {
            !matches!(
                a,
                Action::Resubmit
                    | Action::AddDocuments
                    | Action::PaperReceived
                    | Action::Confirm
                    | Action::Void
                    | Action::Expire
            )
        })
        .ok_or_else(|| incomplete("请选择操作", "请选择审核结果后再提交。"))?;
    if policy::step(record.status, actor, action).is_none() {
        return Err(not_allowed(record, action));
    }
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
    // Reviewers act until their stage closes; the applicant may withdraw at any time.
    if actor != Actor::Applicant {
        super::stage_open(ctx, actor, "审核")?;
    }
    // 线上与线下同步: HR recommends only on the stamped paper that matches the record.
    if actor == Actor::Hr && action == Action::Approve && ctx.programme.paper_required {
        super::paper::matching(ctx, record, events).map_err(Error::Paper)?;
    }
    apply(ctx, record, events, expected, actor, action, Edit::default(), comment, client).await
}

/// HR records the stamped paper 申报表 by the check code printed on it: the code must be one this
/// system printed, for this application and its current content. The status stays; the event
/// keeps the printed version hash, which an HR recommendation is checked against.
pub async fn receive_paper(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    code: &str,
    client: &str,
) -> Result<(), Error> {
    may(ctx, record, events, expected, Actor::Hr, Action::PaperReceived, "登记纸质申报表")?;
    let code = super::paper::normalise_code(code);
    let Some((reference, printed)) = super::paper::read_code(ctx, &code) else {
        return Err(Error::Invalid(vec![Reason::new("code", super::paper::INVALID_CODE)]));
    };
    if reference != record.reference {
        return Err(Error::Paper(format!(
            "这份纸质申报表属于另一份申报（编号{reference}），不是本申报（{}）的。",
            record.reference
        )));
    }
    let printed = super::paper::grouped(printed);
    if printed != super::paper::version_hash(ctx, record) {
        let paper = super::paper::content_version_of(events, &printed);
        return Err(Error::Paper(super::paper::stale(paper, super::paper::content_version(events))));
    }
    tracing::info!(reference = %record.reference, "paper received");
    let comment = format!("纸质申报表已收到，核验码 {printed}");
    let edit = Edit { version_hash: Some(printed), ..Edit::default() };
    apply(ctx, record, events, expected, Actor::Hr, Action::PaperReceived, edit, &comment, client).await
}

/// Whether an unconfirmed application's time to confirm (`confirm_hours` in programme.toml)
/// has run out.
pub fn lapsed(ctx: &Context, record: &Record) -> bool {
    let hours = time::Duration::hours(i64::from(ctx.programme.confirm_hours));
    record.status == Status::Unconfirmed
        && time::OffsetDateTime::parse(&record.created_at, &time::format_description::well_known::Rfc3339)
            .is_ok_and(|created| created + hours <= ctx.clock.now())
}

/// An unconfirmed application whose time ran out lapses (voided, event `expired`) and frees its
/// 身份证号. Nobody is mailed.
pub async fn expire(ctx: &Context, record: &Record, events: &[Event]) -> Result<(), Error> {
    tracing::info!(reference = %record.reference, "unconfirmed application lapsed");
    match apply(ctx, record, events, record.version, Actor::Applicant, Action::Expire, Edit::default(), "", "").await {
        // Confirmed or lapsed at the same moment elsewhere: either way it is settled.
        Err(Error::Stale(_)) => Ok(()),
        other => other,
    }
}

/// What following the confirmation link did.
#[derive(Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Confirmed now: the unit is mailed.
    Confirmed,
    /// Confirmed before: nothing changes.
    Already,
}

/// The applicant confirms their address: the application goes to the unit (mailed now), or,
/// confirmed before, nothing changes. Refused once it lapsed, was withdrawn or voided.
pub async fn confirm(ctx: &Context, record: &Record, events: &[Event], client: &str) -> Result<Confirmation, Error> {
    if events.iter().any(|e| e.kind == EventKind::Confirmed) {
        return Ok(Confirmation::Already);
    }
    if lapsed(ctx, record) {
        expire(ctx, record, events).await?;
    }
    if lapsed(ctx, record) || record.status != Status::Unconfirmed {
        return Err(Error::NotAllowed {
            title: "申报已失效",
            message: format!(
                "这份申报未在提交后{}小时内确认，或已撤回、作废，不能再确认。如仍需申报，请在申报截止前重新填写提交。",
                ctx.programme.confirm_hours
            ),
        });
    }
    apply(ctx, record, events, record.version, Actor::Applicant, Action::Confirm, Edit::default(), "", client).await?;
    Ok(Confirmation::Confirmed)
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
    if policy::step(record.status, Actor::Centre, Action::Void).is_none() {
        return Err(not_allowed(record, Action::Void));
    }
    tracing::info!(reference = %record.reference, "record voided by the centre");
    apply(ctx, record, events, record.version, Actor::Centre, Action::Void, Edit::default(), reason, client).await
}

/// After the centre's decision, the applicant asks for their personal data to be erased: the
/// request is recorded (the status stays) and shown to the centre, which erases or declines.
pub async fn request_erasure(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    client: &str,
) -> Result<(), Error> {
    if record.version != expected {
        return Err(Error::Stale(views::already_decided(events)));
    }
    if record.erased_at.is_some() || record.erasure_pending().is_some() {
        return Err(Error::NotAllowed {
            title: "已申请删除",
            message: "这份申报已申请删除（或已删除），中心处理后会在进度页显示结果，无需再次申请。".into(),
        });
    }
    if policy::step(record.status, Actor::Applicant, Action::RequestErasure).is_none() {
        return Err(not_allowed(record, Action::RequestErasure));
    }
    tracing::info!(reference = %record.reference, "erasure requested by the applicant");
    apply(ctx, record, events, expected, Actor::Applicant, Action::RequestErasure, Edit::default(), "", client).await
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
    tracing::info!(reference = %record.reference, "erasure request declined by the centre");
    let action = Action::DeclineErasure;
    apply(ctx, record, events, record.version, Actor::Centre, action, Edit::default(), reason, client).await
}

/// The refusal when a record has no pending erasure request.
pub fn not_requested(record: &Record) -> Error {
    Error::NotAllowed {
        title: "没有待处理的删除申请",
        message: format!("申报{}没有待处理的删除个人信息申请（可能已处理）。", record.reference),
    }
}

/// Whether `actor` may take `action` on the record now: the version the page showed, a step the
/// state machine allows, and the actor's stage still open (`what`: the action, in the refusal).
fn may(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    actor: Actor,
    action: Action,
    what: &str,
) -> Result<(), Error> {
    if record.version != expected {
        return Err(Error::Stale(views::already_decided(events)));
    }
    if policy::step(record.status, actor, action).is_none() {
        return Err(not_allowed(record, action));
    }
    super::stage_open(ctx, actor, what)
}

/// A returned application, edited and sent again with its proof documents kept, dropped or
/// added: checked like a new one (the 身份证号 may not change; every required kind held), stored
/// as a new version with the changed fields named in the event, and sent to the unit reviewer
/// again.
#[allow(clippy::too_many_arguments)]
pub async fn resubmit(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    form: &ApplicationForm,
    documents: &Documents,
    client: &str,
) -> Result<(), Error> {
    may(ctx, record, events, expected, Actor::Applicant, Action::Resubmit, "修改")?;
    // The 身份证号 stays as stored: the edit form shows it masked and does not send it.
    let stored_id = crate::personal::open_id_number(
        &ctx.settings.data_keys,
        record,
        crate::personal::Purpose::ApplicantEdit,
        Actor::Applicant,
    )
    .map_err(|e| Error::internal(crate::store::Cause::because(record.reference.clone(), e)))?;
    let mut form = form.clone();
    if form.id_number.as_deref().is_none_or(|n| n.trim().is_empty()) {
        form.id_number = Some(stored_id.expose().to_owned());
    }
    let (attachments, _, added) = documents_after(ctx, record, documents).await?;
    let done: Result<(), Error> = async {
        let application = super::submit::parse_with_documents(ctx, &form, &attachments).and_then(|a| {
            if a.id_number.opened() == Some(&stored_id) {
                Ok(a)
            } else {
                Err(Error::Invalid(vec![Reason::new("id_number", "居民身份证号码不能修改；如填错，请撤回后重新申报")]))
            }
        })?;
        let mut changed = views::changed_fields(&ctx.programme, &record.application, &application);
        if !documents.is_empty() {
            changed.push("证明材料");
        }
        let comment = if changed.is_empty() {
            "未修改内容".to_owned()
        } else {
            format!("修改了：{}", changed.join("、"))
        };
        tracing::info!(reference = %record.reference, fields = changed.len(), "application resubmitted");
        let changes =
            views::changes(&ctx.programme, (&record.application, &record.attachments), (&application, &attachments));
        let edit = Edit { application: Some(application), attachments: Some(attachments), changes, ..Edit::default() };
        apply(ctx, record, events, expected, Actor::Applicant, Action::Resubmit, edit, &comment, client).await
    }
    .await;
    or_discard(ctx, &added, done).await
}

/// `done` as it is; the files copied for it removed first when it surely stored nothing.
async fn or_discard(ctx: &Context, added: &[Attachment], done: Result<(), Error>) -> Result<(), Error> {
    if done.as_ref().is_err_and(|e| !e.may_have_written()) {
        super::submit::discard(ctx, added).await;
    }
    done
}

/// Proof documents added while the application waits for its unit (a fresh review link goes to
/// the unit) or lies returned; the status stays.
pub async fn add_documents(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    documents: &Documents,
    client: &str,
) -> Result<(), Error> {
    may(ctx, record, events, expected, Actor::Applicant, Action::AddDocuments, "补充材料")?;
    if documents.add.is_empty() {
        return Err(Error::Invalid(vec![Reason::new("attachments", "请选择要补充的文件")]));
    }
    let only_add = Documents { remove: Vec::new(), add: documents.add.clone() };
    let (attachments, names, added) = documents_after(ctx, record, &only_add).await?;
    let comment = format!("补充了：{}", names.join("、"));
    tracing::info!(reference = %record.reference, files = only_add.add.len(), "documents added");
    let edit = Edit { attachments: Some(attachments), ..Edit::default() };
    let done =
        apply(ctx, record, events, expected, Actor::Applicant, Action::AddDocuments, edit, &comment, client).await;
    or_discard(ctx, &added, done).await
}
