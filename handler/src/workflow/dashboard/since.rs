//! What the 汇总表 would hold now against the last one sent to the centre (pure).

use crate::store::{Record, SentRow, SummarySent};
use crate::views;

/// One application in what changed since the last 汇总表 sent.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// The application.
    pub reference: String,
    /// The applicant's name.
    pub name: String,
    /// What changed, in words: its status now, or that its content changed.
    pub what: String,
}

/// What the 汇总表 would hold now against the last one sent to the centre.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SinceLast {
    /// When the last was sent, in Chinese.
    pub at: String,
    /// The rows it held.
    pub count: usize,
    /// Recommended since.
    pub added: Vec<Change>,
    /// In the last, no longer in the table (withdrawn, for instance).
    pub removed: Vec<Change>,
    /// In both, with another status or changed content.
    pub changed: Vec<Change>,
}

impl SinceLast {
    /// Nothing changed: sending again would mail the same table.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// The 汇总表 to send now: its rows as the store records them, and against the last send.
#[derive(Debug, Clone)]
pub struct SendPlan {
    /// The applications the table holds now.
    pub rows: Vec<SentRow>,
    /// The last send of this scope, if any.
    pub last: Option<SummarySent>,
    /// What changed since it.
    pub since: Option<SinceLast>,
}

/// Compares the table `records` make now with the `last` one sent (pure).
pub fn plan<'a>(records: impl IntoIterator<Item = &'a Record>, last: Option<SummarySent>) -> SendPlan {
    let records: Vec<&Record> = records.into_iter().collect();
    let by_reference: std::collections::HashMap<&str, &Record> =
        records.iter().map(|r| (r.reference.as_str(), *r)).collect();
    let rows: Vec<SentRow> = records
        .iter()
        .filter(|r| r.status.holds_place())
        .map(|r| SentRow { reference: r.reference.clone(), version: r.version, status: r.status })
        .collect();
    let name = |reference: &str| by_reference.get(reference).map(|r| r.application.name.clone()).unwrap_or_default();
    let change =
        |row: &SentRow, what: String| Change { reference: row.reference.clone(), name: name(&row.reference), what };
    let since = last.as_ref().map(|last| {
        let before = |reference: &str| last.rows.iter().find(|r| r.reference == reference);
        let status_now =
            |reference: &str| by_reference.get(reference).map_or("已删除", |r| r.status.label()).to_owned();
        SinceLast {
            at: views::chinese_time(&last.at),
            count: last.rows.len(),
            added: rows
                .iter()
                .filter(|r| before(&r.reference).is_none())
                .map(|r| change(r, r.status.label().into()))
                .collect(),
            removed: last
                .rows
                .iter()
                .filter(|old| !rows.iter().any(|r| r.reference == old.reference))
                .map(|old| change(old, format!("现为“{}”，不再在汇总表中", status_now(&old.reference))))
                .collect(),
            changed: rows
                .iter()
                .filter_map(|r| before(&r.reference).filter(|old| old.version != r.version).map(|old| (old, r)))
                .map(|(old, r)| {
                    let what = if old.status == r.status {
                        "申报内容有变化".to_owned()
                    } else {
                        format!("{} → {}", old.status.label(), r.status.label())
                    };
                    change(r, what)
                })
                .collect(),
        }
    });
    SendPlan { rows, last, since }
}

#[cfg(test)]
mod tests {
    use super::{SentRow, SummarySent, plan};
    use crate::store::Record;
    use policy::{Application, ApplicationForm, Programme, Status};

    fn record(n: u32, status: Status, version: u64) -> Record {
        let form: ApplicationForm = serde_json::from_value(testkit::sample_application(n)).expect("form");
        let application = Application::parse(&form, &Programme::embedded().expect("programme")).expect("valid");
        Record {
            status,
            version,
            submission_id: format!("sub-{n}"),
            body_hash: String::new(),
            id_hash: format!("id-{n}"),
            ..Record::taken(format!("TP2025-T{n:05}"), 2025, application, "2025-03-15T01:00:00Z")
        }
    }

    #[test]
    fn the_next_send_names_what_was_added_changed_and_removed() {
        let row = |n: u32, version: u64, status| SentRow { reference: format!("TP2025-T{n:05}"), version, status };
        let last = SummarySent {
            round: 2025,
            scope: "l-hohhot".into(),
            seq: 1,
            at: "2025-03-20T02:00:00Z".into(),
            rows: vec![row(1, 4, Status::Recommended), row(2, 4, Status::Recommended), row(3, 4, Status::Recommended)],
        };
        let now = [
            record(1, Status::Recommended, 4),
            record(2, Status::Selected, 5),
            record(3, Status::Withdrawn, 5),
            record(4, Status::Recommended, 4),
            record(5, Status::HrReview, 3),
        ];
        let plan = plan(&now, Some(last.clone()));
        let since = plan.since.expect("against the last");
        assert_eq!(since.at, "2025年3月20日 10:00");
        let refs = |changes: &[super::Change]| changes.iter().map(|c| c.reference.clone()).collect::<Vec<_>>();
        assert_eq!(refs(&since.added), ["TP2025-T00004"]);
        assert_eq!(refs(&since.changed), ["TP2025-T00002"]);
        assert_eq!(since.changed[0].what, "已推荐 → 已登记入选（本站设置）");
        assert_eq!(refs(&since.removed), ["TP2025-T00003"]);
        assert_eq!(since.removed[0].what, "现为“已撤回”，不再在汇总表中");
        assert_eq!(plan.rows.len(), 3, "recommended and selected hold places; the HR-review one does not");

        // The same table again: nothing to send.
        let unchanged = super::plan(&now[..2], Some(SummarySent { rows: plan.rows[..2].to_vec(), ..last }));
        assert!(unchanged.since.expect("last").is_empty());
    }
}
