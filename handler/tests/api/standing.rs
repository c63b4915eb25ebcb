//! What the handler's pages and mails say of the site's standing and the notice's roles, read
//! through a whole journey (submitted, unit, HR with paper, the centre's account, a withdrawal):
//! what applying here counts for in every mail to an applicant and on the printed 申报表; no
//! Reply-To; every stage date with its mark; the centre's account recording, never deciding, the
//! selection; the notice's paper step told to HR; the site's own sending marked as its own.
//! `site/tests/build.rs` reads the templates, the handler's messages and the built pages for the
//! same words.

use crate::helpers::{Sent, TestApp, link_in_mail, receive_paper, spawn_app, submit, submit_form};

/// What applying here counts for while the site is not the notice's system (the 2025 content).
const STANDING: &str =
    "在本站提交不能代替在“少数民族专业技术人才特殊培养管理系统”的申报：请同时在该系统申报，并按通知报送纸质材料。";

/// Each stage's close as pages and mail write it, from the embedded programme.
fn stage_dates() -> Vec<String> {
    let p = policy::Programme::embedded().expect("programme");
    policy::Actor::ALL
        .into_iter()
        .filter_map(|actor| p.stage_closes(actor))
        .map(|close| theme::before_text(close).trim_end_matches('前').to_owned())
        .collect()
}

/// The words a page or mail shows, markup aside.
fn words(text: &str) -> String {
    let mut out = String::new();
    let mut tag = false;
    for c in text.chars() {
        match c {
            '<' => tag = true,
            '>' => tag = false,
            _ if !tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// What `text` says that the notice does not, each with why.
fn unmarked(text: &str) -> Vec<String> {
    let text = words(text);
    let mut found: Vec<String> = ["确定入选", "确定未入选", "确定结果", "申报截止日", "只能申报一次"]
        .into_iter()
        .filter(|w| text.contains(w))
        .map(|w| format!("{w:?}"))
        .collect();
    for date in stage_dates() {
        for (at, _) in text.match_indices(date.as_str()) {
            let after: String = text[at + date.len()..].chars().take(30).collect();
            if !after.contains("本站设置") {
                found.push(format!("{date}{after}: no （本站设置）"));
            }
        }
    }
    found
}

/// What makes `mail` read badly on a phone or to a layperson: a digest, a "本页" (a mail has no
/// page), a "的…的" chain, brackets inside brackets, a link only behind a button or only raw.
fn unreadable(mail: &Sent) -> Vec<String> {
    let mut found = Vec::new();
    for (part, text) in [("text", mail.text.clone()), ("html", words(&mail.html))] {
        for word in ["SHA-256", "本页"] {
            if text.contains(word) {
                found.push(format!("{part}: {word}"));
            }
        }
        let chars: Vec<char> = text.chars().collect();
        let mut depth = 0;
        for (i, c) in chars.iter().enumerate() {
            match c {
                '（' => {
                    depth += 1;
                    if depth > 1 {
                        found.push(format!(
                            "{part}: nested brackets at {}",
                            chars[i.saturating_sub(20)..i + 1].iter().collect::<String>()
                        ));
                    }
                }
                '）' => depth -= 1,
                '的' => {
                    let chain = chars[i + 1..]
                        .iter()
                        .take(8)
                        .take_while(|c| !"，。；：！？、“”（）\n <>".contains(**c))
                        .any(|c| *c == '的');
                    if chain {
                        found.push(format!(
                            "{part}: 的…的 at {}",
                            chars[i..(i + 10).min(chars.len())].iter().collect::<String>()
                        ));
                    }
                }
                _ => {}
            }
        }
    }
    // Each button's address is also written out, wrapped to the screen.
    let buttons = mail
        .html
        .split("<a href=\"")
        .skip(1)
        .filter(|rest| rest.split('>').next().is_some_and(|tag| tag.contains("display:inline-block")));
    for href in buttons.filter_map(|rest| rest.split('"').next()) {
        if !(words(&mail.html).contains(href) && mail.html.contains("break-all")) {
            found.push(format!("html: {href} only behind its button"));
        }
    }
    found
}

async fn page(app: &TestApp, path: &str) -> String {
    app.get(path).await.text().await.expect("html")
}

#[tokio::test]
async fn every_page_and_mail_of_a_journey_marks_what_the_notice_does_not_say() {
    let app = spawn_app().await;
    let mut pages = Vec::new();
    // An employer written with brackets, as many are: a mail that puts it in brackets of its own
    // nests them.
    let mut form = testkit::sample_application(811);
    form["employer"] = "呼和浩特市第一医院（东院）".into();
    let status = submit_form(&app, &form).await;
    pages.push(page(&app, &status).await);
    let unit = link_in_mail(&app.mails(), "unit811@example.gov.cn", "/review/");
    pages.push(page(&app, &unit).await);
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    pages.push(page(&app, &status).await);
    let printed = page(&app, &format!("{status}/print")).await;
    assert!(
        printed
            .contains(&format!("本表由本站生成，不是“少数民族专业技术人才特殊培养管理系统”打印的申报表。{STANDING}"))
    );
    assert!(printed.contains("贴照片处<br>（近期免冠<br>一寸照片，<br>本站设置）"), "the photo box is the site's");
    pages.push(printed);

    // HR is told the notice's paper step, by mail and on its dashboard; the site's sending is its own.
    let mails = app.mails();
    let to_hr = mails.iter().rfind(|m| m.to == "hr-hohhot@example.gov.cn").expect("HR mailed");
    for part in [&to_hr.text, &to_hr.html] {
        assert!(part.contains("连同加盖公章后的申报表（一式三份），报送至自治区人事人才公共服务中心"), "{part}");
        assert!(part.contains("电子版发送至电子邮箱（1819448970@qq.com）或通过光盘报送"), "{part}");
    }
    let hr = link_in_mail(&mails, "hr-hohhot@example.gov.cn", "/review/");
    let hr_page = page(&app, &hr).await;
    assert!(
        hr_page.contains("已推荐 <strong>0</strong> / 50（本项目总名额；附件1未载入，未分配到盟市（厅局）；本站口径：")
    );
    pages.push(hr_page);
    let hr = receive_paper(&app, &hr).await;
    assert_eq!(app.post_form(&hr, "decision=approve").await.status(), 303);
    assert_eq!(app.post_form("/dashboard", "email=hr-hohhot@example.gov.cn").await.status(), 200);
    let board = page(&app, &link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/dashboard/")).await;
    assert!(board.contains("连同加盖公章后的申报表（一式三份）") && board.contains("或通过光盘报送"), "{board}");
    assert!(board.contains("通过本站发送汇总表（本站设置）…") && board.contains("不代替通知规定的报送"), "{board}");
    pages.push(board);

    // The centre's account records the outcome on the issuer's behalf, and says so.
    assert_eq!(app.post_form("/dashboard", "email=centre@example.gov.cn").await.status(), 200);
    let centre = page(&app, &link_in_mail(&app.mails(), "centre@example.gov.cn", "/dashboard/")).await;
    assert!(centre.contains("待您登记入选结果（本站设置）（1）") && centre.contains("作废申报（本站设置）"));
    let start = centre.find("/review/").expect("the centre's link");
    let review: String = centre[start..].chars().take_while(|c| *c != '"').collect();
    let form = page(&app, &review).await;
    assert!(
        form.contains("登记入选结果（本站设置：由中心的账号代自治区人力资源和社会保障厅登记，入选名单以该厅公布为准）")
    );
    assert!(form.contains(">登记为入选</label>") && form.contains(">登记为未入选</label>"), "{form}");
    pages.extend([centre, form]);
    assert_eq!(app.post_form(&review, "decision=select").await.status(), 303);
    let done = page(&app, &status).await;
    assert!(done.contains("已登记入选（本站设置）") && done.contains("登记入选（本站设置）"), "{done}");
    assert!(done.contains("入选名单以内蒙古自治区人力资源和社会保障厅的通知为准"), "{done}");
    assert!(done.contains("专业技术人员管理处，联系人张翼飞、王慧，电话（0471）6918865、6944061"));
    pages.push(done);
    let mails = app.mails();
    let outcome = mails.iter().rfind(|m| m.to == "applicant811@example.com").expect("outcome mailed");
    assert_eq!(
        outcome.subject,
        "【特培申报】您的申报已登记为入选（本站设置，入选名单以内蒙古自治区人力资源和社会保障厅公布为准） ".to_owned()
            + &status_reference(&app, &status).await
    );
    assert!(outcome.text.contains(
        "自治区人事人才公共服务中心（本站设置：由该中心的账号代内蒙古自治区人力资源和社会保障厅办理）操作后"
    ));

    // A withdrawal offers no printing and names the applicants' close with its mark.
    let other = submit(&app, 812).await;
    pages.push(page(&app, &format!("{other}/withdraw")).await);
    let v = app.get_json(&other).await.json::<serde_json::Value>().await.expect("json")["version"].clone();
    assert_eq!(app.post_form(&other, &format!("decision=withdraw&version={v}&confirm=on")).await.status(), 303);
    pages.push(page(&app, &other).await);

    let mails: Vec<Sent> = app.mails();
    assert!(mails.len() >= 12, "{}", mails.len());
    assert!(mails.iter().filter(|m| m.html.contains("display:inline-block")).count() >= 5, "mails with a button");
    for mail in &mails {
        assert!(!mail.headers.contains_key("reply-to"), "{}: {:?}", mail.subject, mail.headers);
        if mail.to.starts_with("applicant") {
            assert!(mail.text.contains(STANDING) && words(&mail.html).contains(STANDING), "{}", mail.subject);
        }
        let bad = unreadable(mail);
        assert!(bad.is_empty(), "{}: {bad:?}\n{}", mail.subject, mail.text);
        for part in [&mail.subject, &mail.text, &mail.html] {
            let found = unmarked(part);
            assert!(found.is_empty(), "{}: {found:?}\n{part}", mail.subject);
        }
    }
    // The bracketed employer reached the reviewers' mail, so the bracket check above read it.
    assert!(mails.iter().any(|m| m.text.contains("第一医院（东院）")), "the employer is in some mail");
    // The check saw stage dates, in pages and in mail.
    let dated = |t: &String| stage_dates().iter().any(|d| words(t).contains(d.as_str()));
    assert!(pages.iter().filter(|p| dated(p)).count() >= 3, "pages with a stage date");
    assert!(mails.iter().filter(|m| dated(&m.text)).count() >= 2, "mails with a stage date");
    for html in &pages {
        assert!(html.contains(STANDING) || html.contains("class=\"sheet-page\""), "{html}");
        let found = unmarked(html);
        assert!(found.is_empty(), "{found:?}\n{html}");
    }
}

async fn status_reference(app: &TestApp, status: &str) -> String {
    let json: serde_json::Value = app.get_json(status).await.json().await.expect("json");
    json["reference"].as_str().expect("reference").to_owned()
}
