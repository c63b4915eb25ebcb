//! The applicant's steps behind the confirmation and status links: the address confirmed (or
//! lapsed), a returned application resubmitted, documents added, erasure asked of the centre.

use super::apply::{Documents, Edit, Stage, allow, apply, documents_after, or_discard};
use crate::personal::{self, Purpose};
use crate::store::{Cause, Event, PendingAddress, Record};
use crate::views;
use crate::workflow::documents::{Carried, NOT_STORED, parse_with_kinds};
use crate::workflow::limits::{self, DOCUMENTS_PER_RECORD, RESUBMIT_PER_RECORD};
use crate::workflow::notify;
use crate::workflow::{Context, Error};
use policy::{Action, Actor, ApplicationForm, EventKind, Reason, Status};

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
    let expired = match allow(ctx, (record, events), record.version, Actor::Applicant, Action::Expire, Stage::Any) {
        Ok(allowed) => apply(ctx, (record, events), allowed, Edit::default(), "", "").await,
        Err(e) => Err(e),
    };
    match expired {
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
    /// A new address given in a resubmission proven: mail goes there now.
    AddressProven,
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
    let allowed = allow(ctx, (record, events), record.version, Actor::Applicant, Action::Confirm, Stage::Any)?;
    apply(ctx, (record, events), allowed, Edit::default(), "", client).await?;
    Ok(Confirmation::Confirmed)
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
    let allowed = allow(ctx, (record, events), expected, Actor::Applicant, Action::RequestErasure, Stage::Any);
    // A stale page says so first; then a request already made (or done) is not made again.
    if (record.erased_at.is_some() || record.erasure_pending().is_some()) && !matches!(allowed, Err(Error::Stale(_))) {
        return Err(Error::NotAllowed {
            title: "已申请删除",
            message: "这份申报已申请删除（或已删除），处理后会在进度页显示结果，无需再次申请。".into(),
        });
    }
    let allowed = allowed?;
    tracing::info!(reference = %record.reference, "erasure requested by the applicant");
    apply(ctx, (record, events), allowed, Edit::default(), "", client).await
}

/// A returned application, edited and sent again with its proof documents kept, dropped or
/// added: checked like a new one (the 身份证号 may not change; every required kind held), stored
/// as a new version with the changed fields named in the event, and sent to the unit reviewer
/// again. A changed applicant address waits for its 邮箱验证码 (mailed to it, and nothing else):
/// until it is typed, mail keeps going to the proven address. Returns the code generation of the
/// page that takes it, when there is one. At most [`RESUBMIT_PER_RECORD`] a day.
pub async fn resubmit(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    form: &ApplicationForm,
    documents: &Documents,
    client: &str,
) -> Result<Option<u64>, Error> {
    let allowed = allow(ctx, (record, events), expected, Actor::Applicant, Action::Resubmit, Stage::Open("修改"))?;
    limits::check(ctx, RESUBMIT_PER_RECORD, &record.reference).await?;
    // The 身份证号 stays as stored: the edit form shows it masked and does not send it.
    let keys = &ctx.settings.data_keys;
    let stored_id = personal::open_id_number(keys, record, Purpose::ApplicantEdit, Actor::Applicant)
        .map_err(|e| Error::internal(Cause::because(record.reference.clone(), e)))?;
    let mut form = form.clone();
    if form.id_number.as_deref().is_none_or(|n| n.trim().is_empty()) {
        form.id_number = Some(stored_id.expose().to_owned());
    }
    // Every check before any file is written: how many files, each file the form carried, and
    // the answers with the documents they will hold.
    let carried = documents.check_carried(ctx, record);
    let parsed = parse_with_kinds(ctx, &form, documents.kinds(record)).and_then(|a| {
        if a.id_number.opened() == Some(&stored_id) {
            Ok(a)
        } else {
            Err(Error::Invalid(vec![Reason::new("id_number", "居民身份证号码不能修改；如填错，请撤回后重新申报")]))
        }
    });
    let (carried, mut application) = match (carried, parsed) {
        (Ok(carried), Ok(application)) => (carried, application),
        (carried, parsed) => return Err(refused(&documents.carried, carried.err(), parsed.err())),
    };
    let (attachments, _, added) = documents_after(ctx, record, documents, (carried, &application)).await?;
    let mut to_prove = None;
    let done: Result<(), Error> = async {
        let proven = &record.application.email;
        if application.unit_reviewer_email.same_mailbox(proven) {
            // The unit's review would go to the applicant's own (proven) mailbox.
            let message = "单位审核人邮箱不能与本人邮箱相同（包括已验证的原邮箱）";
            return Err(Error::Invalid(vec![Reason::new("unit_reviewer_email", message)]));
        }
        let mut edit = Edit::default();
        if !application.email.as_str().eq_ignore_ascii_case(proven.as_str()) {
            // The new address is proven like a new one; mail stays with the proven address, which
            // is told a change was asked for. Until proven it is no change of the application.
            let pending = PendingAddress {
                email: application.email.to_string(),
                generation: (record.version + 1) * crate::workflow::proof::PAGES_PER_CHANGE,
                at: crate::views::rfc3339(ctx.clock.now()),
            };
            edit.mails.push(notify::to_prove(ctx, record, &pending, pending.generation)?);
            edit.mails.push(notify::address_change_asked(ctx, record, &pending)?);
            to_prove = Some(pending.generation);
            edit.pending_address = Some(Some(pending));
            application.email = proven.clone();
            tracing::info!(reference = %record.reference, "new applicant address to prove");
        } else if record.pending_address.is_some() {
            edit.pending_address = Some(None);
        }
        let mut changed = views::changed_fields(&ctx.programme, &record.application, &application);
        if !documents.is_empty() {
            changed.push("证明材料");
        }
        let comment = if changed.is_empty() { "未修改内容".to_owned() } else { changed.join("、") };
        tracing::info!(reference = %record.reference, fields = changed.len(), "application resubmitted");
        edit.changes =
            views::changes(&ctx.programme, (&record.application, &record.attachments), (&application, &attachments));
        edit.attachments = Some(attachments);
        edit.application = Some(application);
        apply(ctx, (record, events), allowed, edit, &comment, client).await
    }
    .await;
    or_discard(ctx, &added, done).await.map(|()| to_prove)
}

/// The applicant proves the new address a resubmission gave (its code typed on the page the
/// resubmission led to): mail goes there from now on, starting with the status link.
pub async fn prove_address(ctx: &Context, record: &Record, events: &[Event], client: &str) -> Result<(), Error> {
    let Some(pending) = &record.pending_address else { return Ok(()) };
    let email = policy::Email::parse(&pending.email).map_err(Error::internal)?;
    let allowed = allow(ctx, (record, events), record.version, Actor::Applicant, Action::ProveAddress, Stage::Any)?;
    let mut application = record.application.clone();
    application.email = email;
    let edit = Edit { application: Some(application), pending_address: Some(None), ..Edit::default() };
    tracing::info!(reference = %record.reference, "new applicant address proven");
    apply(ctx, (record, events), allowed, edit, "", client).await
}

/// The applicant corrects the new address still waiting for its code (mistyped in the
/// resubmission): the corrected one waits for the code of `generation`, mailed to it, and the
/// proven address is told; the same as the proven address, nothing waits any more. The time its
/// codes are counted from stays the first address's, so corrections share its budget.
pub async fn correct_address(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    email: &policy::Email,
    generation: u64,
    client: &str,
) -> Result<(), Error> {
    let Some(waiting) = &record.pending_address else { return Ok(()) };
    let action = Action::CorrectAddress;
    let allowed = allow(ctx, (record, events), record.version, Actor::Applicant, action, Stage::Any)?;
    let mut edit = Edit { pending_address: Some(None), ..Edit::default() };
    if !email.as_str().eq_ignore_ascii_case(record.application.email.as_str()) {
        let pending = PendingAddress { email: email.to_string(), generation, at: waiting.at.clone() };
        edit.mails.push(notify::to_prove(ctx, record, &pending, generation)?);
        edit.mails.push(notify::address_change_asked(ctx, record, &pending)?);
        edit.pending_address = Some(Some(pending));
    }
    tracing::info!(reference = %record.reference, "new applicant address corrected");
    apply(ctx, (record, events), allowed, edit, "", client).await
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
    let action = Action::AddDocuments;
    let allowed = allow(ctx, (record, events), expected, Actor::Applicant, action, Stage::Open("补充材料"))?;
    limits::check(ctx, DOCUMENTS_PER_RECORD, &record.reference).await?;
    if documents.add.is_empty() && documents.carried.is_empty() {
        return Err(Error::Invalid(vec![Reason::new("attachments", "请选择要补充的文件")]));
    }
    let only_add = Documents { remove: Vec::new(), ..documents.clone() };
    let carried = only_add.check_carried(ctx, record)?;
    let (attachments, names, added) = documents_after(ctx, record, &only_add, (carried, &record.application)).await?;
    let comment = format!("补充了：{}", names.join("、"));
    tracing::info!(reference = %record.reference, files = added.len(), "documents added");
    let edit = Edit { attachments: Some(attachments), ..Edit::default() };
    let done = apply(ctx, (record, events), allowed, edit, &comment, client).await;
    or_discard(ctx, &added, done).await
}

/// A change refused before anything was written: every problem of its files and its answers at
/// once; where files were carried and the answers are wrong, word that none was stored.
fn refused(carried: &[Carried], files: Option<Error>, answers: Option<Error>) -> Error {
    let not_stored = !carried.is_empty() && answers.is_some();
    let mut reasons = Vec::new();
    for e in [answers, files].into_iter().flatten() {
        match e {
            Error::Invalid(more) => reasons.extend(more),
            other => return other,
        }
    }
    if not_stored {
        reasons.push(Reason::new("attachments", NOT_STORED));
    }
    Error::Invalid(reasons)
}
