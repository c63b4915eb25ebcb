//! `[[leagues]]`, `[departments]`, `[[ethnic_groups]]` and the education and title ladders.

use serde::{Deserialize, Serialize};

/// A league (盟/市) or a city within one.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct League {
    /// Code, e.g. `hulunbuir`.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// One of the east 5 (or within one).
    #[serde(default)]
    pub east: bool,
    /// The league this city lies in.
    #[serde(default)]
    pub within: Option<String>,
}

/// 区直 departments.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Departments {
    /// True while the list is only an example.
    pub sample: bool,
    /// Names.
    pub names: Vec<String>,
}

/// An ethnic group (GB/T 3304).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EthnicGroup {
    /// Two-digit code.
    pub code: String,
    /// Chinese name, e.g. 蒙古族.
    pub name: String,
    /// True for every group but 汉族.
    pub minority: bool,
}

/// A rung of the education or title ladder.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    /// API code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// Higher is better.
    pub rank: u32,
}
