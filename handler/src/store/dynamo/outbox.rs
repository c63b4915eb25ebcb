//! The outbox on DynamoDB: pending mail in `gsi2` sharded and sorted by due time, leased by a
//! conditional update; mail given up after its attempts moves to its own partition.

use super::applications::Part;
use super::{
    DEAD_MAIL, DynamoStore, SHARDS, TTL_ATTRIBUTE, decode, due_key, encode, expiry_after_sending, get_n, get_s,
    mail_item, mail_markers, n, pending_key, put, s, sdk, summary_key,
};
use crate::store::{Charge, Counters, Mail, MailHeld, MailQueue, StoreError, SummarySent};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use std::collections::HashMap;

impl DynamoStore {
    /// Up to `limit` mails of one shard due at `now`, soonest due first, as (sort key, pk).
    async fn due_in_shard(&self, shard: u32, now: i64, limit: usize) -> Result<Vec<(String, String)>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi2")
            .key_condition_expression("gsi2pk = :p AND gsi2sk < :next")
            .expression_attribute_values(":p", s(pending_key(shard)))
            .expression_attribute_values(":next", s(format!("{:012}", now + 1)))
            .limit(limit.min(1000) as i32)
            .send()
            .await
            .map_err(sdk)?;
        out.items().iter().map(|item| Ok((get_s(item, "gsi2sk")?.to_owned(), get_s(item, "pk")?.to_owned()))).collect()
    }

    /// Items counted in one `gsi2` partition.
    async fn count_partition(&self, pk: String) -> Result<usize, StoreError> {
        let mut count = 0;
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi2")
            .key_condition_expression("gsi2pk = :p")
            .expression_attribute_values(":p", s(pk))
            .select(aws_sdk_dynamodb::types::Select::Count)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            count += page.map_err(sdk)?.count as usize;
        }
        Ok(count)
    }

    /// Leases one pending mail until `until` if it is still due at `now`; `None` when another
    /// flusher took it first.
    async fn lease(&self, pk: String, now: i64, until: i64) -> Result<Option<Mail>, StoreError> {
        let id = pk.strip_prefix("MAIL#").unwrap_or(&pk).to_owned();
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s("MAIL"))
            .update_expression("SET due_at = :lease, gsi2sk = :sk")
            .condition_expression("begins_with(gsi2pk, :pending) AND due_at <= :now")
            .expression_attribute_values(":lease", n(until))
            .expression_attribute_values(":sk", s(due_key(until, &id)))
            .expression_attribute_values(":pending", s("MAIL#PENDING#"))
            .expression_attribute_values(":now", n(now))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(updated) => {
                let attrs = updated.attributes.unwrap_or_default();
                let mut mail: Mail = decode(get_s(&attrs, "mail")?)?;
                mail.attempts = get_n(&attrs, "attempts")? as u32;
                Ok(Some(mail))
            }
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => Ok(None),
            Err(e) => Err(sdk(e)),
        }
    }
}

impl DynamoStore {
    /// Writes the items that find `mail` from the applications it names, before the mail itself
    /// (one left by a write that then failed finds nothing, and goes at the erasure).
    async fn put_markers(&self, mail: &Mail) -> Result<(), StoreError> {
        for marker in mail_markers(mail) {
            self.client.put_item().table_name(&self.table).set_item(Some(marker)).send().await.map_err(sdk)?;
        }
        Ok(())
    }

    /// Deletes the item `pk`/`sk`, if there is one.
    async fn delete_item(&self, pk: String, sk: String) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    /// Records a failed attempt on a pending mail with `set` (which may use `:one` and `:e`, the
    /// error, and `values`); nothing when the mail is no longer pending.
    async fn after_attempt(
        &self,
        id: &str,
        set: String,
        error: &str,
        values: std::collections::HashMap<&str, aws_sdk_dynamodb::types::AttributeValue>,
    ) -> Result<(), StoreError> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("MAIL#{id}")))
            .key("sk", s("MAIL"))
            .update_expression(set)
            .condition_expression("begins_with(gsi2pk, :pending)")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":pending", s("MAIL#PENDING#"))
            .expression_attribute_values(":e", s(error.chars().take(500).collect::<String>()));
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        match update.send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => Ok(()),
            Err(e) => Err(sdk(e)),
        }
    }
}

#[async_trait::async_trait]
impl MailQueue for DynamoStore {
    async fn enqueue(&self, mails: &[Mail]) -> Result<(), StoreError> {
        for mail in mails {
            self.put_markers(mail).await?;
            self.client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(mail_item(mail)?))
                .send()
                .await
                .map_err(sdk)?;
        }
        Ok(())
    }

    async fn claim_mail(&self, now: i64, lease: i64, limit: usize) -> Result<Vec<Mail>, StoreError> {
        let shards = (0..SHARDS).map(|n| self.due_in_shard(n, now, limit));
        let mut due = Vec::new();
        for part in futures_util::future::join_all(shards).await {
            due.extend(part?);
        }
        due.sort();
        // The soonest due, leased side by side; where another flusher took one first, the next
        // due ones are tried, until `limit` are leased or none is left.
        let mut candidates = due.into_iter().map(|(_, pk)| pk);
        let mut claimed = Vec::new();
        loop {
            let wave: Vec<String> = candidates.by_ref().take(limit - claimed.len()).collect();
            if wave.is_empty() {
                break;
            }
            let leases = wave.into_iter().map(|pk| self.lease(pk, now, now + lease));
            for leased in futures_util::future::join_all(leases).await {
                claimed.extend(leased?);
            }
            if claimed.len() >= limit {
                break;
            }
        }
        claimed.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(claimed)
    }

    async fn claim_mail_id(&self, id: &str, now: i64, lease: i64) -> Result<Option<Mail>, StoreError> {
        self.lease(format!("MAIL#{id}"), now, now + lease).await
    }

    async fn mail_sent(&self, id: &str, at: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("MAIL#{id}")))
            .key("sk", s("MAIL"))
            .update_expression(format!(
                "REMOVE gsi2pk, gsi2sk SET sent_at = :at, attempts = attempts + :one, {TTL_ATTRIBUTE} = :ttl"
            ))
            .expression_attribute_values(":at", s(at))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(expiry_after_sending(at)))
            .send()
            .await
            .map_err(sdk)?;
        Ok(())
    }

    async fn mail_failed(&self, id: &str, retry_at: i64, error: &str) -> Result<(), StoreError> {
        let set = "SET attempts = attempts + :one, due_at = :due, gsi2sk = :sk, last_error = :e".to_owned();
        self.after_attempt(id, set, error, [(":due", n(retry_at)), (":sk", s(due_key(retry_at, id)))].into()).await
    }

    async fn mail_dead(&self, id: &str, at: &str, error: &str) -> Result<(), StoreError> {
        let set = format!(
            "SET attempts = attempts + :one, gsi2pk = :dead, gsi2sk = :sk, dead_at = :at, last_error = :e, {TTL_ATTRIBUTE} = :ttl"
        );
        let values = [
            (":dead", s(DEAD_MAIL)),
            (":sk", s(format!("{at}#{id}"))),
            (":at", s(at)),
            (":ttl", n(expiry_after_sending(at))),
        ];
        self.after_attempt(id, set, error, values.into()).await
    }

    async fn unsent_mail(&self) -> Result<usize, StoreError> {
        let shards = (0..SHARDS).map(|n| self.count_partition(pending_key(n)));
        let mut count = 0;
        for part in futures_util::future::join_all(shards).await {
            count += part?;
        }
        Ok(count)
    }

    async fn dead_mail(&self) -> Result<usize, StoreError> {
        self.count_partition(DEAD_MAIL.to_owned()).await
    }

    async fn mail_of(&self, reference: &str) -> Result<Vec<MailHeld>, StoreError> {
        let mut ids = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :mail)")
            .expression_attribute_values(":pk", s(format!("APP#{reference}")))
            .expression_attribute_values(":mail", s("MAIL#"))
            .consistent_read(true)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for item in page.map_err(sdk)?.items() {
                ids.push(get_s(item, "sk")?.trim_start_matches("MAIL#").to_owned());
            }
        }
        let mut held = Vec::with_capacity(ids.len());
        for id in ids {
            // A marker whose mail is gone (expired, or its write failed) still lists it: its
            // deletion removes the marker.
            let pending = match self.item(format!("MAIL#{id}"), "MAIL").await? {
                Some(item) => {
                    item.get("gsi2pk").and_then(|v| v.as_s().ok()).is_some_and(|pk| pk.starts_with("MAIL#PENDING#"))
                }
                None => false,
            };
            held.push(MailHeld { id, pending });
        }
        Ok(held)
    }

    async fn delete_mail(&self, reference: &str, ids: &[String]) -> Result<(), StoreError> {
        for id in ids {
            self.delete_item(format!("MAIL#{id}"), "MAIL".to_owned()).await?;
            self.delete_item(format!("APP#{reference}"), format!("MAIL#{id}")).await?;
        }
        Ok(())
    }

    async fn last_summary(&self, round: i32, scope: &str) -> Result<Option<SummarySent>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(summary_key(round, scope)))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        out.item.map(|item| get_s(&item, "sent").and_then(decode)).transpose()
    }

    async fn summary_sent(&self, sent: &SummarySent, mail: &Mail) -> Result<bool, StoreError> {
        let mut item = summary_key(sent.round, &sent.scope);
        item.extend([("seq".into(), n(sent.seq)), ("sent".into(), s(encode(sent)?))]);
        let first = sent.seq <= 1;
        let summary = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(if first { "attribute_not_exists(pk)" } else { "seq = :previous" })
            .set_expression_attribute_values(
                (!first).then(|| std::collections::HashMap::from([(":previous".to_owned(), n(sent.seq - 1))])),
            )
            .build()
            .map_err(StoreError::internal)?;
        self.put_markers(mail).await?;
        let parts = vec![
            (Part::Summary, TransactWriteItem::builder().put(summary).build()),
            (Part::Mail, put(&self.table, mail_item(mail)?, Some("attribute_not_exists(pk)"))?),
        ];
        Ok(self.transact(parts).await?.is_empty())
    }
}

#[async_trait::async_trait]
impl Counters for DynamoStore {
    async fn hit(&self, key: &str, window_start: i64, window: i64) -> Result<u32, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.limits)
            .set_key(Some(limit_key(key, window_start)))
            .update_expression(COUNT_HIT)
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(window_start + window + 3600))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(sdk)?;
        let attrs = out.attributes.unwrap_or_default();
        Ok(get_n(&attrs, "hits")?.try_into().unwrap_or(u32::MAX))
    }
}

/// One hit on a counter; the item expires an hour after its window.
const COUNT_HIT: &str = "ADD hits :one SET #ttl = :ttl";

/// A counter's item: one per key and window.
fn limit_key(key: &str, window_start: i64) -> HashMap<String, AttributeValue> {
    HashMap::from([("pk".to_owned(), s(format!("LIMIT#{key}#{window_start}"))), ("sk".to_owned(), s("LIMIT"))])
}

impl DynamoStore {
    /// `charge` as a transaction item: the hit [`Counters::hit`] counts, on condition that the
    /// window holds fewer than `max`.
    pub(super) fn charge_item(&self, charge: &Charge) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.limits)
            .set_key(Some(limit_key(&charge.key, charge.window_start)))
            .update_expression(COUNT_HIT)
            .condition_expression("attribute_not_exists(hits) OR hits < :max")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", n(charge.window_start + charge.window + 3600))
            .expression_attribute_values(":max", n(charge.max))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }
}
