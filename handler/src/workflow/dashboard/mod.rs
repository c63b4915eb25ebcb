//! Dashboards for league/city HR, 厅局/高校 and the regional centre: who sees what, the filters
//! and sorting, places used, the centre's table by area, link requests and the 汇总表 sent to the
//! centre. Rows and tables are typed; the pages render them as they are.

mod areas;
mod fold;
mod sends;
pub mod since;
mod table;

pub use areas::AreaTable;
pub use fold::{Asked, Folded, fold};
pub use sends::{ScopeSent, last_sends, scope_sends};
pub use since::{Change, SendPlan, SinceLast, plan};
pub use table::{ErasureRequest, Filters, QuotaLine, Row, SORTS, erasure_requests, quota_lines, row};

use crate::store::{PageOf, Record, SummarySent};
use crate::views::{self, SameNumbers, SummaryTable};
use crate::workflow::Context;
use crate::workflow::Error;
use crate::workflow::notify;
use policy::{Actor, HrScope, Programme, Reviewers};

/// Whose applications a dashboard shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Audience {
    /// One league/city or one 厅局/高校: its HR reviewer's applications.
    Hr(HrScope),
    /// The regional centre: every application.
    Centre,
}

impl Audience {
    /// The id carried in the link: `centre`, `l-{league}`, or `d-` and a digest of the
    /// department's name (names are Chinese; tokens are ASCII).
    pub fn id(&self) -> String {
        match self {
            Audience::Centre => "centre".to_owned(),
            Audience::Hr(scope) => scope.link_id(),
        }
    }

    /// The audience a link's id names, if it still exists: a league, a department of the form's
    /// list, or one only `reviewers` has (a 厅局 the operator added once its reviewer was
    /// confirmed).
    pub fn from_id(id: &str, p: &Programme, reviewers: &Reviewers) -> Option<Self> {
        if id == "centre" {
            return Some(Audience::Centre);
        }
        if let Some(code) = id.strip_prefix("l-") {
            return p.leagues.iter().find(|l| l.code == code).map(|l| Audience::Hr(HrScope::League(l.code.clone())));
        }
        let configured = reviewers.scopes().map(|(key, _)| key).filter(|key| p.league(key).is_none());
        p.departments
            .names
            .iter()
            .map(String::as_str)
            .chain(configured)
            .find(|d| HrScope::Department((*d).to_owned()).link_id() == id)
            .map(|d| Audience::Hr(HrScope::Department(d.to_owned())))
    }

    /// Its name in Chinese: the league, the department, or 全区.
    pub fn name(&self, p: &Programme) -> String {
        match self {
            Audience::Centre => "全区".to_owned(),
            Audience::Hr(scope) => scope.name(p),
        }
    }

    /// Who acts from this dashboard.
    pub fn actor(&self) -> Actor {
        match self {
            Audience::Hr(_) => Actor::Hr,
            Audience::Centre => Actor::Centre,
        }
    }

    /// The HR scope's key (a league code or a department name): the 附件1 share it counts against.
    pub fn share_key(&self) -> Option<&str> {
        match self {
            Audience::Hr(scope) => Some(scope.key()),
            _ => None,
        }
    }
}

/// The audiences whose dashboards `email` is configured for, the centre first.
pub fn audiences_of(ctx: &Context, email: &str) -> Vec<Audience> {
    let mut out: Vec<Audience> = ctx
        .reviewers
        .scopes()
        .filter(|(_, address)| address.as_str().eq_ignore_ascii_case(email))
        .map(|(scope, _)| Audience::Hr(HrScope::from_key(scope, &ctx.programme)))
        .collect();
    if ctx.reviewers.centre().as_str().eq_ignore_ascii_case(email) {
        out.insert(0, Audience::Centre);
    }
    out
}

/// The audience's applications of this round, oldest first ([`visit`]).
pub async fn records(ctx: &Context, audience: &Audience) -> Result<Vec<Record>, Error> {
    let mut out = Vec::new();
    visit(ctx, audience, |r| out.push(r)).await?;
    Ok(out)
}

/// Hands `each` the audience's applications of this round, oldest first, read a store page at a
/// time (no read brings the whole round at once). HR sees an application once its applicant has
/// confirmed it; the centre sees every one (and may void any).
pub async fn visit(ctx: &Context, audience: &Audience, mut each: impl FnMut(Record)) -> Result<(), Error> {
    let scope = match audience {
        Audience::Hr(scope) => Some(scope),
        Audience::Centre => None,
    };
    let mut after = None::<String>;
    loop {
        let page = PageOf { round: ctx.programme.round, scope, after: after.as_deref(), limit: READ_PAGE };
        let records = ctx.store.list_page(page).await?;
        let Some(last) = records.last() else { return Ok(()) };
        after = Some(last.list_key());
        records.into_iter().filter(|r| scope.is_none() || r.status != policy::Status::Unconfirmed).for_each(&mut each);
    }
}

/// Records one store read brings.
const READ_PAGE: usize = 1000;

/// The other applications of each of `records`' 身份证号, `records` being the audience's.
pub async fn same_numbers(ctx: &Context, audience: &Audience, records: &[Record]) -> Result<SameNumbers, Error> {
    crate::workflow::numbers::same_numbers(ctx, records, *audience == Audience::Centre).await
}

/// The 汇总表 of an audience on today's date: the recommended applications (and those decided by
/// the centre), or every application when `all`. Built a store page at a time: each record is
/// turned into its row and dropped, so the table, not the round's records, is what is held.
pub async fn summary(ctx: &Context, audience: &Audience, all: bool) -> Result<SummaryTable, Error> {
    let p = &ctx.programme;
    let centre = *audience == Audience::Centre;
    // HR and the centre call applicants from the downloaded table: each number is opened, logged.
    let phone = |r: &Record| {
        let purpose = crate::personal::Purpose::SummaryTable;
        crate::personal::open_phone(&ctx.settings.data_keys, r, purpose, audience.actor())
            .map(|phone| phone.to_string())
            .unwrap_or_else(|e| {
                tracing::error!(reference = %r.reference, error = %crate::Chain(&e), "phone not opened for the 汇总表");
                r.application.phone.masked().to_owned()
            })
    };
    // The rows, each with its reference and number hash; the centre's list is the whole round,
    // so its numbers are every application's.
    let (mut rows, mut keys, mut numbers) = (Vec::new(), Vec::new(), Vec::new());
    visit(ctx, audience, |r| {
        if centre {
            let (id_hash, reference, status, stream) = (r.id_hash.clone(), r.reference.clone(), r.status, r.stream());
            numbers.push(crate::store::NumberUse { id_hash, reference, status, stream });
        }
        if all || r.status.holds_place() {
            rows.push(views::summary_row(p, &r, &phone(&r), String::new()));
            keys.push((r.reference, r.id_hash));
        }
    })
    .await?;
    if !centre {
        let hashes: Vec<String> = keys.iter().map(|(_, h)| h.clone()).collect();
        numbers = ctx.store.shared_numbers(p.round, &hashes).await?;
    }
    let same = SameNumbers::of(p, keys.iter().map(|(r, h)| (r.as_str(), h.as_str())), &numbers);
    for (row, (reference, _)) in rows.iter_mut().zip(&keys) {
        row[views::SAME_CELL] = same.cell(reference);
    }
    Ok(views::summary_of_rows(p, &audience.name(p), today(ctx), rows))
}

fn today(ctx: &Context) -> time::Date {
    ctx.clock.now().to_offset(time::macros::offset!(+8)).date()
}

/// The download name of an audience's 汇总表.
pub fn summary_file_name(ctx: &Context, audience: &Audience, all: bool, ext: &str) -> String {
    let p = &ctx.programme;
    let which = if all { "全部申报" } else { "已推荐" };
    format!("{}年度特培学员汇总表（本系统导出）-{}-{which}-{}.{ext}", p.round, audience.name(p), today(ctx))
}

/// The audience's applications and its 汇总表 to send now, against the last sent.
pub async fn send_plan(ctx: &Context, audience: &Audience) -> Result<(Vec<Record>, SendPlan), Error> {
    let records = records(ctx, audience).await?;
    let last = ctx.store.last_summary(ctx.programme.round, &audience.id()).await?;
    let plan = plan(&records, last);
    Ok((records, plan))
}

/// What sending the 汇总表 did.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// Queued to the centre.
    Sent,
    /// Nothing changed since the last send (when, in Chinese): not again.
    Unchanged(String),
    /// Nothing recommended yet, and nothing sent before: nothing to send.
    Empty,
    /// Another send of this scope was recorded first: nothing more.
    Meanwhile,
}

/// Mails the audience's 汇总表 (recommended applications, XLSX) to the centre's address, once
/// per change: the mail says what changed since the last send, and the send is recorded with it.
pub async fn send_summary(ctx: &Context, audience: &Audience) -> Result<Sent, Error> {
    let (records, plan) = send_plan(ctx, audience).await?;
    match &plan.since {
        Some(since) if since.is_empty() => return Ok(Sent::Unchanged(since.at.clone())),
        None if plan.rows.is_empty() => return Ok(Sent::Empty),
        _ => {}
    }
    let p = &ctx.programme;
    // Mail is kept in the outbox: its table shows the numbers masked (the download has them).
    let masked = |r: &Record| r.application.phone.masked().to_owned();
    let same = same_numbers(ctx, audience, &records).await?;
    let table = views::summary_table(p, &records, &same, &audience.name(p), today(ctx), false, masked);
    let xlsx = table.to_xlsx().map_err(|e| Error::internal(crate::store::Cause::because("summary XLSX", e)))?;
    let id = audience.id();
    let name = audience.name(p);
    let file_name = summary_file_name(ctx, audience, false, "xlsx");
    let mut mail = notify::summary(ctx, &id, &name, &table, plan.since.as_ref(), file_name, &xlsx)?;
    // Every application the mail names (its rows, and what changed since the last, those that
    // left the table too, and those named as another's of the same 身份证号): erasing any of them
    // deletes the stored mail.
    let named = plan.since.iter().flat_map(|s| s.added.iter().chain(&s.removed).chain(&s.changed));
    let rows = plan.rows.iter().map(|r| r.reference.clone());
    mail.about = rows.chain(named.map(|c| c.reference.clone())).chain(same.named().map(str::to_owned)).collect();
    mail.about.sort();
    mail.about.dedup();
    let sent = SummarySent {
        round: ctx.programme.round,
        scope: id.clone(),
        seq: plan.last.as_ref().map_or(1, |l| l.seq + 1),
        at: views::rfc3339(ctx.clock.now()),
        rows: plan.rows,
    };
    if !ctx.store.summary_sent(&sent, &mail).await? {
        return Ok(Sent::Meanwhile);
    }
    ctx.mail_queued(std::slice::from_ref(&mail)).await;
    tracing::info!(scope = %id, rows = table.rows.len(), seq = sent.seq, "summary mailed to the centre");
    Ok(Sent::Sent)
}
