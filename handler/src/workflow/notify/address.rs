//! The mails about an applicant's address: the 邮箱验证码 to an address not yet proven (a new
//! application's, or a new one a resubmission gave), the status link once a new one is proven,
//! and the word to the proven address that a change was asked for, and that it took effect.

use super::{TO_APPLICANT, TO_UNCONFIRMED, compose, link_because};
use crate::store::{Mail, PendingAddress, Record};
use crate::workflow::{Context, Error, links};
use policy::Actor;
use serde::Serialize;

/// What the confirmation mail shows: no text the applicant typed, since the address is not yet
/// known to be theirs.
#[derive(Serialize)]
struct ToConfirm<'a> {
    reference: &'a str,
    code: String,
    hours: u32,
    issuer: &'a str,
    /// A new address given in a resubmission (not a new application).
    change: bool,
}

/// The 邮箱验证码 of `generation` for a new application, to the address it gives: the code and
/// the reference, and nothing that opens the application (the code is typed in the browser that
/// submitted). Nobody else is mailed until it is confirmed.
pub fn to_confirm(ctx: &Context, record: &Record, generation: u64) -> Result<Mail, Error> {
    code_mail(ctx, record, record.application.email.as_str(), generation, false)
}

/// The 邮箱验证码 of `generation` for a new address given in a resubmission, to that address: the
/// code and the reference only. Mail keeps going to the proven address until it is typed.
pub fn to_prove(ctx: &Context, record: &Record, pending: &PendingAddress, generation: u64) -> Result<Mail, Error> {
    code_mail(ctx, record, &pending.email, generation, true)
}

fn code_mail(ctx: &Context, record: &Record, to: &str, generation: u64, change: bool) -> Result<Mail, Error> {
    let p = &ctx.programme;
    let reference = &record.reference;
    let context = ToConfirm {
        reference,
        code: links::confirm_code(ctx, reference, to, generation),
        hours: p.confirm_hours,
        issuer: &p.notice_issuer,
        change,
    };
    let subject = format!("【特培申报】邮箱验证码（申报编号 {reference}）");
    compose(ctx, "confirm_applicant", to, TO_UNCONFIRMED, subject, reference, &context)
}

/// A new applicant address proven: the status link goes there.
pub fn address_proven(ctx: &Context, record: &Record) -> Result<Mail, Error> {
    let to = record.application.email.to_string();
    let path = links::status_path(ctx, record);
    let intro = format!(
        "申报 {} 的申报人邮箱已改为本邮箱：验证码已输入，此后这份申报的通知和进度查询链接都发送到这里。",
        record.reference
    );
    link_because(ctx, record, (&to, Actor::Applicant), "新邮箱已验证，查看申报进度", &path, Some(intro))
}

/// What the proven address is told of a change asked for: the reference, the new address
/// masked, and what to do; nothing that opens the application.
#[derive(Serialize)]
struct ChangeAsked<'a> {
    reference: &'a str,
    masked: String,
    issuer: &'a str,
    contact: String,
}

/// `n***@example.com`: enough to recognise one's own new address, not to read a stranger's.
fn masked(address: &str) -> String {
    match address.rsplit_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_owned(),
    }
}

/// To the proven applicant address: a new address (`pending`) was given for the application and
/// waits for its code; mail stays here until it is typed. No link: if it was not the applicant,
/// someone holds their status link, and a link would only lead there again.
pub fn address_change_asked(ctx: &Context, record: &Record, pending: &PendingAddress) -> Result<Mail, Error> {
    let p = &ctx.programme;
    let reference = &record.reference;
    let context = ChangeAsked {
        reference,
        masked: masked(&pending.email),
        issuer: &p.notice_issuer,
        contact: p.contact.line(&p.notice_issuer),
    };
    let to = record.application.email.as_str();
    let subject = format!("【特培申报】申报人邮箱变更待验证（申报编号 {reference}）");
    compose(ctx, "address_change", to, TO_APPLICANT, subject, reference, &context)
}

/// To the address a proven new one replaced (`was`): the change took effect and mail goes to
/// the new address (masked) from now on. No link, as with the word that it was asked for.
pub fn address_changed(ctx: &Context, was: &Record, now: &Record) -> Result<Mail, Error> {
    let p = &ctx.programme;
    let reference = &was.reference;
    let context = ChangeAsked {
        reference,
        masked: masked(now.application.email.as_str()),
        issuer: &p.notice_issuer,
        contact: p.contact.line(&p.notice_issuer),
    };
    let subject = format!("【特培申报】申报人邮箱已变更（申报编号 {reference}）");
    compose(ctx, "address_changed", was.application.email.as_str(), TO_APPLICANT, subject, reference, &context)
}
