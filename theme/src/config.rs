//! `config.toml` at the site root: the site's name and address.

use serde::{Deserialize, Serialize};

/// The config shipped with this build.
pub const CONFIG_TOML: &str = include_str!("../../config.toml");

/// Site-wide settings.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Site name shown in the header and titles.
    pub title: String,
    /// Absolute base URL, for the sitemap.
    pub base_url: String,
    /// The main navigation.
    pub nav: Vec<NavItem>,
    /// Links to the site's pages name their file (`/notice/index.html`, not `/notice/`), for a
    /// host that serves only exact object keys (a private S3 bucket behind a CDN with no URL
    /// rewrite). Default `false`.
    #[serde(default)]
    pub index_links: bool,
    /// Where a reply to the site's mail goes (its Reply-To), if anywhere: the operator's setting,
    /// unset by default (a reply then goes to the sender, and every mail's footer says whom to
    /// ask instead). Never the mailbox the notice reserves for the 汇总表's electronic copy.
    #[serde(default)]
    pub reply_to: Option<String>,
}

/// One entry of the main navigation.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NavItem {
    /// Site path.
    pub url: String,
    /// Label.
    pub title: String,
}

impl Config {
    /// Parses the file's text; the error names the key.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| format!("config.toml: {e}"))
    }

    /// The config shipped with this build.
    pub fn embedded() -> Result<Self, String> {
        Self::parse(CONFIG_TOML)
    }

    /// `reply_to`, checked: a mail address, and not `reserved` (the mailbox the notice gives for
    /// the 汇总表's electronic copy, `[centre] email` of programme.toml). `None` when unset.
    pub fn reply_to(&self, reserved: &str) -> Result<Option<String>, String> {
        let Some(text) = self.reply_to.as_deref().map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        let address =
            policy::Email::parse(text).map_err(|_| format!("config.toml: reply_to `{text}` is not a mail address"))?;
        if address.as_str().eq_ignore_ascii_case(reserved.trim()) {
            return Err(format!(
                "config.toml: reply_to `{text}` is the mailbox the notice reserves for the 汇总表's electronic copy; \
                 leave reply_to unset or name the operator's own mailbox"
            ));
        }
        Ok(Some(address.as_str().to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::Config;

    #[test]
    fn reply_to_is_unset_by_default_and_never_the_summary_mailbox() {
        let shipped = Config::embedded().expect("config.toml");
        assert_eq!(shipped.reply_to("1819448970@qq.com"), Ok(None));
        let mut c = shipped.clone();
        c.reply_to = Some("ask@example.gov.cn".into());
        assert_eq!(c.reply_to("1819448970@qq.com"), Ok(Some("ask@example.gov.cn".into())));
        c.reply_to = Some(" 1819448970@QQ.com ".into());
        assert!(c.reply_to("1819448970@qq.com").expect_err("reserved").contains("reserves"));
        c.reply_to = Some("not an address".into());
        assert!(c.reply_to("1819448970@qq.com").expect_err("bad").contains("reply_to"));
    }
}
