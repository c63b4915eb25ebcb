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

impl crate::Programme {
    /// The paper step as the notice has it (六(一)5), for HR: the 汇总表 and the stamped 申报表 to
    /// the centre, its electronic copy by mail or on disc.
    pub fn paper_step(&self) -> String {
        format!(
            "按通知，盟（市）人力资源社会保障部门、厅局（高校）审核通过后，填写《{}》一份（附件2）连同加盖公章后的申报表（一式三份），报送至{}；《汇总表》电子版发送至电子邮箱（{}）或通过光盘报送。",
            self.summary_title, self.centre.name, self.centre.email
        )
    }
}

/// What the site's own sending of the 汇总表 is: a convenience, not the notice's step.
pub const SEND_IS_CONVENIENCE: &str = "通过本站发送汇总表是本站提供的便利（本站设置），不代替通知规定的报送";

/// The online system the notice names (申报人及单位…通过线上…与线下同步申报材料).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OfficialSystem {
    /// Its name, as the notice gives it.
    pub name: String,
    /// Its address, as the notice gives it.
    pub url: String,
    /// Whether this site is that system for the round: what applying here counts for
    /// ([`OfficialSystem::standing`]) follows.
    pub this_site: bool,
}

impl OfficialSystem {
    /// What applying on this site counts for, in one plain sentence for each mode: while this site
    /// is not the system the notice names, that applying here does not replace applying there;
    /// while it is, that it is. Every page, every mail to an applicant, the printed 申报表 and the
    /// 汇总表 carry it. It names the system without its address: a mail to an address not yet
    /// proven carries no link at all (pages link the system beside it).
    pub fn standing(&self) -> String {
        if self.this_site {
            format!("本站即通知规定的“{}”：在本站提交即通知规定的线上申报，并须按通知同步报送纸质材料。", self.name)
        } else {
            format!("在本站提交不能代替在“{}”的申报：请同时在该系统申报，并按通知报送纸质材料。", self.name)
        }
    }

    /// Which system produced a printed 申报表, and what it stands for.
    pub fn printed_by(&self) -> String {
        if self.this_site {
            format!("本表由“{}”生成，是通知规定单位审核通过后打印的申报表。", self.name)
        } else {
            format!("本表由本站生成，不是“{}”打印的申报表。{}", self.name, self.standing())
        }
    }
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
    /// `内蒙古自治区人力资源和社会保障厅专业技术人员管理处，联系人张翼飞、王慧，电话（0471）6918865、…`
    /// (no brackets around it: the phone's area code has its own).
    pub fn line(&self, issuer: &str) -> String {
        format!("{issuer}{}，联系人{}，电话{}", self.office, self.people.join("、"), self.phones.join("、"))
    }
}
