//! Personal numbers at rest (个人信息保护法 art. 51), on both stores: what the store holds, read
//! raw, has no 身份证号 or phone in full; the one-application-per-person check still holds; a
//! rotated data key still opens old records, and `rekey` leaves none under the old key.

use crate::helpers::{Options, spawn_with, submit};
use crate::machine::dynamo_table;
use handler::personal::{DataKeys, Purpose, open_id_number, open_phone};
use handler::store::{SqliteStore, Store};
use handler::{AppState, Clock, Settings};
use std::path::PathBuf;
use std::sync::Arc;

const K1: &str = "k1:first data key of the privacy test and long enough";
const K2_THEN_K1: &str =
    "k2:second data key of the privacy test and long enough,k1:first data key of the privacy test and long enough";

/// Where the test reads the store's bytes from, bypassing the adapter.
enum Raw {
    /// The database file and its write-ahead log.
    Sqlite(PathBuf),
    /// Every item of the table, each attribute as DynamoDB returns it.
    Dynamo(aws_sdk_dynamodb::Client, String),
}

impl Raw {
    async fn dump(&self) -> String {
        match self {
            Raw::Sqlite(path) => {
                let mut text = String::new();
                for file in [path.clone(), path.with_extension("sqlite3-wal")] {
                    if let Ok(bytes) = std::fs::read(&file) {
                        text.push_str(&String::from_utf8_lossy(&bytes));
                    }
                }
                assert!(!text.is_empty(), "the database file is read");
                text
            }
            Raw::Dynamo(client, table) => {
                let items = client.scan().table_name(table).send().await.expect("scan").items.unwrap_or_default();
                assert!(!items.is_empty(), "the table is read");
                format!("{items:?}")
            }
        }
    }
}

async fn sealed_at_rest_rotated_and_rekeyed(store: Arc<dyn Store>, raw: Raw) {
    let sample = testkit::sample_application(601);
    let id_number = sample["id_number"].as_str().expect("id").to_owned();
    let phone = sample["phone"].as_str().expect("phone").to_owned();
    let first =
        spawn_with(Options { store: Some(store.clone()), data_keys: Some(K1.into()), ..Options::default() }).await;
    let status = submit(&first, 601).await;

    let held = raw.dump().await;
    assert!(!held.contains(&id_number), "the 身份证号 is stored in full");
    assert!(!held.contains(&phone), "the phone is stored in full");
    assert!(held.contains(&format!("{}**********{}", &id_number[..4], &id_number[14..])), "its masked form is kept");
    let record = store.list(2025, None).await.expect("list").remove(0);
    assert_eq!(record.application.id_number.sealed().map(|s| s.key.as_str()), Some("k1"));
    assert_eq!(record.application.phone.sealed().map(|s| s.key.as_str()), Some("k1"));

    // The keyed hash still finds the person: a second application with the number is stored, and
    // the two are found together by it (the number itself is nowhere).
    let mut again = testkit::sample_application(602);
    again["id_number"] = id_number.clone().into();
    again["gender"] = sample["gender"].clone();
    assert_eq!(first.apply(&again).await.status(), 201);
    let found = store.shared_numbers(2025, std::slice::from_ref(&record.id_hash)).await.expect("shared");
    assert_eq!(found.len(), 2, "both applications of the number");
    assert!(!raw.dump().await.contains(&id_number));

    // A new key first, the old one kept: the old record still opens and its pages still show it.
    let rotated =
        spawn_with(Options { store: Some(store.clone()), data_keys: Some(K2_THEN_K1.into()), ..Options::default() })
            .await;
    let page = rotated.get(&status).await.text().await.expect("status page");
    assert!(page.contains(&format!("{}**********{}", &id_number[..4], &id_number[14..])), "the masked number shows");
    let keys = DataKeys::parse(K2_THEN_K1).expect("keys");
    let opened = open_phone(&keys, &record, Purpose::SummaryTable, policy::Actor::Hr).expect("opens under k1");
    assert_eq!(opened.as_str(), phone);
    submit(&rotated, 603).await;
    let newer = store.list(2025, None).await.expect("list");
    let keys_of = |records: &[handler::store::Record]| -> Vec<String> {
        let mut ids: Vec<String> = records
            .iter()
            .flat_map(|r| [r.application.id_number.sealed(), r.application.phone.sealed()])
            .map(|s| s.map(|s| s.key.clone()).unwrap_or_else(|| "open".into()))
            .collect();
        ids.sort();
        ids.dedup();
        ids
    };
    assert_eq!(keys_of(&newer), ["k1", "k2"], "new records are sealed under the new key");

    // `tepei rekey`'s work: nothing is left under k1, everything still opens, a second run does nothing.
    let mut settings = Settings::new(crate::helpers::BASE, "k1", b"test key that is long enough for hmac");
    settings.data_keys = keys.clone();
    let state = AppState::new(Clock::starting_at(crate::helpers::in_window()), store.clone(), settings).expect("state");
    let done = handler::workflow::rekey::rekey(&state, 2025).await.expect("rekey");
    assert_eq!((done.records, done.resealed), (3, 2));
    let after = store.list(2025, None).await.expect("list");
    assert_eq!(keys_of(&after), ["k2"]);
    let held = raw.dump().await;
    for r in &after {
        let id = open_id_number(&keys, r, Purpose::Rekey, policy::Actor::Centre).expect("opens under k2");
        assert!(!held.contains(id.expose()));
    }
    let k2_only = DataKeys::parse("k2:second data key of the privacy test and long enough").expect("k2");
    let moved = after.iter().find(|r| r.reference == record.reference).expect("the first record");
    assert_eq!(open_phone(&k2_only, moved, Purpose::Rekey, policy::Actor::Centre).expect("k2 alone").as_str(), phone);
    // Its printed code is the one printed before the rekey.
    assert_eq!(moved.version_hash, record.version_hash);
    assert!(moved.version_hash.is_some());
    let again = handler::workflow::rekey::rekey(&state, 2025).await.expect("rekey again");
    assert_eq!(again.resealed, 0);
}

#[tokio::test]
async fn personal_numbers_are_sealed_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tepei.sqlite3");
    let store = Arc::new(SqliteStore::open(&path).expect("sqlite"));
    sealed_at_rest_rotated_and_rekeyed(store, Raw::Sqlite(path)).await;
}

#[tokio::test]
async fn personal_numbers_are_sealed_on_dynamodb_local() {
    let (store, client, table) = dynamo_table().await;
    sealed_at_rest_rotated_and_rekeyed(Arc::new(store), Raw::Dynamo(client, table)).await;
}

/// The centre's statistics as its dashboard computes them.
fn centre_statistics(records: &[handler::store::Record]) -> serde_json::Value {
    let p = policy::Programme::embedded().expect("programme");
    serde_json::to_value(handler::workflow::dashboard::AreaTable::of(&p, records)).expect("json")
}

async fn purged_past_retention_and_when_unfinished(store: Arc<dyn Store>, raw: Raw) {
    let mut programme = policy::Programme::embedded().expect("programme");
    programme.privacy.keep_until = Some("2025-12-31".into());
    programme.privacy.erase_unfinished_after_days = 30;
    let files = tempfile::tempdir().expect("tempdir");
    let blobs: Arc<dyn handler::blobs::Blobs> =
        Arc::new(handler::blobs::FsBlobs::new(files.path().to_owned()).expect("blobs"));
    let app = spawn_with(Options {
        store: Some(store.clone()),
        blobs: Some(blobs.clone()),
        programme: Some(programme.clone()),
        data_keys: Some(K1.into()),
        ..Options::default()
    })
    .await;
    // One confirmed with its files, one withdrawn, one never confirmed.
    let kept = app.with_documents(&testkit::sample_application(611)).await;
    let kept_status = crate::helpers::submit_form(&app, &kept).await;
    let withdrawn = submit(&app, 612).await;
    let v = app.get_json(&withdrawn).await.json::<serde_json::Value>().await.expect("json")["version"].clone();
    let body = format!("decision=withdraw&version={v}&confirm=on");
    assert_eq!(app.post_form(&withdrawn, &body).await.status(), 303);
    assert_eq!(app.apply(&testkit::sample_application(613)).await.status(), 201);
    let before = store.list(2025, None).await.expect("list");
    let files_of = |confirmed: bool| -> usize {
        let held = before.iter().filter(|r| (r.status == policy::Status::UnitReview) == confirmed);
        held.map(|r| r.attachments.len()).sum()
    };
    assert!(files_of(true) > 0 && files_of(false) > 0, "each application has its files");

    let at = |days: i64| {
        let mut settings = Settings::new(crate::helpers::BASE, "k1", b"test key that is long enough for hmac");
        settings.data_keys = DataKeys::parse(K1).expect("key");
        let clock = Clock::starting_at(crate::helpers::in_window() + time::Duration::days(days));
        AppState::new(clock, store.clone(), settings)
            .expect("state")
            .with_programme(programme.clone())
            .with_blobs(blobs.clone())
    };
    // A dry run a week later counts nothing (too recent); forty days later, two, changing nothing.
    let week = handler::workflow::purge::purge(&at(7), 2025, true).await.expect("dry run");
    assert_eq!((week.past_retention, week.unfinished), (0, 0));
    let dry = handler::workflow::purge::purge(&at(40), 2025, true).await.expect("dry run");
    assert_eq!((dry.records, dry.past_retention, dry.unfinished, dry.files), (3, 0, 2, files_of(false)));
    assert_eq!(store.list(2025, None).await.expect("list"), before, "a dry run changes nothing");

    let early = handler::workflow::purge::purge(&at(40), 2025, false).await.expect("purge");
    assert_eq!((early.past_retention, early.unfinished), (0, 2));
    let now = store.list(2025, None).await.expect("list");
    let erased: Vec<_> = now.iter().filter(|r| r.erased_at.is_some()).collect();
    assert_eq!(erased.len(), 2);
    // The never-confirmed one's code page, still open in its browser, neither mails a new code
    // to the erased address nor takes the code mailed before.
    let lapsed = erased.iter().find(|r| r.status == policy::Status::Unconfirmed).expect("the unconfirmed one");
    let page = crate::helpers::confirm_link(&app, &lapsed.reference);
    let old_code = crate::helpers::mailed_code(&app, &lapsed.reference);
    let mails = app.mails().len();
    assert_eq!(app.post_form(&page, "new_code=1").await.status(), 409);
    assert_eq!(app.mails().len(), mails, "a code mailed for an erased record");
    assert_eq!(app.post_form(&page, &format!("code={old_code}")).await.status(), 422);
    assert!(
        now.iter().any(|r| r.erased_at.is_none() && r.application.name == "乌力吉"),
        "the confirmed one stays whole"
    );

    // After the retention date every record goes; the centre's statistics stay as they were.
    let late = handler::workflow::purge::purge(&at(300), 2025, false).await.expect("purge");
    assert_eq!((late.already, late.past_retention, late.files), (2, 1, files_of(true)));
    let after = store.list(2025, None).await.expect("list");
    assert_eq!(centre_statistics(&after), centre_statistics(&before));
    for (r, was) in after.iter().zip(&before) {
        assert_eq!(
            (r.reference.as_str(), r.status, r.stream(), r.scope()),
            (was.reference.as_str(), was.status, was.stream(), was.scope())
        );
        assert_eq!(r.application.name, policy::ERASED);
        assert!(r.attachments.is_empty());
        for e in store.events(&r.reference).await.expect("events") {
            assert!(e.actor_address.is_none() && e.comment.is_none() && e.changes.is_empty(), "{e:?}");
        }
    }
    let mut gone: Vec<String> = vec!["乌力吉".into()];
    for n in [611, 612, 613] {
        let sample = testkit::sample_application(n);
        for field in ["id_number", "email", "employer", "plan"] {
            gone.push(sample[field].as_str().expect(field).to_owned());
        }
    }
    // SQLite empties its write-ahead log in the next quiet moment (a fraction of a second).
    let mut left = gone.clone();
    for _ in 0..50 {
        let held = raw.dump().await;
        left = gone.iter().filter(|value| held.contains(value.as_str())).cloned().collect();
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(left.is_empty(), "still stored: {left:?}");
    let left: Vec<_> = walk(files.path()).into_iter().filter(|p| p.contains("records")).collect();
    assert!(left.is_empty(), "files left: {left:?}");
    // The number may apply again, and the status link answers with what is left.
    assert_eq!(app.get(&kept_status).await.status(), 200);
    let again = handler::workflow::purge::purge(&at(301), 2025, false).await.expect("purge");
    assert_eq!((again.already, again.past_retention, again.unfinished), (3, 0, 0));
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path.display().to_string());
        }
    }
    out
}

#[tokio::test]
async fn records_are_erased_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("tepei.sqlite3");
    let store = Arc::new(SqliteStore::open(&path).expect("sqlite"));
    purged_past_retention_and_when_unfinished(store, Raw::Sqlite(path)).await;
}

#[tokio::test]
async fn records_are_erased_on_dynamodb_local() {
    let (store, client, table) = dynamo_table().await;
    purged_past_retention_and_when_unfinished(Arc::new(store), Raw::Dynamo(client, table)).await;
}

/// 下载我的数据 and 删除我的申报 from the status link, over HTTP.
#[tokio::test]
async fn the_applicant_downloads_their_data_and_erases_the_application() {
    let app = spawn_with(Options { data_keys: Some(K1.into()), ..Options::default() }).await;
    let form = app.with_documents(&testkit::sample_application(621)).await;
    let status = crate::helpers::submit_form(&app, &form).await;
    let id_number = form["id_number"].as_str().expect("id").to_owned();

    // The status page offers both; the copy holds the numbers in full, the files and the history.
    let page = app.get(&status).await.text().await.expect("status");
    assert!(page.contains("下载我的数据") && page.contains("删除我的申报"), "the status page offers both");
    let data = app.get(&format!("{status}/data")).await;
    assert_eq!(data.status(), 200);
    let data = data.text().await.expect("page");
    assert!(data.contains(&id_number) && data.contains("13812345678"), "the numbers in full");
    assert!(data.contains("确认邮箱"), "the history");
    let json = app.get(&format!("{status}/data?format=json")).await;
    assert!(json.headers()["content-disposition"].to_str().expect("ascii").contains("attachment"));
    let json: serde_json::Value = json.json().await.expect("json");
    let fields = json["fields"].as_array().expect("fields");
    assert!(fields.iter().any(|f| f["value"] == id_number.as_str()), "{json}");
    let files = json["files"].as_array().expect("files");
    assert!(!files.is_empty());
    let first = TestAppPath::of(files[0]["url"].as_str().expect("url"));
    assert_eq!(app.get(&first).await.status(), 200, "each file downloads from its link");

    // Erasing asks first, refuses without the confirmation, then withdraws and erases at once.
    let ask = app.get(&format!("{status}/erase")).await.text().await.expect("page");
    assert!(ask.contains("确认删除") && ask.contains("不能恢复"), "the confirmation page");
    let version = app.get_json(&status).await.json::<serde_json::Value>().await.expect("json")["version"].clone();
    let unconfirmed = app.post_form(&format!("{status}/erase"), &format!("version={version}")).await;
    assert_eq!(unconfirmed.status(), 422, "nothing is erased without the confirmation");
    let done = app.post_form(&format!("{status}/erase"), &format!("version={version}&confirm=on")).await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.expect("page").contains("已从本站删除"));
    let record = app.store.list(2025, None).await.expect("list").remove(0);
    assert_eq!(record.status, policy::Status::Withdrawn);
    assert!(record.erased_at.is_some() && record.attachments.is_empty());
    assert_eq!(record.application.name, policy::ERASED);
    let events = app.store.events(&record.reference).await.expect("events");
    assert!(events.iter().all(|e| e.actor_address.is_none() && e.comment.is_none()));
    assert_eq!(app.get(&first).await.status(), 410, "the files are gone");
    // Done once: the page now says so, and the number may apply again.
    let again = app.get(&format!("{status}/erase")).await.text().await.expect("page");
    assert!(again.contains("个人信息已删除"));
    let mut anew = testkit::sample_application(622);
    anew["id_number"] = id_number.into();
    anew["gender"] = form["gender"].clone();
    assert_eq!(app.apply(&app.with_documents(&anew).await).await.status(), 201);
    assert_eq!(app.store.list(2025, None).await.expect("list").len(), 2, "the number is free again");
}

/// A link's path, as the helpers take it.
struct TestAppPath;

impl TestAppPath {
    fn of(link: &str) -> String {
        crate::helpers::TestApp::path_of(link)
    }
}
