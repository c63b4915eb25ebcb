//! The Lambda's Router fed API Gateway HTTP API (payload 2.0) events from fixtures, converted by
//! `lambda_http` exactly as the runtime converts them.

use handler::mail::FileMailer;
use handler::store::{SqliteStore, Store};
use handler::{AppState, Clock, Settings, lambda_app};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

mod packaged;
mod template;

struct Lambda {
    state: AppState,
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
}

fn lambda() -> Lambda {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db.sqlite3")).expect("sqlite"));
    let mailer = FileMailer::new(&dir.path().join("outbox"), "noreply@example.gov.cn").expect("mailer");
    let settings = Settings::new("https://tepei.example.gov.cn", "k1", b"lambda test key, long enough for hmac");
    let clock = Clock::starting_at(time::macros::datetime!(2025-03-15 09:00 +8));
    let state = AppState::new(clock, store.clone(), settings).expect("state").with_inline_mailer(Arc::new(mailer));
    Lambda { state, store, _dir: dir }
}

async fn invoke(lambda: &Lambda, fixture: &str) -> (u16, Value) {
    let path = format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let request = lambda_http::request::from_str(&text).expect("API Gateway v2 event");
    let response = lambda_app(lambda.state.clone()).oneshot(request).await.expect("infallible");
    let status = response.status().as_u16();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

#[tokio::test]
async fn health() {
    let l = lambda();
    assert_eq!(invoke(&l, "apigw-v2-health.json").await, (200, serde_json::json!({"status": "ok"})));
}

#[tokio::test]
async fn eligibility_json_body() {
    let l = lambda();
    let (status, body) = invoke(&l, "apigw-v2-eligibility.json").await;
    assert_eq!(status, 200);
    assert_eq!((body["eligible"].clone(), body["programme"].clone()), (Value::Bool(true), Value::from("northeast")));
}

#[tokio::test]
async fn application_as_json_and_repeated_invocation_stores_one() {
    let l = lambda();
    let (status, first) = invoke(&l, "apigw-v2-application-json.json").await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "unconfirmed", "{first}");
    assert!(first.get("status_url").is_none(), "the status link goes by mail only");
    // The same event delivered again (a retried invocation): the same answer, one record.
    let (status, again) = invoke(&l, "apigw-v2-application-json.json").await;
    assert_eq!((status, &again["reference"]), (201, &first["reference"]));
    assert_eq!(l.store.list(2025, None).await.expect("list").len(), 1);
    assert_eq!(l.store.unsent_mail().await.expect("count"), 0, "mail sent within the invocation");
}

#[tokio::test]
async fn application_as_base64_form_body() {
    let l = lambda();
    let path = format!("{}/tests/fixtures/apigw-v2-application-form-base64.json", env!("CARGO_MANIFEST_DIR"));
    let request = lambda_http::request::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("event");
    let response = lambda_app(l.state.clone()).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 200, "the page asking to confirm by mail");
    let stored = l.store.list(2025, None).await.expect("list");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].application.gender, policy::Gender::Male);
}

#[tokio::test]
async fn stage_prefix_is_removed() {
    let l = lambda();
    assert_eq!(invoke(&l, "apigw-v2-stage-prefix.json").await, (200, serde_json::json!({"status": "ok"})));
}
