//! A round's applications a page at a time, and bookmarks, on SQLite.

use super::{SqliteStore, decode, unavailable};
use crate::store::{PageOf, Record, StoreError};
use rusqlite::{OptionalExtension, params};

impl SqliteStore {
    /// [`crate::store::Applications::list_page`].
    pub(super) async fn page(
        &self,
        PageOf { round, scope, after, limit }: PageOf<'_>,
    ) -> Result<Vec<Record>, StoreError> {
        let scope = scope.map(|s| s.key().to_owned());
        // The key is `created_at#reference`; neither part holds a `#`.
        let (created, reference) = match after.and_then(|a| a.split_once('#')) {
            Some((c, r)) => (c.to_owned(), r.to_owned()),
            None => (String::new(), String::new()),
        };
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(move |conn| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT record FROM applications
                     WHERE round = ?1 AND (?2 IS NULL OR scope = ?2) AND (created_at, reference) > (?3, ?4)
                     ORDER BY created_at, reference LIMIT ?5",
                )
                .map_err(unavailable)?;
            let rows = stmt
                .query_map(params![round, scope, created, reference, limit], |row| row.get::<_, String>(0))
                .map_err(unavailable)?;
            rows.map(|r| r.map_err(unavailable).and_then(|t| decode(&t))).collect()
        })
        .await
    }

    /// [`crate::store::Applications::bookmark`].
    pub(super) async fn read_bookmark(&self, name: &str) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        self.with(move |conn| {
            conn.query_row("SELECT value FROM bookmarks WHERE name = ?1", params![name], |row| row.get(0))
                .optional()
                .map_err(unavailable)
        })
        .await
    }

    /// [`crate::store::Applications::set_bookmark`].
    pub(super) async fn write_bookmark(&self, name: &str, value: &str) -> Result<(), StoreError> {
        let (name, value) = (name.to_owned(), value.to_owned());
        self.with(move |conn| {
            conn.execute(
                "INSERT INTO bookmarks (name, value) VALUES (?1, ?2)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                params![name, value],
            )
            .map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
