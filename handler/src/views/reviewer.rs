//! The unit reviewer's address as HR and the centre see it.

use policy::Application;
use serde::Serialize;

/// Personal mail services: a unit reviewer on one of these is not on the unit's own address.
const FREE_MAIL: &[&str] = &[
    "qq.com",
    "foxmail.com",
    "163.com",
    "126.com",
    "yeah.net",
    "sina.com",
    "sina.cn",
    "sohu.com",
    "139.com",
    "189.cn",
    "aliyun.com",
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "icloud.com",
];

/// The unit reviewer's address as HR and the centre see it, beside the applicant's, with a
/// warning when it looks like the applicant's own: the same address, the same name before `@`,
/// or the same personal mail service. The applicant chose that address (it may be another of
/// their own), so the unit whose stamp the paper must carry is named with it.
#[derive(Serialize, Clone, Debug)]
pub struct UnitReviewerView {
    address: String,
    /// The applicant's own address, to compare.
    applicant: String,
    /// The unit whose stamp the paper 申报表 must carry.
    unit: String,
    warning: Option<String>,
}

/// See [`UnitReviewerView`].
pub fn unit_reviewer(a: &Application) -> UnitReviewerView {
    let reviewer = a.unit_reviewer_email.as_str().to_ascii_lowercase();
    let own = a.email.as_str().to_ascii_lowercase();
    let split = |e: &str| e.rsplit_once('@').map(|(l, d)| (l.to_owned(), d.to_owned())).unwrap_or_default();
    let ((r_local, r_domain), (o_local, o_domain)) = (split(&reviewer), split(&own));
    let warning = if reviewer == own {
        Some("单位审核人邮箱与申报人本人的邮箱相同".to_owned())
    } else if r_local == o_local {
        Some(format!("单位审核人邮箱与申报人邮箱的用户名相同（{r_local}）"))
    } else if r_domain == o_domain && FREE_MAIL.contains(&r_domain.as_str()) {
        Some(format!("单位审核人使用与申报人相同的个人邮箱服务（{r_domain}），不是单位邮箱"))
    } else if FREE_MAIL.contains(&r_domain.as_str()) {
        Some(format!("单位审核人使用个人邮箱（{r_domain}），不是单位邮箱"))
    } else {
        None
    };
    UnitReviewerView {
        address: a.unit_reviewer_email.to_string(),
        applicant: a.email.to_string(),
        unit: a.employer.clone(),
        warning,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_unit_reviewer_like_the_applicant_is_flagged() {
        let p = policy::Programme::embedded().expect("programme");
        let form = |own: &str, reviewer: &str| {
            let mut v: policy::ApplicationForm =
                policy::json_object(include_bytes!("../../../fuzz/seeds/application_json/valid.json")).expect("seed");
            v.email = Some(own.into());
            v.unit_reviewer_email = Some(reviewer.into());
            super::unit_reviewer(&policy::Application::parse(&v, &p).expect("valid")).warning
        };
        assert_eq!(form("wang@hospital.cn", "hr@hospital.cn"), None);
        assert!(form("batu@qq.com", "batu@hospital.cn").expect("same name").contains("用户名相同"));
        assert!(form("batu@qq.com", "zhang123@qq.com").expect("same service").contains("相同的个人邮箱服务"));
        assert!(form("batu@hospital.cn", "zhang123@163.com").expect("free mail").contains("个人邮箱"));
    }
}
