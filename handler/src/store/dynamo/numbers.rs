//! A 身份证号's applications on DynamoDB: one item per application under the number's keyed hash
//! (found by one query), and the one item naming the application that holds the number's quota
//! place in a round.

use super::{DynamoStore, Item, get_s, s, sdk};
use crate::store::{Applications, NumberUse, Record, StoreError};
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use std::collections::HashMap;

/// The partition of a 身份证号 (its keyed hash) in a round: one item per application that
/// carries it (sort key `APP#{reference}`), so its applications are found by one query.
pub(super) fn number_key(round: i32, id_hash: &str) -> String {
    format!("IDN#{round}#{id_hash}")
}

/// The item naming the one application of a 身份证号 that holds a quota place in a round.
pub(super) fn place_key(round: i32, id_hash: &str) -> Item {
    HashMap::from([("pk".into(), s(format!("PLACE#{round}#{id_hash}"))), ("sk".into(), s("PLACE"))])
}

impl DynamoStore {
    /// Takes the 身份证号's place for `record` (unless another application holds it), or gives it
    /// back if `record` holds it.
    pub(super) fn place(&self, record: &Record, take: bool) -> Result<TransactWriteItem, StoreError> {
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::internal(e);
        // Either way, only while nobody else holds it.
        let condition = "attribute_not_exists(pk) OR #reference = :reference";
        let names = HashMap::from([("#reference".to_owned(), "reference".to_owned())]);
        let values = HashMap::from([(":reference".to_owned(), s(&record.reference))]);
        let key = place_key(record.round, &record.id_hash);
        let item = if take {
            let mut item = key;
            item.insert("reference".into(), s(&record.reference));
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression(condition)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .build()
                .map_err(build)?;
            TransactWriteItem::builder().put(put).build()
        } else {
            let delete = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .condition_expression(condition)
                .set_expression_attribute_names(Some(names))
                .set_expression_attribute_values(Some(values))
                .build()
                .map_err(build)?;
            TransactWriteItem::builder().delete(delete).build()
        };
        Ok(item)
    }

    /// The application that holds the place of a 身份证号, if one does.
    pub(super) async fn place_holder(&self, round: i32, id_hash: &str) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(place_key(round, id_hash)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        out.item.map(|item| get_s(&item, "reference").map(str::to_owned)).transpose()
    }

    /// The references of every application of `round` carrying the number of keyed hash `id_hash`.
    pub(super) async fn number_entries(&self, round: i32, id_hash: &str) -> Result<Vec<String>, StoreError> {
        let mut references = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND begins_with(sk, :app)")
                .expression_attribute_values(":pk", s(number_key(round, id_hash)))
                .expression_attribute_values(":app", s("APP#"))
                .set_exclusive_start_key(start)
                .consistent_read(true)
                .send()
                .await
                .map_err(sdk)?;
            for item in out.items() {
                references.push(get_s(item, "reference")?.to_owned());
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(references),
            }
        }
    }

    /// See [`crate::store::Applications::shared_numbers`].
    pub(super) async fn numbers_shared(&self, round: i32, id_hashes: &[String]) -> Result<Vec<NumberUse>, StoreError> {
        use futures_util::future::join_all;
        let mut hashes = id_hashes.to_vec();
        hashes.sort();
        hashes.dedup();
        // One query per number, 16 at a time; only a number carried twice costs reads of its
        // records.
        let mut shared: Vec<(String, String)> = Vec::new();
        for chunk in hashes.chunks(16) {
            for (h, found) in chunk.iter().zip(join_all(chunk.iter().map(|h| self.number_entries(round, h))).await) {
                let references = found?;
                if references.len() > 1 {
                    shared.extend(references.into_iter().map(|r| (h.clone(), r)));
                }
            }
        }
        let mut uses: Vec<(String, NumberUse)> = Vec::new();
        for chunk in shared.chunks(16) {
            for ((id_hash, reference), record) in
                chunk.iter().zip(join_all(chunk.iter().map(|(_, r)| self.get(r))).await)
            {
                if let Some(r) = record? {
                    let (id_hash, reference, stream) = (id_hash.clone(), reference.clone(), r.stream());
                    uses.push((r.created_at, NumberUse { id_hash, reference, status: r.status, stream }));
                }
            }
        }
        uses.sort_by(|a, b| (&a.0, &a.1.reference).cmp(&(&b.0, &b.1.reference)));
        Ok(uses.into_iter().map(|(_, u)| u).collect())
    }
}
