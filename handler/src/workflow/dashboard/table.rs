//! What a dashboard shows: the filters and sorting, a typed row per application, places used per
//! stream, and the centre's table by area.

use super::Audience;
use crate::store::Record;
use crate::views::{self, Bar};
use crate::workflow::Context;
use crate::workflow::{Error, links};
use policy::{Programme, Sector, Status};
use serde::{Deserialize, Serialize};

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
    /// `desc` for descending.
    #[serde(default)]
    pub order: String,
}

/// A checkbox: present and not empty.
fn flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(!String::deserialize(d)?.is_empty())
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
fn area_of(p: &Programme, r: &Record) -> (String, String) {
    match (&r.application.department, &r.application.league) {
        (Some(d), _) => ("region".to_owned(), format!("区直（{d}）")),
        (None, Some(l)) => (l.clone(), views::league_name(p, l)),
        (None, None) => (String::new(), String::new()),
    }
}

/// Applies the filters and the sort.
pub fn select<'a>(p: &Programme, records: &'a [Record], f: &Filters) -> Vec<&'a Record> {
    let mut shown: Vec<&Record> = records
        .iter()
        .filter(|r| f.status.is_empty() || r.status.code() == f.status)
        .filter(|r| f.stream.is_empty() || r.stream() == f.stream)
        .filter(|r| f.area.is_empty() || area_of(p, r).0 == f.area)
        .filter(|r| !f.grassroots || r.application.grassroots)
        .filter(|r| !f.private || r.application.sector == Sector::Private)
        .collect();
    match f.sort.as_str() {
        "name" => shown.sort_by(|a, b| a.application.name.cmp(&b.application.name)),
        "status" => shown.sort_by_key(|r| Status::ALL.iter().position(|s| *s == r.status)),
        "education" => shown.sort_by_key(|r| Programme::level_rank(&p.education_levels, &r.application.education)),
        "title" => shown.sort_by_key(|r| Programme::level_rank(&p.title_levels, &r.application.title_level)),
        "profession_start" => shown.sort_by_key(|r| r.application.profession_start),
        "birth" => shown.sort_by_key(|r| r.application.birth()),
        "area" => shown.sort_by_key(|r| area_of(p, r).1),
        _ => {} // submission time, as listed
    }
    if f.order == "desc" {
        shown.reverse();
    }
    shown
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
fn waits_for(audience: &Audience, r: &Record) -> bool {
    policy::reviewer_for(r.status) == Some(audience.actor())
}

/// The applications waiting for `audience` to act, oldest change first.
pub fn waiting<'a>(audience: &Audience, records: &'a [Record]) -> Vec<&'a Record> {
    let mut out: Vec<&Record> = records.iter().filter(|r| waits_for(audience, r)).collect();
    out.sort_by(|a, b| a.updated_at.cmp(&b.updated_at));
    out
}

/// The applications held at the HR stage for want of a reviewer on file (a 厅局（高校） not in
/// config/reviewers.toml), oldest change first, as the centre's page lists them: nobody is mailed
/// until the notice's 联系单位 confirms which reviewer acts and the operator adds it.
pub fn held(ctx: &Context, records: &[Record], same: &views::SameNumbers) -> Vec<Row> {
    let mut out: Vec<&Record> =
        records.iter().filter(|r| r.status == Status::HrReview && !crate::workflow::hr_listed(ctx, r)).collect();
    out.sort_by(|a, b| a.updated_at.cmp(&b.updated_at));
    out.into_iter().map(|r| row(ctx, &Audience::Centre, r, same)).collect()
}

/// An erasure request waiting for the centre: the application's row and when it was asked.
#[derive(Serialize)]
pub struct ErasureRequest {
    #[serde(flatten)]
    row: Row,
    /// When the applicant asked (Beijing time).
    requested: String,
}

/// The erasure requests the centre has not answered, oldest first.
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

/// Places used and available per stream, for this audience.
pub async fn quota_lines(ctx: &Context, audience: &Audience, records: &[Record]) -> Result<Vec<QuotaLine>, Error> {
    let p = &ctx.programme;
    let mut out = Vec::new();
    for stream in &p.streams {
        let slot = p.quota_slot(stream, audience.share_key());
        let used = ctx.store.quota_used(&slot.key.to_string()).await?;
        let mine = records.iter().filter(|r| r.stream() == stream.key() && r.status.holds_place()).count();
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

/// Places used in one stream in one area, against the area's cap where 附件1 gives one.
#[derive(Serialize)]
pub struct AreaCount {
    count: usize,
    cap: Option<u32>,
}

/// One area (league, or 区直) in the centre's table.
#[derive(Serialize)]
pub struct AreaRow {
    code: String,
    name: String,
    counts: Vec<AreaCount>,
    total: usize,
    submitted: usize,
}

/// Places used in one stream across the region, against its quota.
#[derive(Serialize)]
pub struct StreamTotal {
    name: String,
    count: usize,
    cap: u32,
}

/// The centre's table: places used per area and stream, with totals.
#[derive(Serialize)]
pub struct AreaTable {
    rows: Vec<AreaRow>,
    totals: Vec<StreamTotal>,
}

impl AreaTable {
    /// The table of `records`.
    pub fn of(p: &Programme, records: &[Record]) -> Self {
        let mut areas: Vec<(String, String)> = p.leagues.iter().map(|l| (l.code.clone(), l.name.clone())).collect();
        areas.push(("region".to_owned(), "区直单位".to_owned()));
        let placed = |r: &&Record, stream: &policy::Stream| r.stream() == stream.key() && r.status.holds_place();
        let rows = areas
            .into_iter()
            .map(|(code, name)| {
                let in_area: Vec<&Record> = records.iter().filter(|r| area_of(p, r).0 == code).collect();
                let counts: Vec<AreaCount> = p
                    .streams
                    .iter()
                    .map(|s| AreaCount {
                        count: in_area.iter().filter(|r| placed(r, s)).count(),
                        cap: p.league_cap(s, &code),
                    })
                    .collect();
                let total = counts.iter().map(|c| c.count).sum();
                AreaRow { submitted: in_area.len(), code, name, counts, total }
            })
            .collect();
        let totals = p
            .streams
            .iter()
            .map(|s| StreamTotal {
                name: s.name.clone(),
                count: records.iter().filter(|r| placed(r, s)).count(),
                cap: s.quota,
            })
            .collect();
        AreaTable { rows, totals }
    }

    /// Bars of places used per area.
    pub fn area_bars(&self) -> Vec<Bar> {
        self.rows.iter().map(|r| (r.name.clone(), r.total, None)).collect()
    }

    /// Bars of places used per stream, against each quota.
    pub fn stream_bars(&self) -> Vec<Bar> {
        self.totals.iter().map(|t| (t.name.clone(), t.count, Some(t.cap))).collect()
    }

    /// `(code, name)` of every area, for the filter.
    pub fn areas(&self) -> Vec<(&str, &str)> {
        self.rows.iter().map(|r| (r.code.as_str(), r.name.as_str())).collect()
    }
}
