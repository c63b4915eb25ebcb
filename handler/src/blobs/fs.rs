//! Uploads as files under a folder (`serve`: `DATA/uploads/`).

use super::{BlobError, Blobs};
use std::path::PathBuf;

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
        if !crate::ids::valid_upload_key(key) {
            return Err(BlobError::Missing);
        }
        Ok(self.root.join(&key["uploads/".len()..]))
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
