//! Records as pages and mail show them: Chinese labels, masked identity number, Beijing time.
//! Each template gets a typed context from here; [`Pages`] renders them in the site's layout.

mod chart;
mod next;
mod pages;
mod record;
mod summary;

pub use chart::{Bar, bar_chart};
pub use next::{NextStep, PaperState, next_step, time_left};
pub use pages::Pages;
pub use record::{RecordJson, RecordPage};
pub use summary::{HEADERS, SummaryTable, XLSX_TYPE, build as summary_table};

use crate::store::{Event, Record};
use policy::{Application, Programme};
use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// RFC 3339 in UTC.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

/// `2025年3月15日 09:00` in Beijing time, from RFC 3339 text (the text itself if unreadable).
pub fn chinese_time(text: &str) -> String {
    OffsetDateTime::parse(text, &Rfc3339).map_or_else(|_| text.to_owned(), theme::chinese_instant)
}

pub use theme::chinese_date;

/// One row of the application table: a field of [`policy::FIELDS`] with its value as shown.
#[derive(Serialize, PartialEq, Eq, Debug)]
pub struct Row {
    label: &'static str,
    value: String,
    multiline: bool,
    /// The form field where it is answered (the 核对信息 page's 修改 goes there).
    field: &'static str,
    /// The field's code.
    #[serde(skip)]
    code: &'static str,
    /// Whether the printed 申报表 shows it.
    #[serde(skip)]
    printed: bool,
}

impl Row {
    /// The field's label.
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// The field's code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The value as shown.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The row with its value in full (the applicant's own copy of their data).
    pub fn in_full(self, value: String) -> Self {
        Self { value, ..self }
    }

    /// Whether the value is long text (the training plan).
    pub fn multiline(&self) -> bool {
        self.multiline
    }

    /// Whether the printed 申报表 shows it.
    pub fn printed(&self) -> bool {
        self.printed
    }
}

/// The stream's display name.
pub fn stream_name(p: &Programme, a: &Application) -> String {
    p.stream(&a.programme, a.track).map(|s| s.name.clone()).unwrap_or_else(|| a.stream_key())
}

/// The league's name, or its code if unknown.
pub fn league_name(p: &Programme, code: &str) -> String {
    p.league(code).map(|l| l.name.clone()).unwrap_or_else(|| code.to_owned())
}

/// Every field of [`policy::FIELDS`] that has a value to show, labelled, with the identity
/// number and the phone masked.
pub fn rows(p: &Programme, a: &Application) -> Vec<Row> {
    policy::FIELDS
        .iter()
        .filter_map(|f| {
            (f.shown)(p, a).map(|value| Row {
                label: f.label,
                value,
                multiline: f.input == policy::Input::LongText,
                field: f.answered_at,
                code: f.code,
                printed: f.printed,
            })
        })
        .collect()
}

/// A stored proof document as pages and mail list it.
#[derive(Serialize, Clone, Debug)]
pub struct FileView {
    index: usize,
    kind: String,
    name: String,
    size_kb: u64,
    sha256: String,
}

/// The record's files, with the required kinds still missing.
#[derive(Serialize, Clone, Debug)]
pub struct AttachmentsView {
    /// Files held.
    pub files: Vec<FileView>,
    /// Names of required kinds not held (none once erased).
    pub missing: Vec<String>,
    /// The files were deleted with the record's personal data.
    pub erased: bool,
}

/// The record's files as pages and mail list them, with the required kinds still missing.
pub fn attachments(p: &Programme, r: &Record) -> AttachmentsView {
    let files = files(p, &r.attachments);
    let stream = r.stream();
    let by_title = p.qualifies_by_title(&stream, &r.application.title_level);
    let erased = r.erased_at.is_some();
    let missing = p
        .required_kinds(&stream, by_title)
        .into_iter()
        .filter(|k| !erased && !r.attachments.iter().any(|a| a.kind == k.code))
        .map(|k| k.name.clone())
        .collect();
    AttachmentsView { files, missing, erased }
}

/// Files as pages list them: kind, name, size.
pub fn files(p: &Programme, attachments: &[crate::store::Attachment]) -> Vec<FileView> {
    attachments
        .iter()
        .enumerate()
        .map(|(index, a)| FileView {
            index,
            kind: p.attachment_kind(&a.kind).map(|k| k.name.clone()).unwrap_or_else(|_| a.kind.clone()),
            name: a.name.clone(),
            size_kb: a.size.div_ceil(1024),
            sha256: a.sha256.clone(),
        })
        .collect()
}

/// One kind of proof document on paper: its name and whether it was uploaded (never file names).
#[derive(Serialize, Clone, Debug)]
pub struct KindOnPaper {
    kind: String,
    count: usize,
    required: bool,
}

/// Every kind this application uploaded or must upload, in the programme's order.
pub fn kinds_on_paper(p: &Programme, r: &Record) -> Vec<KindOnPaper> {
    let stream = r.stream();
    let by_title = p.qualifies_by_title(&stream, &r.application.title_level);
    let required: Vec<&str> = p.required_kinds(&stream, by_title).into_iter().map(|k| k.code.as_str()).collect();
    p.attachment_kinds
        .iter()
        .map(|k| KindOnPaper {
            kind: k.name.clone(),
            count: r.attachments.iter().filter(|a| a.kind == k.code).count(),
            required: required.contains(&k.code.as_str()),
        })
        .filter(|k| k.count > 0 || k.required)
        .collect()
}

/// The record's header facts.
#[derive(Serialize)]
pub struct RecordView {
    reference: String,
    status: &'static str,
    status_label: &'static str,
    version: u64,
    stream_name: String,
    created_at_text: String,
}

/// The header view of a record.
pub fn record(p: &Programme, r: &Record) -> RecordView {
    RecordView {
        reference: r.reference.clone(),
        status: r.status.code(),
        status_label: r.status.label(),
        version: r.version,
        stream_name: stream_name(p, &r.application),
        created_at_text: chinese_time(&r.created_at),
    }
}

/// An event as the timeline shows it.
#[derive(Serialize)]
pub struct EventView {
    kind: &'static str,
    actor: &'static str,
    at: String,
    at_text: String,
    comment: Option<String>,
}

/// The timeline.
pub fn events(events: &[Event]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            kind: e.kind.label(),
            actor: e.actor.label(),
            at: e.at.clone(),
            at_text: chinese_time(&e.at),
            comment: e.comment.clone(),
        })
        .collect()
}

/// "Already decided by X at T (what)" for a link whose version has passed.
pub fn already_decided(events: &[Event]) -> String {
    match events.last() {
        Some(e) => format!(
            "这份申报已由{}于{}处理（{}），此链接不能再操作。",
            e.actor.label(),
            chinese_time(&e.at),
            e.kind.label()
        ),
        None => "这份申报已被处理，此链接不能再操作。".to_owned(),
    }
}

/// The notice on a review page whose link's version has passed.
pub fn version_passed(events: &[Event]) -> String {
    let last = events.last();
    format!(
        "此链接对应的版本已处理：已由{}于{}{}。",
        last.map(|e| e.actor.label()).unwrap_or_default(),
        last.map(|e| chinese_time(&e.at)).unwrap_or_default(),
        last.map(|e| e.kind.label()).unwrap_or_default()
    )
}

/// Labels of the fields whose shown value differs between two versions of an application.
pub fn changed_fields(p: &Programme, before: &Application, after: &Application) -> Vec<&'static str> {
    let before = rows(p, before);
    rows(p, after).into_iter().filter(|row| !before.contains(row)).map(|row| row.label).collect()
}

/// Each field a resubmission changed, old and new, files included (listed by kind and name).
pub fn changes(
    p: &Programme,
    before: (&Application, &[crate::store::Attachment]),
    after: (&Application, &[crate::store::Attachment]),
) -> Vec<crate::store::Change> {
    let old = rows(p, before.0);
    let mut out: Vec<crate::store::Change> = rows(p, after.0)
        .into_iter()
        .filter(|row| !old.contains(row))
        .map(|row| crate::store::Change {
            field: row.label.to_owned(),
            old: old.iter().find(|o| o.label == row.label).map(|o| o.value.clone()).unwrap_or_default(),
            new: row.value,
        })
        .collect();
    let listed = |held: &[crate::store::Attachment]| {
        files(p, held).iter().map(|f| format!("{}：{}", f.kind, f.name)).collect::<Vec<_>>().join("；")
    };
    let (was, is) = (listed(before.1), listed(after.1));
    if before.1.iter().map(|a| &a.sha256).ne(after.1.iter().map(|a| &a.sha256)) {
        out.push(crate::store::Change { field: "证明材料".into(), old: was, new: is });
    }
    out
}

/// The name with all but its first character hidden: `乌**`.
pub fn masked_name(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(chars.count())
}

/// The application form shown again: the values as sent, and each refusal beside its field and
/// in the summary at the top.
#[derive(Serialize)]
pub struct FormState<'a> {
    values: std::collections::BTreeMap<String, String>,
    errors: std::collections::BTreeMap<&'a str, &'a str>,
    error_list: &'a [policy::Reason],
    window_open: bool,
    /// The deployment takes proof documents (the form shows its documents section).
    uploads: bool,
}

impl<'a> FormState<'a> {
    /// `values` with `reasons`; `window_open` says whether it can be sent now, `uploads` whether
    /// the deployment takes files.
    pub fn new(
        values: std::collections::BTreeMap<String, String>,
        reasons: &'a [policy::Reason],
        window_open: bool,
        uploads: bool,
    ) -> Self {
        let errors = reasons.iter().map(|r| (r.field.as_str(), r.message.as_str())).collect();
        Self { values, errors, error_list: reasons, window_open, uploads }
    }
}

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
mod reviewer_tests {
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
