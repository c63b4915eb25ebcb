//! DynamoDB: one table, two global secondary indexes, conditional writes and transactions.
//!
//! | item | pk | sk | gsi1 (pk, sk) | gsi2 (pk, sk) |
//! |---|---|---|---|---|
//! | application | `APP#ref` | `APP` | `SCOPE#scope`, `created#ref` | `APPS#round`, `created#ref` |
//! | event | `APP#ref` | `EV#00001` | | |
//! | submission id | `SUB#id` | `SUB` | | |
//! | identity number (keyed hash) | `IDN#round#hash` | `IDN` | | |
//! | quota counter | `QUOTA#key` | `QUOTA` | | |
//! | mail | `MAIL#id` | `MAIL` | | `MAIL#PENDING`, `created#id` while unsent |

use super::{Created, Event, Mail, QuotaChange, Record, Store, StoreError, Transition, Transitioned};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, Put, ScalarAttributeType, TransactWriteItem, Update,
};
use policy::Status;
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
        .ok_or_else(|| StoreError::Internal(format!("item lacks string attribute {key}")))
}

fn get_n(item: &Item, key: &str) -> Result<i64, StoreError> {
    item.get(key)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| StoreError::Internal(format!("item lacks number attribute {key}")))
}

fn decode<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Internal(e.to_string()))
}

fn encode<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Internal(e.to_string()))
}

/// Maps an SDK error: anything that says "could not reach or was throttled" is `Unavailable`.
fn sdk<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(err: SdkError<E, R>) -> StoreError {
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_) => {
            StoreError::Unavailable(format!("{err:?}"))
        }
        SdkError::ServiceError(e) => {
            service_error(e.err().code().unwrap_or_default(), e.err().message().unwrap_or_default())
        }
        _ => StoreError::Internal(format!("{err:?}")),
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
    if busy { StoreError::Unavailable(text) } else { StoreError::Internal(text) }
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
        .map_err(|e| StoreError::Internal(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn event_item(reference: &str, event: &Event) -> Result<Item, StoreError> {
    Ok(HashMap::from([
        ("pk".into(), s(format!("APP#{reference}"))),
        ("sk".into(), s(format!("EV#{:05}", event.seq))),
        ("event".into(), s(encode(event)?)),
    ]))
}

fn mail_item(mail: &Mail) -> Result<Item, StoreError> {
    Ok(HashMap::from([
        ("pk".into(), s(format!("MAIL#{}", mail.id))),
        ("sk".into(), s("MAIL")),
        ("gsi2pk".into(), s("MAIL#PENDING")),
        ("gsi2sk".into(), s(format!("{}#{}", mail.created_at, mail.id))),
        ("mail".into(), s(encode(mail)?)),
        ("attempts".into(), n(0)),
        ("due_at".into(), n(0)),
    ]))
}

fn record_item(record: &Record) -> Result<Item, StoreError> {
    let mut item = app_key(&record.reference);
    item.extend([
        ("gsi1pk".into(), s(format!("SCOPE#{}", record.scope))),
        ("gsi1sk".into(), s(format!("{}#{}", record.created_at, record.reference))),
        ("gsi2pk".into(), s(format!("APPS#{}", record.round))),
        ("gsi2sk".into(), s(format!("{}#{}", record.created_at, record.reference))),
        ("status".into(), s(record.status.code())),
        ("version".into(), n(record.version)),
        ("record".into(), s(encode(record)?)),
    ]);
    Ok(item)
}

impl DynamoStore {
    /// An adapter over `table`.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    /// A client from the environment; `endpoint` (DynamoDB Local) overrides the service address
    /// and, with no credentials configured, local dummy ones are used.
    pub async fn client(endpoint: Option<&str>) -> Client {
        let local = endpoint
            .filter(|_| std::env::var_os("AWS_ACCESS_KEY_ID").is_none())
            .map(|_| aws_credential_types::Credentials::new("local", "local", None, None, "tepei-local"));
        let second = std::time::Duration::from_secs(1);
        Client::new(&crate::aws::load_config(endpoint, local, 2 * second, 5 * second).await)
    }

    /// Creates the table as `spec` (from `infra/template.yaml`) defines it: tests, benchmarks and
    /// local runs; on AWS the template itself creates it.
    pub async fn create_table(&self, spec: &super::TableSpec) -> Result<(), StoreError> {
        let internal = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Internal(e.to_string());
        let key = |name: &str, kind: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(kind).build().map_err(internal)
        };
        let mut create = self.client.create_table().table_name(&self.table).billing_mode(BillingMode::PayPerRequest);
        for (name, kind) in &spec.attributes {
            create = create.attribute_definitions(
                AttributeDefinition::builder()
                    .attribute_name(name)
                    .attribute_type(ScalarAttributeType::from(kind.as_str()))
                    .build()
                    .map_err(internal)?,
            );
        }
        create = create.key_schema(key(&spec.hash, KeyType::Hash)?).key_schema(key(&spec.range, KeyType::Range)?);
        for index in &spec.indexes {
            create = create.global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(&index.name)
                    .key_schema(key(&index.hash, KeyType::Hash)?)
                    .key_schema(key(&index.range, KeyType::Range)?)
                    .projection(Projection::builder().projection_type(ProjectionType::All).build())
                    .build()
                    .map_err(internal)?,
            );
        }
        create.send().await.map_err(sdk)?;
        if let Some(attribute) = &spec.ttl {
            let ttl = aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                .attribute_name(attribute)
                .enabled(true)
                .build()
                .map_err(internal)?;
            self.client
                .update_time_to_live()
                .table_name(&self.table)
                .time_to_live_specification(ttl)
                .send()
                .await
                .map_err(sdk)?;
        }
        Ok(())
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
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", format!("{index}pk"))
                .expression_attribute_values(":pk", s(pk.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk)?;
            for item in out.items() {
                records.push(decode(get_s(item, "record")?)?);
            }
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(records)
    }
}

impl DynamoStore {
    /// The one transaction `create` sends: conditional puts of the submission id, the identity
    /// hash and the record, then the event and the mails. Public so benchmarks can send the very
    /// same write through the bare SDK.
    pub fn create_items(
        &self,
        record: &Record,
        event: &Event,
        mails: &[Mail],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut items = vec![
            put(
                &self.table,
                HashMap::from([
                    ("pk".into(), s(format!("SUB#{}", record.submission_id))),
                    ("sk".into(), s("SUB")),
                    ("reference".into(), s(&record.reference)),
                    ("body_hash".into(), s(&record.body_hash)),
                ]),
                Some("attribute_not_exists(pk)"),
            )?,
            put(
                &self.table,
                HashMap::from([
                    ("pk".into(), s(format!("IDN#{}#{}", record.round, record.id_hash))),
                    ("sk".into(), s("IDN")),
                    ("reference".into(), s(&record.reference)),
                ]),
                Some("attribute_not_exists(pk)"),
            )?,
            put(&self.table, record_item(record)?, Some("attribute_not_exists(pk)"))?,
            put(&self.table, event_item(&record.reference, event)?, Some("attribute_not_exists(pk)"))?,
        ];
        for mail in mails {
            items.push(put(&self.table, mail_item(mail)?, Some("attribute_not_exists(pk)"))?);
        }
        Ok(items)
    }

    /// The SDK client.
    pub fn sdk(&self) -> &Client {
        &self.client
    }

    /// Sends one transaction, retrying with backoff while it only conflicts with another or is
    /// throttled. `None`: applied. `Some(codes)`: a condition failed; one reason code per item.
    async fn transact(&self, items: Vec<TransactWriteItem>) -> Result<Option<Vec<String>>, StoreError> {
        for attempt in 0..6 {
            let err = match self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await {
                Ok(_) => return Ok(None),
                Err(err) => err,
            };
            let service = match err {
                SdkError::ServiceError(e) => e.into_err(),
                other => return Err(sdk(other)),
            };
            let TransactWriteItemsError::TransactionCanceledException(cancelled) = &service else {
                return Err(service_error(service.code().unwrap_or_default(), service.message().unwrap_or_default()));
            };
            let codes: Vec<String> =
                cancelled.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_owned()).collect();
            if codes.iter().any(|c| c == "ConditionalCheckFailed") {
                return Ok(Some(codes));
            }
            if !codes.iter().any(|c| c == "TransactionConflict" || c == "ThrottlingError") {
                return Err(StoreError::Unavailable(format!("transaction cancelled: {codes:?}")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(10 << attempt)).await;
        }
        Err(StoreError::Unavailable("transaction kept conflicting".into()))
    }
}

#[async_trait::async_trait]
impl Store for DynamoStore {
    async fn create(&self, record: &Record, event: &Event, mails: &[Mail]) -> Result<Created, StoreError> {
        let Some(codes) = self.transact(self.create_items(record, event, mails)?).await? else {
            return Ok(Created::New);
        };
        if codes.first().is_some_and(|c| c == "ConditionalCheckFailed") {
            let existing = self
                .record_by_submission(&record.submission_id)
                .await?
                .ok_or_else(|| StoreError::Internal("submission id held by no record".into()))?;
            let same_body = existing.body_hash == record.body_hash;
            return Ok(Created::SameSubmission { existing: Box::new(existing), same_body });
        }
        if codes.get(1).is_some_and(|c| c == "ConditionalCheckFailed") {
            return Ok(Created::DuplicateIdNumber);
        }
        // The record and its first event are keyed by the reference.
        if codes.get(2..4).is_some_and(|c| c.iter().any(|c| c == "ConditionalCheckFailed")) {
            return Ok(Created::ReferenceTaken);
        }
        Err(StoreError::Unavailable(format!("transaction cancelled: {codes:?}")))
    }

    async fn transition(&self, change: &Transition) -> Result<Transitioned, StoreError> {
        let record = &change.record;
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Internal(e.to_string());
        let app = Update::builder()
            .table_name(&self.table)
            .set_key(Some(app_key(&record.reference)))
            .update_expression("SET #status = :status, #version = :version, #record = :record, gsi1pk = :gsi1pk")
            .condition_expression("attribute_exists(pk) AND #version = :expected")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#version", "version")
            .expression_attribute_names("#record", "record")
            .expression_attribute_values(":status", s(record.status.code()))
            .expression_attribute_values(":version", n(record.version))
            .expression_attribute_values(":record", s(encode(record)?))
            .expression_attribute_values(":gsi1pk", s(format!("SCOPE#{}", record.scope)))
            .expression_attribute_values(":expected", n(change.expected_version));
        let mut items = vec![TransactWriteItem::builder().update(app.build().map_err(build)?).build()];
        // The quota counter: take a place only while `used < cap`; give one back only if taken.
        let quota = |key: &str, expression: &str, condition: &str, cap: u32| -> Result<TransactWriteItem, StoreError> {
            let update = Update::builder()
                .table_name(&self.table)
                .key("pk", s(format!("QUOTA#{key}")))
                .key("sk", s("QUOTA"))
                .update_expression(expression)
                .condition_expression(condition)
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":cap", n(cap))
                .build()
                .map_err(build)?;
            Ok(TransactWriteItem::builder().update(update).build())
        };
        let quota_cap = match &change.quota {
            Some(QuotaChange::Take { key, cap }) => {
                let take = "SET used = if_not_exists(used, :zero) + :one";
                items.push(quota(key, take, "(attribute_not_exists(used) OR used < :cap) AND :cap > :zero", *cap)?);
                Some((key.clone(), *cap))
            }
            Some(QuotaChange::Release { key }) => {
                items.push(quota(key, "SET used = used - :one", "used > :zero AND :cap >= :zero", 0)?);
                None
            }
            None => None,
        };
        items.push(put(&self.table, event_item(&record.reference, &change.event)?, Some("attribute_not_exists(pk)"))?);
        for mail in &change.mails {
            items.push(put(&self.table, mail_item(mail)?, Some("attribute_not_exists(pk)"))?);
        }
        let Some(codes) = self.transact(items).await? else {
            return Ok(Transitioned::Done);
        };
        if codes.first().is_some_and(|c| c == "ConditionalCheckFailed") {
            return Ok(match self.get(&record.reference).await? {
                Some(current) => Transitioned::Stale(Box::new(current)),
                None => Transitioned::NotFound,
            });
        }
        if codes.get(1).is_some_and(|c| c == "ConditionalCheckFailed")
            && let Some((key, cap)) = &quota_cap
        {
            return Ok(Transitioned::QuotaFull { used: self.quota_used(key).await?, cap: *cap });
        }
        Err(StoreError::Unavailable(format!("transaction cancelled: {codes:?}")))
    }

    async fn enqueue(&self, mails: &[Mail]) -> Result<(), StoreError> {
        for mail in mails {
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

    async fn get(&self, reference: &str) -> Result<Option<Record>, StoreError> {
        let out = self.item(format!("APP#{reference}"), "APP").await?;
        out.map(|item| decode(get_s(&item, "record")?)).transpose()
    }

    async fn list(&self, scope: Option<&str>, status: Option<Status>) -> Result<Vec<Record>, StoreError> {
        let mut records = match scope {
            Some(scope) => self.query_records("gsi1", format!("SCOPE#{scope}")).await?,
            None => {
                let round = policy::Programme::embedded().map(|p| p.round).unwrap_or_default();
                self.query_records("gsi2", format!("APPS#{round}")).await?
            }
        };
        records.retain(|r| status.is_none_or(|s| r.status == s));
        records.sort_by(|a, b| (&a.created_at, &a.reference).cmp(&(&b.created_at, &b.reference)));
        Ok(records)
    }

    async fn events(&self, reference: &str) -> Result<Vec<Event>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :ev)")
            .expression_attribute_values(":pk", s(format!("APP#{reference}")))
            .expression_attribute_values(":ev", s("EV#"))
            .consistent_read(true)
            .send()
            .await
            .map_err(sdk)?;
        out.items().iter().map(|item| decode(get_s(item, "event")?)).collect()
    }

    async fn quota_used(&self, key: &str) -> Result<u32, StoreError> {
        let out = self.item(format!("QUOTA#{key}"), "QUOTA").await?;
        Ok(out.map(|item| get_n(&item, "used")).transpose()?.unwrap_or(0) as u32)
    }

    async fn claim_mail(&self, now: i64, lease: i64, limit: usize) -> Result<Vec<Mail>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name("gsi2")
            .key_condition_expression("gsi2pk = :p")
            .expression_attribute_values(":p", s("MAIL#PENDING"))
            .limit((limit * 4).min(1000) as i32)
            .send()
            .await
            .map_err(sdk)?;
        let mut claimed = Vec::new();
        for item in out.items() {
            if claimed.len() >= limit {
                break;
            }
            if get_n(item, "due_at")? > now {
                continue;
            }
            let pk = get_s(item, "pk")?.to_owned();
            let result = self
                .client
                .update_item()
                .table_name(&self.table)
                .key("pk", s(pk))
                .key("sk", s("MAIL"))
                .update_expression("SET due_at = :lease")
                .condition_expression("attribute_exists(gsi2pk) AND due_at <= :now")
                .expression_attribute_values(":lease", n(now + lease))
                .expression_attribute_values(":now", n(now))
                .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
                .send()
                .await;
            match result {
                Ok(updated) => {
                    let attrs = updated.attributes.unwrap_or_default();
                    let mut mail: Mail = decode(get_s(&attrs, "mail")?)?;
                    mail.attempts = get_n(&attrs, "attempts")? as u32;
                    claimed.push(mail);
                }
                Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => {}
                Err(e) => return Err(sdk(e)),
            }
        }
        claimed.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(claimed)
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
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(format!("MAIL#{id}")))
            .key("sk", s("MAIL"))
            .update_expression("SET attempts = attempts + :one, due_at = :due, last_error = :e")
            .condition_expression("attribute_exists(gsi2pk)")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":due", n(retry_at))
            .expression_attribute_values(":e", s(error.chars().take(500).collect::<String>()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(e)) if e.err().is_conditional_check_failed_exception() => Ok(()),
            Err(e) => Err(sdk(e)),
        }
    }

    async fn unsent_mail(&self) -> Result<usize, StoreError> {
        let mut count = 0;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .index_name("gsi2")
                .key_condition_expression("gsi2pk = :p")
                .expression_attribute_values(":p", s("MAIL#PENDING"))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(sdk)?;
            count += out.count as usize;
            match out.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => break,
            }
        }
        Ok(count)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        self.client.describe_table().table_name(&self.table).send().await.map_err(sdk)?;
        Ok(())
    }
}
