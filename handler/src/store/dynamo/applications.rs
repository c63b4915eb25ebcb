//! Applications on DynamoDB: one transaction per change, named items, cancellation reasons
//! read by name.

use super::numbers::number_key;
use super::{
    DynamoStore, SHARDS, app_key, decode, encode, event_item, get_n, get_s, mail_item, mail_markers, n, put,
    record_item, round_key, s, scope_key, sdk, service_error,
};
use crate::store::{
    Applications, Charge, Created, Event, Mail, NumberUse, PageOf, QuotaChange, Record, StoreError, Transition,
    Transitioned,
};
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};
use policy::HrScope;
use std::collections::HashMap;

/// What one item of a transaction is, so a cancellation names the condition that failed
/// instead of a position in the list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Part {
    /// The submission id (idempotency).
    Submission,
    /// The application's entry under its 身份证号's keyed hash.
    IdNumber,
    /// An upload issued for no submission, claimed by the application that takes it.
    Claim,
    /// The one quota place a 身份证号 may hold in a round.
    Place,
    /// The application record.
    Record,
    /// An audit event.
    Event,
    /// A quota counter.
    Quota,
    /// A queued mail.
    Mail,
    /// The record of a 汇总表 sent.
    Summary,
    /// The rate-limit counter of the write's n-th charge.
    Charge(usize),
}

impl DynamoStore {
    /// Writes `record` over the stored one while that is still at `record.version`.
    fn same_version_update(&self, record: &Record) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(app_key(&record.reference)))
            .update_expression("SET #record = :record")
            .condition_expression("attribute_exists(pk) AND #version = :version")
            .expression_attribute_names("#record", "record")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":record", s(encode(record)?))
            .expression_attribute_values(":version", n(record.version))
            .build()
            .map_err(StoreError::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The one transaction `create_charged` sends: conditional puts of the submission id, the
    /// entry under the 身份证号 and the record, then the event and the mails, then the counters
    /// of `charges`. Public so benchmarks can send the very same write through the bare SDK.
    pub fn create_items(
        &self,
        record: &Record,
        event: &Event,
        mails: &[Mail],
        charges: &[Charge],
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        Ok(self.charged_parts(record, event, mails, charges)?.into_iter().map(|(_, item)| item).collect())
    }

    fn charged_parts(
        &self,
        record: &Record,
        event: &Event,
        mails: &[Mail],
        charges: &[Charge],
    ) -> Result<Vec<(Part, TransactWriteItem)>, StoreError> {
        let mut parts = self.create_parts(record, event, mails)?;
        for (i, charge) in charges.iter().enumerate() {
            parts.push((Part::Charge(i), self.charge_item(charge)?));
        }
        Ok(parts)
    }

    fn create_parts(
        &self,
        record: &Record,
        event: &Event,
        mails: &[Mail],
    ) -> Result<Vec<(Part, TransactWriteItem)>, StoreError> {
        let mut items = vec![
            (
                Part::Submission,
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
            ),
            (
                Part::IdNumber,
                put(
                    &self.table,
                    HashMap::from([
                        ("pk".into(), s(number_key(record.round, &record.id_hash))),
                        ("sk".into(), s(format!("APP#{}", record.reference))),
                        ("reference".into(), s(&record.reference)),
                    ]),
                    Some("attribute_not_exists(pk)"),
                )?,
            ),
            (Part::Record, put(&self.table, record_item(record)?, Some("attribute_not_exists(pk)"))?),
            (Part::Event, put(&self.table, event_item(&record.reference, event)?, Some("attribute_not_exists(pk)"))?),
        ];
        for id in &record.upload_claims {
            let claim = HashMap::from([
                ("pk".into(), s(format!("CLAIM#{id}"))),
                ("sk".into(), s("CLAIM")),
                ("reference".into(), s(&record.reference)),
            ]);
            items.push((Part::Claim, put(&self.table, claim, Some("attribute_not_exists(pk)"))?));
        }
        for mail in mails {
            items.push((Part::Mail, put(&self.table, mail_item(mail)?, Some("attribute_not_exists(pk)"))?));
            for marker in mail_markers(mail) {
                items.push((Part::Mail, put(&self.table, marker, None)?));
            }
        }
        Ok(items)
    }

    /// Sends one transaction, retrying with backoff while it only conflicts with another or is
    /// throttled. `Ok(empty)`: applied. Otherwise the parts whose condition failed.
    pub(super) async fn transact(&self, parts: Vec<(Part, TransactWriteItem)>) -> Result<Vec<Part>, StoreError> {
        let (names, items): (Vec<Part>, Vec<TransactWriteItem>) = parts.into_iter().unzip();
        for attempt in 0..6 {
            let err = match self.client.transact_write_items().set_transact_items(Some(items.clone())).send().await {
                Ok(_) => return Ok(Vec::new()),
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
            let failed: Vec<Part> =
                names.iter().zip(&codes).filter(|(_, c)| *c == "ConditionalCheckFailed").map(|(p, _)| *p).collect();
            if !failed.is_empty() {
                return Ok(failed);
            }
            if !codes.iter().any(|c| c == "TransactionConflict" || c == "ThrottlingError") {
                return Err(StoreError::unavailable(format!("transaction cancelled: {codes:?}")));
            }
            tokio::time::sleep(std::time::Duration::from_millis(10 << attempt)).await;
        }
        Err(StoreError::unavailable("transaction kept conflicting"))
    }
}

#[async_trait::async_trait]
impl Applications for DynamoStore {
    async fn create_charged(
        &self,
        record: &Record,
        event: &Event,
        mails: &[Mail],
        charges: &[Charge],
    ) -> Result<Created, StoreError> {
        let failed = self.transact(self.charged_parts(record, event, mails, charges)?).await?;
        if failed.is_empty() {
            return Ok(Created::New);
        }
        if failed.contains(&Part::Submission) {
            let existing = self
                .record_by_submission(&record.submission_id)
                .await?
                .ok_or_else(|| StoreError::internal("submission id held by no record"))?;
            let same_body = existing.body_hash == record.body_hash;
            return Ok(Created::SameSubmission { existing: Box::new(existing), same_body });
        }
        // A full counter: the application is not one already stored.
        if let Some(charge) = failed.iter().find_map(|p| if let Part::Charge(i) = p { charges.get(*i) } else { None }) {
            return Ok(Created::Limited(charge.clone()));
        }
        if failed.contains(&Part::Claim) {
            return Ok(Created::UploadTaken);
        }
        // The record, its first event and its entry under the number are keyed by the reference.
        if [Part::Record, Part::Event, Part::IdNumber].iter().any(|p| failed.contains(p)) {
            return Ok(Created::ReferenceTaken);
        }
        Err(StoreError::unavailable(format!("transaction cancelled: {failed:?}")))
    }

    async fn transition(&self, change: &Transition) -> Result<Transitioned, StoreError> {
        let record = &change.record;
        let build = |e: aws_sdk_dynamodb::error::BuildError| StoreError::internal(e);
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
            .expression_attribute_values(":gsi1pk", s(scope_key(record.round, &record.scope())))
            .expression_attribute_values(":expected", n(change.expected_version));
        let mut items = vec![(Part::Record, TransactWriteItem::builder().update(app.build().map_err(build)?).build())];
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
                items.push((Part::Place, self.place(record, true)?));
                let take = "SET used = if_not_exists(used, :zero) + :one";
                items.push((
                    Part::Quota,
                    quota(key, take, "(attribute_not_exists(used) OR used < :cap) AND :cap > :zero", *cap)?,
                ));
                Some((key.clone(), *cap))
            }
            Some(QuotaChange::Release { key }) => {
                items.push((Part::Place, self.place(record, false)?));
                items.push((Part::Quota, quota(key, "SET used = used - :one", "used > :zero AND :cap >= :zero", 0)?));
                None
            }
            None => None,
        };
        items.push((
            Part::Event,
            put(&self.table, event_item(&record.reference, &change.event)?, Some("attribute_not_exists(pk)"))?,
        ));
        for mail in &change.mails {
            items.push((Part::Mail, put(&self.table, mail_item(mail)?, Some("attribute_not_exists(pk)"))?));
            for marker in mail_markers(mail) {
                items.push((Part::Mail, put(&self.table, marker, None)?));
            }
        }
        let failed = self.transact(items).await?;
        if failed.is_empty() {
            return Ok(Transitioned::Done);
        }
        if failed.contains(&Part::Record) {
            return Ok(match self.get(&record.reference).await? {
                Some(current) => Transitioned::Stale(Box::new(current)),
                None => Transitioned::NotFound,
            });
        }
        if failed.contains(&Part::Place) {
            let holder = self.place_holder(record.round, &record.id_hash).await?;
            return Ok(Transitioned::NumberHasPlace { reference: holder.unwrap_or_default() });
        }
        if failed.contains(&Part::Quota)
            && let Some((key, cap)) = &quota_cap
        {
            return Ok(Transitioned::QuotaFull { used: self.quota_used(key).await?, cap: *cap });
        }
        Err(StoreError::unavailable(format!("transaction cancelled: {failed:?}")))
    }

    async fn erase(&self, record: &Record, events: &[Event]) -> Result<bool, StoreError> {
        let mut items = vec![(Part::Record, self.same_version_update(record)?)];
        for event in events {
            items.push((Part::Event, put(&self.table, event_item(&record.reference, event)?, None)?));
        }
        // The entry under the 身份证号's hash, and the number's place if this record holds it, go
        // with the personal data.
        if let Some(stored) = self.get(&record.reference).await?.filter(|r| r.id_hash != record.id_hash) {
            let entry = Delete::builder()
                .table_name(&self.table)
                .key("pk", s(number_key(stored.round, &stored.id_hash)))
                .key("sk", s(format!("APP#{}", stored.reference)))
                .build()
                .map_err(StoreError::internal)?;
            items.push((Part::IdNumber, TransactWriteItem::builder().delete(entry).build()));
            if stored.status.holds_place() {
                items.push((Part::Place, self.place(&stored, false)?));
            }
        }
        let failed = self.transact(items).await?;
        if failed.is_empty() {
            return Ok(true);
        }
        if failed.contains(&Part::Record) {
            return Ok(false);
        }
        Err(StoreError::unavailable(format!("transaction cancelled: {failed:?}")))
    }

    async fn reseal(&self, record: &Record) -> Result<bool, StoreError> {
        Ok(!self.transact(vec![(Part::Record, self.same_version_update(record)?)]).await?.contains(&Part::Record))
    }

    async fn get(&self, reference: &str) -> Result<Option<Record>, StoreError> {
        let out = self.item(format!("APP#{reference}"), "APP").await?;
        out.map(|item| decode(get_s(&item, "record")?)).transpose()
    }

    async fn by_number(&self, round: i32, id_hash: &str) -> Result<Vec<String>, StoreError> {
        self.number_entries(round, id_hash).await
    }

    async fn shared_numbers(&self, round: i32, id_hashes: &[String]) -> Result<Vec<NumberUse>, StoreError> {
        self.numbers_shared(round, id_hashes).await
    }

    async fn list(&self, round: i32, scope: Option<&HrScope>) -> Result<Vec<Record>, StoreError> {
        let mut records = match scope {
            Some(scope) => self.query_records("gsi1", scope_key(round, scope)).await?,
            None => {
                let shards = (0..SHARDS).map(|n| self.query_records("gsi2", round_key(round, n)));
                let mut all = Vec::new();
                for part in futures_util::future::join_all(shards).await {
                    all.extend(part?);
                }
                all
            }
        };
        records.sort_by(|a, b| (&a.created_at, &a.reference).cmp(&(&b.created_at, &b.reference)));
        Ok(records)
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

    async fn ping(&self) -> Result<(), StoreError> {
        self.client.describe_table().table_name(&self.table).send().await.map_err(sdk)?;
        Ok(())
    }
}
