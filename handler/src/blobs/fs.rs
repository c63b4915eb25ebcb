//! Files under a folder (`serve`: the data folder, with `uploads/` and `records/` in it).

use super::{BlobError, Blobs};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Files under a folder (`serve`: the data folder; keys are paths under it).
pub struct FsBlobs {
    root: PathBuf,
}

fn unavailable(e: std::io::Error) -> BlobError {
    BlobError::unavailable(e)
}

impl FsBlobs {
    /// Blobs under `root` (its `uploads/` created if missing).
    pub fn new(root: PathBuf) -> Result<Self, BlobError> {
        let uploads = root.join("uploads");
        std::fs::create_dir_all(&uploads)
            .map_err(|e| BlobError::unavailable(crate::store::Cause::because(uploads.display().to_string(), e)))?;
        Ok(Self { root })
    }

    fn path(&self, key: &str) -> Result<PathBuf, BlobError> {
        if !crate::ids::valid_file_key(key) {
            return Err(BlobError::Missing);
        }
        Ok(self.root.join(key))
    }

    /// Removes uploads last written more than `age` ago: files no application named (those named
    /// were copied under `records/`). Returns how many were removed.
    pub fn sweep_uploads(&self, age: Duration) -> Result<usize, BlobError> {
        let cutoff = SystemTime::now().checked_sub(age).unwrap_or(SystemTime::UNIX_EPOCH);
        let mut removed = 0;
        for entry in std::fs::read_dir(self.root.join("uploads")).map_err(unavailable)? {
            let entry = entry.map_err(unavailable)?;
            let old = entry.metadata().and_then(|m| m.modified()).is_ok_and(|at| at < cutoff);
            if old && entry.file_type().is_ok_and(|t| t.is_file()) {
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => removed += 1,
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(unavailable(e)),
                }
            }
        }
        Ok(removed)
    }
}

/// Writes `bytes` to a new file at `path` through a temporary name, refusing to replace a file.
async fn create(path: &Path, bytes: Vec<u8>) -> Result<(), BlobError> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let dir = path.parent().ok_or(BlobError::Missing)?;
        std::fs::create_dir_all(dir).map_err(unavailable)?;
        let partial = dir.join(format!(".{}.partial", crate::ids::random_id()));
        let mut file = std::fs::File::create_new(&partial).map_err(unavailable)?;
        let written = std::io::Write::write_all(&mut file, &bytes).and_then(|()| file.sync_all());
        // A hard link is made only where nothing is: a second write to the key is refused.
        let linked = written.and_then(|()| std::fs::hard_link(&partial, &path));
        let _ = std::fs::remove_file(&partial);
        linked.map_err(|e| match e.kind() {
            ErrorKind::AlreadyExists => BlobError::Exists,
            _ => unavailable(e),
        })
    })
    .await
    .map_err(BlobError::unavailable)?
}

#[async_trait::async_trait]
impl Blobs for FsBlobs {
    async fn read(&self, key: &str) -> Result<Vec<u8>, BlobError> {
        match tokio::fs::read(self.path(key)?).await {
            Ok(bytes) => Ok(bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(BlobError::Missing),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn write(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        create(&self.path(key)?, bytes.to_vec()).await
    }

    async fn copy(&self, from: &str, to: &str) -> Result<(), BlobError> {
        let bytes = self.read(from).await?;
        create(&self.path(to)?, bytes).await
    }

    async fn delete_record_files(&self, reference: &str) -> Result<Vec<String>, BlobError> {
        let Some(folder) = super::record_folder(reference) else { return Ok(Vec::new()) };
        self.delete_under(folder).await
    }

    async fn delete_exports(&self) -> Result<usize, BlobError> {
        Ok(self.delete_under(crate::ids::EXPORTS.to_owned()).await?.len())
    }

    async fn delete(&self, key: &str) -> Result<(), BlobError> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}

impl FsBlobs {
    /// Deletes every file in `folder` and the folder; their keys.
    async fn delete_under(&self, folder: String) -> Result<Vec<String>, BlobError> {
        let dir = self.root.join(&folder);
        tokio::task::spawn_blocking(move || {
            let entries = match std::fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
                Err(e) => return Err(unavailable(e)),
            };
            let mut deleted = Vec::new();
            for entry in entries {
                let entry = entry.map_err(unavailable)?;
                let name = entry.file_name().to_string_lossy().into_owned();
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => deleted.push(format!("{folder}{name}")),
                    Err(e) if e.kind() == ErrorKind::NotFound => {}
                    Err(e) => return Err(unavailable(e)),
                }
            }
            match std::fs::remove_dir(&dir) {
                Ok(()) => Ok(deleted),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(deleted),
                Err(e) => Err(unavailable(e)),
            }
        })
        .await
        .map_err(BlobError::unavailable)?
    }
}
