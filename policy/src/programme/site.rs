//! `[centre]`, `[official_system]`, `[footer]` and `[contact]`: who is named, and where.

use serde::{Deserialize, Serialize};

/// The regional centre.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Centre {
    /// Its name.
    pub name: String,
    /// Where the summary table goes.
    pub email: String,
}

/// The online system the notice names (申报人及单位…通过线上…与线下同步申报材料).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialSystem {
    /// Its name, as the notice gives it.
    pub name: String,
    /// Its address, as the notice gives it.
    pub url: String,
    /// Whether this site is that system for the round (no banner then).
    pub this_site: bool,
}

/// The footer of every page: 主办单位, 承办单位, the issuer's portal and registration numbers
/// (each left out when empty).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Footer {
    /// 主办单位.
    pub host: String,
    /// 承办单位.
    pub organiser: String,
    /// The issuing department's portal.
    #[serde(default)]
    pub portal_url: String,
    /// 网站标识码.
    #[serde(default)]
    pub site_code: String,
    /// ICP备案号.
    #[serde(default)]
    pub icp: String,
    /// 公安机关备案号.
    #[serde(default)]
    pub police: String,
}

/// Contacts of the issuing office.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Contact people.
    pub people: Vec<String>,
    /// Telephone numbers as printed.
    pub phones: Vec<String>,
    /// Postal address.
    pub address: String,
    /// The office in charge.
    pub office: String,
}

impl Contact {
    /// Whom to ask, as the notice names them, after `issuer` (the notice's issuer):
    /// `内蒙古自治区人力资源和社会保障厅专业技术人员管理处（联系人：张翼飞、王慧；电话：…）`.
    pub fn line(&self, issuer: &str) -> String {
        format!("{issuer}{}（联系人：{}；电话：{}）", self.office, self.people.join("、"), self.phones.join("、"))
    }
}
