//! Erasure as an auditor checks it: after 删除我的申报, the centre's erasure and the purge, every
//! byte the system wrote — the data folder (the SQLite file and its write-ahead log, the outbox's
//! `.eml` files, the files), every DynamoDB item and every S3 object — is searched for the
//! person's name, 身份证号 (full and masked), phone (full and masked), employer and address,
//! decoded where mail encodes them (base64, quoted-printable, the attached 汇总表's cells).
//! The person resubmitted once with a new 身份证 file, and a 汇总表 naming them was mailed to the
//! centre before the erasure.

use crate::helpers::{Options, TestApp, link_in_mail, receive_paper, spawn_with, submit_form};
use crate::machine::dynamo_table;
use base64::Engine;
use handler::store::Store;
use handler::{AppState, Clock, Settings};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BUCKET: &str = "tepei-erasure";

type Blobs = Arc<dyn handler::blobs::Blobs>;

/// Which of the three erasures.
#[derive(Clone, Copy, Debug)]
enum How {
    Applicant,
    Centre,
    Purge,
}

/// Where the system writes besides the data folder.
enum Backend {
    /// SQLite in the data folder, files in the data folder.
    Local,
    /// DynamoDB Local and s3s-fs (whose objects are files under `objects`).
    Aws { client: aws_sdk_dynamodb::Client, table: String, objects: PathBuf, _s3: testkit::Service },
}

/// What is searched for, and where it must not be.
struct Person {
    reference: String,
    needles: Vec<(&'static str, String)>,
    /// The ids of every file the person uploaded (the replaced 身份证 too).
    upload_ids: Vec<String>,
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn is_b64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

fn b64(text: &str) -> Option<Vec<u8>> {
    let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let clean = clean.trim_end_matches('=');
    let usable = clean.len() - clean.len() % 4;
    let usable = if clean.len() % 4 >= 2 { clean.len() } else { usable };
    base64::engine::general_purpose::STANDARD_NO_PAD.decode(&clean[..usable]).ok()
}

/// Every cell of an XLSX file, as text.
fn xlsx_cells(bytes: &[u8]) -> String {
    use calamine::{Reader, Xlsx};
    let Ok(mut book) = Xlsx::new(std::io::Cursor::new(bytes.to_vec())) else { return String::new() };
    let mut text = String::new();
    for name in book.sheet_names() {
        if let Ok(range) = book.worksheet_range(&name) {
            for row in range.rows() {
                for cell in row {
                    text.push_str(&cell.to_string());
                    text.push('\n');
                }
            }
        }
    }
    text
}

/// `bytes` as an auditor reads them: as they are, quoted-printable decoded, and every base64 run
/// (one token, or consecutive lines of a MIME body) decoded, an XLSX among them read cell by cell.
fn readable(bytes: &[u8], depth: u32) -> String {
    let raw = String::from_utf8_lossy(bytes).into_owned();
    let mut text = raw.clone();
    text.push_str(&crate::helpers::quoted_printable(&raw));
    if depth == 0 {
        return text;
    }
    let mut runs: Vec<String> = raw.split(|c: char| !c.is_ascii() || !is_b64(c as u8)).map(str::to_owned).collect();
    let mut block = String::new();
    for line in raw.lines() {
        let line = line.trim_end_matches('\r');
        if !line.is_empty() && line.bytes().all(is_b64) {
            block.push_str(line);
        } else if !block.is_empty() {
            runs.push(std::mem::take(&mut block));
        }
    }
    runs.push(block);
    for run in runs.iter().filter(|r| r.len() >= 8) {
        let Some(decoded) = b64(run) else { continue };
        if decoded.starts_with(b"PK\x03\x04") {
            text.push_str(&xlsx_cells(&decoded));
        }
        text.push_str(&readable(&decoded, depth - 1));
    }
    text
}

/// The person's values found in what the system holds, with where.
async fn found(person: &Person, data: &Path, backend: &Backend) -> Vec<String> {
    let mut places: Vec<(String, String)> = Vec::new();
    let mut folders = vec![data.to_owned()];
    if let Backend::Aws { objects, .. } = backend {
        folders.push(objects.clone());
    }
    for folder in &folders {
        for file in walk(folder) {
            let name = file.display().to_string();
            let bytes = std::fs::read(&file).unwrap_or_default();
            places.push((name, readable(&bytes, 3)));
        }
    }
    if let Backend::Aws { client, table, .. } = backend {
        let mut pages = client.scan().table_name(table).into_paginator().send();
        while let Some(page) = pages.next().await {
            for item in page.expect("scan").items() {
                let pk = item.get("pk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let sk = item.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let values: String = item
                    .values()
                    .map(|v| format!("{}\n", v.as_s().cloned().unwrap_or_else(|_| format!("{v:?}"))))
                    .collect();
                places.push((format!("item {pk} {sk}"), format!("{pk} {sk}\n{}", readable(values.as_bytes(), 3))));
            }
        }
    }
    let mut hits = Vec::new();
    for (place, text) in &places {
        for (what, value) in &person.needles {
            if text.contains(value.as_str()) {
                hits.push(format!("{what} in {place}"));
            }
        }
        let ids = person.upload_ids.iter().filter(|id| place.contains(id.as_str()));
        hits.extend(ids.map(|id| format!("the file {id} at {place}")));
        if place.contains(&format!("records/{}", person.reference)) {
            hits.push(format!("a file of the record at {place}"));
        }
    }
    hits
}

/// The person's values as the system shows them: in full and masked.
fn needles(form: &Value, record: &handler::store::Record) -> Vec<(&'static str, String)> {
    let text = |k: &str| form[k].as_str().expect(k).to_owned();
    vec![
        ("name", text("name")),
        ("身份证号", text("id_number")),
        ("masked 身份证号", record.application.id_number.masked().to_owned()),
        ("phone", text("phone")),
        ("masked phone", record.application.phone.masked().to_owned()),
        ("employer", text("employer")),
        ("address", text("email")),
    ]
}

fn reference_of(status_json: &Value) -> String {
    status_json["reference"].as_str().expect("reference").to_owned()
}

async fn version(app: &TestApp, status: &str) -> u64 {
    app.get_json(status).await.json::<Value>().await.expect("json")["version"].as_u64().expect("version")
}

/// Unit and HR recommend application `n` (of 呼和浩特市), from the links mailed.
async fn recommend(app: &TestApp, n: u32) {
    let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
    assert_eq!(app.post_form(&unit, "decision=approve").await.status(), 303);
    let hr = link_in_mail(&app.mails(), "hr-hohhot@example.gov.cn", "/review/");
    let hr = receive_paper(app, &hr).await;
    assert_eq!(app.post_form(&hr, "decision=approve").await.status(), 303);
}

async fn dashboard(app: &TestApp, email: &str) -> String {
    assert_eq!(app.post_form("/dashboard", &format!("email={email}")).await.status(), 200);
    link_in_mail(&app.mails(), email, "/dashboard/")
}

async fn erased_leaves_nothing(how: How, aws: bool) {
    let mut programme = policy::Programme::embedded().expect("programme");
    programme.privacy.keep_until = Some("2025-12-31".into());
    let s3_root = tempfile::tempdir().expect("tempdir");
    let (store, blobs, backend): (Option<Arc<dyn Store>>, Option<Blobs>, Backend) = if aws {
        let (store, client, table) = dynamo_table().await;
        let server = testkit::start_s3(s3_root.path());
        let credentials =
            aws_credential_types::Credentials::new(testkit::S3_ACCESS_KEY, testkit::S3_SECRET_KEY, None, None, "test");
        let endpoint = format!("http://127.0.0.1:{}", server.port);
        let blobs = handler::config::s3_blobs(BUCKET, Some(&endpoint), Some(credentials)).await.expect("S3 client");
        blobs.create_bucket().await.expect("bucket");
        let objects = s3_root.path().join(BUCKET);
        (Some(Arc::new(store)), Some(Arc::new(blobs)), Backend::Aws { client, table, objects, _s3: server })
    } else {
        (None, None, Backend::Local)
    };
    let app =
        spawn_with(Options { store, blobs: blobs.clone(), programme: Some(programme.clone()), ..Options::default() })
            .await;
    let data = app.uploads.parent().expect("the data folder").to_owned();

    // The person: values no other application shares.
    let n = 771;
    let mut form = testkit::sample_application(n);
    form["league"] = "hohhot".into();
    form["name"] = "其其格审计".into();
    form["employer"] = "审计用例专用研究所".into();
    form["phone"] = "15647102938".into();
    let status = submit_form(&app, &app.with_documents(&form).await).await;
    let reference = reference_of(&app.get_json(&status).await.json::<Value>().await.expect("json"));
    let first = app.store.get(&reference).await.expect("get").expect("record");
    let mut upload_ids: Vec<String> =
        first.attachments.iter().map(|a| a.key.rsplit('/').next().expect("id").to_owned()).collect();
    // Someone else, recommended too, so the 汇总表 holds two rows.
    submit_form(&app, &testkit::sample_application(772)).await;

    // Returned by the unit; resubmitted with a new 身份证 file in place of the first.
    let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
    let comment = "%E8%AF%B7%E6%9B%B4%E6%8D%A2%E8%BA%AB%E4%BB%BD%E8%AF%81";
    assert_eq!(app.post_form(&unit, &format!("decision=return&comment={comment}")).await.status(), 303);
    let mut values = first.application.form_values();
    values.remove("id_number");
    values.insert("phone".into(), form["phone"].as_str().expect("phone").to_owned());
    values.insert("decision".into(), "resubmit".into());
    values.insert("version".into(), version(&app, &status).await.to_string());
    let mut fields: Vec<(String, String)> = values.into_iter().collect();
    let at = first.attachments.iter().position(|a| a.kind == "id_card").expect("a 身份证 file");
    fields.push(("remove".into(), at.to_string()));
    let new_id = testkit::upload_document_for(&app.client, &app.address, "id_card", &first.submission_id).await;
    let new_key = new_id["key"].as_str().expect("key").to_owned();
    upload_ids.push(new_key.trim_start_matches("uploads/").to_owned());
    fields.push(("attachment".into(), format!("{new_key}|id_card|新身份证.pdf")));
    let resubmitted = app.post_form(&status, &serde_urlencoded::to_string(&fields).expect("encode")).await;
    assert_eq!(resubmitted.status(), 303);
    recommend(&app, n).await;
    recommend(&app, 772).await;

    // HR mails the 汇总表 to the centre: it names the person.
    let hr = dashboard(&app, "hr-hohhot@example.gov.cn").await;
    assert_eq!(app.post_form(&format!("{hr}/send"), "").await.status(), 303);
    let summary = app.mails().into_iter().rfind(|m| !m.files.is_empty()).expect("the 汇总表 mail");
    assert!(
        summary.text.contains("2") && xlsx_cells(&summary.files[0].1).contains("其其格审计"),
        "the 汇总表 names the person"
    );

    let record = app.store.get(&reference).await.expect("get").expect("record");
    let person = Person { reference: reference.clone(), needles: needles(&form, &record), upload_ids };
    let before = found(&person, &data, &backend).await;
    assert!(
        before.iter().any(|h| h.starts_with("name in") && h.contains(".eml")),
        "the audit sees the mail: {before:?}"
    );
    // The centre exports every application. On S3 the file goes under exports/ behind a link
    // that lives five minutes; it names the person until the erasure clears the folder.
    let centre = dashboard(&app, "centre@example.gov.cn").await;
    let export = app.get(&format!("{centre}/summary.csv?all=1")).await;
    if aws {
        assert_eq!(export.status(), 303);
        let url = export.headers()["location"].to_str().expect("location").to_owned();
        assert!(url.contains(&format!("/{BUCKET}/{}", handler::ids::EXPORTS)), "{url}");
        assert!(url.contains("X-Amz-Expires=300"), "a link that lives five minutes: {url}");
        let csv = app.client.get(&url).send().await.expect("download").text().await.expect("csv");
        assert!(csv.contains("其其格审计"), "the export is the 汇总表");
        let held = found(&person, &data, &backend).await;
        assert!(held.iter().any(|h| h.starts_with("name in") && h.contains("exports")), "{held:?}");
    } else {
        assert_eq!(export.status(), 200, "serve answers the file itself");
    }
    assert!(before.iter().any(|h| h.starts_with("the file")), "the audit sees the files: {before:?}");

    match how {
        How::Applicant => {
            let v = version(&app, &status).await;
            let done = app.post_form(&format!("{status}/erase"), &format!("version={v}&confirm=on")).await;
            assert_eq!(done.status(), 200);
        }
        How::Centre => {
            let centre = dashboard(&app, "centre@example.gov.cn").await;
            let html = app.get(&centre).await.text().await.expect("html");
            let start = html.find(&format!("/review/r.{reference}.")).expect("the person's review link");
            let review: String = html[start..].chars().take_while(|c| *c != '"').collect();
            assert_eq!(app.post_form(&review, "decision=select").await.status(), 303);
            let v = version(&app, &status).await;
            assert_eq!(
                app.post_form(&format!("{status}/erase"), &format!("version={v}&confirm=on")).await.status(),
                200
            );
            let erased = app
                .post_form(&format!("{centre}/erase"), &format!("reference={reference}&answer=erase&confirm=on"))
                .await;
            assert_eq!(erased.status(), 303);
        }
        How::Purge => {
            let settings = Settings::new(crate::helpers::BASE, "k1", b"test key that is long enough for hmac");
            let clock = Clock::starting_at(crate::helpers::in_window() + time::Duration::days(300));
            let mailer = handler::mail::FileMailer::new(&data.join("outbox"), "特培申报 <noreply@example.gov.cn>")
                .expect("mailer");
            let mut state = AppState::new(clock, app.store.clone(), settings)
                .expect("state")
                .with_programme(programme.clone())
                .with_inline_mailer(Arc::new(mailer));
            if let Some(blobs) = blobs.clone() {
                state = state.with_blobs(blobs);
            } else {
                state = state.with_blobs(Arc::new(handler::blobs::FsBlobs::new(data.clone()).expect("blobs")));
            }
            let done = handler::workflow::purge::purge(&state, 2025, false).await.expect("purge");
            assert_eq!(done.past_retention, 2, "{done:?}");
        }
    }
    let record = app.store.get(&reference).await.expect("get").expect("record");
    assert!(record.erased_at.is_some(), "{how:?}: erased");

    // SQLite empties its write-ahead log in the next quiet moment.
    let mut left = Vec::new();
    for _ in 0..50 {
        left = found(&person, &data, &backend).await;
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(left.is_empty(), "{how:?}: the person is still held: {left:#?}");
    // Nothing is mailed for an erased record, whatever address is typed.
    let before = app.mails().len();
    let asked = format!("reference={reference}&email={}", policy::ERASED_ADDRESS);
    assert_eq!(app.post_form("/api/status-link", &asked).await.status(), 200);
    assert_eq!(app.mails().len(), before, "mail for an erased record");
}

#[tokio::test]
async fn the_applicants_erasure_leaves_nothing_on_sqlite_and_files() {
    erased_leaves_nothing(How::Applicant, false).await;
}

#[tokio::test]
async fn the_applicants_erasure_leaves_nothing_on_dynamodb_and_s3() {
    erased_leaves_nothing(How::Applicant, true).await;
}

#[tokio::test]
async fn the_centres_erasure_leaves_nothing_on_sqlite_and_files() {
    erased_leaves_nothing(How::Centre, false).await;
}

#[tokio::test]
async fn the_centres_erasure_leaves_nothing_on_dynamodb_and_s3() {
    erased_leaves_nothing(How::Centre, true).await;
}

#[tokio::test]
async fn the_purge_leaves_nothing_on_sqlite_and_files() {
    erased_leaves_nothing(How::Purge, false).await;
}

#[tokio::test]
async fn the_purge_leaves_nothing_on_dynamodb_and_s3() {
    erased_leaves_nothing(How::Purge, true).await;
}

/// 删除我的申报 while the mailer fails (its folder gone, as a relay down would be): the erasure
/// stands and answers as done, every file of the record goes, and the mail left is deleted by
/// the next purge (found by the red team: a 500, the files kept, and no way to finish).
#[tokio::test]
async fn an_erasure_finishes_its_files_even_when_mail_fails() {
    let app = crate::helpers::spawn_app().await;
    let status = crate::helpers::submit(&app, 240).await;
    let reference = status.split('.').nth(1).expect("reference").to_owned();
    let records = app.uploads.with_file_name("records").join(&reference);
    assert!(std::fs::read_dir(&records).expect("files").count() > 0, "the files are held");
    // The mailer can write nothing now.
    std::fs::remove_dir_all(&app.outbox).expect("remove the outbox");
    std::fs::write(&app.outbox, b"not a folder").expect("a file in its place");
    let v = version(&app, &status).await;
    let erased = app.post_form(&format!("{status}/erase"), &format!("version={v}&confirm=on")).await;
    assert_eq!(erased.status(), 200, "the erasure stands");
    let record = app.store.get(&reference).await.expect("get").expect("kept, erased");
    assert!(record.erased_at.is_some());
    let left = std::fs::read_dir(&records).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "no file of the record is left");
}
