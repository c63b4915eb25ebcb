//! `POST /api/applications`: every status code of the contract, the no-JS form, mail on submit.

use crate::helpers::{BASE, Options, TestApp, form_body, spawn_app, spawn_with, unreachable_store};
use handler::Clock;
use serde_json::{Value, json};

fn sample(n: u32) -> Value {
    testkit::sample_application(n)
}

/// Stored unconfirmed: the answer carries the page where the submitter types the 邮箱验证码; only
/// the applicant's address is mailed, with the code and nothing that opens the application (no
/// link, no text they typed); the page shows and changes nothing however often it is opened; a
/// wrong code is 422 on `code`, five make it void, a new one can be asked; the right code sends it
/// to the unit and mails the status link, and a repeat changes nothing.
#[tokio::test]
async fn a_valid_application_waits_for_its_address_to_be_confirmed_before_anyone_else_is_mailed() {
    let app = spawn_app().await;
    // A forged Host header must not change the links.
    let response = app
        .client
        .post(format!("{}/api/applications", app.address))
        .header("host", "evil.example")
        .json(&app.with_documents(&sample(1)).await)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("location").is_none(), "the status link reaches the applicant by mail only");
    let body: Value = response.json().await.expect("json");
    let reference = body["reference"].as_str().expect("reference").to_owned();
    assert!(reference.starts_with("TP2025-") && reference.len() == 13, "{reference}");
    let confirm_url = body["confirm_url"].as_str().expect("confirm_url").to_owned();
    assert!(confirm_url.starts_with(&format!("{BASE}/confirm/")), "built on the configured base: {confirm_url}");
    assert_eq!(body, json!({"reference": reference, "status": "unconfirmed", "confirm_url": confirm_url}));
    let confirm = TestApp::path_of(&confirm_url);

    let id = sample(1)["id_number"].as_str().expect("id").to_owned();
    let mails = app.mails();
    assert_eq!(mails.len(), 1, "only the applicant is mailed before confirming: {mails:?}");
    let first = &mails[0];
    assert_eq!(first.to, "applicant1@example.com");
    assert_eq!(first.subject, format!("【特培申报】邮箱验证码（申报编号 {reference}）"));
    for typed in ["乌力吉", "呼和浩特市第一医院", "北京协和医院", "心血管"] {
        assert!(!first.text.contains(typed) && !first.html.contains(typed), "{typed} in the mail to confirm");
    }
    for part in [&first.text, &first.html] {
        assert!(!part.contains("/status/") && !part.contains("/confirm/") && !part.contains("/review/"), "{part}");
    }
    let code = crate::helpers::mailed_code(&app, &reference);

    // Opened three times: nothing changes, and the page asks for the code.
    for _ in 0..3 {
        let page = app.get(&confirm).await;
        assert_eq!(page.status(), 200);
        let html = page.text().await.expect("html");
        assert!(html.contains("邮箱验证码") && html.contains("name=\"code\"") && html.contains(&reference), "{html}");
    }
    assert_eq!(app.mails().len(), 1);
    assert_eq!(app.store.get(&reference).await.expect("get").expect("record").status, policy::Status::Unconfirmed);

    // Wrong codes: 422 on `code`, the typed value kept; the fifth wrong makes the code void, and
    // then even the right one is refused.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let page = app.post_form(&confirm, &format!("code={wrong}")).await;
    assert_eq!(page.status(), 422);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("验证码不正确") && html.contains("还可以再试4次") && html.contains(&format!("value=\"{wrong}\"")),
        "{html}"
    );
    let json = app
        .client
        .post(format!("{}{confirm}", app.address))
        .header("accept", "application/json")
        .json(&json!({"code": wrong}))
        .send()
        .await
        .expect("request");
    assert_eq!(json.status(), 422);
    assert_eq!(json.json::<Value>().await.expect("json")["errors"][0]["field"], "code");
    for _ in 0..3 {
        assert_eq!(app.post_form(&confirm, &format!("code={wrong}")).await.status(), 422);
    }
    let void = app.post_form(&confirm, &format!("code={code}")).await;
    assert_eq!(void.status(), 422, "five wrong codes make it void");
    assert!(void.text().await.expect("html").contains("已失效"));
    assert_eq!(app.mails().len(), 1, "nobody mailed");

    // A new code: mailed to the same address, on a new page; the old page's code stays void.
    let asked = app.post_form(&confirm, "new_code=1").await;
    assert_eq!(asked.status(), 303);
    let fresh = asked.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    assert!(fresh.starts_with("/confirm/") && fresh != confirm, "{fresh}");
    assert_eq!(app.mails().len(), 2);
    let new_code = crate::helpers::new_mailed_code(&app, &reference, &code);
    assert!(app.mails().iter().all(|m| m.to == "applicant1@example.com"));
    let old_page = app.post_form(&confirm, &format!("code={new_code}")).await;
    assert_eq!(old_page.status(), 422, "the new code is for the new page");
    let status_path;
    {
        // Confirmed: the unit and the applicant are mailed; the answer leads to the status page.
        let response = app.post_form(&fresh, &format!("code={new_code}")).await;
        assert_eq!(response.status(), 303);
        let location = response.headers()["location"].to_str().expect("ascii").to_owned();
        assert!(location.starts_with("/status/") && location.ends_with("?confirmed=1"), "{location}");
        status_path = location.trim_end_matches("?confirmed=1").to_owned();
    }
    let applicant_mail = app.mails().into_iter().rev().find(|m| m.to == "applicant1@example.com").expect("receipt");
    let status_url = testkit::link_with(&applicant_mail.text, "/status/").expect("the status link, mailed now");
    assert!(status_url.starts_with(&format!("{BASE}/status/")), "{status_url}");
    let confirm = fresh;

    // Confirmed: to the unit, with the applicant's receipt.
    let status: Value = app.get_json(&status_path).await.json().await.expect("json");
    assert_eq!((status["status"].clone(), status["version"].clone()), (json!("unit_review"), json!(2)));
    let kinds: Vec<&str> =
        status["events"].as_array().expect("events").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["submitted", "confirmed"]);
    let mails = app.mails();
    assert_eq!(mails.len(), 4, "two codes, the unit and the receipt: {mails:?}");
    for mail in &mails {
        assert!(mail.subject.contains(&reference), "{}", mail.subject);
        assert!(!mail.text.contains(&id) && !mail.html.contains(&id), "full 身份证号 in mail");
    }
    let applicant = mails.iter().rev().find(|m| m.to == "applicant1@example.com").expect("applicant mail");
    assert!(applicant.subject.contains("已收到您的申报"));
    assert!(applicant.text.contains("1501**********"), "{}", applicant.text);
    assert!(applicant.html.contains("<strong>"));
    // The receipt and the unit's mail name each field in the words of the field table.
    for code in handler::views::RECEIPT_FIELDS {
        let label = policy::field_label(code);
        assert!(applicant.text.contains(&format!("- {label}：")), "{label}: {}", applicant.text);
        assert!(applicant.html.contains(&format!("<th align=\"left\">{label}</th>")), "{label}");
    }
    let unit = mails.iter().find(|m| m.to == "unit1@example.gov.cn").expect("unit mail");
    for code in handler::views::REVIEW_FIELDS {
        assert!(unit.text.contains(&format!("\n{}：", policy::field_label(code))), "{code}: {}", unit.text);
    }
    assert_eq!(unit.subject, format!("【特培申报】请审核申报 {reference}"), "no applicant text in the subject");
    let review = testkit::link_with(&unit.text, "/review/").expect("review link");
    let page = app.get(&TestApp::path_of(&review)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("乌力吉") && html.contains("1501**********") && !html.contains(&id));
    assert!(html.contains("单位审核中"));

    // Every mail says it is a machine's, who sent it and why it came, and whom to ask instead of
    // replying: no Reply-To (config.toml sets none), least of all the mailbox the notice keeps for
    // the 汇总表's electronic copy.
    for mail in &mails {
        assert_eq!(mail.headers.get("auto-submitted").map(String::as_str), Some("auto-generated"), "{}", mail.subject);
        assert!(!mail.headers.contains_key("reply-to"), "{:?}", mail.headers);
        assert!(!mail.headers.contains_key("list-unsubscribe"));
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("本邮件由特培申报网站自动发送"), "{part}");
            assert!(part.contains("您收到本邮件，是因为"), "{part}");
            assert!(part.contains("请勿直接回复本邮件"), "{part}");
            assert!(part.contains("专业技术人员管理处，联系人张翼飞、王慧，电话（0471）6918865、6944061"), "{part}");
            assert!(!part.contains("回复本邮件将送达"), "{part}");
        }
    }
    assert!(unit.text.contains("是因为申报人在申报表中把本邮箱填写为所在单位审核人邮箱"));
    assert!(mails[0].text.contains("是因为有人在特培申报表中把本邮箱填写为申报人邮箱"));

    // Confirmed again: the same place, nothing changes.
    let again = app.post_form(&confirm, &format!("code={new_code}")).await;
    assert_eq!(again.status(), 303);
    assert_eq!(again.headers()["location"].to_str().expect("ascii"), status_path);
    assert_eq!(app.get_json(&status_path).await.json::<Value>().await.expect("json")["version"], 2);
    assert_eq!(app.mails().len(), 4);
}

/// Reply-To is the operator's setting in config.toml: set, every mail carries it and the footer
/// names it beside the notice's contacts.
#[tokio::test]
async fn a_reply_to_set_in_config_toml_is_every_mails() {
    let mut config = theme::Config::embedded().expect("config");
    config.reply_to = Some("tepei-help@example.gov.cn".into());
    let app = crate::helpers::spawn_with(crate::helpers::Options { config: Some(config), ..Default::default() }).await;
    crate::helpers::submit(&app, 7).await;
    let mails = app.mails();
    assert!(mails.len() >= 3, "{mails:?}");
    for mail in &mails {
        assert_eq!(
            mail.headers.get("reply-to").map(String::as_str),
            Some("tepei-help@example.gov.cn"),
            "{}",
            mail.subject
        );
        assert!(mail.text.contains("回复本邮件将送达tepei-help@example.gov.cn（本站运营单位设置）"), "{}", mail.text);
    }
}

#[tokio::test]
async fn every_field_error_comes_back_at_once() {
    let app = spawn_app().await;
    let response = app.apply(&json!({})).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    let fields: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().expect("field")).collect();
    // 性别 follows from the 身份证号 (issue 15): no error of its own when both are missing.
    assert!(!fields.contains(&"gender"));
    for f in [
        "name",
        "ethnicity",
        "id_number",
        "phone",
        "email",
        "track",
        "plan",
        "unit_reviewer_email",
        "health_ok",
        "pledge",
    ] {
        assert!(fields.contains(&f), "{f} not in {fields:?}");
    }
    assert!(body["errors"].as_array().expect("errors").iter().all(|e| !e["message"].as_str().expect("msg").is_empty()));

    let mut wrong = sample(2);
    wrong["gender"] = json!("male");
    wrong["ethnicity"] = json!("汉族");
    wrong["unit_reviewer_email"] = wrong["email"].clone();
    let body: Value = app.apply(&wrong).await.json().await.expect("json");
    let fields: Vec<&str> =
        body["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().expect("field")).collect();
    assert_eq!(fields, ["gender", "ethnicity", "unit_reviewer_email"]);
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
    assert!(app.mails().is_empty());
}

#[tokio::test]
async fn retries_duplicates_and_conflicts() {
    let app = spawn_app().await;
    let three = app.with_documents(&sample(3)).await;
    let first: Value = app.apply(&three).await.json().await.expect("json");
    // The same body with the same submission id: the same answer, one record.
    let again = app.apply(&three).await;
    assert_eq!(again.status(), 201);
    let again: Value = again.json().await.expect("json");
    assert_eq!(again["reference"], first["reference"]);
    // Another body under that submission id: 409.
    let mut changed = three.clone();
    changed["plan"] = json!("另一份培养计划：学习重症医学新技术。");
    let conflict = app.apply(&changed).await;
    assert_eq!(conflict.status(), 409);
    assert_eq!(conflict.json::<Value>().await.expect("json")["error"], "submission_conflict");
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 1);
    assert_eq!(app.mails().len(), 1);
}

/// Someone who knows a person's 身份证号 applies with it and confirms from their own address:
/// the centre voids that record with a reason (HR may not); the person's own application is
/// stored beside it all along (nothing refuses a number: `numbers.rs`).
#[tokio::test]
async fn the_centre_voids_a_squatted_application_with_a_reason() {
    let app = spawn_app().await;
    let mut squatter = sample(3);
    squatter["email"] = json!("squatter@example.com");
    squatter["name"] = json!("冒名者");
    squatter["submission_id"] = json!("squatter-3");
    let first: Value = app.apply(&squatter).await.json().await.expect("json");
    let held = first["reference"].as_str().expect("reference").to_owned();
    crate::helpers::confirm(&app, &held).await;

    // The centre voids A's record with a reason; B's application is stored beside it.
    assert_eq!(app.post_form("/dashboard", "email=centre@example.gov.cn").await.status(), 200);
    let centre = crate::helpers::link_in_mail(&app.mails(), "centre@example.gov.cn", "/dashboard/");
    let no_reason = app.post_form(&format!("{centre}/void"), &format!("reference={held}&reason=")).await;
    assert_eq!(no_reason.status(), 422);
    let hohhot = crate::helpers::link_in_mail(
        &{
            assert_eq!(app.post_form("/dashboard", "email=hr-hohhot@example.gov.cn").await.status(), 200);
            app.mails()
        },
        "hr-hohhot@example.gov.cn",
        "/dashboard/",
    );
    let by_hr = app.post_form(&format!("{hohhot}/void"), &format!("reference={held}&reason=x")).await;
    assert_eq!(by_hr.status(), 403, "only the centre voids");
    let reason =
        serde_urlencoded::to_string([("reference", held.as_str()), ("reason", "经核实，冒用他人居民身份证号")])
            .expect("encode");
    let voided = app.post_form(&format!("{centre}/void"), &reason).await;
    assert_eq!(voided.status(), 303);
    assert_eq!(voided.headers()["location"].to_str().expect("ascii"), format!("{centre}?voided={held}"));
    let record = app.store.get(&held).await.expect("get").expect("kept");
    assert_eq!(record.status, policy::Status::Voided);
    let events = app.store.events(&held).await.expect("events");
    let last = events.last().expect("event");
    assert_eq!((last.kind, last.actor), (policy::EventKind::Voided, policy::Actor::Centre));
    assert_eq!(last.comment.as_deref(), Some("经核实，冒用他人居民身份证号"));
    let status = crate::helpers::submit(&app, 3).await;
    let mine: Value = app.get_json(&status).await.json().await.expect("json");
    assert_eq!(mine["status"], "unit_review");
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 2);
}

/// An application never confirmed (a mistyped address, or a stranger's probe) blocks nobody: the
/// person applies with the same number an hour later and is stored; the unconfirmed one lapses
/// after `confirm_hours`, and its code page then no longer acts.
#[tokio::test]
async fn an_unconfirmed_application_blocks_nobody_and_lapses() {
    let app = spawn_app().await;
    let mut wrong_address = sample(12);
    wrong_address["email"] = json!("typo@example.com");
    wrong_address["submission_id"] = json!("typo-12");
    let first: Value = app.apply(&wrong_address).await.json().await.expect("json");
    let lapsing = first["reference"].as_str().expect("reference").to_owned();
    let confirm = TestApp::path_of(first["confirm_url"].as_str().expect("confirm_url"));
    let hours_on = |hours: i64| {
        spawn_with(Options {
            clock: Clock::starting_at(crate::helpers::in_window() + time::Duration::hours(hours)),
            store: Some(app.store.clone()),
            ..Options::default()
        })
    };
    let soon = hours_on(1).await;
    let status = crate::helpers::submit(&soon, 12).await;
    assert_eq!(soon.get_json(&status).await.json::<Value>().await.expect("json")["status"], "unit_review");
    // After 48 hours the first has lapsed: its page acts no more, and it reached nobody.
    let later = hours_on(49).await;
    assert_eq!(later.post_form(&confirm, "code=123456").await.status(), 410);
    let old = app.store.get(&lapsing).await.expect("get").expect("kept");
    assert_eq!(old.status, policy::Status::Unconfirmed);
    assert!(app.mails().iter().all(|m| m.to == "typo@example.com" || !m.subject.contains(&lapsing)));
}

#[tokio::test]
async fn outside_the_window_is_403_closed() {
    let app = spawn_with(Options {
        clock: Clock::starting_at(time::macros::datetime!(2025-03-22 00:00 +8)),
        ..Options::default()
    })
    .await;
    let response = app.apply(&sample(4)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.json::<Value>().await.expect("json")["error"], "closed");
    let early = spawn_with(Options {
        clock: Clock::starting_at(time::macros::datetime!(2025-03-12 23:59 +8)),
        ..Options::default()
    })
    .await;
    assert_eq!(early.apply(&sample(4)).await.status(), 403);
}

#[tokio::test]
async fn bad_bodies_are_400_413_415_and_never_500() {
    let app = spawn_app().await;
    let raw = |body: &'static str, kind: &'static str| {
        app.client.post(format!("{}/api/applications", app.address)).header("content-type", kind).body(body).send()
    };
    for body in ["{", "[1,2]", "\"text\"", "{\"name\": 5}", "{\"health_ok\": {}}", "\u{0}"] {
        let response = raw(body, "application/json").await.expect("request");
        assert_eq!(response.status(), 400, "{body:?}");
        assert_eq!(response.json::<Value>().await.expect("json")["error"], "bad_request");
    }
    assert_eq!(raw("x", "text/plain").await.expect("request").status(), 415);
    let huge = json!({"plan": "很".repeat(30_000)});
    assert_eq!(app.apply(&huge).await.status(), 413);
    // Odd but well-formed input is answered with field errors, never a 500.
    for body in [
        json!({"name": "\u{202e}\u{0}"}),
        json!({"id_number": "x".repeat(5000)}),
        json!({"league": "../../etc"}),
        json!({"track": null}),
    ] {
        let status = app.apply(&body).await.status();
        assert!(status == 422, "{body}: {status}");
    }
}

#[tokio::test]
async fn the_honeypot_answers_success_and_stores_nothing() {
    let app = spawn_app().await;
    let mut bot = sample(5);
    bot["website"] = json!("http://spam.example");
    let response = app.apply(&bot).await;
    assert_eq!(response.status(), 201);
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
    assert!(app.mails().is_empty());
}

#[tokio::test]
async fn the_plain_form_redirects_to_a_confirmation() {
    let app = spawn_app().await;
    let response = app.post_form("/api/applications", &form_body(&app.with_documents(&sample(6)).await)).await;
    assert_eq!(response.status(), 200);
    let page = response.text().await.expect("html");
    let reference = app.store.list(2025, None).await.expect("list")[0].reference.clone();
    assert!(page.contains("申报已提交，请输入邮箱验证码") && page.contains(&reference), "{page}");
    assert!(page.contains("验证码已发送至</dt><dd>applicant6@example.com</dd>"), "{page}");
    assert!(page.contains(&format!("action=\"/confirm/c.{reference}.")), "the code is typed on this page: {page}");
    assert!(!page.contains("/status/s."), "the status link reaches the applicant by mail only");
}

#[tokio::test]
async fn the_plain_form_comes_back_with_a_summary_and_every_value() {
    let app = spawn_app().await;
    let mut form = sample(7);
    form["phone"] = json!("123");
    form["name"] = json!("<script>alert(1)</script>");
    form["submission_id"] = json!("");
    let response = app.post_form("/api/applications", &form_body(&form)).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("class=\"error-summary\""), "{html}");
    assert!(html.contains("<a href=\"#f-phone\">请填写11位手机号码"));
    assert!(html.contains("id=\"f-phone-error\""));
    assert!(html.contains("aria-invalid=\"true\""));
    // Every value kept, escaped.
    assert!(html.contains("value=\"123\""));
    assert!(html.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("<option value=\"蒙古族\" selected>"));
    assert!(html.contains("value=\"北京协和医院\""));
    assert!(html.contains("id=\"f-pledge\" checked"));
    // A submission id is issued so a second try stays idempotent.
    let id =
        html.split("name=\"submission_id\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("submission id");
    assert_eq!(id.len(), 32);
}

#[tokio::test]
async fn an_unreachable_store_is_a_clean_503_and_the_form_keeps_its_values() {
    let app = spawn_with(Options { store: Some(unreachable_store().await), ..Options::default() }).await;
    let response = app.apply(&sample(8)).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "unavailable");
    assert!(body["message"].as_str().expect("message").contains("系统繁忙"));
    let response = app.post_form("/api/applications", &form_body(&app.with_documents(&sample(8)).await)).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    let html = response.text().await.expect("html");
    assert!(html.contains("系统繁忙") && html.contains("value=\"呼和浩特市第一医院\""));
    assert!(app.mails().is_empty());
}

#[tokio::test]
async fn links_are_checked() {
    let app = spawn_app().await;
    let status_path = crate::helpers::submit(&app, 9).await;
    assert_eq!(app.get(&status_path).await.status(), 200);
    // Tampered: one character of the signature changed.
    let mut tampered = status_path.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(app.get(&tampered).await.status(), 403);
    // A status link is not a review link.
    assert_eq!(app.get(&status_path.replace("/status/", "/review/")).await.status(), 403);
    assert_eq!(app.get("/review/garbage").await.status(), 403);
    // Past its expiry (the clock 401 days on).
    let later = spawn_with(Options {
        clock: Clock::starting_at(crate::helpers::in_window() + time::Duration::days(401)),
        store: Some(app.store.clone()),
        ..Options::default()
    })
    .await;
    assert_eq!(later.get(&status_path).await.status(), 410);
}

#[tokio::test]
async fn the_outbox_task_needs_its_secret() {
    let app = spawn_app().await;
    let url = format!("{}/api/tasks/flush-outbox", app.address);
    assert_eq!(app.client.post(&url).send().await.expect("request").status(), 401);
    assert_eq!(app.client.post(&url).bearer_auth("wrong").send().await.expect("request").status(), 401);
    let ok = app.client.post(&url).bearer_auth(&app.task_secret).send().await.expect("request");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.expect("json"), json!({"sent": 0, "failed": 0, "dead": 0}));
}

/// A real SQLite store on which the first `collisions` creates meet a reference already in use.
struct Colliding {
    inner: handler::store::SqliteStore,
    collisions: std::sync::atomic::AtomicU32,
    seen: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl handler::store::Applications for Colliding {
    async fn create_charged(
        &self,
        record: &handler::store::Record,
        event: &handler::store::Event,
        mails: &[handler::store::Mail],
        charges: &[handler::store::Charge],
    ) -> Result<handler::store::Created, handler::store::StoreError> {
        self.seen.lock().expect("lock").push(record.reference.clone());
        let left = self.collisions.load(std::sync::atomic::Ordering::SeqCst);
        if left > 0 {
            self.collisions.store(left - 1, std::sync::atomic::Ordering::SeqCst);
            return Ok(handler::store::Created::ReferenceTaken);
        }
        self.inner.create_charged(record, event, mails, charges).await
    }
    async fn transition(
        &self,
        change: &handler::store::Transition,
    ) -> Result<handler::store::Transitioned, handler::store::StoreError> {
        self.inner.transition(change).await
    }
    async fn erase(
        &self,
        record: &handler::store::Record,
        events: &[handler::store::Event],
    ) -> Result<bool, handler::store::StoreError> {
        self.inner.erase(record, events).await
    }
    async fn reseal(&self, record: &handler::store::Record) -> Result<bool, handler::store::StoreError> {
        self.inner.reseal(record).await
    }
    async fn get(&self, reference: &str) -> Result<Option<handler::store::Record>, handler::store::StoreError> {
        self.inner.get(reference).await
    }
    async fn by_number(&self, round: i32, id_hash: &str) -> Result<Vec<String>, handler::store::StoreError> {
        self.inner.by_number(round, id_hash).await
    }
    async fn shared_numbers(
        &self,
        round: i32,
        id_hashes: &[String],
    ) -> Result<Vec<handler::store::NumberUse>, handler::store::StoreError> {
        self.inner.shared_numbers(round, id_hashes).await
    }
    async fn list(
        &self,
        round: i32,
        scope: Option<&policy::HrScope>,
    ) -> Result<Vec<handler::store::Record>, handler::store::StoreError> {
        self.inner.list(round, scope).await
    }
    async fn list_page(
        &self,
        page: handler::store::PageOf<'_>,
    ) -> Result<Vec<handler::store::Record>, handler::store::StoreError> {
        self.inner.list_page(page).await
    }
    async fn bookmark(&self, name: &str) -> Result<Option<String>, handler::store::StoreError> {
        self.inner.bookmark(name).await
    }
    async fn set_bookmark(&self, name: &str, value: &str) -> Result<(), handler::store::StoreError> {
        self.inner.set_bookmark(name, value).await
    }
    async fn events(&self, reference: &str) -> Result<Vec<handler::store::Event>, handler::store::StoreError> {
        self.inner.events(reference).await
    }
    async fn quota_used(&self, key: &str) -> Result<u32, handler::store::StoreError> {
        self.inner.quota_used(key).await
    }
    async fn ping(&self) -> Result<(), handler::store::StoreError> {
        self.inner.ping().await
    }
}

#[async_trait::async_trait]
impl handler::store::MailQueue for Colliding {
    async fn enqueue(&self, mails: &[handler::store::Mail]) -> Result<(), handler::store::StoreError> {
        self.inner.enqueue(mails).await
    }
    async fn claim_mail(
        &self,
        now: i64,
        lease: i64,
        limit: usize,
    ) -> Result<Vec<handler::store::Mail>, handler::store::StoreError> {
        self.inner.claim_mail(now, lease, limit).await
    }
    async fn claim_mail_id(
        &self,
        id: &str,
        now: i64,
        lease: i64,
    ) -> Result<Option<handler::store::Mail>, handler::store::StoreError> {
        self.inner.claim_mail_id(id, now, lease).await
    }
    async fn mail_sent(&self, id: &str, at: &str) -> Result<(), handler::store::StoreError> {
        self.inner.mail_sent(id, at).await
    }
    async fn mail_dead(&self, id: &str, at: &str, error: &str) -> Result<(), handler::store::StoreError> {
        self.inner.mail_dead(id, at, error).await
    }
    async fn dead_mail(&self) -> Result<usize, handler::store::StoreError> {
        self.inner.dead_mail().await
    }
    async fn mail_failed(&self, id: &str, retry_at: i64, error: &str) -> Result<(), handler::store::StoreError> {
        self.inner.mail_failed(id, retry_at, error).await
    }
    async fn unsent_mail(&self) -> Result<usize, handler::store::StoreError> {
        self.inner.unsent_mail().await
    }
    async fn mail_of(&self, reference: &str) -> Result<Vec<handler::store::MailHeld>, handler::store::StoreError> {
        self.inner.mail_of(reference).await
    }
    async fn delete_mail(&self, reference: &str, ids: &[String]) -> Result<(), handler::store::StoreError> {
        self.inner.delete_mail(reference, ids).await
    }
    async fn last_summary(
        &self,
        round: i32,
        scope: &str,
    ) -> Result<Option<handler::store::SummarySent>, handler::store::StoreError> {
        self.inner.last_summary(round, scope).await
    }
    async fn summary_sent(
        &self,
        sent: &handler::store::SummarySent,
        mail: &handler::store::Mail,
    ) -> Result<bool, handler::store::StoreError> {
        self.inner.summary_sent(sent, mail).await
    }
}

#[async_trait::async_trait]
impl handler::store::Counters for Colliding {
    async fn hit(&self, key: &str, window_start: i64, window: i64) -> Result<u32, handler::store::StoreError> {
        self.inner.hit(key, window_start, window).await
    }
}

/// Found by the 20,000-submission load run: two random references met and SQLite answered 500.
#[tokio::test]
async fn a_reference_already_in_use_is_drawn_again_and_the_mails_carry_the_new_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = std::sync::Arc::new(Colliding {
        inner: handler::store::SqliteStore::open(&dir.path().join("db.sqlite3")).expect("sqlite"),
        collisions: 2.into(),
        seen: Default::default(),
    });
    let app = spawn_with(Options { store: Some(store.clone()), ..Options::default() }).await;
    let response = app.apply(&sample(77)).await;
    assert_eq!(response.status(), 201);
    let reference = response.json::<Value>().await.expect("json")["reference"].as_str().expect("ref").to_owned();
    let seen = store.seen.lock().expect("lock").clone();
    assert_eq!(seen.len(), 3, "{seen:?}");
    assert_eq!(seen.last(), Some(&reference));
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 1);
    let mails = app.mails();
    assert_eq!(mails.len(), 1, "the mail asking to confirm");
    assert!(mails.iter().all(|m| m.subject.contains(&reference)), "mails carry the reference that was stored");
    assert!(crate::helpers::confirm_link(&app, &reference).contains(&reference));
}

/// A page built from other rules than the handler enforces (a site and a function deployed from
/// different commits) is refused with 409 and a page saying to reload; the right fingerprint, or
/// none (a script), is taken. `/api/health` and the pages the handler renders carry it.
#[tokio::test]
async fn a_submission_from_a_page_built_from_other_rules_is_refused() {
    let app = spawn_app().await;
    let health = app.get("/api/health").await;
    let enforced = health.headers()["x-tepei-rules"].to_str().expect("ascii").to_owned();
    assert_eq!(enforced, policy::embedded_fingerprint());
    // The form the handler renders carries the fingerprint, in its meta and with the form.
    let page = app.post_form("/apply/check", "name=").await.text().await.expect("form again");
    assert!(page.contains(&format!("<meta name=\"tepei-rules\" content=\"{enforced}\">")));
    assert!(page.contains(&format!("name=\"rules\" value=\"{enforced}\"")));

    let mut stale = app.with_documents(&testkit::sample_application(41)).await;
    stale["rules"] = json!("0123456789abcdef");
    let refused = app.apply(&stale).await;
    assert_eq!(refused.status(), 409);
    assert_eq!(refused.json::<Value>().await.expect("json")["error"], "rules_changed");
    let page = app.post_form("/api/applications", &form_body(&stale)).await;
    assert_eq!(page.status(), 409);
    assert!(page.text().await.expect("html").contains("本站规则已更新，请刷新页面后重新提交"));
    let check = app.post_form("/api/eligibility", "rules=0123456789abcdef&track=out").await;
    assert_eq!(check.status(), 409);
    assert!(app.store.list(2025, None).await.expect("list").is_empty(), "nothing stored");

    stale["rules"] = json!(enforced);
    assert_eq!(app.apply(&stale).await.status(), 201);
}

/// The sensitive items (身份证号, 民族, the health declaration) need their own consent, apart from
/// the pledge: without it 422 naming `consent_sensitive` and nothing stored; with it the record
/// shows it.
#[tokio::test]
async fn sensitive_personal_information_needs_its_own_consent() {
    let app = spawn_app().await;
    let mut form = app.with_documents(&testkit::sample_application(42)).await;
    form["consent_sensitive"] = json!(false);
    let refused = app.apply(&form).await;
    assert_eq!(refused.status(), 422);
    let body: Value = refused.json().await.expect("json");
    assert_eq!(
        body["errors"],
        json!([{"field": "consent_sensitive", "message": "请阅读并单独同意本站处理您的敏感个人信息（居民身份证号码、民族、身心健康声明）"}])
    );
    let page = app.post_form("/api/applications", &form_body(&form)).await;
    assert_eq!(page.status(), 422);
    let html = page.text().await.expect("html");
    assert!(html.contains("href=\"#f-consent_sensitive\"") && html.contains("id=\"f-consent_sensitive\""));
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
    form["consent_sensitive"] = json!(true);
    assert_eq!(app.apply(&form).await.status(), 201);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    assert!(record.application.consent_sensitive);
    // The version of the 个人信息处理规则 consented to, and when, are stored with the record.
    let consented = record.application.consented.clone().expect("recorded");
    assert_eq!(consented.rules_version, policy::Programme::embedded().expect("programme").privacy.version);
    assert_eq!(consented.at[..19], record.created_at[..19], "taken with the application");
    let status = crate::helpers::confirm(&app, &record.reference).await;
    let page = app.get(&status).await.text().await.expect("status page");
    assert!(page.contains("敏感个人信息处理"), "{page}");
    assert!(page.contains("本人单独同意（个人信息处理规则2025-3版，2025年"), "the version and time are shown");
    // Every mail names the rules; those to a proven address link them (a code mail links nothing).
    let mails = app.mails();
    assert!(!mails.is_empty());
    for mail in &mails {
        if mail.subject.contains("邮箱验证码") {
            assert!(mail.text.contains("个人信息处理规则见本站") && !mail.text.contains("https://"), "{}", mail.text);
            continue;
        }
        assert!(mail.text.contains("个人信息处理规则：https://tepei.example.gov.cn/privacy/"), "{}", mail.text);
        assert!(mail.html.contains("href=\"https://tepei.example.gov.cn/privacy/\""), "{}", mail.html);
    }
}
