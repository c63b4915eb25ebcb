//! Dashboards: links for configured addresses only (without telling who is configured), a
//! league that sees only its own, filters and sorting without JS, the 汇总表 as XLSX and CSV
//! through the link, the mail to the centre, and the centre's decisions.

use crate::helpers::{TestApp, link_in_mail, spawn_app, submit_form};
use crate::summary::parse_csv;
use handler::views::HEADERS;
use serde_json::Value;

/// The exported 汇总表's title row: the notice's name for it, marked as this system's export; its
/// second line says 附件2's layout was not published, and what applying here counts for.
const TITLE: &str = "2025年度内蒙古自治区专业技术人才特殊培养项目学员汇总表（本系统导出）";
const NOTE: &str = "附件2正式样表未随通知公布，本表是本系统导出的汇总信息，不是附件2。在本站提交不能代替在“少数民族专业技术人才特殊培养管理系统”的申报：请同时在该系统申报，并按通知报送纸质材料。";

/// Sample application `n` from `league`, with a chosen name and grassroots flag.
fn form(n: u32, league: &str, name: &str, grassroots: bool) -> Value {
    let mut f = testkit::sample_application(n);
    f["league"] = league.into();
    f["name"] = name.into();
    f["grassroots"] = grassroots.into();
    f
}

/// Submits and returns the reference.
async fn submit(app: &TestApp, form: &Value) -> String {
    let status = submit_form(app, form).await;
    let s: Value = app.get_json(&status).await.json().await.expect("json");
    s["reference"].as_str().expect("reference").to_owned()
}

/// Unit and HR approve application `n` of `league`.
async fn recommend(app: &TestApp, n: u32, league: &str) {
    let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), &format!("hr-{league}@example.gov.cn"), "/review/");
    let hr = crate::helpers::receive_paper(app, &hr).await;
    assert_eq!(app.post_form(&hr, "decision=approve").await.status(), 303);
}

/// Asks for the dashboard link of `email` and takes it from the mail.
async fn dashboard(app: &TestApp, email: &str) -> String {
    assert_eq!(app.post_form("/dashboard", &format!("email={email}")).await.status(), 200);
    link_in_mail(&app.mails(), email, "/dashboard/")
}

/// The filtered list of a dashboard page (below the "待您审核" section).
fn list(html: &str) -> &str {
    &html[html.find("class=\"data dashboard cards\"").expect("the list")..]
}

async fn page(app: &TestApp, path: &str) -> String {
    let response = app.get(path).await;
    assert_eq!(response.status(), 200, "{path}");
    response.text().await.expect("html")
}

#[tokio::test]
async fn a_configured_address_gets_its_link_and_nobody_learns_who_is_configured() {
    let app = spawn_app().await;
    let form_page = page(&app, "/dashboard").await;
    assert!(form_page.contains("action=\"/dashboard\"") && form_page.contains("name=\"email\""));

    let configured = app.post_form("/dashboard", "email=HR-Hohhot@example.gov.cn").await;
    let stranger = app.post_form("/dashboard", "email=someone%40example.com").await;
    assert_eq!((configured.status().as_u16(), stranger.status().as_u16()), (200, 200));
    assert_eq!(configured.text().await.expect("html"), stranger.text().await.expect("html"));
    let json = |email: &str| serde_json::json!({ "email": email });
    let a = app.post_json("/dashboard", &json("centre@example.gov.cn")).await;
    let b = app.post_json("/dashboard", &json("nobody@example.gov.cn")).await;
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (202, 202));
    assert_eq!(a.json::<Value>().await.expect("json"), b.json::<Value>().await.expect("json"));

    let mails = app.mails();
    assert_eq!(mails.len(), 2, "one mail each to the two configured addresses: {mails:?}");
    assert!(mails.iter().any(|m| m.to == "hr-hohhot@example.gov.cn" && m.text.contains("呼和浩特市申报汇总")));
    assert!(mails.iter().any(|m| m.to == "centre@example.gov.cn" && m.text.contains("全区申报汇总")));
    // Asking again at once sends nothing more.
    app.post_form("/dashboard", "email=hr-hohhot@example.gov.cn").await;
    assert_eq!(app.mails().len(), 2);
    // The link works and names its scope.
    let link = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/dashboard/");
    let html = page(&app, &link).await;
    assert!(html.contains("<h1>呼和浩特市申报汇总</h1>"), "{html}");
}

#[tokio::test]
async fn a_league_sees_only_its_own_applications() {
    let app = spawn_app().await;
    let hohhot = submit(&app, &form(90, "hohhot", "乌力吉", false)).await;
    let baotou = submit(&app, &form(91, "baotou", "巴特尔", false)).await;
    let hohhot_link = dashboard(&app, "hr-hohhot@example.gov.cn").await;
    let baotou_link = dashboard(&app, "hr-baotou@example.gov.cn").await;

    let html = page(&app, &hohhot_link).await;
    assert!(html.contains(&hohhot) && !html.contains(&baotou));
    let html = page(&app, &baotou_link).await;
    assert!(html.contains(&baotou) && !html.contains(&hohhot));
    let csv = app.get(&format!("{hohhot_link}/summary.csv?all=1")).await.bytes().await.expect("csv");
    let rows = parse_csv(&csv);
    assert_eq!(rows.len(), 5, "title, note, subtitle, headings, one row: {rows:?}");
    assert_eq!(rows[4][HEADERS.len() - 1], hohhot);

    // Another league's id in the link breaks its signature; other links are not dashboard links.
    let forged = hohhot_link.replacen(".l-hohhot.", ".l-baotou.", 1);
    assert_ne!(forged, hohhot_link);
    assert_eq!(app.get(&forged).await.status(), 403);
    assert_eq!(app.get(&format!("{forged}/summary.xlsx")).await.status(), 403);
    let unit = link_in_mail(&app.mails(), "unit90@example.gov.cn", "/review/");
    let as_dashboard = unit.replacen("/review/", "/dashboard/", 1);
    assert_eq!(app.get(&as_dashboard).await.status(), 403);
    // An HR dashboard link is not the centre's.
    let as_centre = hohhot_link.replacen(".l-hohhot.hr.", ".centre.centre.", 1);
    assert_eq!(app.get(&as_centre).await.status(), 403);
}

#[tokio::test]
async fn filters_and_sorting_work_without_js() {
    let app = spawn_app().await;
    let a = submit(&app, &form(92, "hohhot", "阿拉坦", true)).await;
    let b = submit(&app, &form(93, "hohhot", "宝音", false)).await;
    let c = submit(&app, &form(94, "hohhot", "朝鲁", true)).await;
    // 93 reaches HR review.
    let unit = link_in_mail(&app.mails(), "unit93@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let link = dashboard(&app, "hr-hohhot@example.gov.cn").await;

    let order = |html: &str| {
        let mut found: Vec<(usize, &str)> = [a.as_str(), b.as_str(), c.as_str()]
            .into_iter()
            .filter_map(|r| list(html).find(r).map(|i| (i, r)))
            .collect();
        found.sort();
        found.into_iter().map(|(_, r)| r.to_owned()).collect::<Vec<_>>()
    };
    assert_eq!(order(&page(&app, &link).await), [a.clone(), b.clone(), c.clone()]);
    assert_eq!(
        order(&page(&app, &format!("{link}?sort=submitted&order=desc")).await),
        [c.clone(), b.clone(), a.clone()]
    );
    let html = page(&app, &format!("{link}?status=hr_review")).await;
    assert_eq!(order(&html), std::slice::from_ref(&b));
    assert!(html.contains("<option value=\"hr_review\" selected>"), "the filter is kept");
    // Only HR-review rows link to a review, from the list's first column.
    assert!(
        list(&html)
            .contains(&format!("<td class=\"action\"><a class=\"button button-small\" href=\"/review/r.{b}.hr."))
    );
    let all = page(&app, &link).await;
    assert_eq!(list(&all).matches("审核<span class=\"visually-hidden\">").count(), 1, "one row to act on");
    assert!(list(&all).contains(&format!("审核<span class=\"visually-hidden\">：宝音（{b}）</span>")));
    assert_eq!(order(&page(&app, &format!("{link}?grassroots=1")).await), [a.clone(), c.clone()]);
    let by_status = page(&app, &format!("{link}?sort=status&order=desc")).await;
    assert_eq!(order(&by_status)[0], b, "hr_review sorts after unit_review");
    let html = page(&app, &link).await;
    assert!(
        html.contains("<td data-label=\"已占名额\" class=\"num\">0</td><td data-label=\"名额\" class=\"num\">50</td>"),
        "places used / cap: {html}"
    );
}

#[tokio::test]
async fn the_summary_downloads_as_xlsx_and_csv_with_exact_rows() {
    use calamine::{Data, Reader, Xlsx};
    let app = spawn_app().await;
    let first = submit(&app, &form(95, "hohhot", "乌力吉", false)).await;
    let second = submit(&app, &form(96, "hohhot", "=SUM(A1)", false)).await;
    recommend(&app, 95, "hohhot").await;
    let link = dashboard(&app, "hr-hohhot@example.gov.cn").await;

    let response = app.get(&format!("{link}/summary.xlsx")).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let disposition = response.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    assert!(disposition.starts_with("attachment; filename*=UTF-8''2025"), "{disposition}");
    let bytes = response.bytes().await.expect("bytes").to_vec();
    // Column widths set, the heading row frozen, A4 landscape: read from the sheet's own XML.
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("zip");
    let mut sheet = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("xl/worksheets/sheet1.xml").expect("sheet"), &mut sheet)
        .expect("sheet xml");
    assert!(sheet.contains("ySplit=\"4\"") && sheet.contains("state=\"frozen\""), "heading not frozen: {sheet}");
    assert!(sheet.contains("<cols>") && sheet.contains("customWidth=\"1\""), "no column widths");
    assert!(sheet.contains("orientation=\"landscape\"") && sheet.contains("paperSize=\"9\""));
    // "已推荐" and "全部申报" download under different names, each with the league and the date.
    let all = app.get(&format!("{link}/summary.xlsx?all=1")).await;
    let all_name = all.headers()["content-disposition"].to_str().expect("ascii").to_owned();
    let decode = |d: &str| {
        let encoded = d.split("UTF-8''").nth(1).expect("name");
        String::from_utf8(
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("n={encoded}")).expect("decode")[0]
                .1
                .clone()
                .into_bytes(),
        )
        .expect("utf-8")
    };
    assert_eq!(decode(&disposition), "2025年度特培学员汇总表（本系统导出）-呼和浩特市-已推荐-2025-03-15.xlsx");
    assert_eq!(decode(&all_name), "2025年度特培学员汇总表（本系统导出）-呼和浩特市-全部申报-2025-03-15.xlsx");
    let read = |bytes: Vec<u8>| {
        let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("xlsx");
        let range = book.worksheet_range("汇总表").expect("sheet");
        (0..range.height() as u32)
            .map(|r| {
                (0..range.width() as u32)
                    .map(|c| match range.get_value((r, c)) {
                        Some(Data::String(s)) => s.clone(),
                        _ => String::new(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let sheet = read(bytes);
    assert_eq!(sheet[0][0], TITLE);
    assert_eq!(sheet[1][0], NOTE);
    assert_eq!(sheet[2][0], "2025年度特培申报    填报单位：呼和浩特市    日期：2025年3月15日");
    assert_eq!(sheet[3], HEADERS);
    assert_eq!(sheet.len(), 5, "only the recommended application by default");
    assert_eq!(sheet[4][..4], ["1", "乌力吉", "男", "蒙古族"]);
    let n = HEADERS.len();
    assert_eq!((sheet[4][n - 3].as_str(), sheet[4][n - 2].as_str()), ("已推荐", ""));
    assert_eq!(sheet[4][n - 1], first);

    let all = read(app.get(&format!("{link}/summary.xlsx?all=1")).await.bytes().await.expect("bytes").to_vec());
    assert_eq!(all.len(), 6);
    assert_eq!(
        (all[5][1].as_str(), all[5][n - 3].as_str(), all[5][n - 1].as_str()),
        ("=SUM(A1)", "单位审核中", second.as_str())
    );

    // The CSV holds the same cells (a formula-like name is defused), readable in Chinese.
    let csv = app.get(&format!("{link}/summary.csv?all=1")).await;
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let rows = parse_csv(&csv.bytes().await.expect("csv"));
    assert_eq!(rows[0], [TITLE]);
    assert_eq!(rows[1], [NOTE]);
    assert_eq!(rows[3], HEADERS);
    assert_eq!(rows[4], all[4]);
    assert_eq!(rows[5][1], "'=SUM(A1)");
    assert_eq!(rows[5][2..], all[5][2..]);
}

#[tokio::test]
async fn the_xlsx_is_mailed_to_the_centre_address_of_the_programme() {
    use calamine::{Reader, Xlsx};
    let app = spawn_app().await;
    submit(&app, &form(97, "hohhot", "乌力吉", false)).await;
    recommend(&app, 97, "hohhot").await;
    let link = dashboard(&app, "hr-hohhot@example.gov.cn").await;
    let response = app.post_form(&format!("{link}/send"), "").await;
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], format!("{link}?sent=1").as_str());
    assert!(page(&app, &format!("{link}?sent=1")).await.contains("汇总表已发送至 1819448970@qq.com"));
    let mails = app.mails();
    let mail = mails.iter().find(|m| m.to == "1819448970@qq.com").expect("mail to the centre");
    assert!(mail.subject.contains("呼和浩特市") && mail.subject.contains("（1人）"), "{}", mail.subject);
    let (kind, bytes) = mail.files.first().expect("an attached file");
    assert!(kind.starts_with("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"));
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).expect("xlsx");
    let range = book.worksheet_range("汇总表").expect("sheet");
    assert_eq!(range.height(), 5);
    // Sent once per change: pressed again with nothing changed, nothing is sent, and the
    // confirmation page says so without a send button.
    let again = app.post_form(&format!("{link}/send"), "").await;
    assert_eq!(again.status(), 409);
    assert!(again.text().await.expect("html").contains("此后没有变化，不再重复发送"));
    let confirm = page(&app, &format!("{link}/send")).await;
    assert!(confirm.contains("此后没有变化，无需再次发送") && !confirm.contains("确认发送"), "{confirm}");
    // A cross-site POST is refused.
    let cross = app
        .client
        .post(format!("{}{link}/send", app.address))
        .header("origin", "https://evil.example")
        .send()
        .await
        .expect("post");
    assert_eq!(cross.status(), 403);
    assert_eq!(app.mails().iter().filter(|m| m.to == "1819448970@qq.com").count(), 1);

    // Another recommendation: the page and the second mail say what changed since the first.
    let second = submit(&app, &form(96, "hohhot", "巴特尔", false)).await;
    recommend(&app, 96, "hohhot").await;
    // The centre sees which league sent its table, when, how many, and that it changed since.
    let centre = dashboard(&app, "centre@example.gov.cn").await;
    let sends = |html: String| html[html.find("id=\"scope-sends\"").expect("the table")..].to_owned();
    let before = sends(page(&app, &centre).await);
    let hohhot = before[before.find("呼和浩特市").expect("the league's row")..]
        .split("</tr>")
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(
        hohhot.contains("2人")
            && hohhot.contains("2025年3月15日")
            && hohhot.contains("1人")
            && hohhot.contains("有变化"),
        "{hohhot}"
    );
    let confirm = page(&app, &format!("{link}/send")).await;
    assert!(confirm.contains("上次已于2025年3月15日") && confirm.contains("（1 份）"), "{confirm}");
    assert!(confirm.contains(&format!("新增：巴特尔（{second}），已推荐")), "{confirm}");
    assert_eq!(app.post_form(&format!("{link}/send"), "").await.status(), 303);
    let mails = app.mails();
    let to_centre: Vec<_> = mails.iter().filter(|m| m.to == "1819448970@qq.com").collect();
    assert_eq!(to_centre.len(), 2);
    let update = to_centre.iter().find(|m| m.subject.contains("（更新）（2人）")).expect("the update");
    assert!(update.text.contains(&format!("新增：巴特尔（{second}），已推荐")), "{}", update.text);
    assert!(update.text.contains("这是更新后的汇总表，请以本次为准"));
    let after = sends(page(&app, &centre).await);
    let hohhot = after[after.find("呼和浩特市").expect("the league's row")..]
        .split("</tr>")
        .next()
        .unwrap_or_default()
        .to_owned();
    assert!(!hohhot.contains("有变化") && hohhot.contains("无"), "{hohhot}");
    // The centre's link never mails the centre.
    let answer = app.post_form(&format!("{centre}/send"), "").await;
    assert_eq!(answer.status(), 303);
    assert_eq!(app.mails().iter().filter(|m| m.to == "1819448970@qq.com").count(), 2);
}

#[tokio::test]
async fn the_centre_sees_every_league_against_the_quota_and_decides() {
    let app = spawn_app().await;
    let hohhot = submit(&app, &form(98, "hohhot", "乌力吉", false)).await;
    let baotou = submit(&app, &form(99, "baotou", "巴特尔", false)).await;
    recommend(&app, 98, "hohhot").await;
    let centre = dashboard(&app, "centre@example.gov.cn").await;
    let html = page(&app, &centre).await;
    assert!(html.contains("<h1>全区申报汇总</h1>") && html.contains(&hohhot) && html.contains(&baotou));
    assert!(html.contains("<svg class=\"chart\"") && html.contains("role=\"img\""), "an inline SVG chart");
    let svg = &html[html.find("<svg").expect("svg")..html.rfind("</svg>").expect("end")];
    assert!(!svg.contains("<script") && svg.contains("<title id=\"chart-streams\">"), "{svg}");
    assert!(svg.contains(">1 / 50</text>"), "the chart shows used against cap: {svg}");
    assert!(
        html.contains("<th scope=\"row\">呼和浩特市</th><td class=\"num\">0</td><td class=\"num\">1</td>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"num\">1 / 50</td>"), "programme total against its quota");
    // Filter by league.
    let only = page(&app, &format!("{centre}?area=baotou")).await;
    assert!(list(&only).contains(&baotou) && !list(&only).contains(&hohhot));

    // The recommended row links to the centre's decision; selecting is conditional, audited, mailed.
    let start = html.find("/review/").expect("a review link");
    let review: String = html[start..].chars().take_while(|c| *c != '"').collect();
    let form_page = page(&app, &review).await;
    assert!(form_page.contains("value=\"select\"") && form_page.contains("value=\"reject\""));
    assert_eq!(app.post_form(&review, "decision=select").await.status(), 303);
    assert_eq!(app.post_form(&review, "decision=reject").await.status(), 409, "the link's version has passed");
    let reference_status = app.store.get(&hohhot).await.expect("get").expect("record");
    assert_eq!(reference_status.status, policy::Status::Selected);
    let events = app.store.events(&hohhot).await.expect("events");
    let last = events.last().expect("event");
    assert_eq!((last.kind.code(), last.actor.code()), ("selected", "centre"));
    assert_eq!(last.actor_address.as_deref(), Some("centre@example.gov.cn"));
    let mails = app.mails();
    assert!(mails.iter().any(|m| m.to == "applicant98@example.com" && m.subject.contains("入选")), "{mails:?}");
    // Selection keeps the place.
    assert_eq!(app.store.quota_used("region-out").await.expect("quota"), 1);
    let all = app.get(&format!("{centre}/summary.csv")).await.bytes().await.expect("csv");
    let rows = parse_csv(&all);
    assert_eq!(rows[2][0], "2025年度特培申报    填报单位：全区    日期：2025年3月15日");
    assert_eq!((rows.len(), rows[4][17].as_str()), (5, "已登记入选（本站设置）"));
}

/// The dashboard opens on what waits for this reviewer: "待您审核（N）", each with its 审核
/// button first, whatever the filters below.
#[tokio::test]
async fn the_dashboard_leads_with_what_waits_for_this_reviewer() {
    let app = spawn_app().await;
    let waiting = submit(&app, &form(140, "hohhot", "巴特尔", false)).await;
    let _still_at_unit = submit(&app, &form(141, "hohhot", "其木格", false)).await;
    let unit = link_in_mail(&app.mails(), "unit140@example.gov.cn", "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let link = dashboard(&app, "hr-hohhot@example.gov.cn").await;
    let html = page(&app, &format!("{link}?status=unit_review")).await;
    assert!(html.contains("待您审核（1）"), "{html}");
    let section =
        &html[html.find("id=\"waiting-title\"").expect("section")..html.find("id=\"quota-title\"").expect("quota")];
    assert!(section.contains(&format!("审核<span class=\"visually-hidden\">：巴特尔（{waiting}）</span></a></td><td data-label=\"姓名\">巴特尔</td><td data-label=\"工作单位\">呼和浩特市第一医院</td>")), "{section}");
    assert!(section.contains(&format!("href=\"/review/r.{waiting}.hr.")));
    assert!(!section.contains("其木格"), "only what waits for HR");
}

/// HR records a pile of stamped paper from the dashboard, one after another, by 申报编号 and the
/// 核验码 as printed (case and dashes ignored) or by the address under the QR code alone; another
/// league's application is refused, and every refusal shows the form again with what was typed.
#[tokio::test]
async fn paper_is_recorded_from_the_dashboard_within_its_scope_only() {
    let app = spawn_app().await;
    let ours = submit(&app, &form(150, "hohhot", "巴特尔", false)).await;
    let theirs = submit(&app, &form(151, "baotou", "其木格", false)).await;
    let ours_too = submit(&app, &form(152, "hohhot", "乌力吉", false)).await;
    for n in [150, 151, 152] {
        let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
        assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    }
    let link = dashboard(&app, "hr-hohhot@example.gov.cn").await;
    let review = |r: &str, to: &str| link_in_mail(&app.mails(), to, &format!("/review/r.{r}.hr."));
    let (hr_ours, hr_theirs) = (review(&ours, "hr-hohhot@example.gov.cn"), review(&theirs, "hr-baotou@example.gov.cn"));
    let hr_ours_too = review(&ours_too, "hr-hohhot@example.gov.cn");
    let paper = |body: String| {
        let path = format!("{link}/paper");
        let app = &app;
        async move { app.post_form(&path, &body).await }
    };

    // Another league's paper, by its QR address or by its 申报编号: refused, the form as typed.
    let theirs_qr = crate::helpers::printed_code(&app, &hr_theirs).await;
    // Answered as a number never made: the form tells nobody which numbers exist elsewhere.
    let refused = paper(format!("code={theirs_qr}")).await;
    assert_eq!(refused.status(), 422);
    let outside = format!("本单位审核范围内找不到申报编号为{theirs}的申报");
    assert!(refused.text().await.expect("html").contains(&outside));
    let never = paper("reference=TP2025-ZZZZZZ&code=0000-0000-0000-0000".to_owned()).await;
    assert_eq!(never.status(), 422);
    assert!(never.text().await.expect("html").contains("本单位审核范围内找不到申报编号为TP2025-ZZZZZZ的申报"));
    let theirs_hash = crate::helpers::printed_hash(&app, &hr_theirs).await;
    let refused = paper(format!("reference={theirs}&code={theirs_hash}")).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.expect("html");
    assert!(
        html.contains(&format!("value=\"{theirs}\"")) && html.contains(&format!("value=\"{theirs_hash}\"")),
        "{html}"
    );
    // A code as printed without its 申报编号, and a mistyped code: what to do, the form kept.
    let ours_hash = crate::helpers::printed_hash(&app, &hr_ours).await;
    let without = paper(format!("code={ours_hash}")).await;
    assert_eq!(without.status(), 422);
    assert!(without.text().await.expect("html").contains("请填写纸质申报表上的申报编号"));
    let mistyped = paper(format!("reference={ours}&code=nonsense")).await;
    assert_eq!(mistyped.status(), 422);
    let html = mistyped.text().await.expect("html");
    assert!(html.contains("核验码不正确") && html.contains("value=\"nonsense\"") && html.contains("id=\"paper-form\""));

    // By 申报编号 and 核验码 typed in lower case without dashes.
    let typed = format!("reference={}&code={}", ours.to_lowercase(), ours_hash.replace('-', "").to_lowercase());
    let done = paper(typed).await;
    assert_eq!(done.status(), 303);
    let back = done.headers()["location"].to_str().expect("ascii").to_owned();
    assert!(back.ends_with(&format!("?paper={ours}")), "{back}");
    assert!(page(&app, &back).await.contains(&format!("纸质申报表已登记：{ours} 巴特尔")));
    // By the QR address alone.
    let qr = crate::helpers::printed_code(&app, &hr_ours_too).await;
    // With another paper's 申报编号 typed beside it: two papers mixed up, refused naming both.
    let mixed = paper(format!("reference={ours}&code=https://example.gov.cn/verify/{qr}")).await;
    assert_eq!(mixed.status(), 422);
    assert!(
        mixed
            .text()
            .await
            .expect("html")
            .contains(&format!("填写的申报编号{ours}与二维码地址中的申报编号{ours_too}不一致"))
    );
    assert_eq!(paper(format!("code=https://example.gov.cn/verify/{qr}")).await.status(), 303);
    for r in [&ours, &ours_too] {
        let events = app.store.events(r).await.expect("events");
        assert_eq!(events.last().expect("event").kind.code(), "paper_received");
    }
    assert_eq!(app.store.events(&theirs).await.expect("events").len(), 3, "the other league's record is untouched");
}

/// A confirmed application stored directly (as many as a large league holds), numbered `n`.
fn stored_record(n: u32) -> handler::store::Record {
    let p = policy::Programme::embedded().expect("programme");
    let form: policy::ApplicationForm = serde_json::from_value(testkit::sample_application(n)).expect("form");
    handler::store::Record {
        status: policy::Status::UnitReview,
        version: 1,
        submission_id: format!("page-{n}"),
        body_hash: format!("body-{n}"),
        id_hash: format!("id-{n}"),
        updated_at: "2025-03-15T01:00:00Z".into(),
        ..handler::store::Record::taken(
            format!("TP2025-P{n:05}"),
            p.round,
            policy::Application::parse(&form, &p).expect("valid sample"),
            format!("2025-03-15T{:02}:{:02}:{:02}Z", n / 3600, n / 60 % 60, n % 60),
        )
    }
}

/// Stores `r` as submitted.
async fn create(app: &TestApp, r: &handler::store::Record) {
    let event = handler::store::Event {
        seq: 1,
        kind: policy::EventKind::Submitted,
        actor: policy::Actor::Applicant,
        actor_address: None,
        at: r.created_at.clone(),
        comment: None,
        status: r.status,
        client_hash: None,
        changes: Vec::new(),
        version_hash: None,
    };
    app.store.create(r, &event, &[]).await.expect("create");
}

/// 250 applications: the list shows 100 a page with links to the next and previous pages that
/// keep the filters; the waiting list and the totals still count them all.
#[tokio::test]
async fn the_list_is_paged_and_keeps_its_filters() {
    let app = spawn_app().await;
    for n in 1..=250 {
        let r = stored_record(n);
        create(&app, &r).await;
    }
    let centre = dashboard(&app, "centre@example.gov.cn").await;
    let first = page(&app, &format!("{centre}?sort=name&order=desc")).await;
    assert!(first.contains("共 250 份申报"), "totals count every record");
    let list1 = list(&first);
    assert!(list1.contains("共 250 份，显示第 1–100 份") && list1.contains("第 1 / 3 页"), "{}", &list1[..400]);
    assert_eq!(list1.matches("class=\"ref\"").count(), 100);
    let next = list1.split("rel=\"next\"").next().and_then(|s| s.rsplit("href=\"").next()).expect("next link");
    let next = next.trim_end_matches("\" ").replace("&amp;", "&");
    assert!(next.contains("sort=name") && next.contains("order=desc") && next.contains("page=2"), "{next}");
    let second = page(&app, &next).await;
    let list2 = list(&second);
    assert!(list2.contains("显示第 101–200 份") && list2.contains("rel=\"prev\""));
    let third = page(&app, &format!("{centre}?page=99")).await;
    assert!(
        list(&third).contains("显示第 201–250 份") && !list(&third).contains("rel=\"next\""),
        "clamped to the last"
    );
    // A page number no list reaches (or no integer holds) is the last page, not a crash.
    for huge in ["1000000", "18446744073709551615", "99999999999999999999999"] {
        let html = page(&app, &format!("{centre}?page={huge}")).await;
        let shown = list(&html);
        let expect = if huge.len() > 20 { "显示第 1–100 份" } else { "显示第 201–250 份" };
        assert!(shown.contains(expect), "page={huge}: {}", &shown[..400.min(shown.len())]);
    }
    // A checkbox sent as 0 is off, and the order is read whatever its case.
    let off = page(&app, &format!("{centre}?grassroots=0")).await;
    assert!(list(&off).contains("共 250 份"), "grassroots=0 filters nothing");
    let upper = page(&app, &format!("{centre}?sort=name&order=DESC")).await;
    assert_eq!(refs_in_order(list(&upper)), refs_in_order(list1), "order=DESC is order=desc");
    // A parameter given twice is no address of ours: a page in Chinese says so.
    let twice = app.get(&format!("{centre}?page=1&page=2")).await;
    assert_eq!(twice.status(), 400);
    assert!(twice.text().await.expect("html").contains("网址中的参数无法识别"));
    let refs = |html: &str| -> std::collections::HashSet<String> {
        list(html).split("class=\"ref\">").skip(1).map(|s| s[..13].to_owned()).collect()
    };
    assert!(refs(list1).is_disjoint(&refs(list2)), "pages do not overlap");
}

/// The list's pages, read in turn, are one sorted list across page boundaries (each page is
/// kept while the round is read a store page at a time, not sorted whole): every application
/// once, in the order asked, both ways.
#[tokio::test]
async fn the_pages_together_are_one_sorted_list() {
    let app = spawn_app().await;
    for n in 1..=250 {
        let mut r = stored_record(n);
        r.application.name = ["乌力吉", "巴特尔", "其其格", "张伟", "李娜"][n as usize % 5].to_owned();
        create(&app, &r).await;
    }
    let centre = dashboard(&app, "centre@example.gov.cn").await;
    let cells = |html: &str, marker: &str| -> Vec<String> {
        list(html).split(marker).skip(1).map(|s| s.chars().take_while(|c| *c != '<').collect()).collect()
    };
    for (sort, order) in [("", ""), ("", "desc"), ("birth", ""), ("birth", "desc"), ("name", ""), ("name", "desc")] {
        let (mut refs, mut names) = (Vec::new(), Vec::new());
        for n in 1..=3 {
            let html = page(&app, &format!("{centre}?sort={sort}&order={order}&page={n}")).await;
            refs.extend(cells(&html, "class=\"ref\">"));
            names.extend(cells(&html, "data-label=\"姓名\">"));
        }
        let unique: std::collections::HashSet<&String> = refs.iter().collect();
        assert_eq!((refs.len(), unique.len()), (250, 250), "{sort} {order}: each application once");
        // Ties (one name, one birth month) keep the listing's order: the key, then the reference.
        let keys: Vec<(&str, &str)> =
            names.iter().zip(&refs).map(|(n, r)| (if sort == "name" { n.as_str() } else { "" }, r.as_str())).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        if order == "desc" {
            sorted.reverse();
        }
        assert_eq!(keys, sorted, "{sort} {order}: sorted across pages");
    }
}

/// Mail given up after its attempts is counted on the centre's page only, with what to do.
#[tokio::test]
async fn the_centre_sees_mail_given_up() {
    let app = spawn_app().await;
    let mail = handler::store::Mail {
        id: "dead-1".into(),
        reference: "TP2025-X".into(),
        to: "nobody@example.com".into(),
        subject: "s".into(),
        text: "t".into(),
        html: "h".into(),
        created_at: "2025-03-15T01:00:00Z".into(),
        attempts: 0,
        files: Vec::new(),
        reply_to: None,
        about: Vec::new(),
    };
    app.store.enqueue(std::slice::from_ref(&mail)).await.expect("enqueue");
    let centre = dashboard(&app, "centre@example.gov.cn").await;
    assert!(!page(&app, &centre).await.contains("已停止发送"));
    app.store.mail_dead("dead-1", "2025-03-15T02:00:00Z", "550 no such user").await.expect("dead");
    let html = page(&app, &centre).await;
    assert!(html.contains("有 1 封邮件经多次重试仍被邮件服务器拒收，已停止发送"), "shown to the centre");
    let league = dashboard(&app, "hr-hohhot@example.gov.cn").await;
    assert!(!page(&app, &league).await.contains("已停止发送"), "not to a league");
}

/// After the centre's decision, 删除我的申报 is a request: recorded (the status stays), listed on
/// the centre's dashboard only, declined with a reason mailed to the applicant, asked again, and
/// erased by the centre.
#[tokio::test]
async fn after_the_decision_erasure_is_a_request_the_centre_answers() {
    let app = spawn_app().await;
    let status = submit_form(&app, &form(97, "hohhot", "乌力吉", false)).await;
    let reference = app.get_json(&status).await.json::<Value>().await.expect("json")["reference"]
        .as_str()
        .expect("reference")
        .to_owned();
    recommend(&app, 97, "hohhot").await;
    let centre = dashboard(&app, "centre@example.gov.cn").await;
    let html = page(&app, &centre).await;
    let start = html.find("/review/").expect("a review link");
    let review: String = html[start..].chars().take_while(|c| *c != '"').collect();
    assert_eq!(app.post_form(&review, "decision=select").await.status(), 303);
    let version = || async {
        app.get_json(&status).await.json::<Value>().await.expect("json")["version"].as_u64().expect("version")
    };

    // The applicant's page now offers a request, not an erasure.
    let offer = page(&app, &status).await;
    assert!(offer.contains("申请删除个人信息…") && !offer.contains("删除我的申报…"), "{offer}");
    let ask = page(&app, &format!("{status}/erase")).await;
    assert!(ask.contains("提交删除申请") && ask.contains("不能再直接删除"), "{ask}");
    let v = version().await;
    let unconfirmed = app.post_form(&format!("{status}/erase"), &format!("version={v}")).await;
    assert_eq!(unconfirmed.status(), 422, "nothing is asked without the confirmation");
    let asked = app.post_form(&format!("{status}/erase"), &format!("version={v}&confirm=on")).await;
    assert_eq!(asked.status(), 200);
    assert!(asked.text().await.expect("page").contains("删除申请已提交"));
    // The centre is told, with its dashboard's link, and nothing personal in the mail.
    let mails = app.mails();
    let told = mails.iter().rfind(|m| m.to == "centre@example.gov.cn").expect("the centre is mailed");
    assert!(told.subject.contains(&format!("删除个人信息的申请待处理 {reference}")), "{}", told.subject);
    assert!(testkit::link_with(&told.text, "/dashboard/d.centre.").is_some(), "{}", told.text);
    assert!(!told.text.contains("乌力吉") && !told.text.contains("applicant97"), "{}", told.text);
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert_eq!(record.status, policy::Status::Selected, "the status stays");
    assert!(record.erasure_requested_at.is_some() && record.erased_at.is_none());
    assert_eq!(record.application.name, "乌力吉", "nothing is erased before the centre answers");
    let last = app.store.events(&reference).await.expect("events").pop().expect("event");
    assert_eq!((last.kind.code(), last.actor.code()), ("erasure_requested", "applicant"));
    let twice = app.post_form(&format!("{status}/erase"), &format!("version={}&confirm=on", version().await)).await;
    assert_eq!(twice.status(), 409, "one request at a time");
    assert!(
        page(&app, &status).await.contains("申请删除个人信息，由自治区人事人才公共服务中心的账号代为处理（本站设置）")
    );

    // Only the centre sees and answers it.
    let hr = dashboard(&app, "hr-hohhot@example.gov.cn").await;
    assert!(!page(&app, &hr).await.contains("删除个人信息的申请"));
    let by_hr = app.post_form(&format!("{hr}/erase"), &format!("reference={reference}&answer=erase&confirm=on")).await;
    assert_eq!(by_hr.status(), 403);
    let listed = page(&app, &centre).await;
    let section = &listed[listed.find("id=\"erasure-title\"").expect("the section")..];
    assert!(section.contains(&format!("乌力吉（{reference}，已登记入选（本站设置）")), "{section}");
    assert!(listed.contains("有 1 份删除个人信息的申请待处理"), "announced at the top");

    // Declining needs a reason, which the applicant is mailed and sees in the history.
    // Each refusal is the dashboard again, this request's form as sent and the reason beside it.
    let no_reason = app.post_form(&format!("{centre}/erase"), &format!("reference={reference}&answer=decline")).await;
    assert_eq!(no_reason.status(), 422);
    let html = no_reason.text().await.expect("html");
    assert!(html.contains("请填写不予删除的理由") && !html.contains("申报表有需要修改的地方"), "{html}");
    assert!(html.contains(&format!("href=\"#f-erase-reason-{reference}\"")), "the summary leads to the reason box");
    assert!(html.contains(&format!("id=\"f-erase-decline-{reference}\" checked")), "the choice is kept");
    let nothing = app.post_form(&format!("{centre}/erase"), &format!("reference={reference}")).await;
    assert_eq!(nothing.status(), 422);
    assert!(nothing.text().await.expect("html").contains("请选择处理结果"));
    let reason = "培养期间经费管理仍需要";
    let declined = app
        .post_form(&format!("{centre}/erase"), &format!("reference={reference}&answer=decline&reason={reason}"))
        .await;
    assert_eq!(declined.status(), 303);
    assert!(declined.headers()["location"].to_str().expect("ascii").contains(&format!("?declined={reference}")));
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert!(record.erasure_requested_at.is_none() && record.erased_at.is_none());
    let mails = app.mails();
    let told = mails.iter().rfind(|m| m.to == "applicant97@example.com").expect("a mail");
    assert!(told.subject.contains("您删除个人信息的申请未获同意") && told.text.contains(reason), "{}", told.text);
    let history = page(&app, &status).await;
    assert!(history.contains("不予删除个人信息") && history.contains(reason));
    assert!(!page(&app, &centre).await.contains(&format!("乌力吉（{reference}")));

    // Asked again, erased by the centre: confirmation required, then nothing personal is left.
    let again = app.post_form(&format!("{status}/erase"), &format!("version={}&confirm=on", version().await)).await;
    assert_eq!(again.status(), 200);
    let unconfirmed = app.post_form(&format!("{centre}/erase"), &format!("reference={reference}&answer=erase")).await;
    assert_eq!(unconfirmed.status(), 422);
    let erased =
        app.post_form(&format!("{centre}/erase"), &format!("reference={reference}&answer=erase&confirm=on")).await;
    assert_eq!(erased.status(), 303);
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert!(record.erased_at.is_some() && record.attachments.is_empty());
    assert_eq!((record.status, record.application.name.as_str()), (policy::Status::Selected, policy::ERASED));
    let events = app.store.events(&reference).await.expect("events");
    assert!(events.iter().all(|e| e.comment.is_none() && e.actor_address.is_none()), "{events:?}");
    assert_eq!(app.store.quota_used("region-out").await.expect("quota"), 1, "the statistics hold");
    let after = page(&app, &status).await;
    assert!(after.contains("已于") && after.contains("从本站删除"), "the status page says so");
    assert!(!after.contains("erased.invalid") && !after.contains("打印申报表"), "nothing to print, no placeholder");
    assert!(after.contains("证明材料已随个人信息删除") && !after.contains("还缺少"), "no file asked for");
    let answered_again =
        app.post_form(&format!("{centre}/erase"), &format!("reference={reference}&answer=erase&confirm=on")).await;
    assert_eq!(answered_again.status(), 409, "nothing is pending any more");
}

/// The references of a list, in the order shown.
fn refs_in_order(list: &str) -> Vec<String> {
    list.split("class=\"ref\">").skip(1).map(|s| s[..13].to_owned()).collect()
}
