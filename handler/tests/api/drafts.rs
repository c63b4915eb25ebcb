//! A draft (the 核对信息 page's sealed application) opens only in the browser that made it
//! (issue 30, finding 7): a draft string seen elsewhere, on a shared screen or in a log, opens
//! neither 确认提交 nor 修改 without that browser's cookie; neither answer is ever cached.

use crate::helpers::{TestApp, form_body, set_cookie, spawn_app};
use crate::journey::draft_of;

fn no_store(response: &reqwest::Response) {
    let cache = response.headers().get("cache-control").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(cache.contains("no-store"), "cache-control {cache:?}");
}

/// Sample `n` through 核对信息 in a browser keeping `cookie` (none: a fresh browser); its draft
/// and the answer's headers.
async fn check(app: &TestApp, n: u32, cookie: Option<&str>) -> (String, reqwest::header::HeaderMap) {
    let form = form_body(&app.with_documents(&testkit::sample_application(n)).await);
    let response = match cookie {
        Some(cookie) => app.post_form_in(cookie, "/apply/check", &form).await,
        None => app.post_form("/apply/check", &form).await,
    };
    assert_eq!(response.status(), 200);
    no_store(&response);
    let headers = response.headers().clone();
    (draft_of(&response.text().await.expect("html")), headers)
}

/// [`check`]: the draft, and the cookie the answer sets (`name=value`) with its attributes.
async fn checked(app: &TestApp, n: u32, cookie: Option<&str>) -> (String, String, String) {
    let (draft, headers) = check(app, n, cookie).await;
    let (cookie, attributes) = set_cookie(&headers);
    (draft, cookie, attributes)
}

fn refused_elsewhere(html: &str) {
    assert!(html.contains("这份草稿只能在填写它的浏览器中打开，请重新填写申报表"), "{html}");
    assert!(html.contains("href=\"/apply/\""), "{html}");
}

#[tokio::test]
async fn a_draft_opens_only_in_the_browser_that_made_it() {
    let app = spawn_app().await;
    let (draft, headers) = check(&app, 760, None).await;
    let submit = serde_urlencoded::to_string([("draft", draft.as_str())]).expect("encode");
    let edit = serde_urlencoded::to_string([("draft", draft.as_str()), ("edit", "school")]).expect("encode");

    // Without the cookie, 确认提交 and 修改 are refused, saying why and where to start again.
    for body in [&submit, &edit] {
        let refused = app.post_form("/apply/confirm", body).await;
        assert_eq!(refused.status(), 403);
        no_store(&refused);
        refused_elsewhere(&refused.text().await.expect("html"));
    }
    // The browser that made it keeps a random value, for `/apply` only, out of scripts' reach.
    let (mine, attributes) = set_cookie(&headers);
    assert!(mine.starts_with("tepei_browser=") && mine.len() == "tepei_browser=".len() + 32, "{mine}");
    for attribute in ["Path=/apply", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(attributes.split(';').any(|a| a.trim() == attribute), "{attribute} missing: {attributes}");
    }
    // Another browser's cookie (it made a draft of its own) opens it no more.
    let (_, theirs, _) = checked(&app, 761, None).await;
    assert_ne!(theirs, mine);
    let refused = app.post_form_in(&theirs, "/apply/confirm", &submit).await;
    assert_eq!(refused.status(), 403);
    refused_elsewhere(&refused.text().await.expect("html"));
    // A cookie of another shape is no browser's.
    let refused = app.post_form_in("tepei_browser=../../x", "/apply/confirm", &submit).await;
    assert_eq!(refused.status(), 403);
    assert!(app.store.list(2025, None).await.expect("list").is_empty(), "nothing stored");

    // In the browser that made it: 修改 brings the form back, and checked again the browser
    // keeps its value; 确认提交 takes the application.
    let again = app.post_form_in(&mine, "/apply/confirm", &edit).await;
    assert_eq!(again.status(), 200);
    no_store(&again);
    assert!(again.text().await.expect("html").contains("value=\"内蒙古大学\""));
    let (draft, kept, _) = checked(&app, 760, Some(&mine)).await;
    assert_eq!(kept, mine, "the same browser keeps its value");
    let submit = serde_urlencoded::to_string([("draft", draft.as_str())]).expect("encode");
    let done = app.post_form_in(&mine, "/apply/confirm", &submit).await;
    assert_eq!(done.status(), 200);
    no_store(&done);
    assert!(done.text().await.expect("html").contains("申报已提交，请输入邮箱验证码"));
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 1);
}

/// Served over plain http (a trial on a LAN), the cookie is not `Secure`, which the browser
/// would not keep there.
#[tokio::test]
async fn over_plain_http_the_cookie_is_not_secure() {
    let options = crate::helpers::Options { base: "http://192.168.1.20:3000", ..Default::default() };
    let app = crate::helpers::spawn_with(options).await;
    let (_, _, attributes) = checked(&app, 762, None).await;
    assert!(attributes.contains("HttpOnly") && !attributes.contains("Secure"), "{attributes}");
}
