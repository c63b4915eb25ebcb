//! The outbox on DynamoDB: pending mail in `gsi2`, leased by a conditional update.

use super::applications::Part;
use super::{
    DynamoStore, TTL_ATTRIBUTE, decode, encode, expiry_after_sending, get_n, get_s, mail_item, n, put, s, sdk,
    summary_key,
};
use crate::store::{Counters, Mail, MailQueue, StoreError, SummarySent};
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};

impl DynamoStore {
    /// The query of unsent mail (`gsi2`, oldest first).
    fn pending_mail(&self) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .index_name("gsi2")
            .key_condition_expression("gsi2pk = :p")
            .expression_attribute_values(":p", s("MAIL#PENDING"))
    }
}

#[async_trait::async_trait]
impl MailQueue for DynamoStore {
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

    async fn claim_mail(&self, now: i64, lease: i64, limit: usize) -> Result<Vec<Mail>, StoreError> {
        let out = self.pending_mail().limit((limit * 4).min(1000) as i32).send().await.map_err(sdk)?;
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
        let mut pages = self.pending_mail().select(aws_sdk_dynamodb::types::Select::Count).into_paginator().send();
        while let Some(page) = pages.next().await {
            count += page.map_err(sdk)?.count as usize;
        }
        Ok(count)
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
            .map_err(|e| StoreError::Internal(e.to_string()))?;
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
            .table_name(&self.table)
            .key("pk", s(format!("LIMIT#{key}#{window_start}")))
            .key("sk", s("LIMIT"))
            .update_expression("ADD hits :one SET #ttl = :ttl")
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
