//! Records as pages and mail show them: Chinese labels, masked identity number, Beijing time.

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
    match OffsetDateTime::parse(text, &Rfc3339) {
        Ok(t) => {
            let t = t.to_offset(time::macros::offset!(+8));
            format!("{}年{}月{}日 {:02}:{:02}", t.year(), t.month() as u8, t.day(), t.hour(), t.minute())
        }
        Err(_) => text.to_owned(),
    }
}

/// One row of the application table.
#[derive(Serialize, PartialEq, Eq)]
pub struct Row {
    label: &'static str,
    value: String,
    multiline: bool,
}

impl Row {
    /// The field's label.
    pub fn label(&self) -> &'static str {
        self.label
    }

    /// The value as shown.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Whether the value is long text (the training plan).
    pub fn multiline(&self) -> bool {
        self.multiline
    }
}

fn row(label: &'static str, value: impl Into<String>) -> Row {
    Row { label, value: value.into(), multiline: false }
}

fn yes_no(v: bool) -> &'static str {
    if v { "是" } else { "否" }
}

/// The stream's display name.
pub fn stream_name(p: &Programme, a: &Application) -> String {
    p.stream(&a.programme, a.track).map(|s| s.name.clone()).unwrap_or_else(|| a.stream_key())
}

/// Who reviews after the unit, in words: `呼和浩特市人社部门` or the department.
pub fn hr_name(p: &Programme, a: &Application) -> String {
    match (&a.department, &a.league) {
        (Some(d), _) => d.clone(),
        (None, Some(l)) => format!("{}人力资源社会保障部门", p.league(l).map(|l| l.name.as_str()).unwrap_or(l)),
        (None, None) => "盟市人力资源社会保障部门".to_owned(),
    }
}

/// Every field, labelled, with the identity number masked.
pub fn rows(p: &Programme, a: &Application) -> Vec<Row> {
    let level = |list: &[policy::Level], code: &str| {
        list.iter().find(|l| l.code == code).map(|l| l.name.clone()).unwrap_or_else(|| code.to_owned())
    };
    let mut rows = vec![
        row("姓名", &a.name),
        row("性别", a.gender.label()),
        row("民族", &a.ethnicity),
        row("居民身份证号码", a.id_number.masked()),
        row("手机号码", a.phone.as_str()),
        row("电子邮箱", a.email.as_str()),
        row("最高学历", level(&p.education_levels, &a.education)),
        row("毕业院校", &a.school),
        row("所学专业", &a.major),
        row("职称级别", level(&p.title_levels, &a.title_level)),
        row("职称名称", &a.title_name),
        row("工作单位", &a.employer),
        row("单位层级", a.unit_level.label()),
    ];
    if let Some(l) = &a.league {
        rows.push(row("所在盟市", p.league(l).map(|l| l.name.clone()).unwrap_or_else(|| l.clone())));
    }
    if let Some(d) = &a.department {
        rows.push(row("主管厅局（高校）", d));
    }
    if !a.county.is_empty() {
        rows.push(row("所在旗县（区）", &a.county));
    }
    rows.extend([
        row("单位性质", a.sector.label()),
        row("长期在基层一线工作", yes_no(a.grassroots)),
        row("所属领域", a.field.label()),
        row("从事专业", &a.profession),
        row("从事本专业起始年月", a.profession_start.to_string()),
        row("培养方式", a.track.label()),
        row("申报项目", stream_name(p, a)),
        row("意向培养单位", &a.host_institution),
        Row { label: "培养计划", value: a.plan.clone(), multiline: true },
        row("单位审核人邮箱", a.unit_reviewer_email.as_str()),
        row("身心健康", if a.health_ok { "本人确认" } else { "未确认" }),
        row("政治素质承诺", if a.pledge { "本人确认" } else { "未确认" }),
    ]);
    rows
}

/// The record's files as pages and mail list them, with the required kinds still missing.
pub fn attachments(p: &Programme, r: &Record) -> serde_json::Value {
    let files: Vec<serde_json::Value> = r
        .attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let kind = p.attachment_kind(&a.kind).map(|k| k.name.clone()).unwrap_or_else(|_| a.kind.clone());
            serde_json::json!({"index": i, "kind": kind, "name": a.name, "size_kb": a.size.div_ceil(1024), "sha256": a.sha256})
        })
        .collect();
    let by_title = p.qualifies_by_title(&r.stream, &r.application.title_level);
    let missing: Vec<String> = p
        .required_kinds(&r.stream, by_title)
        .into_iter()
        .filter(|k| !r.attachments.iter().any(|a| a.kind == k.code))
        .map(|k| k.name.clone())
        .collect();
    serde_json::json!({"files": files, "missing": missing})
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
    kind: String,
    actor: String,
    at: String,
    at_text: String,
    comment: Option<String>,
}

/// The kind of event in words.
pub fn event_kind(kind: &str) -> String {
    match kind {
        "submitted" => "提交申报",
        "approved" => "审核通过",
        "returned" => "退回",
        "resubmitted" => "修改后重新提交",
        "withdrawn" => "撤回申报",
        "selected" => "确定入选",
        "not_selected" => "确定未入选",
        other => other,
    }
    .to_owned()
}

/// The actor's role in words.
pub fn actor_role(actor: &str) -> String {
    match actor {
        "applicant" => "申报人",
        "unit" => "所在单位",
        "hr" => "盟市人社部门或厅局（高校）",
        "centre" => "自治区人事人才公共服务中心",
        other => other,
    }
    .to_owned()
}

/// The timeline.
pub fn events(events: &[Event]) -> Vec<EventView> {
    events
        .iter()
        .map(|e| EventView {
            kind: event_kind(&e.kind),
            actor: actor_role(&e.actor),
            at: e.at.clone(),
            at_text: chinese_time(&e.at),
            comment: e.comment.clone(),
        })
        .collect()
}
