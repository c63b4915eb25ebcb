//! The one look of tepei: Tera templates, CSS and JS embedded at compile time, shared by the site
//! generator and the handler so generated and handler-rendered pages are the same site.

mod config;
mod form;
mod view;

pub use config::{CONFIG_TOML, Config, NavItem};

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use tera::{Context, Tera, Value};

pub use view::{
    before_text, chinese_date, chinese_instant, chrome_view, needs_programme, programme_view, stage_closes,
};

/// Templates the generated site renders (and the handler too), by name. Names ending in `.html`
/// are autoescaped.
const SITE_TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("page.html", include_str!("../templates/page.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("criteria.html", include_str!("../templates/criteria.html")),
    ("process.html", include_str!("../templates/process.html")),
    ("quota.html", include_str!("../templates/quota.html")),
    ("funding.html", include_str!("../templates/funding.html")),
    ("contact.html", include_str!("../templates/contact.html")),
    ("privacy.html", include_str!("../templates/privacy.html")),
    ("apply.html", include_str!("../templates/apply.html")),
    ("check.html", include_str!("../templates/check.html")),
    ("lookup.html", include_str!("../templates/lookup.html")),
    ("partials/nav.html", include_str!("../templates/partials/nav.html")),
    ("partials/fields.html", include_str!("../templates/partials/fields.html")),
    ("partials/application_form.html", include_str!("../templates/partials/application_form.html")),
    ("partials/reasons.html", include_str!("../templates/partials/reasons.html")),
    ("sitemap.xml", include_str!("../templates/sitemap.xml")),
];

/// Templates only the handler renders: record pages, messages and mail.
const HANDLER_TEMPLATES: &[(&str, &str)] = &[
    ("error.html", include_str!("../templates/error.html")),
    ("status.html", include_str!("../templates/status.html")),
    ("withdraw.html", include_str!("../templates/withdraw.html")),
    ("mydata.html", include_str!("../templates/mydata.html")),
    ("erase.html", include_str!("../templates/erase.html")),
    ("answers.html", include_str!("../templates/answers.html")),
    ("send.html", include_str!("../templates/send.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    ("review.html", include_str!("../templates/review.html")),
    ("review_passed.html", include_str!("../templates/review_passed.html")),
    ("dashboard.html", include_str!("../templates/dashboard.html")),
    ("print.html", include_str!("../templates/print.html")),
    ("verify.html", include_str!("../templates/verify.html")),
    ("dashboard_request.html", include_str!("../templates/dashboard_request.html")),
    ("partials/rows.html", include_str!("../templates/partials/rows.html")),
    ("partials/application.html", include_str!("../templates/partials/application.html")),
    ("partials/timeline.html", include_str!("../templates/partials/timeline.html")),
    ("partials/summary.html", include_str!("../templates/partials/summary.html")),
    ("mail/macros.html", include_str!("../templates/mail/macros.html")),
    ("mail/address_change.txt", include_str!("../templates/mail/address_change.txt")),
    ("mail/address_change.html", include_str!("../templates/mail/address_change.html")),
    ("mail/address_changed.txt", include_str!("../templates/mail/address_changed.txt")),
    ("mail/address_changed.html", include_str!("../templates/mail/address_changed.html")),
    ("mail/submitted_applicant.txt", include_str!("../templates/mail/submitted_applicant.txt")),
    ("mail/submitted_applicant.html", include_str!("../templates/mail/submitted_applicant.html")),
    ("mail/submitted_unit.txt", include_str!("../templates/mail/submitted_unit.txt")),
    ("mail/submitted_unit.html", include_str!("../templates/mail/submitted_unit.html")),
    ("mail/decision_applicant.txt", include_str!("../templates/mail/decision_applicant.txt")),
    ("mail/decision_applicant.html", include_str!("../templates/mail/decision_applicant.html")),
    ("mail/review_request.txt", include_str!("../templates/mail/review_request.txt")),
    ("mail/withdrawn_reviewer.txt", include_str!("../templates/mail/withdrawn_reviewer.txt")),
    ("mail/withdrawn_reviewer.html", include_str!("../templates/mail/withdrawn_reviewer.html")),
    ("mail/review_request.html", include_str!("../templates/mail/review_request.html")),
    ("mail/erased_applicant.txt", include_str!("../templates/mail/erased_applicant.txt")),
    ("mail/erased_applicant.html", include_str!("../templates/mail/erased_applicant.html")),
    ("mail/erasure_requested.txt", include_str!("../templates/mail/erasure_requested.txt")),
    ("mail/erasure_requested.html", include_str!("../templates/mail/erasure_requested.html")),
    ("mail/link_again.txt", include_str!("../templates/mail/link_again.txt")),
    ("mail/link_again.html", include_str!("../templates/mail/link_again.html")),
    ("mail/dashboard_link.txt", include_str!("../templates/mail/dashboard_link.txt")),
    ("mail/dashboard_link.html", include_str!("../templates/mail/dashboard_link.html")),
    ("mail/summary.txt", include_str!("../templates/mail/summary.txt")),
    ("mail/summary.html", include_str!("../templates/mail/summary.html")),
    ("mail/confirm_applicant.txt", include_str!("../templates/mail/confirm_applicant.txt")),
    ("mail/confirm_applicant.html", include_str!("../templates/mail/confirm_applicant.html")),
];

/// A static file with a content-hashed public path.
#[derive(Clone, Debug)]
pub struct Asset {
    /// Logical name used in templates, e.g. `style.css`.
    pub name: &'static str,
    /// Public path, e.g. `/assets/style.1a2b3c4d.css`.
    pub path: String,
    /// The bytes.
    pub bytes: &'static [u8],
    /// MIME type.
    pub content_type: &'static str,
}

const ASSETS: &[(&str, &[u8], &str)] = &[
    ("style.css", include_bytes!("../static/style.css"), "text/css; charset=utf-8"),
    ("app.js", include_bytes!("../static/app.js"), "text/javascript; charset=utf-8"),
];

/// Templates and assets, ready to render.
pub struct Theme {
    tera: Tera,
    assets: Vec<Asset>,
    asset_paths: BTreeMap<&'static str, String>,
    index_links: bool,
}

/// Every root-relative link to a folder (`href="/notice/"`, `href="/notice/#part-2"`) made to
/// name its file (`/notice/index.html`, `/notice/index.html#part-2`); the root `/` and links to
/// anything else are left alone.
pub fn index_links(html: &str) -> String {
    let mut out = String::with_capacity(html.len() + 256);
    let mut rest = html;
    while let Some(at) = rest.find("href=\"/") {
        let start = at + "href=\"".len();
        out.push_str(&rest[..start]);
        rest = &rest[start..];
        let end = rest.find('"').unwrap_or(rest.len());
        let link = &rest[..end];
        let split = link.find(['#', '?']).unwrap_or(link.len());
        let (path, tail) = link.split_at(split);
        out.push_str(path);
        if path.len() > 1 && path.ends_with('/') && !path.starts_with("//") {
            out.push_str("index.html");
        }
        out.push_str(tail);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The first 8 hex characters of the SHA-256 of `bytes`.
pub fn short_hash(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes)[..4])
}

fn hashed_path(name: &str, bytes: &[u8]) -> String {
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    format!("/assets/{stem}.{}.{ext}", short_hash(bytes))
}

/// Escapes `& < > " '` for HTML text and quoted attributes (unlike Tera's own escape, `/` is left
/// alone, so links stay readable).
pub fn escape_html(input: &str) -> String {
    html_escape::encode_quoted_attribute(input).into_owned()
}

/// `2450000` -> `2,450,000` in templates: `{{ n | yuan }}`.
fn yuan_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let n = value.as_u64().ok_or_else(|| tera::Error::msg("yuan: expected a whole number"))?;
    Ok(Value::String(policy::yuan(n)))
}

/// `36800` -> `3.68万元`, `5000` -> `0.5万元` in templates: `{{ n | wan }}`, said beside the
/// yuan figure as the notice says amounts.
fn wan_filter(value: &Value, _: &HashMap<String, Value>) -> tera::Result<Value> {
    let n = value.as_u64().ok_or_else(|| tera::Error::msg("wan: expected a whole number"))?;
    let whole = n / 10_000;
    let rest = format!("{:04}", n % 10_000);
    let rest = rest.trim_end_matches('0');
    Ok(Value::String(if rest.is_empty() { format!("{whole}万元") } else { format!("{whole}.{rest}万元") }))
}

impl Theme {
    /// Every template (the handler) and every asset.
    pub fn new() -> Result<Self, tera::Error> {
        Self::with(&[SITE_TEMPLATES, HANDLER_TEMPLATES])
    }

    /// Only the templates the generated site renders (parsing fewer keeps builds fast).
    pub fn site() -> Result<Self, tera::Error> {
        Self::with(&[SITE_TEMPLATES])
    }

    fn with(sets: &[&[(&str, &str)]]) -> Result<Self, tera::Error> {
        let mut tera = Tera::default();
        tera.add_raw_templates(sets.iter().flat_map(|set| set.iter().copied()))?;
        tera.register_filter("yuan", yuan_filter);
        tera.register_filter("wan", wan_filter);
        tera.set_escape_fn(escape_html);
        let assets: Vec<Asset> = ASSETS
            .iter()
            .map(|(name, bytes, content_type)| Asset { name, path: hashed_path(name, bytes), bytes, content_type })
            .collect();
        let asset_paths = assets.iter().map(|a| (a.name, a.path.clone())).collect();
        Ok(Self { tera, assets, asset_paths, index_links: false })
    }

    /// Renders links to the site's pages as [`index_links`] does, when `on`
    /// (`index_links` in config.toml).
    pub fn with_index_links(mut self, on: bool) -> Self {
        self.index_links = on;
        self
    }

    /// The static files to publish.
    pub fn assets(&self) -> &[Asset] {
        &self.assets
    }

    /// Renders `template` with `context` plus `assets` (logical name -> hashed path).
    pub fn render(&self, template: &str, context: &Context) -> Result<String, tera::Error> {
        let mut context = context.clone();
        context.insert("assets", &self.asset_paths);
        let html = self.tera.render(template, &context)?;
        Ok(if self.index_links && !template.ends_with(".txt") { index_links(&html) } else { html })
    }

    /// Whether a template of that name exists.
    pub fn has_template(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }
}

/// The cause chain of a Tera error on one line, for messages that name the template and line.
pub fn error_chain(err: &tera::Error) -> String {
    let mut out = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_are_content_hashed_and_templates_parse() {
        let theme = Theme::new().expect("templates parse");
        let css = theme.assets().iter().find(|a| a.name == "style.css").expect("css");
        assert!(css.path.starts_with("/assets/style.") && css.path.ends_with(".css"));
        assert_eq!(css.path.len(), "/assets/style.12345678.css".len());
        assert_eq!(short_hash(b"a"), short_hash(b"a"));
        assert_ne!(short_hash(b"a"), short_hash(b"b"));
    }

    #[test]
    fn index_links_name_the_file_of_folder_links_only() {
        let html = r#"<a href="/">首页</a><a href="/notice/#part-2">通知</a><a href="/quota/?x=1">名额</a>
<a href="/status/TOKEN">进度</a><a href="//cdn.example/x/">外</a><a href="/assets/a.css">样式</a><a href="https://e.cn/a/">外部</a>"#;
        assert_eq!(
            super::index_links(html),
            r#"<a href="/">首页</a><a href="/notice/index.html#part-2">通知</a><a href="/quota/index.html?x=1">名额</a>
<a href="/status/TOKEN">进度</a><a href="//cdn.example/x/">外</a><a href="/assets/a.css">样式</a><a href="https://e.cn/a/">外部</a>"#
        );
    }
}
