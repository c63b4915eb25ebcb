//! The embedded SQLite store used by `tepei serve`.

use super::{Created, Event, Mail, Record, Store, StoreError};
use policy::Status;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
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

/// SQLite behind a mutex; every call runs on the blocking pool.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
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
        Self::init(conn)
    }

    /// A private in-memory database (tests of other parts; the contract suite uses files).
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(unavailable)?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(unavailable)?;
        conn.execute_batch(SCHEMA).map_err(unavailable)?;
        Ok(Self { conn: Arc::new(Mutex::new(conn)) })
    }

    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().map_err(|_| internal("store lock poisoned"))?;
            f(&mut guard)
        })
        .await
        .map_err(internal)?
    }
}

fn insert_event(tx: &rusqlite::Transaction<'_>, reference: &str, event: &Event) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO events (reference, seq, event) VALUES (?1, ?2, ?3)",
        params![reference, event.seq, encode(event)?],
    )
    .map_err(unavailable)?;
    Ok(())
}

fn insert_mail(tx: &rusqlite::Transaction<'_>, mail: &Mail) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO outbox (id, reference, mail, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![mail.id, mail.reference, encode(mail)?, mail.created_at],
    )
    .map_err(unavailable)?;
    Ok(())
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn create(&self, record: &Record, event: &Event, mails: &[Mail]) -> Result<Created, StoreError> {
        let (record, event, mails) = (record.clone(), event.clone(), mails.to_vec());
        self.with(move |conn| {
            let tx = conn.transaction().map_err(unavailable)?;
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
                    encode(&record)?,
                    record.created_at,
                    record.updated_at
                ],
            )
            .map_err(unavailable)?;
            insert_event(&tx, &record.reference, &event)?;
            for mail in &mails {
                insert_mail(&tx, mail)?;
            }
            tx.commit().map_err(unavailable)?;
            Ok(Created::New)
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
            let tx = conn.transaction().map_err(unavailable)?;
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
