//! The printable 申报表 and `/verify/{code}`: every field, the stamp boxes, the reference, the
//! version hash and a QR code; at most two A4 pages in Chromium even with every field at its
//! longest; verification reports a changed version after a resubmission.

use crate::helpers::{BASE, TestApp, form_body, link_in_mail, spawn_app, spawn_app_with_site, submit_form};
use serde_json::Value;

/// Every label the form prints (the application's fields).
const LABELS: [&str; 27] = [
    "姓名",
    "性别",
    "民族",
    "居民身份证号码",
    "手机号码",
    "电子邮箱",
    "最高学历",
    "毕业院校",
    "所学专业",
    "专业技术职称级别",
    "职称名称",
    "工作单位全称",
    "工作单位层级",
    "工作单位所在盟市",
    "单位性质",
    "长期在基层一线工作",
    "所属领域",
    "从事专业",
    "从事本专业工作起始年月",
    "培养方式",
    "申报项目",
    "意向培养单位",
    "培养计划",
    "所在单位审核人电子邮箱",
    "身心健康声明",
    "政治素质承诺",
    "证明材料",
];

/// The 16-hex-digit version hash printed as `XXXX-XXXX-XXXX-XXXX`.
fn hash_in(html: &str) -> String {
    let marker = "版 <span class=\"mono\">";
    let start = html.find(marker).expect("hash cell") + marker.len();
    html[start..start + 19].to_owned()
}

/// The verification link printed on the form, as a path.
fn verify_path(html: &str) -> String {
    let link = testkit::link_with(html, "/verify/").expect("verify link");
    TestApp::path_of(&link)
}

#[tokio::test]
async fn the_printed_form_holds_every_field_the_boxes_the_reference_the_hash_and_a_qr_code() {
    let app = spawn_app().await;
    let status = submit_form(&app, &testkit::sample_application(110)).await;
    let json: Value = app.get_json(&status).await.json().await.expect("json");
    let reference = json["reference"].as_str().expect("reference");
    // Printing is offered once the unit has approved, as the notice has it, and not before.
    assert!(!app.get(&status).await.text().await.expect("html").contains(&format!("href=\"{status}/print\"")));
    let unit = link_in_mail(&app.mails(), "unit110@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    assert!(app.get(&status).await.text().await.expect("html").contains(&format!("href=\"{status}/print\"")));

    let response = app.get(&format!("{status}/print")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "private, no-store");
    let html = response.text().await.expect("html");
    assert!(html.contains("<h1>2025年度内蒙古自治区专业技术人才特殊培养项目申报表</h1>"));
    for label in LABELS {
        assert!(html.contains(&format!(">{label}</th>")), "{label} missing");
    }
    assert!(html.contains("单位意见（盖章）") && html.contains("盟市人社部门或厅局（高校）意见（盖章）"));
    assert!(html.contains("呼和浩特市人力资源社会保障部门"), "who gives the second opinion");
    assert!(html.contains(reference));
    let hash = hash_in(&html);
    assert!(
        hash.len() == 19 && hash.split('-').all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_hexdigit())),
        "{hash}"
    );
    assert!(html.contains("<svg role=\"img\" aria-label=\"核验二维码\" class=\"qr\""), "an inline SVG QR code");
    let verify = testkit::link_with(&html, "/verify/").expect("verify link");
    assert!(verify.starts_with(&format!("{BASE}/verify/{reference}.")), "{verify}");
    // The full 身份证号 is never printed; the masked one is.
    let id = testkit::sample_application(110)["id_number"].as_str().expect("id").to_owned();
    assert!(!html.contains(&id) && html.contains("1501**********"));

    // Reviewers print the same form from their link; HR's, who records the paper by its code,
    // without the code or its QR address (learned only from the paper).
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    assert!(app.get(&hr).await.text().await.expect("html").contains(&format!("href=\"{hr}/print\"")));
    let from_review = app.get(&format!("{hr}/print")).await.text().await.expect("html");
    assert!(from_review.contains("审核预览，不含核验码") && from_review.contains(reference));
    assert!(!from_review.contains(&hash) && !from_review.contains("/verify/"), "the code on HR's print");
    // It says it is for reviewing, not for stamping: no print button, no 签字盖章 instruction.
    assert!(from_review.contains("审核预览，不是报送用的申报表"), "{from_review}");
    assert!(
        !from_review.contains("data-print") && !from_review.contains("交单位盖章"),
        "HR's preview looks like the paper"
    );
    // A tampered link prints nothing.
    assert_eq!(app.get(&format!("{status}x/print")).await.status(), 403);
}

#[tokio::test]
async fn verify_shows_the_masked_name_and_status_and_reports_a_changed_version() {
    let app = spawn_app().await;
    let status = submit_form(&app, &testkit::sample_application(111)).await;
    let printed = app.get(&format!("{status}/print")).await.text().await.expect("html");
    let old_hash = hash_in(&printed);
    let verify = verify_path(&printed);

    let page = app.get(&verify).await.text().await.expect("html");
    assert!(page.contains("一致：纸质申报表与线上申报记录的当前版本一致"), "{page}");
    assert!(page.contains("<dd>乌**</dd>") && !page.contains("乌力吉"), "only the first character of the name");
    assert!(page.contains("<dd>单位审核中</dd>") && page.contains(&old_hash));
    assert!(printed.contains("第1版 <span class=\"mono\">"), "the version is printed beside its hash");

    // Returned, edited and resubmitted: the old paper no longer matches.
    let unit = link_in_mail(&app.mails(), "unit111@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=return&comment=请补充培养计划").await.status(), 303);
    let mut edited = testkit::sample_application(111);
    edited["plan"] = "学习心血管内科介入诊疗新技术，回院后开展新项目，并带教本院青年医师。".into();
    let version = app.get_json(&status).await.json::<Value>().await.expect("json")["version"].clone();
    let body = format!("{}&decision=resubmit&version={version}", form_body(&edited));
    assert_eq!(app.post_form(&status, &body).await.status(), 303);
    let page = app.get(&verify).await.text().await.expect("html");
    assert!(page.contains("不一致：纸质申报表打印后，申报内容已修改"), "{page}");
    assert!(page.contains(&old_hash), "the printed hash is shown beside the current one");
    assert!(
        page.contains("第1版，核验码") && page.contains("第2版（核验码见新打印的申报表）"),
        "both versions: {page}"
    );
    let reprinted = app.get(&format!("{status}/print")).await.text().await.expect("html");
    let new_hash = hash_in(&reprinted);
    assert_ne!(new_hash, old_hash);
    // The old paper's page never shows the current code: whoever holds it cannot record it.
    assert!(!page.contains(&new_hash), "the current code beside a stale paper");
    let page = app.get(&verify_path(&reprinted)).await.text().await.expect("html");
    assert!(page.contains("一致：") && page.contains(&new_hash));
    assert!(page.contains("在审核工作台“登记收到的纸质申报表”中粘贴本页地址"), "HR is told how to record it");

    // Withdrawn, the same paper verifies as no live application, whatever its content.
    let version = app.get_json(&status).await.json::<Value>().await.expect("json")["version"].clone();
    let withdrawn = app.post_form(&status, &format!("decision=withdraw&version={version}&confirm=on")).await;
    assert_eq!(withdrawn.status(), 303);
    let page = app.get(&verify_path(&reprinted)).await.text().await.expect("html");
    assert!(page.contains("无效：") && page.contains("已由申报人撤回") && !page.contains("一致："), "{page}");

    // Made-up codes find nothing: refused as a link that does not verify (403, never a 404,
    // which behind the CDN would read as the site's 页面不存在).
    let forged = format!("{}0", &verify[..verify.len() - 1]);
    let forged = if forged == verify { format!("{}1", &verify[..verify.len() - 1]) } else { forged };
    assert_eq!(app.get(&forged).await.status(), 403);
    assert_eq!(app.get("/verify/TP2025-AAAAAA.0123456789ABCDEF.0123456789ab").await.status(), 403);
    assert_eq!(app.get("/verify/nonsense").await.status(), 403);
    // Only the check as printed: shortened, it finds nothing.
    for cut in [1, 6, 11] {
        assert_eq!(app.get(&verify[..verify.len() - cut]).await.status(), 403, "{cut} digits cut");
    }
}

/// An application with every text field at its longest, a 2,000-character plan in 20 paragraphs.
fn longest(n: u32) -> Value {
    let mut f = testkit::sample_application(n);
    let wide = |count: usize| "研".repeat(count);
    for (field, len) in [
        ("name", 50),
        ("school", 100),
        ("major", 100),
        ("title_name", 50),
        ("employer", 100),
        ("county", 50),
        ("profession", 100),
        ("host_institution", 100),
    ] {
        f[field] = wide(len).into();
    }
    let paragraph = wide(99);
    f["plan"] = vec![paragraph.as_str(); 20].join("\n").into();
    f["unit_level"] = "county".into();
    f["track"] = "in".into();
    f["education"] = "bachelor".into();
    f["profession_start"] = "2019-07".into();
    let mut id = f["id_number"].as_str().expect("id").to_owned();
    id.replace_range(6..10, "1990");
    let check = policy::check_character(&id[..17]).expect("check");
    id.replace_range(17..18, &check.to_string());
    f["id_number"] = id.into();
    f
}

#[tokio::test]
async fn the_print_view_fits_two_a4_pages_in_chromium_even_at_its_longest() {
    let app = spawn_app_with_site().await;
    let plan: String = longest(112)["plan"].as_str().expect("plan").to_owned();
    assert_eq!(plan.chars().count(), 20 * 99 + 19);
    for (n, form) in [(113, testkit::sample_application(113)), (112, longest(112))] {
        let status = submit_form(&app, &form).await;
        let url = format!("{}{status}/print", app.address);
        let pdf = tokio::task::spawn_blocking(move || testkit::print_to_pdf(&url)).await.expect("chromium");
        let pages = testkit::pdf_pages(&pdf);
        println!("application {n}: the printed 申报表 has {pages} A4 page(s)");
        assert!((1..=2).contains(&pages), "application {n} prints on {pages} pages");
    }
}

/// What paper needs and the screen does not: 出生年月, a photo box, the applicant's signature
/// under the pledge, a print button (phones have no Ctrl+P); documents by kind, never by file
/// name; no field twice.
#[tokio::test]
async fn the_printed_form_has_what_paper_needs() {
    let app = spawn_app().await;
    let status = submit_form(&app, &testkit::sample_application(114)).await;
    let html = app.get(&format!("{status}/print")).await.text().await.expect("html");
    for needed in [
        ">出生年月</th><td>1985年6月</td>",
        "贴照片处",
        "申报人承诺",
        "申报人签字",
        "data-print",
        "铸牢中华民族共同体意识",
        // In the words of the form's declarations.
        policy::PLEDGE_ON_PAPER,
    ] {
        assert!(html.contains(needed), "{needed} missing");
    }
    assert!(html.contains("身份证：已上传；学历证书：已上传"), "documents listed by kind");
    assert!(!html.contains("id_card.pdf"), "never by file name");
    for label in ["申报项目", "提交时间", "居民身份证号码", "姓名"] {
        assert_eq!(html.matches(&format!(">{label}</th>")).count(), 1, "{label} printed more than once");
    }
    // Nothing live: the status changes after printing.
    assert!(!html.contains("当前状态"), "the live status printed");
}

/// The paper as Chromium prints it (A4, the print stylesheet), read back with `pdftotext -layout`,
/// which keeps each printed line's words where they stand and a gap between cells as spaces:
/// every label the sheet prints stands apart from its value (a label is never run into the value
/// beside it, as "长期在基层一线工作是" was), for the sample application and for one with every
/// field at its longest; and nothing live is printed (the status changes after printing: the
/// paper would go stale), only what the check code covers.
#[tokio::test]
async fn on_paper_every_label_stands_apart_from_its_value_and_no_live_status_is_printed() {
    let app = spawn_app_with_site().await;
    let p = policy::Programme::embedded().expect("programme");
    for (n, form) in [(115, testkit::sample_application(115)), (116, longest(116))] {
        let status = submit_form(&app, &form).await;
        let url = format!("{}{status}/print", app.address);
        let pdf = tokio::task::spawn_blocking(move || testkit::print_to_pdf(&url)).await.expect("chromium");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sheet.pdf");
        std::fs::write(&path, pdf).expect("write");
        let text = testkit::pdf_text(&path, &["-layout"]);
        assert!(!text.contains("当前状态"), "application {n}: the live status printed:\n{text}");
        for label in policy::Status::ALL.iter().map(|s| s.label()) {
            assert!(!text.contains(label), "application {n}: status {label} printed:\n{text}");
        }
        let application = policy::Application::parse(&serde_json::from_value(form).expect("form"), &p).expect("valid");
        let rows = handler::views::rows(&p, &application);
        let labels = rows.iter().filter(|r| r.printed()).map(|r| (r.label(), r.value().to_owned()));
        let head = ["申报编号", "版本及核验码", "提交时间", "证明材料"].map(|l| (l, String::new()));
        for (label, value) in labels.chain(head) {
            assert!(stands_apart(&text, label), "application {n}: label {label} runs into its neighbours:\n{text}");
            if let Some(first) = value.chars().next() {
                assert!(
                    !text.contains(&format!("{label}{first}")),
                    "application {n}: {label} glued to its value:\n{text}"
                );
            }
        }
    }
}

/// Whether `label` stands in `text` as a cell of its own: at the start of a line or after a
/// space, and followed by a space or the line's end.
fn stands_apart(text: &str, label: &str) -> bool {
    text.lines().any(|line| {
        line.match_indices(label).any(|(at, _)| {
            let before = line[..at].chars().next_back();
            let after = line[at + label.len()..].chars().next();
            before.is_none_or(char::is_whitespace) && after.is_none_or(char::is_whitespace)
        })
    })
}

/// A 第2版 printed days after the first submission shows when that version was submitted, not
/// the first submission's time (found by the red team).
#[tokio::test]
async fn a_second_version_prints_the_time_it_was_submitted() {
    use crate::helpers::{Options, spawn_with};
    let dir = tempfile::tempdir().expect("tempdir");
    let store: std::sync::Arc<dyn handler::store::Store> =
        std::sync::Arc::new(handler::store::SqliteStore::open(&dir.path().join("db.sqlite3")).expect("sqlite"));
    // Submitted on the 15th at 09:00; returned, and resubmitted on the 18th at 14:30.
    let early = spawn_with(Options { store: Some(store.clone()), ..Options::default() }).await;
    let clock = handler::Clock::starting_at(time::macros::datetime!(2025-03-18 14:30 +8));
    let late = spawn_with(Options { clock, store: Some(store.clone()), ..Options::default() }).await;
    let form = testkit::sample_application(112);
    let status = submit_form(&early, &form).await;
    let first = early.get(&format!("{status}/print")).await.text().await.expect("html");
    assert!(first.contains("<th scope=\"row\">提交时间</th><td colspan=\"3\">2025年3月15日 09:00"), "{first}");
    let unit = link_in_mail(&early.mails(), "unit112@example.gov.cn", "/review/");
    assert_eq!(early.post_form(&unit, "decision=return&comment=请补充培养计划").await.status(), 303);
    let mut edited = form.clone();
    edited["plan"] = "学习心血管内科介入诊疗新技术，回院后开展新项目，并带教本院青年医师。".into();
    let version = late.get_json(&status).await.json::<Value>().await.expect("json")["version"].clone();
    let body = format!("{}&decision=resubmit&version={version}", form_body(&edited));
    assert_eq!(late.post_form(&status, &body).await.status(), 303);
    let second = late.get(&format!("{status}/print")).await.text().await.expect("html");
    assert!(second.contains("第2版 <span class=\"mono\">"), "{second}");
    assert!(second.contains("<th scope=\"row\">本版提交时间</th><td colspan=\"3\">2025年3月18日 14:30"), "{second}");
    assert!(!second.contains("2025年3月15日"), "the first submission's time is not this version's: {second}");
}

/// An erased application has nothing to print and nothing left to do (red team): its print
/// answers 410 with the way back, and its status page offers neither a print nor 删除我的申报.
#[tokio::test]
async fn an_erased_application_has_nothing_to_print() {
    let app = spawn_app().await;
    let status = submit_form(&app, &testkit::sample_application(118)).await;
    let version = app.get_json(&status).await.json::<Value>().await.expect("json")["version"].as_u64().expect("v");
    let erased = app.post_form(&format!("{status}/erase"), &format!("version={version}&confirm=on")).await;
    assert_eq!(erased.status(), 200, "{:?}", erased.text().await);
    let print = app.get(&format!("{status}/print")).await;
    assert_eq!(print.status(), 410);
    let html = print.text().await.expect("html");
    assert!(html.contains("申报表不能再打印") && html.contains(&format!("href=\"{status}\"")), "{html}");
    assert!(!html.contains("data-print") && !html.contains("/verify/"));
    let page = app.get(&status).await.text().await.expect("html");
    assert!(page.contains("个人信息已删除，办理已结束") && !page.contains("删除我的申报"), "{page}");
}
