//! The purge on its schedule, on SQLite and on DynamoDB Local: a run cut short by its budget
//! keeps its place and the next runs finish the pass without looking at a record twice; a day's
//! pass done is not run again that day; a file delete that failed leaves the erased record marked
//! and a later pass deletes the files and clears the mark.

use crate::machine::dynamo_store;
use crate::store::{event, mail, record};
use handler::blobs::{BlobError, Blobs, FsBlobs};
use handler::store::{Record, SqliteStore, Store};
use handler::workflow::purge::{Budget, Purged, run};
use handler::{AppState, Clock, Settings};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A file store whose deletes fail while `failing` is set, as S3 unreachable would.
struct Flaky {
    inner: FsBlobs,
    failing: AtomicBool,
}

#[async_trait::async_trait]
impl Blobs for Flaky {
    async fn read(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        self.inner.read(key).await
    }
    async fn write(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        self.inner.write(key, bytes).await
    }
    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        self.inner.copy(from, to).await
    }
    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(BlobError::unavailable("the test's file store is down"));
        }
        self.inner.delete(key).await
    }
    async fn delete_record_files(&self, reference: &str) -> Result<Vec<String>, BlobError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(BlobError::unavailable("the test's file store is down"));
        }
        self.inner.delete_record_files(reference).await
    }
    async fn delete_exports(&self) -> Result<usize, BlobError> {
        self.inner.delete_exports().await
    }
}

struct Round {
    store: Arc<dyn Store>,
    blobs: Arc<Flaky>,
    _files: tempfile::TempDir,
    references: Vec<String>,
}

/// `count` confirmed applications, each with a mail and a file under `records/{reference}/`.
async fn round(store: Arc<dyn Store>, count: u32) -> Round {
    let files = tempfile::tempdir().expect("tempdir");
    let blobs = Arc::new(Flaky {
        inner: FsBlobs::new(files.path().to_owned()).expect("blobs"),
        failing: AtomicBool::new(false),
    });
    let mut references = Vec::new();
    for n in 1..=count {
        let reference = handler::ids::new_reference(2025);
        let r = Record { reference: reference.clone(), ..record(n, "hohhot") };
        store.create(&r, &event(1), &[mail(&reference, n)]).await.expect("create");
        let key = format!("records/{reference}/{}", handler::ids::random_id());
        blobs.write(&key, b"%PDF-1.4 proof").await.expect("file");
        references.push(reference);
    }
    Round { store, blobs, _files: files, references }
}

/// The handler's state at `at` (RFC 3339), with a retention date of 2025-12-31.
fn state(round: &Round, at: &str) -> AppState {
    let mut programme = policy::Programme::embedded().expect("programme");
    programme.privacy.keep_until = Some("2025-12-31".into());
    let now = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).expect("time");
    let settings = Settings::new(crate::helpers::BASE, "k1", b"test key that is long enough for hmac");
    AppState::new(Clock::starting_at(now), round.store.clone(), settings)
        .expect("state")
        .with_programme(programme)
        .with_blobs(round.blobs.clone())
}

async fn erased(round: &Round) -> Vec<Record> {
    let all = round.store.list(2025, None).await.expect("list");
    all.into_iter().filter(|r| r.erased_at.is_some()).collect()
}

async fn files_left(round: &Round, reference: &str) -> usize {
    // Deleting again finds what is still there (and the test is done with it).
    let flaky = round.blobs.failing.swap(false, Ordering::SeqCst);
    let left = round.blobs.inner.delete_record_files(reference).await.expect("files").len();
    round.blobs.failing.store(flaky, Ordering::SeqCst);
    left
}

async fn cut_short_then_resumed(store: Arc<dyn Store>) {
    let round = round(store, 12).await;
    // 04:00 in Beijing, past the retention date; no page starts after the first of each run.
    let s = state(&round, "2026-01-05T20:00:00Z");
    let budget = Budget { time: Duration::ZERO, page: 5, at_once: 2 };
    let mut runs: Vec<Purged> = Vec::new();
    loop {
        let done = run(&s, 2025, budget).await.expect("run");
        let finished = done.done;
        runs.push(done);
        let now = erased(&round).await.len();
        let so_far: usize = runs.iter().map(|r| r.past_retention).sum();
        assert_eq!(now, so_far, "every record a run reports is erased, and only those");
        if finished {
            break;
        }
        assert!(runs.len() <= 13, "the pass ends: {runs:#?}");
        assert!(now < 12 || runs.last().is_some_and(|r| r.records > 0), "each run moves on");
    }
    assert!(runs.len() >= 3, "the budget cut the pass into runs: {runs:#?}");
    assert_eq!(runs.iter().map(|r| r.records).sum::<usize>(), 12, "no record looked at twice: {runs:#?}");
    assert_eq!(runs.iter().map(|r| r.past_retention).sum::<usize>(), 12);
    for reference in &round.references {
        assert_eq!(files_left(&round, reference).await, 0, "{reference}: files deleted");
        assert!(round.store.mail_of(reference).await.expect("mail").is_empty(), "{reference}: mail deleted");
    }
    assert!(erased(&round).await.iter().all(|r| r.to_forget.is_none()), "no mark left");
    // The day's pass is done: a later run that day reads its bookmark and nothing else.
    let again = run(&s, 2025, budget).await.expect("run");
    assert_eq!((again.records, again.done), (0, true));
    // The next day's pass walks the round again, every record already erased.
    let next = state(&round, "2026-01-06T19:30:00Z");
    let long = Budget { time: Duration::from_secs(600), ..budget };
    let day = run(&next, 2025, long).await.expect("run");
    assert_eq!((day.records, day.already, day.past_retention, day.done), (12, 12, 0, true));
}

#[tokio::test]
async fn a_purge_cut_short_by_its_budget_resumes_and_finishes_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    cut_short_then_resumed(Arc::new(SqliteStore::open(&dir.path().join("t.sqlite3")).expect("open"))).await;
}

#[tokio::test]
async fn a_purge_cut_short_by_its_budget_resumes_and_finishes_on_dynamodb_local() {
    cut_short_then_resumed(dynamo_store().await).await;
}

async fn failed_delete_retried(store: Arc<dyn Store>) {
    let round = round(store, 3).await;
    round.blobs.failing.store(true, Ordering::SeqCst);
    let budget = Budget { time: Duration::from_secs(600), page: 2, at_once: 2 };
    let first = run(&state(&round, "2026-01-05T20:00:00Z"), 2025, budget).await.expect("run");
    assert_eq!((first.past_retention, first.done), (3, true), "{first:?}");
    let marked = erased(&round).await;
    assert_eq!(marked.len(), 3, "the erasure stands");
    assert!(marked.iter().all(|r| r.to_forget.is_some()), "each record is marked: {marked:#?}");
    for reference in &round.references {
        assert_eq!(files_left(&round, reference).await, 1, "{reference}'s file is still there");
        let key = format!("records/{reference}/{}", handler::ids::random_id());
        round.blobs.inner.write(&key, b"%PDF-1.4 proof").await.expect("file again");
    }
    // The file store is still down the next day: the marks stay, nothing is skipped.
    let still = run(&state(&round, "2026-01-06T20:00:00Z"), 2025, budget).await.expect("run");
    assert_eq!((still.already, still.left_marked, still.finished_later), (3, 3, 0), "{still:?}");
    // It is back the day after: the pass deletes the files and the mail, and clears the marks.
    round.blobs.failing.store(false, Ordering::SeqCst);
    let later = run(&state(&round, "2026-01-07T20:00:00Z"), 2025, budget).await.expect("run");
    assert_eq!((later.already, later.left_marked, later.finished_later), (3, 0, 3), "{later:?}");
    for reference in &round.references {
        assert_eq!(files_left(&round, reference).await, 0, "{reference}: files deleted");
        assert!(round.store.mail_of(reference).await.expect("mail").is_empty(), "{reference}: mail deleted");
    }
    assert!(erased(&round).await.iter().all(|r| r.to_forget.is_none()), "the marks are cleared");
}

#[tokio::test]
async fn a_failed_file_delete_is_retried_by_a_later_purge_on_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    failed_delete_retried(Arc::new(SqliteStore::open(&dir.path().join("t.sqlite3")).expect("open"))).await;
}

#[tokio::test]
async fn a_failed_file_delete_is_retried_by_a_later_purge_on_dynamodb_local() {
    failed_delete_retried(dynamo_store().await).await;
}
