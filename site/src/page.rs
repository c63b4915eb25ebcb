//! One Markdown page with TOML front matter between `+++` lines.

use crate::SiteError;
use pulldown_cmark::{Options, Parser, html};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The keys a page may set.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    /// Page title.
    pub title: String,
    /// Meta description.
    #[serde(default)]
    pub description: Option<String>,
    /// Template name; by default `page.html` (`index.html` for the home page).
    #[serde(default)]
    pub template: Option<String>,
    /// Ordering among siblings.
    #[serde(default)]
    pub weight: Option<i64>,
}

/// A parsed page.
#[derive(Clone, Debug)]
pub struct Page {
    /// Path below `content/`, with `/` separators.
    pub source: String,
    /// Public URL: `/`, `/notice/`, `/a/b/`, or `/404.html`.
    pub url: String,
    /// Front matter.
    pub front: FrontMatter,
    /// The body rendered to HTML.
    pub content: String,
}

fn url_for(source: &str) -> String {
    let stem = source.strip_suffix(".md").unwrap_or(source);
    if stem == "404" {
        return "/404.html".to_owned();
    }
    let stem = stem.strip_suffix("_index").unwrap_or(stem).trim_end_matches('/');
    if stem.is_empty() { "/".to_owned() } else { format!("/{stem}/") }
}

/// The path below `content/` with `/` separators.
fn source_name(content: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(content).unwrap_or(path);
    rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

/// Splits a page's text into parsed front matter and the Markdown body.
fn split(text: &str) -> Result<(FrontMatter, &str), String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))
        .ok_or("the page must start with TOML front matter between `+++` lines")?;
    let end = rest.find("\n+++").ok_or("the front matter has no closing `+++` line")?;
    let front: FrontMatter = toml::from_str(&rest[..end]).map_err(|e| format!("front matter: {e}"))?;
    Ok((front, rest[end + 4..].trim_start_matches(['\r', '\n'])))
}

/// Renders Markdown to HTML.
fn markdown(body: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_HEADING_ATTRIBUTES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let mut content = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut content, Parser::new_ext(body, options));
    content
}

impl Page {
    /// Parses a page's text; `source` is its path below `content/`.
    pub fn parse(source: &str, text: &str) -> Result<Self, String> {
        let (front, body) = split(text)?;
        Ok(Self { source: source.to_owned(), url: url_for(source), front, content: markdown(body) })
    }

    /// Parses the front matter only, leaving `content` empty: enough to list a large site
    /// without holding every body in memory.
    pub fn parse_front(source: &str, text: &str) -> Result<Self, String> {
        let (front, _) = split(text)?;
        Ok(Self { source: source.to_owned(), url: url_for(source), front, content: String::new() })
    }

    /// Reads and parses `path`, which lies below `content`.
    pub fn from_file(content: &Path, path: &Path) -> Result<Self, SiteError> {
        let text = std::fs::read_to_string(path).map_err(|source| SiteError::Io { path: path.to_owned(), source })?;
        Self::parse(&source_name(content, path), &text)
            .map_err(|message| SiteError::Page { path: path.to_owned(), message })
    }

    /// Reads `path` and parses its front matter only (the body is not even checked as UTF-8 here;
    /// that happens when the page is rendered).
    pub fn front_from_file(content: &Path, path: &Path) -> Result<Self, SiteError> {
        let bytes = std::fs::read(path).map_err(|source| SiteError::Io { path: path.to_owned(), source })?;
        let head = bytes.windows(4).skip(3).position(|w| w == b"\n+++").map_or(bytes.len(), |at| at + 3 + 4);
        let text = std::str::from_utf8(&bytes[..head])
            .map_err(|e| SiteError::Page { path: path.to_owned(), message: format!("not UTF-8: {e}") })?;
        Self::parse_front(&source_name(content, path), text)
            .map_err(|message| SiteError::Page { path: path.to_owned(), message })
    }

    /// Whether this is the not-found page.
    pub fn is_404(&self) -> bool {
        self.url == "/404.html"
    }

    /// The template that renders it.
    pub fn template(&self) -> String {
        match &self.front.template {
            Some(t) => t.clone(),
            None if self.url == "/" => "index.html".to_owned(),
            None => "page.html".to_owned(),
        }
    }

    /// Where it is written below the output folder.
    pub fn output_path(&self) -> String {
        if self.is_404() { "404.html".to_owned() } else { format!("{}index.html", self.url.trim_start_matches('/')) }
    }

    /// What templates see as `page`.
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "title": self.front.title,
            "description": self.front.description,
            "content": self.content,
            "url": self.url,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_front_matter_and_markdown() {
        let page =
            Page::parse("notice.md", "+++\ntitle = \"通知\"\nweight = 1\n+++\n\n## 一、类别 {#categories}\n\n正文")
                .expect("parses");
        assert_eq!(page.url, "/notice/");
        assert_eq!(page.front.title, "通知");
        assert!(page.content.contains("<h2 id=\"categories\">一、类别</h2>"), "{}", page.content);
        assert_eq!(page.output_path(), "notice/index.html");
        assert_eq!(page.template(), "page.html");
    }

    #[test]
    fn urls_follow_paths() {
        assert_eq!(url_for("_index.md"), "/");
        assert_eq!(url_for("a/_index.md"), "/a/");
        assert_eq!(url_for("a/b.md"), "/a/b/");
        assert_eq!(url_for("404.md"), "/404.html");
    }

    #[test]
    fn bad_front_matter_is_named() {
        assert!(Page::parse("x.md", "no front matter").expect_err("refused").contains("+++"));
        assert!(Page::parse("x.md", "+++\ntitle = \"x\"\n").expect_err("refused").contains("closing"));
        let err = Page::parse("x.md", "+++\ntitle = \"x\"\ntemplat = \"a\"\n+++\n").expect_err("refused");
        assert!(err.contains("templat"), "{err}");
    }
}
