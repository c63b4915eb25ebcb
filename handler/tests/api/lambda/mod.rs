//! The Lambda's Router fed API Gateway HTTP API (payload 2.0) events from fixtures, converted by
//! `lambda_http` exactly as the runtime converts them.

use handler::mail::FileMailer;
use handler::store::{SqliteStore, Store};
use handler::{AppState, Clock, Settings, app};
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

mod calls;
mod cdn;
mod iam;
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
    let response = app(lambda.state.clone()).oneshot(request).await.expect("infallible");
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
    let response = app(l.state.clone()).oneshot(request).await.expect("infallible");
    assert_eq!(response.status(), 200, "the page asking to confirm by mail");
    let stored = l.store.list(2025, None).await.expect("list");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].application.gender, policy::Gender::Male);
}

/// An API Gateway event through the function's dispatcher, as the runtime hands it over: the
/// Router answers, in API Gateway's response shape.
#[tokio::test]
async fn the_dispatcher_hands_api_gateway_events_to_the_router() {
    let l = lambda();
    let path = format!("{}/tests/fixtures/apigw-v2-health.json", env!("CARGO_MANIFEST_DIR"));
    let event: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture")).expect("json");
    assert!(!handler::lambda::is_scheduled(&event));
    let invocation = lambda_http::LambdaEvent::new(event, lambda_http::Context::default());
    let answer = handler::lambda::handle(Some(&l.state), app(l.state.clone()), invocation).await.expect("answer");
    assert_eq!(answer["statusCode"], 200, "{answer}");
    assert_eq!(answer["body"], "{\"status\":\"ok\"}", "{answer}");
}

/// A function whose settings are wrong answers every request 503 with a page in Chinese that
/// says what to do (or JSON when asked), never the cause.
#[tokio::test]
async fn a_function_that_could_not_start_answers_503_with_a_page() {
    let path = format!("{}/tests/fixtures/apigw-v2-eligibility.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    let event: Value = serde_json::from_str(&text).expect("json");
    let invocation = lambda_http::LambdaEvent::new(event, lambda_http::Context::default());
    let answer = handler::lambda::handle(None, handler::lambda::unavailable_app(), invocation).await.expect("answer");
    assert_eq!(answer["statusCode"], 503, "{answer}");
    let body = answer["body"].as_str().expect("body");
    assert!(body.contains("系统暂时无法受理") || body.contains("暂时无法受理"), "{body}");
    let page = handler::lambda::unavailable_app()
        .oneshot(
            axum::http::Request::get("/status/x")
                .header("accept", "text/html")
                .body(axum::body::Body::empty())
                .expect("req"),
        )
        .await
        .expect("infallible");
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "300");
    let html = String::from_utf8(axum::body::to_bytes(page.into_body(), 1 << 16).await.expect("body").to_vec())
        .expect("utf-8");
    assert!(html.contains("lang=\"zh-CN\"") && html.contains("没有保存任何内容") && html.contains("约半小时后再试"));
}

/// Behind a CDN (`FORWARDED_HOPS=1`) the client is the address the CDN appended to
/// `X-Forwarded-For`: a client writing its own first entries cannot escape its rate limit, and
/// another client behind the same CDN is not held by it.
#[tokio::test]
async fn behind_a_cdn_the_rate_limit_counts_the_address_the_cdn_appended() {
    let l = lambda();
    let mut settings = Settings::new("https://tepei.example.gov.cn", "k1", b"lambda test key, long enough for hmac");
    settings.forwarded_hops = 1;
    let app = app(l.state.clone().with_settings(settings));
    let ask = |forwarded: String| {
        let app = app.clone();
        async move {
            let request = axum::http::Request::post("/api/status-link")
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .header("x-forwarded-for", forwarded)
                .body(axum::body::Body::from(r#"{"reference":"TP2025-X","email":"a@example.com"}"#))
                .expect("request");
            app.oneshot(request).await.expect("infallible").status().as_u16()
        }
    };
    for n in 0..30 {
        assert_eq!(ask(format!("10.9.{n}.1, 203.0.113.7")).await, 202, "request {n}");
    }
    assert_eq!(ask("10.9.99.1, 203.0.113.7".into()).await, 429, "a new first entry changes nothing");
    assert_eq!(ask("203.0.113.8".into()).await, 202, "another client behind the CDN");
}

/// The Lambda starts only on tepei's tables (`config::lambda_store` checks both): one that is not
/// there, or of another shape, stops the start, so the function answers 503 and the CannotStart
/// alarm fires instead of failing each request; nothing is created.
#[tokio::test]
async fn the_function_starts_only_on_its_own_table() {
    use handler::store::{DynamoStore, TableSpec};
    let (store, client, table) = crate::machine::dynamo_table().await;
    let (arn, _) = store.check_table().await.expect("tepei's table");
    assert!(arn.ends_with(&format!(":table/{table}")), "{arn}");
    let missing = DynamoStore::new(client.clone(), format!("{table}-gone"));
    assert!(missing.check_table().await.is_err(), "a table that is not there");
    let tables = client.list_tables().send().await.expect("tables");
    assert!(!tables.table_names().contains(&format!("{table}-gone")), "nothing is created");
    let no_counters = DynamoStore::new(client.clone(), &table).with_limits(format!("{table}-no-counters"));
    let refused = no_counters.check_table().await.expect_err("the counters' table is not there");
    assert!(handler::Chain(&refused).to_string().contains("ResourceNotFound"), "{}", handler::Chain(&refused));
    let mut other = TableSpec::embedded().expect("infra/template.yaml");
    other.indexes.clear();
    other.attributes.retain(|(name, _)| name == "pk" || name == "sk");
    let plain = DynamoStore::new(client, format!("{table}-plain"));
    plain.create_table(&other).await.expect("a table without the indexes");
    let refused = plain.check_table().await.expect_err("not tepei's table");
    let cause = handler::Chain(&refused).to_string();
    assert!(cause.contains("is not tepei's table: it has no index gsi1; it has no index gsi2"), "{cause}");
}
