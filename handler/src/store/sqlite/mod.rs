//! The embedded SQLite store used by `tepei serve`.

mod applications;
mod outbox;
mod pages;

use super::{Event, Mail, StoreError};
use rusqlite::{Connection, params};
use std::path::Path;
use std::sync::Arc;

/// The columns of the applications table.
const APPLICATIONS_COLUMNS: &str = "(
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
  updated_at TEXT NOT NULL
)";

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
PRAGMA cache_size = -16384;
PRAGMA mmap_size = 268435456;
PRAGMA temp_store = MEMORY;
PRAGMA foreign_keys = ON;
PRAGMA secure_delete = ON;
CREATE INDEX IF NOT EXISTS applications_scope ON applications (scope, status, created_at);
CREATE INDEX IF NOT EXISTS applications_round ON applications (round, created_at, reference);
CREATE TABLE IF NOT EXISTS bookmarks (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
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
CREATE TABLE IF NOT EXISTS upload_claims (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL,
  mail TEXT NOT NULL,
  created_at TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL DEFAULT 0,
  sent_at TEXT,
  last_error TEXT,
  dead_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_reference ON outbox (reference);
CREATE TABLE IF NOT EXISTS mail_about (
  reference TEXT NOT NULL,
  mail_id TEXT NOT NULL,
  PRIMARY KEY (reference, mail_id)
);
DROP INDEX IF EXISTS outbox_due;
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox (due_at) WHERE sent_at IS NULL AND dead_at IS NULL;
CREATE TABLE IF NOT EXISTS counters (
  key TEXT NOT NULL,
  window_start INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  PRIMARY KEY (key, window_start)
);
CREATE TABLE IF NOT EXISTS summaries (
  round INTEGER NOT NULL,
  scope TEXT NOT NULL,
  seq INTEGER NOT NULL,
  sent TEXT NOT NULL,
  PRIMARY KEY (round, scope)
);
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

fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> StoreError {
    StoreError::internal(e)
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
            StoreError::unavailable(e)
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

/// The database file readable by its owner only (mode 0600), created so if new; SQLite gives
/// its `-wal` and `-shm` files the database file's mode, and any already there are set too.
fn private_files(path: &Path) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(|e| StoreError::unavailable(crate::store::Cause::because(path.display().to_string(), e)))?;
        for suffix in ["", "-wal", "-shm"] {
            let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
            if file.exists() {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
                    StoreError::unavailable(crate::store::Cause::because(file.display().to_string(), e))
                })?;
            }
        }
    }
    Ok(())
}

/// Applications found by their 身份证号's keyed hash. Any number of applications may carry one
/// number: the unique index of data folders made before goes.
const IDENTITY_INDEX: &str = "
DROP INDEX IF EXISTS applications_identity;
CREATE INDEX IF NOT EXISTS applications_number ON applications (round, id_hash);
";

/// Data folders made before withdrawals released the number hold it in a table constraint:
/// rebuild that table without it (SQLite cannot drop a constraint).
const DROP_OLD_IDENTITY_CONSTRAINT: &str = "
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE applications_new {columns};
INSERT INTO applications_new SELECT * FROM applications;
DROP TABLE applications;
ALTER TABLE applications_new RENAME TO applications;
COMMIT;
PRAGMA foreign_keys = ON;
";

fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let outbox: Option<String> =
        conn.query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'", [], |r| r.get(0)).ok();
    if outbox.is_some_and(|sql| !sql.contains("dead_at")) {
        conn.execute_batch("ALTER TABLE outbox ADD COLUMN dead_at TEXT;").map_err(unavailable)?;
    }
    let old: Option<String> = conn
        .query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'applications'", [], |r| r.get(0))
        .ok();
    if old.is_some_and(|sql| sql.contains("UNIQUE (round, id_hash)")) {
        let rebuild = DROP_OLD_IDENTITY_CONSTRAINT.replace("{columns}", APPLICATIONS_COLUMNS);
        conn.execute_batch(&rebuild).map_err(unavailable)?;
    }
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        private_files(path)?;
        let conn = Connection::open(path).map_err(unavailable)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(unavailable)?;
        migrate(&conn)?;
        conn.execute_batch(&format!("CREATE TABLE IF NOT EXISTS applications {APPLICATIONS_COLUMNS};"))
            .map_err(unavailable)?;
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        conn.execute_batch(IDENTITY_INDEX).map_err(unavailable)?;
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
                    // In a quiet moment the WAL is emptied too, so the old page images of an
                    // erased record do not linger there (the database zeroes freed space itself:
                    // secure_delete).
                    let mode = if quiet { "TRUNCATE" } else { "PASSIVE" };
                    match checkpointer.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |_| Ok(())) {
                        Ok(()) => {
                            activity.writes.fetch_sub(writes, Relaxed);
                        }
                        Err(e) => tracing::warn!(error = %crate::Chain(&e), "SQLite checkpoint failed; will retry"),
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
            .map_err(|_| StoreError::unavailable("the store thread has stopped"))?;
        answer.await.map_err(|_| StoreError::internal("the store thread dropped a call"))?
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
    /// The other applications it names (`mail_about`).
    about: Vec<String>,
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
            about: mail.about.clone(),
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
    for reference in &mail.about {
        tx.execute(
            "INSERT OR IGNORE INTO mail_about (reference, mail_id) VALUES (?1, ?2)",
            params![reference, mail.id],
        )
        .map_err(unavailable)?;
    }
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
