//! Which store, mailer and blob store a process uses (`serve` or the Lambda), built from the
//! environment and handed the clients they need.

use super::StartError;
use super::env::{required, var};
use crate::blobs::Blobs;
use crate::mail::Mailer;
use crate::store::Store;
use std::path::Path;
use std::sync::Arc;

/// The store `serve` and the data commands use: DynamoDB when `TEPEI_STORE=dynamodb` (table
/// `TABLE_NAME`, default `tepei`, its rate limits' counters in `LIMITS_TABLE_NAME`, default
/// `TABLE_NAME-limits`, at `DYNAMODB_ENDPOINT` if set), else SQLite in `data/tepei.sqlite3`.
/// DynamoDB tables that are not there are created from infra/template.yaml only when `serving`
/// and `TEPEI_CREATE_TABLE=1` (a local DynamoDB): a mistyped name must stop a command, not give
/// it an empty new table. Returns a description for the start-up log.
pub async fn serve_store(data: &Path, serving: bool) -> Result<(Arc<dyn Store>, String), StartError> {
    if var("TEPEI_STORE").is_some_and(|v| v == "dynamodb") {
        return dynamodb_for_serve(serving && var("TEPEI_CREATE_TABLE").is_some_and(|v| v == "1")).await;
    }
    sqlite_store(data)
}

#[cfg(feature = "sqlite")]
fn sqlite_store(data: &Path) -> Result<(Arc<dyn Store>, String), StartError> {
    let path = data.join("tepei.sqlite3");
    let store =
        crate::store::SqliteStore::open(&path).map_err(|e| StartError::failed(path.display().to_string(), e))?;
    Ok((Arc::new(store), format!("SQLite {}", path.display())))
}

#[cfg(not(feature = "sqlite"))]
fn sqlite_store(_: &Path) -> Result<(Arc<dyn Store>, String), StartError> {
    Err(StartError::setting("this build has no SQLite store: build with the `sqlite` feature"))
}

#[cfg(feature = "table-spec")]
async fn dynamodb_for_serve(create: bool) -> Result<(Arc<dyn Store>, String), StartError> {
    use crate::store::{Applications, DynamoStore, TableSpec};
    let table = var("TABLE_NAME").unwrap_or_else(|| "tepei".into());
    let endpoint = var("DYNAMODB_ENDPOINT");
    let mut store = DynamoStore::new(super::aws::dynamo_client(endpoint.as_deref()).await, &table);
    if let Some(limits) = var("LIMITS_TABLE_NAME") {
        store = store.with_limits(limits);
    }
    if create {
        let spec = TableSpec::embedded().map_err(StartError::setting)?;
        store.create_table(&spec).await.map_err(|e| {
            StartError::failed(format!("creating DynamoDB tables {table} and {}", store.limits_table()), e)
        })?;
    } else if let Err(e) = store.ping().await {
        let what = format!(
            "DynamoDB table {table} is not there or not reachable (check TABLE_NAME and AWS_REGION; `serve` creates a missing table only with TEPEI_CREATE_TABLE=1)"
        );
        return Err(StartError::failed(what, e));
    }
    let described = format!("DynamoDB table {table}{}", endpoint.map(|e| format!(" at {e}")).unwrap_or_default());
    Ok((Arc::new(store), described))
}

#[cfg(not(feature = "table-spec"))]
async fn dynamodb_for_serve(_: bool) -> Result<(Arc<dyn Store>, String), StartError> {
    Err(missing_aws("TEPEI_STORE=dynamodb"))
}

/// The error of a build without the AWS adapters asked for one of them.
#[cfg(not(feature = "table-spec"))]
fn missing_aws(asked: &str) -> StartError {
    StartError::setting(format!(
        "{asked} needs the AWS adapters, which this build leaves out: build with `cargo run --release --features aws -- serve`"
    ))
}

/// The store the Lambda uses: DynamoDB table `TABLE_NAME`, its rate limits' counters in
/// `LIMITS_TABLE_NAME` (at `DYNAMODB_ENDPOINT` if set).
#[cfg(feature = "aws")]
pub async fn lambda_store() -> Result<Arc<dyn Store>, StartError> {
    let table = required("TABLE_NAME")?;
    let limits = required("LIMITS_TABLE_NAME")?;
    let endpoint = var("DYNAMODB_ENDPOINT");
    let client = super::aws::dynamo_client(endpoint.as_deref()).await;
    let store = crate::store::DynamoStore::new(client, table.clone()).with_limits(limits.clone());
    // A table that is not there, or not shaped as the adapter writes, stops the start (503 and
    // the CannotStart alarm) rather than failing each request; nothing is created.
    let (arn, created) = store
        .check_table()
        .await
        .map_err(|e| StartError::failed(format!("DynamoDB tables {table} and {limits}"), e))?;
    tracing::info!(table = %arn, created = %created, "DynamoDB table checked");
    Ok(Arc::new(store))
}

/// The mailer: the SMTP relay `SMTP_URL` (sending as `MAIL_FROM`); without it, `serve` writes
/// `.eml` files into `outbox` and prints their links, and the Lambda refuses to start.
pub fn mailer(outbox: Option<&Path>) -> Result<Arc<dyn Mailer>, StartError> {
    let smtp = var("SMTP_URL");
    let from = match outbox {
        Some(_) => var("MAIL_FROM").unwrap_or_else(|| "特培申报 <noreply@tepei.localhost>".to_owned()),
        None => required("MAIL_FROM")?,
    };
    if !from.contains('@') {
        return Err(StartError::setting(format!(
            "MAIL_FROM is {from:?}, not an address: it must read like 特培申报 <noreply@example.gov.cn> \
             (with sam deploy, quote the whole override: 'MailFrom=\"特培申报 <noreply@example.gov.cn>\"')"
        )));
    }
    match (smtp, outbox) {
        (Some(url), _) => Ok(Arc::new(
            crate::mail::SmtpMailer::new(&url, &from).map_err(|e| StartError::failed("the SMTP relay SMTP_URL", e))?,
        )),
        (None, Some(dir)) => Ok(Arc::new(
            crate::mail::FileMailer::new(dir, &from)
                .map_err(|e| StartError::failed(dir.display().to_string(), e))?
                .printing_links(),
        )),
        (None, None) => Err(StartError::setting("SMTP_URL is not set")),
    }
}

/// Where uploads are kept: the bucket `UPLOAD_BUCKET` (through `S3_ENDPOINT` when set, for an
/// S3-compatible server), else files under `local` if given (`uploads/`, and `records/` for the
/// files of taken applications), else none (attachments refused).
/// Returns a description for the start-up log.
pub async fn blobs(local: Option<&Path>) -> Result<Option<(Arc<dyn Blobs>, String)>, StartError> {
    if let Some(bucket) = var("UPLOAD_BUCKET") {
        return s3_blobs(&bucket).await.map(Some);
    }
    match local {
        Some(root) => {
            let blobs = crate::blobs::FsBlobs::new(root.to_owned())
                .map_err(|e| StartError::failed(root.display().to_string(), e))?;
            Ok(Some((Arc::new(blobs), format!("files under {}", root.display()))))
        }
        None => Ok(None),
    }
}

#[cfg(feature = "aws")]
async fn s3_blobs(bucket: &str) -> Result<(Arc<dyn Blobs>, String), StartError> {
    let blobs = super::aws::s3_blobs(bucket, var("S3_ENDPOINT").as_deref(), None)
        .await
        .map_err(|e| StartError::failed(format!("S3 bucket {bucket}"), e))?;
    let described = format!("S3 bucket {bucket}, uploads to {}", blobs.post_url());
    Ok((Arc::new(blobs), described))
}

#[cfg(not(feature = "aws"))]
async fn s3_blobs(_: &str) -> Result<(Arc<dyn Blobs>, String), StartError> {
    Err(missing_aws("UPLOAD_BUCKET"))
}
