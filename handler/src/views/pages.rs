//! Handler-rendered pages through the shared theme, so they share the site's layout.

use policy::Programme;
use serde::Serialize;
use std::sync::OnceLock;
use tera::Context;
use theme::{Config, Theme};

/// The theme plus what every page needs (site config, programme view). The templates are parsed
/// on first use (about 11 ms): a Lambda answering JSON never waits for them; `serve` calls
/// [`Pages::warm`] at start.
pub struct Pages {
    theme: OnceLock<Result<Theme, String>>,
    base: Context,
    /// `index_links` of config.toml: links to the site's pages name their file.
    index_links: bool,
}

/// A trail entry.
#[derive(Serialize)]
struct Crumb<'a> {
    title: &'a str,
    url: &'a str,
}

/// What the layout reads of the page itself.
#[derive(Serialize)]
struct PageMeta<'a> {
    title: &'a str,
    url: &'a str,
    content: &'a str,
}

impl Pages {
    /// Prepares the base context; the templates are parsed on first use.
    pub fn new(programme: &Programme, config: Config, rules: &str) -> Self {
        let mut base = Context::new();
        base.insert("rules", rules);
        base.insert("site", &config);
        base.insert("programme", &theme::programme_view(programme));
        base.insert("chrome", &theme::chrome_view(programme));
        base.insert("values", &std::collections::BTreeMap::<String, String>::new());
        base.insert("errors", &std::collections::BTreeMap::<String, String>::new());
        base.insert("error_list", &Vec::<()>::new());
        base.insert("window_open", &false);
        base.insert("uploads", &false);
        Self { theme: OnceLock::new(), base, index_links: config.index_links }
    }

    /// The parsed templates (parsed now if they were not yet).
    fn theme(&self) -> Result<&Theme, tera::Error> {
        self.theme
            .get_or_init(|| {
                Theme::new().map(|t| t.with_index_links(self.index_links)).map_err(|e| theme::error_chain(&e))
            })
            .as_ref()
            .map_err(|e| tera::Error::msg(e.clone()))
    }

    /// The path of a site page (`/privacy/`) as links must name it: with its file when
    /// `index_links` is on.
    pub fn page_path(&self, folder: &str) -> String {
        if self.index_links { format!("{folder}index.html") } else { folder.to_owned() }
    }

    /// Parses the templates now, so the first page is as quick as the rest and a broken template
    /// stops the start.
    pub fn warm(&self) -> Result<(), tera::Error> {
        self.theme().map(|_| ())
    }

    /// Renders `template` for a page titled `title` at `url`, below `parent` in the trail.
    pub fn render(
        &self,
        template: &str,
        title: &str,
        url: &str,
        parent: Option<(&str, &str)>,
        extra: Context,
    ) -> Result<String, tera::Error> {
        let mut context = self.base.clone();
        context.insert("page", &PageMeta { title, url, content: "" });
        let mut crumbs = vec![Crumb { title: "首页", url: "/" }];
        if let Some((t, u)) = parent {
            crumbs.push(Crumb { title: t, url: u });
        }
        crumbs.push(Crumb { title, url });
        context.insert("breadcrumbs", &crumbs);
        context.extend(extra);
        self.theme()?.render(template, &context)
    }

    /// Renders a template with only `context` (mail bodies).
    pub fn render_bare(&self, template: &str, context: &Context) -> Result<String, tera::Error> {
        self.theme()?.render(template, context)
    }

    /// A plain message page (errors, refusals).
    pub fn message(&self, title: &str, message: &str) -> String {
        self.message_with(title, message, Context::new())
    }

    /// A message page with extra context (`back` link, `renew` form).
    pub fn message_with(&self, title: &str, message: &str, mut extra: Context) -> String {
        extra.insert("message", message);
        self.render("error.html", title, "", None, extra).unwrap_or_else(|e| {
            tracing::error!(error = %theme::error_chain(&e), "error page failed to render");
            let (title, message) = (theme::escape_html(title), theme::escape_html(message));
            format!("<!DOCTYPE html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{title}</title><p>{message}</p></html>")
        })
    }
}
