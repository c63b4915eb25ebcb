//! Rendering a loaded site: every page through its template, the theme's assets, the sitemap,
//! robots.txt and rules.json, handed to a sink — the output folder (`build`), or memory
//! (`serve`, which answers from memory and writes the folder after).

use crate::output::Output;
use crate::{BuildReport, Site, SiteError};
use rayon::prelude::*;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tera::Context;
use theme::Theme;

/// Where each rendered file goes: its path below the site's root and its bytes.
type Sink<'a> = dyn Fn(&str, &[u8]) -> Result<(), SiteError> + Sync + 'a;

/// A site rendered into memory.
pub struct Rendered {
    /// Every file, by its path below the site's root (`/` separated), pages first.
    pub files: Vec<(String, Vec<u8>)>,
    /// How many of them are HTML pages.
    pub pages: usize,
    /// Wall time of the rendering.
    pub elapsed: Duration,
}

impl Site {
    /// Renders every page and writes the site into `out`, over an earlier build (see
    /// [`Site::open_output`]).
    pub fn write(&self, out: &Path) -> Result<BuildReport, SiteError> {
        let started = Instant::now();
        let output = self.open_output(out)?;
        let files = self.render_each(&|path, bytes| output.write(Path::new(path), bytes))?;
        output.finish()?;
        Ok(BuildReport { pages: self.pages.len(), files, elapsed: started.elapsed(), output: out.to_owned() })
    }

    /// Renders every file into memory.
    pub fn render(&self) -> Result<Rendered, SiteError> {
        let started = Instant::now();
        let files = Mutex::new(Vec::with_capacity(self.pages.len() + 16));
        self.render_each(&|path, bytes| {
            files.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push((path.to_owned(), bytes.to_vec()));
            Ok(())
        })?;
        let files = files.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(Rendered { files, pages: self.pages.len(), elapsed: started.elapsed() })
    }

    /// Opens `out` to be written: made if missing; refused when it holds the site's sources or
    /// anything but an earlier build, before anything in it is touched.
    pub fn open_output(&self, out: &Path) -> Result<Output, SiteError> {
        Output::open(out, &self.root)
    }

    /// Renders every page (in parallel) and every other file, handing each to `sink`; returns
    /// how many files are not pages.
    fn render_each(&self, sink: &Sink<'_>) -> Result<usize, SiteError> {
        let template_error = |page: &str, template: &str, e: &tera::Error| SiteError::Template {
            page: page.into(),
            template: template.into(),
            message: theme::error_chain(e),
        };
        let theme = Theme::site().map_err(|e| template_error("-", "-", &e))?.with_index_links(self.config.index_links);

        // Plain pages get the small layout context; data pages also get the programme view.
        let mut plain = Context::new();
        plain.insert("site", &self.config);
        plain.insert("chrome", &theme::chrome_view(&self.programme));
        plain.insert("rules", &self.rules);
        let mut data = plain.clone();
        data.insert("programme", &theme::programme_view(&self.programme));
        data.insert("values", &serde_json::Map::new());
        data.insert("errors", &serde_json::Map::new());
        data.insert("error_list", &Vec::<()>::new());
        data.insert("window_open", &false);
        // The deployed form takes proof documents (serve's folder, the Lambda's bucket).
        data.insert("uploads", &true);
        let content = self.root.join("content");

        self.pages.par_iter().zip(&self.files).try_for_each(|(meta, file)| {
            let page = crate::Page::from_file(&content, file)?;
            let template = meta.template();
            let mut context = if theme::needs_programme(&template) { data.clone() } else { plain.clone() };
            context.insert("page", &page.view());
            let crumbs: Vec<_> = self
                .breadcrumbs(meta)
                .into_iter()
                .map(|(title, url)| serde_json::json!({"title": title, "url": url}))
                .collect();
            context.insert("breadcrumbs", &crumbs);
            let html = theme.render(&template, &context).map_err(|e| template_error(&page.source, &template, &e))?;
            sink(&page.output_path(), html.as_bytes())
        })?;

        let mut files = 0;
        for asset in theme.assets() {
            sink(asset.path.trim_start_matches('/'), asset.bytes)?;
            files += 1;
        }
        let base_url = self.config.base_url.trim_end_matches('/');
        let urls: Vec<String> =
            self.pages.iter().filter(|p| !p.is_404()).map(|p| format!("{base_url}{}", p.url)).collect();
        let mut context = Context::new();
        context.insert("urls", &urls);
        let sitemap =
            theme.render("sitemap.xml", &context).map_err(|e| template_error("sitemap.xml", "sitemap.xml", &e))?;
        sink("sitemap.xml", sitemap.as_bytes())?;
        let robots = format!(
            "User-agent: *\nDisallow: /api/\nDisallow: /review/\nDisallow: /status/\nDisallow: /dashboard/\nDisallow: /verify/\nAllow: /status/$\nSitemap: {base_url}/sitemap.xml\n"
        );
        sink("robots.txt", robots.as_bytes())?;
        // The rules this site publishes, to compare with what the handler enforces (its
        // `GET /api/health` answers its own as `X-Tepei-Rules`).
        let rules = serde_json::json!({"rules": self.rules, "round": self.programme.round});
        sink("rules.json", format!("{rules}\n").as_bytes())?;
        Ok(files + 3)
    }
}
