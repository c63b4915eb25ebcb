//! The centre's view of the 汇总表 each league and 厅局 has sent it: when, how many rows, and
//! whether its applications changed since.

use super::{Audience, Folded, plan};
use crate::store::{Record, SummarySent};
use crate::workflow::{Context, Error};
use futures_util::future::join_all;
use policy::HrScope;
use serde::Serialize;

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

/// Each scope's last 汇总表 sent this round, in the programme's order of leagues, then
/// departments by name.
pub async fn last_sends(ctx: &Context) -> Result<Vec<(HrScope, Option<SummarySent>)>, Error> {
    let p = &ctx.programme;
    let mut scopes: Vec<HrScope> = p.leagues.iter().map(|l| HrScope::League(l.code.clone())).collect();
    let mut departments: Vec<&String> = p.departments.names.iter().collect();
    departments.sort();
    scopes.extend(departments.into_iter().map(|d| HrScope::Department(d.clone())));
    let ids: Vec<String> = scopes.iter().map(|s| Audience::Hr(s.clone()).id()).collect();
    let lasts = join_all(ids.iter().map(|id| ctx.store.last_summary(p.round, id))).await;
    scopes.into_iter().zip(lasts).map(|(s, last)| Ok((s, last?))).collect()
}

/// Every scope with a confirmed application this round (a scope that has none has sent
/// nothing either), against its last send: `folded` holds the applications holding a place and
/// those the last sends name.
pub fn scope_sends(ctx: &Context, lasts: Vec<(HrScope, Option<SummarySent>)>, folded: &Folded) -> Vec<ScopeSent> {
    let p = &ctx.programme;
    lasts
        .into_iter()
        .filter(|(scope, _)| folded.scopes.contains(scope))
        .map(|(scope, last)| {
            let mine = folded.for_sends.iter().filter(|r: &&Record| r.scope() == scope);
            let sent = plan(mine, last);
            ScopeSent {
                name: Audience::Hr(scope).name(p),
                placed: sent.rows.len(),
                at: sent.since.as_ref().map(|s| s.at.clone()),
                rows: sent.since.as_ref().map_or(0, |s| s.count),
                changed: sent.since.as_ref().is_none_or(|s| !s.is_empty()) && !sent.rows.is_empty(),
            }
        })
        .collect()
}
