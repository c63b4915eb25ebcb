//! The static site generator: `content/` (Markdown with TOML front matter, plus programme.toml)
//! rendered through the shared theme into `public/`.
//!
//! [`Page::parse`] is pure; [`Page::from_file`] does the I/O; [`build`] writes the site and
//! [`check`] verifies every internal link, anchor and asset of a built site.

mod check;
mod output;
mod page;
mod render;

pub use check::{Broken, check_links, check_links_with};
pub use output::Output;
pub use output::contains as folder_holds;
pub use page::{FrontMatter, Page};
pub use render::Rendered;
pub use theme::Config;

use policy::Programme;
use rayon::prelude::*;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What can go wrong while building; every variant names the file it concerns.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A page's front matter is missing or wrong.
    #[error("{path}: {message}")]
    Page {
        /// The page.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The output folder may not be written over: it holds something other than an earlier
    /// build, or the site's own sources.
    #[error("{path}: {message}")]
    Output {
        /// The folder.
        path: PathBuf,
        /// Why not.
        message: String,
    },
    /// config.toml is wrong.
    #[error("{path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// programme.toml is wrong.
    #[error("{path}: {source}")]
    Programme {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: policy::ProgrammeError,
    },
    /// A template failed to render.
    #[error("{page}: template {template}: {message}")]
    Template {
        /// The page's source.
        page: String,
        /// The template.
        template: String,
        /// The cause chain.
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SiteError + '_ {
    move |source| SiteError::Io { path: path.to_owned(), source }
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct BuildReport {
    /// HTML pages written.
    pub pages: usize,
    /// Other files written (assets, sitemap, robots).
    pub files: usize,
    /// Wall time.
    pub elapsed: Duration,
    /// Where the site was written.
    pub output: PathBuf,
}

impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} pages and {} other files to {} in {:.1} ms",
            self.pages,
            self.files,
            self.output.display(),
            self.elapsed.as_secs_f64() * 1000.0
        )
    }
}

/// A loaded site: config, programme and pages, ready to render.
pub struct Site {
    /// The site folder.
    pub root: PathBuf,
    /// config.toml.
    pub config: Config,
    /// content/programme.toml.
    pub programme: Programme,
    /// The fingerprint of content/programme.toml and config/reviewers.toml as written.
    pub rules: String,
    /// config/reviewers.toml as written (part of the rules; the handler parses it).
    pub reviewers: String,
    /// Every page's front matter and URL, sorted by URL (bodies are read again when written).
    pub pages: Vec<Page>,
    /// Each page's file, in the order of `pages`.
    files: Vec<PathBuf>,
}

impl Site {
    /// Loads `root/config.toml`, `root/content/programme.toml` and every `root/content/**/*.md`.
    pub fn load(root: &Path) -> Result<Self, SiteError> {
        let config_path = root.join("config.toml");
        let text = std::fs::read_to_string(&config_path).map_err(io(&config_path))?;
        let config =
            Config::parse(&text).map_err(|message| SiteError::Config { path: config_path.clone(), message })?;
        let programme_path = root.join("content").join("programme.toml");
        let text = std::fs::read_to_string(&programme_path).map_err(io(&programme_path))?;
        let programme =
            Programme::parse(&text).map_err(|source| SiteError::Programme { path: programme_path.clone(), source })?;
        let reviewers_path = root.join("config").join("reviewers.toml");
        let reviewers = std::fs::read_to_string(&reviewers_path).map_err(io(&reviewers_path))?;
        let rules = policy::rules_fingerprint(&text, &reviewers);
        config
            .reply_to(&programme.centre.email)
            .map_err(|message| SiteError::Config { path: config_path.clone(), message })?;
        let content = root.join("content");
        let mut files = Vec::new();
        collect_markdown(&content, &mut files)?;
        let mut pages = files
            .into_par_iter()
            .map(|path| Page::front_from_file(&content, &path).map(|page| (page, path)))
            .collect::<Result<Vec<_>, _>>()?;
        pages.sort_by(|a, b| a.0.url.cmp(&b.0.url));
        let (pages, files): (Vec<Page>, Vec<PathBuf>) = pages.into_iter().unzip();
        if let Some(pair) = pages.windows(2).find(|w| w[0].url == w[1].url) {
            return Err(SiteError::Page {
                path: pair[1].source.clone().into(),
                message: format!("same URL {} as {}", pair[1].url, pair[0].source),
            });
        }
        Ok(Self { root: root.to_owned(), config, programme, rules, reviewers, pages, files })
    }

    /// The breadcrumb trail of a page: home, each section above it, then the page.
    fn breadcrumbs(&self, page: &Page) -> Vec<(String, String)> {
        if page.url == "/" || page.is_404() {
            return Vec::new();
        }
        let mut trail = vec![("首页".to_owned(), "/".to_owned())];
        let parts: Vec<&str> = page.url.trim_matches('/').split('/').collect();
        for depth in 1..parts.len() {
            let url = format!("/{}/", parts[..depth].join("/"));
            let title = self
                .pages
                .binary_search_by(|p| p.url.as_str().cmp(&url))
                .map(|i| self.pages[i].front.title.clone())
                .unwrap_or_else(|_| parts[depth - 1].to_owned());
            trail.push((title, url));
        }
        trail.push((page.front.title.clone(), page.url.clone()));
        trail
    }
}

fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), SiteError> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(io(dir))?.collect::<Result<_, _>>().map_err(io(dir))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(io(&path))?;
        if kind.is_dir() {
            collect_markdown(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "md") {
            out.push(path);
        }
    }
    Ok(())
}

/// Loads the site under `root` and writes it into `out`.
pub fn build(root: &Path, out: &Path) -> Result<BuildReport, SiteError> {
    let started = Instant::now();
    let site = Site::load(root)?;
    let mut report = site.write(out)?;
    report.elapsed = started.elapsed();
    Ok(report)
}
