//! A changed applicant address in a resubmission is proven like a new one (issue 30, finding 1):
//! until its 邮箱验证码 is typed on the page the resubmission led to, every mail keeps going to the
//! proven address, and the new one gets the code and nothing else; returns and resubmissions of
//! one application are capped.

use crate::helpers::{TestApp, link_in_mail, spawn_app, submit};
use serde_json::Value;

async fn post(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.post_form(path, body).await
}

/// The sample application as the status page's form posts it, resubmitted at `version` with
/// `email` as the applicant's address.
fn resubmission(n: u32, version: u64, email: &str) -> String {
    let mut form = testkit::sample_application(n);
    form["email"] = email.into();
    form["plan"] = format!("修改后的培养计划（第{version}版）：在北京协和医院学习心血管介入技术一年。").into();
    format!("{}&decision=resubmit&version={version}", crate::helpers::form_body(&form))
}

/// The reference of sample applicant `n`'s application.
async fn reference_of(app: &TestApp, n: u32) -> String {
    let all = app.store.list(2025, None).await.expect("list");
    let mine = all.into_iter().find(|r| r.application.email.as_str() == format!("applicant{n}@example.com"));
    mine.expect("stored").reference
}

async fn version(app: &TestApp, status: &str) -> u64 {
    app.get_json(status).await.json::<Value>().await.expect("json")["version"].as_u64().expect("version")
}

#[tokio::test]
async fn a_new_address_in_a_resubmission_gets_only_its_code_until_it_is_proven() {
    let app = spawn_app().await;
    let status = submit(&app, 81).await;
    let reference = app.store.list(2025, None).await.expect("list")[0].reference.clone();
    let unit = link_in_mail(&app.mails(), "unit81@example.gov.cn", "/review/");
    assert_eq!(post(&app, &unit, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85").await.status(), 303);
    let before = app.mails().len();

    // Resubmitted with a new address: the answer leads to the page that takes its code.
    let v = version(&app, &status).await;
    let answer = post(&app, &status, &resubmission(81, v, "new81@example.com")).await;
    assert_eq!(answer.status(), 303);
    let code_page = answer.headers()["location"].to_str().expect("ascii").to_owned();
    assert!(code_page.starts_with("/confirm/") && code_page.ends_with("?changed=1"), "{code_page}");
    let code_page = code_page.trim_end_matches("?changed=1").to_owned();
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert_eq!(record.application.email.as_str(), "applicant81@example.com", "mail stays with the proven address");
    let new_mail: Vec<_> = app.mails()[before..].iter().filter(|m| m.to == "new81@example.com").cloned().collect();
    assert_eq!(new_mail.len(), 1, "the new address gets its code only");
    for part in [&new_mail[0].text, &new_mail[0].html] {
        assert!(!part.contains("/status/") && !part.contains("/review/") && !part.contains("/confirm/"), "{part}");
        assert!(!part.contains("乌力吉") && !part.contains("呼和浩特市第一医院"), "nothing the applicant typed");
    }
    assert!(new_mail[0].text.contains("新的申报人邮箱"), "{}", new_mail[0].text);
    let page = app.get(&format!("{code_page}?changed=1")).await.text().await.expect("html");
    assert!(page.contains("请输入发送到新邮箱的验证码"), "{page}");
    // The status page marks it 待验证 but never leads to the code page: whoever holds the status
    // link (the mailbox being left, perhaps) cannot prove or correct the new address.
    let shown = app.get(&status).await.text().await.expect("html");
    assert!(shown.contains("待验证") && !shown.contains("/confirm/"), "{shown}");

    // The unit returns it again: the comment goes to the proven address, not the new one.
    let unit = link_in_mail(&app.mails(), "unit81@example.gov.cn", "/review/");
    let before = app.mails().len();
    assert_eq!(post(&app, &unit, "decision=return&comment=%E5%86%8D%E6%94%B9").await.status(), 303);
    let after: Vec<_> = app.mails()[before..].to_vec();
    assert!(after.iter().all(|m| m.to != "new81@example.com"), "{after:?}");
    assert!(after.iter().any(|m| m.to == "applicant81@example.com"));

    // A wrong code: 422; the code mailed to the new address proves it, and its status link goes
    // there now.
    assert_eq!(post(&app, &code_page, "code=000001").await.status(), 422);
    let code = testkit::mailed_code(&new_mail[0].text).expect("code");
    let proven = post(&app, &code_page, &format!("code={code}")).await;
    assert_eq!(proven.status(), 303);
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert_eq!(record.application.email.as_str(), "new81@example.com");
    assert!(record.pending_address.is_none());
    let events = app.store.events(&reference).await.expect("events");
    assert_eq!(events.last().expect("event").kind, policy::EventKind::AddressProven);
    let link = link_in_mail(&app.mails(), "new81@example.com", "/status/");
    assert_eq!(version(&app, &link).await, record.version);
    let welcome = app.mails().into_iter().rfind(|m| m.to == "new81@example.com").expect("the link");
    assert!(
        welcome.text.contains("申报人邮箱已改为本邮箱") && !welcome.text.contains("请求重新发送"),
        "{}",
        welcome.text
    );
    // The replaced address is told the change took effect, with the new one masked and no link.
    let told = app.mails().into_iter().find(|m| m.to == "applicant81@example.com" && m.subject.contains("邮箱已变更"));
    let told = told.expect("the replaced address is told");
    assert!(told.text.contains("n***@example.com"), "{}", told.text);
    assert!(!told.text.contains("/status/") && !told.html.contains("/status/"), "{}", told.text);
}

#[tokio::test]
async fn returns_and_resubmissions_of_one_application_are_capped() {
    let app = spawn_app().await;
    let status = submit(&app, 82).await;
    let mut refused = None;
    for round in 0..8 {
        let unit = link_in_mail(&app.mails(), "unit82@example.gov.cn", "/review/");
        let returned = post(&app, &unit, "decision=return&comment=%E8%AF%B7%E6%94%B9").await;
        if returned.status() == 429 {
            refused = Some(("return", round));
            break;
        }
        assert_eq!(returned.status(), 303, "round {round}");
        let v = version(&app, &status).await;
        let again = post(&app, &status, &resubmission(82, v, "applicant82@example.com")).await;
        if again.status() == 429 {
            refused = Some(("resubmit", round));
            break;
        }
        assert_eq!(again.status(), 303, "round {round}");
    }
    let (what, round) = refused.expect("a cap within 8 rounds");
    assert_eq!(round, 5, "{what}: five a day each");
    let to_applicant = app.mails().iter().filter(|m| m.to == "applicant82@example.com").count();
    assert!(to_applicant <= 12, "at most the confirmation, the receipt and the capped rounds: {to_applicant}");
}

/// Every route that queues mail, walked once, and then every mail checked: each goes to a proven
/// applicant address (only once proven), the unit reviewer (only after the applicant's address is
/// proven), or a configured reviewer — or it is a code mail, which carries no link at all. A
/// stranger's attempts (a typo'd address, a lookup with the wrong address, an unknown dashboard
/// address) mail nothing but a code.
#[tokio::test]
async fn every_mail_goes_to_a_proven_address_a_reviewer_or_is_a_code_without_links() {
    let app = spawn_app().await;
    let programme = policy::Programme::embedded().expect("programme");
    let reviewers = policy::Reviewers::embedded(&programme).expect("reviewers");
    let configured: Vec<String> = reviewers
        .scopes()
        .map(|(_, address)| address.to_string())
        .chain(std::iter::once(reviewers.centre().to_string()))
        .collect();

    // A typo'd address: its code only, and nothing else ever.
    let mut typo = testkit::sample_application(92);
    typo["email"] = "typo92@example.com".into();
    assert_eq!(app.apply(&app.with_documents(&typo).await).await.status(), 201);

    // The applicant: a code, a new code, confirmed; returned, resubmitted with a new address,
    // the new address proven; approved by the unit; the status link asked again (once with the
    // wrong address); dashboard links asked for a configured and an unknown address; withdrawn.
    let answer: Value =
        app.apply(&app.with_documents(&testkit::sample_application(91)).await).await.json().await.expect("json");
    let reference = answer["reference"].as_str().expect("reference").to_owned();
    let first_page = TestApp::path_of(answer["confirm_url"].as_str().expect("confirm_url"));
    let first_code = crate::helpers::mailed_code(&app, &reference);
    let again = post(&app, &first_page, "new_code=1").await;
    let page = again.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    let code = crate::helpers::new_mailed_code(&app, &reference, &first_code);
    let confirmed = post(&app, &page, &format!("code={code}")).await;
    assert_eq!(confirmed.status(), 303);
    let proven_at = app.mails().len();
    let status = confirmed.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    let unit = link_in_mail(&app.mails(), "unit91@example.gov.cn", "/review/");
    assert_eq!(post(&app, &unit, "decision=return&comment=%E8%AF%B7%E6%94%B9").await.status(), 303);
    let v = version(&app, &status).await;
    let changed = post(&app, &status, &resubmission(91, v, "new91@example.com")).await;
    let new_page = changed.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    let new_code = testkit::mailed_code(
        &app.mails().iter().rev().find(|m| m.to == "new91@example.com").expect("code to the new address").text,
    )
    .expect("code");
    assert_eq!(post(&app, &new_page, &format!("code={new_code}")).await.status(), 303);
    // The proof mails the new address its link and the replaced one the word, in either order.
    let new_proven_at = app.mails().len() - 2;
    // The old address's link opens nothing now (410, saying why); the new one's does.
    let old_link = app.get(&status).await;
    assert_eq!(old_link.status(), 410);
    assert!(old_link.text().await.expect("html").contains("申报人邮箱已更换并验证"));
    assert_eq!(app.get(&format!("{status}/data")).await.status(), 410);
    let status = link_in_mail(&app.mails(), "new91@example.com", "/status/");
    let unit = link_in_mail(&app.mails(), "unit91@example.gov.cn", "/review/");
    assert_eq!(post(&app, &unit, "decision=approve").await.status(), 303);
    let lookup = |email: &str| format!("reference={reference}&email={email}");
    assert_eq!(post(&app, "/api/status-link", &lookup("new91%40example.com")).await.status(), 200);
    assert_eq!(post(&app, "/api/status-link", &lookup("someone%40example.com")).await.status(), 200);
    assert_eq!(post(&app, "/dashboard", "email=hr-hohhot%40example.gov.cn").await.status(), 200);
    assert_eq!(post(&app, "/dashboard", "email=curious%40example.com").await.status(), 200);
    let v = version(&app, &status).await;
    assert_eq!(post(&app, &status, &format!("decision=withdraw&version={v}&confirm=on")).await.status(), 303);

    let mails = app.mails();
    assert!(mails.len() >= 12, "the walk queued mail on every route: {}", mails.len());
    for (i, mail) in mails.iter().enumerate() {
        let is_code = mail.subject.contains("邮箱验证码");
        let to = mail.to.as_str();
        if is_code {
            for part in [&mail.text, &mail.html] {
                assert!(!part.contains("http://") && !part.contains("https://"), "a code mail carries no link: {part}");
            }
            continue;
        }
        let allowed = match to {
            "applicant91@example.com" => i >= proven_at - 2,
            "unit91@example.gov.cn" => i >= proven_at - 2,
            "new91@example.com" => i >= new_proven_at,
            other => configured.iter().any(|c| c == other),
        };
        assert!(allowed, "mail {i} «{}» to {to}, not proven or configured then", mail.subject);
    }
    assert!(mails.iter().all(|m| m.to != "typo92@example.com" || m.subject.contains("邮箱验证码")));
    assert!(mails.iter().all(|m| m.to != "someone@example.com" && m.to != "curious@example.com"));
}

/// A code page already used opens nothing without its own code (found by the red team: any code,
/// or none, answered a fresh status link to whoever had the page in a browser's history).
#[tokio::test]
async fn a_used_code_page_answers_only_its_own_code() {
    let app = spawn_app().await;
    let body: Value = app.apply(&testkit::sample_application(93)).await.json().await.expect("json");
    let reference = body["reference"].as_str().expect("reference").to_owned();
    let page = TestApp::path_of(body["confirm_url"].as_str().expect("confirm_url"));
    let code = crate::helpers::mailed_code(&app, &reference);
    crate::helpers::confirm(&app, &reference).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for typed in [wrong, ""] {
        let answer = app.post_form_for_json(&page, &format!("code={typed}")).await;
        assert_eq!(answer.status(), 422, "{typed:?}");
        let answer: Value = answer.json().await.expect("json");
        assert!(answer.get("status_url").is_none(), "{answer}");
    }
    // Its own code again (a retried confirmation): the status link, nothing changed.
    let again = app.post_form_for_json(&page, &format!("code={code}")).await;
    assert_eq!(again.status(), 200);
    assert!(again.json::<Value>().await.expect("json")["status_url"].is_string());
}

/// Code mails a stranger can cause share one budget per mailbox: submissions naming it and new
/// codes asked for, with `+tag`s counted as the box they reach; a new code at most once per ten
/// minutes per application (found by the red team: 20 code mails a minute to one box).
#[tokio::test]
async fn code_mails_to_one_mailbox_are_capped_whatever_asks_for_them() {
    let app = spawn_app().await;
    let mut pages = Vec::new();
    for i in 0..9u32 {
        let mut form = testkit::sample_application(300 + i);
        form["email"] = format!("victim+{i}@example.com").into();
        let answer = app.apply(&form).await;
        assert_eq!(answer.status(), 201, "submission {i}");
        let body: Value = answer.json().await.expect("json");
        pages.push(TestApp::path_of(body["confirm_url"].as_str().expect("confirm_url")));
    }
    // A new code: the tenth code mail to the box; a second at once for the same application: 429.
    assert_eq!(post(&app, &pages[0], "new_code=1").await.status(), 303);
    assert_eq!(post(&app, &pages[1], "new_code=1").await.status(), 429, "the box's budget is spent");
    let mut form = testkit::sample_application(320);
    form["email"] = "Victim@example.com".into();
    assert_eq!(app.apply(&form).await.status(), 429, "the box itself, by another spelling");
    let to_box = app.mails().iter().filter(|m| m.to.to_ascii_lowercase().starts_with("victim")).count();
    assert_eq!(to_box, 10);
    // Another application's page, for its own (other) box, once per ten minutes.
    let body: Value = app.apply(&testkit::sample_application(321)).await.json().await.expect("json");
    let other = TestApp::path_of(body["confirm_url"].as_str().expect("confirm_url"));
    let next = post(&app, &other, "new_code=1").await;
    assert_eq!(next.status(), 303);
    let newer = next.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    assert_eq!(post(&app, &newer, "new_code=1").await.status(), 429, "one new code per ten minutes");
}

/// A new address mistyped in a resubmission (issue 32, red team): the code page names the
/// address the code went to and takes a correction; the status page marks it 待验证 while mail
/// stays with the proven address; reviewers' 修改内容 does not show it; the proven address is
/// told a change was asked for, with nothing that opens the application.
#[tokio::test]
async fn a_mistyped_new_address_is_named_marked_unproven_told_to_the_old_one_and_corrected() {
    let app = spawn_app().await;
    let status = submit(&app, 86).await;
    let reference = app.store.list(2025, None).await.expect("list")[0].reference.clone();
    let unit = link_in_mail(&app.mails(), "unit86@example.gov.cn", "/review/");
    assert_eq!(post(&app, &unit, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85").await.status(), 303);
    let v = version(&app, &status).await;
    let answer = post(&app, &status, &resubmission(86, v, "nwe86@example.com")).await;
    let code_page = answer.headers()["location"].to_str().expect("ascii").trim_end_matches("?changed=1").to_owned();

    // The code page names the address, and how to correct it.
    let page = app.get(&code_page).await.text().await.expect("html");
    assert!(page.contains("验证码已发送至 <strong class=\"address\">nwe86@example.com</strong>"), "{page}");
    assert!(page.contains("如新邮箱填写有误") && page.contains("id=\"email-form\""), "{page}");
    // The status page: 待验证, and mail still to the proven address.
    let page = app.get(&status).await.text().await.expect("html");
    assert!(page.contains("nwe86@example.com</strong>（<strong>待验证</strong>）"), "{page}");
    assert!(page.contains("验证前，通知仍发送到 applicant86@example.com"), "{page}");
    // The unit's 修改内容: the plan, not the unproven address.
    let unit = link_in_mail(&app.mails(), "unit86@example.gov.cn", "/review/");
    let page = app.get(&unit).await.text().await.expect("html");
    assert!(page.contains("修改内容：培养计划<"), "{page}");
    assert!(!page.contains("nwe86") && !page.contains("修改内容：电子邮箱"), "{page}");
    // The proven address is told, plainly and with nothing that opens the application.
    let told: Vec<_> = app.mails().into_iter().filter(|m| m.subject.contains("申报人邮箱变更待验证")).collect();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].to, "applicant86@example.com");
    for part in [&told[0].text, &told[0].html] {
        assert!(part.contains("n***@example.com") && part.contains("如果不是您本人修改的"), "{part}");
        assert!(!part.contains("/status/") && !part.contains("/review/") && !part.contains("/confirm/"), "{part}");
        assert!(!part.contains("nwe86"), "the new address masked: {part}");
    }

    // Not an address: 422, the correction kept beside its error; nothing sent.
    let refused = post(&app, &code_page, "email=new86%40").await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("html");
    assert!(page.contains("id=\"f-email-error\"") && page.contains("value=\"new86@\""), "{page}");
    // Corrected: the code goes to the corrected address, whose page names it; the old is told.
    let corrected = post(&app, &code_page, "email=new86%40example.com").await;
    assert_eq!(corrected.status(), 303);
    let new_page = corrected.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    assert_ne!(new_page, code_page);
    let page = app.get(&new_page).await.text().await.expect("html");
    assert!(page.contains("验证码已发送至 <strong class=\"address\">new86@example.com</strong>"), "{page}");
    let mails = app.mails();
    assert_eq!(mails.iter().filter(|m| m.to == "nwe86@example.com").count(), 1, "the mistyped one: its code only");
    let told = mails.iter().filter(|m| m.subject.contains("申报人邮箱变更待验证")).count();
    assert_eq!(told, 2, "the proven address is told of the correction too");
    // The mistyped address's code proves nothing; the corrected one's proves it.
    let typo = mails.iter().find(|m| m.to == "nwe86@example.com").expect("code");
    let typo_code = testkit::mailed_code(&typo.text).expect("code");
    assert_eq!(post(&app, &new_page, &format!("code={typo_code}")).await.status(), 422);
    let right = mails.iter().rev().find(|m| m.to == "new86@example.com").expect("code to the corrected address");
    let code = testkit::mailed_code(&right.text).expect("code");
    assert_eq!(post(&app, &new_page, &format!("code={code}")).await.status(), 303);
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert_eq!(record.application.email.as_str(), "new86@example.com");
    let page = app.get(&status).await.text().await.expect("html");
    assert!(!page.contains("pending-address"), "proven: nothing waits");
}

/// Found by the red team: a code page left in a browser's history (the first submission's) was
/// stepped forward by 重新获取验证码 to the page of a later new address, corrected to a stranger's
/// and proven there. Now a page where nothing waits mints no page, says it is done with, and
/// neither takes a correction nor mails a code; a page of an earlier new address never reaches a
/// later one; and a resubmission cannot make the proven address the unit's.
#[tokio::test]
async fn an_old_code_page_cannot_reach_a_later_new_address() {
    let app = spawn_app().await;
    let status = submit(&app, 84).await;
    let reference = app.store.list(2025, None).await.expect("list")[0].reference.clone();
    let first_page = crate::helpers::confirm_link(&app, &reference);
    let unit = link_in_mail(&app.mails(), "unit84@example.gov.cn", "/review/");
    assert_eq!(post(&app, &unit, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85").await.status(), 303);

    // The proven address as the unit's: refused on that field.
    let v = version(&app, &status).await;
    let own = resubmission(84, v, "new84@example.com")
        .replace("unit_reviewer_email=unit84%40example.gov.cn", "unit_reviewer_email=Applicant84%2Bx%40example.com");
    assert!(own.contains("Applicant84"), "the form names the unit's address: {own}");
    let refused = post(&app, &status, &own).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.expect("html").contains("单位审核人邮箱不能与本人邮箱相同"));

    let answer = post(&app, &status, &resubmission(84, v, "new84@example.com")).await;
    assert_eq!(answer.status(), 303);
    let change_page = answer.headers()["location"].to_str().expect("ascii").trim_end_matches("?changed=1").to_owned();
    let mails = app.mails().len();
    for _ in 0..6 {
        let climbed = post(&app, &first_page, "new_code=1").await;
        assert_eq!(climbed.status(), 409, "a page where nothing waits mints no other");
    }
    let shown = app.get(&first_page).await.text().await.expect("html");
    assert!(shown.contains("这个验证码页面已不再有效") && !shown.contains("id=\"code-form\""), "{shown}");
    assert_eq!(post(&app, &first_page, "email=stranger%40evil.example").await.status(), 409);
    assert_eq!(app.mails().len(), mails, "nothing mailed from the old page");

    // The change is proven on its own page after a new code; then a second change: the pages of
    // the first, whatever their generation, are done with.
    let again = post(&app, &change_page, "new_code=1").await;
    assert_eq!(again.status(), 303);
    let newer = again.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    let codes: Vec<String> = app
        .mails()
        .iter()
        .filter(|m| m.to == "new84@example.com")
        .filter_map(|m| testkit::mailed_code(&m.text))
        .collect();
    assert_eq!(codes.len(), 2, "the resubmission's code and the new one");
    // Mails written in one clock tick have no order: the newer page takes exactly one of them.
    let mut taken = Vec::new();
    for code in &codes {
        taken.push(post(&app, &newer, &format!("code={code}")).await.status().as_u16());
        if taken.last() == Some(&303) {
            break;
        }
    }
    assert!(
        taken.iter().filter(|s| **s == 303).count() == 1 && taken.iter().all(|s| [303, 422].contains(s)),
        "{taken:?}"
    );
    let status = link_in_mail(&app.mails(), "new84@example.com", "/status/");
    let unit = link_in_mail(&app.mails(), "unit84@example.gov.cn", "/review/");
    assert_eq!(post(&app, &unit, "decision=return&comment=%E5%86%8D%E6%94%B9").await.status(), 303);
    let v = version(&app, &status).await;
    assert_eq!(post(&app, &status, &resubmission(84, v, "third84@example.com")).await.status(), 303);
    for old in [&change_page, &newer] {
        assert_eq!(post(&app, old, "email=stranger%40evil.example").await.status(), 409, "{old}");
        assert_eq!(post(&app, old, "new_code=1").await.status(), 409, "{old}");
    }
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert_eq!(record.pending_address.expect("pending").email, "third84@example.com");
}

/// The right code sent twice at once (a double tap on a slow phone): both answers lead on to the
/// status page; neither says the link was used up.
#[tokio::test]
async fn the_right_code_sent_twice_at_once_leads_on_both_times() {
    let app = spawn_app().await;
    for n in 85..90 {
        assert_eq!(app.apply(&testkit::sample_application(n)).await.status(), 201);
        let reference = reference_of(&app, n).await;
        let page = crate::helpers::confirm_link(&app, &reference);
        let body = format!("code={}", crate::helpers::mailed_code(&app, &reference));
        let (a, b) = tokio::join!(post(&app, &page, &body), post(&app, &page, &body));
        for answer in [a, b] {
            assert_eq!(answer.status(), 303);
            assert!(answer.headers()["location"].to_str().expect("ascii").starts_with("/status/"));
        }
    }
}

/// Found by the red team: the code of the address waiting and a correction sent at once proved
/// the corrected address, whose code nobody typed. Whatever the order, the address proven is one
/// whose code was typed, and a corrected address gets its code and nothing else.
#[tokio::test]
async fn a_correction_racing_the_code_never_proves_the_corrected_address() {
    let app = spawn_app().await;
    for n in 0..8u32 {
        let n = 140 + n;
        let status = submit(&app, n).await;
        let reference = reference_of(&app, n).await;
        let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
        assert_eq!(post(&app, &unit, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85").await.status(), 303);
        let v = version(&app, &status).await;
        let answer = post(&app, &status, &resubmission(n, v, &format!("new{n}@example.com"))).await;
        let page = answer.headers()["location"].to_str().expect("ascii").trim_end_matches("?changed=1").to_owned();
        let to_new = app.mails().into_iter().find(|m| m.to == format!("new{n}@example.com")).expect("code");
        let code = testkit::mailed_code(&to_new.text).expect("code");
        let victim = format!("victim{n}@victim.example");
        let (typed, corrected) = (format!("code={code}"), format!("email={}", victim.replace('@', "%40")));
        let (proof, correction) = tokio::join!(post(&app, &page, &typed), post(&app, &page, &corrected));
        assert!([303, 409, 422].contains(&proof.status().as_u16()), "{}", proof.status());
        assert!([303, 409].contains(&correction.status().as_u16()), "{}", correction.status());
        let record = app.store.get(&reference).await.expect("get").expect("record");
        assert_ne!(record.application.email.as_str(), victim, "the corrected address proven without its code");
        let victims: Vec<_> = app.mails().into_iter().filter(|m| m.to == victim).collect();
        assert!(victims.iter().all(|m| m.subject.contains("邮箱验证码")), "{victims:?}");
    }
}

/// Found by the red team: a new address never lapsed, and on DynamoDB its tries' counters expire
/// an hour after its window, so the budget of codes came back. A new address waits as long as a
/// new application's (`confirm_hours`): then its page is done with, and mail stays where it was.
#[tokio::test]
async fn a_new_address_not_proven_in_time_lapses() {
    use crate::helpers::{Options, spawn_with};
    let app = spawn_app().await;
    let status = submit(&app, 93).await;
    let unit = link_in_mail(&app.mails(), "unit93@example.gov.cn", "/review/");
    assert_eq!(post(&app, &unit, "decision=return&comment=%E8%AF%B7%E6%94%B9").await.status(), 303);
    let v = version(&app, &status).await;
    let answer = post(&app, &status, &resubmission(93, v, "new93@example.com")).await;
    let page = answer.headers()["location"].to_str().expect("ascii").trim_end_matches("?changed=1").to_owned();

    // An hour before its time, a new code: the page that takes it would itself last two days more.
    let hours = i64::from(policy::Programme::embedded().expect("programme").confirm_hours);
    let at = |h: i64| handler::Clock::starting_at(crate::helpers::in_window() + time::Duration::hours(h));
    let before =
        spawn_with(Options { clock: at(hours - 1), store: Some(app.store.clone()), ..Options::default() }).await;
    let asked = post(&before, &page, "new_code=1").await;
    assert_eq!(asked.status(), 303);
    let page = asked.headers()["location"].to_str().expect("ascii").split('?').next().expect("path").to_owned();
    let code =
        testkit::mailed_code(&before.mails().into_iter().find(|m| m.to == "new93@example.com").expect("code").text)
            .expect("code");
    let later =
        spawn_with(Options { clock: at(hours + 1), store: Some(app.store.clone()), ..Options::default() }).await;
    let shown = later.get(&page).await.text().await.expect("html");
    assert!(shown.contains("这个验证码页面已不再有效"), "{shown}");
    assert_eq!(post(&later, &page, "new_code=1").await.status(), 409);
    assert_ne!(post(&later, &page, &format!("code={code}")).await.status(), 303, "proven after its time");
    assert!(!later.get(&status).await.text().await.expect("html").contains("待验证"));
    let record = later.store.get(&reference_of(&later, 93).await).await.expect("get").expect("record");
    assert_eq!(record.application.email.as_str(), "applicant93@example.com");
}

/// The code typed with full-width digits, as a Chinese input method may type it, and with
/// spaces, is the code (red team).
#[tokio::test]
async fn a_code_typed_in_full_width_digits_is_the_code() {
    let app = crate::helpers::spawn_app().await;
    let answer: serde_json::Value = app.apply(&testkit::sample_application(760)).await.json().await.expect("json");
    let reference = answer["reference"].as_str().expect("reference").to_owned();
    let code = crate::helpers::mailed_code(&app, &reference);
    let wide: String =
        code.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).expect("digit")).collect();
    let typed = format!("{} {}", &wide[..9], &wide[9..]);
    let body = serde_urlencoded::to_string([("code", typed)]).expect("body");
    let confirmed = app.post_form(&crate::helpers::confirm_link(&app, &reference), &body).await;
    assert_eq!(confirmed.status(), 303, "{:?}", confirmed.text().await);
}
