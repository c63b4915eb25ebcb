//! Every mail tepei sends, composed here from `mail/{name}.txt` and `.html` with a typed
//! context. Mails are written to the outbox with the change they report.

use crate::ids;
use crate::store::{Mail, Record};
use crate::views::{self, AttachmentsView, FileView};
use crate::workflow::Context;
use crate::workflow::{Error, actor_address, hr_listed, hr_name, links};
use policy::{Action, Actor, Application, EventKind, Status};
use serde::Serialize;

mod address;
mod erasure;
mod reviewers;

pub use address::{address_change_asked, address_changed, address_proven, to_confirm, to_prove};
pub use erasure::{erased, erasure_requested};
pub use reviewers::{DashboardLink, dashboard_links, summary};

/// Why each kind of recipient gets mail, as every mail's footer says.
const TO_APPLICANT: &str = "本邮箱是这份特培申报的申报人邮箱";
const TO_UNCONFIRMED: &str = "有人在特培申报表中把本邮箱填写为申报人邮箱";
const TO_UNIT: &str = "申报人在申报表中把本邮箱填写为所在单位审核人邮箱";
const TO_HR: &str = "本邮箱是本站登记的盟市人力资源社会保障部门或厅局（高校）审核人邮箱";
const TO_CENTRE: &str = "本邮箱是自治区人事人才公共服务中心接收汇总表的邮箱";
const TO_CENTRE_REVIEWER: &str = "本邮箱是本站登记的自治区人事人才公共服务中心账号邮箱（本站设置）";
const TO_REVIEWER: &str = "本邮箱是本站登记的审核人邮箱，有人在本站为它申请了审核工作台链接";

/// The reason a reviewer of `stage` is mailed.
fn to_reviewer(stage: Actor) -> &'static str {
    if stage == Actor::Unit { TO_UNIT } else { TO_HR }
}

/// Renders a mail from `mail/{name}.txt` and `.html`, with the footer every mail carries: to an
/// applicant, what applying here counts for; who sent it, why this address got it, and where to
/// ask: the notice's contacts, and the operator's
/// Reply-To where config.toml sets one (never the centre's mailbox, which the notice reserves for
/// the 汇总表's electronic copy).
fn compose<C: Serialize>(
    ctx: &Context,
    name: &str,
    to: &str,
    why: &str,
    subject: String,
    reference: &str,
    context: &C,
) -> Result<Mail, Error> {
    let p = &ctx.programme;
    let context = tera::Context::from_serialize(context)?;
    let render = |ext: &str| ctx.pages.render_bare(&format!("mail/{name}.{ext}"), &context);
    let ask = p.contact.line(&p.notice_issuer);
    let reply = match &ctx.settings.reply_to {
        Some(to) => format!("回复本邮件将送达{to}（本站运营单位设置）；对通知内容有疑问，请联系{ask}。"),
        None => format!("请勿直接回复本邮件（回复无人处理）；如有疑问，请联系{ask}。"),
    };
    // An applicant is told, in every mail, what applying here counts for.
    let standing = match why {
        TO_APPLICANT | TO_UNCONFIRMED => p.official_system.standing(),
        _ => String::new(),
    };
    let footer = format!("{standing}本邮件由特培申报网站自动发送。您收到本邮件，是因为{why}。{reply}");
    let html = render("html")?;
    // An address not yet proven gets no link at all: the rules are named, not linked.
    let (html_footer, footer) = if why == TO_UNCONFIRMED {
        let rules = "个人信息处理规则见本站“个人信息处理规则”页面。";
        (
            format!("<hr><p style=\"color:#4a4a4a;font-size:90%\">{} {rules}</p>\n</body>", tera::escape_html(&footer)),
            format!("{footer}\n{rules}"),
        )
    } else {
        let privacy = super::links::absolute(ctx, &ctx.pages.page_path("/privacy/"));
        (
            format!(
                "<hr><p style=\"color:#4a4a4a;font-size:90%\">{} 个人信息处理规则：<a href=\"{privacy}\">{privacy}</a></p>\n</body>",
                tera::escape_html(&footer)
            ),
            format!("{footer}\n个人信息处理规则：{privacy}"),
        )
    };
    Ok(Mail {
        id: ids::random_id(),
        reference: reference.to_owned(),
        to: to.to_owned(),
        subject,
        text: format!("{}\n--\n{footer}\n", render("txt")?.trim_end()),
        html: match html.rfind("</body>") {
            Some(at) => format!("{}{html_footer}{}", &html[..at], &html[at + "</body>".len()..]),
            None => format!("{html}{html_footer}"),
        },
        created_at: views::rfc3339(ctx.clock.now()),
        attempts: 0,
        files: Vec::new(),
        reply_to: ctx.settings.reply_to.clone(),
        about: Vec::new(),
    })
}

/// `{name}的` in a subject to a reviewer whose address is configured, nothing for the unit
/// reviewer: an address the applicant typed never gets the applicant's own text in a subject.
fn whose(stage: Actor, a: &Application) -> String {
    if stage == Actor::Unit { String::new() } else { format!("{}的", a.name) }
}

/// What the submission mails show.
#[derive(Serialize)]
struct Submitted<'a> {
    a: &'a Application,
    reference: &'a str,
    receipt: Vec<views::Row>,
    for_review: Vec<views::Row>,
    hr_name: String,
    /// Where the stamped paper goes, with the site's reading of 本级 marked.
    paper_to: String,
    submitted_at: String,
    deadline: String,
    issuer: &'a str,
    status_url: String,
    review_url: String,
    review_days: i64,
    files: Vec<FileView>,
    next_step: String,
    /// The unit's close and the time left.
    review_deadline: Option<String>,
}

/// The two mails of a new application: its status link to the applicant, and the review link
/// to the unit reviewer.
pub fn submitted(ctx: &Context, record: &Record) -> Result<Vec<Mail>, Error> {
    let p = &ctx.programme;
    let a = &record.application;
    let reference = &record.reference;
    let AttachmentsView { files, .. } = views::attachments(p, record);
    let context = Submitted {
        a,
        reference,
        receipt: views::rows_of(p, a, &views::RECEIPT_FIELDS),
        for_review: views::rows_of(p, a, &views::REVIEW_FIELDS),
        hr_name: hr_name(ctx, record),
        paper_to: record.scope().paper_to(p),
        submitted_at: views::chinese_time(&record.created_at),
        deadline: views::chinese_date(p.count_at()),
        issuer: &p.notice_issuer,
        status_url: links::absolute(ctx, &links::status_path(ctx, record)),
        review_url: links::absolute(ctx, &links::review_path(ctx, record, Actor::Unit, record.version)),
        review_days: ctx.settings.review_ttl.whole_days(),
        files,
        next_step: views::next_step(p, record, views::PaperState::NotReceived, hr_listed(ctx, record)).text(),
        review_deadline: views::time_left(p, Actor::Unit, ctx.clock.now()),
    };
    Ok(vec![
        compose(
            ctx,
            "submitted_applicant",
            a.email.as_str(),
            TO_APPLICANT,
            format!("【特培申报】已收到您的申报 {reference}"),
            reference,
            &context,
        )?,
        compose(
            ctx,
            "submitted_unit",
            a.unit_reviewer_email.as_str(),
            TO_UNIT,
            format!("【特培申报】请审核{}申报 {reference}", whose(Actor::Unit, a)),
            reference,
            &context,
        )?,
    ])
}

/// What the decision mails show.
#[derive(Serialize)]
struct Decided<'a> {
    a: &'a Application,
    reference: &'a str,
    for_review: Vec<views::Row>,
    hr_name: String,
    issuer: &'a str,
    status_label: &'static str,
    comment: &'a str,
    actor: &'static str,
    /// After the centre's account's name: that what it did is this site's arrangement on the
    /// issuer's behalf.
    on_behalf: String,
    status_url: String,
    review_days: i64,
    review_url: Option<String>,
    stage_label: &'static str,
    next_step: String,
    print_url: Option<String>,
    released: bool,
    /// The next reviewer's close and the time left.
    deadline: Option<String>,
    /// To HR: the notice's paper step after a recommendation.
    paper_step: Option<String>,
}

/// What an outcome's mail to the applicant says in its subject, in plain words; what the centre's
/// account records is this site's arrangement on behalf of `issuer`, whose list of 入选 counts.
fn outcome_subject(actor: Actor, action: Action, issuer: &str) -> String {
    match (actor, action) {
        (Actor::Unit, Action::Approve) => "您的申报已通过单位审核".to_owned(),
        (Actor::Hr, Action::Approve) => "您的申报已获推荐".to_owned(),
        (_, Action::Return) => "您的申报已退回，请修改后重新提交".to_owned(),
        (_, Action::Resubmit) => "您的申报已重新提交".to_owned(),
        (_, Action::Withdraw) => "您的申报已撤回".to_owned(),
        (_, Action::Select) => format!("您的申报已登记为入选（本站设置，入选名单以{issuer}公布为准）"),
        (_, Action::Reject) => format!("您的申报已登记为未入选（本站设置，入选名单以{issuer}公布为准）"),
        (_, Action::AddDocuments) => "您补充的证明材料已收到".to_owned(),
        (_, Action::PaperReceived) => "您的纸质申报表已收到".to_owned(),
        (_, Action::Void) => "您的申报已作废（本站设置）".to_owned(),
        (_, Action::DeclineErasure) => "您删除个人信息的申请未获同意（本站设置）".to_owned(),
        _ => format!("{}：{}", actor.label(), EventKind::from(action).label()),
    }
}

/// The mails one step sends, on the record as it is after the step (`previous`: its status
/// before): the applicant is told, with the next step; the next reviewer gets a link when the
/// application moves to their stage; on a withdrawal, the reviewer who had it is told.
pub fn decided(
    ctx: &Context,
    record: &Record,
    previous: Status,
    actor: Actor,
    action: Action,
    comment: &str,
    paper: views::PaperState,
) -> Result<Vec<Mail>, Error> {
    let p = &ctx.programme;
    let a = &record.application;
    let reference = &record.reference;
    // The reviewer whose turn it is now, if they are mailed as applications reach them.
    let next = policy::reviewer_for(record.status)
        .filter(|stage| stage.mailed_on_arrival() && *stage != actor)
        .and_then(|stage| actor_address(ctx, stage, record).map(|to| (to, stage)));
    let next_step = views::next_step(p, record, paper, hr_listed(ctx, record));
    let status_path = links::status_path(ctx, record);
    let mut context = Decided {
        a,
        reference,
        for_review: views::rows_of(p, a, &views::REVIEW_FIELDS),
        hr_name: hr_name(ctx, record),
        issuer: &p.notice_issuer,
        status_label: record.status.label(),
        comment,
        actor: actor.label(),
        on_behalf: match actor {
            Actor::Centre => format!("（本站设置：由该中心的账号代{}办理）", p.notice_issuer),
            _ => String::new(),
        },
        status_url: links::absolute(ctx, &status_path),
        review_days: ctx.settings.review_ttl.whole_days(),
        review_url: None,
        stage_label: "审核",
        print_url: next_step.print.then(|| links::absolute(ctx, &format!("{status_path}/print"))),
        next_step: next_step.text(),
        released: previous.holds_place(),
        deadline: None,
        paper_step: None,
    };
    let subject = format!("【特培申报】{} {reference}", outcome_subject(actor, action, &p.notice_issuer));
    let mut mails =
        vec![compose(ctx, "decision_applicant", a.email.as_str(), TO_APPLICANT, subject, reference, &context)?];
    if let Some((to, stage)) = next {
        context.review_url = Some(links::absolute(ctx, &links::review_path(ctx, record, stage, record.version)));
        context.deadline = views::time_left(p, stage, ctx.clock.now());
        context.stage_label = if stage == Actor::Hr { "推荐" } else { "审核" };
        context.paper_step = (stage == Actor::Hr).then(|| p.paper_step());
        let subject = format!("【特培申报】请{}{}申报 {reference}", stage.asked_to(), whose(stage, a));
        mails.push(compose(ctx, "review_request", &to, to_reviewer(stage), subject, reference, &context)?);
    }
    // A withdrawal: the reviewer whose turn it was (for a recommendation, the body that made it).
    let told = match action {
        Action::Withdraw => super::told_of_withdrawal(previous),
        _ => None,
    };
    if let Some((reviewer, to)) =
        told.and_then(|reviewer| actor_address(ctx, reviewer, record).map(|to| (reviewer, to)))
    {
        let who = if reviewer == Actor::Unit { "申报人" } else { a.name.as_str() };
        let subject = format!("【特培申报】{who}已撤回申报 {reference}");
        mails.push(compose(ctx, "withdrawn_reviewer", &to, to_reviewer(reviewer), subject, reference, &context)?);
    }
    Ok(mails)
}

/// What the "link again" mail shows.
#[derive(Serialize)]
struct LinkAgain<'a> {
    reference: &'a str,
    purpose: &'a str,
    link: String,
    issuer: &'a str,
    /// Why the link comes, where it is not a request to send it again.
    intro: Option<String>,
}

/// A link sent again (`purpose` says what it opens) to the address of `whose` already on file.
pub fn link_again(
    ctx: &Context,
    record: &Record,
    (to, whose): (&str, Actor),
    purpose: &str,
    path: &str,
) -> Result<Mail, Error> {
    link_because(ctx, record, (to, whose), purpose, path, None)
}

/// A link (`purpose` says what it opens) to the address of `whose` on file, with `intro` saying
/// why it comes (by default: someone asked for it again).
pub(super) fn link_because(
    ctx: &Context,
    record: &Record,
    (to, whose): (&str, Actor),
    purpose: &str,
    path: &str,
    intro: Option<String>,
) -> Result<Mail, Error> {
    let reference = &record.reference;
    let link = links::absolute(ctx, path);
    let context = LinkAgain { reference, purpose, link, issuer: &ctx.programme.notice_issuer, intro };
    let why = if whose == Actor::Applicant { TO_APPLICANT } else { to_reviewer(whose) };
    compose(ctx, "link_again", to, why, format!("【特培申报】{purpose} {reference}"), reference, &context)
}
