//! Mail a stranger can ask for — a link sent again, dashboard links — sent through one step ([`send_again`]): at most once per ten minutes per
//! subject, only ever to an address already on file, and the same answer whether or not
//! anything was sent.

use super::dashboard::{self, Audience};
use super::limits::{self, MAIL_PER_RECIPIENT};
use super::notify::{self, DashboardLink};
use super::{Context, Error, actor_address, links};
use crate::store::{Mail, Record};
use policy::{Actor, ReviewClaims};

/// Queues the mail `compose` makes and hands it to delivery, unless one went for `subject` in
/// the last ten minutes. Returns whether it was sent.
pub async fn send_again(
    ctx: &Context,
    subject: &str,
    compose: impl FnOnce() -> Result<Mail, Error>,
) -> Result<bool, Error> {
    if !limits::allow(ctx, MAIL_PER_RECIPIENT, subject).await? {
        return Ok(false);
    }
    let mails = [compose()?];
    ctx.store.enqueue(&mails).await?;
    ctx.mail_queued(&mails).await;
    Ok(true)
}

/// Which application a lost status link is asked for: by its 申报编号, or, when that mail was
/// lost too, by the 身份证号 it was made with.
pub enum Asked<'a> {
    /// The 申报编号 as typed.
    Reference(&'a str),
    /// The 身份证号: every application of this round with it.
    IdNumber(&'a policy::IdNumber),
}

/// The status link of the application(s) asked for, mailed again to the applicant's address of
/// each one whose address is `email`.
pub async fn status_link(ctx: &Context, asked: Asked<'_>, email: &str) -> Result<(), Error> {
    let references = match asked {
        Asked::Reference(reference) => {
            let plausible = reference.len() <= 20 && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if plausible { vec![reference.to_owned()] } else { Vec::new() }
        }
        Asked::IdNumber(id_number) => {
            ctx.store.by_number(ctx.programme.round, &super::numbers::number_hash(ctx, id_number)).await?
        }
    };
    for reference in references {
        if let Some(record) = ctx.store.get(&reference).await? {
            status_link_of(ctx, record, email).await?;
        }
    }
    Ok(())
}

/// [`status_link`] for one application.
async fn status_link_of(ctx: &Context, record: Record, email: &str) -> Result<(), Error> {
    // Nothing is mailed for an erased record (its address reads as erased, and could be typed).
    if record.erased_at.is_some() || !record.application.email.as_str().eq_ignore_ascii_case(email) {
        return Ok(());
    }
    // Only a proven address gets the link: an application never confirmed gets nothing.
    let events = ctx.store.events(&record.reference).await?;
    if !events.iter().any(|e| e.kind == policy::EventKind::Confirmed) {
        return Ok(());
    }
    let path = links::status_path(ctx, &record);
    let to = record.application.email.to_string();
    let compose = || notify::link_again(ctx, &record, (&to, Actor::Applicant), "查看申报进度", &path);
    if send_again(ctx, &format!("status:{}", record.reference), compose).await? {
        tracing::info!(reference = %record.reference, "status link sent again");
    }
    Ok(())
}

/// A fresh review link for the stage an expired one was issued for, mailed to that stage's
/// reviewer on file.
pub async fn review_link(ctx: &Context, claims: &ReviewClaims) -> Result<(), Error> {
    let Some(record): Option<Record> = ctx.store.get(&claims.reference).await?.filter(|r| r.erased_at.is_none()) else {
        return Ok(());
    };
    let Some(to) = actor_address(ctx, claims.stage, &record) else { return Ok(()) };
    let path = links::review_path(ctx, &record, claims.stage, record.version);
    let compose = || notify::link_again(ctx, &record, (&to, claims.stage), "查看申报表并审核", &path);
    let subject = format!("renew:{}:{}", record.reference, claims.stage.code());
    if send_again(ctx, &subject, compose).await? {
        tracing::info!(reference = %record.reference, stage = claims.stage.code(), "review link renewed");
    }
    Ok(())
}

/// Mails the dashboard links of a configured address to that address; does nothing for any
/// other address, so the answer never tells which are configured.
pub async fn dashboard_links(ctx: &Context, email: &str) -> Result<(), Error> {
    let audiences: Vec<Audience> = dashboard::audiences_of(ctx, email);
    if audiences.is_empty() {
        return Ok(());
    }
    let p = &ctx.programme;
    let links: Vec<DashboardLink> = audiences
        .iter()
        .map(|a| DashboardLink { name: a.name(p), link: links::absolute(ctx, &links::dashboard_path(ctx, &a.id())) })
        .collect();
    let compose = || notify::dashboard_links(ctx, email, &links);
    if send_again(ctx, &format!("dashboard:{email}"), compose).await? {
        tracing::info!(scopes = audiences.len(), "dashboard link sent");
    }
    Ok(())
}
