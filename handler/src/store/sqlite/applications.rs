//! Applications on SQLite: each change one savepoint on the store's single writer thread.

use super::outbox::charged;
use super::{EventRow, MailRow, SqliteStore, decode, encode, insert_change, unavailable};
use crate::store::{
    Applications, Charge, Created, Event, Mail, NumberUse, PageOf, QuotaChange, Record, StoreError, Transition,
    Transitioned,
};
use policy::{HrScope, Status};
use rusqlite::{OptionalExtension, params};

#[async_trait::async_trait]
impl Applications for SqliteStore {
    async fn create_charged(
        &self,
        record: &Record,
        event: &Event,
        mails: &[Mail],
        charges: &[Charge],
    ) -> Result<Created, StoreError> {
        // Encoding happens here, on the caller's thread, not on the single store thread.
        let record_json = encode(record)?;
        let event = EventRow::new(event)?;
        let mails = mails.iter().map(MailRow::new).collect::<Result<Vec<_>, _>>()?;
        let record = record.clone();
        let charges = charges.to_vec();
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
            // A full counter refuses a new application. Every answer but `New` drops the
            // savepoint: only a stored application is counted.
            for charge in charges {
                if !charged(&tx, &charge)? {
                    return Ok(Created::Limited(charge));
                }
            }
            let inserted = tx.execute(
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
                    record.stream(),
                    record.scope().key(),
                    record_json,
                    record.created_at,
                    record.updated_at
                ],
            );
            // The reference is the primary key: two random references met; nothing is written.
            match inserted {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
                {
                    return Ok(Created::ReferenceTaken);
                }
                other => other.map_err(unavailable)?,
            };
            // The uploads issued for no submission, taken once: a claim already made drops all of
            // this write (the savepoint rolls back when dropped).
            for id in &record.upload_claims {
                let claimed = tx.execute(
                    "INSERT INTO upload_claims (id, reference) VALUES (?1, ?2)",
                    params![id, record.reference],
                );
                match claimed {
                    Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                        return Ok(Created::UploadTaken);
                    }
                    other => other.map_err(unavailable)?,
                };
            }
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
                    // One place per 身份证号 and round, whatever the stream.
                    let holder: Option<String> = tx
                        .query_row(
                            &format!(
                                "SELECT reference FROM applications WHERE round = ?1 AND id_hash = ?2 AND reference <> ?3
                                 AND status IN ({}) LIMIT 1",
                                place_statuses()
                            ),
                            params![record.round, record.id_hash, record.reference],
                            |row| row.get(0),
                        )
                        .optional()
                        .map_err(unavailable)?;
                    if let Some(reference) = holder {
                        return Ok(Transitioned::NumberHasPlace { reference });
                    }
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
                "UPDATE applications SET status = ?2, version = ?3, stream = ?4, scope = ?5, record = ?6, updated_at = ?7
                 WHERE reference = ?1 AND version = ?8",
                params![
                    record.reference,
                    record.status.code(),
                    record.version as i64,
                    record.stream(),
                    record.scope().key(),
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

    async fn reseal(&self, record: &Record) -> Result<bool, StoreError> {
        let record_json = encode(record)?;
        let (reference, version) = (record.reference.clone(), record.version as i64);
        self.with(move |conn| {
            let n = conn
                .execute(
                    "UPDATE applications SET record = ?2 WHERE reference = ?1 AND version = ?3",
                    params![reference, record_json, version],
                )
                .map_err(unavailable)?;
            Ok(n == 1)
        })
        .await
    }

    async fn erase(&self, record: &Record, events: &[Event]) -> Result<bool, StoreError> {
        let record_json = encode(record)?;
        let events = events.iter().map(EventRow::new).collect::<Result<Vec<_>, _>>()?;
        let (reference, version, id_hash) = (record.reference.clone(), record.version as i64, record.id_hash.clone());
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            let n = tx
                .execute(
                    // The keyed hash goes too (the erased record's own): nothing finds it by the number.
                    "UPDATE applications SET record = ?2, id_hash = ?3 WHERE reference = ?1 AND version = ?4",
                    params![reference, record_json, id_hash, version],
                )
                .map_err(unavailable)?;
            if n != 1 {
                return Ok(false);
            }
            for event in &events {
                tx.execute(
                    "UPDATE events SET event = ?3 WHERE reference = ?1 AND seq = ?2",
                    params![reference, event.seq, event.json],
                )
                .map_err(unavailable)?;
            }
            tx.commit().map_err(unavailable)?;
            Ok(true)
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

    async fn by_number(&self, round: i32, id_hash: &str) -> Result<Vec<String>, StoreError> {
        let id_hash = id_hash.to_owned();
        self.with(move |conn| {
            let mut stmt = conn
                .prepare("SELECT reference FROM applications WHERE round = ?1 AND id_hash = ?2 ORDER BY reference")
                .map_err(unavailable)?;
            let rows = stmt.query_map(params![round, id_hash], |row| row.get::<_, String>(0)).map_err(unavailable)?;
            rows.map(|r| r.map_err(unavailable)).collect()
        })
        .await
    }

    async fn shared_numbers(&self, round: i32, id_hashes: &[String]) -> Result<Vec<NumberUse>, StoreError> {
        let hashes = id_hashes.to_vec();
        self.with(move |conn| {
            let mut out = Vec::new();
            // Bound parameters stay well under SQLite's limit.
            for chunk in hashes.chunks(500) {
                let marks = vec!["?"; chunk.len()].join(", ");
                let sql = format!(
                    "SELECT id_hash, reference, status, stream FROM applications WHERE round = {round} AND id_hash IN (
                       SELECT id_hash FROM applications WHERE round = {round} AND id_hash IN ({marks})
                       GROUP BY id_hash HAVING count(*) > 1)
                     ORDER BY created_at, reference"
                );
                let mut stmt = conn.prepare(&sql).map_err(unavailable)?;
                let rows = stmt
                    .query_map(rusqlite::params_from_iter(chunk), |row| {
                        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?, row.get(3)?))
                    })
                    .map_err(unavailable)?;
                for row in rows {
                    let (id_hash, reference, status, stream) = row.map_err(unavailable)?;
                    let status = Status::from_code(&status)
                        .ok_or_else(|| StoreError::internal(format!("{reference}: unknown status {status}")))?;
                    out.push(NumberUse { id_hash, reference, status, stream });
                }
            }
            Ok(out)
        })
        .await
    }

    async fn list(&self, round: i32, scope: Option<&HrScope>) -> Result<Vec<Record>, StoreError> {
        let scope = scope.map(|s| s.key().to_owned());
        self.with(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT record FROM applications WHERE round = ?1 AND (?2 IS NULL OR scope = ?2)
                     ORDER BY created_at, reference",
                )
                .map_err(unavailable)?;
            let rows = stmt.query_map(params![round, scope], |row| row.get::<_, String>(0)).map_err(unavailable)?;
            rows.map(|r| r.map_err(unavailable).and_then(|t| decode(&t))).collect()
        })
        .await
    }

    async fn list_page(&self, page: PageOf<'_>) -> Result<Vec<Record>, StoreError> {
        self.page(page).await
    }

    async fn bookmark(&self, name: &str) -> Result<Option<String>, StoreError> {
        self.read_bookmark(name).await
    }

    async fn set_bookmark(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.write_bookmark(name, value).await
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

    async fn ping(&self) -> Result<(), StoreError> {
        self.with(|conn| conn.query_row("SELECT 1", [], |_| Ok(())).map_err(unavailable)).await
    }
}

/// The statuses that hold a quota place, as an SQL list (`'recommended', …`).
fn place_statuses() -> String {
    let codes: Vec<String> =
        Status::ALL.iter().filter(|s| s.holds_place()).map(|s| format!("'{}'", s.code())).collect();
    codes.join(", ")
}
