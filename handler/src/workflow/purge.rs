//! Retention (个人信息保护法 art. 19): records past `privacy.keep_until`, and applications never
//! confirmed, withdrawn or lapsed more than `privacy.erase_unfinished_after_days` ago, lose their
//! personal data and files. What remains counts in every statistic as before (round, stream,
//! scope, status and dates are kept); the events keep kinds, roles, times and statuses.

use crate::store::{Event, Record};
use crate::workflow::Context;
use crate::workflow::Error;
use policy::{EventKind, Status};

/// What a purge found (and, unless a dry run, did).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Records of the round.
    pub records: usize,
    /// Already erased before.
    pub already: usize,
    /// Past the round's retention date.
    pub past_retention: usize,
    /// Never confirmed, withdrawn or lapsed, and old enough.
    pub unfinished: usize,
    /// Files deleted (or, in a dry run, to delete).
    pub files: usize,
    /// Changed meanwhile: left for the next run.
    pub changed_meanwhile: usize,
}

/// Why a record is erased now, if it is, read from the record alone: a voided one is erased
/// early only if it lapsed, which its events tell ([`Due::IfLapsed`]).
fn due(ctx: &Context, record: &Record) -> Option<Due> {
    let now = ctx.clock.now();
    let privacy = &ctx.programme.privacy;
    let beijing = now.to_offset(time::macros::offset!(+8)).date();
    if ctx.programme.keep_until().is_some_and(|last| beijing > last) {
        return Some(Due::PastRetention);
    }
    let unfinished = matches!(record.status, Status::Unconfirmed | Status::Withdrawn | Status::Voided);
    let updated =
        time::OffsetDateTime::parse(&record.updated_at, &time::format_description::well_known::Rfc3339).ok()?;
    let old = now - updated > time::Duration::days(i64::from(privacy.erase_unfinished_after_days));
    // An unconfirmed one is erased only once its confirmation time has run out.
    let closed = record.status != Status::Unconfirmed || super::decide::lapsed(ctx, record);
    let due = if record.status == Status::Voided { Due::IfLapsed } else { Due::Unfinished };
    (unfinished && old && closed).then_some(due)
}

enum Due {
    PastRetention,
    Unfinished,
    /// Voided and old enough: erased early if it lapsed unconfirmed, not if the centre voided it.
    IfLapsed,
}

/// Erases `record` and its `events` at `at` (RFC 3339), then everything else that holds the
/// person ([`forget`]); `false` when the record changed meanwhile (nothing done). Every erasure
/// — 删除我的申报, the centre's, the purge — goes through here.
pub async fn erase(ctx: &Context, record: &Record, events: &[Event], at: &str) -> Result<bool, Error> {
    let (erased, erased_events) = crate::personal::erase(&ctx.programme, record, events, at);
    if !ctx.store.erase(&erased, &erased_events).await? {
        return Ok(false);
    }
    // The record is erased: what else holds the person goes now, and whatever could not (a
    // file store or the mailer failing) is done again by every later purge, which repeats
    // `forget` for each erased record. The erasure itself stands.
    let mut unfinished: Option<Error> = None;
    if let Some(blobs) = ctx.blobs.as_ref() {
        // Records from before files were copied under `records/` name their uploads.
        for file in record.attachments.iter().filter(|f| f.key.starts_with("uploads/")) {
            if let Err(e) = blobs.delete(&file.key).await {
                unfinished.get_or_insert(Error::unavailable(e));
            }
        }
    }
    if let Err(e) = forget(ctx, &record.reference).await {
        unfinished.get_or_insert(e);
    }
    match unfinished {
        None => tracing::info!(reference = %record.reference, "personal data erased"),
        Some(e) => tracing::error!(
            reference = %record.reference,
            alarm = crate::alarm::ERASURE_UNFINISHED,
            cause = %crate::Chain(&e),
            "record erased; its files or mail copies are left for the next purge"
        ),
    }
    Ok(true)
}

/// What [`forget`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Mails (with their `.eml` copies), a 汇总表 naming the person among them.
    pub mails: usize,
    /// Files under `records/{reference}/` and the uploads they were copied from.
    pub files: usize,
}

/// Deletes what holds an erased application's person outside its record: every stored mail that
/// names it (queued mail is sent first, so a withdrawal's notice still reaches the reviewers; a
/// 汇总表 that listed the person goes whole) and the mailer's copies of them, every file under
/// `records/{reference}/` (those a resubmission replaced too) and the uploads they were copied
/// from. Repeatable: the purge runs it again for records erased before, so an erasure cut short
/// is finished.
pub async fn forget(ctx: &Context, reference: &str) -> Result<Forgotten, Error> {
    // The files first: nothing about mail delivery may keep them.
    let files = forget_files(ctx, reference).await?;
    let held = ctx.store.mail_of(reference).await?;
    let pending: Vec<&str> = held.iter().filter(|m| m.pending).map(|m| m.id.as_str()).collect();
    if !pending.is_empty() {
        ctx.send_now(&pending).await;
    }
    let ids: Vec<String> = held.into_iter().map(|m| m.id).collect();
    ctx.store.delete_mail(reference, &ids).await?;
    ctx.forget_mail(&ids).await.map_err(|e| Error::internal(crate::store::Cause::because(reference.to_owned(), e)))?;
    if !ids.is_empty() || files > 0 {
        tracing::info!(%reference, mails = ids.len(), files, "mail and files of an erased record deleted");
    }
    Ok(Forgotten { mails: ids.len(), files })
}

/// Every file under `records/{reference}/` and the uploads they were copied from; how many.
async fn forget_files(ctx: &Context, reference: &str) -> Result<usize, Error> {
    let mut files = 0;
    if let Some(blobs) = ctx.blobs.as_ref() {
        let keys = blobs.delete_record_files(reference).await.map_err(Error::unavailable)?;
        for key in &keys {
            // The upload a file was copied from, if the hourly sweep has not taken it yet.
            let id = key.rsplit('/').next().unwrap_or_default();
            blobs.delete(&format!("uploads/{id}")).await.map_err(Error::unavailable)?;
        }
        files = keys.len();
    }
    Ok(files)
}

/// Erases what is due in `round`; with `dry_run`, only counts it.
pub async fn purge(ctx: &Context, round: i32, dry_run: bool) -> Result<Purged, Error> {
    let records = ctx.store.list(round, None).await?;
    let mut done = Purged { records: records.len(), ..Purged::default() };
    let at = crate::views::rfc3339(ctx.clock.now());
    for record in &records {
        if record.erased_at.is_some() {
            done.already += 1;
            if !dry_run {
                forget(ctx, &record.reference).await?;
            }
            continue;
        }
        // Most records are not due: their events are read only for those that may be.
        let Some(why) = due(ctx, record) else { continue };
        let events = ctx.store.events(&record.reference).await?;
        let lapsed = || events.last().is_some_and(|e| e.kind == EventKind::Expired);
        if matches!(why, Due::IfLapsed) && !lapsed() {
            continue;
        }
        if !dry_run && !erase(ctx, record, &events, &at).await? {
            done.changed_meanwhile += 1;
            continue;
        }
        done.files += record.attachments.len();
        match why {
            Due::PastRetention => done.past_retention += 1,
            Due::Unfinished | Due::IfLapsed => done.unfinished += 1,
        }
    }
    Ok(done)
}
