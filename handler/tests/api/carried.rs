//! Files the status page's form carries (the no-JS resubmission and 补充材料): as with a new
//! application, the rate limit first, the parts capped at the programme's `max_files`, and no file
//! written or copied before the whole change passes (issue 30's finding 6, on the status page).

use crate::helpers::{TestApp, link_in_mail, spawn_app, submit};
use crate::uploads::{file, multipart_from, pdf};
use serde_json::Value;

/// Every file under the data folder's file store (`uploads/` and `records/`).
fn stored_files(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|d| d.filter_map(Result::ok).map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum())
            .unwrap_or(0)
    }
    let data = app.uploads.parent().expect("data folder");
    count(&data.join("uploads")) + count(&data.join("records"))
}

/// Sample application `n`, submitted with its documents, confirmed and returned by its unit;
/// its status link's path.
async fn returned(app: &TestApp, n: u32) -> String {
    let status = submit(app, n).await;
    let unit = link_in_mail(&app.mails(), &format!("unit{n}@example.gov.cn"), "/review/");
    let returned = app.post_form(&unit, "decision=return&comment=%E8%AF%B7%E8%A1%A5%E5%85%85").await;
    assert_eq!(returned.status(), 303);
    status
}

async fn version(app: &TestApp, status: &str) -> u64 {
    app.get_json(status).await.json::<Value>().await.expect("json")["version"].as_u64().expect("version")
}

/// The status page's resubmission form for sample `n` as multipart, with `edit` applied to the
/// answers, and `parts` file parts of `kind`.
async fn resubmission(app: &TestApp, status: &str, n: u32, edit: fn(&mut Value), kind: &str, parts: usize) -> u16 {
    let mut answers = testkit::sample_application(n);
    edit(&mut answers);
    let mut form =
        multipart_from(&answers).text("decision", "resubmit").text("version", version(app, status).await.to_string());
    for i in 0..parts {
        form = form.part(format!("file_{kind}"), file(pdf(2000), &format!("材料{i}.pdf"), "application/pdf"));
    }
    let url = format!("{}{status}", app.address);
    app.client.post(url).multipart(form).send().await.expect("request").status().as_u16()
}

#[tokio::test]
async fn a_resubmission_stores_its_files_only_once_it_passes() {
    let app = spawn_app().await;
    let status = returned(&app, 740).await;
    let held = app.store.list(2025, None).await.expect("list")[0].attachments.len();
    let before = stored_files(&app);

    // A wrong answer beside a good file: refused, and the file is neither stored nor copied.
    let wrong_phone = |form: &mut Value| form["phone"] = "123".into();
    assert_eq!(resubmission(&app, &status, 740, wrong_phone, "other", 1).await, 422);
    assert_eq!(stored_files(&app), before, "an invalid resubmission writes nothing");
    assert_eq!(app.store.list(2025, None).await.expect("list")[0].status, policy::Status::Returned);

    // More file parts than the programme takes: refused whole, before any is written.
    let same = |_: &mut Value| {};
    assert_eq!(resubmission(&app, &status, 740, same, "other", 11).await, 422);
    assert_eq!(stored_files(&app), before, "parts are capped before any is written");
    // Within the cap alone, but over it with the files the record keeps: refused too.
    assert_eq!(resubmission(&app, &status, 740, same, "other", 11 - held).await, 422);
    assert_eq!(stored_files(&app), before);
    // 补充材料 with too many parts: the same.
    let mut crowded = reqwest::multipart::Form::new()
        .text("decision", "add_documents")
        .text("version", version(&app, &status).await.to_string());
    for i in 0..11 {
        crowded = crowded.part("file_other", file(pdf(1000), &format!("{i}.pdf"), "application/pdf"));
    }
    let response = app.client.post(format!("{}{status}", app.address)).multipart(crowded).send().await.expect("post");
    assert_eq!(response.status(), 422);
    assert_eq!(stored_files(&app), before);

    // The same file with the answers right: stored, copied under the record and held.
    assert_eq!(resubmission(&app, &status, 740, same, "other", 1).await, 303);
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    assert_eq!(record.status, policy::Status::UnitReview);
    assert_eq!(record.attachments.len(), held + 1);
    assert_eq!(stored_files(&app), before + 2, "the upload and its copy under the record");
}

#[tokio::test]
async fn a_resubmission_over_its_limit_writes_nothing() {
    let app = spawn_app().await;
    let status = returned(&app, 741).await;
    let before = stored_files(&app);
    // Five tries a day, counted before anything else (refused ones too).
    let wrong_phone = |form: &mut Value| form["phone"] = "123".into();
    for _ in 0..5 {
        assert_eq!(resubmission(&app, &status, 741, wrong_phone, "id_card", 1).await, 422);
    }
    let same = |_: &mut Value| {};
    assert_eq!(resubmission(&app, &status, 741, same, "id_card", 1).await, 429);
    assert_eq!(stored_files(&app), before, "no file written by a refused or limited resubmission");
}
