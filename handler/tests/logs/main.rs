//! No personal data in any log line: the logs of a whole journey — self-check, a refused and an
//! accepted submission, a duplicate, both reviews, the status page, print, verify, a link sent
//! again, a dashboard — carry routes, references and ids, never a 身份证号, phone, name or
//! address.

#[allow(dead_code)]
#[path = "../api/helpers.rs"]
mod helpers;

use helpers::{form_body, link_in_mail, spawn_app};
use std::io::Write;
use std::sync::{Arc, Mutex};

/// Log output kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

// The only test of this binary: the subscriber is the process's, so every line is captured.
#[tokio::test]
async fn a_whole_journey_logs_no_personal_data() {
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_env_filter(tracing_subscriber::EnvFilter::new("info,handler=trace,tower_http=trace"))
        .with_writer(logs.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
    let app = spawn_app().await;
    // A request as a CDN forwards it: its X-Forwarded-For is described, never written out.
    let forwarded = app
        .client
        .post(format!("{}/api/status-link", app.address))
        .header("x-forwarded-for", "203.0.113.7, 10.1.2.3")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("reference=&email=")
        .send()
        .await
        .expect("request");
    assert_eq!(forwarded.status(), 422);
    let form = app.with_documents(&testkit::sample_application(901)).await;

    assert_eq!(app.post_form("/api/eligibility", &form_body(&form)).await.status(), 200);
    let mut wrong = form.clone();
    wrong["phone"] = "1381234".into();
    assert_eq!(app.post_json("/api/applications", &wrong).await.status(), 422);
    let created = app.post_json("/api/applications", &form).await;
    assert_eq!(created.status(), 201);
    let created: serde_json::Value = created.json().await.expect("json");
    let status = helpers::confirm(&app, created["reference"].as_str().expect("reference")).await;
    // The same person again: answered as taken, the holder told.
    let mut again = testkit::sample_application(901);
    again["submission_id"] = "another-submission".into();
    let again = app.with_documents(&again).await;
    assert_eq!(app.post_json("/api/applications", &again).await.status(), 201);
    let unit = link_in_mail(&app.mails(), "unit901@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let hr = helpers::receive_paper(&app, &hr).await;
    assert_eq!(app.post_form(&hr, "decision=approve").await.status(), 303);
    assert_eq!(app.get(&status).await.status(), 200);
    let print = app.get(&format!("{status}/print")).await.text().await.expect("html");
    let verify = print.split("/verify/").nth(1).and_then(|r| r.split(['"', '<']).next()).expect("verify link");
    assert_eq!(app.get(&format!("/verify/{verify}")).await.status(), 200);
    let reference = print.split("TP2025-").nth(1).map(|r| format!("TP2025-{}", &r[..6])).expect("reference");
    let lookup = format!("reference={reference}&email=applicant901%40example.com");
    assert_eq!(app.post_form("/api/status-link", &lookup).await.status(), 200);
    assert_eq!(app.post_form("/dashboard", "email=hr-hohhot@example.gov.cn").await.status(), 200);
    let dashboard = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/dashboard/");
    assert_eq!(app.get(&dashboard).await.status(), 200);
    assert_eq!(app.get(&format!("{dashboard}/summary.csv")).await.status(), 200);

    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf-8");
    // The capture works: a line per request with its route and id, and the reference.
    assert!(text.contains("\"route\":\"/api/applications\""), "{text}");
    assert!(text.contains("\"route\":\"/review/{token}\"") && text.contains("\"request_id\":\""), "{text}");
    assert!(text.contains(&reference), "the reference is what logs name");
    let id_number = form["id_number"].as_str().expect("id");
    for secret in
        [id_number, &id_number[6..14], "13812345678", "乌力吉", "applicant901@example.com", "unit901@example.gov.cn"]
    {
        let line = text.lines().find(|l| l.contains(secret));
        assert!(line.is_none(), "personal data {secret:?} logged: {line:?}");
    }
    let described = text
        .lines()
        .find(|l| l.contains("X-Forwarded-For as received") && l.contains("\"entries\":2"))
        .expect("the header described");
    assert!(described.contains("\"kinds\":\"public,private\""), "{described}");
    assert!(!text.contains("203.0.113.7") && !text.contains("10.1.2.3"), "an address was logged");
    // Nor any link token: routes are logged by their pattern, never by their path.
    assert!(!text.contains(&unit["/review/".len()..]), "a review token was logged");
}
