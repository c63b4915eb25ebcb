//! The applicant's journey as a person lives it: what to do next at every status, a withdrawal
//! that frees the 身份证号 for a fresh application, and no page that carries the number in full.

use crate::helpers::{TestApp, form_body, link_in_mail, spawn_app, submit};
use serde_json::Value;

async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("html")
}

async fn version(app: &TestApp, status: &str) -> u64 {
    app.get_json(status).await.json::<Value>().await.expect("json")["version"].as_u64().expect("version")
}

/// The "接下来" panel of the status page, as text.
fn next_panel(html: &str) -> String {
    let start = html.find("<section class=\"next-step\"").expect("a 接下来 panel");
    let end = html[start..].find("</section>").map_or(html.len(), |e| start + e);
    html[start..end].to_owned()
}

#[tokio::test]
async fn every_status_says_who_acts_next_and_the_paper_step_comes_with_a_print_button() {
    let app = spawn_app().await;
    let status = submit(&app, 301).await;
    let panel = next_panel(&page(&app, &status).await);
    assert!(panel.contains("unit301@example.gov.cn") && panel.contains("2025年3月20日24:00前截止"), "{panel}");
    assert!(!panel.contains("打印申报表"), "no paper before the unit approves: {panel}");
    assert!(
        !page(&app, &status).await.contains(&format!("href=\"{status}/print\"")),
        "no print offered at unit review"
    );
    let unit = link_in_mail(&app.mails(), "unit301@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let panel = next_panel(&page(&app, &status).await);
    assert!(
        panel.contains("打印申报表，交单位盖章后报送呼和浩特市人力资源社会保障部门")
            && panel.contains(&format!("href=\"{status}/print\"")),
        "{panel}"
    );
    // The mail that says the unit approved says the same, with the print link.
    let mail = app.mails().into_iter().rfind(|m| m.to == "applicant301@example.com").expect("mail");
    assert!(mail.text.contains("接下来：现在由呼和浩特市人力资源社会保障部门处理"), "{}", mail.text);
    assert!(mail.text.contains(&format!("{status}/print")), "{}", mail.text);
}

#[tokio::test]
async fn a_withdrawal_is_confirmed_tells_the_reviewer_and_the_person_may_apply_afresh() {
    let app = spawn_app().await;
    let form = testkit::sample_application(302);
    let status = submit(&app, 302).await;
    let html = page(&app, &status).await;
    // The status page offers withdrawal last, behind a page that says what follows.
    let offer = html.find("id=\"withdraw\"").expect("withdrawal offered");
    assert!(offer > html.find("申报内容").expect("the application"), "withdrawal is at the bottom");
    // 撤回 before 删除, and both styled as what cannot be undone, not as the main action.
    assert!(offer < html.find("删除我的申报…").expect("erasure offered"), "撤回申报 comes before 删除我的申报");
    for action in ["withdraw", "erase"] {
        assert!(html.contains(&format!("class=\"button button-destructive\" href=\"{status}/{action}\"")), "{action}");
    }
    let confirm = page(&app, &format!("{status}/withdraw")).await;
    for words in ["撤回后会发生什么", "所在单位会收到邮件", "2025年3月18日24:00前", "确认撤回申报"]
    {
        assert!(confirm.contains(words), "{words}: {confirm}");
    }
    let v = version(&app, &status).await;
    let body = format!("decision=withdraw&version={v}&confirm=on");
    assert_eq!(app.post_form(&status, &body).await.status(), 303);
    let told = app.mails().into_iter().filter(|m| m.to == "unit302@example.gov.cn").count();
    assert_eq!(told, 2, "the review request, then word of the withdrawal");
    // The status page says the application is closed and what the person may still do; it
    // offers no printing.
    let closed = page(&app, &status).await;
    assert!(!closed.contains(&format!("href=\"{status}/print\"")), "no print offered after a withdrawal");
    assert!(closed.contains("办理已结束") && !closed.contains("现在由："), "{closed}");
    assert!(closed.contains("本申报已撤回") && closed.contains("重新填写提交") && closed.contains("下载我的数据"));
    let mail = app.mails().into_iter().rfind(|m| m.to == "applicant302@example.com").expect("mail");
    assert!(mail.subject.contains("您的申报已撤回") && !mail.text.contains("现在由"), "{}", mail.text);
    // The same person applies afresh with the same 身份证号: stored.
    let mut fresh = form.clone();
    fresh["submission_id"] = "fresh-302".into();
    let again = app.apply(&fresh).await;
    assert_eq!(again.status(), 201);
    let fresh_reference = again.json::<Value>().await.expect("json")["reference"].as_str().expect("ref").to_owned();
    assert!(app.store.get(&fresh_reference).await.expect("get").is_some(), "stored");
}

#[tokio::test]
async fn no_page_of_the_journey_carries_the_full_identity_number() {
    let app = spawn_app().await;
    let form = testkit::sample_application(303);
    let id = form["id_number"].as_str().expect("id").to_owned();
    let status = submit(&app, 303).await;
    let unit = link_in_mail(&app.mails(), "unit303@example.gov.cn", "/review/");
    let mut bodies = vec![page(&app, &status).await, page(&app, &unit).await];
    assert_eq!(app.post_form(&unit, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85").await.status(), 303);
    // Returned: the edit form shows the number masked and read-only.
    let returned = page(&app, &status).await;
    assert!(returned.contains("1501**********") && !returned.contains("name=\"id_number\""), "masked, not editable");
    bodies.push(returned);
    // A resubmission with a mistake comes back without the number; a good one keeps the stored one.
    let v = version(&app, &status).await;
    let mut edited = form.clone();
    edited.as_object_mut().expect("object").remove("id_number");
    edited["phone"] = "12".into();
    let wrong = format!("decision=resubmit&version={v}&{}", form_body(&edited));
    let refused = app.post_form(&status, &wrong).await;
    assert_eq!(refused.status(), 422);
    bodies.push(refused.text().await.expect("html"));
    edited["phone"] = "13812345678".into();
    let right = format!("decision=resubmit&version={v}&{}", form_body(&edited));
    assert_eq!(app.post_form(&status, &right).await.status(), 303);
    let unit = link_in_mail(&app.mails(), "unit303@example.gov.cn", "/review/");
    bodies.push(page(&app, &unit).await);
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    for path in [status.clone(), format!("{status}/print"), format!("{status}/withdraw")] {
        bodies.push(page(&app, &path).await);
    }
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    bodies.push(page(&app, &hr).await);
    bodies.push(app.get_json(&status).await.text().await.expect("json"));
    for body in &bodies {
        assert!(!body.contains(&id), "a page carries the full 身份证号");
    }
    for mail in app.mails() {
        assert!(!mail.text.contains(&id) && !mail.html.contains(&id), "mail to {} carries it", mail.to);
    }
}

#[tokio::test]
async fn each_stage_closes_on_its_own_date_and_reviewers_see_the_time_left() {
    use crate::helpers::{Options, spawn_with};
    use handler::Clock;
    let dir = tempfile::tempdir().expect("tempdir");
    let store: std::sync::Arc<dyn handler::store::Store> =
        std::sync::Arc::new(handler::store::SqliteStore::open(&dir.path().join("db.sqlite3")).expect("sqlite"));
    // Submitted on the 15th; the same store seen on the 21st at 10:00, after the unit's close
    // (end of the 20th) and before the HR close (end of the 21st).
    let early = spawn_with(Options { store: Some(store.clone()), ..Options::default() }).await;
    let late_clock = Clock::starting_at(time::macros::datetime!(2025-03-21 10:00 +8));
    let late = spawn_with(Options { clock: late_clock, store: Some(store.clone()), ..Options::default() }).await;
    let first = submit(&early, 304).await;
    let second = submit(&early, 305).await;
    let unit_first = link_in_mail(&early.mails(), "unit304@example.gov.cn", "/review/");
    let unit_second = link_in_mail(&early.mails(), "unit305@example.gov.cn", "/review/");
    let review = page(&early, &unit_first).await;
    assert!(review.contains("本环节2025年3月20日24:00前截止（本站设置，还剩5天）"), "the time left");
    let mail = early.mails().into_iter().find(|m| m.to == "unit304@example.gov.cn").expect("review mail");
    assert!(mail.text.contains("本环节2025年3月20日24:00前截止（本站设置，还剩5天）"), "{}", mail.text);

    // After the unit's close: refused, as a page and as JSON, and nothing changes.
    let refused = late.post_form(&unit_second, "decision=approve").await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.expect("html").contains("所在单位审核已于2025年3月20日24:00前截止"));
    let json = late.post_form_for_json(&unit_second, "decision=approve").await;
    assert_eq!(json.status(), 403);
    assert_eq!(json.json::<Value>().await.expect("json")["error"], "closed");
    assert_eq!(version(&late, &second).await, 2);
    // HR still decides on the 21st; an applicant can no longer submit.
    assert_eq!(early.post_form(&unit_first, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&early.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let hr = crate::helpers::receive_paper(&late, &hr).await;
    assert_eq!(late.post_form(&hr, "decision=approve").await.status(), 303);
    assert_eq!(version(&late, &first).await, 5);
    let closed = late.apply(&testkit::sample_application(306)).await;
    assert_eq!(closed.status(), 403);
    assert_eq!(closed.json::<Value>().await.expect("json")["error"], "closed");
}

#[tokio::test]
async fn the_self_check_lists_every_stream_that_fits_and_carries_the_answers_into_the_form() {
    let app = spawn_app().await;
    // A county unit in 包头市, asked for 区内 only: 区外 fits as well, and both are offered.
    let answers = "track=in&unit_level=county&league=baotou&ethnicity=%E8%92%99%E5%8F%A4%E6%97%8F&birth_date=1990-05-01\
                   &education=master&title_level=intermediate&profession_start=2015-07&health_ok=on&pledge=on";
    let verdict = app.post_form("/api/eligibility", answers).await.text().await.expect("html");
    for offer in ["前往在线申报：自治区特培项目（区外培养）", "前往在线申报：自治区特培项目（区内培养）"]
    {
        assert!(verdict.contains(offer), "{offer} missing");
    }
    assert!(!verdict.contains("name=\"birth_date\" value"), "the birth date is not carried");
    // A league unit: 区内 does not fit, and says why beside the stream that does.
    let league = answers.replace("unit_level=county", "unit_level=league");
    let verdict = app.post_form("/api/eligibility", &league).await.text().await.expect("html");
    assert!(verdict.contains("区内培养只面向以下单位的专业技术人才"));
    assert!(verdict.contains("前往在线申报：自治区特培项目（区外培养）"));
    // 前往在线申报: the application form, answers filled in.
    let carried = "next=apply&track=out&unit_level=county&league=baotou&ethnicity=%E8%92%99%E5%8F%A4%E6%97%8F\
                   &education=master&title_level=intermediate&profession_start=2015-07&health_ok=on&pledge=on";
    let form = app.post_form("/api/eligibility", carried).await;
    assert_eq!(form.status(), 200);
    let form = form.text().await.expect("html");
    assert!(form.contains("id=\"apply-form\""), "the application form");
    for filled in ["<option value=\"baotou\" selected>", "<option value=\"master\" selected>", "value=\"2015-07\""] {
        assert!(form.contains(filled), "{filled} not carried");
    }
}

pub(crate) fn draft_of(html: &str) -> String {
    html.split("name=\"draft\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("a sealed draft").to_owned()
}

/// The form goes through 核对信息 without JavaScript: two mistakes and no files come back as one
/// summary; then every answer is shown (the 身份证号 masked) with a 修改 for each, nothing is
/// stored or mailed until 确认提交, a 修改 brings the form back with every answer and file, and
/// what is submitted is exactly what was checked.
#[tokio::test]
async fn the_form_is_checked_on_a_check_answers_page_before_anything_is_stored() {
    let app = spawn_app().await;
    let mut wrong = testkit::sample_application(330);
    wrong["phone"] = "123".into();
    wrong["plan"] = "太短".into();
    let refused = app.post_form("/apply/check", &form_body(&wrong)).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.expect("html");
    assert!(html.contains("请修改以下5处问题后再提交"), "2 mistakes and 3 missing documents in one summary");
    assert!(!html.contains("请上传学位证书"), "the degree certificate is optional");
    for needed in [
        "href=\"#f-phone\"",
        "href=\"#f-plan\"",
        "请上传身份证（必须上传，本站设置",
        "请上传民族证明（户口簿等）（必须上传，本站设置",
    ] {
        assert!(html.contains(needed), "{needed} missing from the summary");
    }

    let form = app.with_documents(&testkit::sample_application(330)).await;
    let id = form["id_number"].as_str().expect("id").to_owned();
    let checked = app.post_form("/apply/check", &form_body(&form)).await;
    assert_eq!(checked.status(), 200);
    let (browser, _) = crate::helpers::set_cookie(checked.headers());
    let html = checked.text().await.expect("html");
    assert!(html.contains("<h1>核对信息</h1>") && html.contains("确认提交"));
    assert!(!html.contains(&id) && html.contains(&format!("{}**********", &id[..4])), "the 身份证号 only masked");
    for field in ["name", "id_number", "school", "unit_level", "plan", "unit_reviewer_email", "pledge", "attachments"] {
        assert!(html.contains(&format!("name=\"edit\" value=\"{field}\"")), "no 修改 for {field}");
    }
    for kind in ["身份证", "学历证书", "民族证明（户口簿等）"] {
        assert!(html.contains(&format!("<th scope=\"row\">{kind}</th>")), "{kind} not listed by kind");
    }
    assert!(app.store.list(2025, None).await.expect("list").is_empty(), "nothing stored before 确认提交");
    assert!(app.mails().is_empty(), "nothing mailed before 确认提交");
    let draft = draft_of(&html);

    // 修改: the form again, every answer and every file kept.
    let edit = serde_urlencoded::to_string([("draft", draft.as_str()), ("edit", "school")]).expect("encode");
    let again = app.post_form_in(&browser, "/apply/confirm", &edit).await;
    assert_eq!(again.status(), 200);
    let again = again.text().await.expect("html");
    assert!(again.contains("value=\"内蒙古大学\"") && again.contains("action=\"/apply/check\""));
    assert_eq!(again.matches("name=\"attachment\"").count(), 3, "the uploaded files stay with the form");

    // A draft changed on the way is refused; nothing is stored.
    let mut bytes = draft.clone().into_bytes();
    bytes[20] = if bytes[20] == b'A' { b'B' } else { b'A' };
    let forged = serde_urlencoded::to_string([("draft", String::from_utf8(bytes).expect("ascii"))]).expect("encode");
    assert_eq!(app.post_form_in(&browser, "/apply/confirm", &forged).await.status(), 400);

    // 确认提交: exactly what was checked is stored, and the applicant is asked to confirm by mail.
    let confirm = serde_urlencoded::to_string([("draft", draft.as_str())]).expect("encode");
    let done = app.post_form_in(&browser, "/apply/confirm", &confirm).await;
    assert_eq!(done.status(), 200);
    let page = done.text().await.expect("html");
    assert!(page.contains("申报已提交，请输入邮箱验证码") && page.contains("name=\"code\""), "{page}");
    let records = app.store.list(2025, None).await.expect("list");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].attachments.len(), 3);
    assert_eq!(records[0].submission_id, form["submission_id"].as_str().expect("id"));
    // Pressed twice (a double click, a reload): the same application, not a second one.
    assert_eq!(app.post_form_in(&browser, "/apply/confirm", &confirm).await.status(), 200);
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 1);
}

/// A required document added from the status page while the unit has not decided: the unit
/// gets a fresh link, the old one stops acting; a returned application's form keeps, drops and
/// adds files.
#[tokio::test]
async fn documents_are_added_at_unit_review_and_replaced_in_a_resubmission() {
    let app = spawn_app().await;
    let status = submit(&app, 331).await;
    let html = page(&app, &status).await;
    assert!(html.contains("id=\"add-documents\"") && html.contains("value=\"add_documents\""));
    let old_unit = link_in_mail(&app.mails(), "unit331@example.gov.cn", "/review/");
    let v = version(&app, &status).await;
    // Files uploaded from this page are issued for this application (its submission_id is on the
    // page); a file issued for another application is refused.
    assert!(html.contains("name=\"submission_id\" value=\"sub-00000331\""));
    let add = |key: &str| {
        format!("decision=add_documents&version={v}&attachment={}", urlencoding(&format!("{key}|other|获奖证书.pdf")))
    };
    let theirs = testkit::upload_document_for(&app.client, &app.address, "other", "sub-00000332").await;
    let refused = app.post_form(&status, &add(theirs["key"].as_str().expect("key"))).await;
    assert_eq!(refused.status(), 422);
    let refused = refused.text().await.expect("html");
    assert!(refused.contains("不是为本次申报上传的文件"), "{}", refused.split("<main").nth(1).unwrap_or(&refused));
    let other = testkit::upload_document_for(&app.client, &app.address, "other", "sub-00000331").await;
    assert_eq!(app.post_form(&status, &add(other["key"].as_str().expect("key"))).await.status(), 303);
    let record = app.get_json(&status).await.json::<Value>().await.expect("json");
    assert_eq!(record["status"], "unit_review");
    assert_eq!(record["events"][2]["kind"], "documents_added");
    let new_unit = link_in_mail(&app.mails(), "unit331@example.gov.cn", "/review/");
    assert_ne!(new_unit, old_unit, "the unit gets a fresh link");
    assert_eq!(app.post_form(&old_unit, "decision=approve").await.status(), 409, "the old link no longer acts");
    let stored = &app.store.list(2025, None).await.expect("list")[0];
    assert_eq!(stored.attachments.len(), 4);

    // The unit returns it; the edit form lists the files held, each with 删除.
    assert_eq!(
        app.post_form(&new_unit, "decision=return&comment=%E8%AF%B7%E6%9B%B4%E6%8D%A2%E8%BA%AB%E4%BB%BD%E8%AF%81")
            .await
            .status(),
        303
    );
    let html = page(&app, &status).await;
    assert!(html.contains("name=\"remove\" value=\"0\"") && html.contains("name=\"file_id_card\""));
    let v = version(&app, &status).await;
    // The stored record's phone is sealed: the edit form shows it in full (opened for the
    // applicant), and the browser posts it back.
    assert!(stored.application.phone.opened().is_none());
    let phone = testkit::sample_application(331)["phone"].as_str().expect("phone").to_owned();
    assert!(html.contains(&format!("value=\"{phone}\"")), "the edit form holds the phone");
    let mut values = stored.application.form_values();
    values.remove("id_number");
    values.insert("phone".into(), phone);
    values.insert("decision".into(), "resubmit".into());
    values.insert("version".into(), v.to_string());
    // Dropping the 身份证 without a new one: refused, naming it.
    let mut drop_only: Vec<(String, String)> = values.clone().into_iter().collect();
    drop_only.push(("remove".into(), "0".into()));
    let refused = app.post_form(&status, &serde_urlencoded::to_string(&drop_only).expect("encode")).await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .expect("html")
            .contains("请上传身份证（必须上传，本站设置；通知只要求“上传相关附件证明材料”）")
    );
    // Replaced: dropped, and a new one added.
    // Uploaded from the status page, for the application's own submission_id (on the page).
    let new_id = testkit::upload_document_for(&app.client, &app.address, "id_card", &stored.submission_id).await;
    let mut replace = drop_only.clone();
    replace.push(("attachment".into(), format!("{}|id_card|新身份证.pdf", new_id["key"].as_str().expect("key"))));
    let done = app.post_form(&status, &serde_urlencoded::to_string(&replace).expect("encode")).await;
    assert_eq!(done.status(), 303);
    let stored = &app.store.list(2025, None).await.expect("list")[0];
    assert_eq!(stored.status, policy::Status::UnitReview);
    let names: Vec<&str> = stored.attachments.iter().map(|a| a.name.as_str()).collect();
    assert!(names.contains(&"新身份证.pdf") && !names.contains(&"id_card.pdf"), "{names:?}");
    let events = app.store.events(&stored.reference).await.expect("events");
    assert_eq!(events.last().expect("event").comment.as_deref(), Some("证明材料"));
}

fn urlencoding(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).expect("encode").trim_start_matches("x=").to_owned()
}
