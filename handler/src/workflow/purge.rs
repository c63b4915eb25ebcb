//! Retention (个人信息保护法 art. 19): records past `privacy.keep_until`, and applications never
//! confirmed, withdrawn or lapsed more than `privacy.erase_unfinished_after_days` ago, lose their
//! personal data and files. What remains counts in every statistic as before (round, stream,
//! scope, status and dates are kept); the events keep kinds, roles, times and statuses.
//!
//! The purge walks the round a page at a time, several erasures at once. On its schedule it
//! [`run`]s within a time budget and keeps where it stopped in a store bookmark, so the next run
//! resumes there: one pass a day (from 03:00 Beijing), however many runs it takes. An erased
//! record still marked with files or mail to delete ([`crate::store::Record::to_forget`]) is
//! finished by every pass until it is done.

use super::erasure::{clear_exports, erase_record, finish};
use crate::store::Record;
use crate::workflow::{Context, Error};
use futures_util::StreamExt;
use policy::{EventKind, Status};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// What a purge found (and, unless a dry run, did).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// Records of the round looked at.
    pub records: usize,
    /// Already erased before.
    pub already: usize,
    /// Past the round's retention date.
    pub past_retention: usize,
    /// Never confirmed, withdrawn or lapsed, and old enough.
    pub unfinished: usize,
    /// Files deleted (or, in a dry run, to delete).
    pub files: usize,
    /// Changed meanwhile: left for the next pass.
    pub changed_meanwhile: usize,
    /// Erased records whose files or mail were deleted now, after an earlier attempt failed.
    pub finished_later: usize,
    /// Erased records whose files or mail are still to delete (marked: the next pass tries again).
    pub left_marked: usize,
    /// Records the store failed on: left for the next pass.
    pub failed: usize,
    /// The pass reached the round's end (a [`run`] may stop at its budget first).
    pub done: bool,
}

impl Purged {
    fn add(&mut self, other: &Self) {
        self.records += other.records;
        self.already += other.already;
        self.past_retention += other.past_retention;
        self.unfinished += other.unfinished;
        self.files += other.files;
        self.changed_meanwhile += other.changed_meanwhile;
        self.finished_later += other.finished_later;
        self.left_marked += other.left_marked;
        self.failed += other.failed;
    }
}

/// How much one scheduled run may do.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// No page starts after this long (a run does one page at least).
    pub time: Duration,
    /// Records a page.
    pub page: usize,
    /// Records worked on at once.
    pub at_once: usize,
}

impl Budget {
    /// The Lambda's: 20 s of a 29 s invocation, pages of 100, 8 at once.
    pub const LAMBDA: Self = Self { time: Duration::from_secs(20), page: 100, at_once: 8 };
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

/// One record's part of a purge.
async fn one(ctx: &Context, record: Record, dry_run: bool, at: &str) -> Result<Purged, Error> {
    let mut done = Purged { records: 1, ..Purged::default() };
    if record.erased_at.is_some() {
        done.already = 1;
        if record.to_forget.is_some() {
            let finished = !dry_run && finish(ctx, &record).await?;
            if finished { done.finished_later = 1 } else { done.left_marked = 1 }
        }
        return Ok(done);
    }
    // Most records are not due: their events are read only for those that may be.
    let Some(why) = due(ctx, &record) else { return Ok(done) };
    let events = ctx.store.events(&record.reference).await?;
    if matches!(why, Due::IfLapsed) && !events.last().is_some_and(|e| e.kind == EventKind::Expired) {
        return Ok(done);
    }
    if !dry_run && !erase_record(ctx, &record, &events, at).await? {
        done.changed_meanwhile = 1;
        return Ok(done);
    }
    done.files = record.attachments.len();
    match why {
        Due::PastRetention => done.past_retention = 1,
        Due::Unfinished | Due::IfLapsed => done.unfinished = 1,
    }
    Ok(done)
}

/// One page of the round after `after`, `budget.at_once` records at a time; the page's last key,
/// `None` at the round's end.
async fn page(
    ctx: &Context,
    round: i32,
    after: Option<&str>,
    budget: Budget,
    dry_run: bool,
    done: &mut Purged,
) -> Result<Option<String>, Error> {
    let records = ctx.store.list_page(crate::store::PageOf { round, scope: None, after, limit: budget.page }).await?;
    let Some(last) = records.last().map(Record::list_key) else { return Ok(None) };
    let at = crate::views::rfc3339(ctx.clock.now());
    let at = at.as_str();
    let mut work = futures_util::stream::iter(records)
        .map(|record| {
            let reference = record.reference.clone();
            async move { (reference, one(ctx, record, dry_run, at).await) }
        })
        .buffer_unordered(budget.at_once.max(1));
    let before = done.past_retention + done.unfinished;
    while let Some((reference, result)) = work.next().await {
        match result {
            Ok(part) => done.add(&part),
            Err(e) => {
                done.records += 1;
                done.failed += 1;
                tracing::warn!(%reference, cause = %crate::Chain(&e), "purge: record left for the next pass");
            }
        }
    }
    if !dry_run && done.past_retention + done.unfinished > before {
        clear_exports(ctx).await;
    }
    Ok(Some(last))
}

/// Erases what is due in `round`, the whole round in one pass from its first record; with
/// `dry_run`, only counts it. `tepei purge` and tests; the schedule runs [`run`].
pub async fn purge(ctx: &Context, round: i32, dry_run: bool) -> Result<Purged, Error> {
    let budget = Budget { time: Duration::MAX, ..Budget::LAMBDA };
    let mut done = Purged::default();
    let mut after = None;
    while let Some(last) = page(ctx, round, after.as_deref(), budget, dry_run, &mut done).await? {
        after = Some(last);
    }
    done.done = true;
    Ok(done)
}

/// Where the scheduled purge stands (the store bookmark `purge#{round}`).
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Mark {
    /// The day (Beijing) whose pass this is: a day starts at 03:00.
    pub day: String,
    /// The last record done, by [`Record::list_key`]; `None` at the pass's start.
    pub after: Option<String>,
    /// The pass reached the round's end.
    pub done: bool,
}

/// The purge day at `now`: the Beijing date of three hours earlier, so a day's pass may start
/// at 03:00.
fn purge_day(now: time::OffsetDateTime) -> String {
    let day = (now - time::Duration::hours(3)).to_offset(time::macros::offset!(+8)).date();
    format!("{day}")
}

/// One scheduled run: goes on with the pass where the last run stopped (or starts the day's pass
/// once the previous one is done), page after page until `budget.time` is spent, keeping its
/// place after each page. A pass already done today costs one read.
pub async fn run(ctx: &Context, round: i32, budget: Budget) -> Result<Purged, Error> {
    let started = Instant::now();
    let name = format!("purge#{round}");
    let today = purge_day(ctx.clock.now());
    let stored = ctx.store.bookmark(&name).await?;
    let mut mark: Mark = match stored.as_deref().map(serde_json::from_str::<Mark>) {
        Some(Ok(mark)) => mark,
        Some(Err(e)) => {
            tracing::warn!(bookmark = %name, cause = %e, "purge bookmark unreadable: the pass starts again");
            Mark::default()
        }
        None => Mark::default(),
    };
    if mark.done && mark.day == today {
        return Ok(Purged { done: true, ..Purged::default() });
    }
    if mark.done || mark.day.is_empty() {
        mark = Mark { day: today, after: None, done: false };
    }
    let mut done = Purged::default();
    loop {
        let next = page(ctx, round, mark.after.as_deref(), budget, false, &mut done).await?;
        match next {
            Some(last) => mark.after = Some(last),
            None => mark.done = true,
        }
        let value =
            serde_json::to_string(&mark).map_err(|e| Error::internal(crate::store::Cause::because(name.clone(), e)))?;
        ctx.store.set_bookmark(&name, &value).await?;
        if mark.done || started.elapsed() >= budget.time {
            break;
        }
    }
    done.done = mark.done;
    Ok(done)
}
