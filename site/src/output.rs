//! The output folder, written in place: a file the last build wrote is overwritten, not deleted
//! and made again, and what this build did not write is removed once it is done.
//!
//! Deleting a folder of a thousand pages and writing it anew is what a restart of `tepei serve`
//! did; on ext4 a new file then skips every inode freed in the last minutes (`recently_deleted`),
//! which made a restart's writes several times slower than the first start's (perf: half a
//! second of kernel time for 1,011 pages). Overwriting takes no new inode, and a file that
//! already holds what would be written is not written at all.

use crate::{SiteError, io};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A folder being written: files written are recorded so [`Output::finish`] can remove the rest.
pub struct Output {
    root: PathBuf,
    /// Nothing was there before: nothing to remove after.
    fresh: bool,
    written: Mutex<HashSet<PathBuf>>,
    /// The folder's device and inode when it was checked: each write makes sure it is still that
    /// folder (serve writes it after it listens).
    id: (u64, u64),
}

impl Output {
    /// Opens `root` for writing, making it if it is not there. Refused when it holds the site's
    /// sources (`site`, or a folder above it), or when it holds anything but an earlier build: a
    /// folder named by mistake is never emptied (found by the red team: `--output .` deleted
    /// content/, an output naming serve's data folder deleted every application).
    pub(crate) fn open(root: &Path, site: &Path) -> Result<Self, SiteError> {
        let refuse = |message: &str| SiteError::Output { path: root.to_owned(), message: message.to_owned() };
        if contains(root, site) {
            return Err(refuse("is the site's own folder or holds it; name another output folder"));
        }
        let fresh = !root.exists() || root.read_dir().map_err(io(root))?.next().is_none();
        if !fresh && !earlier_build(root) {
            return Err(refuse(
                "holds files that are not an earlier tepei build (it has no .tepei-build file); name an empty or new \
                 folder, or empty this one first",
            ));
        }
        std::fs::create_dir_all(root).map_err(io(root))?;
        // Marked before anything is written, so a build stopped half-way is still known as one;
        // a marker left as a link is replaced, not written through.
        let marker = root.join(MARKER);
        if std::fs::symlink_metadata(&marker).is_ok() {
            std::fs::remove_file(&marker).map_err(io(&marker))?;
        }
        std::fs::write(&marker, MARKER_TEXT).map_err(io(&marker))?;
        Ok(Self { root: root.to_owned(), fresh, written: Mutex::default(), id: identity(root)? })
    }

    /// Refuses to go on when the folder is no longer the one checked (replaced, or a link put in
    /// its place: found by the red team while serve started).
    fn still_the_folder(&self) -> Result<(), SiteError> {
        if identity(&self.root).ok() == Some(self.id) {
            return Ok(());
        }
        Err(SiteError::Output {
            path: self.root.clone(),
            message: "was replaced by another folder or a link after it was checked; nothing more is written"
                .to_owned(),
        })
    }

    /// Writes `bytes` to `relative` under the folder, over what is there (a folder in the way is
    /// removed; a file where a folder is needed too).
    pub fn write(&self, relative: &Path, bytes: &[u8]) -> Result<(), SiteError> {
        self.still_the_folder()?;
        let path = self.root.join(relative);
        // Nothing is written through a link in the folder (left there, or put there while serve
        // started): it is removed, not followed.
        remove_links_on_the_way(&self.root, &path)?;
        if !self.fresh && unchanged(&path, bytes) {
            self.record(path);
            return Ok(());
        }
        if let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_err()
        {
            clear_files_on_the_way(&self.root, dir);
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        // A file with other names (a hard link) is replaced, not written through.
        if std::fs::metadata(&path).is_ok_and(|m| m.is_file() && std::os::unix::fs::MetadataExt::nlink(&m) > 1) {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
        if std::fs::write(&path, bytes).is_err() {
            if path.is_dir() {
                std::fs::remove_dir_all(&path).map_err(io(&path))?;
            }
            std::fs::write(&path, bytes).map_err(io(&path))?;
        }
        if !self.fresh {
            self.record(path);
        }
        Ok(())
    }

    fn record(&self, path: PathBuf) {
        self.written.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(path);
    }

    /// Removes what was in the folder before and this build did not write, then empty folders.
    pub fn finish(self) -> Result<(), SiteError> {
        if self.fresh {
            return Ok(());
        }
        self.still_the_folder()?;
        let mut written = self.written.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        written.insert(self.root.join(MARKER));
        prune(&self.root, &written).map(|_| ())
    }
}

/// Removes the files under `dir` that are not `written`, and folders left empty; whether `dir`
/// is empty after.
fn prune(dir: &Path, written: &HashSet<PathBuf>) -> Result<bool, SiteError> {
    let mut empty = true;
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.is_dir() && !path.is_symlink() {
            if prune(&path, written)? {
                std::fs::remove_dir(&path).map_err(io(&path))?;
            } else {
                empty = false;
            }
        } else if written.contains(&path) {
            empty = false;
        } else {
            std::fs::remove_file(&path).map_err(io(&path))?;
        }
    }
    Ok(empty)
}

/// The file every build writes first into its output folder: what tells an earlier build.
const MARKER: &str = ".tepei-build";
const MARKER_TEXT: &str =
    "This folder is written by tepei build and tepei serve: files in it are replaced or removed.\n";

/// Whether `folder` holds an earlier build: its `.tepei-build`, or (a build made before that file)
/// the rules.json, index.html, sitemap.xml and assets/ every build writes.
fn earlier_build(folder: &Path) -> bool {
    if std::fs::read_to_string(folder.join(MARKER)).is_ok_and(|text| text == MARKER_TEXT) {
        return true;
    }
    let Ok(text) = std::fs::read_to_string(folder.join("rules.json")) else { return false };
    let written = |name: &str| std::fs::metadata(folder.join(name)).is_ok_and(|m| m.is_file() && m.len() > 0);
    serde_json::from_str::<serde_json::Value>(&text).is_ok_and(|v| v["rules"].is_string() && v["round"].is_u64())
        && written("index.html")
        && written("sitemap.xml")
        && folder.join("assets").is_dir()
}

/// A folder's device and inode.
fn identity(path: &Path) -> Result<(u64, u64), SiteError> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path).map_err(io(path))?;
    Ok((meta.dev(), meta.ino()))
}

/// `path` as the system resolves it: its longest part that exists with every link followed
/// (`..` after a link goes up from where the link points), the rest taken by name.
fn resolved(path: &Path) -> PathBuf {
    resolved_within(path, 0)
}

fn resolved_within(path: &Path, hops: u32) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    while std::fs::symlink_metadata(existing).is_err() {
        let (Some(parent), Some(name)) = (existing.parent(), existing.components().next_back()) else { break };
        rest.push(name.as_os_str().to_owned());
        existing = parent;
    }
    let mut out = match std::fs::canonicalize(existing) {
        Ok(out) => out,
        // A link to what is not there yet is followed by hand, as the system will follow it
        // once it is (red team: a data folder named by a link to the output folder-to-be).
        Err(_) => match std::fs::read_link(existing) {
            Ok(target) if hops < 40 => {
                resolved_within(&existing.parent().map_or_else(|| target.clone(), |p| p.join(&target)), hops + 1)
            }
            _ => existing.to_owned(),
        },
    };
    for part in rest.iter().rev() {
        match std::path::Path::new(part).components().next() {
            Some(std::path::Component::ParentDir) => {
                out.pop();
            }
            Some(std::path::Component::CurDir) | None => {}
            Some(_) => out.push(part),
        }
    }
    out
}

/// Whether folder `outer` is `inner` or holds it, as the system resolves both (links followed),
/// so no second name for a folder gets past (`serve` keeps its output off its data folder with
/// it).
pub fn contains(outer: &Path, inner: &Path) -> bool {
    resolved(inner).starts_with(resolved(outer))
}

/// Whether `path` already holds exactly `bytes` (then it is left alone: ext4 starts writing back a
/// file truncated and written again when it is closed, `auto_da_alloc`, which a restart of serve
/// would pay for every unchanged page).
fn unchanged(path: &Path, bytes: &[u8]) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|held| held == bytes)
}

/// Removes any symbolic link on the way from `root` to `path`, `path` itself included.
fn remove_links_on_the_way(root: &Path, path: &Path) -> Result<(), SiteError> {
    let mut at = root.to_owned();
    for part in path.strip_prefix(root).unwrap_or(path).components() {
        at.push(part);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => std::fs::remove_file(&at).map_err(io(&at))?,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

/// Removes any file standing where `dir` (under `root`) needs a folder.
fn clear_files_on_the_way(root: &Path, dir: &Path) {
    let mut at = root.to_owned();
    for part in dir.strip_prefix(root).unwrap_or(dir).components() {
        at.push(part);
        if at.is_file() || at.is_symlink() {
            let _ = std::fs::remove_file(&at);
        }
    }
}
