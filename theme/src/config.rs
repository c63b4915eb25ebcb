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
}
