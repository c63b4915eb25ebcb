//! Signed links, one function per purpose with its own claims, built on the configured base URL
//! (never the request's Host).

use crate::workflow::Context;
use policy::{Actor, ConfirmClaims, DashboardClaims, LinkClaims, ReviewClaims, StatusClaims, TokenError, UploadClaims};

/// How long a dashboard link works. Rotating the signing key (without keeping the old one in
/// `TEPEI_PREVIOUS_KEYS`) revokes every link at once.
pub const DASHBOARD_TTL: time::Duration = time::Duration::days(180);

/// How long an upload link works.
pub const UPLOAD_TTL: time::Duration = time::Duration::minutes(30);

fn sign<C: LinkClaims>(ctx: &Context, claims: &C, ttl: time::Duration) -> String {
    ctx.settings.signer.sign(claims, (ctx.clock.now() + ttl).unix_timestamp())
}

/// `/status/{token}`: the applicant's link (valid across versions: it only shows).
pub fn status_path(ctx: &Context, reference: &str) -> String {
    let claims = StatusClaims { reference: reference.to_owned() };
    format!("/status/{}", sign(ctx, &claims, ctx.settings.status_ttl))
}

/// `/confirm/{token}`: the page where the browser that submitted types the 邮箱验证码 of
/// `generation` (works while the application may be confirmed). Never mailed.
pub fn confirm_path(ctx: &Context, reference: &str, generation: u64) -> String {
    let claims = ConfirmClaims { reference: reference.to_owned(), generation };
    let ttl = time::Duration::hours(i64::from(ctx.programme.confirm_hours));
    format!("/confirm/{}", sign(ctx, &claims, ttl))
}

/// `/review/{token}`: `stage`'s link to act on `version`.
pub fn review_path(ctx: &Context, reference: &str, stage: Actor, version: u64) -> String {
    let claims = ReviewClaims { reference: reference.to_owned(), stage, version };
    format!("/review/{}", sign(ctx, &claims, ctx.settings.review_ttl))
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
