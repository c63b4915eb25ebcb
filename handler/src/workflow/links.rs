//! Signed links, one function per purpose with its own claims, built on the configured base URL
//! (never the request's Host).

use crate::store::Record;
use crate::workflow::{Context, actor_address};
use policy::{
    Actor, ConfirmClaims, DashboardClaims, IssuedTo, LinkClaims, ReviewClaims, StatusClaims, TokenError, UploadClaims,
};

/// How long a dashboard link works. Rotating the signing key (without keeping the old one in
/// `TEPEI_PREVIOUS_KEYS`) revokes every link at once.
pub const DASHBOARD_TTL: time::Duration = time::Duration::days(180);

/// How long an upload link works.
pub const UPLOAD_TTL: time::Duration = time::Duration::minutes(30);

fn sign<C: LinkClaims>(ctx: &Context, claims: &C, ttl: time::Duration) -> String {
    ctx.settings.signer.sign(claims, (ctx.clock.now() + ttl).unix_timestamp())
}

/// `/status/{token}`: the applicant's link (valid across versions: it only shows).
pub fn status_path(ctx: &Context, record: &Record) -> String {
    let claims = StatusClaims { reference: record.reference.clone(), mailbox: mailbox_tag(ctx, record) };
    format!("/status/{}", sign(ctx, &claims, ctx.settings.status_ttl))
}

/// The tag a status link carries of the applicant's proven mailbox: a keyed hash, so the link
/// says nothing of the address, and a new address proven retires every link made before.
pub fn mailbox_tag(ctx: &Context, record: &Record) -> u64 {
    let hash = policy::keyed_hash(&ctx.settings.secret, &["status-mailbox", &record.application.email.mailbox()]);
    u64::from_str_radix(&hash[..12], 16).unwrap_or(0)
}

/// Whether a status link with `claims` still stands for `record`: made for its proven mailbox
/// (an erased record's link still opens, to say it was erased).
pub fn status_stands(ctx: &Context, claims: &StatusClaims, record: &Record) -> bool {
    record.erased_at.is_some() || claims.mailbox == mailbox_tag(ctx, record)
}

/// `/confirm/{token}`: the page where the browser that submitted types the 邮箱验证码 of
/// `generation` (works while the application may be confirmed). Never mailed.
pub fn confirm_path(ctx: &Context, reference: &str, generation: u64) -> String {
    let claims = ConfirmClaims { reference: reference.to_owned(), generation };
    let ttl = time::Duration::hours(i64::from(ctx.programme.confirm_hours));
    format!("/confirm/{}", sign(ctx, &claims, ttl))
}

/// `/review/{token}`: `stage`'s link to act on `version` of `record`, issued to the stage's
/// audience and reviewer as the record names them now.
pub fn review_path(ctx: &Context, record: &Record, stage: Actor, version: u64) -> String {
    let issued_to = Some(issued_to(ctx, stage, record));
    let claims = ReviewClaims { reference: record.reference.clone(), stage, version, issued_to };
    format!("/review/{}", sign(ctx, &claims, ctx.settings.review_ttl))
}

/// Whom `stage`'s link on `record` is for: the audience (for HR the scope's id, which is also
/// its dashboard's; for the unit and the centre the stage) and the reviewer's address, hashed.
fn issued_to(ctx: &Context, stage: Actor, record: &Record) -> IssuedTo {
    let audience = match stage {
        Actor::Hr => record.scope().link_id(),
        other => other.code().to_owned(),
    };
    let address = actor_address(ctx, stage, record).unwrap_or_default();
    IssuedTo { audience, recipient: IssuedTo::recipient_hash(&ctx.settings.secret, &address) }
}

/// Where a review link stands against its record as it is now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Issued for the record's version: the reviewer may read the application and act.
    Current,
    /// Its version has passed: it shows who decided and when, and nothing else.
    Passed,
}

/// Why a review link no longer opens its application.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Signed before links said whom they were for: a fresh one can be asked for.
    Outdated,
    /// The application now goes to another league, department or stage's audience.
    Reassigned,
    /// The stage's reviewer is no longer the address the link was sent to.
    ReviewerChanged,
}

/// The one check of a verified review link against its record: its audience must still be the
/// record's for that stage, and its recipient the stage's reviewer; then it is current or passed.
pub fn review_standing(ctx: &Context, claims: &ReviewClaims, record: &Record) -> Result<Standing, Refused> {
    let Some(to) = &claims.issued_to else { return Err(Refused::Outdated) };
    let now = issued_to(ctx, claims.stage, record);
    if to.audience != now.audience {
        return Err(Refused::Reassigned);
    }
    if to.recipient != now.recipient {
        return Err(Refused::ReviewerChanged);
    }
    Ok(if record.acts_at(claims.version, claims.stage) { Standing::Current } else { Standing::Passed })
}

/// The dashboard a review link leads back to: only ever its own audience's (HR and the centre).
pub fn review_dashboard_path(ctx: &Context, claims: &ReviewClaims) -> Option<String> {
    let to = claims.issued_to.as_ref()?;
    matches!(claims.stage, Actor::Hr | Actor::Centre).then(|| dashboard_path(ctx, &to.audience))
}

/// `/dashboard/{token}` for a scope id.
pub fn dashboard_path(ctx: &Context, scope: &str) -> String {
    let claims = DashboardClaims { scope: scope.to_owned() };
    format!("/dashboard/{}", sign(ctx, &claims, DASHBOARD_TTL))
}

/// `/api/uploads/local/{token}`: one upload under `serve`.
pub fn upload_path(ctx: &Context, claims: &UploadClaims) -> String {
    format!("/api/uploads/local/{}", sign(ctx, claims, UPLOAD_TTL))
}

/// The 6-digit 邮箱验证码 of `generation` that proves `address` for application `reference`:
/// derived with the hash key, so it is never stored, and another address or another code's
/// page never accepts it.
pub fn confirm_code(ctx: &Context, reference: &str, address: &str, generation: u64) -> String {
    let address = address.trim().to_ascii_lowercase();
    let hash =
        policy::keyed_hash(&ctx.settings.secret, &["confirm-code", reference, &address, &generation.to_string()]);
    let number = u64::from_str_radix(&hash[..12], 16).unwrap_or_default() % 1_000_000;
    format!("{number:06}")
}

/// An absolute link to `path`.
pub fn absolute(ctx: &Context, path: &str) -> String {
    ctx.settings.link(path)
}

/// Verifies a token of `C`'s purpose against the clock.
pub fn verify<C: LinkClaims>(ctx: &Context, token: &str) -> Result<C, TokenError> {
    ctx.settings.signer.verify(token, ctx.clock.now().unix_timestamp())
}
