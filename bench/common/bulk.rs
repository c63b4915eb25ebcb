//! Benchmark setup: the items a submission's transaction writes, written in batches of 25
//! (DynamoDB Local serialises transactions; the setup is not what is measured).

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use handler::store::{DynamoStore, Event, Mail, Record};
use policy::{Actor, EventKind, Status};
use std::time::Duration;

/// `record` as its submission leaves it for the benchmark: its `submitted` event (by
/// `actor_address`, if named) and one receipt mail to the applicant.
pub fn taken(record: Record, actor_address: Option<String>) -> (Record, Event, Mail) {
    let (reference, created) = (record.reference.clone(), record.created_at.clone());
    let event = Event {
        seq: 1,
        kind: EventKind::Submitted,
        actor: Actor::Applicant,
        actor_address,
        at: created.clone(),
        comment: None,
        status: Status::UnitReview,
        client_hash: None,
        changes: Vec::new(),
        version_hash: None,
    };
    let mail = Mail {
        id: format!("{reference}-m1"),
        reference,
        to: record.application.email.to_string(),
        subject: "【特培申报】申报已受理".into(),
        text: "您的申报已受理。".repeat(40),
        html: format!("<p>{}</p>", "您的申报已受理。".repeat(40)),
        created_at: created,
        attempts: 0,
        files: Vec::new(),
        reply_to: None,
        about: Vec::new(),
    };
    (record, event, mail)
}

/// Writes each application's items as `create` would, its mail as sending leaves it when `sent`.
pub async fn write(dynamo: &DynamoStore, table: &str, apps: &[(Record, Event, Mail)], sent: bool) {
    let mut items = Vec::new();
    for (record, event, mail) in apps {
        for item in dynamo.create_items(record, event, std::slice::from_ref(mail), &[]).expect("items") {
            let mut item = item.put.expect("a put").item;
            if sent && item.get("sk").and_then(|v| v.as_s().ok()).is_some_and(|sk| sk == "MAIL") {
                item.remove("gsi2pk");
                item.remove("gsi2sk");
                item.insert("sent_at".into(), AttributeValue::S(record.created_at.clone()));
                item.insert("attempts".into(), AttributeValue::N("1".into()));
            }
            let put = PutRequest::builder().set_item(Some(item)).build().expect("put");
            items.push(WriteRequest::builder().put_request(put).build());
        }
    }
    for chunk in items.chunks(25) {
        let mut left = chunk.to_vec();
        for tries in 0..30 {
            let out = dynamo.sdk().batch_write_item().request_items(table, left.clone()).send().await;
            left = match out {
                Ok(out) => out.unprocessed_items.and_then(|mut u| u.remove(table)).unwrap_or_default(),
                Err(_) => left,
            };
            if left.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20 * (tries + 1))).await;
        }
        assert!(left.is_empty(), "items not written after 30 tries");
    }
}
