//! The AWS Lambda entry point: the same Router as `tepei serve`, on DynamoDB and an SMTP relay.
//!
//! Environment (read by `handler::config`): `TABLE_NAME`, `SMTP_URL`, `MAIL_FROM`,
//! `TEPEI_SECRET`, `PUBLIC_BASE_URL`, optional `DYNAMODB_ENDPOINT`, `TEPEI_KEY_ID`,
//! `TEPEI_PREVIOUS_KEYS`, `TEPEI_HASH_SECRET`, `REVIEW_LINK_DAYS`, `TASK_SECRET`, `UPLOAD_BUCKET`
//! (attachments; without it they are refused), `S3_ENDPOINT` and `LOG_FORMAT` (`json`, the
//! default, or `text`).

use handler::{AppState, Clock, Settings, config, lambda_app};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    init_logs(config::json_logs());
    let settings = Settings::from_env()?;
    let store = config::lambda_store().await?;
    let mailer = config::mailer(None)?;
    let mut state = AppState::new(Clock::system(), store, settings)?.with_inline_mailer(mailer);
    match config::blobs(None).await? {
        Some((blobs, described)) => {
            tracing::info!(uploads = %described, "attachments enabled");
            state = state.with_blobs(blobs);
        }
        None => tracing::warn!("UPLOAD_BUCKET is not set: attachments are refused"),
    }
    lambda_http::run(lambda_app(state)).await
}

/// One JSON object per line (CloudWatch Logs Insights reads its fields), with the request's
/// span (route, request id); or plain text.
fn init_logs(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).without_time().with_ansi(false);
    if json {
        logs.json().with_current_span(true).with_span_list(false).init();
    } else {
        logs.init();
    }
}
