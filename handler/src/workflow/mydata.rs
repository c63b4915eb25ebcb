//! The person's rights from the status link (个人信息保护法 arts. 45 and 47): a copy of everything
//! held about them (下载我的数据, as a page and as JSON), and the erasure of their application
//! (删除我的申报) while the centre has not decided: withdrawn and erased at once; after its
//! decision, a request the centre sees on its dashboard and answers (erased, or declined with a
//! reason).

use crate::personal::{self, Purpose};
use crate::store::{Event, Record};
use crate::views::{self, Row};
use crate::workflow::Context;
use crate::workflow::{Error, decide};
use policy::{Action, Actor, Status};
use serde::Serialize;

/// Everything held about an applicant, as the page and the JSON copy give it.
#[derive(Serialize)]
pub struct MyData {
    /// The application's reference.
    pub reference: String,
    /// Its status, as a label.
    pub status: &'static str,
    /// When it was submitted and last changed (RFC 3339).
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Both in Beijing time, as the page says them.
    pub created_at_text: String,
    /// The last change, in Beijing time.
    pub updated_at_text: String,
    /// Every field, the 身份证号 and phone in full.
    pub fields: Vec<Row>,
    /// The proof documents held, each with the link that downloads it.
    pub files: Vec<FileHeld>,
    /// The history: who did what and when, with comments.
    pub events: Vec<EventHeld>,
    /// Who else holds what, and for how long (from the 个人信息处理规则).
    pub rules: String,
}

/// One proof document held.
#[derive(Serialize)]
pub struct FileHeld {
    /// Its kind.
    pub kind: String,
    /// Its name as uploaded.
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, hex.
    pub sha256: String,
    /// Where it downloads (the status link's own file link).
    pub url: String,
}

/// One event of the history.
#[derive(Serialize)]
pub struct EventHeld {
    /// When (RFC 3339).
    pub at: String,
    /// When, in Beijing time.
    pub at_text: String,
    /// Who (a role).
    pub actor: &'static str,
    /// What.
    pub what: &'static str,
    /// The comment given.
    pub comment: Option<String>,
}

/// The copy of `record` for its applicant; the 身份证号 and phone are opened (and logged).
pub fn my_data(ctx: &Context, record: &Record, events: &[Event], files_base: &str) -> Result<MyData, Error> {
    let keys = &ctx.settings.data_keys;
    let failed = |e: personal::SealError| Error::internal(crate::store::Cause::because(record.reference.clone(), e));
    let (id, phone) = if record.erased_at.is_some() {
        (policy::ERASED.to_owned(), policy::ERASED.to_owned())
    } else {
        let id = personal::open_id_number(keys, record, Purpose::ApplicantCopy, Actor::Applicant).map_err(failed)?;
        let phone = personal::open_phone(keys, record, Purpose::ApplicantCopy, Actor::Applicant).map_err(failed)?;
        (id.expose().to_owned(), phone.to_string())
    };
    let fields = views::rows(&ctx.programme, &record.application)
        .into_iter()
        .map(|row| match row.code() {
            "id_number" => row.in_full(id.clone()),
            "phone" => row.in_full(phone.clone()),
            _ => row,
        })
        .collect();
    let files = record
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| FileHeld {
            kind: ctx.programme.attachment_kind(&a.kind).map(|k| k.name.clone()).unwrap_or_else(|_| a.kind.clone()),
            name: a.name.clone(),
            size: a.size,
            sha256: a.sha256.clone(),
            url: ctx.settings.link(&format!("{files_base}/{i}")),
        })
        .collect();
    let events = events
        .iter()
        .map(|e| EventHeld {
            at: e.at.clone(),
            at_text: views::chinese_time(&e.at),
            actor: e.actor.label(),
            what: e.kind.label(),
            comment: e.comment.clone(),
        })
        .collect();
    Ok(MyData {
        reference: record.reference.clone(),
        status: record.status.label(),
        created_at: record.created_at.clone(),
        updated_at: record.updated_at.clone(),
        created_at_text: views::chinese_time(&record.created_at),
        updated_at_text: views::chinese_time(&record.updated_at),
        fields,
        files,
        events,
        rules: ctx.settings.link("/privacy/"),
    })
}

/// Whether the applicant may erase the application now: not after the centre's decision, and
/// not twice.
pub fn may_erase(record: &Record) -> bool {
    record.erased_at.is_none() && !matches!(record.status, Status::Selected | Status::NotSelected)
}

/// Whether the applicant may ask the centre to erase the application: decided by the centre,
/// not erased, and no request pending.
pub fn may_request_erasure(record: &Record) -> bool {
    record.erased_at.is_none()
        && record.erasure_pending().is_none()
        && policy::step(record.status, Actor::Applicant, Action::RequestErasure).is_some()
}

/// What the applicant's 删除我的申报 did.
#[derive(Debug, PartialEq, Eq)]
pub enum Erasure {
    /// Withdrawn (if it could be) and erased now.
    Erased,
    /// After the centre's decision: asked of the centre.
    Requested,
}

/// 删除我的申报: before the centre's decision, erased at once ([`erase_now`]); after it, a
/// request to the centre.
pub async fn erase_or_request(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    client: &str,
) -> Result<Erasure, Error> {
    // Each path refuses a version other than the page's.
    if may_erase(record) {
        erase_now(ctx, record, events, expected, client).await?;
        return Ok(Erasure::Erased);
    }
    decide::request_erasure(ctx, record, events, expected, client).await?;
    Ok(Erasure::Requested)
}

/// The centre erases an application whose applicant asked for it after the decision.
pub async fn erase_on_request(ctx: &Context, record: &Record, events: &[Event]) -> Result<(), Error> {
    if record.erasure_pending().is_none() {
        return Err(decide::not_requested(record));
    }
    let at = views::rfc3339(ctx.clock.now());
    told_of_erasure(ctx, record, true, Actor::Centre).await?;
    if !super::erasure::erase(ctx, record, events, &at).await? {
        return Err(Error::Stale(views::already_decided(events)));
    }
    tracing::info!(reference = %record.reference, actor = "centre", "erased at the applicant's request");
    Ok(())
}

/// Withdraws (if it still can be) and erases the application at its applicant's request.
pub async fn erase_now(
    ctx: &Context,
    record: &Record,
    events: &[Event],
    expected: u64,
    client: &str,
) -> Result<(), Error> {
    decide::current(record, events, expected, policy::Actor::Applicant)?;
    if !may_erase(record) {
        return Err(Error::NotAllowed {
            title: "不能在此删除",
            message:
                "本站已登记这份申报的入选结果（或它已删除），不能再由您直接删除；可以在“删除我的申报”页面申请删除（本站设置）。"
                    .into(),
        });
    }
    // Only an address the applicant proved is told.
    let proven = record.status != Status::Unconfirmed;
    let (mut record, mut events) = (record.clone(), events.to_vec());
    if policy::step(record.status, Actor::Applicant, Action::Withdraw).is_some() {
        let withdraw =
            decide::Decision { action: Some(Action::Withdraw), comment: String::new(), confirmed: true, erasing: true };
        decide::decide(ctx, &record, &events, record.version, Actor::Applicant, &withdraw, client).await?;
        (record, events) = super::load(ctx, &record.reference).await?;
    }
    let at = views::rfc3339(ctx.clock.now());
    told_of_erasure(ctx, &record, proven, Actor::Applicant).await?;
    if !super::erasure::erase(ctx, &record, &events, &at).await? {
        return Err(Error::Stale(views::already_decided(&events)));
    }
    tracing::info!(reference = %record.reference, actor = "applicant", "erased at the applicant's request");
    Ok(())
}

/// Queues the applicant's mail saying the application was erased (by `by`), to a proven address
/// only. The erasure that follows sends it at once and then deletes it with the rest.
async fn told_of_erasure(ctx: &Context, record: &Record, proven: bool, by: Actor) -> Result<(), Error> {
    if proven {
        ctx.store.enqueue(&[super::notify::erased(ctx, record, by)?]).await?;
    }
    Ok(())
}
