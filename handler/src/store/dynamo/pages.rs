//! A round's applications a page at a time, and bookmarks, on DynamoDB.
//!
//! A page of the whole round reads each of the [`SHARDS`] partitions of `gsi2` from the same key,
//! about 1.5 × `limit / SHARDS` items each, and keeps what sorts before the first item any shard left
//! unread could be: the page is in creation order across shards, and what it drops is read again
//! by the next page (a small share: the shards fill evenly).

use super::{DynamoStore, SHARDS, decode, get_s, round_key, s, scope_key, sdk};
use crate::store::{PageOf, Record, StoreError};
use aws_sdk_dynamodb::types::AttributeValue;

impl DynamoStore {
    /// [`crate::store::Applications::list_page`].
    pub(super) async fn page(
        &self,
        PageOf { round, scope, after, limit }: PageOf<'_>,
    ) -> Result<Vec<Record>, StoreError> {
        let limit = limit.max(1);
        if let Some(scope) = scope {
            let (records, _) = self.query_after("gsi1", scope_key(round, scope), after, limit).await?;
            return Ok(records);
        }
        // Half as much again as an even share, so the cut-off rarely leaves the page short.
        let each = (limit + limit / 2).div_ceil(SHARDS as usize) + 1;
        let shards = (0..SHARDS).map(|n| self.query_after("gsi2", round_key(round, n), after, each));
        let mut records = Vec::new();
        // The first key some shard may still hold unread: nothing at or past it is certain yet.
        let mut cutoff: Option<String> = None;
        for part in futures_util::future::join_all(shards).await {
            let (part, more) = part?;
            if more && let Some(last) = part.last() {
                let key = last.list_key();
                if cutoff.as_ref().is_none_or(|c| key < *c) {
                    cutoff = Some(key);
                }
            }
            records.extend(part);
        }
        records.retain(|r| cutoff.as_ref().is_none_or(|c| r.list_key() <= *c));
        records.sort_by_key(Record::list_key);
        records.truncate(limit);
        Ok(records)
    }

    /// Up to `limit` records of one index partition after the key `after`, and whether the
    /// partition may hold more.
    async fn query_after(
        &self,
        index: &str,
        pk: String,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<Record>, bool), StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .expression_attribute_names("#pk", format!("{index}pk"))
            .expression_attribute_values(":pk", s(pk))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        query = match after {
            Some(after) => query
                .key_condition_expression("#pk = :pk AND #sk > :after")
                .expression_attribute_names("#sk", format!("{index}sk"))
                .expression_attribute_values(":after", s(after)),
            None => query.key_condition_expression("#pk = :pk"),
        };
        let out = query.send().await.map_err(sdk)?;
        let more = out.last_evaluated_key().is_some();
        let records = out.items().iter().map(|item| decode(get_s(item, "record")?)).collect::<Result<_, _>>()?;
        Ok((records, more))
    }

    /// [`crate::store::Applications::bookmark`].
    pub(super) async fn read_bookmark(&self, name: &str) -> Result<Option<String>, StoreError> {
        let item = self.item(format!("MARK#{name}"), "MARK").await?;
        item.map(|item| get_s(&item, "value").map(str::to_owned)).transpose()
    }

    /// [`crate::store::Applications::set_bookmark`].
    pub(super) async fn write_bookmark(&self, name: &str, value: &str) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(format!("MARK#{name}")))
            .item("sk", s("MARK"))
            .item("value", AttributeValue::S(value.to_owned()))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }
}
