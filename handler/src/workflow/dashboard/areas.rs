//! The centre's table: places used per area and stream, counted one application at a time.

use super::table::area_of;
use crate::store::Record;
use crate::views::Bar;
use policy::Programme;
use serde::Serialize;

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
    /// Each stream's key, in the order of `counts` and `totals`.
    #[serde(skip)]
    streams: Vec<String>,
}

impl AreaTable {
    /// The table with nothing counted yet: every league, then 区直单位, and every stream.
    pub fn new(p: &Programme) -> Self {
        let mut areas: Vec<(String, String)> = p.leagues.iter().map(|l| (l.code.clone(), l.name.clone())).collect();
        areas.push(("region".to_owned(), "区直单位".to_owned()));
        let rows = areas
            .into_iter()
            .map(|(code, name)| AreaRow {
                counts: p.streams.iter().map(|s| AreaCount { count: 0, cap: p.league_cap(s, &code) }).collect(),
                code,
                name,
                total: 0,
                submitted: 0,
            })
            .collect();
        let totals = p.streams.iter().map(|s| StreamTotal { name: s.name.clone(), count: 0, cap: s.quota }).collect();
        AreaTable { rows, totals, streams: p.streams.iter().map(policy::Stream::key).collect() }
    }

    /// Counts `r`: submitted in its area, and a place in its stream when it holds one.
    pub fn add(&mut self, p: &Programme, r: &Record) {
        let stream = r.stream();
        let placed = r.status.holds_place().then(|| self.streams.iter().position(|s| *s == stream)).flatten();
        let area = area_of(p, r).0;
        if let Some(row) = self.rows.iter_mut().find(|row| row.code == area) {
            row.submitted += 1;
            if let Some(i) = placed {
                row.counts[i].count += 1;
                row.total += 1;
            }
        }
        if let Some(i) = placed {
            self.totals[i].count += 1;
        }
    }

    /// The table of `records`.
    pub fn of(p: &Programme, records: &[Record]) -> Self {
        let mut table = Self::new(p);
        records.iter().for_each(|r| table.add(p, r));
        table
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
