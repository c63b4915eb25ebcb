//! Review links keep to their audience and their recipient (issue 30, findings 3, 7a and 8): a
//! link for one league never opens another's dashboard, files or decision; a unit reviewer whose
//! address was corrected loses the application; a passed link shows only who decided and when;
//! HR sees whom the applicant named as unit reviewer beside the applicant, and whose stamp to see.

use crate::helpers::{TestApp, form_body, link_in_mail, spawn_app, submit, submit_form};
use serde_json::Value;

async fn version(app: &TestApp, status_path: &str) -> u64 {
    let body: Value = app.get_json(status_path).await.json().await.expect("json");
    body["version"].as_u64().expect("version")
}

/// Resubmits a returned application as `form` (its 身份证号 left out: it cannot change).
async fn resubmit(app: &TestApp, status_path: &str, form: &Value) {
    let mut form = form.clone();
    form.as_object_mut().expect("object").remove("id_number");
    let v = version(app, status_path).await;
    let body = format!("{}&decision=resubmit&version={v}", form_body(&form));
    assert_eq!(app.post_form(status_path, &body).await.status(), 303, "resubmission refused");
}

/// Every way into the application through `link`: the page (HTML and JSON), a file, the print,
/// a decision, the paper, a fresh link. Returns the status codes in that order.
async fn every_way_in(app: &TestApp, link: &str) -> Vec<u16> {
    let mut codes = vec![
        app.get(link).await.status().as_u16(),
        app.get(&format!("{link}?done=1")).await.status().as_u16(),
        app.get_json(link).await.status().as_u16(),
        app.get(&format!("{link}/files/0")).await.status().as_u16(),
        app.get(&format!("{link}/print")).await.status().as_u16(),
    ];
    for body in ["decision=approve", "decision=paper_received&code=x"] {
        codes.push(app.post_form(link, body).await.status().as_u16());
    }
    codes.push(app.post_form(&format!("{link}/renew"), "").await.status().as_u16());
    codes
}

/// 呼伦贝尔 HR returns an application; the applicant moves it to 包头. 呼伦贝尔's old link offers no
/// 包头 dashboard, reads nothing and does nothing; right after its own decision it led back to
/// 呼伦贝尔's dashboard only.
#[tokio::test]
async fn an_old_hr_link_never_opens_another_leagues_dashboard_files_or_decision() {
    let app = spawn_app().await;
    let mut form = testkit::sample_application(80);
    form["league"] = "hulunbuir".into();
    form["employer"] = "呼伦贝尔市人民医院".into();
    let status_path = submit_form(&app, &form).await;
    let unit = link_in_mail(&app.mails(), "unit80@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hulunbuir = link_in_mail(&app.mails(), "hr-hulunbuir@example.gov.cn", "/review/");
    assert_eq!(app.get(&hulunbuir).await.status(), 200);
    let returned = app.post_form(&hulunbuir, "decision=return&comment=%E8%AF%B7%E6%A0%B8%E5%AE%9E").await;
    assert_eq!(returned.status(), 303);
    // Its own decision made: the page leads back to 呼伦贝尔's dashboard, and to no other.
    let done = app.get(&format!("{hulunbuir}?done=1")).await.text().await.expect("html");
    assert!(done.contains("已退回") && done.contains("href=\"/dashboard/d.l-hulunbuir.hr."), "{done}");

    // The applicant moves the application to 包头; 包头's unit approves; 包头 HR is asked.
    form["league"] = "baotou".into();
    form["employer"] = "包头市中心医院".into();
    resubmit(&app, &status_path, &form).await;
    let unit = link_in_mail(&app.mails(), "unit80@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let baotou = link_in_mail(&app.mails(), "hr-baotou@example.gov.cn", "/review/");
    let before = version(&app, &status_path).await;

    // 呼伦贝尔's link: refused everywhere, with why, and no dashboard at all.
    let page = app.get(&hulunbuir).await;
    assert_eq!(page.status(), 403);
    let page = page.text().await.expect("html");
    assert!(page.contains("这份申报已改由其他盟市（厅局）审核"), "{page}");
    assert!(!page.contains("/dashboard/") && !page.contains("包头"), "{page}");
    assert_eq!(every_way_in(&app, &hulunbuir).await, [403; 8]);
    assert_eq!(version(&app, &status_path).await, before, "a refused link changed the application");

    // 包头's own link works, and leads to 包头's dashboard.
    let page = app.get(&baotou).await.text().await.expect("html");
    assert!(page.contains("href=\"/dashboard/d.l-baotou.hr.") && page.contains("name=\"decision\""), "{page}");
    assert_eq!(app.get(&format!("{baotou}/files/0")).await.status(), 200);
}

/// A resubmission corrects the unit reviewer's address: the link sent to the old address no
/// longer opens the application or its (new) files; the new address gets its own.
#[tokio::test]
async fn a_unit_link_is_bound_to_the_address_it_was_sent_to() {
    let app = spawn_app().await;
    let mut form = testkit::sample_application(81);
    let status_path = submit_form(&app, &form).await;
    let old = link_in_mail(&app.mails(), "unit81@example.gov.cn", "/review/");
    let returned = app.post_form(&old, "decision=return&comment=%E5%AE%A1%E6%A0%B8%E4%BA%BA%E6%9C%89%E8%AF%AF").await;
    assert_eq!(returned.status(), 303);
    form["unit_reviewer_email"] = "renshi81@example.gov.cn".into();
    resubmit(&app, &status_path, &form).await;
    let new = link_in_mail(&app.mails(), "renshi81@example.gov.cn", "/review/");

    let page = app.get(&old).await;
    assert_eq!(page.status(), 403);
    let page = page.text().await.expect("html");
    assert!(page.contains("这个链接发给的审核人已更换") && !page.contains("乌力吉"), "{page}");
    assert_eq!(every_way_in(&app, &old).await, [403; 8]);
    assert_eq!(app.get(&new).await.status(), 200);
    assert_eq!(app.get(&format!("{new}/files/0")).await.status(), 200);
    assert_eq!(app.get(&format!("{new}/print")).await.status(), 200);
}

/// A link whose version has passed (the same reviewer, the same audience) shows who decided and
/// when, and nothing of the application: no content, no files, no print, no dashboard.
#[tokio::test]
async fn a_passed_link_shows_only_who_decided_and_when() {
    let app = spawn_app().await;
    let status_path = submit(&app, 82).await;
    let unit = link_in_mail(&app.mails(), "unit82@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    // The paper received keeps the mailed HR link acting; a return from the link the receipt
    // answered with is a decision: both HR links have passed.
    let fresh = crate::helpers::receive_paper(&app, &hr).await;
    assert_ne!(fresh, hr);
    assert_eq!(app.post_form(&fresh, "decision=return&comment=%E8%AF%B7%E6%94%B9").await.status(), 303);
    for link in [&unit, &hr] {
        let page = app.get(link).await;
        assert_eq!(page.status(), 200);
        let page = page.text().await.expect("html");
        assert!(page.contains("此链接对应的版本已处理"), "{page}");
        for absent in ["学习心血管内科诊疗新技术", "/files/", "/print", "/dashboard/", "name=\"decision\""]
        {
            assert!(!page.contains(absent), "{absent} on a passed link: {page}");
        }
        assert_eq!(app.get(&format!("{link}/files/0")).await.status(), 410);
        let print = app.get(&format!("{link}/print")).await;
        assert_eq!(print.status(), 410);
        assert!(print.text().await.expect("html").contains("此链接不再显示申报内容"));
    }
    assert_eq!(app.post_form(&hr, "decision=approve").await.status(), 409);
    assert_eq!(app.get_json(&status_path).await.json::<Value>().await.expect("json")["status"], "returned");
}

/// A link signed before links named their audience and recipient opens nothing; it offers a
/// fresh link, mailed only to the stage's reviewer on file.
#[tokio::test]
async fn a_link_from_before_links_named_their_audience_is_renewed_not_opened() {
    let app = spawn_app().await;
    submit(&app, 83).await;
    let current = link_in_mail(&app.mails(), "unit83@example.gov.cn", "/review/");
    let reference = current.split('.').nth(1).expect("reference").to_owned();
    let signer = policy::Signer::new("k1", b"test key that is long enough for hmac");
    let wire = policy::Wire {
        purpose: policy::Purpose::Review,
        reference,
        stage: "unit".into(),
        extra: None,
        version: 2,
        expires: 4_000_000_000,
    };
    let old = format!("/review/{}", signer.sign_wire(&wire));
    let page = app.get(&old).await;
    assert_eq!(page.status(), 410);
    let page = page.text().await.expect("html");
    assert!(page.contains("系统更新前发出") && page.contains(&format!("action=\"{old}/renew\"")), "{page}");
    assert_eq!(app.get(&format!("{old}/files/0")).await.status(), 410);
    assert_eq!(app.post_form(&old, "decision=approve").await.status(), 410);
    let sent = app.mails().len();
    assert_eq!(app.post_form(&format!("{old}/renew"), "").await.status(), 200);
    let mails = app.mails();
    assert_eq!(mails.len(), sent + 1);
    assert_eq!(mails.last().expect("mail").to, "unit83@example.gov.cn");
    let fresh = link_in_mail(&mails, "unit83@example.gov.cn", "/review/");
    assert!(fresh.starts_with(&format!("{}.unit.unit_", current.split(".unit.").next().expect("prefix"))), "{fresh}");
    assert!(app.get(&fresh).await.text().await.expect("html").contains("name=\"decision\""));
}

/// The applicant may name a second address of their own as unit reviewer, and nothing can tell.
/// HR's page shows that address beside the applicant's, and the paper check names the unit whose
/// stamp HR must see.
#[tokio::test]
async fn hr_sees_the_unit_reviewer_beside_the_applicant_and_the_unit_whose_stamp_counts() {
    let app = spawn_app().await;
    let mut form = testkit::sample_application(84);
    form["email"] = "wuliji@hospital-one.cn".into();
    form["unit_reviewer_email"] = "renshi@wuliji-home.cn".into();
    submit_form(&app, &form).await;
    let unit = link_in_mail(&app.mails(), "renshi@wuliji-home.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let page = app.get(&hr).await.text().await.expect("html");
    let shown = page.find("单位审核人：</strong>renshi@wuliji-home.cn").expect("the unit reviewer's address");
    let beside = page.find("申报人本人：</strong>wuliji@hospital-one.cn").expect("the applicant's beside it");
    assert!(beside > shown && beside - shown < 200, "{page}");
    assert!(page.contains("单位审核以纸质申报表上呼和浩特市第一医院的盖章为准"), "{page}");
    let paper = &page[page.find("id=\"paper\"").expect("the paper check")..];
    assert!(paper.contains("纸质申报表须加盖：</strong>呼和浩特市第一医院的公章"), "{paper}");
    // The existing warnings stay beside it.
    let mut form = testkit::sample_application(85);
    form["email"] = "batu85@qq.com".into();
    form["unit_reviewer_email"] = "zhang85@qq.com".into();
    submit_form(&app, &form).await;
    let unit = link_in_mail(&app.mails(), "zhang85@qq.com", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let page = app.get(&hr).await.text().await.expect("html");
    assert!(
        page.contains("申报人本人：</strong>batu85@qq.com") && page.contains("相同的个人邮箱服务（qq.com）"),
        "{page}"
    );
}
