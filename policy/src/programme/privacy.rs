//! `[privacy]`: the 个人信息处理规则 the site publishes and each consent records.

use super::Programme;
use serde::{Deserialize, Serialize};

/// 个人信息处理规则 (个人信息保护法 第十七条): the operator's statement of how applicants'
/// personal information is processed. The categories must name every field the form collects.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Privacy {
    /// Names this text; each application records the version its applicant consented to.
    pub version: String,
    /// 个人信息处理者.
    pub handler: String,
    /// Where the information is stored.
    pub storage: String,
    /// How long it is kept.
    pub retention: String,
    /// The last day the round's records are kept in full (`YYYY-MM-DD`): after it, `tepei purge`
    /// and the daily schedule erase them, keeping a de-identified row. Unset until the operator
    /// fixes the retention period.
    #[serde(default)]
    pub keep_until: Option<String>,
    /// Days after which an application never confirmed, withdrawn, or lapsed unconfirmed is
    /// erased, whatever `keep_until` says.
    pub erase_unfinished_after_days: u32,
    /// What is collected, by category.
    pub categories: Vec<PrivacyCategory>,
}

/// One category of personal information collected.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacyCategory {
    /// Its name, e.g. 身份信息.
    pub name: String,
    /// The form's fields it covers (codes, e.g. `id_number`).
    pub fields: Vec<String>,
    /// What it is processed for.
    pub purpose: String,
    /// The fields among them that are sensitive personal information (第二十八条).
    #[serde(default)]
    pub sensitive: Vec<String>,
}

impl Programme {
    /// The last day the round's records are kept in full, if the operator set it.
    pub fn keep_until(&self) -> Option<time::Date> {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        self.privacy.keep_until.as_deref().and_then(|d| time::Date::parse(d, &format).ok())
    }
}
