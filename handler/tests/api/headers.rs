//! Security headers on every kind of response.

use crate::helpers::{Options, spawn_app, spawn_app_with_site, spawn_with};

fn assert_secure(response: &reqwest::Response) {
    let h = response.headers();
    let csp = h["content-security-policy"].to_str().expect("ascii");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["strict-transport-security"], "max-age=31536000", "the public base URL is https");
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
    // Served over plain http (a trial on a LAN): no HSTS, which would lock browsers out.
    let plain = spawn_with(Options { base: "http://192.168.1.20:3000", ..Options::default() }).await;
    assert!(plain.get("/api/health").await.headers().get("strict-transport-security").is_none());
}
