//! DynamoDB: the applications' table with two global secondary indexes, the rate limits'
//! counters in a table of their own, conditional writes and transactions.
//!
//! | item | pk | sk | gsi1 (pk, sk) | gsi2 (pk, sk) |
//! |---|---|---|---|---|
//! | application | `APP#ref` | `APP` | `SCOPE#round#scope`, `created#ref` | `APPS#round#shard`, `created#ref` |
//! | event | `APP#ref` | `EV#00001` | | |
//! | submission id | `SUB#id` | `SUB` | | |
//! | an application under its 身份证号 (keyed hash) | `IDN#round#hash` | `APP#ref` | | |
//! | the one quota place of a 身份证号 | `PLACE#round#hash` | `PLACE` | | |
//! | an upload issued for no submission, claimed by the application that took it | `CLAIM#id` | `CLAIM` | | |
//! | quota counter | `QUOTA#key` | `QUOTA` | | |
//! | mail | `MAIL#id` | `MAIL` | | `MAIL#PENDING#shard`, `due#id` while unsent; `MAIL#DEAD`, `created#id` once given up |
//! | mail naming an application (no body: found at its erasure) | `APP#ref` | `MAIL#id` | | |
//! | 汇总表 last sent | `SUMMARY#round#scope` | `SUMMARY` | | |
//! | a bookmark (where the purge stands) | `MARK#name` | `MARK` | | |
//!
//! The counters' table (`LimitsTable`, no index), counted alone or as parts of a submission's
//! transaction, which spans both tables:
//!
//! | item | pk | sk |
//! |---|---|---|
//! | rate-limit window | `LIMIT#key#window_start` | `LIMIT` (expires by TTL) |
//!
//! The two busiest `gsi2` partitions, a round's applications and the pending mail, are split
//! into [`SHARDS`] partitions by a hash of the reference or mail id (`shard`), so writes spread
//! and a query reads the shards side by side. Pending mail sorts by when it is next due
//! (`due_at` zero-padded), so a query for what is due never reads mail waiting for a retry.
//! Both indexes project only `record` besides the keys: mail bodies stay out of them.

mod applications;
mod check;
mod numbers;
mod outbox;
mod pages;
#[cfg(feature = "table-spec")]
mod table;

use super::{Applications, Event, Mail, Record, StoreError};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use policy::HrScope;
use std::collections::HashMap;

type Item = HashMap<String, AttributeValue>;

/// The attribute DynamoDB's TTL reads (unix seconds): sent mail expires after [`SENT_MAIL_DAYS`].
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// Days a sent mail is kept.
pub const SENT_MAIL_DAYS: i64 = 90;

/// The DynamoDB adapter.
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    limits: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// When a mail sent at `at` (RFC 3339) expires, in unix seconds.
fn expiry_after_sending(at: &str) -> i64 {
    let sent = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc());
    (sent + time::Duration::days(SENT_MAIL_DAYS)).unix_timestamp()
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn get_s<'a>(item: &'a Item, key: &str) -> Result<&'a str, StoreError> {
    item.get(key)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .ok_or_else(|| StoreError::internal(format!("item lacks string attribute {key}")))
}

fn get_n(item: &Item, key: &str) -> Result<i64, StoreError> {
    item.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError::internal(format!("item lacks number attribute {key}")))
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(StoreError::internal)
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(StoreError::internal)
}

/// Maps an SDK error: anything that says "could not reach or was throttled" is `Unavailable`.
fn sdk<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::unavailable(err)
        }
        SdkError::ServiceError(e) => {
            service_error(e.err().code().unwrap_or_default(), e.err().message().unwrap_or_default())
        }
        _ => StoreError::internal(err),
    }
}

/// A service error: throttling and server trouble are `Unavailable` (try again), the rest `Internal`.
fn service_error(code: &str, message: &str) -> StoreError {
    let busy = [
        "Throttling",
        "ProvisionedThroughputExceeded",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    ]
    .iter()
    .any(|b| code.contains(b));
    let text = format!("{code}: {message}");
    if busy { StoreError::unavailable(text) } else { StoreError::internal(text) }
}

/// The partition of an HR scope's applications in `gsi1`, per round.
fn scope_key(round: i32, scope: &HrScope) -> String {
    format!("SCOPE#{round}#{}", scope.key())
}

fn app_key(reference: &str) -> Item {
    HashMap::from([("pk".into(), s(format!("APP#{reference}"))), ("sk".into(), s("APP"))])
}

fn put(table: &str, item: Item, condition: Option<&str>) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_owned))
        .build()
        .map_err(StoreError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn event_item(reference: &str, event: &Event) -> Result<Item, StoreError> {
    Ok(HashMap::from([
        ("pk".into(), s(format!("APP#{reference}"))),
        ("sk".into(), s(format!("EV#{:05}", event.seq))),
        ("event".into(), s(encode(event)?)),
    ]))
}

/// The item holding a scope's last 汇总表 sent.
fn summary_key(round: i32, scope: &str) -> Item {
    HashMap::from([("pk".into(), s(format!("SUMMARY#{round}#{scope}"))), ("sk".into(), s("SUMMARY"))])
}

/// How many partitions a round's applications and the pending mail are spread over in `gsi2`.
pub const SHARDS: u32 = 10;

/// The shard of `key` (a reference or a mail id): FNV-1a, stable across builds.
fn shard(key: &str) -> u32 {
    let hash = key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    (hash % u64::from(SHARDS)) as u32
}

/// The `gsi2` partition of pending mail in one shard.
fn pending_key(shard: u32) -> String {
    format!("MAIL#PENDING#{shard}")
}

/// The `gsi2` partition of mail given up after its attempts.
const DEAD_MAIL: &str = "MAIL#DEAD";

/// The `gsi2` sort key of a pending mail due at `due` (unix seconds): sorts by due time.
fn due_key(due: i64, id: &str) -> String {
    format!("{:012}#{id}", due.max(0))
}

/// The `gsi2` partition of a round's applications in one shard.
fn round_key(round: i32, shard: u32) -> String {
    format!("APPS#{round}#{shard}")
}

fn mail_item(mail: &Mail) -> Result<Item, StoreError> {
    Ok(HashMap::from([
        ("pk".into(), s(format!("MAIL#{}", mail.id))),
        ("sk".into(), s("MAIL")),
        ("gsi2pk".into(), s(pending_key(shard(&mail.id)))),
        ("gsi2sk".into(), s(due_key(0, &mail.id))),
        ("mail".into(), s(encode(mail)?)),
        ("attempts".into(), n(0)),
        ("due_at".into(), n(0)),
    ]))
}

/// The items that find `mail` from each application it names (`APP#ref`, `MAIL#id`): no body,
/// so that erasing the application finds and deletes the mail.
fn mail_markers(mail: &Mail) -> Vec<Item> {
    mail.names().map(|reference| mail_marker(reference, &mail.id)).collect()
}

fn mail_marker(reference: &str, id: &str) -> Item {
    HashMap::from([("pk".into(), s(format!("APP#{reference}"))), ("sk".into(), s(format!("MAIL#{id}")))])
}

fn record_item(record: &Record) -> Result<Item, StoreError> {
    let mut item = app_key(&record.reference);
    item.extend([
        ("gsi1pk".into(), s(scope_key(record.round, &record.scope()))),
        ("gsi1sk".into(), s(format!("{}#{}", record.created_at, record.reference))),
        ("gsi2pk".into(), s(round_key(record.round, shard(&record.reference)))),
        ("gsi2sk".into(), s(format!("{}#{}", record.created_at, record.reference))),
        ("status".into(), s(record.status.code())),
        ("version".into(), n(record.version)),
        ("record".into(), s(encode(record)?)),
    ]);
    Ok(item)
}

impl DynamoStore {
    /// An adapter over `table`, its counters in `{table}-limits` (see [`Self::with_limits`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let table = table.into();
        Self { client, limits: format!("{table}-limits"), table }
    }

    /// The same adapter with its counters in the table `limits` (the Lambda's
    /// `LIMITS_TABLE_NAME`).
    pub fn with_limits(self, limits: impl Into<String>) -> Self {
        Self { limits: limits.into(), ..self }
    }

    /// The counters' table.
    pub fn limits_table(&self) -> &str {
        &self.limits
    }

    /// The SDK client.
    pub fn sdk(&self) -> &Client {
        &self.client
    }

    /// One item by key, read consistently.
    async fn item(&self, pk: String, sk: &str) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(pk))
            .key("sk", s(sk))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        Ok(out.item)
    }

    async fn record_by_submission(&self, submission_id: &str) -> Result<Option<Record>, StoreError> {
        match self.item(format!("SUB#{submission_id}"), "SUB").await? {
            Some(item) => self.get(get_s(&item, "reference")?).await,
            None => Ok(None),
        }
    }

    async fn query_records(&self, index: &str, pk: String) -> Result<Vec<Record>, StoreError> {
        let mut records = Vec::new();
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(index)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", format!("{index}pk"))
            .expression_attribute_values(":pk", s(pk))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            for item in page.map_err(sdk)?.items() {
                records.push(decode(get_s(item, "record")?)?);
            }
        }
        Ok(records)
    }
}
