//! One Markdown page with TOML front matter between `+++` lines.

use crate::SiteError;
use pulldown_cmark::{Alignment, CowStr, Event, Options, Parser, Tag, TagEnd, html};
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
    html::push_html(&mut content, Tables::new(Parser::new_ext(body, options)));
    content
}

/// Writes a Markdown table as the theme's `table.data.cards`: on a phone each row is a card and
/// each body cell is shown under its column's heading (`data-label`), so that no column is
/// squeezed to a character a line; a right-aligned column gets `class="num"` (never a `style`
/// attribute, which the pages' CSP refuses).
struct Tables<I> {
    events: I,
    aligns: Vec<Alignment>,
    headings: Vec<String>,
    in_head: bool,
    column: usize,
}

impl<I> Tables<I> {
    fn new(events: I) -> Self {
        Self { events, aligns: Vec::new(), headings: Vec::new(), in_head: false, column: 0 }
    }

    /// The opening tag of the current cell.
    fn cell(&self) -> String {
        let num = if self.aligns.get(self.column) == Some(&Alignment::Right) { " class=\"num\"" } else { "" };
        if self.in_head {
            return format!("<th scope=\"col\"{num}>");
        }
        let label = self.headings.get(self.column).map(String::as_str).unwrap_or_default();
        format!("<td data-label=\"{}\"{num}>", escape_attribute(label))
    }
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for Tables<I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        let event = self.events.next()?;
        let html = match &event {
            Event::Start(Tag::Table(aligns)) => {
                self.aligns.clone_from(aligns);
                self.headings.clear();
                "<table class=\"data cards\">\n".to_owned()
            }
            Event::End(TagEnd::Table) => "</tbody>\n</table>\n".to_owned(),
            Event::Start(Tag::TableHead) => {
                self.in_head = true;
                self.column = 0;
                "<thead><tr>".to_owned()
            }
            Event::End(TagEnd::TableHead) => {
                self.in_head = false;
                "</tr></thead>\n<tbody>\n".to_owned()
            }
            Event::Start(Tag::TableRow) => {
                self.column = 0;
                "<tr>".to_owned()
            }
            Event::End(TagEnd::TableRow) => "</tr>\n".to_owned(),
            Event::Start(Tag::TableCell) => {
                if self.in_head {
                    self.headings.push(String::new());
                }
                self.cell()
            }
            Event::End(TagEnd::TableCell) => {
                self.column += 1;
                if self.in_head { "</th>" } else { "</td>" }.to_owned()
            }
            Event::Text(text) | Event::Code(text) if self.in_head => {
                if let Some(heading) = self.headings.last_mut() {
                    heading.push_str(text);
                }
                return Some(event);
            }
            _ => return Some(event),
        };
        Some(Event::Html(CowStr::from(html)))
    }
}

/// `text` as a double-quoted attribute value.
fn escape_attribute(text: &str) -> String {
    text.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
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

    /// Reads `path` up to the end of its front matter and parses that (the body is neither read
    /// nor checked as UTF-8 here; that happens when the page is rendered).
    pub fn front_from_file(content: &Path, path: &Path) -> Result<Self, SiteError> {
        use std::io::Read;
        let io = |source| SiteError::Io { path: path.to_owned(), source };
        let mut file = std::fs::File::open(path).map_err(io)?;
        // Read up to the front matter's closing `+++` only: listing a site reads no bodies.
        let (mut bytes, mut chunk) = (Vec::with_capacity(4096), [0u8; 4096]);
        let head = loop {
            let read = file.read(&mut chunk).map_err(io)?;
            bytes.extend_from_slice(&chunk[..read]);
            if let Some(at) = bytes.windows(4).skip(3).position(|w| w == b"\n+++") {
                break at + 3 + 4;
            }
            if read == 0 {
                break bytes.len();
            }
        };
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
    fn tables_are_cards_with_each_cell_under_its_heading() {
        let page = Page::parse(
            "t.md",
            "+++\ntitle = \"t\"\n+++\n\n| 状态 | 含义 \"引\" |\n|---|--:|\n| 已推荐 | **占用**名额 |\n",
        )
        .expect("parses");
        let expected = "<table class=\"data cards\">\n<thead><tr><th scope=\"col\">状态</th><th scope=\"col\" class=\"num\">含义 \"引\"</th></tr></thead>\n<tbody>\n<tr><td data-label=\"状态\">已推荐</td><td data-label=\"含义 &quot;引&quot;\" class=\"num\"><strong>占用</strong>名额</td></tr>\n</tbody>\n</table>\n";
        assert_eq!(page.content, expected);
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
