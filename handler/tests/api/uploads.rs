//! Uploads under `serve`: the local stand-in for an S3 presigned POST, with the same limits.

use crate::helpers::{Options, TestApp, in_window, spawn_app, spawn_with};
use handler::Clock;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

async fn target(app: &TestApp, kind: &str, size: usize, content_type: &str) -> reqwest::Response {
    target_for(app, kind, size, content_type, "").await
}

/// Where to upload one file for the application whose `submission_id` is `submission` (empty:
/// none named, so the first application naming the key takes it).
async fn target_for(app: &TestApp, kind: &str, size: usize, content_type: &str, submission: &str) -> reqwest::Response {
    app.post_json(
        "/api/uploads",
        &json!({"kind": kind, "name": "证书.pdf", "size": size, "content_type": content_type, "submission_id": submission}),
    )
    .await
}

async fn upload(app: &TestApp, url: &str, bytes: Vec<u8>, content_type: &str) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name("证书.pdf").mime_str(content_type).expect("mime");
    let form = reqwest::multipart::Form::new().part("file", part);
    app.client.post(format!("{}{url}", app.address)).multipart(form).send().await.expect("request")
}

pub(crate) fn pdf(size: usize) -> Vec<u8> {
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
    // Asked for with no submission_id: a key the first application naming it takes.
    assert!(key.starts_with("uploads/") && key.len() == "uploads/".len() + 64, "{key}");
    assert!(t.get("submission_id").is_none(), "{t}");
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

/// Uploads `bytes` for the application whose `submission_id` is `submission`; its key.
async fn uploaded(app: &TestApp, kind: &str, bytes: Vec<u8>, mime: &str, submission: &str) -> String {
    let t: Value = target_for(app, kind, bytes.len(), mime, submission).await.json().await.expect("json");
    assert_eq!(upload(app, t["url"].as_str().expect("url"), bytes, mime).await.status(), 201);
    t["key"].as_str().expect("key").to_owned()
}

#[tokio::test]
async fn files_are_recorded_with_the_application_listed_in_mail_and_shown_to_reviewers() {
    let app = spawn_app().await;
    let title = pdf(50_000);
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.resize(3000, 7);
    let title_key = uploaded(&app, "title_certificate", title.clone(), "application/pdf", "sub-00000070").await;
    let id_key = uploaded(&app, "id_card", png.clone(), "image/png", "sub-00000070").await;
    let mut form = testkit::sample_application(70);
    form["attachments"] = json!([
        {"key": title_key, "kind": "title_certificate", "name": "职称证书.pdf"},
        {"key": id_key, "kind": "id_card", "name": "<b>身份证</b>.png"}
    ]);
    // Qualifying by education, a minority stream: two required kinds are still missing (the degree certificate is optional), and
    // each is named (422, one error per kind on `attachments`).
    let response = app.apply(&form).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body["errors"],
        json!([
            {"field": "attachments", "message": "请上传学历证书（必须上传，本站设置；通知只要求“上传相关附件证明材料”）"},
            {"field": "attachments", "message": "请上传民族证明（户口簿等）（必须上传，本站设置；通知只要求“上传相关附件证明材料”）"}
        ])
    );
    assert!(app.store.list(2025, None).await.expect("list").is_empty(), "nothing stored");
    for kind in ["education_certificate", "degree_certificate", "ethnicity_proof"] {
        let file = testkit::upload_document_for(&app.client, &app.address, kind, "sub-00000070").await;
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
    assert_eq!(app.get(&format!("{review}/files/9")).await.status(), 410, "no such file on this application");
    let mut tampered = review.clone();
    tampered.push('x');
    assert_eq!(app.get(&format!("{tampered}/files/0")).await.status(), 403);
}

#[tokio::test]
async fn an_application_naming_a_missing_or_bad_file_is_refused() {
    let app = spawn_app().await;
    let mut form = testkit::sample_application(71);
    // A key issued for this application, but nothing uploaded to it.
    let never: Value =
        target_for(&app, "id_card", 100, "application/pdf", "sub-00000071").await.json().await.expect("json");
    form["attachments"] = json!([{"key": never["key"], "kind": "id_card", "name": "a.pdf"}]);
    let response = app.apply(&form).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "attachments");
    assert!(body["errors"][0]["message"].as_str().expect("msg").contains("没有上传成功"));
    // A file that is not what it claims (written behind the upload endpoint's back).
    let bad: Value =
        target_for(&app, "id_card", 100, "application/pdf", "sub-00000071").await.json().await.expect("json");
    let bad_key = bad["key"].as_str().expect("key");
    std::fs::create_dir_all(&app.uploads).expect("mkdir");
    std::fs::write(app.uploads.join(bad_key.trim_start_matches("uploads/")), b"MZ\x90\x00 not a pdf").expect("write");
    form["attachments"] = json!([{"key": bad_key, "kind": "id_card", "name": "a.pdf"}]);
    let body: Value = app.apply(&form).await.json().await.expect("json");
    assert!(body["errors"][0]["message"].as_str().expect("msg").contains("PDF、JPEG或PNG"), "{body}");
    let eleven: Vec<Value> = (0..11)
        .map(|_| json!({"key": "uploads/0123456789abcdef0123456789abcdef", "kind": "other", "name": "x"}))
        .collect();
    form["attachments"] = Value::Array(eleven);
    let body: Value = app.apply(&form).await.json().await.expect("json");
    assert!(body["errors"][0]["message"].as_str().expect("msg").contains("最多上传10个"));
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
}

/// The sample application as multipart text fields.
pub(crate) fn multipart_form(n: u32) -> reqwest::multipart::Form {
    multipart_from(&testkit::sample_application(n))
}

/// An application (JSON object) as multipart text fields.
pub(crate) fn multipart_from(sample: &Value) -> reqwest::multipart::Form {
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

pub(crate) fn file(bytes: Vec<u8>, name: &str, mime: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()).mime_str(mime).expect("mime")
}

pub(crate) async fn post_multipart(app: &TestApp, form: reqwest::multipart::Form) -> reqwest::Response {
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
async fn a_plain_form_stores_its_files_only_once_its_answers_pass() {
    let app = spawn_app().await;
    let stored = |app: &TestApp| std::fs::read_dir(&app.uploads).map(|d| d.count()).unwrap_or(0);
    let mut exe = b"MZ\x90\x00".to_vec();
    exe.resize(1000, 0);
    let response =
        post_multipart(&app, multipart_form(73).part("file_id_card", file(exe, "setup.pdf", "application/pdf"))).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("“setup.pdf”：只能上传PDF、JPEG或PNG文件"), "{html}");
    assert!(html.contains("value=\"呼和浩特市第一医院\""));
    assert_eq!(stored(&app), 0, "a refused file is not kept");

    // Another field is wrong: nothing is stored, and the page says to choose the file again.
    let mut wrong_phone = testkit::sample_application(74);
    wrong_phone["phone"] = "123".into();
    let form = multipart_from(&wrong_phone).part("file_id_card", file(pdf(5000), "身份证.pdf", "application/pdf"));
    let response = post_multipart(&app, form).await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("html");
    assert!(html.contains("所选文件尚未保存"), "{html}");
    assert!(!html.contains("name=\"attachment\" value=\"uploads/"), "no stored file comes back");
    assert_eq!(stored(&app), 0, "files wait for answers that pass");

    // More file parts than the programme takes: refused whole, nothing stored.
    let mut crowded = multipart_form(75);
    for i in 0..30 {
        crowded = crowded.part("file_other", file(pdf(1000), &format!("{i}.pdf"), "application/pdf"));
    }
    assert_eq!(post_multipart(&app, crowded).await.status(), 422);
    assert_eq!(stored(&app), 0, "parts are capped before any is written");

    // Sent again with the phone right and every required kind: stored and taken.
    let again = multipart_form(74)
        .part("file_id_card", file(pdf(5000), "身份证.pdf", "application/pdf"))
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

#[tokio::test]
async fn an_upload_link_stores_one_file_and_a_second_post_is_refused() {
    let app = spawn_app().await;
    let t: Value = target(&app, "other", 100, "application/pdf").await.json().await.expect("json");
    let url = t["url"].as_str().expect("url").to_owned();
    let first = pdf(100);
    assert_eq!(upload(&app, &url, first.clone(), "application/pdf").await.status(), 201);
    let mut other = pdf(120);
    other[50] = b'!';
    let again = upload(&app, &url, other, "application/pdf").await;
    assert_eq!(again.status(), 409);
    let body: Value = again.json().await.expect("json");
    assert_eq!(body["error"], "upload_used");
    assert!(body["message"].as_str().expect("msg").contains("只能上传一个文件"), "{body}");
    let key = t["key"].as_str().expect("key");
    assert_eq!(std::fs::read(app.uploads.join(key.trim_start_matches("uploads/"))).expect("file"), first);
}

/// The sample application `n` with every required document uploaded for `submission`.
async fn with_documents_for(app: &TestApp, n: u32, submission: &str) -> Value {
    let mut form = testkit::sample_application(n);
    let mut files = Vec::new();
    for kind in testkit::required_kinds(&form) {
        files.push(testkit::upload_document_for(&app.client, &app.address, &kind, submission).await);
    }
    form["attachments"] = Value::Array(files);
    form
}

/// Sample application `n` naming the files of `other` (an application with another submission
/// id): refused on `attachments`, saying the files were not uploaded for it; and the same with no
/// submission id at all.
async fn refused_as_not_theirs(app: &TestApp, n: u32, other: &Value) {
    let mut theirs = testkit::sample_application(n);
    theirs["attachments"] = other["attachments"].clone();
    let response = app.apply(&theirs).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["errors"][0]["field"], "attachments");
    assert!(body["errors"][0]["message"].as_str().expect("msg").contains("不是为本次申报上传的文件"), "{body}");
    theirs["submission_id"] = json!("");
    assert_eq!(app.apply(&theirs).await.status(), 422);
}

#[tokio::test]
async fn a_key_issued_for_another_submission_is_refused() {
    let app = spawn_app().await;
    // Keys asked for with a submission_id carry a keyed hash of it.
    let mine = with_documents_for(&app, 72, "sub-00000072").await;
    let key = mine["attachments"][0]["key"].as_str().expect("key").to_owned();
    assert_eq!(key.len(), "uploads/".len() + 64, "{key}");
    // Someone else's application naming those keys is refused, and nothing is stored or copied.
    refused_as_not_theirs(&app, 73, &mine).await;
    // The same with a key whose hash part was changed.
    let mut forged = mine.clone();
    let last = if key.ends_with('0') { "1" } else { "0" };
    forged["attachments"][0]["key"] = json!(format!("{}{last}", &key[..key.len() - 1]));
    assert_eq!(app.apply(&forged).await.status(), 422);
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
    assert!(!app.uploads.with_file_name("records").exists(), "nothing copied for refused applications");
    // The application they were issued for is taken, its files copied under its record.
    assert_eq!(app.apply(&mine).await.status(), 201);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    for (file, named) in record.attachments.iter().zip(mine["attachments"].as_array().expect("files")) {
        let id = named["key"].as_str().expect("key").trim_start_matches("uploads/");
        assert_eq!(file.key, format!("records/{}/{id}", record.reference));
    }
}

/// Keys asked for with no submission_id (as a script may) are taken by the first application
/// naming them, claimed in the store write that stores it: a later application naming them, or
/// several at once, are refused on `attachments`, and nothing of them is stored or copied.
#[tokio::test]
async fn an_upload_asked_for_without_a_submission_serves_one_application_only() {
    let app = spawn_app().await;
    let unbound = |n: u32| {
        let app = &app;
        async move {
            let mut form = testkit::sample_application(n);
            let mut files = Vec::new();
            for kind in testkit::required_kinds(&form) {
                let bytes = pdf(3000);
                let t: Value = target(app, &kind, bytes.len(), "application/pdf").await.json().await.expect("json");
                assert_eq!(upload(app, t["url"].as_str().expect("url"), bytes, "application/pdf").await.status(), 201);
                files.push(json!({"key": t["key"], "kind": kind, "name": "证明.pdf"}));
            }
            form["attachments"] = Value::Array(files);
            form
        }
    };
    let first = unbound(76).await;
    assert_eq!(app.apply(&first).await.status(), 201);
    let taken = |body: Value| {
        assert_eq!(body["errors"][0]["field"], "attachments", "{body}");
        assert!(body["errors"][0]["message"].as_str().expect("msg").contains("已用于另一份申报"), "{body}");
    };
    // Another application naming the same keys under its own submission id, or none.
    let mut theirs = testkit::sample_application(77);
    theirs["attachments"] = first["attachments"].clone();
    let refused = app.apply(&theirs).await;
    assert_eq!(refused.status(), 422);
    taken(refused.json().await.expect("json"));
    theirs["submission_id"] = json!("");
    assert_eq!(app.apply(&theirs).await.status(), 422);
    let records = app.store.list(2025, None).await.expect("list");
    assert_eq!(records.len(), 1, "one application took the files");
    let kinds = first["attachments"].as_array().expect("files").len();
    // The files under records/, whatever folders the refused ones left empty.
    let copies = || {
        let dirs = std::fs::read_dir(app.uploads.with_file_name("records")).expect("records");
        dirs.map(|d| std::fs::read_dir(d.expect("dir").path()).expect("record files").count()).sum::<usize>()
    };
    assert_eq!(copies(), kinds, "files copied under one record only");
    // The first application, sent again as it was, is the same submission (not a second taker).
    let again: Value = app.apply(&first).await.json().await.expect("json");
    assert_eq!(again["reference"], records[0].reference.as_str());

    // Six applications naming one fresh set of such keys at once: exactly one takes them.
    let shared = unbound(80).await;
    let tries = (0..6u32).map(|i| {
        let mut form = testkit::sample_application(81 + i);
        form["attachments"] = shared["attachments"].clone();
        let app = &app;
        async move { app.apply(&form).await.status().as_u16() }
    });
    let mut statuses = futures_util::future::join_all(tries).await;
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 422, 422, 422, 422, 422]);
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 2);
    let more = shared["attachments"].as_array().expect("files").len();
    assert_eq!(copies(), kinds + more, "the refused ones' copies are gone");
}

#[tokio::test]
async fn a_stored_file_cannot_be_changed_after_submit() {
    let app = spawn_app().await;
    let mut form = with_documents_for(&app, 74, "sub-00000074").await;
    let original = pdf(5_000);
    let t: Value = app
        .post_json(
            "/api/uploads",
            &json!({"kind": "other", "name": "证明.pdf", "size": original.len(), "content_type": "application/pdf", "submission_id": "sub-00000074"}),
        )
        .await
        .json()
        .await
        .expect("json");
    let url = t["url"].as_str().expect("url").to_owned();
    assert_eq!(upload(&app, &url, original.clone(), "application/pdf").await.status(), 201);
    form["attachments"]
        .as_array_mut()
        .expect("files")
        .push(json!({"key": t["key"], "kind": "other", "name": "证明.pdf"}));
    assert_eq!(app.apply(&form).await.status(), 201);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    let status = crate::helpers::confirm(&app, &record.reference).await;
    let held = record.attachments.last().expect("file").clone();
    assert_eq!(held.sha256, hex::encode(Sha256::digest(&original)));

    // The upload link cannot be used again after submit.
    let mut changed = pdf(5_000);
    changed[100] = b'!';
    assert_eq!(upload(&app, &url, changed.clone(), "application/pdf").await.status(), 409);
    // Even the upload changed behind the handler's back (as a presigned POST reused within its
    // half hour could on S3) leaves the stored file as it was.
    let upload_path = app.uploads.join(t["key"].as_str().expect("key").trim_start_matches("uploads/"));
    std::fs::write(&upload_path, &changed).expect("overwrite the upload");
    let index = record.attachments.len() - 1;
    let download = app.get(&format!("{status}/files/{index}")).await;
    assert_eq!(download.status(), 200);
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), original);
    // The copy itself is never overwritten: the file store refuses a second write of its key.
    let blobs = handler::blobs::FsBlobs::new(app.uploads.parent().expect("data").to_owned()).expect("blobs");
    let again = handler::blobs::Blobs::write(&blobs, &held.key, &changed).await;
    assert!(matches!(again, Err(handler::blobs::BlobError::Exists)), "{again:?}");
    let on_disk = std::fs::read(app.uploads.parent().expect("data").join(&held.key)).expect("file");
    assert_eq!(on_disk, original);
}

#[tokio::test]
async fn uploads_never_named_are_swept_after_a_day_and_stored_files_stay() {
    let app = spawn_app().await;
    let form = with_documents_for(&app, 75, "sub-00000075").await;
    assert_eq!(app.apply(&form).await.status(), 201);
    let never_named = uploaded(&app, "other", pdf(300), "application/pdf", "").await;
    let data = app.uploads.parent().expect("data").to_owned();
    let uploads: Vec<_> = std::fs::read_dir(&app.uploads).expect("uploads").map(|e| e.expect("entry").path()).collect();
    assert_eq!(uploads.len(), form["attachments"].as_array().expect("files").len() + 1);
    // Everything uploaded is a day and a minute old, except the never-named one (an hour old).
    let day_old = std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600 + 60);
    for path in &uploads {
        let at = if path.ends_with(never_named.trim_start_matches("uploads/")) {
            std::time::SystemTime::now() - std::time::Duration::from_secs(3600)
        } else {
            day_old
        };
        std::fs::File::options().write(true).open(path).expect("open").set_modified(at).expect("mtime");
    }
    let blobs = handler::blobs::FsBlobs::new(data.clone()).expect("blobs");
    let removed = blobs.sweep_uploads(std::time::Duration::from_secs(24 * 3600)).expect("sweep");
    assert_eq!(removed, uploads.len() - 1);
    let left: Vec<_> =
        std::fs::read_dir(&app.uploads).expect("uploads").map(|e| e.expect("entry").file_name()).collect();
    assert_eq!(left, vec![std::ffi::OsString::from(never_named.trim_start_matches("uploads/"))]);
    // The application's own files are kept under its record and still download.
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    for file in &record.attachments {
        assert!(data.join(&file.key).is_file(), "{} kept", file.key);
    }
}

/// The plain form's files are limited to what a Lambda request can carry (4.3 MB; the form says
/// 4 MB): over it, a 413 page in Chinese that says the limit and what to do, nothing stored.
#[tokio::test]
async fn a_plain_form_over_what_a_lambda_request_carries_is_refused_with_a_page() {
    let app = spawn_app().await;
    let form = multipart_form(75).part("file_title_certificate", file(pdf(4_400_000), "职称.pdf", "application/pdf"));
    let response = app
        .client
        .post(format!("{}/api/applications", app.address))
        .header("accept", "text/html")
        .multipart(form)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 413);
    let html = response.text().await.expect("html");
    assert!(html.contains("合计不能超过4MB"), "{html}");
    assert!(app.store.list(2025, None).await.expect("list").is_empty());
}
