//! The embedded SQLite store used by `tepei serve`.

use super::{Created, Event, Mail, QuotaChange, Record, Store, StoreError, Transition, Transitioned};
use policy::Status;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::Arc;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -16384;
PRAGMA mmap_size = 268435456;
PRAGMA temp_store = MEMORY;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS applications (
  reference TEXT PRIMARY KEY,
  round INTEGER NOT NULL,
  id_hash TEXT NOT NULL,
  submission_id TEXT NOT NULL UNIQUE,
  body_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  version INTEGER NOT NULL,
  stream TEXT NOT NULL,
  scope TEXT NOT NULL,
  record TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (round, id_hash)
);
CREATE INDEX IF NOT EXISTS applications_scope ON applications (scope, status, created_at);
CREATE TABLE IF NOT EXISTS events (
  reference TEXT NOT NULL REFERENCES applications (reference),
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (reference, seq)
);
CREATE TABLE IF NOT EXISTS quotas (
  key TEXT PRIMARY KEY,
  used INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL,
  mail TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL DEFAULT 0,
  sent_at TEXT,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sent_at, due_at);
";

/// A call: runs against the connection, and returns how to answer once the batch has committed.
type Job = Box<dyn FnOnce(&mut Connection) -> Reply + Send>;
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// Calls answered together at most.
const BATCH: usize = 64;
/// A checkpoint waits for this much quiet ...
const QUIET_MS: u64 = 200;
/// ... unless this many writes have piled up in the WAL since the last one.
const FORCE_AFTER_WRITES: u64 = 10_000;

/// What the checkpointer needs to know about the writer.
#[derive(Default)]
struct Activity {
    /// Milliseconds since `epoch` at the end of the last batch.
    last_ms: std::sync::atomic::AtomicU64,
    /// Calls since the last checkpoint.
    writes: std::sync::atomic::AtomicU64,
}

/// SQLite owned by one thread that runs calls in arrival order (fair under load, unlike a
/// contended mutex). Calls that queue up while one runs are committed together (group commit):
/// each inside its own savepoint, all under one transaction, and no call is answered before that
/// transaction has committed. WAL checkpoints run on a second connection, off the request path,
/// in quiet moments (or every 10,000 writes under sustained load).
#[derive(Clone)]
pub struct SqliteStore {
    jobs: std::sync::mpsc::Sender<Job>,
    _alive: Arc<()>,
}

fn internal(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(e.to_string())
}

fn unavailable(e: rusqlite::Error) -> StoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(
                f.code,
                rusqlite::ErrorCode::DatabaseBusy
                    | rusqlite::ErrorCode::DatabaseLocked
                    | rusqlite::ErrorCode::CannotOpen
                    | rusqlite::ErrorCode::DiskFull
                    | rusqlite::ErrorCode::SystemIoFailure
                    | rusqlite::ErrorCode::ReadOnly
            ) =>
        {
            StoreError::Unavailable(e.to_string())
        }
        _ => internal(e),
    }
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(internal)
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(internal)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path).map_err(unavailable)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(unavailable)?;
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        // Commits never checkpoint; the thread below does.
        conn.execute_batch("PRAGMA wal_autocheckpoint = 0;").map_err(unavailable)?;
        let checkpointer = Connection::open(path).map_err(unavailable)?;
        checkpointer.busy_timeout(std::time::Duration::from_secs(5)).map_err(unavailable)?;
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let activity = Arc::new(Activity::default());
        let epoch = std::time::Instant::now();
        let writer = activity.clone();
        std::thread::Builder::new()
            .name("sqlite-store".into())
            .spawn(move || {
                let mut conn = conn;
                while let Ok(first) = queue.recv() {
                    let mut batch = vec![first];
                    while batch.len() < BATCH {
                        match queue.try_recv() {
                            Ok(job) => batch.push(job),
                            Err(_) => break,
                        }
                    }
                    // If BEGIN fails, each call's savepoint is its own transaction: still atomic.
                    let outer = conn.execute_batch("BEGIN IMMEDIATE").is_ok();
                    let replies: Vec<Reply> = batch.into_iter().map(|job| job(&mut conn)).collect();
                    let committed = if outer { conn.execute_batch("COMMIT").map_err(unavailable) } else { Ok(()) };
                    if committed.is_err() {
                        conn.execute_batch("ROLLBACK").ok();
                    }
                    writer.writes.fetch_add(replies.len() as u64, std::sync::atomic::Ordering::Relaxed);
                    writer.last_ms.store(epoch.elapsed().as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
                    for reply in replies {
                        reply(committed.clone());
                    }
                }
            })
            .map_err(internal)?;
        let alive = Arc::new(());
        let weak = Arc::downgrade(&alive);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                // A checkpoint (with its fsync) slows concurrent commits, so it runs in a quiet
                // moment, or after FORCE_AFTER_WRITES under sustained load to bound the WAL.
                use std::sync::atomic::Ordering::Relaxed;
                while weak.strong_count() > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    let writes = activity.writes.load(Relaxed);
                    let quiet = epoch.elapsed().as_millis() as u64 >= activity.last_ms.load(Relaxed) + QUIET_MS;
                    if writes == 0 || !(quiet || writes >= FORCE_AFTER_WRITES) {
                        continue;
                    }
                    match checkpointer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                        Ok(()) => {
                            activity.writes.fetch_sub(writes, Relaxed);
                        }
                        Err(e) => tracing::warn!(error = %e, "SQLite checkpoint failed; will retry"),
                    }
                }
            })
            .map_err(internal)?;
        Ok(Self { jobs, _alive: alive })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let result = f(conn);
                Box::new(move |committed: Result<(), StoreError>| {
                    let _ = reply.send(committed.and(result));
                })
            }))
            .map_err(|_| StoreError::Unavailable("the store thread has stopped".into()))?;
        answer.await.map_err(|_| StoreError::Internal("the store thread dropped a call".into()))?
    }
}

/// An event encoded before it reaches the store thread.
struct EventRow {
    seq: u32,
    json: String,
}

/// A mail encoded before it reaches the store thread.
struct MailRow {
    id: String,
    reference: String,
    created_at: String,
    json: String,
}

impl EventRow {
    fn new(event: &Event) -> Result<Self, StoreError> {
        Ok(Self { seq: event.seq, json: encode(event)? })
    }
}

impl MailRow {
    fn new(mail: &Mail) -> Result<Self, StoreError> {
        Ok(Self {
            id: mail.id.clone(),
            reference: mail.reference.clone(),
            created_at: mail.created_at.clone(),
            json: encode(mail)?,
        })
    }
}

fn insert_event(tx: &rusqlite::Savepoint<'_>, reference: &str, event: &EventRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO events (reference, seq, event) VALUES (?1, ?2, ?3)",
        params![reference, event.seq, event.json],
    )
    .map_err(unavailable)?;
    Ok(())
}

fn insert_mail(tx: &rusqlite::Savepoint<'_>, mail: &MailRow) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (id, reference, mail, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![mail.id, mail.reference, mail.json, mail.created_at],
    )
    .map_err(unavailable)?;
    Ok(())
}

/// The event and mails that accompany a change, in its savepoint.
fn insert_change(
    tx: &rusqlite::Savepoint<'_>,
    reference: &str,
    event: &EventRow,
    mails: &[MailRow],
) -> Result<(), StoreError> {
    insert_event(tx, reference, event)?;
    for mail in mails {
        insert_mail(tx, mail)?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn create(&self, record: &Record, event: &Event, mails: &[Mail]) -> Result<Created, StoreError> {
        // Encoding happens here, on the caller's thread, not on the single store thread.
        let record_json = encode(record)?;
        let event = EventRow::new(event)?;
        let mails = mails.iter().map(MailRow::new).collect::<Result<Vec<_>, _>>()?;
        let record = record.clone();
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            let earlier: Option<String> = tx
                .query_row(
                    "SELECT record FROM applications WHERE submission_id = ?1",
                    params![record.submission_id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            if let Some(earlier) = earlier {
                let existing: Record = decode(&earlier)?;
                let same_body = existing.body_hash == record.body_hash;
                return Ok(Created::SameSubmission { existing: Box::new(existing), same_body });
            }
            let taken: bool = tx
                .query_row(
                    "SELECT 1 FROM applications WHERE round = ?1 AND id_hash = ?2",
                    params![record.round, record.id_hash],
                    |_| Ok(true),
                )
                .optional()
                .map_err(unavailable)?
                .unwrap_or(false);
            if taken {
                return Ok(Created::DuplicateIdNumber);
            }
            let reference_taken: bool = tx
                .query_row("SELECT 1 FROM applications WHERE reference = ?1", params![record.reference], |_| Ok(true))
                .optional()
                .map_err(unavailable)?
                .unwrap_or(false);
            if reference_taken {
                return Ok(Created::ReferenceTaken);
            }
            tx.execute(
                "INSERT INTO applications (reference, round, id_hash, submission_id, body_hash, status, version, stream, scope, record, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    record.reference,
                    record.round,
                    record.id_hash,
                    record.submission_id,
                    record.body_hash,
                    record.status.code(),
                    record.version as i64,
                    record.stream,
                    record.scope,
                    record_json,
                    record.created_at,
                    record.updated_at
                ],
            )
            .map_err(unavailable)?;
            insert_change(&tx, &record.reference, &event, &mails)?;
            tx.commit().map_err(unavailable)?;
            Ok(Created::New)
        })
        .await
    }

    async fn transition(&self, change: &Transition) -> Result<Transitioned, StoreError> {
        let record_json = encode(&change.record)?;
        let event = EventRow::new(&change.event)?;
        let mails = change.mails.iter().map(MailRow::new).collect::<Result<Vec<_>, _>>()?;
        let (record, expected, quota) = (change.record.clone(), change.expected_version, change.quota.clone());
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            let current: Option<String> = tx
                .query_row("SELECT record FROM applications WHERE reference = ?1", params![record.reference], |row| row.get(0))
                .optional()
                .map_err(unavailable)?;
            let Some(current) = current else { return Ok(Transitioned::NotFound) };
            let current: Record = decode(&current)?;
            if current.version != expected {
                return Ok(Transitioned::Stale(Box::new(current)));
            }
            match &quota {
                Some(QuotaChange::Take { key, cap }) => {
                    let used: u32 = tx
                        .query_row("SELECT used FROM quotas WHERE key = ?1", params![key], |row| row.get(0))
                        .optional()
                        .map_err(unavailable)?
                        .unwrap_or(0);
                    if used >= *cap {
                        return Ok(Transitioned::QuotaFull { used, cap: *cap });
                    }
                    tx.execute(
                        "INSERT INTO quotas (key, used) VALUES (?1, 1) ON CONFLICT (key) DO UPDATE SET used = used + 1",
                        params![key],
                    )
                    .map_err(unavailable)?;
                }
                Some(QuotaChange::Release { key }) => {
                    tx.execute("UPDATE quotas SET used = used - 1 WHERE key = ?1 AND used > 0", params![key]).map_err(unavailable)?;
                }
                None => {}
            }
            tx.execute(
                "UPDATE applications SET status = ?2, version = ?3, scope = ?4, record = ?5, updated_at = ?6 WHERE reference = ?1 AND version = ?7",
                params![
                    record.reference,
                    record.status.code(),
                    record.version as i64,
                    record.scope,
                    record_json,
                    record.updated_at,
                    expected as i64
                ],
            )
            .map_err(unavailable)?;
            insert_change(&tx, &record.reference, &event, &mails)?;
            tx.commit().map_err(unavailable)?;
            Ok(Transitioned::Done)
        })
        .await
    }

    async fn enqueue(&self, mails: &[Mail]) -> Result<(), StoreError> {
        let mails = mails.iter().map(MailRow::new).collect::<Result<Vec<_>, _>>()?;
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            for mail in &mails {
                insert_mail(&tx, mail)?;
            }
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn get(&self, reference: &str) -> Result<Option<Record>, StoreError> {
        let reference = reference.to_owned();
        self.with(move |conn| {
            let text: Option<String> = conn
                .query_row("SELECT record FROM applications WHERE reference = ?1", params![reference], |row| row.get(0))
                .optional()
                .map_err(unavailable)?;
            text.map(|t| decode(&t)).transpose()
        })
        .await
    }

    async fn list(&self, scope: Option<&str>, status: Option<Status>) -> Result<Vec<Record>, StoreError> {
        let scope = scope.map(str::to_owned);
        self.with(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT record FROM applications WHERE (?1 IS NULL OR scope = ?1) AND (?2 IS NULL OR status = ?2)
                     ORDER BY created_at, reference",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(params![scope, status.map(Status::code)], |row| row.get::<_, String>(0))
                .map_err(unavailable)?;
            rows.map(|r| r.map_err(unavailable).and_then(|t| decode(&t))).collect()
        })
        .await
    }

    async fn events(&self, reference: &str) -> Result<Vec<Event>, StoreError> {
        let reference = reference.to_owned();
        self.with(move |conn| {
            let mut stmt =
                conn.prepare("SELECT event FROM events WHERE reference = ?1 ORDER BY seq").map_err(unavailable)?;
            let rows = stmt.query_map(params![reference], |row| row.get::<_, String>(0)).map_err(unavailable)?;
            rows.map(|r| r.map_err(unavailable).and_then(|t| decode(&t))).collect()
        })
        .await
    }

    async fn quota_used(&self, key: &str) -> Result<u32, StoreError> {
        let key = key.to_owned();
        self.with(move |conn| {
            conn.query_row("SELECT used FROM quotas WHERE key = ?1", params![key], |row| row.get(0))
                .optional()
                .map(Option::unwrap_or_default)
                .map_err(unavailable)
        })
        .await
    }

    async fn claim_mail(&self, now: i64, lease: i64, limit: usize) -> Result<Vec<Mail>, StoreError> {
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            let mut mails = Vec::new();
            {
                let mut stmt = tx
                    .prepare(
                        "UPDATE outbox SET due_at = ?1 WHERE id IN (
                           SELECT id FROM outbox WHERE sent_at IS NULL AND due_at <= ?2 ORDER BY created_at, id LIMIT ?3)
                         RETURNING mail, attempts",
                    )
                    .map_err(unavailable)?;
                let rows = stmt
                    .query_map(params![now + lease, now, limit as i64], |row| Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?)))
                    .map_err(unavailable)?;
                for row in rows {
                    let (text, attempts) = row.map_err(unavailable)?;
                    let mut mail: Mail = decode(&text)?;
                    mail.attempts = attempts;
                    mails.push(mail);
                }
            }
            tx.commit().map_err(unavailable)?;
            mails.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
            Ok(mails)
        })
        .await
    }

    async fn mail_sent(&self, id: &str, at: &str) -> Result<(), StoreError> {
        let (id, at) = (id.to_owned(), at.to_owned());
        self.with(move |conn| {
            conn.execute("UPDATE outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1", params![id, at])
                .map(|_| ())
                .map_err(unavailable)
        })
        .await
    }

    async fn mail_failed(&self, id: &str, retry_at: i64, error: &str) -> Result<(), StoreError> {
        let (id, error) = (id.to_owned(), error.to_owned());
        self.with(move |conn| {
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, due_at = ?2, last_error = ?3 WHERE id = ?1 AND sent_at IS NULL",
                params![id, retry_at, error],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
        .await
    }

    async fn unsent_mail(&self) -> Result<usize, StoreError> {
        self.with(|conn| {
            conn.query_row("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL", [], |row| row.get::<_, i64>(0))
                .map(|n| n as usize)
                .map_err(unavailable)
        })
        .await
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.with(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(unavailable)).await
    }
}
