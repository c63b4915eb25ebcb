//! Decisions by signed links: unit, then HR, returns, withdrawal; links that have passed.

use crate::helpers::{TestApp, link_in_mail, spawn_app, submit};
use serde_json::{Value, json};

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
    assert_eq!(status(&app, &status_path).await["version"], 2);
    let page = app.get(&unit_link).await.text().await.expect("html");
    assert!(page.contains("name=\"decision\" value=\"approve\"") && page.contains("所在单位审核"), "{page}");

    let response = post_decision(&app, &unit_link, "decision=approve&comment=").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], format!("{unit_link}?done=1").as_str());
    let done = app.get(&format!("{unit_link}?done=1")).await.text().await.expect("html");
    assert!(done.contains("已审核通过。申报已送呼和浩特市人力资源社会保障部门审核推荐"), "{done}");
    let s = status(&app, &status_path).await;
    assert_eq!((s["status"].as_str(), s["version"].as_u64()), (Some("hr_review"), Some(3)));

    // The same POST again, or any POST on the old link: refused, nothing changes.
    let again = post_decision(&app, &unit_link, "decision=approve").await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.expect("html").contains("已由所在单位于"));
    assert_eq!(status(&app, &status_path).await["version"], 3);
    let old_page = app.get(&unit_link).await.text().await.expect("html");
    assert!(old_page.contains("此链接对应的版本已处理") && !old_page.contains("name=\"decision\""));
    // Nothing of the application's content on a passed link, its title included.
    assert!(!old_page.contains("乌力吉") && !old_page.contains("呼和浩特市第一医院"), "{old_page}");

    // HR is told, sees places used / cap, and recommends.
    let hr_link = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let hr_page = app.get(&hr_link).await.text().await.expect("html");
    assert!(hr_page.contains("已推荐 <strong>0</strong> / 50"), "{hr_page}");
    // Not before the stamped paper is received (the notice's 线上与线下同步).
    let early = post_decision(&app, &hr_link, "decision=approve&comment=%E5%90%8C%E6%84%8F").await;
    assert_eq!(early.status(), 409);
    let early = early.text().await.expect("html");
    assert!(early.contains("尚未登记纸质申报表"));
    // The choice and the comment come back with the refusal.
    let approve = early.split("<input").find(|t| t.contains("value=\"approve\"")).expect("approve");
    assert!(
        approve.split('>').next().expect("tag").contains("checked") && early.contains(">同意</textarea>"),
        "{early}"
    );
    let hr_link = crate::helpers::receive_paper(&app, &hr_link).await;
    assert!(app.get(&hr_link).await.text().await.expect("html").contains("与系统中的当前内容一致，可以推荐"));
    assert_eq!(post_decision(&app, &hr_link, "decision=approve").await.status(), 303);
    let s = status(&app, &status_path).await;
    assert_eq!((s["status"].as_str(), s["version"].as_u64()), (Some("recommended"), Some(5)));
    let kinds: Vec<(&str, &str)> = s["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| (e["kind"].as_str().expect("k"), e["actor"].as_str().expect("a")))
        .collect();
    assert_eq!(
        kinds,
        [
            ("submitted", "applicant"),
            ("confirmed", "applicant"),
            ("approved", "unit"),
            ("paper_received", "hr"),
            ("approved", "hr")
        ]
    );
    assert_eq!(app.store.quota_used("region-out").await.expect("quota"), 1);

    // The applicant heard of each step (the paper's receipt too); no mail carries the full 身份证号.
    let id = testkit::sample_application(40)["id_number"].as_str().expect("id").to_owned();
    let mails = app.mails();
    assert_eq!(
        mails.iter().filter(|m| m.to == "applicant40@example.com").count(),
        5,
        "to confirm, received, and each step"
    );
    assert!(mails.iter().all(|m| !m.text.contains(&id) && !m.html.contains(&id)));
}

#[tokio::test]
async fn a_return_needs_a_comment_and_the_comment_is_escaped() {
    let app = spawn_app().await;
    let status_path = submit(&app, 41).await;
    let unit_link = link_in_mail(&app.mails(), "unit41@example.gov.cn", "/review/");
    // Without a comment: the form again, 退回 still chosen, an error summary leading to the comment.
    let refused = post_decision(&app, &unit_link, "decision=return&comment=+").await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.expect("html");
    assert!(
        page.contains("class=\"error-summary\"") && page.contains("<a href=\"#f-comment\">退回时必须填写退回意见"),
        "{page}"
    );
    assert!(page.contains("value=\"return\" id=\"f-decision-2\" checked"), "the choice is kept");
    let long = "长".repeat(1001);
    let refused = post_decision(&app, &unit_link, &format!("decision=return&comment={long}")).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.expect("html").contains(&format!(">{long}</textarea>")), "the comment is kept");
    let none = post_decision(&app, &unit_link, "comment=x").await;
    assert_eq!(none.status(), 422);
    assert!(none.text().await.expect("html").contains("<a href=\"#f-decision\">请选择审核结果后再提交。</a>"));
    assert_eq!(status(&app, &status_path).await["status"], "unit_review");
    let comment = "请补充<script>alert(1)</script>职称证书";
    let body = serde_urlencoded::to_string([("decision", "return"), ("comment", comment)]).expect("encode");
    assert_eq!(post_decision(&app, &unit_link, &body).await.status(), 303);
    let s = status(&app, &status_path).await;
    assert_eq!(s["status"], "returned");
    assert_eq!(s["events"][2]["comment"], comment);
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
    assert_eq!(status(&app, &status_path).await["version"], 2);
}

#[tokio::test]
async fn withdrawing_a_recommendation_gives_the_place_back() {
    let app = spawn_app().await;
    let status_path = submit(&app, 43).await;
    let unit_link = link_in_mail(&app.mails(), "unit43@example.gov.cn", "/review/");
    post_decision(&app, &unit_link, "decision=approve").await;
    let hr_link = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let hr_link = crate::helpers::receive_paper(&app, &hr_link).await;
    post_decision(&app, &hr_link, "decision=approve").await;
    assert_eq!(app.store.quota_used("region-out").await.expect("quota"), 1);
    let page = app.get(&status_path).await.text().await.expect("html");
    assert!(page.contains("所占推荐名额将释放"));
    // Without the confirmation: nothing happens.
    assert_eq!(post_decision(&app, &status_path, "decision=withdraw&version=5").await.status(), 422);
    // A stale version: nothing happens.
    assert_eq!(post_decision(&app, &status_path, "decision=withdraw&version=4&confirm=on").await.status(), 409);
    assert_eq!(post_decision(&app, &status_path, "decision=withdraw&version=5&confirm=on").await.status(), 303);
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
    assert!(page.contains("name=\"version\" value=\"3\""));

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
    fields.push(("version".into(), "3".into()));
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
    assert_eq!(status(&app, &status_path).await["version"], 3);

    let resubmitted = post_decision(&app, &status_path, &encoded(&fields)).await;
    assert_eq!(resubmitted.status(), 303);
    // The page says it is done, and what follows.
    let after = resubmitted.headers()["location"].to_str().expect("ascii").to_owned();
    assert_eq!(after, format!("{status_path}?done=resubmitted"));
    assert!(
        app.get(&after)
            .await
            .text()
            .await
            .expect("html")
            .contains("已重新提交：修改后的申报已送交所在单位审核人重新审核")
    );
    assert!(!app.get(&status_path).await.text().await.expect("html").contains("已重新提交："), "only right after");
    let s = status(&app, &status_path).await;
    assert_eq!((s["status"].as_str(), s["version"].as_u64()), (Some("unit_review"), Some(4)));
    assert_eq!(s["events"][3]["kind"], "resubmitted");
    assert_eq!(s["events"][3]["comment"], "培养计划");

    // The unit reviewer gets a new link and sees what changed; the first link no longer acts.
    let second_link = link_in_mail(&app.mails(), "unit44@example.gov.cn", "/review/");
    assert_ne!(second_link, first_link);
    let review = app.get(&second_link).await.text().await.expect("html");
    assert!(review.contains("修改内容：培养计划") && review.contains("补充后的培养计划"));
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
    let status_path = crate::helpers::confirm(&app, body["reference"].as_str().expect("reference")).await;
    let unit_link = link_in_mail(&app.mails(), "unit46@example.gov.cn", "/review/");
    let unit_page = app.get(&unit_link).await.text().await.expect("html");
    assert!(!unit_page.contains(evil), "raw script in the unit's page");
    assert!(unit_page.matches("&lt;script&gt;alert(1)&lt;/script&gt;").count() >= 9);
    post_decision(&app, &unit_link, &format!("decision=return&comment={}", "%3Cscript%3Ealert(1)%3C%2Fscript%3E"))
        .await;
    let html = app.get(&status_path).await.text().await.expect("html");
    assert!(!html.contains(evil), "raw script in the status page");
    assert!(html.matches("&lt;script&gt;alert(1)&lt;/script&gt;").count() >= 9);
    // The spent unit link shows only who decided, its title escaped too.
    let passed = app.get(&unit_link).await.text().await.expect("html");
    assert!(!passed.contains(evil) && passed.contains("此链接对应的版本已处理"), "{passed}");
    let mails = app.mails();
    for mail in &mails {
        assert!(!mail.html.contains(evil), "raw script in HTML mail: {}", mail.subject);
    }
    // Plain text is not HTML: the text part carries the name exactly as typed; the subject to
    // the unit reviewer (an address the applicant typed) carries nothing the applicant typed.
    let unit = mails.iter().find(|m| m.to == "unit46@example.gov.cn").expect("unit mail");
    assert!(!unit.subject.contains(evil) && unit.text.contains(&format!("{evil}x")), "{}", unit.subject);
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

/// 线上与线下同步: HR records the stamped paper by the check code printed on it (typed with or
/// without its dashes, or the scanned address); another application's code, a code from before
/// the last change, or none at all keeps HR from recommending, each saying why.
#[tokio::test]
async fn only_the_stamped_paper_matching_the_record_lets_hr_recommend() {
    let app = spawn_app().await;
    let status_a = submit(&app, 48).await;
    let status_b = submit(&app, 49).await;
    let mut references = Vec::new();
    for (n, path) in [(48, &status_a), (49, &status_b)] {
        let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
        assert_eq!(post_decision(&app, &unit, "decision=approve").await.status(), 303);
        references.push(status(&app, path).await["reference"].as_str().expect("ref").to_owned());
    }
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", &format!("/review/r.{}.hr.", references[0]));

    // The other application's paper, and a code nobody printed: refused, nothing recorded.
    let other = crate::helpers::printed_code(&app, &status_b).await;
    let refused = post_decision(&app, &hr, &format!("decision=paper_received&code={other}")).await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.expect("html").contains(&format!("属于另一份申报（编号{}）", references[1])));
    assert_eq!(post_decision(&app, &hr, "decision=paper_received&code=TP2025-XXXXXX.0000.00").await.status(), 422);
    assert_eq!(status(&app, &status_a).await["version"], 3);

    // The other's own code, as a person types it (lower case, grouped): recorded; JSON clients
    // get the record.
    let hr_b = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", &format!("/review/r.{}.hr.", references[1]));
    let (reference, rest) = other.split_once('.').expect("code");
    let (hash, check) = rest.split_once('.').expect("code");
    let grouped: Vec<String> =
        hash.to_lowercase().as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect();
    let typed = format!("{reference}.{}.{check}", grouped.join("-"));
    let response = app
        .client
        .post(format!("{}{hr_b}", app.address))
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("decision=paper_received&code={typed}"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    let record: Value = response.json().await.expect("json");
    assert_eq!(record["events"].as_array().expect("events").last().expect("event")["kind"], "paper_received");
    assert_eq!(record["status"], "hr_review");

    // This one's paper received through the page: 303 to the page under a link for the new version.
    let code = crate::helpers::printed_code(&app, &status_a).await;
    let hr = crate::helpers::receive_paper(&app, &hr).await;
    // The applicant is told the paper arrived, and is no longer asked to print it.
    let page = app.get(&status_a).await.text().await.expect("html");
    assert!(page.contains("已收到您盖章的纸质申报表（第1版），与线上申报一致"), "{page}");
    let mail = app.mails().into_iter().rev().find(|m| m.to == "applicant48@example.com").expect("a mail");
    assert!(mail.text.contains("已收到您盖章的纸质申报表（第1版）"), "{}", mail.text);
    // HR returns it; the applicant changes the plan; the paper received no longer matches.
    let returned = post_decision(&app, &hr, "decision=return&comment=%E8%AF%B7%E4%BF%AE%E6%94%B9").await;
    assert_eq!(returned.status(), 303);
    // The page answers with what follows, not that the link is spent, and leads to the dashboard.
    let after = returned.headers()["location"].to_str().expect("ascii").to_owned();
    assert!(after.ends_with("?done=1"), "{after}");
    let page = app.get(&after).await.text().await.expect("html");
    assert!(page.contains("已退回，已邮件通知申报人；申报人修改后，您会再收到审核邮件。"), "{page}");
    assert!(page.contains("返回审核工作台") && page.contains("href=\"/dashboard/"));
    assert!(!page.contains("此链接对应的版本已处理"));
    assert!(page.contains("<h1>审核：乌力吉（呼和浩特市第一医院）</h1>"));
    let v = status(&app, &status_a).await["version"].as_u64().expect("version");
    let mut form = testkit::sample_application(48);
    form["plan"] = "修改后的培养计划：学习重症医学与心血管介入新技术。".into();
    form.as_object_mut().expect("object").remove("id_number");
    let body = format!("{}&decision=resubmit&version={v}", crate::helpers::form_body(&form));
    assert_eq!(post_decision(&app, &status_a, &body).await.status(), 303);
    let unit = link_in_mail(&app.mails(), "unit48@example.gov.cn", "/review/");
    assert_eq!(post_decision(&app, &unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", &format!("/review/r.{}.hr.", references[0]));
    let page = app.get(&hr).await.text().await.expect("html");
    assert!(page.contains("已登记的纸质申报表为第1版，系统中现为第2版"), "{page}");
    let refused = post_decision(&app, &hr, "decision=approve").await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.expect("html").contains("请申报人打开进度页重新打印"));
    let stale = post_decision(&app, &hr, &format!("decision=paper_received&code={code}")).await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.expect("html").contains("纸质申报表为第1版，系统中现为第2版（打印后申报内容又修改过）"));
    // The applicant is asked to print the new version.
    let page = app.get(&status_a).await.text().await.expect("html");
    assert!(page.contains("收到的纸质申报表为第1版，与线上第2版不一致。请重新打印申报表"), "{page}");
    // The paper printed again is received, and HR recommends.
    let hr = crate::helpers::receive_paper(&app, &hr).await;
    assert_eq!(post_decision(&app, &hr, "decision=approve").await.status(), 303);
    assert_eq!(status(&app, &status_a).await["status"], "recommended");
}

/// The unit's page says what to check and by when, shows the system's check of each condition
/// of the stream (age at the counting date, months in the profession) before the decision form,
/// and, after a return, what the applicant changed, old and new; HR sees who approved at the
/// unit and is warned when that address looks like the applicant's own.
#[tokio::test]
async fn reviewers_confirm_the_rules_see_the_changes_and_are_warned_about_the_unit_address() {
    let app = spawn_app().await;
    let mut form = testkit::sample_application(50);
    form["email"] = "batu50@qq.com".into();
    form["unit_reviewer_email"] = "zhang50@qq.com".into();
    let status_path = crate::helpers::submit_form(&app, &form).await;
    let unit = link_in_mail(&app.mails(), "zhang50@qq.com", "/review/");
    let page = app.get(&unit).await.text().await.expect("html");
    for needed in [
        "<h1>审核：乌力吉（呼和浩特市第一医院）</h1>",
        "请核对：申报人是否为本单位在职专业技术人员",
        "本环节2025年3月20日24:00前截止",
        "年龄45周岁以下，即1979年3月22日及以后出生",
        "1985年6月1日出生，至2025年3月21日39周岁",
        "硕士研究生及以上学历且从事本专业工作5年以上，或具备副高级及以上职称",
        "从事本专业9年8个月（共116个月）；职称中级",
        "<span class=\"met\">符合</span>",
    ] {
        assert!(page.contains(needed), "{needed} missing from the unit's page");
    }
    let rules = page.find("申报条件（系统按申报表核对").expect("rules");
    assert!(rules < page.find("id=\"decision\"").expect("form"), "the decision comes after the content");

    // Returned and resubmitted with a new plan: the unit sees the change, old and new.
    assert_eq!(post_decision(&app, &unit, "decision=return&comment=%E8%AF%B7%E5%85%B7%E4%BD%93").await.status(), 303);
    let v = status(&app, &status_path).await["version"].as_u64().expect("version");
    let mut edited = form.clone();
    let kept = "学习心血管内科诊疗新技术，回院后开展新项目。";
    assert!(form["plan"].as_str().expect("plan").contains(kept), "the sample's plan");
    edited["plan"] = format!("{kept}\n并带教本院青年医师，建设胸痛中心。").into();
    edited.as_object_mut().expect("object").remove("id_number");
    let body = format!("{}&decision=resubmit&version={v}", crate::helpers::form_body(&edited));
    assert_eq!(post_decision(&app, &status_path, &body).await.status(), 303);
    let unit = link_in_mail(&app.mails(), "zhang50@qq.com", "/review/");
    let page = app.get(&unit).await.text().await.expect("html");
    assert!(page.contains("退回后申报人修改的内容"), "{page}");
    // Only the sentence added, and only the plan: not the consent given again with the form.
    let changes = &page[page.find("table class=\"data changes cards\"").expect("changes")..];
    let changes = &changes[..changes.find("</table>").expect("end")];
    assert!(changes.contains("<ins>并带教本院青年医师，建设胸痛中心。</ins>") && !changes.contains(kept), "{changes}");
    assert_eq!(changes.matches("<tr>").count(), 2, "the heading and one change: {changes}");
    assert!(page.contains("修改内容：培养计划<"), "the history names the field changed: {page}");

    // HR sees the unit reviewer's address and the warning.
    assert_eq!(post_decision(&app, &unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let page = app.get(&hr).await.text().await.expect("html");
    assert!(page.contains("单位审核人：</strong>zhang50@qq.com"), "{page}");
    assert!(page.contains("单位审核人使用与申报人相同的个人邮箱服务（qq.com）"));
    assert!(page.contains("请以单位在纸质申报表上的盖章为准"));
}

/// 附件1 loaded with a cap for one 区直 university: four of its applicants reach HR, and four
/// concurrent recommendations take exactly its two places; the others are refused as full.
async fn department_cap_holds_under_concurrent_approvals(store: Option<std::sync::Arc<dyn handler::store::Store>>) {
    let text = policy::PROGRAMME_TOML.replacen(
        "published = false\n\n[attachment2]",
        "published = true\ncaps = { region-out = { \"内蒙古大学\" = 2 } }\n\n[attachment2]",
        1,
    );
    let programme = policy::Programme::parse(&text).expect("programme with 附件1");
    let app = crate::helpers::spawn_with(crate::helpers::Options {
        programme: Some(programme),
        store,
        ..crate::helpers::Options::default()
    })
    .await;
    let mut hr_links = Vec::new();
    for n in 610..614 {
        let mut form = testkit::sample_application(n);
        form["unit_level"] = json!("region");
        form["league"] = json!("");
        form["department"] = json!("内蒙古大学");
        form["employer"] = json!("内蒙古大学");
        let status = crate::helpers::submit_form(&app, &form).await;
        let reference = status.split('.').nth(1).expect("reference").to_owned();
        let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
        assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
        let hr = link_in_mail(&app.mails(), "hr-dept6@example.gov.cn", &format!("/review/r.{reference}.hr."));
        hr_links.push(crate::helpers::receive_paper(&app, &hr).await);
    }
    let answers = futures_util::future::join_all(hr_links.iter().map(|hr| app.post_form(hr, "decision=approve"))).await;
    let mut statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 303, 409, 409], "exactly the university's two places are taken");
    assert_eq!(app.store.quota_used("region-out-内蒙古大学").await.expect("counter"), 2);
    assert_eq!(app.store.quota_used("region-out").await.expect("counter"), 0, "the stream's total is not used");
    let recommended = app.store.list(2025, None).await.expect("list");
    assert_eq!(recommended.iter().filter(|r| r.status == policy::Status::Recommended).count(), 2);
}

#[tokio::test]
async fn a_department_cap_from_attachment1_holds_under_concurrent_approvals_on_sqlite() {
    department_cap_holds_under_concurrent_approvals(None).await;
}

#[tokio::test]
async fn a_department_cap_from_attachment1_holds_under_concurrent_approvals_on_dynamodb_local() {
    department_cap_holds_under_concurrent_approvals(Some(crate::machine::dynamo_store().await)).await;
}

/// An application naming a 厅局 not in config/reviewers.toml: after the unit's approval it waits at
/// the HR stage and nobody is mailed — not the centre, not any address the applicant gave — while
/// the applicant is told why and whom to ask, and the centre's dashboard lists it under
/// 待确认审核单位（本站设置）. Once the operator adds the 厅局 (its reviewer confirmed by the
/// notice's 联系单位), its reviewer asks for its dashboard link and reviews from there.
#[tokio::test]
async fn a_department_not_on_the_list_waits_for_its_reviewer_to_be_confirmed() {
    let app = spawn_app().await;
    let mut form = testkit::sample_application(620);
    form["unit_level"] = json!("region");
    form["league"] = json!("");
    form["department"] = json!("内蒙古自治区林业和草原局");
    let status_path = crate::helpers::submit_form(&app, &form).await;
    let reference = status_path.split('.').nth(1).expect("reference").to_owned();
    let unit = link_in_mail(&app.mails(), "unit620@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    assert_eq!(status(&app, &status_path).await["status"], "hr_review");
    let done = app.get(&format!("{unit}?done=1")).await.text().await.expect("html");
    assert!(done.contains("不在本站登记的审核单位中，待确认，本站设置"), "{done}");
    // Nobody got an HR link; the centre got no mail at all.
    let mails = app.mails();
    assert!(!mails.iter().any(|m| m.text.contains(&format!("/review/r.{reference}.hr."))), "{mails:?}");
    assert!(!mails.iter().any(|m| m.to == "centre@example.gov.cn"), "{mails:?}");
    let told = mails.iter().rev().find(|m| m.to == "applicant620@example.com").expect("applicant told");
    assert!(told.text.contains("不在本站登记的审核单位中：本站暂不发送审核链接"), "{}", told.text);
    assert!(told.text.contains("专业技术人员管理处，联系人张翼飞、王慧"), "{}", told.text);
    let page = app.get(&status_path).await.text().await.expect("html");
    assert!(page.contains("待确认审核单位（本站设置）"), "{page}");
    // The centre sees it held, with the 厅局 as named, and no way to review it.
    assert_eq!(app.post_form("/dashboard", "email=centre@example.gov.cn").await.status(), 200);
    let centre = link_in_mail(&app.mails(), "centre@example.gov.cn", "/dashboard/");
    let board = app.get(&centre).await.text().await.expect("html");
    let held = &board[board.find("id=\"held-title\"").expect("held section")..];
    let held = &held[..held.find("</section>").expect("section end")];
    assert!(held.contains("待确认审核单位（本站设置）（1）") && held.contains(&reference), "{held}");
    assert!(held.contains("区直（内蒙古自治区林业和草原局）") && !held.contains("/review/"), "{held}");

    // The operator adds the 厅局 with the reviewer the 联系单位 confirmed.
    let programme = policy::Programme::embedded().expect("programme");
    let listed = format!("{}\"内蒙古自治区林业和草原局\" = \"hr-lcj@example.gov.cn\"\n", policy::REVIEWERS_TOML);
    let reviewers = policy::Reviewers::parse(&listed, &programme).expect("reviewers");
    let options =
        crate::helpers::Options { store: Some(app.store.clone()), reviewers: Some(reviewers), ..Default::default() };
    let after = crate::helpers::spawn_with(options).await;
    assert_eq!(after.post_form("/dashboard", "email=hr-lcj@example.gov.cn").await.status(), 200);
    let board = link_in_mail(&after.mails(), "hr-lcj@example.gov.cn", "/dashboard/");
    let page = after.get(&board).await.text().await.expect("html");
    let hr = page
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.starts_with("/review/"))
        .expect("review link");
    let review = after.get(hr).await.text().await.expect("html");
    assert!(review.contains("内蒙古自治区林业和草原局") && review.contains("审核推荐"), "{review}");
    let hr = crate::helpers::receive_paper(&after, hr).await;
    assert_eq!(after.post_form(&hr, "decision=approve").await.status(), 303);
    assert_eq!(status(&after, &status_path).await["status"], "recommended");
    let centre = after.get(&centre).await.text().await.expect("html");
    assert!(centre.contains("待确认审核单位（本站设置）（0）"), "nothing held any more");
}
