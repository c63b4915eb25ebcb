//! Records as pages and mail show them: Chinese labels, masked identity number, Beijing time.
//! Each template gets a typed context from here; [`Pages`] renders them in the site's layout.

mod changes;
mod chart;
mod dates;
mod files;
mod form;
mod header;
mod next;
mod numbers;
mod pages;
mod proof;
mod record;
mod reviewer;
mod rows;
mod summary;
mod timeline;

pub use changes::{changed_fields, changes};
pub use chart::{Bar, bar_chart};
pub use dates::{chinese_time, rfc3339};
pub use files::{AttachmentsView, FileView, KindOnPaper, attachments, files, kinds_on_paper};
pub use form::FormState;
pub use header::{RecordView, record};
pub use next::{NextStep, PaperState, next_step, time_left};
pub use numbers::{SameNumber, SameNumbers, keys as number_keys};
pub use pages::Pages;
pub use proof::CodePage;
pub use record::{RecordJson, RecordPage};
pub use reviewer::{UnitReviewerView, unit_reviewer};
pub use rows::{RECEIPT_FIELDS, REVIEW_FIELDS, Row, league_name, masked_name, rows, rows_of, stream_name};
pub use summary::{
    HEADERS, SAME_CELL, SummaryTable, XLSX_TYPE, build as summary_table, row as summary_row, table as summary_of_rows,
};
pub use theme::chinese_date;
pub use timeline::{EventView, already_decided, events, version_passed};
