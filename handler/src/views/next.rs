//! "接下来": for each status, who acts now, by when, and what the applicant must do — on the
//! status page and in every mail to the applicant, in the same words.

use crate::store::Record;
use policy::{Actor, Programme, Status};
use serde::Serialize;

/// The next step of an application.
#[derive(Serialize, Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    /// Nobody acts any more: the application is finished (withdrawn, voided, decided).
    pub closed: bool,
    /// Who acts now (empty once closed).
    pub who: String,
    /// Until when they can (this site's stage close), if the stage has one.
    pub until: Option<String>,
    /// What the applicant must do, in plain words.
    pub todo: String,
    /// Whether the applicant should print the 申报表 now.
    pub print: bool,
}

impl NextStep {
    /// The step as one paragraph, for mail: who acts now and what to do, or, once closed, what
    /// the outcome leaves the applicant to do.
    pub fn text(&self) -> String {
        if self.closed {
            return self.todo.clone();
        }
        let until = self.until.as_ref().map(|u| format!("，{u}")).unwrap_or_default();
        format!("现在由{}处理{until}。{}", self.who, self.todo)
    }
}

/// `actor`'s stage close as a step names it, with its mark: the stage closes are this site's
/// settings within the notice's date, not the notice's.
fn until(p: &Programme, actor: Actor) -> Option<String> {
    p.stage_closes(actor).map(|close| format!("{}截止（本站设置）", theme::before_text(close)))
}

/// By when the stamped paper should reach HR: before HR's stage closes (this site's setting).
fn paper_by(p: &Programme) -> String {
    p.stage_closes(Actor::Hr).map_or_else(
        || "请尽早送达".to_owned(),
        |close| format!("请在{}送达（本站设置：审核推荐于此时截止）", theme::before_text(close)),
    )
}

/// Where the stamped paper goes and by when, as every step asking for paper says it:
/// `交单位盖章后报送{paper_to}，{paper_by}`.
fn paper_to_by(p: &Programme, paper_to: &str) -> String {
    format!("交单位盖章后报送{paper_to}，{}", paper_by(p))
}

/// Where the stamped paper 申报表 stands against the record, as HR recorded it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PaperState {
    /// HR has not recorded a paper.
    NotReceived,
    /// HR recorded paper of the record's current content (its content `version`).
    Matching {
        /// The content version.
        version: u32,
    },
    /// HR recorded paper printed before the content last changed.
    Stale {
        /// The paper's content version, when known.
        paper: Option<u32>,
        /// The record's.
        current: u32,
    },
}

/// The next step of `record`, with where its paper stands; `listed`: whether its HR stage has a
/// reviewer on file (an application naming a 厅局（高校） that has none waits for one).
pub fn next_step(p: &Programme, record: &Record, paper: PaperState, listed: bool) -> NextStep {
    let a = &record.application;
    let scope = a.hr_scope();
    let hr = scope.reviewer_name(p);
    let paper_to = scope.paper_to(p);
    let step = |who: String, until: Option<String>, todo: String, print: bool| NextStep {
        closed: false,
        who,
        until,
        todo,
        print,
    };
    let closed = |todo: String| NextStep { closed: true, who: String::new(), until: None, todo, print: false };
    let contact = p.contact.line(&p.notice_issuer);
    let (centre, issuer) = (&p.centre.name, &p.notice_issuer);
    // An erased application has nothing left to act on, print or delete (found by the red team:
    // a withdrawn one still offered “删除我的申报”).
    if record.erased_at.is_some() {
        return closed(format!("这份申报的个人信息已删除，办理已结束，您无需再操作。如有疑问，请联系{contact}。"));
    }
    match record.status {
        Status::Unconfirmed => step(
            "您".to_owned(),
            None,
            format!(
                "请在提交申报的页面输入发送到 {} 的6位邮箱验证码。验证后单位审核人才会收到审核邮件；提交后{}小时内未输入，申报将失效（本站设置）。",
                a.email, p.confirm_hours
            ),
            false,
        ),
        Status::Voided => closed(format!(
            "本申报已作废（本站设置：由{centre}的账号代为作废，或未按时输入邮箱验证码而失效），办理已结束；所占推荐名额（如有）已释放。如有疑问，请联系{contact}。您仍可以在进度页查看办理记录，或使用“下载我的数据”。"
        )),
        Status::UnitReview => step(
            format!("所在单位（审核人 {}）", a.unit_reviewer_email),
            until(p, Actor::Unit),
            "单位审核人已收到审核邮件，您现在无需操作。如审核人未收到，请提醒其查看垃圾邮件。".to_owned(),
            false,
        ),
        Status::HrReview if !listed => step(
            "待确认审核单位（本站设置）".to_owned(),
            None,
            format!(
                "单位已审核通过。您填写的主管厅局（高校）“{hr}”不在本站登记的审核单位中：本站暂不发送审核链接，待通知的联系单位（{issuer}{}）确认由哪个单位审核、本站登记后再送审（本站设置）。请打印申报表，交单位盖章，按确认的审核单位报送。如有疑问，请联系{contact}。",
                p.contact.office
            ),
            true,
        ),
        Status::HrReview => match paper {
            PaperState::NotReceived => step(
                hr.clone(),
                until(p, Actor::Hr),
                format!("单位已审核通过。请打印申报表，{}。线上与纸质申报同步进行。", paper_to_by(p, &paper_to)),
                true,
            ),
            PaperState::Matching { version } => step(
                hr.clone(),
                until(p, Actor::Hr),
                format!(
                    "{hr}已收到您盖章的纸质申报表（第{version}版），与线上申报一致。请等待审核推荐，您现在无需操作。"
                ),
                false,
            ),
            PaperState::Stale { paper, current } => step(
                hr.clone(),
                until(p, Actor::Hr),
                format!(
                    "{hr}收到的纸质申报表{}与线上第{current}版不一致。请重新打印申报表，{}。",
                    paper.map(|v| format!("为第{v}版，")).unwrap_or_default(),
                    paper_to_by(p, &paper_to)
                ),
                true,
            ),
        },
        Status::Returned => step(
            "您".to_owned(),
            until(p, Actor::Applicant),
            "申报已被退回。请打开进度页，按退回意见修改后，用“修改后重新提交”再次提交。".to_owned(),
            false,
        ),
        Status::Recommended => step(
            format!("{hr}（向{centre}报送汇总表和申报表）"),
            None,
            format!(
                "已获推荐。按通知，{hr}填写《{}》，连同加盖公章后的申报表（一式三份）报送{centre}。入选名单以{issuer}公布为准；本站由{centre}的账号代为登记入选结果（本站设置）。您现在无需操作。",
                p.summary_title
            ),
            false,
        ),
        Status::Selected | Status::NotSelected => closed(format!(
            "本站已登记结果（本站设置：由{centre}的账号代{issuer}登记），办理已结束，您无需再操作。入选名单以{issuer}的通知为准；如有疑问，请联系{contact}。"
        )),
        Status::Withdrawn => closed(format!(
            "本申报已撤回，办理已结束；所占推荐名额（如有）已释放。如仍要申报，可在{}到“在线申报”页重新填写提交（将是一份新的申报）。您仍可以在进度页查看办理记录，或使用“下载我的数据”“删除我的申报”。",
            p.stage_closes(Actor::Applicant)
                .map(|close| format!("{}（本站设置）", theme::before_text(close)))
                .unwrap_or_else(|| "申报时间内（本站设置）".to_owned())
        )),
    }
}

/// `actor`'s stage close with the time left at `now`, marked as this site's setting:
/// `2025年3月20日24:00前截止（本站设置，还剩3天）`, or `已于2025年3月20日24:00前截止（本站设置）`;
/// `None` for a stage without a close.
pub fn time_left(p: &Programme, actor: Actor, now: time::OffsetDateTime) -> Option<String> {
    let close = p.stage_closes(actor)?;
    let before = theme::before_text(close);
    let left = close - now;
    Some(if left <= time::Duration::ZERO {
        format!("已于{before}截止（本站设置）")
    } else if left.whole_days() >= 1 {
        format!("{before}截止（本站设置，还剩{}天）", left.whole_days())
    } else {
        format!("{before}截止（本站设置，还剩{}小时）", left.whole_hours().max(1))
    })
}
