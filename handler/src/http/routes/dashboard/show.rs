//! `GET /dashboard/{token}`: the audience's applications with filters, pages, quotas and the
//! centre's lists.

use super::link::audience;
use crate::AppState;
use crate::http::extract::Linked;
use crate::http::params::Params;
use crate::http::{AppError, Page};
use crate::store::Record;
use crate::views::{self};
use crate::workflow::dashboard::{self, AreaTable, Asked, Audience, Filters, QuotaLine, Row, SORTS};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use policy::{DashboardClaims, Status};
use serde::{Deserialize, Serialize};

/// The page's own query: filters, and `sent=1` after mailing the 汇总表.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    #[serde(flatten)]
    filters: Filters,
    #[serde(default)]
    sent: String,
    /// After a paper receipt: its reference.
    #[serde(default)]
    paper: String,
    /// After the centre voided an application: its reference.
    #[serde(default)]
    voided: String,
    /// After the centre answered an erasure request: the reference erased, or declined.
    #[serde(default)]
    erased: String,
    #[serde(default)]
    declined: String,
    /// The page of the list, from 1.
    #[serde(default)]
    page: String,
}

/// Rows of the list on one page: a page stays small on a phone and within the Lambda's
/// response limit whatever the number of applications.
pub const PAGE_SIZE: usize = 100;

/// Where the list's page stands, with links to its neighbours (the filters kept).
#[derive(Serialize)]
struct Pager {
    page: usize,
    pages: usize,
    /// Rows matching the filters, over all pages.
    matched: usize,
    /// Positions (from 1) of the first and last row shown.
    first: usize,
    last: usize,
    prev: Option<String>,
    next: Option<String>,
}

impl Pager {
    /// Page `asked` (clamped) of `matched` rows; links to `base` with the filters `f`.
    fn new(page: usize, matched: usize, base: &str, f: &Filters) -> Self {
        let pages = matched.div_ceil(PAGE_SIZE).max(1);
        let link = |n: usize| {
            let mut pairs: Vec<(&str, String)> = [
                ("status", &f.status),
                ("stream", &f.stream),
                ("area", &f.area),
                ("sort", &f.sort),
                ("order", &f.order),
            ]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k, v.clone()))
            .collect();
            pairs.extend(f.grassroots.then(|| ("grassroots", "1".to_owned())));
            pairs.extend(f.private.then(|| ("private", "1".to_owned())));
            pairs.push(("page", n.to_string()));
            format!("{base}?{}#list-title", serde_urlencoded::to_string(&pairs).unwrap_or_default())
        };
        let first = if matched == 0 { 0 } else { (page - 1) * PAGE_SIZE + 1 };
        Self {
            page,
            pages,
            matched,
            first,
            last: (page * PAGE_SIZE).min(matched),
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// A status in the filter list.
#[derive(Serialize)]
struct StatusOption {
    code: &'static str,
    label: &'static str,
}

/// A sort order or an area in a filter list.
#[derive(Serialize)]
struct CodeOption<'a> {
    code: &'a str,
    name: &'a str,
}

/// A stream in the filter list.
#[derive(Serialize)]
struct StreamOption<'a> {
    key: String,
    name: &'a str,
}

/// A dashboard form as sent, when it comes back refused: which form, what was typed and why.
#[derive(Serialize, Default)]
pub struct Refused {
    /// `paper` (HR records paper) or `erase` (the centre answers an erasure request).
    pub form: &'static str,
    /// The 申报编号 typed (paper), or the request answered (erase).
    pub reference: String,
    /// The 核验码 typed (paper).
    pub code: String,
    /// The answer chosen (erase): `erase` or `decline`.
    pub answer: String,
    /// The reason written (erase, to decline).
    pub reason: String,
    /// Why it was refused (the field, and the words).
    pub errors: Vec<policy::Reason>,
}

/// The dashboard page.
#[derive(Serialize)]
struct DashboardPage<'a> {
    /// A form refused, with what was typed.
    refused: &'a Refused,
    scope_name: String,
    centre: bool,
    base: String,
    /// Waiting for this reviewer, oldest first, whatever the filters.
    waiting: Vec<Row>,
    rows: Vec<Row>,
    pager: Pager,
    total: usize,
    /// Mails given up after their attempts (the centre's page only).
    dead_mail: usize,
    quota: Vec<QuotaLine>,
    centre_email: &'a str,
    sent: bool,
    /// The application whose paper was just recorded: reference and name.
    paper_received: Option<(String, String)>,
    /// The application the centre just voided: reference and name.
    voided: Option<(String, String)>,
    /// Each league's and 厅局's 汇总表 as sent (the centre's page only).
    scope_sends: Vec<dashboard::ScopeSent>,
    /// Applications held for want of a confirmed reviewer (the centre's page only).
    held: Vec<Row>,
    /// Erasure requests the centre has not answered (the centre's page only).
    erasure_requests: Vec<dashboard::ErasureRequest>,
    /// The reference whose erasure request was just answered, and how.
    erased: Option<String>,
    declined: Option<String>,
    filters: &'a Filters,
    statuses: Vec<StatusOption>,
    sorts: Vec<CodeOption<'static>>,
    streams: Vec<StreamOption<'a>>,
    areas: Option<&'a AreaTable>,
    chart_areas: String,
    chart_streams: String,
    area_options: Vec<CodeOption<'a>>,
}

/// `GET /dashboard/{token}`.
pub async fn show(
    State(state): State<AppState>,
    link: Linked<DashboardClaims>,
    Params(query): Params<ShowQuery>,
) -> Result<Response, AppError> {
    Ok(render(&state, &link, &query, &Refused::default()).await?.into_response())
}

/// The dashboard as `query` asks, with a refused form as `refused` holds it.
pub(super) async fn render(
    state: &AppState,
    link: &Linked<DashboardClaims>,
    query: &ShowQuery,
    refused: &Refused,
) -> Result<Page, AppError> {
    let state = state.clone();
    let audience = audience(&state, link)?;
    let p = &state.programme;
    let f = &query.filters;
    let centre = audience == Audience::Centre;
    let lasts = if centre { dashboard::last_sends(&state).await? } else { Vec::new() };
    let named = [&query.paper, &query.voided, &query.erased, &query.declined].map(String::as_str);
    let named: Vec<&str> = named.into_iter().filter(|r| !r.is_empty()).collect();
    let asked_page = query.page.parse::<usize>().unwrap_or(1).max(1);
    let mut asked = Asked { filters: f, page: asked_page, page_size: PAGE_SIZE, named: &named, lasts: &lasts };
    let mut folded = dashboard::fold(&state, &audience, &asked).await?;
    let last_page = folded.matched.div_ceil(PAGE_SIZE).max(1);
    if asked_page > last_page {
        // A page past the end (the list shrank since the link was made): the last page instead.
        asked.page = last_page;
        folded = dashboard::fold(&state, &audience, &asked).await?;
    }
    let table = folded.areas.take();
    let (chart_areas, chart_streams) = match &table {
        Some(t) => (
            views::bar_chart("areas", "各盟市及区直单位已推荐人数", &t.area_bars()),
            views::bar_chart("streams", "各项目已推荐人数与名额", &t.stream_bars()),
        ),
        None => Default::default(),
    };
    let base = format!("/dashboard/{}", link.token);
    let pager = Pager::new(asked.page, folded.matched, &base, f);
    // The other applications of each shown row's 身份证号: the centre's are out of every number
    // of the round; HR's are looked up for the rows shown.
    let shown: Vec<Record> =
        [&folded.rows, &folded.waiting, &folded.held, &folded.erasure].into_iter().flatten().cloned().collect();
    let same = match centre {
        true => views::SameNumbers::of(p, views::number_keys(&shown), &folded.numbers),
        false => dashboard::same_numbers(&state, &audience, &shown).await?,
    };
    let rows_of = |records: &[Record]| records.iter().map(|r| dashboard::row(&state, &audience, r, &same)).collect();
    let named = |reference: &str, keep: &dyn Fn(&Record) -> bool| {
        folded.named.iter().find(|r| !reference.is_empty() && r.reference == reference && keep(r))
    };
    let dead_mail = if centre { state.store.dead_mail().await.map_err(crate::workflow::Error::from)? } else { 0 };
    let page = DashboardPage {
        refused,
        scope_name: audience.name(p),
        centre,
        base,
        waiting: rows_of(&folded.waiting),
        rows: rows_of(&folded.rows),
        pager,
        total: folded.total,
        dead_mail,
        quota: dashboard::quota_lines(&state, &audience, &folded.placed).await?,
        centre_email: &p.centre.email,
        sent: query.sent == "1",
        paper_received: named(&query.paper, &|_| true).map(|r| (r.reference.clone(), r.application.name.clone())),
        voided: named(&query.voided, &|r| r.status == Status::Voided)
            .map(|r| (r.reference.clone(), r.application.name.clone())),
        scope_sends: dashboard::scope_sends(&state, lasts, &folded),
        held: rows_of(&folded.held),
        erasure_requests: dashboard::erasure_requests(&state, &folded.erasure, &same),
        erased: named(&query.erased, &|r| r.erased_at.is_some()).map(|r| r.reference.clone()),
        declined: named(&query.declined, &|r| r.erasure_requested_at.is_none()).map(|r| r.reference.clone()),
        filters: f,
        statuses: Status::ALL.iter().map(|s| StatusOption { code: s.code(), label: s.label() }).collect(),
        sorts: SORTS.iter().map(|&(code, name)| CodeOption { code, name }).collect(),
        streams: p.streams.iter().map(|s| StreamOption { key: s.key(), name: &s.name }).collect(),
        area_options: table
            .as_ref()
            .map(|t| t.areas().into_iter().map(|(code, name)| CodeOption { code, name }).collect())
            .unwrap_or_default(),
        areas: table.as_ref(),
        chart_areas,
        chart_streams,
    };
    Ok(Page::typed("dashboard.html", format!("{}申报汇总", audience.name(p)), &page)?)
}
