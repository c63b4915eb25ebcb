//! Dashboards for league/city HR, 厅局/高校 and the regional centre: who sees what, the filters
//! and sorting, places used, the centre's table by area, link requests and the 汇总表 sent to the
//! centre. Rows and tables are typed; the pages render them as they are.

mod table;

pub use table::{AreaTable, Filters, QuotaLine, Row, SORTS, quota_lines, row, select};

use crate::AppState;
use crate::store::Record;
use crate::views::{self, SummaryTable};
use crate::workflow::notify::{self, DashboardLink};
use crate::workflow::{Error, links};
use policy::{Actor, HrScope, Programme};
use sha2::{Digest, Sha256};

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
            Audience::Hr(HrScope::League(code)) => format!("l-{code}"),
            Audience::Hr(HrScope::Department(name)) => department_id(name),
        }
    }

    /// The audience a link's id names, if it still exists.
    pub fn from_id(id: &str, p: &Programme) -> Option<Self> {
        if id == "centre" {
            return Some(Audience::Centre);
        }
        if let Some(code) = id.strip_prefix("l-") {
            return p.leagues.iter().find(|l| l.code == code).map(|l| Audience::Hr(HrScope::League(l.code.clone())));
        }
        p.departments
            .names
            .iter()
            .find(|d| department_id(d) == id)
            .map(|d| Audience::Hr(HrScope::Department(d.clone())))
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

    /// The league, for a league's audience.
    pub fn league(&self) -> Option<&str> {
        match self {
            Audience::Hr(HrScope::League(code)) => Some(code),
            _ => None,
        }
    }
}

fn department_id(name: &str) -> String {
    format!("d-{}", hex::encode(&Sha256::digest(name.as_bytes())[..6]))
}

/// The audiences whose dashboards `email` is configured for, the centre first.
pub fn audiences_of(state: &AppState, email: &str) -> Vec<Audience> {
    let mut out: Vec<Audience> = state
        .reviewers
        .scopes()
        .filter(|(_, address)| address.as_str().eq_ignore_ascii_case(email))
        .map(|(scope, _)| Audience::Hr(HrScope::from_key(scope, &state.programme)))
        .collect();
    if state.reviewers.centre().as_str().eq_ignore_ascii_case(email) {
        out.insert(0, Audience::Centre);
    }
    out
}

/// Mails the dashboard links of a configured address to that address (at most once per ten
/// minutes); does nothing for any other address, so the answer never tells which are configured.
pub async fn send_links(state: &AppState, email: &str) -> Result<(), Error> {
    let audiences = audiences_of(state, email);
    if audiences.is_empty() || !state.limiter.allow(&format!("dashboard:{email}")) {
        return Ok(());
    }
    let p = &state.programme;
    let links: Vec<DashboardLink> = audiences
        .iter()
        .map(|a| DashboardLink {
            name: a.name(p),
            link: links::absolute(state, &links::dashboard_path(state, &a.id())),
        })
        .collect();
    let mail = notify::dashboard_links(state, email, &links)?;
    state.store.enqueue(&[mail]).await?;
    state.mail_queued().await;
    tracing::info!(scopes = audiences.len(), "dashboard link sent");
    Ok(())
}

/// The audience's applications of this round, oldest first.
pub async fn records(state: &AppState, audience: &Audience) -> Result<Vec<Record>, Error> {
    let scope = match audience {
        Audience::Hr(scope) => Some(scope),
        Audience::Centre => None,
    };
    Ok(state.store.list(state.programme.round, scope).await?)
}

/// The 汇总表 of an audience on today's date: the recommended applications (and those decided by
/// the centre), or every application when `all`.
pub async fn summary(state: &AppState, audience: &Audience, all: bool) -> Result<SummaryTable, Error> {
    let records = records(state, audience).await?;
    let p = &state.programme;
    Ok(views::summary_table(p, &records, &audience.name(p), today(state), all))
}

fn today(state: &AppState) -> time::Date {
    state.clock.now().to_offset(time::macros::offset!(+8)).date()
}

/// The download name of an audience's 汇总表.
pub fn summary_file_name(state: &AppState, audience: &Audience, all: bool, ext: &str) -> String {
    let p = &state.programme;
    let which = if all { "全部申报" } else { "已推荐" };
    format!("{}年度特培学员汇总表-{}-{which}-{}.{ext}", p.round, audience.name(p), today(state))
}

/// Whether the 汇总表 was mailed, or was mailed too recently to send again.
#[derive(Debug, PartialEq, Eq)]
pub enum Sent {
    /// Queued to the centre.
    Sent,
    /// Sent within the last ten minutes: not again.
    TooSoon,
}

/// Mails the audience's 汇总表 (recommended applications, XLSX) to the centre's address.
pub async fn send_summary(state: &AppState, audience: &Audience) -> Result<Sent, Error> {
    let table = summary(state, audience, false).await?;
    let xlsx = table.to_xlsx().map_err(|e| Error::Internal(format!("summary XLSX: {e}")))?;
    let id = audience.id();
    if !state.limiter.allow(&format!("summary:{id}")) {
        return Ok(Sent::TooSoon);
    }
    let name = audience.name(&state.programme);
    let mail = notify::summary(state, &id, &name, &table, summary_file_name(state, audience, false, "xlsx"), &xlsx)?;
    state.store.enqueue(&[mail]).await?;
    state.mail_queued().await;
    tracing::info!(scope = %id, rows = table.rows.len(), "summary mailed to the centre");
    Ok(Sent::Sent)
}
