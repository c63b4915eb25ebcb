//! The AWS Lambda entry point: the same Router as `tepei serve`, on DynamoDB and an SMTP relay;
//! the schedule's event drains the outbox (`handler::lambda`).
//!
//! Environment (read by `handler::config`): `TABLE_NAME`, `SMTP_URL`, `MAIL_FROM`,
//! `TEPEI_SECRET`, `TEPEI_DATA_KEY`, `PUBLIC_BASE_URL`, optional `DYNAMODB_ENDPOINT`, `TEPEI_KEY_ID`,
//! `TEPEI_PREVIOUS_KEYS`, `TEPEI_HASH_SECRET`, `REVIEW_LINK_DAYS`, `UPLOAD_BUCKET`
//! (attachments; without it they are refused), `S3_ENDPOINT`, `MAIL_CONCURRENCY`,
//! `FLUSH_SECONDS` and `LOG_FORMAT` (`json`, the default, or `text`). Each of `SMTP_URL`,
//! `TEPEI_SECRET`, `TEPEI_HASH_SECRET`, `TEPEI_PREVIOUS_KEYS` and `TEPEI_DATA_KEY` may instead be read from Secrets
//! Manager at start: `{NAME}_SECRET_ID` names the secret (`SECRETS_ENDPOINT` for a local server).
//!
//! Settings that do not work do not crash every invocation: the cause is logged once at error
//! level (`tepei cannot start`) and every request is answered 503 with a page that says so.

use handler::{AppState, Clock, Settings, StartError, config};

#[tokio::main]
async fn main() -> Result<(), handler::lambda::Error> {
    init_logs(config::json_logs());
    let state = match start().await {
        Ok(state) => Some(state),
        Err(e) => {
            tracing::error!(alarm = handler::alarm::CANNOT_START, cause = %handler::Chain(&e), "tepei cannot start: every request is answered 503 until the settings are fixed");
            None
        }
    };
    handler::lambda::run(state).await
}

/// Secrets, settings, store, mailer and attachments, as the environment names them.
async fn start() -> Result<AppState, StartError> {
    let loaded = config::load_secrets().await?;
    if loaded > 0 {
        tracing::info!(secrets = loaded, "settings read from Secrets Manager");
    }
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
    Ok(state)
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
