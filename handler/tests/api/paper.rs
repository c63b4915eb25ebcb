//! HR's stamped paper and the link HR got by mail (issue 32, red team): a 核验码 no version of the
//! application had is a mistyped one, not old paper; recording the paper leaves the mailed link
//! acting, while any real decision still retires every link from before it.

use crate::helpers::{TestApp, link_in_mail, receive_paper, spawn_app, submit};
use serde_json::Value;

async fn version(app: &TestApp, link: &str) -> u64 {
    app.get_json(link).await.json::<Value>().await.expect("json")["version"].as_u64().expect("version")
}

/// Submitted, approved by the unit: the status link and the HR link mailed.
async fn at_hr(app: &TestApp, n: u32) -> (String, String) {
    let status = submit(app, n).await;
    let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    (status, link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/"))
}

/// The returned application sent again with another plan (a new content version).
async fn resubmitted(app: &TestApp, n: u32, status: &str) {
    let mut form = testkit::sample_application(n);
    form["plan"] = "修改后的培养计划：学习重症医学新技术，回院后建设重症监护室。".into();
    form.as_object_mut().expect("object").remove("id_number");
    let v = version(app, status).await;
    let body = format!("{}&decision=resubmit&version={v}", crate::helpers::form_body(&form));
    assert_eq!(app.post_form(status, &body).await.status(), 303);
}

/// The paper form refused `typed` as mistyped: 422, the form again with the code as typed, the
/// error in the summary and beside the field, and nothing said about printing again.
async fn refused_as_mistyped(app: &TestApp, hr: &str, typed: &str) {
    let answer = app.post_form(hr, &format!("decision=paper_received&code={typed}")).await;
    assert_eq!(answer.status(), 422, "{typed}");
    let page = answer.text().await.expect("html");
    assert!(!page.contains("重新打印") && !page.contains("打印于修改之前"), "{page}");
    let summary = &page[page.find("class=\"error-summary\"").expect("an error summary")..];
    assert!(summary[..summary.find("</div>").expect("end")].contains("核验码不正确"), "{summary}");
    assert!(page.contains("id=\"f-code-error\""), "the error beside the field");
    assert!(page.contains(&format!("value=\"{typed}\"")), "the code kept as typed");
}

#[tokio::test]
async fn a_code_no_version_had_is_mistyped_and_only_an_earlier_versions_is_old_paper() {
    let app = spawn_app().await;
    let (status, hr) = at_hr(&app, 420).await;
    let v = version(&app, &status).await;
    // Well formed, but printed on no version: the red team's case and a near miss of the real one.
    refused_as_mistyped(&app, &hr, "0000-0000-0000-0000").await;
    let real = crate::helpers::printed_hash(&app, &hr).await;
    let near = format!("{}{}", &real[..18], if real.ends_with('0') { '1' } else { '0' });
    refused_as_mistyped(&app, &hr, &near).await;
    assert_eq!(version(&app, &status).await, v, "nothing recorded");

    // A version later: the first version's code is old paper (409, print again); a code no
    // version had is still mistyped.
    let comment = "decision=return&comment=%E8%AF%B7%E4%BF%AE%E6%94%B9";
    assert_eq!(app.post_form(&hr, comment).await.status(), 303);
    resubmitted(&app, 420, &status).await;
    let unit = link_in_mail(&app.mails(), "unit420@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let old = app.post_form(&hr, &format!("decision=paper_received&code={real}")).await;
    assert_eq!(old.status(), 409);
    assert!(old.text().await.expect("html").contains("纸质申报表为第1版，系统中现为第2版"));
    refused_as_mistyped(&app, &hr, "0000-0000-0000-0000").await;
}

#[tokio::test]
async fn the_mailed_hr_link_still_opens_and_acts_after_the_paper_is_recorded() {
    let app = spawn_app().await;
    let (status, mailed) = at_hr(&app, 421).await;
    receive_paper(&app, &mailed).await;
    let v = version(&app, &status).await;
    // Sent again (a second click, a leaked link): nothing is recorded twice, nobody mailed twice.
    let mails = app.mails().len();
    for _ in 0..3 {
        receive_paper(&app, &mailed).await;
    }
    assert_eq!(version(&app, &status).await, v, "no new version");
    assert_eq!(app.mails().len(), mails, "no new mail");

    // The same mailed link: the application as it is now, the paper matching, the decision form.
    let page = app.get(&mailed).await.text().await.expect("html");
    assert!(!page.contains("此链接对应的版本已处理"), "{page}");
    assert!(page.contains("<h1>审核：乌力吉（呼和浩特市第一医院）</h1>"), "{page}");
    assert!(page.contains("已登记纸质申报表，与系统中的当前内容一致"), "{page}");
    assert!(page.contains("id=\"decision\""), "{page}");
    assert_eq!(version(&app, &mailed).await, v);

    // 审核通过 from it: recommended, and the page says what follows.
    let approved = app.post_form(&mailed, "decision=approve").await;
    assert_eq!(approved.status(), 303);
    let after = approved.headers()["location"].to_str().expect("ascii").to_owned();
    let page = app.get(&after).await.text().await.expect("html");
    assert!(page.contains("已推荐，已邮件通知申报人"), "{page}");
    assert_eq!(app.get_json(&status).await.json::<Value>().await.expect("json")["status"], "recommended");
}

#[tokio::test]
async fn a_link_older_than_a_real_decision_still_refuses() {
    let app = spawn_app().await;
    let (status, mailed) = at_hr(&app, 422).await;
    let unit = link_in_mail(&app.mails(), "unit422@example.gov.cn", "/review/");
    let after_paper = receive_paper(&app, &mailed).await;

    // HR returns it (from the link the receipt answered with): every older link is spent, the
    // mailed one included, and the unit's from before its approval still is.
    let comment = "decision=return&comment=%E8%AF%B7%E4%BF%AE%E6%94%B9";
    assert_eq!(app.post_form(&after_paper, comment).await.status(), 303);
    for link in [&mailed, &after_paper, &unit] {
        let page = app.get(link).await.text().await.expect("html");
        assert!(page.contains("此链接对应的版本已处理"), "{link}: {page}");
        assert!(!page.contains("乌力吉"), "nothing of the application on a spent link");
        assert_eq!(app.post_form(link, "decision=approve").await.status(), 409, "{link}");
    }

    // Resubmitted and approved by the unit again: the HR links from before the return still
    // refuse, the new one acts, and its paper receipt keeps it acting.
    resubmitted(&app, 422, &status).await;
    let unit = link_in_mail(&app.mails(), "unit422@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let fresh = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    assert_ne!(fresh, mailed);
    receive_paper(&app, &fresh).await;
    for link in [&mailed, &after_paper] {
        assert_eq!(app.post_form(link, "decision=approve").await.status(), 409, "{link}");
    }
    assert_eq!(app.post_form(&fresh, "decision=approve").await.status(), 303);
    assert_eq!(app.get_json(&status).await.json::<Value>().await.expect("json")["status"], "recommended");
}

/// Found by the red team: a passed review link's JSON showed every later event and comment (HR's
/// return comment, the paper's 核验码) while its page shows none of it. Now it gives what the
/// page does: the history to the link's version and the step that passed it, without a comment.
#[tokio::test]
async fn a_passed_links_json_shows_nothing_later_than_the_step_that_passed_it() {
    let app = spawn_app().await;
    let (status, hr) = at_hr(&app, 423).await;
    let unit = link_in_mail(&app.mails(), "unit423@example.gov.cn", "/review/");
    let hr = receive_paper(&app, &hr).await;
    let secret = "%E8%AF%B7%E8%87%B4%E7%94%B5%2013800000000";
    assert_eq!(app.post_form(&hr, &format!("decision=return&comment={secret}")).await.status(), 303);
    let json: Value = app.get_json(&unit).await.json().await.expect("json");
    let text = json.to_string();
    assert!(!text.contains("13800000000") && !text.contains("核验码"), "{text}");
    let events = json["events"].as_array().expect("events");
    assert_eq!(events.len(), 3, "submitted, confirmed, and the unit's approval that passed it: {text}");
    assert_eq!(json["status"], "hr_review");
    assert_eq!(json["version"], 3);
    assert!(events[2]["comment"].is_null());
    // The applicant's own link still shows the whole history.
    let own: Value = app.get_json(&status).await.json().await.expect("json");
    assert!(own.to_string().contains("13800000000"));
}
