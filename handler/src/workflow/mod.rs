//! What tepei does, apart from HTTP: submissions, decisions and resubmissions (one state
//! machine, one apply step), links with typed claims, every mail, dashboards, paper check codes,
//! uploads and rate limits. Nothing here imports axum, an adapter or the assembly: it works
//! through the [`Context`] it is given.

mod context;
pub mod dashboard;
pub mod decide;
pub mod documents;
pub mod draft;
pub mod erasure;
mod error;
pub mod limits;
pub mod links;
pub mod mydata;
pub mod notify;
pub mod numbers;
pub mod paper;
pub mod proof;
pub mod purge;
pub mod rekey;
pub mod resend;
pub mod submit;
pub mod uploads;

pub use context::Context;
pub use error::Error;

use crate::store::{Event, Record};
use policy::Actor;

/// An application and its events, or why not.
pub async fn load(ctx: &Context, reference: &str) -> Result<(Record, Vec<Event>), Error> {
    let record = ctx.store.get(reference).await?.ok_or(Error::NotFound)?;
    let events = ctx.store.events(reference).await?;
    Ok((record, events))
}

/// The keyed hash of a client address, for the audit trail (never the address itself).
pub fn client_hash(ctx: &Context, client: &str) -> String {
    policy::keyed_hash(&ctx.settings.secret, &["client", client])
}

/// The address of whoever acts as `actor` on `record`; `None` at the HR stage of a 厅局（高校）
/// with no reviewer on file (see [`hr_listed`]).
pub fn actor_address(ctx: &Context, actor: Actor, record: &Record) -> Option<String> {
    match actor {
        Actor::Applicant => Some(record.application.email.to_string()),
        Actor::Unit => Some(record.application.unit_reviewer_email.to_string()),
        Actor::Hr => ctx.reviewers.hr(record.scope().key()).map(ToString::to_string),
        Actor::Centre => Some(ctx.reviewers.centre().to_string()),
    }
}

/// Whether `record`'s HR stage has a reviewer on file in config/reviewers.toml. A 厅局（高校）
/// the applicant named that is not there has none: after the unit's approval the application is
/// held at the HR stage and nobody is mailed — neither the centre nor any address the applicant
/// gives — until the notice's 联系单位 (专业技术人员管理处) confirms which reviewer acts and the
/// operator adds it (this site's arrangement). The centre's dashboard lists those held.
pub fn hr_listed(ctx: &Context, record: &Record) -> bool {
    ctx.reviewers.hr(record.scope().key()).is_some()
}

/// Who reviews `record` after its unit, in words; marked while no reviewer is on file.
pub fn hr_name(ctx: &Context, record: &Record) -> String {
    let name = record.scope().reviewer_name(&ctx.programme);
    if hr_listed(ctx, record) {
        name
    } else {
        format!("{name}（不在本站登记的审核单位中，待确认，本站设置）")
    }
}

/// Refuses `actor`'s step outside their stage: before the window opens, or after the stage's
/// close (`what` names what was refused: 申报表, 修改, 审核).
pub fn stage_open(ctx: &Context, actor: Actor, what: &str) -> Result<(), Error> {
    let p = &ctx.programme;
    if p.stage_open_at(actor, ctx.clock.now()) {
        return Ok(());
    }
    let message = match p.stage_closes(actor) {
        Some(close) if ctx.clock.now() >= close => {
            format!("{}已于{}截止（本站设置），{what}未被受理。", actor.stage_name(), theme::before_text(close))
        }
        _ => format!("现在不在申报时间内，{what}未被受理。"),
    };
    Err(Error::Closed(message))
}

/// Who is told when an application in `status` is withdrawn: the reviewer whose turn it was, and
/// for a recommendation the body that made it (its place is freed).
pub fn told_of_withdrawal(status: policy::Status) -> Option<Actor> {
    policy::reviewer_for(status).map(|r| if status.holds_place() { r.previous().unwrap_or(r) } else { r })
}
