//! The outbox on SQLite: due mail leased by one `UPDATE … RETURNING`.

use super::{MailRow, SqliteStore, decode, insert_mail, unavailable};
use crate::store::{Charge, Counters, Mail, MailHeld, MailQueue, StoreError, SummarySent};
use rusqlite::{OptionalExtension, params};

#[async_trait::async_trait]
impl MailQueue for SqliteStore {
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

    async fn claim_mail(&self, now: i64, lease: i64, limit: usize) -> Result<Vec<Mail>, StoreError> {
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            let mut mails = Vec::new();
            {
                let mut stmt = tx
                    .prepare(
                        "UPDATE outbox SET due_at = ?1 WHERE id IN (
                           SELECT id FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL AND due_at <= ?2 ORDER BY due_at, created_at, id LIMIT ?3)
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

    async fn claim_mail_id(&self, id: &str, now: i64, lease: i64) -> Result<Option<Mail>, StoreError> {
        let id = id.to_owned();
        self.with(move |conn| {
            let row = conn
                .query_row(
                    "UPDATE outbox SET due_at = ?1
                     WHERE id = ?2 AND sent_at IS NULL AND dead_at IS NULL AND due_at <= ?3
                     RETURNING mail, attempts",
                    params![now + lease, id, now],
                    |row| Ok((row.get::<_, String>(0)?, row.get::<_, u32>(1)?)),
                )
                .optional()
                .map_err(unavailable)?;
            row.map(|(text, attempts)| {
                let mut mail: Mail = decode(&text)?;
                mail.attempts = attempts;
                Ok(mail)
            })
            .transpose()
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
                "UPDATE outbox SET attempts = attempts + 1, due_at = ?2, last_error = ?3 WHERE id = ?1 AND sent_at IS NULL AND dead_at IS NULL",
                params![id, retry_at, error],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
        .await
    }

    async fn mail_dead(&self, id: &str, at: &str, error: &str) -> Result<(), StoreError> {
        let (id, at, error) = (id.to_owned(), at.to_owned(), error.to_owned());
        self.with(move |conn| {
            conn.execute(
                "UPDATE outbox SET attempts = attempts + 1, dead_at = ?2, last_error = ?3
                 WHERE id = ?1 AND sent_at IS NULL AND dead_at IS NULL",
                params![id, at, error],
            )
            .map(|_| ())
            .map_err(unavailable)
        })
        .await
    }

    async fn dead_mail(&self) -> Result<usize, StoreError> {
        self.with(|conn| {
            conn.query_row("SELECT COUNT(*) FROM outbox WHERE dead_at IS NOT NULL", [], |row| row.get::<_, i64>(0))
                .map(|n| n as usize)
                .map_err(unavailable)
        })
        .await
    }

    async fn unsent_mail(&self) -> Result<usize, StoreError> {
        self.with(|conn| {
            conn.query_row("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND dead_at IS NULL", [], |row| {
                row.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .map_err(unavailable)
        })
        .await
    }

    async fn mail_of(&self, reference: &str) -> Result<Vec<MailHeld>, StoreError> {
        let reference = reference.to_owned();
        self.with(move |conn| {
            let mut stmt = conn
                .prepare(
                    "SELECT id, sent_at IS NULL AND dead_at IS NULL FROM outbox
                     WHERE reference = ?1 OR id IN (SELECT mail_id FROM mail_about WHERE reference = ?1)
                     ORDER BY created_at, id",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(params![reference], |row| Ok(MailHeld { id: row.get(0)?, pending: row.get(1)? }))
                .map_err(unavailable)?;
            rows.map(|r| r.map_err(unavailable)).collect()
        })
        .await
    }

    async fn delete_mail(&self, reference: &str, ids: &[String]) -> Result<(), StoreError> {
        let (reference, ids) = (reference.to_owned(), ids.to_vec());
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            for id in &ids {
                tx.execute("DELETE FROM outbox WHERE id = ?1", params![id]).map_err(unavailable)?;
                tx.execute("DELETE FROM mail_about WHERE mail_id = ?1", params![id]).map_err(unavailable)?;
            }
            tx.execute("DELETE FROM mail_about WHERE reference = ?1", params![reference]).map_err(unavailable)?;
            tx.commit().map_err(unavailable)
        })
        .await
    }

    async fn last_summary(&self, round: i32, scope: &str) -> Result<Option<SummarySent>, StoreError> {
        let scope = scope.to_owned();
        self.with(move |conn| {
            let text: Option<String> = conn
                .query_row("SELECT sent FROM summaries WHERE round = ?1 AND scope = ?2", params![round, scope], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            text.map(|t| decode(&t)).transpose()
        })
        .await
    }

    async fn summary_sent(&self, sent: &SummarySent, mail: &Mail) -> Result<bool, StoreError> {
        let mail = MailRow::new(mail)?;
        let (round, scope, seq, json) = (sent.round, sent.scope.clone(), sent.seq, super::encode(sent)?);
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            let last: Option<u32> = tx
                .query_row("SELECT seq FROM summaries WHERE round = ?1 AND scope = ?2", params![round, scope], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            if last.unwrap_or(0) + 1 != seq {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO summaries (round, scope, seq, sent) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (round, scope) DO UPDATE SET seq = excluded.seq, sent = excluded.sent",
                params![round, scope, seq, json],
            )
            .map_err(unavailable)?;
            insert_mail(&tx, &mail)?;
            tx.commit().map_err(unavailable)?;
            Ok(true)
        })
        .await
    }
}

#[async_trait::async_trait]
impl Counters for SqliteStore {
    async fn hit(&self, key: &str, window_start: i64, _window: i64) -> Result<u32, StoreError> {
        let key = key.to_owned();
        self.with(move |conn| {
            let tx = conn.savepoint().map_err(unavailable)?;
            let hits = count_hit(&tx, &key, window_start, None)?.unwrap_or(u32::MAX);
            tx.commit().map_err(unavailable)?;
            Ok(hits)
        })
        .await
    }
}

/// Counts `charge` in `tx` unless its window already holds `max` hits: `false` when full.
pub(super) fn charged(tx: &rusqlite::Savepoint<'_>, charge: &Charge) -> Result<bool, StoreError> {
    Ok(count_hit(tx, &charge.key, charge.window_start, Some(charge.max))?.is_some())
}

/// One hit on `key` in the window starting at `window_start`, only while it holds fewer than
/// `below` when given: the hits so far, or `None` when full (nothing counted).
fn count_hit(
    tx: &rusqlite::Savepoint<'_>,
    key: &str,
    window_start: i64,
    below: Option<u32>,
) -> Result<Option<u32>, StoreError> {
    if below == Some(0) {
        return Ok(None);
    }
    // Older windows of this key are done with.
    tx.execute("DELETE FROM counters WHERE key = ?1 AND window_start < ?2", params![key, window_start])
        .map_err(unavailable)?;
    tx.query_row(
        "INSERT INTO counters (key, window_start, hits) VALUES (?1, ?2, 1)
         ON CONFLICT (key, window_start) DO UPDATE SET hits = hits + 1 WHERE ?3 IS NULL OR hits < ?3
         RETURNING hits",
        params![key, window_start, below],
        |row| row.get(0),
    )
    .optional()
    .map_err(unavailable)
}
