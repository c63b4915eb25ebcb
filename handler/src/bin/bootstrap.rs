//! The AWS Lambda entry point: the same Router as `tepei serve`, on DynamoDB and an SMTP relay.
//!
//! Environment: `TABLE_NAME`, `SMTP_URL`, `MAIL_FROM`, `TEPEI_SECRET`, `PUBLIC_BASE_URL`, optional
//! `DYNAMODB_ENDPOINT`, `TEPEI_KEY_ID`, `TEPEI_PREVIOUS_KEYS`, `REVIEW_LINK_DAYS`, `TASK_SECRET`,
//! `UPLOAD_BUCKET` (attachments; without it they are refused) and `S3_ENDPOINT`.

use handler::mail::SmtpMailer;
use handler::store::DynamoStore;
use handler::{AppState, Clock, Settings, lambda_app};
use std::sync::Arc;

fn required(name: &str) -> Result<String, lambda_http::Error> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or_else(|| format!("{name} is not set").into())
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber_init();
    let settings = Settings::from_env()?;
    let table = required("TABLE_NAME")?;
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").ok().filter(|v| !v.is_empty());
    let client = DynamoStore::client(endpoint.as_deref()).await;
    let store = Arc::new(DynamoStore::new(client, table));
    let mailer = SmtpMailer::new(&required("SMTP_URL")?, &required("MAIL_FROM")?)?;
    let mut state = AppState::new(Clock::system(), store, settings)?.with_inline_mailer(Arc::new(mailer));
    match handler::blobs::from_env(None).await? {
        Some((blobs, described)) => {
            tracing::info!(uploads = %described, "attachments enabled");
            state = state.with_blobs(blobs);
        }
        None => tracing::warn!("UPLOAD_BUCKET is not set: attachments are refused"),
    }
    lambda_http::run(lambda_app(state)).await
}

fn tracing_subscriber_init() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_target(false)
        .without_time()
        .with_ansi(false)
        .init();
}
