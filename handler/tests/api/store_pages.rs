//! The store contract, continued, on SQLite and on DynamoDB Local: a round listed a page at a
//! time (across DynamoDB's shards) comes out whole, once each and oldest first, for the whole
//! round and for one HR scope; bookmarks are read back as last set.

use crate::store::{event, record};
use handler::store::{PageOf, Record, Store};
use policy::{HrScope, Programme};
use std::sync::Arc;

async fn paged(store: &Arc<dyn Store>, scope: Option<&HrScope>, limit: usize) -> Vec<String> {
    let (mut all, mut after) = (Vec::new(), None::<String>);
    for _ in 0..200 {
        let page = store.list_page(PageOf { round: 2025, scope, after: after.as_deref(), limit }).await.expect("page");
        assert!(page.len() <= limit, "a page holds at most its limit");
        let Some(last) = page.last() else { return all };
        after = Some(last.list_key());
        all.extend(page.iter().map(|r| r.reference.clone()));
    }
    panic!("the listing never ended: {} listed", all.len())
}

async fn a_round_is_listed_whole_a_page_at_a_time(store: Arc<dyn Store>) {
    // Created out of order, two scopes, and one of another round that no page may show.
    for n in (1..=47).rev() {
        let r = record(n, if n % 3 == 0 { "baotou" } else { "hohhot" });
        store.create(&r, &event(1), &[]).await.expect("create");
    }
    let other = Record { round: 2026, ..record(60, "hohhot") };
    store.create(&other, &event(1), &[]).await.expect("create");
    let whole: Vec<String> = store.list(2025, None).await.expect("list").into_iter().map(|r| r.reference).collect();
    assert_eq!(whole.len(), 47);
    for limit in [1, 4, 10, 100] {
        assert_eq!(paged(&store, None, limit).await, whole, "pages of {limit}");
    }
    let p = Programme::embedded().expect("programme");
    let hohhot = HrScope::from_key("hohhot", &p);
    let of_scope: Vec<String> =
        store.list(2025, Some(&hohhot)).await.expect("list").into_iter().map(|r| r.reference).collect();
    assert_eq!(of_scope.len(), 47 - 15);
    assert_eq!(paged(&store, Some(&hohhot), 7).await, of_scope);
    // From the middle: what follows the key, nothing before it.
    let middle = store.get(&whole[20]).await.expect("get").expect("record").list_key();
    let rest =
        store.list_page(PageOf { round: 2025, scope: None, after: Some(&middle), limit: 100 }).await.expect("page");
    assert_eq!(rest.iter().map(|r| r.reference.clone()).collect::<Vec<_>>(), whole[21..].to_vec());
}

async fn bookmarks_read_back_as_last_set(store: Arc<dyn Store>) {
    assert_eq!(store.bookmark("purge#2025").await.expect("read"), None);
    store.set_bookmark("purge#2025", "first").await.expect("set");
    store.set_bookmark("purge#2026", "other").await.expect("set");
    store.set_bookmark("purge#2025", r#"{"day":"2026-01-05","after":null,"done":false}"#).await.expect("set");
    assert_eq!(
        store.bookmark("purge#2025").await.expect("read").as_deref(),
        Some(r#"{"day":"2026-01-05","after":null,"done":false}"#)
    );
    assert_eq!(store.bookmark("purge#2026").await.expect("read").as_deref(), Some("other"));
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = handler::store::SqliteStore::open(&dir.path().join("t.sqlite3")).expect("open");
                super::$name(std::sync::Arc::new(store)).await
            })*
        }
        mod dynamodb_store {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)] async fn $name() {
                super::$name(crate::machine::dynamo_store().await).await
            })*
        }
    };
}

contract!(a_round_is_listed_whole_a_page_at_a_time, bookmarks_read_back_as_last_set);
