//! What a dashboard shows: the filters and sorting, a typed row per application, places used per
//! stream, and the centre's table by area.

use super::Audience;
use crate::store::Record;
use crate::views;
use crate::workflow::Context;
use crate::workflow::{Error, links};
use policy::{Programme, Sector, Status, YearMonth};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Filters and sorting, from the no-JS form.
#[derive(Deserialize, Serialize, Default, Debug)]
pub struct Filters {
    /// A status code.
    #[serde(default)]
    pub status: String,
    /// A stream key.
    #[serde(default)]
    pub stream: String,
    /// A league code, or `region` for 区直 units.
    #[serde(default)]
    pub area: String,
    /// Only 基层.
    #[serde(default, deserialize_with = "flag")]
    pub grassroots: bool,
    /// Only 非公.
    #[serde(default, deserialize_with = "flag")]
    pub private: bool,
    /// A sort code from [`SORTS`].
    #[serde(default)]
    pub sort: String,
    /// `desc` for descending (read in any case).
    #[serde(default, deserialize_with = "lower")]
    pub order: String,
}

/// A checkbox: present, not empty and not `0`, `false` or `off`.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let v = String::deserialize(d)?;
    Ok(!(v.is_empty() || ["0", "false", "off"].iter().any(|off| v.eq_ignore_ascii_case(off))))
}

/// A code read in any case.
fn lower<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(String::deserialize(d)?.to_ascii_lowercase())
}

/// The sort orders offered, by code.
pub const SORTS: [(&str, &str); 8] = [
    ("", "提交时间"),
    ("name", "姓名"),
    ("status", "状态"),
    ("area", "盟市"),
    ("birth", "出生年月"),
    ("education", "学历"),
    ("title", "职称"),
    ("profession_start", "从事本专业起始年月"),
];

/// Where an application comes from: `(code, name)`, the league, or 区直 for a department.
pub(super) fn area_of(p: &Programme, r: &Record) -> (String, String) {
    match (&r.application.department, &r.application.league) {
        (Some(d), _) => ("region".to_owned(), format!("区直（{d}）")),
        (None, Some(l)) => (l.clone(), views::league_name(p, l)),
        (None, None) => (String::new(), String::new()),
    }
}

/// Whether `r` passes the filters.
pub fn matches(p: &Programme, r: &Record, f: &Filters) -> bool {
    (f.status.is_empty() || r.status.code() == f.status)
        && (f.stream.is_empty() || r.stream() == f.stream)
        && (f.area.is_empty() || area_of(p, r).0 == f.area)
        && (!f.grassroots || r.application.grassroots)
        && (!f.private || r.application.sector == Sector::Private)
}

/// What the list sorts on, for one application: the same kind for every row of one sort.
#[derive(PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum SortKey {
    /// Submission time: the order of the listing itself.
    Listed,
    Rank(Option<usize>),
    Month(YearMonth),
    Date(Option<time::Date>),
    Text(String),
}

/// `r`'s key under the sort `f` asks for (ties keep the listing's order).
pub fn sort_key(p: &Programme, r: &Record, f: &Filters) -> SortKey {
    let a = &r.application;
    match f.sort.as_str() {
        "name" => SortKey::Text(a.name.clone()),
        "status" => SortKey::Rank(Status::ALL.iter().position(|s| *s == r.status)),
        "education" => SortKey::Rank(Some(Programme::level_rank(&p.education_levels, &a.education))),
        "title" => SortKey::Rank(Some(Programme::level_rank(&p.title_levels, &a.title_level))),
        "profession_start" => SortKey::Month(a.profession_start),
        "birth" => SortKey::Date(a.birth()),
        "area" => SortKey::Text(area_of(p, r).1),
        _ => SortKey::Listed,
    }
}

/// One row of the dashboard table.
#[derive(Serialize)]
pub struct Row {
    reference: String,
    name: String,
    employer: String,
    status: &'static str,
    status_label: &'static str,
    programme: String,
    track: &'static str,
    stream_name: String,
    area: String,
    unit_level: &'static str,
    birth: String,
    ethnicity: String,
    education: String,
    title: String,
    profession_start: String,
    grassroots: bool,
    private: bool,
    submitted: String,
    /// The review link, where this audience acts on the application now.
    review: Option<String>,
    /// The other applications of the same 身份证号, as the 汇总表 shows them.
    same_number: String,
}

/// The row of `r` as `audience` sees it, with the other applications of its 身份证号.
pub fn row(ctx: &Context, audience: &Audience, r: &Record, same: &views::SameNumbers) -> Row {
    let p = &ctx.programme;
    let a = &r.application;
    Row {
        reference: r.reference.clone(),
        name: a.name.clone(),
        employer: a.employer.clone(),
        status: r.status.code(),
        status_label: r.status.label(),
        programme: p.programme(&a.programme).map(|x| x.short_name.clone()).unwrap_or_else(|| a.programme.clone()),
        track: a.track.label(),
        stream_name: views::stream_name(p, a),
        area: area_of(p, r).1,
        unit_level: a.unit_level.label(),
        birth: a.birth().map(|b| format!("{}.{:02}", b.year(), b.month() as u8)).unwrap_or_default(),
        ethnicity: a.ethnicity.clone(),
        education: Programme::level_name(&p.education_levels, &a.education),
        title: Programme::level_name(&p.title_levels, &a.title_level),
        profession_start: a.profession_start.to_string(),
        grassroots: a.grassroots,
        private: a.sector == Sector::Private,
        submitted: views::chinese_time(&r.created_at),
        review: waits_for(audience, r).then(|| links::review_path(ctx, r, audience.actor(), r.version)),
        same_number: same.cell(&r.reference),
    }
}

/// Whether `r` waits for `audience` to act on it.
pub fn waits_for(audience: &Audience, r: &Record) -> bool {
    policy::reviewer_for(r.status) == Some(audience.actor())
}

/// Whether `r` is held at the HR stage for want of a reviewer on file (a 厅局（高校） not in
/// config/reviewers.toml), as the centre's page lists it: nobody is mailed until the notice's
/// 联系单位 confirms which reviewer acts and the operator adds it.
pub fn is_held(ctx: &Context, r: &Record) -> bool {
    r.status == Status::HrReview && !crate::workflow::hr_listed(ctx, r)
}

/// `records` oldest change first.
pub fn by_change(records: &mut [Record]) {
    records.sort_by(|a, b| a.updated_at.cmp(&b.updated_at));
}

/// An erasure request waiting for the centre: the application's row and when it was asked.
#[derive(Serialize)]
pub struct ErasureRequest {
    #[serde(flatten)]
    row: Row,
    /// When the applicant asked (Beijing time).
    requested: String,
}

/// The erasure requests the centre has not answered among `records`, oldest first.
pub fn erasure_requests(ctx: &Context, records: &[Record], same: &views::SameNumbers) -> Vec<ErasureRequest> {
    let mut pending: Vec<(&str, &Record)> =
        records.iter().filter_map(|r| r.erasure_pending().map(|at| (at, r))).collect();
    pending.sort_by(|a, b| a.0.cmp(b.0));
    pending
        .into_iter()
        .map(|(at, r)| ErasureRequest { row: row(ctx, &Audience::Centre, r, same), requested: views::chinese_time(at) })
        .collect()
}

/// Places used and available in one stream, for an audience.
#[derive(Serialize)]
pub struct QuotaLine {
    name: String,
    key: String,
    cap: u32,
    used: u32,
    mine: usize,
    of_league: bool,
}

/// Places used and available per stream, for this audience; `mine` counts the audience's own
/// applications that hold a place, by stream key.
pub async fn quota_lines(
    ctx: &Context,
    audience: &Audience,
    mine: &HashMap<String, usize>,
) -> Result<Vec<QuotaLine>, Error> {
    let p = &ctx.programme;
    let mut out = Vec::new();
    for stream in &p.streams {
        let slot = p.quota_slot(stream, audience.share_key());
        let used = ctx.store.quota_used(&slot.key.to_string()).await?;
        let mine = mine.get(&stream.key()).copied().unwrap_or(0);
        out.push(QuotaLine {
            name: stream.name.clone(),
            key: stream.key(),
            cap: slot.cap,
            used,
            mine,
            of_league: slot.key.is_league_share(),
        });
    }
    Ok(out)
}
