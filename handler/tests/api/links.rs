//! Links sent again: the same answer whatever matched, only to the address on file, rate-limited.

use crate::helpers::{Options, TestApp, in_window, spawn_app, spawn_with};
use handler::Clock;
use serde_json::Value;

async fn submit(app: &TestApp, n: u32) -> (String, String) {
    let body: Value = app.apply(&testkit::sample_application(n)).await.json().await.expect("json");
    (
        body["reference"].as_str().expect("reference").to_owned(),
        crate::helpers::confirm(app, body["reference"].as_str().expect("reference")).await,
    )
}

#[tokio::test]
async fn a_lost_status_link_is_sent_again_to_the_address_on_file_only() {
    let app = spawn_app().await;
    let (reference, _) = submit(&app, 60).await;
    let before = app.mails().len();
    let ask = |reference: &str, email: &str| {
        let body = serde_urlencoded::to_string([("reference", reference), ("email", email)]).expect("encode");
        let app = &app;
        async move { app.post_form("/api/status-link", &body).await }
    };
    // Wrong address, unknown reference: the same answer, no mail.
    let wrong = ask(&reference, "someone@example.com").await;
    assert_eq!(wrong.status(), 200);
    let same = wrong.text().await.expect("html");
    let unknown = ask("TP2025-ZZZZZZ", "applicant60@example.com").await.text().await.expect("html");
    let answer = |html: &str| {
        html.split("<p>").nth(1).map(|p| p.split("</p>").next().unwrap_or("").to_owned()).unwrap_or_default()
    };
    assert_eq!(answer(&same), answer(&unknown));
    assert_eq!(app.mails().len(), before);
    // The right pair (any case): one mail to the address on file, whose link works.
    let right = ask(&reference.to_lowercase(), "Applicant60@example.com").await.text().await.expect("html");
    assert_eq!(answer(&right), answer(&same));
    let mails = app.mails();
    assert_eq!(mails.len(), before + 1);
    let again = mails.iter().find(|m| m.subject.contains("查看申报进度")).expect("mail");
    assert_eq!(again.to, "applicant60@example.com");
    let link = testkit::link_with(&again.text, "/status/").expect("link");
    assert_eq!(app.get(&TestApp::path_of(&link)).await.status(), 200);
    // Asking again at once: same answer, no second mail.
    ask(&reference, "applicant60@example.com").await;
    assert_eq!(app.mails().len(), before + 1);
    assert_eq!(app.post_form("/api/status-link", "reference=&email=").await.status(), 422);
    let json =
        app.post_json("/api/status-link", &serde_json::json!({"reference": reference, "email": "x@example.com"})).await;
    assert_eq!(json.status(), 202);
}

/// The mail with the 申报编号 was lost too: the 身份证号 and the address find the person's
/// applications of this round, the answer is the same whether or not they match, and only the
/// proven address on file is mailed (an unproven application with the number gets nothing).
#[tokio::test]
async fn a_lost_status_link_is_found_by_identity_number_and_address() {
    let app = spawn_app().await;
    let (first, _) = submit(&app, 62).await;
    // The same person applied again, confirmed; and someone else typed the number with an
    // address of their own, never proven.
    let mut again = testkit::sample_application(62);
    again["submission_id"] = "again-62".into();
    let body: Value = app.apply(&again).await.json().await.expect("json");
    let second = body["reference"].as_str().expect("reference").to_owned();
    crate::helpers::confirm(&app, &second).await;
    let mut stranger = testkit::sample_application(62);
    stranger["submission_id"] = "stranger-62".into();
    stranger["email"] = "stranger@example.com".into();
    app.apply(&stranger).await;
    let id_number = testkit::sample_application(62)["id_number"].as_str().expect("id").to_owned();
    let ask = |id: &str, email: &str| {
        let body = serde_urlencoded::to_string([("id_number", id), ("email", email)]).expect("encode");
        let app = &app;
        async move { app.post_form("/api/status-link", &body).await }
    };
    let answer =
        |html: String| html.split("<p>").nth(1).unwrap_or_default().split("</p>").next().unwrap_or_default().to_owned();
    let before = app.mails().len();
    // Another address, or the stranger's unproven one: the same answer, nothing mailed.
    let wrong = answer(ask(&id_number, "someone@example.com").await.text().await.expect("html"));
    let unproven = answer(ask(&id_number, "stranger@example.com").await.text().await.expect("html"));
    assert_eq!(wrong, unproven);
    assert_eq!(app.mails().len(), before);
    // The person's own: a link for each of their applications, to their address only.
    let right = answer(ask(&id_number.to_lowercase(), "applicant62@example.com").await.text().await.expect("html"));
    assert_eq!(right, wrong);
    let sent: Vec<_> = app.mails()[before..].to_vec();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent.iter().all(|m| m.to == "applicant62@example.com" && m.subject.contains("查看申报进度")));
    for reference in [&first, &second] {
        assert!(sent.iter().any(|m| m.subject.contains(reference.as_str())), "{reference}");
    }
    // A number that is no 身份证号: said so, nothing looked up.
    let bad = app.post_form("/api/status-link", "id_number=123&email=applicant62%40example.com").await;
    assert_eq!(bad.status(), 422);
}

#[tokio::test]
async fn an_expired_review_link_offers_a_fresh_one_to_the_same_reviewer() {
    let app = spawn_app().await;
    submit(&app, 61).await;
    let unit = app.mails().into_iter().find(|m| m.to == "unit61@example.gov.cn").expect("mail");
    let old = TestApp::path_of(&testkit::link_with(&unit.text, "/review/").expect("link"));
    // Fifteen days on, the link has expired.
    let later = spawn_with(Options {
        clock: Clock::starting_at(in_window() + time::Duration::days(15)),
        store: Some(app.store.clone()),
        ..Options::default()
    })
    .await;
    let page = later.get(&old).await;
    assert_eq!(page.status(), 410);
    let html = page.text().await.expect("html");
    assert!(html.contains(&format!("action=\"{old}/renew\"")), "{html}");
    // Nothing can be decided on it.
    assert_eq!(later.post_form(&old, "decision=approve").await.status(), 410);
    let renewed = later.post_form(&format!("{old}/renew"), "").await;
    assert_eq!(renewed.status(), 200);
    let mails = later.mails();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "unit61@example.gov.cn");
    let fresh = TestApp::path_of(&testkit::link_with(&mails[0].text, "/review/").expect("link"));
    let page = later.get(&fresh).await.text().await.expect("html");
    assert!(page.contains("name=\"decision\" value=\"approve\""));
    // A forged token gets nothing sent.
    assert_eq!(later.post_form("/review/r.TP2025-AAAAAA.unit.1.1.k1.xyz/renew", "").await.status(), 403);
    assert_eq!(later.mails().len(), 1);
}
