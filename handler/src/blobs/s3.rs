//! Uploads in S3 (or an S3-compatible server): the browser posts each file straight to the bucket
//! with a SigV4 presigned POST whose policy fixes the key, the size range, the content type,
//! server-side encryption and the expiry; reviewers download through presigned GETs that live
//! a few minutes. The bucket is private; only one application's folder is ever listed, to erase
//! it (`records/{reference}/`).

use super::{BlobError, Blobs, Inspected, UploadRules, UploadTarget};
use crate::ids::valid_file_key as valid_key;
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use aws_sdk_s3::Client;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ServerSideEncryption;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// How long a reviewer's download link lives.
const DOWNLOAD_TTL: std::time::Duration = std::time::Duration::from_secs(300);

/// Blobs in one S3 bucket.
pub struct S3Blobs {
    client: Client,
    credentials: SharedCredentialsProvider,
    region: String,
    bucket: String,
    post_url: String,
    upload_ttl: Option<time::Duration>,
}

impl S3Blobs {
    /// The adapter for `bucket` through the SDK `config` (the assembly builds it: the Lambda's
    /// role, or an S3-compatible server at `endpoint`, addressed path-style).
    pub fn new(config: &aws_config::SdkConfig, bucket: &str, endpoint: Option<&str>) -> Result<Self, BlobError> {
        let region = config
            .region()
            .map(ToString::to_string)
            .ok_or_else(|| BlobError::unavailable("no AWS region is configured"))?;
        let credentials =
            config.credentials_provider().ok_or_else(|| BlobError::unavailable("no AWS credentials are configured"))?;
        let s3_config = aws_sdk_s3::config::Builder::from(config).force_path_style(endpoint.is_some()).build();
        let post_url = match endpoint {
            Some(e) => format!("{}/{bucket}", e.trim_end_matches('/')),
            None => {
                let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
                format!("https://{bucket}.s3.{region}.{suffix}/")
            }
        };
        Ok(Self {
            client: Client::from_conf(s3_config),
            credentials,
            region,
            bucket: bucket.to_owned(),
            post_url,
            upload_ttl: None,
        })
    }

    /// Caps how long presigned POSTs work (tests of expiry).
    pub fn with_upload_ttl(mut self, ttl: time::Duration) -> Self {
        self.upload_ttl = Some(ttl);
        self
    }

    /// The origin the browser posts files to, for the site's `connect-src`.
    pub fn post_url(&self) -> &str {
        &self.post_url
    }

    /// Starts reading an object: a missing key is [`BlobError::Missing`].
    async fn get(&self, key: &str) -> Result<aws_sdk_s3::operation::get_object::GetObjectOutput, BlobError> {
        self.client.get_object().bucket(&self.bucket).key(key).send().await.map_err(|e| {
            if e.as_service_error().is_some_and(|s| s.is_no_such_key()) { BlobError::Missing } else { unavailable(e) }
        })
    }

    /// Creates the bucket (tests; on AWS it comes from the template, so the Lambda, built
    /// without `table-spec`, has no such call).
    #[cfg(feature = "table-spec")]
    pub async fn create_bucket(&self) -> Result<(), BlobError> {
        self.client.create_bucket().bucket(&self.bucket).send().await.map(|_| ()).map_err(unavailable)
    }
}

/// The SDK's error kept whole: the log prints its chain (`handler::Chain`).
fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> BlobError {
    BlobError::unavailable(e)
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The SigV4 signature of a POST policy (the policy's base64 text is the string to sign).
pub fn sign_policy(secret: &str, date: &str, region: &str, policy_b64: &str) -> String {
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    for part in [region, "s3", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    hex::encode(hmac(&key, policy_b64.as_bytes()))
}

/// The form fields and policy of a presigned POST for one object.
fn presigned_post(
    credentials: &Credentials,
    region: &str,
    bucket: &str,
    key: &str,
    rules: &UploadRules,
    now: OffsetDateTime,
    expires: OffsetDateTime,
) -> Result<BTreeMap<String, String>, BlobError> {
    use base64::Engine;
    let fmt = |f: &[time::format_description::FormatItem<'_>], t: OffsetDateTime| {
        t.to_offset(time::UtcOffset::UTC).format(f).map_err(BlobError::unavailable)
    };
    let date = fmt(time::macros::format_description!("[year][month][day]"), now)?;
    let amz_date = fmt(time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"), now)?;
    let expiration =
        fmt(time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].000Z"), expires)?;
    let mut fields = BTreeMap::new();
    fields.insert("key".to_owned(), key.to_owned());
    fields.insert("Content-Type".to_owned(), rules.content_type.clone());
    fields.insert("x-amz-server-side-encryption".to_owned(), "AES256".to_owned());
    fields.insert("x-amz-algorithm".to_owned(), "AWS4-HMAC-SHA256".to_owned());
    fields.insert(
        "x-amz-credential".to_owned(),
        format!("{}/{date}/{region}/s3/aws4_request", credentials.access_key_id()),
    );
    fields.insert("x-amz-date".to_owned(), amz_date);
    if let Some(token) = credentials.session_token() {
        fields.insert("x-amz-security-token".to_owned(), token.to_owned());
    }
    let mut conditions =
        vec![serde_json::json!({"bucket": bucket}), serde_json::json!(["content-length-range", 1, rules.max_bytes])];
    conditions.extend(fields.iter().map(|(k, v)| serde_json::json!({ k: v })));
    let policy = serde_json::json!({"expiration": expiration, "conditions": conditions});
    let policy_b64 = base64::engine::general_purpose::STANDARD.encode(policy.to_string());
    let signature = sign_policy(credentials.secret_access_key(), &date, region, &policy_b64);
    fields.insert("policy".to_owned(), policy_b64);
    fields.insert("x-amz-signature".to_owned(), signature);
    Ok(fields)
}

#[async_trait::async_trait]
impl Blobs for S3Blobs {
    async fn upload_target(&self, key: &str, rules: &UploadRules) -> Result<Option<UploadTarget>, BlobError> {
        let credentials = self.credentials.provide_credentials().await.map_err(unavailable)?;
        let now = OffsetDateTime::now_utc();
        let ttl = self.upload_ttl.map_or(rules.ttl, |cap| cap.min(rules.ttl));
        let fields = presigned_post(&credentials, &self.region, &self.bucket, key, rules, now, now + ttl)?;
        Ok(Some(UploadTarget { url: self.post_url.clone(), fields, key: key.to_owned() }))
    }

    fn upload_origin(&self) -> Option<String> {
        let (scheme, rest) = self.post_url.split_once("://")?;
        let host = rest.split('/').next()?;
        Some(format!("{scheme}://{host}"))
    }

    async fn download_url(&self, key: &str, name: &str, content_type: &str) -> Result<Option<String>, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::Missing);
        }
        let presigning = PresigningConfig::expires_in(DOWNLOAD_TTL).map_err(unavailable)?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .response_content_disposition(super::attachment_disposition(name))
            .response_content_type(content_type)
            .response_cache_control("private, no-store")
            .presigned(presigning)
            .await
            .map_err(unavailable)?;
        Ok(Some(request.uri().to_owned()))
    }

    async fn read(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::Missing);
        }
        let object = self.get(key).await?;
        let bytes = object.body.collect().await.map_err(unavailable)?;
        Ok(bytes.to_vec())
    }

    async fn inspect(&self, key: &str, limit: u64) -> Result<Inspected, BlobError> {
        if !valid_key(key) {
            return Err(BlobError::Missing);
        }
        let mut object = self.get(key).await?;
        let mut inspected = Inspected::default();
        let mut hasher = Sha256::new();
        while let Some(chunk) = object.body.try_next().await.map_err(unavailable)? {
            inspected.add(&chunk, &mut hasher);
            if inspected.size > limit {
                break; // too large: the size is enough to refuse it
            }
        }
        inspected.finish(hasher);
        Ok(inspected)
    }

    async fn write(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        if !valid_key(key) {
            return Err(BlobError::Missing);
        }
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .server_side_encryption(ServerSideEncryption::Aes256)
            .body(ByteStream::from(bytes.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        if !valid_key(from) || !valid_key(to) {
            return Err(BlobError::Missing);
        }
        // Stored files are never replaced. The target key is new for each record and file, so
        // a look first is enough (no conditional copy: not every S3 region takes one).
        match self.client.head_object().bucket(&self.bucket).key(to).send().await {
            Ok(_) => return Err(BlobError::Exists),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {}
            Err(e) => return Err(unavailable(e)),
        }
        self.client
            .copy_object()
            .bucket(&self.bucket)
            .key(to)
            .copy_source(format!("{}/{from}", self.bucket))
            .server_side_encryption(ServerSideEncryption::Aes256)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                let missing = e.as_service_error().and_then(|s| s.meta().code()).is_some_and(|c| c == "NoSuchKey");
                if missing { BlobError::Missing } else { unavailable(e) }
            })
    }

    async fn delete_record_files(&self, reference: &str) -> Result<Vec<String>, BlobError> {
        let Some(folder) = super::record_folder(reference) else { return Ok(Vec::new()) };
        self.delete_under(&folder).await
    }

    async fn delete_exports(&self) -> Result<usize, BlobError> {
        Ok(self.delete_under(crate::ids::EXPORTS).await?.len())
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        if !valid_key(key) {
            return Err(BlobError::Missing);
        }
        self.client.delete_object().bucket(&self.bucket).key(key).send().await.map(|_| ()).map_err(unavailable)
    }
}

impl S3Blobs {
    /// Deletes every object under `folder`; their keys.
    async fn delete_under(&self, folder: &str) -> Result<Vec<String>, BlobError> {
        let mut keys = Vec::new();
        let mut pages = self.client.list_objects_v2().bucket(&self.bucket).prefix(folder).into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(unavailable)?;
            keys.extend(page.contents().iter().filter_map(|o| o.key().map(str::to_owned)));
        }
        for key in &keys {
            self.client.delete_object().bucket(&self.bucket).key(key).send().await.map_err(unavailable)?;
        }
        Ok(keys)
    }
}
