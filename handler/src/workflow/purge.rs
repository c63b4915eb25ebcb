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

/// Erases `record` and its `events` at `at` (RFC 3339) and deletes its files; `false` when it
/// changed meanwhile (nothing done).
pub async fn erase(ctx: &Context, record: &Record, events: &[Event], at: &str) -> Result<bool, Error> {
    let (erased, erased_events) = crate::personal::erase(&ctx.programme, record, events, at);
    if !ctx.store.erase(&erased, &erased_events).await? {
        return Ok(false);
    }
    if let Some(blobs) = ctx.blobs.as_ref() {
        for file in &record.attachments {
            if let Err(e) = blobs.delete(&file.key).await {
                tracing::warn!(reference = %record.reference, error = %crate::Chain(&e), "file of an erased record not removed");
            }
        }
    }
    tracing::info!(reference = %record.reference, "personal data erased");
    Ok(true)
}

/// Erases what is due in `round`; with `dry_run`, only counts it.
pub async fn purge(ctx: &Context, round: i32, dry_run: bool) -> Result<Purged, Error> {
    let records = ctx.store.list(round, None).await?;
    let mut done = Purged { records: records.len(), ..Purged::default() };
    let at = crate::views::rfc3339(ctx.clock.now());
    for record in &records {
        if record.erased_at.is_some() {
            done.already += 1;
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
