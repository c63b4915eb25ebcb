//! The centre's view of the 汇总表 each league and 厅局 has sent it: when, how many rows, and
//! whether its applications changed since.

use super::{Audience, plan};
use crate::store::Record;
use crate::workflow::{Context, Error};
use futures_util::future::join_all;
use policy::HrScope;
use serde::Serialize;
use std::collections::HashMap;

/// One HR scope's 汇总表 as the centre sees it.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct ScopeSent {
    /// The league or department.
    pub name: String,
    /// Applications of the scope now recommended (or decided by the centre).
    pub placed: usize,
    /// The last send, in Chinese, if any.
    pub at: Option<String>,
    /// Its rows.
    pub rows: usize,
    /// Its applications changed since (sending again would mail another table).
    pub changed: bool,
}

/// Every scope with applications or a send this round, in the programme's order of leagues,
/// then departments by name.
pub async fn scope_sends(ctx: &Context, records: &[Record]) -> Result<Vec<ScopeSent>, Error> {
    let p = &ctx.programme;
    let mut scopes: Vec<HrScope> = p.leagues.iter().map(|l| HrScope::League(l.code.clone())).collect();
    let mut departments: Vec<&String> = p.departments.names.iter().collect();
    departments.sort();
    scopes.extend(departments.into_iter().map(|d| HrScope::Department(d.clone())));
    // A scope's applications, confirmed ones only (HR sees no other); a scope that has none has
    // sent nothing either.
    let mut by_scope: HashMap<HrScope, Vec<&Record>> = HashMap::new();
    for r in records.iter().filter(|r| r.status != policy::Status::Unconfirmed) {
        by_scope.entry(r.scope()).or_default().push(r);
    }
    let scopes: Vec<(Audience, Vec<&Record>)> =
        scopes.into_iter().filter_map(|s| by_scope.remove(&s).map(|mine| (Audience::Hr(s), mine))).collect();
    let ids: Vec<String> = scopes.iter().map(|(a, _)| a.id()).collect();
    let lasts = join_all(ids.iter().map(|id| ctx.store.last_summary(p.round, id))).await;
    let mut out = Vec::new();
    for ((audience, mine), last) in scopes.into_iter().zip(lasts) {
        let sent = plan(mine, last?);
        out.push(ScopeSent {
            name: audience.name(p),
            placed: sent.rows.len(),
            at: sent.since.as_ref().map(|s| s.at.clone()),
            rows: sent.since.as_ref().map_or(0, |s| s.count),
            changed: sent.since.as_ref().is_none_or(|s| !s.is_empty()) && !sent.rows.is_empty(),
        });
    }
    Ok(out)
}
