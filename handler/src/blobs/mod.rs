//! The Blobs port: where uploaded proof documents live. Keys are random and unguessable
//! (`uploads/` + 32 hex digits); nobody lists them.

use std::path::PathBuf;

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
    /// The store could not be reached or failed.
    #[error("blob store: {0}")]
    Unavailable(String),
}

/// Storage for uploads.
#[async_trait::async_trait]
pub trait Blobs: Send + Sync {
    /// Reads a whole object.
    async fn read(&self, key: &str) -> Result<Vec<u8>, BlobError>;
    /// Writes a whole object (the local upload endpoint and the no-JS multipart form).
    async fn write(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;
    /// Deletes an object (a refused upload).
    async fn delete(&self, key: &str) -> Result<(), BlobError>;
}

/// Files under a folder (`serve`: `DATA/uploads/`).
pub struct FsBlobs {
    root: PathBuf,
}

impl FsBlobs {
    /// Blobs under `root` (created if missing).
    pub fn new(root: PathBuf) -> Result<Self, BlobError> {
        std::fs::create_dir_all(&root).map_err(|e| BlobError::Unavailable(format!("{}: {e}", root.display())))?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        let name = key
            .strip_prefix("uploads/")
            .filter(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(BlobError::Missing)?;
        Ok(self.root.join(name))
    }
}

#[async_trait::async_trait]
impl Blobs for FsBlobs {
    async fn read(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(BlobError::Missing),
            Err(e) => Err(BlobError::Unavailable(e.to_string())),
        }
    }

    async fn write(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let path = self.path(key)?;
        let partial = path.with_extension("partial");
        tokio::fs::write(&partial, bytes).await.map_err(|e| BlobError::Unavailable(e.to_string()))?;
        tokio::fs::rename(&partial, &path).await.map_err(|e| BlobError::Unavailable(e.to_string()))
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(BlobError::Unavailable(e.to_string())),
        }
    }
}

/// A fresh unguessable key.
pub fn new_key() -> String {
    format!("uploads/{}", crate::routes::applications::random_id())
}
