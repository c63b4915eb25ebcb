//! Deployment settings, and the only place that reads the environment: links and keys
//! ([`Settings`]), and which store, mailer and blob store a process uses (`serve` or the Lambda).

use crate::blobs::Blobs;
use crate::mail::Mailer;
use crate::store::Store;
use policy::Signer;
use std::path::Path;
use std::sync::Arc;

/// Why the handler could not start: a setting missing or wrong, or a service not reachable.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartError(pub String);

/// The settings that may be read from Secrets Manager instead of the environment: the Lambda
/// names each secret in `{NAME}_SECRET_ID` (an ARN or a name) and reads it once at start.
pub const SECRET_SETTINGS: [&str; 5] =
    ["SMTP_URL", "TEPEI_SECRET", "TEPEI_HASH_SECRET", "TEPEI_PREVIOUS_KEYS", "TEPEI_DATA_KEY"];

/// Settings read from Secrets Manager at start, kept for the life of the process (one Lambda
/// instance): a changed secret is read by the next instance.
static SECRETS: std::sync::OnceLock<std::collections::HashMap<&'static str, String>> = std::sync::OnceLock::new();

/// A setting: from the secrets read at start, else from the environment; empty counts as unset.
fn var(name: &str) -> Option<String> {
    SECRETS
        .get()
        .and_then(|secrets| secrets.get(name).cloned())
        .or_else(|| std::env::var(name).ok())
        .filter(|v| !v.trim().is_empty())
}

/// Reads the secrets the environment names (`SMTP_URL_SECRET_ID`, …; through
/// `SECRETS_ENDPOINT` when set), once, before any setting is read. Returns how many were read;
/// a secret that cannot be read stops the start, naming the setting (never its value).
#[cfg(feature = "aws")]
pub async fn load_secrets() -> Result<usize, StartError> {
    let wanted: Vec<(&'static str, String)> =
        SECRET_SETTINGS.iter().filter_map(|name| var(&format!("{name}_SECRET_ID")).map(|id| (*name, id))).collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let values = fetch_secrets(var("SECRETS_ENDPOINT").as_deref(), &wanted).await?;
    let count = values.len();
    SECRETS.set(values).map_err(|_| StartError("the secrets were already read".into()))?;
    Ok(count)
}

/// The `SecretString` of each secret `id` named for a setting, by setting.
#[cfg(feature = "aws")]
pub async fn fetch_secrets(
    endpoint: Option<&str>,
    wanted: &[(&'static str, String)],
) -> Result<std::collections::HashMap<&'static str, String>, StartError> {
    let local = endpoint
        .filter(|_| !aws_credentials_set())
        .map(|_| aws_credential_types::Credentials::new("local", "local", None, None, "tepei-local"));
    let second = std::time::Duration::from_secs(1);
    let client =
        aws_sdk_secretsmanager::Client::new(&crate::aws::load_config(endpoint, local, 2 * second, 5 * second).await);
    let mut values = std::collections::HashMap::new();
    for (name, id) in wanted {
        let out = client.get_secret_value().secret_id(id).send().await.map_err(|e| {
            StartError(format!(
                "{name}: reading the secret {id} ({name}_SECRET_ID): {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
            ))
        })?;
        let value = out
            .secret_string()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| StartError(format!("{name}: the secret {id} holds no text")))?;
        values.insert(*name, value.trim().to_owned());
    }
    Ok(values)
}

fn start(e: impl std::fmt::Display) -> StartError {
    StartError(e.to_string())
}

fn required(name: &str) -> Result<String, StartError> {
    var(name).ok_or_else(|| StartError(format!("{name} is not set")))
}

/// Settings shared by every request.
pub struct Settings {
    /// Scheme, host and optional path prefix of the public site, e.g. `https://tepei.example.gov.cn`.
    /// Links in mail are built from this, never from the request's Host header.
    pub public_base_url: String,
    /// Signs and verifies links.
    pub signer: Signer,
    /// Key for the keyed hashes: the identity number (unique per round), client addresses and
    /// the codes printed on paper. It must not change within a round, so it stays when the link
    /// key rotates (`TEPEI_HASH_SECRET`; by default the link key).
    pub secret: Vec<u8>,
    /// How long a review link works.
    pub review_ttl: time::Duration,
    /// How long a status link works.
    pub status_ttl: time::Duration,
    /// Guards `POST /api/tasks/flush-outbox` (`serve`; the Lambda's schedule sends its own event).
    pub task_secret: String,
    /// Multiplies every rate limit (`RATE_LIMIT_SCALE`, default 1): only for load tests, which
    /// send thousands of applications from one address.
    pub limit_scale: u32,
    /// Proxies in front of the Lambda that append the client's address to `X-Forwarded-For`
    /// (`FORWARDED_HOPS`; 1 behind one CDN; default 0: API Gateway's source address).
    pub forwarded_hops: usize,
    /// How the scheduled flush sends the backlog (`MAIL_CONCURRENCY`, default 4;
    /// `FLUSH_SECONDS`, default 20).
    pub flush: crate::mail::FlushPlan,
    /// Seal the 身份证号 and phone of every record (`TEPEI_DATA_KEY`: `id:base64` pairs, the
    /// current key first; under `serve`, `data.key` in the data folder; [`Settings::new`]
    /// derives one from the link key, for tests and tools).
    pub data_keys: crate::personal::DataKeys,
}

/// `TEPEI_PREVIOUS_KEYS` read: `id:secret` pairs, each secret at least 32 characters, each id
/// once and none the current key's (`current_id`); anything else stops the start, naming the
/// variable.
pub fn previous_keys(text: &str, current_id: &str) -> Result<Vec<(String, String)>, StartError> {
    let refuse = |why: String| StartError(format!("TEPEI_PREVIOUS_KEYS: {why}"));
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, key) = pair.split_once(':').ok_or_else(|| refuse("expected id:secret pairs".into()))?;
        let (id, key) = (id.trim(), key.trim());
        if id.is_empty() {
            return Err(refuse("a key without its id".into()));
        }
        if key.len() < 32 {
            return Err(refuse(format!("the key of id {id} is shorter than 32 characters")));
        }
        if id == current_id || out.iter().any(|(seen, _)| seen == id) {
            return Err(refuse(format!("key id {id} appears twice (each id names one key)")));
        }
        out.push((id.to_owned(), key.to_owned()));
    }
    Ok(out)
}

impl Settings {
    /// Settings with the default lifetimes (review links 14 days, status links 400 days).
    pub fn new(public_base_url: &str, key_id: &str, secret: &[u8]) -> Self {
        Self {
            public_base_url: public_base_url.trim_end_matches('/').to_owned(),
            signer: Signer::new(key_id, secret),
            secret: secret.to_vec(),
            review_ttl: time::Duration::days(14),
            status_ttl: time::Duration::days(400),
            task_secret: policy::keyed_hash(secret, &["task-secret"]),
            limit_scale: 1,
            flush: crate::mail::FlushPlan::default(),
            forwarded_hops: 0,
            data_keys: crate::personal::DataKeys::derived(secret),
        }
    }

    /// From the environment, as the Lambda runs: `TEPEI_SECRET` (the link key, at least 32
    /// characters), `TEPEI_DATA_KEY` (the data keys, see [`crate::personal::DataKeys::parse`]),
    /// `PUBLIC_BASE_URL`, optional `TEPEI_KEY_ID` (default `k1`), `TEPEI_PREVIOUS_KEYS`
    /// (`id:secret,id:secret`, still accepted after rotation), `TEPEI_HASH_SECRET` (the key of the
    /// keyed hashes, kept across rotations; default the link key), `REVIEW_LINK_DAYS` (default 14)
    /// `TASK_SECRET` (default derived from the key) and `RATE_LIMIT_SCALE` (load tests only).
    pub fn from_env() -> Result<Self, StartError> {
        let secret = required("TEPEI_SECRET")?;
        if secret.len() < 32 {
            return Err(StartError("TEPEI_SECRET must be at least 32 characters".into()));
        }
        let base = required("PUBLIC_BASE_URL")?;
        // Records are sealed under a key of their own, never one derived from the link key.
        required("TEPEI_DATA_KEY")?;
        Self::from_env_with(&base, secret.as_bytes())
    }

    /// From the environment as `serve` runs: the link key and the data keys from the data
    /// folder (`TEPEI_DATA_KEY`, if set, wins), the base URL from `PUBLIC_BASE_URL` or else
    /// `default_base` (the address it listens on).
    pub fn for_serve(default_base: &str, key: &[u8], data_keys: &str) -> Result<Self, StartError> {
        let base = var("PUBLIC_BASE_URL").unwrap_or_else(|| default_base.to_owned());
        let mut settings = Self::from_env_with(&base, key)?;
        if var("TEPEI_DATA_KEY").is_none() {
            settings.data_keys = crate::personal::DataKeys::parse(data_keys)?;
        }
        Ok(settings)
    }

    fn from_env_with(base: &str, secret: &[u8]) -> Result<Self, StartError> {
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(StartError("PUBLIC_BASE_URL must start with https://".into()));
        }
        let key_id = var("TEPEI_KEY_ID").unwrap_or_else(|| "k1".into());
        let mut settings = Self::new(base, &key_id, secret);
        if let Some(previous) = var("TEPEI_PREVIOUS_KEYS") {
            for (id, key) in previous_keys(&previous, &key_id)? {
                settings.signer = settings.signer.with_previous(&id, key.as_bytes());
            }
        }
        if let Some(hash) = var("TEPEI_HASH_SECRET") {
            if hash.len() < 32 {
                return Err(StartError("TEPEI_HASH_SECRET must be at least 32 characters".into()));
            }
            settings.secret = hash.into_bytes();
        }
        if let Some(days) = var("REVIEW_LINK_DAYS") {
            let days: i64 = days.parse().map_err(|_| StartError("REVIEW_LINK_DAYS must be a number".into()))?;
            settings.review_ttl = time::Duration::days(days);
        }
        if let Some(keys) = var("TEPEI_DATA_KEY") {
            settings.data_keys = crate::personal::DataKeys::parse(&keys)?;
        }
        if let Some(task) = var("TASK_SECRET") {
            settings.task_secret = task;
        }
        if let Some(hops) = var("FORWARDED_HOPS") {
            settings.forwarded_hops = hops
                .parse()
                .ok()
                .filter(|h| *h <= 5)
                .ok_or_else(|| StartError("FORWARDED_HOPS must be a whole number from 0 to 5".into()))?;
        }
        if let Some(n) = var("MAIL_CONCURRENCY") {
            settings.flush.concurrency = n
                .parse()
                .ok()
                .filter(|n| (1..=64).contains(n))
                .ok_or_else(|| StartError("MAIL_CONCURRENCY must be a whole number from 1 to 64".into()))?;
        }
        if let Some(seconds) = var("FLUSH_SECONDS") {
            let seconds: u64 = seconds
                .parse()
                .ok()
                .filter(|s| (1..=900).contains(s))
                .ok_or_else(|| StartError("FLUSH_SECONDS must be a whole number from 1 to 900".into()))?;
            settings.flush.budget = std::time::Duration::from_secs(seconds);
        }
        if let Some(scale) = var("RATE_LIMIT_SCALE") {
            settings.limit_scale = scale
                .parse()
                .ok()
                .filter(|s| *s >= 1)
                .ok_or_else(|| StartError("RATE_LIMIT_SCALE must be a whole number of at least 1".into()))?;
        }
        Ok(settings)
    }

    /// An absolute link to `path`.
    pub fn link(&self, path: &str) -> String {
        format!("{}{path}", self.public_base_url)
    }

    /// The site's origin (scheme and host), which same-site form posts carry.
    pub fn origin(&self) -> String {
        self.public_base_url.splitn(4, '/').take(3).collect::<Vec<_>>().join("/")
    }
}

/// The store `serve` uses: DynamoDB when `TEPEI_STORE=dynamodb` (table `TABLE_NAME`, default
/// `tepei`, at `DYNAMODB_ENDPOINT` if set; created from infra/template.yaml if missing), else
/// SQLite in `data/tepei.sqlite3`. Returns a description for the start-up log.
pub async fn serve_store(data: &Path) -> Result<(Arc<dyn Store>, String), StartError> {
    if var("TEPEI_STORE").is_some_and(|v| v == "dynamodb") {
        return dynamodb_for_serve().await;
    }
    sqlite_store(data)
}

#[cfg(feature = "sqlite")]
fn sqlite_store(data: &Path) -> Result<(Arc<dyn Store>, String), StartError> {
    let path = data.join("tepei.sqlite3");
    let store = crate::store::SqliteStore::open(&path).map_err(|e| StartError(format!("{}: {e}", path.display())))?;
    Ok((Arc::new(store), format!("SQLite {}", path.display())))
}

#[cfg(not(feature = "sqlite"))]
fn sqlite_store(_: &Path) -> Result<(Arc<dyn Store>, String), StartError> {
    Err(StartError("this build has no SQLite store: build with the `sqlite` feature".into()))
}

#[cfg(feature = "table-spec")]
async fn dynamodb_for_serve() -> Result<(Arc<dyn Store>, String), StartError> {
    use crate::store::{Applications, DynamoStore, TableSpec};
    let table = var("TABLE_NAME").unwrap_or_else(|| "tepei".into());
    let endpoint = var("DYNAMODB_ENDPOINT");
    let store = DynamoStore::new(DynamoStore::client(endpoint.as_deref()).await, &table);
    if store.ping().await.is_err() {
        let spec = TableSpec::embedded().map_err(StartError)?;
        store.create_table(&spec).await.map_err(|e| StartError(format!("creating DynamoDB table {table}: {e}")))?;
    }
    let described = format!("DynamoDB table {table}{}", endpoint.map(|e| format!(" at {e}")).unwrap_or_default());
    Ok((Arc::new(store), described))
}

#[cfg(not(feature = "table-spec"))]
async fn dynamodb_for_serve() -> Result<(Arc<dyn Store>, String), StartError> {
    Err(missing_aws("TEPEI_STORE=dynamodb"))
}

/// The error of a build without the AWS adapters asked for one of them.
#[cfg(not(feature = "table-spec"))]
fn missing_aws(asked: &str) -> StartError {
    StartError(format!(
        "{asked} needs the AWS adapters, which this build leaves out: build with `cargo run --release --features aws -- serve`"
    ))
}

/// The store the Lambda uses: DynamoDB table `TABLE_NAME` (at `DYNAMODB_ENDPOINT` if set).
#[cfg(feature = "aws")]
pub async fn lambda_store() -> Result<Arc<dyn Store>, StartError> {
    let table = required("TABLE_NAME")?;
    let endpoint = var("DYNAMODB_ENDPOINT");
    let client = crate::store::DynamoStore::client(endpoint.as_deref()).await;
    Ok(Arc::new(crate::store::DynamoStore::new(client, table)))
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
        return Err(StartError(format!(
            "MAIL_FROM is {from:?}, not an address: it must read like 特培申报 <noreply@example.gov.cn> \
             (with sam deploy, quote the whole override: 'MailFrom=\"特培申报 <noreply@example.gov.cn>\"')"
        )));
    }
    match (smtp, outbox) {
        (Some(url), _) => Ok(Arc::new(crate::mail::SmtpMailer::new(&url, &from).map_err(start)?)),
        (None, Some(dir)) => Ok(Arc::new(crate::mail::FileMailer::new(dir, &from).map_err(start)?.printing_links())),
        (None, None) => Err(StartError("SMTP_URL is not set".into())),
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
            let blobs = crate::blobs::FsBlobs::new(root.to_owned()).map_err(|e| StartError(e.to_string()))?;
            Ok(Some((Arc::new(blobs), format!("files under {}", root.display()))))
        }
        None => Ok(None),
    }
}

#[cfg(feature = "aws")]
async fn s3_blobs(bucket: &str) -> Result<(Arc<dyn Blobs>, String), StartError> {
    let blobs = crate::blobs::S3Blobs::connect(bucket, var("S3_ENDPOINT").as_deref(), None)
        .await
        .map_err(|e| StartError(e.to_string()))?;
    let described = format!("S3 bucket {bucket}, uploads to {}", blobs.post_url());
    Ok((Arc::new(blobs), described))
}

#[cfg(not(feature = "aws"))]
async fn s3_blobs(_: &str) -> Result<(Arc<dyn Blobs>, String), StartError> {
    Err(missing_aws("UPLOAD_BUCKET"))
}

/// Whether the environment names AWS credentials itself (`AWS_ACCESS_KEY_ID`); without them a
/// local endpoint (DynamoDB Local) gets dummy ones.
#[cfg(feature = "aws")]
pub(crate) fn aws_credentials_set() -> bool {
    std::env::var_os("AWS_ACCESS_KEY_ID").is_some()
}

/// Whether the environment names a region (`AWS_REGION` or `AWS_DEFAULT_REGION`).
#[cfg(feature = "aws")]
pub(crate) fn aws_region_set() -> bool {
    std::env::var_os("AWS_REGION").is_some() || std::env::var_os("AWS_DEFAULT_REGION").is_some()
}

/// Whether the Lambda should log JSON lines (`LOG_FORMAT=json`, the default on Lambda).
pub fn json_logs() -> bool {
    var("LOG_FORMAT").is_none_or(|v| v == "json")
}

#[cfg(test)]
mod tests {
    use super::previous_keys;

    #[test]
    fn previous_keys_are_long_and_named_once() {
        let long = "x".repeat(32);
        let keys = previous_keys(&format!(" k0:{long} , k00:{long}"), "k1").expect("good");
        assert_eq!(keys.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(), ["k0", "k00"]);
        for bad in [
            format!("k0:{}", "x".repeat(31)),
            format!("k0:{long},k0:{long}"),
            format!("k1:{long}"),
            format!(":{long}"),
            "k0".to_owned(),
        ] {
            let err = previous_keys(&bad, "k1").expect_err(&bad).to_string();
            assert!(err.contains("TEPEI_PREVIOUS_KEYS"), "{err}");
        }
    }
}
