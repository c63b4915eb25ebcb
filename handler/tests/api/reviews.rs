//! Decisions by signed links: unit, then HR, returns, withdrawal; links that have passed.

use crate::helpers::{TestApp, link_in_mail, spawn_app, submit};
use serde_json::Value;

async fn post_decision(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.post_form(path, body).await
}

async fn status(app: &TestApp, path: &str) -> Value {
    app.get_json(path).await.json().await.expect("json")
}

#[tokio::test]
async fn unit_then_hr_approve_and_old_links_stop_acting() {
    let app = spawn_app().await;
    let status_path = submit(&app, 40).await;
    let unit_link = link_in_mail(&app.mails(), "unit40@example.gov.cn", "/review/");

    // Looking changes nothing, however often, with GET and with HEAD.
    for _ in 0..3 {
        assert_eq!(app.get(&unit_link).await.status(), 200);
        let head = app.client.head(format!("{}{unit_link}", app.address)).send().await.expect("head");
        assert_eq!(head.status(), 200);
    }
    assert_eq!(status(&app, &status_path).await["version"], 1);
    let page = app.get(&unit_link).await.text().await.expect("html");
    assert!(page.contains("name=\"decision\" value=\"approve\"") && page.contains("所在单位审核"), "{page}");

    let response = post_decision(&app, &unit_link, "decision=approve&comment=").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], unit_link.as_str());
    let s = status(&app, &status_path).await;
    assert_eq!((s["status"].as_str(), s["version"].as_u64()), (Some("hr_review"), Some(2)));

    // The same POST again, or any POST on the old link: refused, nothing changes.
    let again = post_decision(&app, &unit_link, "decision=approve").await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.expect("html").contains("已由所在单位于"));
    assert_eq!(status(&app, &status_path).await["version"], 2);
    let old_page = app.get(&unit_link).await.text().await.expect("html");
    assert!(old_page.contains("此链接对应的版本已处理") && !old_page.contains("name=\"decision\""));

    // HR is told, sees places used / cap, and recommends.
    let hr_link = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let hr_page = app.get(&hr_link).await.text().await.expect("html");
    assert!(hr_page.contains("已推荐 <strong>0</strong> / 50"), "{hr_page}");
    assert_eq!(post_decision(&app, &hr_link, "decision=approve").await.status(), 303);
    let s = status(&app, &status_path).await;
    assert_eq!((s["status"].as_str(), s["version"].as_u64()), (Some("recommended"), Some(3)));
    let kinds: Vec<(&str, &str)> = s["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| (e["kind"].as_str().expect("k"), e["actor"].as_str().expect("a")))
        .collect();
    assert_eq!(kinds, [("submitted", "applicant"), ("approved", "unit"), ("approved", "hr")]);
    assert_eq!(app.store.quota_used("region-out").await.expect("quota"), 1);

    // The applicant heard of each decision; no mail carries the full 身份证号.
    let id = testkit::sample_application(40)["id_number"].as_str().expect("id").to_owned();
    let mails = app.mails();
    assert_eq!(mails.iter().filter(|m| m.to == "applicant40@example.com").count(), 3);
    assert!(mails.iter().all(|m| !m.text.contains(&id) && !m.html.contains(&id)));
}

#[tokio::test]
async fn a_return_needs_a_comment_and_the_comment_is_escaped() {
    let app = spawn_app().await;
    let status_path = submit(&app, 41).await;
    let unit_link = link_in_mail(&app.mails(), "unit41@example.gov.cn", "/review/");
    assert_eq!(post_decision(&app, &unit_link, "decision=return&comment=+").await.status(), 422);
    let long = "长".repeat(1001);
    assert_eq!(post_decision(&app, &unit_link, &format!("decision=return&comment={long}")).await.status(), 422);
    assert_eq!(status(&app, &status_path).await["status"], "unit_review");
    let comment = "请补充<script>alert(1)</script>职称证书";
    let body = serde_urlencoded::to_string([("decision", "return"), ("comment", comment)]).expect("encode");
    assert_eq!(post_decision(&app, &unit_link, &body).await.status(), 303);
    let s = status(&app, &status_path).await;
    assert_eq!(s["status"], "returned");
    assert_eq!(s["events"][1]["comment"], comment);
    let page = app.get(&status_path).await.text().await.expect("html");
    assert!(page.contains("请补充&lt;script&gt;alert(1)&lt;/script&gt;职称证书") && !page.contains("<script>alert(1)"));
    let mail = app
        .mails()
        .into_iter()
        .find(|m| m.to == "applicant41@example.com" && m.subject.contains("退回"))
        .expect("mail");
    assert!(mail.text.contains(comment), "plain text keeps the comment as written");
    assert!(mail.html.contains("&lt;script&gt;") && !mail.html.contains("<script>"), "{}", mail.html);
}

#[tokio::test]
async fn a_status_link_never_approves_and_cross_site_posts_are_refused() {
    let app = spawn_app().await;
    let status_path = submit(&app, 42).await;
    assert_eq!(post_decision(&app, &status_path, "decision=approve&version=1").await.status(), 409);
    let unit_link = link_in_mail(&app.mails(), "unit42@example.gov.cn", "/review/");
    let forged = app
        .client
        .post(format!("{}{unit_link}", app.address))
        .header("origin", "https://evil.example")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("decision=approve")
        .send()
        .await
        .expect("request");
    assert_eq!(forged.status(), 403);
    let cross = app
        .client
        .post(format!("{}{unit_link}", app.address))
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("decision=approve")
        .send()
        .await
        .expect("request");
    assert_eq!(cross.status(), 403);
    // A review link of another stage or a tampered one does nothing either.
    assert_eq!(post_decision(&app, &unit_link.replace(".unit.", ".hr."), "decision=approve").await.status(), 403);
    assert_eq!(status(&app, &status_path).await["version"], 1);
}

#[tokio::test]
async fn withdrawing_a_recommendation_gives_the_place_back() {
    let app = spawn_app().await;
    let status_path = submit(&app, 43).await;
    let unit_link = link_in_mail(&app.mails(), "unit43@example.gov.cn", "/review/");
    post_decision(&app, &unit_link, "decision=approve").await;
    let hr_link = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    post_decision(&app, &hr_link, "decision=approve").await;
    assert_eq!(app.store.quota_used("region-out").await.expect("quota"), 1);
    let page = app.get(&status_path).await.text().await.expect("html");
    assert!(page.contains("所占推荐名额将释放"));
    // Without the confirmation: nothing happens.
    assert_eq!(post_decision(&app, &status_path, "decision=withdraw&version=3").await.status(), 422);
    // A stale version: nothing happens.
    assert_eq!(post_decision(&app, &status_path, "decision=withdraw&version=2&confirm=on").await.status(), 409);
    assert_eq!(post_decision(&app, &status_path, "decision=withdraw&version=3&confirm=on").await.status(), 303);
    assert_eq!(status(&app, &status_path).await["status"], "withdrawn");
    assert_eq!(app.store.quota_used("region-out").await.expect("quota"), 0);
    let page = app.get(&status_path).await.text().await.expect("html");
    assert!(!page.contains("id=\"withdraw\""));
}

#[tokio::test]
async fn a_returned_application_is_edited_and_resubmitted() {
    let app = spawn_app().await;
    let status_path = submit(&app, 44).await;
    let first_link = link_in_mail(&app.mails(), "unit44@example.gov.cn", "/review/");
    assert_eq!(
        post_decision(&app, &first_link, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85%E8%AE%A1%E5%88%92")
            .await
            .status(),
        303
    );

    // The status page now holds the form, prefilled, posting back to the status link.
    let page = app.get(&status_path).await.text().await.expect("html");
    assert!(page.contains("修改后重新提交") && page.contains("value=\"北京协和医院\""), "{page}");
    assert!(page.contains(&format!("action=\"{status_path}\"")));
    assert!(page.contains("name=\"version\" value=\"2\""));

    let mut form = testkit::sample_application(44);
    form["plan"] = "补充后的培养计划：在北京协和医院学习心血管介入技术一年。".into();
    let mut fields: Vec<(String, String)> = crate::helpers::form_body(&form)
        .split('&')
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    fields.push(("decision".into(), "resubmit".into()));
    fields.push(("version".into(), "2".into()));
    let encoded =
        |fields: &[(String, String)]| fields.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");

    // The 身份证号 cannot change: the form comes back with the message and nothing changes.
    let mut other_id = fields.clone();
    for (k, v) in other_id.iter_mut() {
        if k == "id_number" {
            *v = testkit::sample_application(45)["id_number"].as_str().expect("id").to_owned();
        }
    }
    let refused = post_decision(&app, &status_path, &encoded(&other_id)).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.expect("html").contains("居民身份证号码不能修改"));
    assert_eq!(status(&app, &status_path).await["version"], 2);

    assert_eq!(post_decision(&app, &status_path, &encoded(&fields)).await.status(), 303);
    let s = status(&app, &status_path).await;
    assert_eq!((s["status"].as_str(), s["version"].as_u64()), (Some("unit_review"), Some(3)));
    assert_eq!(s["events"][2]["kind"], "resubmitted");
    assert_eq!(s["events"][2]["comment"], "修改了：培养计划");

    // The unit reviewer gets a new link and sees what changed; the first link no longer acts.
    let second_link = link_in_mail(&app.mails(), "unit44@example.gov.cn", "/review/");
    assert_ne!(second_link, first_link);
    let review = app.get(&second_link).await.text().await.expect("html");
    assert!(review.contains("修改了：培养计划") && review.contains("补充后的培养计划"));
    assert_eq!(post_decision(&app, &first_link, "decision=approve").await.status(), 409);
    assert_eq!(post_decision(&app, &second_link, "decision=approve").await.status(), 303);
    assert_eq!(status(&app, &status_path).await["status"], "hr_review");
}

#[tokio::test]
async fn script_in_every_text_field_is_escaped_in_pages_and_mail() {
    let app = spawn_app().await;
    let evil = "<script>alert(1)</script>";
    let mut form = testkit::sample_application(46);
    for field in ["name", "school", "major", "title_name", "employer", "county", "profession", "host_institution"] {
        form[field] = format!("{evil}x").into();
    }
    form["plan"] = format!("{evil}学习心血管内科诊疗新技术").into();
    let response = app.apply(&form).await;
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    let status_path = TestApp::path_of(body["status_url"].as_str().expect("url"));
    let unit_link = link_in_mail(&app.mails(), "unit46@example.gov.cn", "/review/");
    post_decision(&app, &unit_link, &format!("decision=return&comment={}", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
        .await;
    for path in [&status_path, &unit_link] {
        let html = app.get(path).await.text().await.expect("html");
        assert!(!html.contains(evil), "{path}: raw script in page");
        assert!(html.matches("&lt;script&gt;alert(1)&lt;/script&gt;").count() >= 9, "{path}");
    }
    let mails = app.mails();
    for mail in &mails {
        assert!(!mail.html.contains(evil), "raw script in HTML mail: {}", mail.subject);
    }
    // Plain text is not HTML: the subject and text part carry the name exactly as typed.
    let unit = mails.iter().find(|m| m.to == "unit46@example.gov.cn").expect("unit mail");
    assert!(unit.subject.contains(&format!("{evil}x")) && unit.text.contains(&format!("{evil}x")), "{}", unit.subject);
    assert!(unit.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;x"));
}

#[tokio::test]
async fn every_emailed_link_can_be_fetched_again_and_again_without_changing_anything() {
    let app = spawn_app().await;
    let status_path = submit(&app, 47).await;
    let unit_link = link_in_mail(&app.mails(), "unit47@example.gov.cn", "/review/");
    post_decision(&app, &unit_link, "decision=approve").await;
    let hr_link = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let reference = status(&app, &status_path).await["reference"].as_str().expect("ref").to_owned();
    let before = app.store.get(&reference).await.expect("get");
    let events = app.store.events(&reference).await.expect("events").len();
    for link in [&status_path, &unit_link, &hr_link] {
        for _ in 0..3 {
            assert!(app.get(link).await.status().is_success());
            let head = app.client.head(format!("{}{link}", app.address)).send().await.expect("head");
            assert!(head.status().is_success());
            assert!(app.get_json(link).await.status().is_success());
        }
    }
    assert_eq!(app.store.get(&reference).await.expect("get"), before);
    assert_eq!(app.store.events(&reference).await.expect("events").len(), events);
}
