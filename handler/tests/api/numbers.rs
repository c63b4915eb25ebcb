//! No uniqueness at submission (issue 30, finding 4): a 身份证号 that applied before is answered
//! and mailed exactly like any other, so neither the answer nor the mail is an oracle, and a
//! probe blocks nobody. After confirmation every reviewer sees the other applications of the
//! number; HR cannot recommend a second one while the first holds a place.

use crate::helpers::{Options, TestApp, link_in_mail, spawn_app, spawn_with, submit_form};
use serde_json::{Value, json};

/// Sample `n` under another address and submission id: the same person's number, typed by
/// someone else (or the same person applying twice).
fn same_number(n: u32, who: &str) -> Value {
    let mut form = testkit::sample_application(n);
    form["email"] = json!(format!("{who}@example.com"));
    form["submission_id"] = json!(format!("{who}-{n}"));
    form
}

/// What a submission answers and mails, with the reference taken out: the keys of the 201 body
/// and, per mail it caused, its recipient and its subject.
async fn answered(app: &TestApp, form: &Value) -> (String, Vec<String>, Vec<(String, String)>) {
    let before = app.mails().len();
    let response = app.apply(form).await;
    assert_eq!(response.status(), 201);
    assert!(response.headers().get("location").is_none());
    let body: Value = response.json().await.expect("json");
    let reference = body["reference"].as_str().expect("reference").to_owned();
    assert_eq!(body["status"], "unconfirmed");
    let mut keys: Vec<String> = body.as_object().expect("object").keys().cloned().collect();
    keys.sort();
    let mails = app.mails()[before..].iter().map(|m| (m.to.clone(), m.subject.replace(&reference, "REF"))).collect();
    (reference, keys, mails)
}

#[tokio::test]
async fn a_number_that_applied_before_is_answered_and_mailed_like_any_other() {
    let app = spawn_app().await;
    // Someone applies first with sample 3's number and their own address, and confirms.
    let (first, _, _) = answered(&app, &same_number(3, "squatter")).await;
    crate::helpers::confirm(&app, &first).await;
    let before = app.mails().len();
    // A fresh number, and then the number that applied: the same answer, the same one mail to
    // the address typed (its code), nothing to the address on file.
    let (fresh, fresh_keys, fresh_mails) = answered(&app, &testkit::sample_application(4)).await;
    let (again, again_keys, again_mails) = answered(&app, &testkit::sample_application(3)).await;
    assert_eq!(again_keys, fresh_keys);
    assert_eq!(fresh_mails, [("applicant4@example.com".to_owned(), fresh_mails[0].1.clone())]);
    assert_eq!(again_mails, [("applicant3@example.com".to_owned(), fresh_mails[0].1.clone())]);
    let mails = app.mails();
    assert!(mails[before..].iter().all(|m| m.to != "squatter@example.com"), "the address on file is not told");
    let code_mail = mails.iter().rev().find(|m| m.to == "applicant3@example.com").expect("code mail");
    assert!(!code_mail.text.contains(&first) && !code_mail.text.contains("同一身份证号的其他"), "{}", code_mail.text);
    // Both stored, each on its own; the second confirms like the first.
    for reference in [&fresh, &again] {
        assert!(app.store.get(reference).await.expect("get").is_some(), "{reference} stored");
    }
    let status = crate::helpers::confirm(&app, &again).await;
    let page = app.get(&status).await.text().await.expect("html");
    assert!(page.contains(&again) && !page.contains(&first) && !page.contains("同一身份证号的其他"), "{page}");
    // The form path answers the same page as for any number.
    let mut form = testkit::sample_application(3);
    form["submission_id"] = json!("form-try");
    let form = app.with_documents(&form).await;
    let page = app.post_form("/api/applications", &testkit::form_body(&form)).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("html").contains("申报已提交，请输入邮箱验证码"));
    // The site no longer says what the notice does not.
    assert!(!policy::PROGRAMME_TOML.contains("每人每年度只"));
}

/// Two confirmed applications of one number, in 呼和浩特 and 包头, and a third never confirmed:
/// reviewers see the confirmed other (never the unconfirmed one, never on the applicant's page);
/// HR recommends one, the other's HR is refused with 409 and the reason until the place is
/// given back.
async fn reviewers_see_the_others_and_hr_recommends_one(store: Option<std::sync::Arc<dyn handler::store::Store>>) {
    let app = spawn_with(Options { store, ..Options::default() }).await;
    let a_status = submit_form(&app, &app.with_documents(&testkit::sample_application(50)).await).await;
    let a = a_status.split('.').nth(1).expect("reference").to_owned();
    let mut b_form = same_number(50, "second");
    b_form["league"] = json!("baotou");
    let b_status = submit_form(&app, &app.with_documents(&b_form).await).await;
    let b = b_status.split('.').nth(1).expect("reference").to_owned();
    let unconfirmed = app.apply(&app.with_documents(&same_number(50, "probe")).await).await;
    let probe: Value = unconfirmed.json().await.expect("json");
    let probe = probe["reference"].as_str().expect("reference").to_owned();

    // The unit's page says nothing of it: its address is the applicant's to choose, so whoever
    // names their own would learn whether the number applied.
    let unit_a = link_in_mail(&app.mails(), "unit50@example.gov.cn", &format!("/review/r.{a}."));
    let page = app.get(&unit_a).await.text().await.expect("html");
    assert!(!page.contains("同一身份证号的其他") && !page.contains(&b) && !page.contains(&probe), "{page}");
    // The applicant's own page says nothing of it.
    let mine = app.get(&a_status).await.text().await.expect("html");
    assert!(!mine.contains(&b) && !mine.contains("同一身份证号的其他"));
    assert_eq!(app.post_form(&unit_a, "decision=approve").await.status(), 303);
    let unit_b = link_in_mail(&app.mails(), "unit50@example.gov.cn", &format!("/review/r.{b}."));
    assert_eq!(app.post_form(&unit_b, "decision=approve").await.status(), 303);

    // 呼和浩特's page names the other confirmed application, not the probe; it recommends A.
    let hr_a = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", &format!("/review/r.{a}.hr."));
    let page = app.get(&hr_a).await.text().await.expect("html");
    assert!(page.contains("同一身份证号的其他申报") && page.contains(&b) && !page.contains(&probe), "{page}");
    let hr_a = crate::helpers::receive_paper(&app, &hr_a).await;
    assert_eq!(app.post_form(&hr_a, "decision=approve").await.status(), 303);
    // 包头 sees A holding the place, and is refused B's recommendation, on the page with the
    // choice kept, and as JSON.
    let hr_b = link_in_mail(&app.mails(), "hr-baotou@example.gov.cn", &format!("/review/r.{b}.hr."));
    let hr_b = crate::helpers::receive_paper(&app, &hr_b).await;
    let page = app.get(&hr_b).await.text().await.expect("html");
    assert!(page.contains(&format!("{a}：已推荐")) && page.contains("已占用名额"), "{page}");
    let refused = app.post_form(&hr_b, "decision=approve").await;
    assert_eq!(refused.status(), 409);
    let page = refused.text().await.expect("html");
    assert!(page.contains(&format!("同一居民身份证号的另一份申报（{a}）已被推荐并占用名额")), "{page}");
    let approve = page.split("<input").find(|tag| tag.contains("value=\"approve\"")).expect("approve choice");
    assert!(approve.split('>').next().expect("tag").contains("checked"), "the choice is kept: {approve}");
    let json = app.post_form_for_json(&hr_b, "decision=approve").await;
    assert_eq!(json.status(), 409);
    assert_eq!(json.json::<Value>().await.expect("json")["error"], "number_has_place");
    let b_now: Value = app.get_json(&b_status).await.json().await.expect("json");
    assert_eq!(b_now["status"], "hr_review");
    let used = app.store.quota_used("region-out").await.expect("quota");
    assert_eq!(used, 1, "one place for the number");

    // 包头's dashboard and 汇总表 mark B with A.
    assert_eq!(app.post_form("/dashboard", "email=hr-baotou@example.gov.cn").await.status(), 200);
    let dashboard = link_in_mail(&app.mails(), "hr-baotou@example.gov.cn", "/dashboard/");
    let page = app.get(&dashboard).await.text().await.expect("html");
    assert!(page.contains("同一身份证号另有") && page.contains(&a) && !page.contains(&probe), "{page}");
    let csv = app.get(&format!("{dashboard}/summary.csv?all=1")).await.bytes().await.expect("csv");
    let csv = String::from_utf8(csv.to_vec()).expect("utf-8");
    assert!(csv.contains("\"同号申报\""), "{csv}");
    let row = csv.lines().find(|l| l.contains(&b)).expect("B's row");
    assert!(row.contains(&format!("{a}（已推荐")), "{row}");

    // A withdraws: the place goes back, and B is recommended.
    let version = app.get_json(&a_status).await.json::<Value>().await.expect("json")["version"].clone();
    let withdraw = format!("decision=withdraw&version={version}&confirm=on");
    assert_eq!(app.post_form(&a_status, &withdraw).await.status(), 303);
    assert_eq!(app.post_form(&hr_b, "decision=approve").await.status(), 303);
    let b_now: Value = app.get_json(&b_status).await.json().await.expect("json");
    assert_eq!(b_now["status"], "recommended");
}

#[tokio::test]
async fn reviewers_see_the_others_and_hr_recommends_one_on_sqlite() {
    reviewers_see_the_others_and_hr_recommends_one(None).await;
}

#[tokio::test]
async fn reviewers_see_the_others_and_hr_recommends_one_on_dynamodb_local() {
    reviewers_see_the_others_and_hr_recommends_one(Some(crate::machine::dynamo_store().await)).await;
}
