//! The Blobs port: where uploaded proof documents live. An upload lands under `uploads/` (a
//! random, unguessable key, bound to its submission); when the application is taken the file is
//! copied once to `records/{reference}/…`, which only the handler writes. Only an erasure lists
//! keys, of one application's folder.

mod fs;
#[cfg(feature = "aws")]
mod s3;

pub use fs::FsBlobs;
#[cfg(feature = "aws")]
pub use s3::S3Blobs;
use sha2::{Digest, Sha256};

/// What an upload target allows: one object of `content_type`, 1 to `max_bytes` bytes, for `ttl`
/// (from the real time: object storage checks expiry against its own clock).
#[derive(Clone, Debug)]
pub struct UploadRules {
    /// The only content type accepted.
    pub content_type: String,
    /// The largest size.
    pub max_bytes: u64,
    /// How long the target works.
    pub ttl: time::Duration,
}

/// What the handler learns of a stored object without keeping it in memory: its size, its first
/// bytes (for the type check) and its SHA-256.
#[derive(Clone, Debug, Default)]
pub struct Inspected {
    /// Size in bytes (reading stops soon after the limit, so a larger size means "too large").
    pub size: u64,
    /// The first 16 bytes.
    pub head: Vec<u8>,
    /// Lower-case hex SHA-256 of the whole object.
    pub sha256: String,
}

impl Inspected {
    fn add(&mut self, chunk: &[u8], hasher: &mut Sha256) {
        let want = 16usize.saturating_sub(self.head.len()).min(chunk.len());
        self.head.extend_from_slice(&chunk[..want]);
        self.size += chunk.len() as u64;
        hasher.update(chunk);
    }

    fn finish(&mut self, hasher: Sha256) {
        self.sha256 = hex::encode(hasher.finalize());
    }

    /// Size, head and hash of bytes in memory.
    pub fn of(bytes: &[u8]) -> Self {
        let mut inspected = Self::default();
        let mut hasher = Sha256::new();
        inspected.add(bytes, &mut hasher);
        inspected.finish(hasher);
        inspected
    }
}

/// `Content-Disposition` for downloading a file as `name` (RFC 5987 percent-encoding).
pub fn attachment_disposition(name: &str) -> String {
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename*=UTF-8''{encoded}")
}

/// What the browser needs to upload one file: POST `fields` and the file (as `file`, last) to
/// `url` as multipart/form-data, as with an S3 presigned POST.
#[derive(Clone, Debug, serde::Serialize, PartialEq, Eq)]
pub struct UploadTarget {
    /// Where to POST.
    pub url: String,
    /// Form fields to send before the file.
    pub fields: std::collections::BTreeMap<String, String>,
    /// The key the file will have.
    pub key: String,
}

/// Failures of the blob store.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    /// No such object.
    #[error("no such object")]
    Missing,
    /// The object exists already and is never overwritten.
    #[error("the object exists already")]
    Exists,
    /// The store could not be reached or failed.
    #[error("blob store unavailable")]
    Unavailable(#[source] crate::store::Cause),
}

impl BlobError {
    /// The store could not be reached or failed, because of `cause` (an error, or words).
    pub fn unavailable(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Unavailable(crate::store::Cause::new(cause))
    }
}

/// Storage for uploads.
#[async_trait::async_trait]
pub trait Blobs: Send + Sync {
    /// Where the browser uploads the object `key` directly (an S3 presigned POST), or `None` when
    /// uploads go through the handler's own endpoint.
    async fn upload_target(&self, _key: &str, _rules: &UploadRules) -> Result<Option<UploadTarget>, BlobError> {
        Ok(None)
    }
    /// The origin uploads are posted to when it is not the site's own (for `connect-src`).
    fn upload_origin(&self) -> Option<String> {
        None
    }
    /// A short-lived link that downloads `key` as `name`, or `None` when the handler serves the
    /// bytes itself.
    async fn download_url(&self, _key: &str, _name: &str, _content_type: &str) -> Result<Option<String>, BlobError> {
        Ok(None)
    }
    /// Size, first bytes and SHA-256 of an object; reading may stop once `limit` is passed.
    async fn inspect(&self, key: &str, _limit: u64) -> Result<Inspected, BlobError> {
        self.read(key).await.map(|bytes| Inspected::of(&bytes))
    }
    /// Reads a whole object.
    async fn read(&self, key: &str) -> Result<Vec<u8>, BlobError>;
    /// Writes a whole new object (the local upload endpoint and the no-JS multipart form):
    /// [`BlobError::Exists`] where `key` is taken, which is never overwritten.
    async fn write(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;
    /// Copies `from` to the new key `to` ([`BlobError::Exists`] where `to` is taken).
    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError>;
    /// Deletes an object (a refused upload).
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
    /// Deletes every file of application `reference` (`records/{reference}/`, those replaced
    /// by a resubmission too); the keys deleted.
    async fn delete_record_files(&self, reference: &str) -> Result<Vec<String>, BlobError>;
    /// Deletes every exported 汇总表 (`exports/`, [`crate::ids::EXPORTS`]); how many.
    async fn delete_exports(&self) -> Result<usize, BlobError>;
}

/// The folder of application `reference`'s files, `records/{reference}/`; `None` for a
/// reference of another shape.
pub fn record_folder(reference: &str) -> Option<String> {
    let folder = format!("records/{reference}/");
    crate::ids::valid_file_key(&format!("{folder}{}", "0".repeat(32))).then_some(folder)
}
