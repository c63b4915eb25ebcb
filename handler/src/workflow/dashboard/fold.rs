//! A dashboard page's figures, folded a store page at a time: the process keeps counts, the one
//! list page asked for, and the few applications the page names (waiting for this reviewer, held,
//! asked to be erased, in a 汇总表 sent), never every application of the round. At 100,000
//! applications the centre's page holds a few hundred records and a compact line per number.

use super::table::{SortKey, is_held, matches, sort_key, waits_for};
use super::{AreaTable, Audience, Filters};
use crate::store::{NumberUse, Record, SummarySent};
use crate::workflow::{Context, Error};
use policy::Status;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

/// What a dashboard page shows, folded over its audience's applications.
#[derive(Default)]
pub struct Folded {
    /// Applications the audience sees.
    pub total: usize,
    /// Those passing the filters.
    pub matched: usize,
    /// The list page's rows, in the sort asked for (its page number as asked, clamped by the caller).
    pub rows: Vec<Record>,
    /// Waiting for this audience, oldest change first.
    pub waiting: Vec<Record>,
    /// The audience's applications holding a place, by stream key.
    pub placed: HashMap<String, usize>,
    /// The centre's table by area (the centre only).
    pub areas: Option<AreaTable>,
    /// Held for want of a reviewer on file (the centre only), oldest change first.
    pub held: Vec<Record>,
    /// With an erasure request unanswered (the centre only).
    pub erasure: Vec<Record>,
    /// Every application's number, for the others of a number (the centre only: its list is the
    /// whole round).
    pub numbers: Vec<NumberUse>,
    /// What the centre's table of 汇总表 sent needs (the centre only): the applications holding a
    /// place or named by a last send, and every scope with a confirmed application.
    pub for_sends: Vec<Record>,
    /// Every scope with a confirmed application (the centre only).
    pub scopes: HashSet<policy::HrScope>,
    /// The applications whose references the page was asked about (after an action).
    pub named: Vec<Record>,
}

/// What to fold for.
pub struct Asked<'a> {
    /// The filters and sort of the list.
    pub filters: &'a Filters,
    /// The list page, from 1.
    pub page: usize,
    /// Rows on a list page.
    pub page_size: usize,
    /// References the page names after an action (paper recorded, voided, erased, declined).
    pub named: &'a [&'a str],
    /// The last 汇总表 each scope sent (the centre only).
    pub lasts: &'a [(policy::HrScope, Option<SummarySent>)],
}

/// One list row's place in the sort: by key, then the listing's order; reversed for `desc`.
struct Ranked {
    key: SortKey,
    seq: usize,
    desc: bool,
    record: Record,
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> Ordering {
        let up = self.key.cmp(&other.key).then(self.seq.cmp(&other.seq));
        if self.desc { up.reverse() } else { up }
    }
}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}

/// Folds the audience's applications of this round (HR: confirmed ones; the centre: every one),
/// read a store page at a time, into what the page shows.
pub async fn fold(ctx: &Context, audience: &Audience, asked: &Asked<'_>) -> Result<Folded, Error> {
    let p = &ctx.programme;
    let centre = *audience == Audience::Centre;
    let in_sends: HashSet<&str> = asked
        .lasts
        .iter()
        .flat_map(|(_, l)| l.iter().flat_map(|l| l.rows.iter().map(|r| r.reference.as_str())))
        .collect();
    // The page number comes from the address: the heap grows with what matches, never with it.
    let keep = asked.page.max(1).saturating_mul(asked.page_size);
    let desc = asked.filters.order == "desc";
    let mut out = Folded { areas: centre.then(|| AreaTable::new(p)), ..Folded::default() };
    let mut list: BinaryHeap<Ranked> = BinaryHeap::new();
    super::visit(ctx, audience, |r| {
        let seq = out.total;
        out.total += 1;
        if r.status.holds_place() {
            *out.placed.entry(r.stream()).or_default() += 1;
        }
        if let Some(areas) = out.areas.as_mut() {
            areas.add(p, &r);
            let (id_hash, reference, status, stream) = (r.id_hash.clone(), r.reference.clone(), r.status, r.stream());
            out.numbers.push(NumberUse { id_hash, reference, status, stream });
            if r.status != Status::Unconfirmed {
                out.scopes.insert(r.scope());
            }
        }
        let r = slim(r);
        if asked.named.contains(&r.reference.as_str()) {
            out.named.push(r.clone());
        }
        if waits_for(audience, &r) {
            out.waiting.push(r.clone());
        }
        if centre && is_held(ctx, &r) {
            out.held.push(r.clone());
        }
        if centre && r.erasure_pending().is_some() {
            out.erasure.push(r.clone());
        }
        let sent = r.status.holds_place() || in_sends.contains(r.reference.as_str());
        if centre && sent && r.status != Status::Unconfirmed {
            out.for_sends.push(r.clone());
        }
        if matches(p, &r, asked.filters) {
            out.matched += 1;
            list.push(Ranked { key: sort_key(p, &r, asked.filters), seq, desc, record: r });
            if list.len() > keep {
                list.pop();
            }
        }
    })
    .await?;
    let skip = (asked.page.max(1) - 1).saturating_mul(asked.page_size);
    out.rows = list.into_sorted_vec().into_iter().skip(skip).map(|x| x.record).collect();
    super::table::by_change(&mut out.waiting);
    super::table::by_change(&mut out.held);
    Ok(out)
}

/// `record` without what a dashboard page never shows: school, major, title name, county,
/// profession, host institution, plan, files.
fn slim(mut record: Record) -> Record {
    let a = &mut record.application;
    for text in [&mut a.school, &mut a.major, &mut a.title_name, &mut a.county, &mut a.profession] {
        *text = String::new();
    }
    (a.host_institution, a.plan) = (String::new(), String::new());
    (record.attachments, record.upload_claims) = (Vec::new(), Vec::new());
    record
}
