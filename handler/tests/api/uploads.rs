//! Uploads under `serve`: the local stand-in for an S3 presigned POST, with the same limits.

use crate::helpers::{Options, TestApp, in_window, spawn_app, spawn_with};
use handler::Clock;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn target(app: &TestApp, kind: &str, size: usize, content_type: &str) -> reqwest::Response {
    app.post_json(
        "/api/uploads",
        &json!({"kind": kind, "name": "证书.pdf", "size": size, "content_type": content_type}),
    )
    .await
}

async fn upload(app: &TestApp, url: &str, bytes: Vec<u8>, content_type: &str) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("证书.pdf").mime_str(content_type).expect("mime");
    let form = reqwest::multipart::Form::new().part("file", part);
    app.client.post(format!("{}{url}", app.address)).multipart(form).send().await.expect("request")
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size, b'x');
    bytes
}

#[tokio::test]
async fn a_good_file_lands_and_its_hash_matches() {
    let app = spawn_app().await;
    let bytes = pdf(200_000);
    let response = target(&app, "title_certificate", bytes.len(), "application/pdf").await;
    assert_eq!(response.status(), 201);
    let t: Value = response.json().await.expect("json");
    let key = t["key"].as_str().expect("key").to_owned();
    assert!(key.starts_with("uploads/") && key.len() == "uploads/".len() + 32, "{key}");
    let stored = upload(&app, t["url"].as_str().expect("url"), bytes.clone(), "application/pdf").await;
    assert_eq!(stored.status(), 201);
    let stored: Value = stored.json().await.expect("json");
    let expected: String = Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(stored, json!({"key": key, "size": 200_000, "content_type": "application/pdf", "sha256": expected}));
    let on_disk = std::fs::read(app.uploads.join(key.trim_start_matches("uploads/"))).expect("file");
    assert_eq!(on_disk, bytes);
    // Two targets never share a key.
    let other: Value = target(&app, "other", 10, "image/png").await.json().await.expect("json");
    assert_ne!(other["key"], t["key"]);
}

#[tokio::test]
async fn oversize_wrong_type_and_unknown_kind_are_refused() {
    let app = spawn_app().await;
    let too_big = target(&app, "title_certificate", 10 * 1024 * 1024 + 1, "application/pdf").await;
    assert_eq!(too_big.status(), 422);
    assert!(too_big.json::<Value>().await.expect("json")["message"].as_str().expect("msg").contains("10MB"));
    assert_eq!(target(&app, "passport", 100, "application/pdf").await.status(), 422);
    assert_eq!(target(&app, "other", 100, "application/x-msdownload").await.status(), 422);

    // A file bigger than its limit is cut off at the limit, and nothing is stored.
    let t: Value = target(&app, "other", 100, "application/pdf").await.json().await.expect("json");
    let response = upload(&app, t["url"].as_str().expect("url"), pdf(10 * 1024 * 1024 + 10), "application/pdf").await;
    assert_eq!(response.status(), 413);
    // A renamed .exe is refused by its content.
    let t: Value = target(&app, "other", 100, "application/pdf").await.json().await.expect("json");
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.resize(4096, 0);
    let response = upload(&app, t["url"].as_str().expect("url"), exe, "application/pdf").await;
    assert_eq!(response.status(), 422);
    assert!(response.json::<Value>().await.expect("json")["message"].as_str().expect("msg").contains("PDF、JPEG或PNG"));
    assert_eq!(std::fs::read_dir(&app.uploads).map(|d| d.count()).unwrap_or(0), 0, "nothing stored");
}

#[tokio::test]
async fn expired_and_tampered_upload_links_are_refused() {
    let app = spawn_app().await;
    let t: Value = target(&app, "other", 100, "application/pdf").await.json().await.expect("json");
    let url = t["url"].as_str().expect("url").to_owned();
    // Thirty-one minutes on, the same link has expired.
    let later = spawn_with(Options {
        clock: Clock::starting_at(in_window() + time::Duration::minutes(31)),
        ..Options::default()
    })
    .await;
    assert_eq!(upload(&later, &url, pdf(100), "application/pdf").await.status(), 403);
    // Another key, or a larger limit, breaks the signature.
    let forged = url.replacen("/u.", "/u.0", 1);
    assert_eq!(upload(&app, &forged, pdf(100), "application/pdf").await.status(), 403);
    let bigger = url.replace(".10485760.", ".99999999.");
    assert_eq!(upload(&app, &bigger, pdf(100), "application/pdf").await.status(), 403);
    assert_eq!(upload(&app, &url, pdf(100), "application/pdf").await.status(), 201);
}

async fn uploaded(app: &TestApp, kind: &str, bytes: Vec<u8>, mime: &str) -> String {
    let t: Value = target(app, kind, bytes.len(), mime).await.json().await.expect("json");
    assert_eq!(upload(app, t["url"].as_str().expect("url"), bytes, mime).await.status(), 201);
    t["key"].as_str().expect("key").to_owned()
}

#[tokio::test]
async fn files_are_recorded_with_the_application_listed_in_mail_and_shown_to_reviewers() {
    let app = spawn_app().await;
    let title = pdf(50_000);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.resize(3000, 7);
    let title_key = uploaded(&app, "title_certificate", title.clone(), "application/pdf").await;
    let id_key = uploaded(&app, "id_card", png.clone(), "image/png").await;
    let mut form = testkit::sample_application(70);
    form["attachments"] = json!([
        {"key": title_key, "kind": "title_certificate", "name": "职称证书.pdf"},
        {"key": id_key, "kind": "id_card", "name": "<b>身份证</b>.png"}
    ]);
    // Qualifying by education, a minority stream: three required kinds are still missing, and
    // each is named (422, one error per kind on `attachments`).
    let response = app.apply(&form).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["errors"],
        json!([
            {"field": "attachments", "message": "请上传学历证书（必须上传）"},
            {"field": "attachments", "message": "请上传学位证书（必须上传）"},
            {"field": "attachments", "message": "请上传民族证明（户口簿等）（必须上传）"}
        ])
    );
    assert!(app.store.list(2025, None).await.expect("list").is_empty(), "nothing stored");
    for kind in ["education_certificate", "degree_certificate", "ethnicity_proof"] {
        let file = testkit::upload_document(&app.client, &app.address, kind).await;
        form["attachments"].as_array_mut().expect("files").push(file);
    }
    let response = app.apply(&form).await;
    assert_eq!(response.status(), 201);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    crate::helpers::confirm(&app, &record.reference).await;
    assert_eq!(record.attachments.len(), 5);
    let sha = |b: &[u8]| Sha256::digest(b).iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!((record.attachments[0].sha256.clone(), record.attachments[0].size), (sha(&title), 50_000));
    assert_eq!(record.attachments[1].content_type, "image/png");

    let mails = app.mails();
    let applicant = mails.iter().rev().find(|m| m.to == "applicant70@example.com").expect("mail");
    assert!(applicant.text.contains("职称证书：职称证书.pdf（49KB"), "{}", applicant.text);
    assert!(applicant.html.contains("&lt;b&gt;身份证&lt;/b&gt;.png"));

    let unit = mails.iter().find(|m| m.to == "unit70@example.gov.cn").expect("mail");
    let review = TestApp::path_of(&testkit::link_with(&unit.text, "/review/").expect("link"));
    let page = app.get(&review).await.text().await.expect("html");
    assert!(page.contains(&format!("href=\"{review}/files/0\"")) && page.contains("职称证书：职称证书.pdf"));
    assert!(!page.contains("还缺少"), "every required kind is held");
    let download = app.get(&format!("{review}/files/0")).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert_eq!(download.headers()["cache-control"], "private, no-store");
    assert!(
        download.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment; filename*=UTF-8''")
    );
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), title);
    assert_eq!(app.get(&format!("{review}/files/9")).await.status(), 404);
    let mut tampered = review.clone();
    tampered.push('x');
    assert_eq!(app.get(&format!("{tampered}/files/0")).await.status(), 403);
}

#[tokio::test]
async fn an_application_naming_a_missing_or_bad_file_is_refused() {
    let app = spawn_app().await;
    let mut form = testkit::sample_application(71);
    form["attachments"] =
        json!([{"key": "uploads/0123456789abcdef0123456789abcdef", "kind": "id_card", "name": "a.pdf"}]);
    let response = app.apply(&form).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "attachments");
    assert!(body["errors"][0]["message"].as_str().expect("msg").contains("没有上传成功"));
    // A file that is not what it claims (written behind the upload endpoint's back).
    std::fs::create_dir_all(&app.uploads).expect("mkdir");
    std::fs::write(app.uploads.join("fedcba9876543210fedcba9876543210"), b"MZ\x90\x00 not a pdf").expect("write");
    form["attachments"] =
        json!([{"key": "uploads/fedcba9876543210fedcba9876543210", "kind": "id_card", "name": "a.pdf"}]);
    assert_eq!(app.apply(&form).await.status(), 422);
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"key": "uploads/0123456789abcdef0123456789abcdef", "kind": "other", "name": "x"}))
        .collect();
    form["attachments"] = Value::Array(eleven);
    let body: Value = app.apply(&form).await.json().await.expect("json");
    assert!(body["errors"][0]["message"].as_str().expect("msg").contains("最多上传10个"));
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
}

/// The sample application as multipart text fields.
fn multipart_form(n: u32) -> reqwest::multipart::Form {
    multipart_from(&testkit::sample_application(n))
}

/// An application (JSON object) as multipart text fields.
fn multipart_from(sample: &Value) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in sample.as_object().expect("object") {
        match v {
            Value::Bool(true) => form = form.text(k.clone(), "on"),
            Value::String(s) => form = form.text(k.clone(), s.clone()),
            _ => {}
        }
    }
    form
}

fn file(bytes: Vec<u8>, name: &str, mime: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).expect("mime")
}

async fn post_multipart(app: &TestApp, form: reqwest::multipart::Form) -> reqwest::Response {
    app.client.post(format!("{}/api/applications", app.address)).multipart(form).send().await.expect("request")
}

#[tokio::test]
async fn the_plain_form_carries_files_in_one_multipart_post() {
    let app = spawn_app().await;
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.resize(2000, 1);
    let form = multipart_form(72)
        .part("file_title_certificate", file(pdf(30_000), "职称.pdf", "application/pdf"))
        .part("file_id_card", file(png, "身份证.png", "image/png"))
        .part("file_education_certificate", file(pdf(3000), "学历.pdf", "application/pdf"))
        .part("file_degree_certificate", file(pdf(3000), "学位.pdf", "application/pdf"))
        .part("file_ethnicity_proof", file(pdf(3000), "户口簿.pdf", "application/pdf"))
        .part("file_other", file(Vec::new(), "", "application/octet-stream"));
    let response = post_multipart(&app, form).await;
    assert_eq!(response.status(), 200, "{:?}", response.text().await);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    let kinds: Vec<&str> = record.attachments.iter().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["title_certificate", "id_card", "education_certificate", "degree_certificate", "ethnicity_proof"]
    );
    assert_eq!(record.attachments[0].name, "职称.pdf");
}

#[tokio::test]
async fn a_bad_file_in_the_plain_form_is_refused_and_a_good_one_survives_another_error() {
    let app = spawn_app().await;
    let mut exe = b"MZ\x90\x00".to_vec();
    exe.resize(1000, 0);
    let response =
        post_multipart(&app, multipart_form(73).part("file_id_card", file(exe, "setup.pdf", "application/pdf"))).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("“setup.pdf”：只能上传PDF、JPEG或PNG文件"), "{html}");
    assert!(html.contains("value=\"呼和浩特市第一医院\""));

    // Another field is wrong: the stored file comes back as a hidden field, not to be chosen again.
    let mut wrong_phone = testkit::sample_application(74);
    wrong_phone["phone"] = "123".into();
    let form = multipart_from(&wrong_phone).part("file_id_card", file(pdf(5000), "身份证.pdf", "application/pdf"));
    let response = post_multipart(&app, form).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    let hidden = html
        .split("name=\"attachment\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("hidden attachment")
        .to_owned();
    assert!(hidden.starts_with("uploads/") && hidden.ends_with("|id_card|身份证.pdf"), "{hidden}");
    // Sent again with the phone right, the stored file and the other required kinds.
    let again = multipart_form(74)
        .text("attachment", hidden)
        .part("file_education_certificate", file(pdf(3000), "学历.pdf", "application/pdf"))
        .part("file_degree_certificate", file(pdf(3000), "学位.pdf", "application/pdf"))
        .part("file_ethnicity_proof", file(pdf(3000), "户口簿.pdf", "application/pdf"));
    assert_eq!(post_multipart(&app, again).await.status(), 200);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    assert_eq!(record.attachments.len(), 4);
    assert_eq!(record.attachments[0].size, 5000);
}

#[tokio::test]
async fn a_multipart_post_over_six_megabytes_is_413() {
    let app = spawn_app().await;
    let form = multipart_form(75).part("file_other", file(pdf(6_100_000), "big.pdf", "application/pdf"));
    assert_eq!(post_multipart(&app, form).await.status(), 413);
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
}
