//! The mails of an erasure: to the applicant when it is done, to the centre when one is asked.

use super::{TO_APPLICANT, TO_CENTRE_REVIEWER, compose};
use crate::store::{Mail, Record};
use crate::views;
use crate::workflow::{Context, Error, links};
use policy::Actor;
use serde::Serialize;

/// What the mail telling the applicant of an erasure shows.
#[derive(Serialize)]
struct Erased<'a> {
    reference: &'a str,
    when: String,
    by: String,
    may_apply: bool,
    deadline: String,
    contact: String,
    issuer: &'a str,
}

/// To the applicant's (proven) address: the application and its personal data are erased, by the
/// applicant (删除我的申报) or by the centre at their request.
pub fn erased(ctx: &Context, record: &Record, by: Actor) -> Result<Mail, Error> {
    let p = &ctx.programme;
    let reference = &record.reference;
    let close = p.stage_closes(Actor::Applicant);
    let context = Erased {
        reference,
        when: views::chinese_time(&views::rfc3339(ctx.clock.now())),
        by: match by {
            Actor::Centre => format!("应您的删除申请，由{}的账号代为处理（本站设置）", p.centre.name),
            _ => "按您在本站“删除我的申报”中的操作".to_owned(),
        },
        may_apply: close.is_some_and(|c| c > ctx.clock.now()),
        deadline: close.map(theme::before_text).unwrap_or_default(),
        contact: p.contact.line(&p.notice_issuer),
        issuer: &p.notice_issuer,
    };
    let subject = format!("【特培申报】您的申报及个人信息已删除 {reference}");
    compose(ctx, "erased_applicant", record.application.email.as_str(), TO_APPLICANT, subject, reference, &context)
}

/// What the centre's mail about an erasure request shows (no personal data: the reference and
/// its status).
#[derive(Serialize)]
struct ErasureRequested<'a> {
    reference: &'a str,
    status_label: &'static str,
    when: String,
    dashboard_url: String,
    days: i64,
    issuer: &'a str,
}

/// To the centre's reviewer address: an applicant asked for erasure after the decision; the
/// request waits on its dashboard.
pub fn erasure_requested(ctx: &Context, record: &Record) -> Result<Mail, Error> {
    let reference = &record.reference;
    let context = ErasureRequested {
        reference,
        status_label: record.status.label(),
        when: views::chinese_time(&views::rfc3339(ctx.clock.now())),
        dashboard_url: links::absolute(ctx, &links::dashboard_path(ctx, "centre")),
        days: links::DASHBOARD_TTL.whole_days(),
        issuer: &ctx.programme.notice_issuer,
    };
    let subject = format!("【特培申报】删除个人信息的申请待处理 {reference}");
    compose(ctx, "erasure_requested", ctx.reviewers.centre().as_str(), TO_CENTRE_REVIEWER, subject, reference, &context)
}
