//! The AWS side of the assembly: one way to load the SDK configuration, the secrets read at
//! start, and the SDK clients handed to the DynamoDB and S3 adapters when they are built.

use super::StartError;
use super::env::{aws_credentials_set, aws_region_set, var};
use aws_credential_types::Credentials;
use std::collections::HashMap;
use std::time::Duration;

/// The region used when none is configured: data of this programme stays in mainland China.
pub const DEFAULT_REGION: &str = "cn-north-1";

/// The settings that may be read from Secrets Manager instead of the environment: the Lambda
/// names each secret in `{NAME}_SECRET_ID` (an ARN or a name) and reads it once at start.
pub const SECRET_SETTINGS: [&str; 5] =
    ["SMTP_URL", "TEPEI_SECRET", "TEPEI_HASH_SECRET", "TEPEI_PREVIOUS_KEYS", "TEPEI_DATA_KEY"];

/// The environment's AWS configuration (the Lambda's role and region) with timeouts of
/// `attempt` per attempt and `total` per operation. `endpoint` points the client at a local
/// server; `credentials`, when given, replace the environment's.
pub async fn load_config(
    endpoint: Option<&str>,
    credentials: Option<Credentials>,
    attempt: Duration,
    total: Duration,
) -> aws_config::SdkConfig {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(attempt)
        .operation_timeout(total)
        .build();
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(endpoint) = endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    if let Some(credentials) = credentials {
        loader = loader.credentials_provider(credentials);
    }
    if !aws_region_set() {
        loader = loader.region(aws_config::Region::new(DEFAULT_REGION));
    }
    loader.load().await
}

/// Dummy credentials for a local `endpoint` when the environment names none.
fn local_credentials(endpoint: Option<&str>) -> Option<Credentials> {
    endpoint.filter(|_| !aws_credentials_set()).map(|_| Credentials::new("local", "local", None, None, "tepei-local"))
}

/// A DynamoDB client from the environment; `endpoint` (DynamoDB Local) overrides the service
/// address and, with no credentials configured, local dummy ones are used.
pub async fn dynamo_client(endpoint: Option<&str>) -> aws_sdk_dynamodb::Client {
    let second = Duration::from_secs(1);
    aws_sdk_dynamodb::Client::new(&load_config(endpoint, local_credentials(endpoint), 2 * second, 5 * second).await)
}

/// The S3 adapter for `bucket` with the default AWS configuration (the Lambda's role), or at an
/// S3-compatible server at `endpoint` (path-style addressing) with the given credentials.
pub async fn s3_blobs(
    bucket: &str,
    endpoint: Option<&str>,
    credentials: Option<Credentials>,
) -> Result<crate::blobs::S3Blobs, crate::blobs::BlobError> {
    let second = Duration::from_secs(1);
    let config = load_config(endpoint, credentials, 10 * second, 20 * second).await;
    crate::blobs::S3Blobs::new(&config, bucket, endpoint)
}

/// Reads the secrets the environment names (`SMTP_URL_SECRET_ID`, …; through
/// `SECRETS_ENDPOINT` when set), once, before any setting is read. Returns how many were read;
/// a secret that cannot be read stops the start, naming the setting (never its value).
pub async fn load_secrets() -> Result<usize, StartError> {
    let wanted: Vec<(&'static str, String)> =
        SECRET_SETTINGS.iter().filter_map(|name| var(&format!("{name}_SECRET_ID")).map(|id| (*name, id))).collect();
    if wanted.is_empty() {
        return Ok(0);
    }
    let values = fetch_secrets(var("SECRETS_ENDPOINT").as_deref(), &wanted).await?;
    let count = values.len();
    super::env::keep_secrets(values)?;
    Ok(count)
}

/// The `SecretString` of each secret `id` named for a setting, by setting.
pub async fn fetch_secrets(
    endpoint: Option<&str>,
    wanted: &[(&'static str, String)],
) -> Result<HashMap<&'static str, String>, StartError> {
    let second = Duration::from_secs(1);
    let config = load_config(endpoint, local_credentials(endpoint), 2 * second, 5 * second).await;
    let client = aws_sdk_secretsmanager::Client::new(&config);
    let mut values = HashMap::new();
    for (name, id) in wanted {
        let out = client
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| StartError::failed(format!("{name}: reading the secret {id} ({name}_SECRET_ID)"), e))?;
        let value = out
            .secret_string()
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| StartError::setting(format!("{name}: the secret {id} holds no text")))?;
        values.insert(*name, value.trim().to_owned());
    }
    Ok(values)
}
