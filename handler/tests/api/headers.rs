//! Security headers on every kind of response.

use crate::helpers::{spawn_app, spawn_app_with_site};

fn assert_secure(response: &reqwest::Response) {
    let h = response.headers();
    let csp = h["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
}

#[tokio::test]
async fn api_errors_and_pages_carry_security_headers() {
    let app = spawn_app().await;
    assert_secure(&app.get("/api/health").await);
    let missing = app.get("/api/nothing").await;
    assert_eq!(missing.status(), 404);
    assert_secure(&missing);
    assert_secure(&app.post_form("/api/eligibility", "a=b").await);
    let site = spawn_app_with_site().await;
    assert_secure(&site.get("/").await);
    assert_secure(&site.get("/missing/").await);
}
