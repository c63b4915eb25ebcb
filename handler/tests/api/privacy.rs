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

    // The keyed hash still finds the person: a second application with the number stores nothing.
    let mut again = testkit::sample_application(602);
    again["id_number"] = id_number.clone().into();
    again["gender"] = sample["gender"].clone();
    assert_eq!(first.apply(&again).await.status(), 201, "answered as taken, like a success");
    assert_eq!(store.list(2025, None).await.expect("list").len(), 1, "one application per person");

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
    assert_eq!((done.records, done.resealed), (2, 1));
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
