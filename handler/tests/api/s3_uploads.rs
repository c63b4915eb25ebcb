//! Uploads on S3 as the Lambda runs them, against a real S3-compatible server (`s3s-fs` from
//! crates.io, which checks SigV4 signatures and POST policies): the browser posts straight to the
//! bucket with a presigned POST, and reviewers download through presigned GETs.

use crate::helpers::{Options, TestApp, spawn_with};
use aws_credential_types::Credentials;
use handler::blobs::S3Blobs;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::sync::Arc;

const BUCKET: &str = "tepei-uploads";

/// A running S3 server, an app whose uploads go to it, and the folder holding its objects.
struct S3App {
    app: TestApp,
    objects: PathBuf,
    server: testkit::Service,
    _root: tempfile::TempDir,
}

async fn blobs_at(port: u16, upload_ttl: Option<time::Duration>) -> S3Blobs {
    let credentials = Credentials::new(testkit::S3_ACCESS_KEY, testkit::S3_SECRET_KEY, None, None, "test");
    let blobs = handler::config::s3_blobs(BUCKET, Some(&format!("http://127.0.0.1:{port}")), Some(credentials))
        .await
        .expect("S3 client");
    match upload_ttl {
        Some(ttl) => blobs.with_upload_ttl(ttl),
        None => blobs,
    }
}

async fn spawn_s3_app(upload_ttl: Option<time::Duration>) -> S3App {
    let root = tempfile::tempdir().expect("tempdir");
    let server = testkit::start_s3(root.path());
    let blobs = blobs_at(server.port, upload_ttl).await;
    blobs.create_bucket().await.expect("create bucket");
    let app = spawn_with(Options { blobs: Some(Arc::new(blobs)), ..Options::default() }).await;
    S3App { app, objects: root.path().join(BUCKET), server, _root: root }
}

/// Asks the app where to upload a file.
async fn target(app: &TestApp, kind: &str, size: usize, content_type: &str) -> Value {
    target_for(app, kind, size, content_type, "").await
}

/// [`target`] for the application whose `submission_id` is `submission`.
async fn target_for(app: &TestApp, kind: &str, size: usize, content_type: &str, submission: &str) -> Value {
    let response = app
        .post_json(
            "/api/uploads",
            &json!({"kind": kind, "name": "证书.pdf", "size": size, "content_type": content_type, "submission_id": submission}),
        )
        .await;
    assert_eq!(response.status(), 201);
    response.json().await.expect("json")
}

/// Posts the target's fields (with `change` applied) and the file to the bucket, as the browser does.
async fn post(target: &Value, bytes: Vec<u8>, change: &[(&str, &str)]) -> (u16, String) {
    let mut form = reqwest::multipart::Form::new();
    for (name, value) in target["fields"].as_object().expect("fields") {
        let value = change.iter().find(|(n, _)| n == name).map_or(value.as_str().expect("text"), |(_, v)| v);
        form = form.text(name.clone(), value.to_owned());
    }
    let mime = target["fields"]["Content-Type"].as_str().expect("type").to_owned();
    form =
        form.part("file", reqwest::multipart::Part::bytes(bytes).file_name("证书.pdf").mime_str(&mime).expect("mime"));
    let url = target["url"].as_str().expect("url");
    let response = reqwest::Client::new().post(url).multipart(form).send().await.expect("post to S3");
    (response.status().as_u16(), response.text().await.unwrap_or_default())
}

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.resize(size, b'x');
    bytes
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl S3App {
    fn object(&self, key: &str) -> Option<Vec<u8>> {
        std::fs::read(self.objects.join(key)).ok()
    }
}

#[tokio::test]
async fn the_presigned_post_fixes_key_size_type_encryption_and_expiry() {
    let s3 = spawn_s3_app(None).await;
    // Pages let the upload script reach the bucket, and nothing else.
    let csp = s3.app.get("/api/health").await.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    assert!(csp.contains(&format!("connect-src 'self' http://127.0.0.1:{};", s3.server.port)), "{csp}");
    let t = target(&s3.app, "title_certificate", 300_000, "application/pdf").await;
    let key = t["key"].as_str().expect("key").to_owned();
    assert!(t["url"].as_str().expect("url").ends_with(&format!("/{BUCKET}")), "{t}");
    let fields = &t["fields"];
    assert_eq!(fields["key"], key.as_str());
    assert_eq!(fields["x-amz-server-side-encryption"], "AES256");
    assert_eq!(fields["x-amz-algorithm"], "AWS4-HMAC-SHA256");
    // The policy names every condition the server must hold the upload to.
    use base64::Engine;
    let policy: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD.decode(fields["policy"].as_str().expect("policy")).expect("base64"),
    )
    .expect("policy json");
    let conditions = policy["conditions"].as_array().expect("conditions");
    assert!(conditions.contains(&json!(["content-length-range", 1, 10_485_760])), "{policy}");
    assert!(
        conditions.contains(&json!({"key": key})) && conditions.contains(&json!({"Content-Type": "application/pdf"}))
    );
    assert!(conditions.contains(&json!({"bucket": BUCKET})));

    // Refused by the server: a larger file, another key, another type, a changed signature.
    let (status, body) = post(&t, pdf(10 * 1024 * 1024 + 1), &[]).await;
    assert!(status == 400 && body.contains("<Code>EntityTooLarge</Code>"), "oversize accepted: {status} {body}");
    let other_key = "uploads/00000000000000000000000000000000";
    for (field, value) in [("key", other_key), ("key", "elsewhere/x.pdf"), ("Content-Type", "application/x-msdownload")]
    {
        let (status, body) = post(&t, pdf(1000), &[(field, value)]).await;
        assert!((400..500).contains(&status) && body.contains("Policy condition"), "{field}={value}: {status} {body}");
    }
    let signature = fields["x-amz-signature"].as_str().expect("signature");
    let forged = format!("{}{}", &signature[..63], if signature.ends_with('0') { '1' } else { '0' });
    let (status, body) = post(&t, pdf(1000), &[("x-amz-signature", &forged)]).await;
    assert!(status == 403 && body.contains("SignatureDoesNotMatch"), "a forged signature accepted: {status} {body}");
    assert!(s3.object(&key).is_none() && s3.object(other_key).is_none(), "a refused upload was stored");
    assert!(!s3.objects.join("elsewhere").exists());

    // The good file lands, byte for byte.
    let bytes = pdf(300_000);
    let (status, body) = post(&t, bytes.clone(), &[]).await;
    assert!((200..300).contains(&status), "good upload refused: {status} {body}");
    assert_eq!(s3.object(&key).map(|b| sha256(&b)), Some(sha256(&bytes)));
}

#[tokio::test]
async fn an_expired_policy_is_refused() {
    let s3 = spawn_s3_app(Some(time::Duration::seconds(1))).await;
    let t = target(&s3.app, "other", 1000, "application/pdf").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (status, body) = post(&t, pdf(1000), &[]).await;
    assert!(status == 403 && body.contains("expired"), "an expired policy accepted: {status} {body}");
    assert!(s3.object(t["key"].as_str().expect("key")).is_none());
}

#[tokio::test]
async fn uploads_are_checked_recorded_and_downloaded_through_short_lived_links() {
    let s3 = spawn_s3_app(None).await;
    let app = &s3.app;
    // A renamed .exe passes the bucket (it checks the declared type only) but not the handler,
    // which also deletes it.
    let t = target_for(app, "other", 4096, "application/pdf", "sub-00000080").await;
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00".to_vec();
    exe.resize(4096, 0);
    assert_eq!(post(&t, exe, &[]).await.0 / 100, 2);
    let exe_key = t["key"].as_str().expect("key").to_owned();
    let mut form = testkit::sample_application(80);
    form["attachments"] = json!([{"key": exe_key, "kind": "other", "name": "证书.pdf"}]);
    let response = app.apply(&form).await;
    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.expect("json");
    assert!(body["errors"][0]["message"].as_str().expect("msg").contains("PDF、JPEG或PNG"), "{body}");
    assert!(s3.object(&exe_key).is_none(), "the refused file is still in the bucket");

    // A real PDF: its size and SHA-256 are recorded with the application.
    let bytes = pdf(120_000);
    let t = target_for(app, "title_certificate", bytes.len(), "application/pdf", "sub-00000080").await;
    assert_eq!(post(&t, bytes.clone(), &[]).await.0 / 100, 2);
    form["attachments"] = json!([{"key": t["key"], "kind": "title_certificate", "name": "职称证书.pdf"}]);
    // With the kinds this applicant must also give, each through its own presigned POST.
    for kind in testkit::required_kinds(&form) {
        let file = testkit::upload_document_for(&app.client, &app.address, &kind, "sub-00000080").await;
        form["attachments"].as_array_mut().expect("files").push(file);
    }
    assert_eq!(app.apply(&form).await.status(), 201);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    crate::helpers::confirm(app, &record.reference).await;
    assert_eq!((record.attachments[0].size, record.attachments[0].sha256.clone()), (120_000, sha256(&bytes)));

    // The reviewer's link redirects to a presigned GET that works for minutes and only as signed.
    let unit = app.mails().into_iter().find(|m| m.to == "unit80@example.gov.cn").expect("unit mail");
    let review = TestApp::path_of(&testkit::link_with(&unit.text, "/review/").expect("link"));
    let redirect = app.get(&format!("{review}/files/0")).await;
    assert_eq!(redirect.status(), 303);
    assert_eq!(redirect.headers()["cache-control"], "private, no-store");
    let signed = redirect.headers()["location"].to_str().expect("ascii").to_owned();
    assert!(signed.contains("X-Amz-Signature=") && signed.contains("X-Amz-Expires=300"), "{signed}");
    let download = reqwest::get(&signed).await.expect("download");
    assert_eq!(download.status(), 200);
    assert_eq!(download.headers()["content-type"], "application/pdf");
    assert!(download.headers()["content-disposition"].to_str().expect("ascii").starts_with("attachment;"));
    assert_eq!(download.bytes().await.expect("bytes").to_vec(), bytes);
    // Without the signature, or with a changed one, the bucket refuses.
    let unsigned = signed.split('?').next().expect("url").to_owned();
    assert_eq!(reqwest::get(&unsigned).await.expect("get").status().as_u16() / 100, 4);
    let tampered = signed.replace("X-Amz-Expires=300", "X-Amz-Expires=30000");
    assert_eq!(reqwest::get(&tampered).await.expect("get").status().as_u16() / 100, 4);
    // A wrong review link gets no redirect.
    assert_eq!(app.get(&format!("{review}x/files/0")).await.status(), 403);
}

#[tokio::test]
async fn the_plain_form_stores_its_files_in_the_bucket() {
    let s3 = spawn_s3_app(None).await;
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.resize(5000, 3);
    let mut form = reqwest::multipart::Form::new();
    for (k, v) in testkit::sample_application(81).as_object().expect("object") {
        match v {
            Value::Bool(true) => form = form.text(k.clone(), "on"),
            Value::String(s) => form = form.text(k.clone(), s.clone()),
            _ => {}
        }
    }
    let part =
        reqwest::multipart::Part::bytes(png.clone()).file_name("身份证.png").mime_str("image/png").expect("mime");
    form = form.part("file_id_card", part);
    for kind in ["education_certificate", "degree_certificate", "ethnicity_proof"] {
        let part = reqwest::multipart::Part::bytes(testkit::tiny_pdf(kind))
            .file_name(format!("{kind}.pdf"))
            .mime_str("application/pdf")
            .expect("mime");
        form = form.part(format!("file_{kind}"), part);
    }
    let response = s3
        .app
        .client
        .post(format!("{}/api/applications", s3.app.address))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 201);
    let record = s3.app.store.list(2025, None).await.expect("list").remove(0);
    assert_eq!(record.attachments[0].sha256, sha256(&png));
    assert_eq!(s3.object(&record.attachments[0].key), Some(png));
}

#[tokio::test]
async fn files_are_copied_under_the_record_at_submit_and_a_reused_post_changes_nothing() {
    let s3 = spawn_s3_app(None).await;
    let app = &s3.app;
    let mut form = testkit::sample_application(81);
    let submission = form["submission_id"].as_str().expect("id").to_owned();
    let bytes = pdf(30_000);
    let asked = json!({"kind": "title_certificate", "name": "证书.pdf", "size": bytes.len(), "content_type": "application/pdf", "submission_id": submission});
    let t: Value = app.post_json("/api/uploads", &asked).await.json().await.expect("json");
    let upload_key = t["key"].as_str().expect("key").to_owned();
    // The presigned POST names the one key issued for this submission.
    assert_eq!(t["fields"]["key"], upload_key.as_str());
    assert_eq!(upload_key.len(), "uploads/".len() + 64);
    assert_eq!(post(&t, bytes.clone(), &[]).await.0 / 100, 2);
    form["attachments"] = json!([{"key": upload_key, "kind": "title_certificate", "name": "职称证书.pdf"}]);
    for kind in testkit::required_kinds(&form) {
        let file = testkit::upload_document_for(&app.client, &app.address, &kind, &submission).await;
        form["attachments"].as_array_mut().expect("files").push(file);
    }
    assert_eq!(app.apply(&form).await.status(), 201);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    let stored_key = format!("records/{}/{}", record.reference, upload_key.trim_start_matches("uploads/"));
    assert_eq!(record.attachments[0].key, stored_key);
    assert_eq!(s3.object(&stored_key), Some(bytes.clone()));
    crate::helpers::confirm(app, &record.reference).await;

    // S3 takes the same presigned POST again within its half hour, but only for the upload key:
    // the record's copy, its hash and what the reviewer downloads stay as submitted.
    let mut changed = pdf(30_000);
    changed[1000] = b'!';
    assert_eq!(post(&t, changed.clone(), &[]).await.0 / 100, 2);
    assert_eq!(s3.object(&upload_key), Some(changed.clone()));
    let (status, body) = post(&t, changed.clone(), &[("key", stored_key.as_str())]).await;
    assert_eq!(status / 100, 4, "the policy lets a browser write under records/: {body}");
    assert_eq!(s3.object(&stored_key), Some(bytes.clone()));
    let unit = app.mails().into_iter().find(|m| m.to == "unit81@example.gov.cn").expect("unit mail");
    let review = TestApp::path_of(&testkit::link_with(&unit.text, "/review/").expect("link"));
    let signed = app.get(&format!("{review}/files/0")).await.headers()["location"].to_str().expect("ascii").to_owned();
    assert_eq!(reqwest::get(&signed).await.expect("download").bytes().await.expect("bytes").to_vec(), bytes);
    assert_eq!(record.attachments[0].sha256, sha256(&bytes));
}
