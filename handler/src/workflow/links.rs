//! Signed links, one function per purpose with its own claims, built on the configured base URL
//! (never the request's Host).

use crate::AppState;
use policy::{Actor, ConfirmClaims, DashboardClaims, LinkClaims, ReviewClaims, StatusClaims, TokenError, UploadClaims};

/// How long a dashboard link works. Rotating the signing key (without keeping the old one in
/// `TEPEI_PREVIOUS_KEYS`) revokes every link at once.
pub const DASHBOARD_TTL: time::Duration = time::Duration::days(180);

/// How long an upload link works.
pub const UPLOAD_TTL: time::Duration = time::Duration::minutes(30);

fn sign<C: LinkClaims>(state: &AppState, claims: &C, ttl: time::Duration) -> String {
    state.settings.signer.sign(claims, (state.clock.now() + ttl).unix_timestamp())
}

/// `/status/{token}`: the applicant's link (valid across versions: it only shows).
pub fn status_path(state: &AppState, reference: &str) -> String {
    let claims = StatusClaims { reference: reference.to_owned() };
    format!("/status/{}", sign(state, &claims, state.settings.status_ttl))
}

/// `/confirm/{token}`: the new application's address confirmed (works while it may be confirmed).
pub fn confirm_path(state: &AppState, reference: &str) -> String {
    let claims = ConfirmClaims { reference: reference.to_owned() };
    let ttl = time::Duration::hours(i64::from(state.programme.confirm_hours));
    format!("/confirm/{}", sign(state, &claims, ttl))
}

/// `/review/{token}`: `stage`'s link to act on `version`.
pub fn review_path(state: &AppState, reference: &str, stage: Actor, version: u64) -> String {
    let claims = ReviewClaims { reference: reference.to_owned(), stage, version };
    format!("/review/{}", sign(state, &claims, state.settings.review_ttl))
}

/// `/dashboard/{token}` for a scope id.
pub fn dashboard_path(state: &AppState, scope: &str) -> String {
    let claims = DashboardClaims { scope: scope.to_owned() };
    format!("/dashboard/{}", sign(state, &claims, DASHBOARD_TTL))
}

/// `/api/uploads/local/{token}`: one upload under `serve`.
pub fn upload_path(state: &AppState, claims: &UploadClaims) -> String {
    format!("/api/uploads/local/{}", sign(state, claims, UPLOAD_TTL))
}

/// An absolute link to `path`.
pub fn absolute(state: &AppState, path: &str) -> String {
    state.settings.link(path)
}

/// Verifies a token of `C`'s purpose against the clock.
pub fn verify<C: LinkClaims>(state: &AppState, token: &str) -> Result<C, TokenError> {
    state.settings.signer.verify(token, state.clock.now().unix_timestamp())
}
