//! Verifies a built site: every internal link and asset resolves, every `#anchor` exists.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A link that goes nowhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Broken {
    /// The page holding the link, relative to the output folder.
    pub page: String,
    /// The link as written.
    pub link: String,
    /// Why it is broken.
    pub reason: String,
}

/// URL prefixes answered by the handler rather than by files.
const DYNAMIC: &[&str] = &["/api/", "/review/", "/dashboard", "/verify/"];

fn attributes<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let needle = format!(" {name}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(&needle) {
        rest = &rest[at + needle.len()..];
        if let Some(end) = rest.find('"') {
            out.push(&rest[..end]);
            rest = &rest[end..];
        }
    }
    out
}

fn html_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            html_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    Ok(())
}

/// Resolves a site path to the file that serves it; with `exact`, only a path naming the file
/// itself (or the root) does, as on an object store that has no index documents.
fn target(root: &Path, path: &str, exact: bool) -> Option<PathBuf> {
    let rel = path.trim_start_matches('/');
    if exact && !rel.is_empty() {
        let file = root.join(rel);
        return file.is_file().then_some(file);
    }
    let file = if rel.is_empty() || rel.ends_with('/') { root.join(rel).join("index.html") } else { root.join(rel) };
    if file.is_file() {
        return Some(file);
    }
    let dir_index = root.join(rel).join("index.html");
    dir_index.is_file().then_some(dir_index)
}

/// Checks every page under `root`. Returns the broken links, sorted.
pub fn check_links(root: &Path) -> std::io::Result<Vec<Broken>> {
    check_links_with(root, false)
}

/// [`check_links`], where with `exact` a link must name its file (`/notice/index.html`), as a
/// private object store without index documents needs (`index_links` in config.toml).
pub fn check_links_with(root: &Path, exact: bool) -> std::io::Result<Vec<Broken>> {
    let mut files = Vec::new();
    html_files(root, &mut files)?;
    files.sort();
    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut texts = Vec::with_capacity(files.len());
    for file in &files {
        let text = std::fs::read_to_string(file)?;
        ids.insert(file.clone(), attributes(&text, "id").into_iter().map(str::to_owned).collect());
        texts.push(text);
    }
    let mut broken = Vec::new();
    for (file, text) in files.iter().zip(&texts) {
        let page = file.strip_prefix(root).unwrap_or(file).to_string_lossy().into_owned();
        let links = attributes(text, "href").into_iter().chain(attributes(text, "src"));
        for link in links {
            let decoded =
                link.replace("&#x2F;", "/").replace("&#39;", "'").replace("&quot;", "\"").replace("&amp;", "&");
            if decoded.starts_with("//")
                || decoded.contains("://")
                || decoded.starts_with("mailto:")
                || decoded.starts_with("data:")
                || decoded.starts_with("tel:")
            {
                continue;
            }
            let (path, fragment) = match decoded.split_once('#') {
                Some((p, f)) => (p, Some(f)),
                None => (decoded.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or(path);
            if DYNAMIC.iter().any(|d| path.starts_with(d)) {
                continue;
            }
            let resolved = if path.is_empty() {
                Some(file.clone())
            } else if path.starts_with('/') {
                target(root, path, exact)
            } else {
                file.parent().and_then(|dir| {
                    let joined = format!("/{}", dir.strip_prefix(root).unwrap_or(dir).join(path).to_string_lossy());
                    target(root, &joined, exact)
                })
            };
            let Some(resolved) = resolved else {
                broken.push(Broken {
                    page: page.clone(),
                    link: link.to_owned(),
                    reason: "目标页面或文件不存在".into(),
                });
                continue;
            };
            if let Some(fragment) = fragment.filter(|f| !f.is_empty())
                && resolved.extension().is_some_and(|e| e == "html")
                && !ids.get(&resolved).is_some_and(|set| set.contains(fragment))
            {
                broken.push(Broken {
                    page: page.clone(),
                    link: link.to_owned(),
                    reason: format!("目标页面没有锚点 #{fragment}"),
                });
            }
        }
    }
    broken.sort_by(|a, b| (&a.page, &a.link).cmp(&(&b.page, &b.link)));
    broken.dedup();
    Ok(broken)
}
