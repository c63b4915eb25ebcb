//! Rate limits kept in the store: two handler instances on one DynamoDB Local table (as two
//! Lambda instances would be) share them.

use crate::helpers::{Options, spawn_with};
use serde_json::Value;

#[tokio::test]
async fn two_instances_on_one_table_share_the_limits() {
    let store = crate::machine::dynamo_store().await;
    let a = spawn_with(Options { store: Some(store.clone()), ..Options::default() }).await;
    let b = spawn_with(Options { store: Some(store.clone()), ..Options::default() }).await;

    // A link sent again reaches its recipient once per ten minutes, whichever instance is asked.
    let first: Value = a.apply(&testkit::sample_application(700)).await.json().await.expect("json");
    let reference = first["reference"].as_str().expect("reference").to_owned();
    // Only a proven address gets its status link again.
    crate::helpers::confirm(&a, &reference).await;
    let ask = format!("reference={reference}&email=applicant700%40example.com");
    let before = a.mails().len() + b.mails().len();
    assert_eq!(a.post_form("/api/status-link", &ask).await.status(), 200);
    assert_eq!(b.post_form("/api/status-link", &ask).await.status(), 200);
    assert_eq!(a.mails().len() + b.mails().len(), before + 1, "one mail between the two instances");

    // Requests from one address: 30 an hour across both instances, then 429 with Retry-After,
    // as a page that says to wait, and as JSON.
    for i in 2..30 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(app.post_form("/api/status-link", &ask).await.status(), 200, "request {}", i + 1);
    }
    let over = a.post_form("/api/status-link", &ask).await;
    assert_eq!(over.status(), 429);
    let wait: i64 = over.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=3600).contains(&wait), "{wait}");
    assert!(over.text().await.expect("html").contains("操作过于频繁"));
    let json = b
        .client
        .post(format!("{}/api/status-link", b.address))
        .header("accept", "application/json")
        .json(&serde_json::json!({"reference": reference, "email": "applicant700@example.com"}))
        .send()
        .await
        .expect("request");
    assert_eq!(json.status(), 429);
    assert_eq!(json.json::<Value>().await.expect("json")["error"], "too_many");
}

/// The form that hits a limit comes back with every value kept, and says when to try again.
#[tokio::test]
async fn a_form_over_its_limit_keeps_every_value() {
    let app = spawn_with(Options::default()).await;
    for _ in 0..10 {
        let mut form = testkit::sample_application(710);
        form["phone"] = "1".into();
        assert_eq!(app.apply(&form).await.status(), 422);
    }
    // The 11th application naming the same address within the hour.
    let body = crate::helpers::form_body(&app.with_documents(&testkit::sample_application(710)).await);
    let over = app.post_form("/api/applications", &body).await;
    assert_eq!(over.status(), 429);
    assert!(over.headers().contains_key("retry-after"));
    let html = over.text().await.expect("html");
    assert!(html.contains("操作次数已达上限") && html.contains("value=\"乌力吉\""), "{html}");
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
}

/// A plain form with files over its limit is refused before any file is written.
#[tokio::test]
async fn a_form_with_files_over_its_limit_writes_nothing() {
    let app = spawn_with(Options::default()).await;
    for _ in 0..10 {
        let mut form = testkit::sample_application(711);
        form["phone"] = "1".into();
        assert_eq!(app.apply(&form).await.status(), 422);
    }
    let files = || std::fs::read_dir(&app.uploads).map(|d| d.count()).unwrap_or(0);
    let before = files();
    let form = crate::uploads::multipart_form(711)
        .part("file_id_card", crate::uploads::file(crate::uploads::pdf(5000), "身份证.pdf", "application/pdf"));
    assert_eq!(crate::uploads::post_multipart(&app, form).await.status(), 429);
    assert_eq!(files(), before, "no file written");
}

/// Where a submission names no file (a round that asks for none), its limits are counted in the
/// application's own write: a submission refused for its answers counts nothing, nor does a repeat
/// against the address, the eleventh taken one naming an address within the hour is refused with
/// Retry-After, and nothing of it is stored or mailed.
#[tokio::test]
async fn a_submission_naming_no_file_is_counted_in_its_own_write() {
    let toml = regex::Regex::new(r#"(?m)^required = "[a-z_]+""#)
        .expect("regex")
        .replace_all(policy::PROGRAMME_TOML, r#"required = "never""#);
    let programme = policy::Programme::parse(&toml).expect("programme");
    let store = crate::machine::dynamo_store().await;
    let app = spawn_with(Options { programme: Some(programme), store: Some(store), ..Options::default() }).await;
    let form = |k: u32| {
        let mut form = testkit::sample_application(720 + k);
        form["email"] = "same.box@example.com".into();
        form["submission_id"] = format!("limit-test-{k:04}").into();
        form
    };
    for k in 0..3 {
        let mut invalid = form(k);
        invalid["phone"] = "1".into();
        assert_eq!(app.post_json("/api/applications", &invalid).await.status(), 422);
    }
    for k in 0..10 {
        assert_eq!(app.post_json("/api/applications", &form(k)).await.status(), 201, "application {}", k + 1);
    }
    let mails = app.mails().len();
    // A repeat of a stored one (a double tap, a retry) is answered as before, the address's
    // limit reached or not: it mails nobody (red team).
    let first: Value = app.post_json("/api/applications", &form(0)).await.json().await.expect("json");
    for _ in 0..3 {
        let again = app.post_json("/api/applications", &form(0)).await;
        assert_eq!(again.status(), 201);
        assert_eq!(again.json::<Value>().await.expect("json")["reference"], first["reference"]);
    }
    let over = app.post_json("/api/applications", &form(10)).await;
    assert_eq!(over.status(), 429);
    let wait: i64 = over.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=3600).contains(&wait), "{wait}");
    assert_eq!(over.json::<Value>().await.expect("json")["error"], "too_many");
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 10, "the eleventh stored nothing");
    assert_eq!(app.mails().len(), mails, "and mailed nothing");
}
