//! Security headers on every response.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// No inline script or style, nothing from another origin, never framed.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// [`CSP`], letting scripts also reach `upload_origin` (the bucket that takes presigned POSTs).
pub fn csp(upload_origin: Option<&str>) -> HeaderValue {
    let policy = match upload_origin {
        Some(origin) => CSP.replace("connect-src 'self'", &format!("connect-src 'self' {origin}")),
        None => CSP.to_owned(),
    };
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(CSP))
}

/// What [`security_headers`] adds that depends on the deployment.
#[derive(Clone)]
pub struct Policy {
    /// From [`csp`].
    pub csp: HeaderValue,
    /// Browsers are told to use HTTPS only (the public base URL is https).
    pub hsts: bool,
}

/// A year of HTTPS only, for the host alone (other hosts of the domain are not ours to bind).
pub const HSTS: &str = "max-age=31536000";

/// Adds the security headers unless a route already set them.
pub async fn security_headers(State(policy): State<Policy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    // Whatever the handler answers may carry personal data (a page behind a link, the form sent
    // back, 核对信息): never kept by a shared or back-button cache. Only the site's own files say
    // otherwise (`statics`), so a new route cannot forget it.
    headers.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("private, no-store"));
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(policy.csp);
    if policy.hsts {
        headers.entry(header::STRICT_TRANSPORT_SECURITY).or_insert(HeaderValue::from_static(HSTS));
    }
    let fixed: [(HeaderName, &str); 5] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (HeaderName::from_static("cross-origin-opener-policy"), "same-origin"),
        (HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()"),
    ];
    for (name, value) in fixed {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}
