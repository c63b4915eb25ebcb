//! The mails to reviewers and the centre that no application's step sends: dashboard links,
//! and the 汇总表.

use super::{TO_CENTRE, TO_REVIEWER, compose};
use crate::store::{Mail, MailFile};
use crate::views;
use crate::workflow::{Context, Error, links};
use serde::Serialize;

/// One dashboard a mail links to.
#[derive(Serialize)]
pub struct DashboardLink {
    /// The scope's name.
    pub name: String,
    /// The absolute link.
    pub link: String,
}

#[derive(Serialize)]
struct DashboardLinks<'a> {
    links: &'a [DashboardLink],
    days: i64,
    issuer: &'a str,
}

/// The dashboard links of a configured address, to that address.
pub fn dashboard_links(ctx: &Context, to: &str, links: &[DashboardLink]) -> Result<Mail, Error> {
    let first = links.first().map(|l| l.name.as_str()).unwrap_or_default();
    let context =
        DashboardLinks { links, days: links::DASHBOARD_TTL.whole_days(), issuer: &ctx.programme.notice_issuer };
    compose(
        ctx,
        "dashboard_link",
        to,
        TO_REVIEWER,
        format!("【特培申报】{first}申报汇总查看链接"),
        "dashboard",
        &context,
    )
}

#[derive(Serialize)]
struct Summary<'a> {
    scope_name: &'a str,
    title: &'a str,
    count: usize,
    issuer: &'a str,
    since: Option<&'a crate::workflow::dashboard::since::SinceLast>,
    /// That this mail is the site's convenience, and the notice's paper step.
    convenience: String,
}

/// The 汇总表 of a scope (`count` rows) to the centre, with the XLSX attached as `file_name`.
pub fn summary(
    ctx: &Context,
    scope_id: &str,
    scope_name: &str,
    table: &views::SummaryTable,
    since: Option<&crate::workflow::dashboard::since::SinceLast>,
    file_name: String,
    xlsx: &[u8],
) -> Result<Mail, Error> {
    use base64::Engine;
    let p = &ctx.programme;
    let count = table.rows.len();
    let convenience = format!("{}：{}", policy::SEND_IS_CONVENIENCE, p.paper_step());
    let context = Summary { scope_name, title: &table.title, count, issuer: &p.notice_issuer, since, convenience };
    let again = if since.is_some() { "（更新）" } else { "" };
    let subject = format!("【特培申报】{scope_name}推荐学员汇总信息{again}（{count}人）");
    let mut mail =
        compose(ctx, "summary", &p.centre.email, TO_CENTRE, subject, &format!("summary-{scope_id}"), &context)?;
    mail.files.push(MailFile {
        name: file_name,
        content_type: crate::views::XLSX_TYPE.to_owned(),
        base64: base64::engine::general_purpose::STANDARD.encode(xlsx),
    });
    Ok(mail)
}
