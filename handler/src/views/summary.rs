//! The 汇总表 (附件2): one row per application, as XLSX (rust_xlsxwriter) and as CSV (UTF-8 with a
//! BOM, so Excel opens it in Chinese). The notice names the table but does not publish its layout;
//! these columns are the issue's, each field's declared in `policy::FIELDS`.

use super::SameNumbers;
use crate::store::Record;
use policy::Programme;

/// The headings that are no field's: the row's number first; its status, the other applications
/// of its 身份证号 and its reference last.
const NUMBER: &str = "序号";
const AFTER: [&str; 3] = ["状态", "同号申报", "备注"];

/// The column headings, in order: 序号, the columns [`policy::FIELDS`] export, 状态, 同号申报, 备注.
pub const HEADERS: [&str; 1 + policy::EXPORT_HEADINGS.len() + AFTER.len()] = headers();

const fn headers<const N: usize>() -> [&'static str; N] {
    let mut out = [NUMBER; N];
    let mut i = 0;
    while i < policy::EXPORT_HEADINGS.len() {
        out[1 + i] = policy::EXPORT_HEADINGS[i];
        i += 1;
    }
    let mut j = 0;
    while j < AFTER.len() {
        out[1 + i + j] = AFTER[j];
        j += 1;
    }
    out
}

/// After the 汇总表's name in the exported table's title: it is this system's export, not 附件2.
pub const EXPORTED: &str = "（本系统导出）";

/// The exported table's second line: 附件2's layout was not published with the notice.
pub const NOT_ATTACHMENT2: &str = "附件2正式样表未随通知公布，本表是本系统导出的汇总信息，不是附件2。";

/// The table: a title, a note, a line naming the league (or department) and date, headings, rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SummaryTable {
    /// The 汇总表's name from programme.toml and [`EXPORTED`]:
    /// 2025年度内蒙古自治区专业技术人才特殊培养项目学员汇总表（本系统导出）.
    pub title: String,
    /// [`NOT_ATTACHMENT2`], and what applying on this site counts for.
    pub note: String,
    /// `填报单位：呼和浩特市    日期：2025年3月20日`.
    pub subtitle: String,
    /// One row per application, each as many cells as [`HEADERS`].
    pub rows: Vec<Vec<String>>,
}

/// Builds the table for `scope_name` (a league, a department or 全区) on `date`: the recommended
/// applications (and those decided by the centre), or every application when `all`. `phone`
/// gives each applicant's number as the table shows it (opened for a download, masked in mail);
/// `same` the other applications of each one's 身份证号.
pub fn build(
    p: &Programme,
    records: &[Record],
    same: &SameNumbers,
    scope_name: &str,
    date: time::Date,
    all: bool,
    phone: impl Fn(&Record) -> String,
) -> SummaryTable {
    let shown = records.iter().filter(|r| all || r.status.holds_place());
    let rows = shown.map(|r| row(p, r, &phone(r), same.cell(&r.reference))).collect();
    table(p, scope_name, date, rows)
}

/// One application's row: its fields as [`policy::FIELDS`] export them with `phone` as shown,
/// its status, `same` (the other applications of its 身份证号) and its reference; the 序号 is
/// [`table`]'s.
pub fn row(p: &Programme, r: &Record, phone: &str, same: String) -> Vec<String> {
    let cells = policy::Cells { programme: p, application: &r.application, phone };
    let mut row = vec![String::new(); HEADERS.len()];
    for (at, cell) in policy::FIELDS.iter().filter_map(|f| f.cell(&cells)) {
        row[1 + at] = cell;
    }
    let n = row.len();
    row[n - 3] = r.status.label().to_owned();
    row[n - 2] = same;
    row[n - 1] = r.reference.clone();
    row
}

/// The cell of a [`row`] that holds the other applications of its 身份证号.
pub const SAME_CELL: usize = HEADERS.len() - 2;

/// The table of `rows` (each from [`row`]), numbered in order, for `scope_name` on `date`.
pub fn table(p: &Programme, scope_name: &str, date: time::Date, mut rows: Vec<Vec<String>>) -> SummaryTable {
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = (i + 1).to_string();
    }
    SummaryTable {
        // 附件2's layout was not published with the notice: the file says what it is.
        title: format!("{}{EXPORTED}", p.summary_title),
        note: format!("{NOT_ATTACHMENT2}{}", p.official_system.standing()),
        subtitle: format!(
            "{}年度特培申报    填报单位：{scope_name}    日期：{}年{}月{}日",
            p.round,
            date.year(),
            date.month() as u8,
            date.day()
        ),
        rows,
    }
}

/// The row of the headings (from 0): below the title, the note and the subtitle.
const HEAD_ROW: u32 = 3;

fn csv_cell(cell: &str) -> String {
    // Quote every cell; a leading = + - @ is prefixed so a spreadsheet never runs it as a formula.
    let safe = if cell.starts_with(['=', '+', '-', '@']) { format!("'{cell}") } else { cell.to_owned() };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

impl SummaryTable {
    /// CSV: UTF-8 with a byte-order mark, CRLF line ends, every cell quoted.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{feff}");
        let line = |cells: &[String]| cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(",") + "\r\n";
        out.push_str(&line(std::slice::from_ref(&self.title)));
        out.push_str(&line(std::slice::from_ref(&self.note)));
        out.push_str(&line(std::slice::from_ref(&self.subtitle)));
        out.push_str(&line(&HEADERS.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>()));
        for row in &self.rows {
            out.push_str(&line(row));
        }
        out.into_bytes()
    }

    /// XLSX, written a row at a time through a temporary file (constant memory): the title, the
    /// note and the subtitle, bold headings, then the rows; printed on A4
    /// landscape at 75 % (8.25 pt), as many pages wide as it takes, the headings, 序号 and 姓名
    /// repeated on every page, the title and subtitle in each page's header and the note in its
    /// footer.
    pub fn to_xlsx(&self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
        let mut book = Workbook::new();
        // Rows are written in order and each goes to a temporary file as the next starts: the
        // centre's 100,000 rows would otherwise hold every cell in memory (about 500 MiB).
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name("汇总表")?;
        let title = Format::new().set_bold().set_font_size(16);
        let head = Format::new()
            .set_bold()
            .set_border(FormatBorder::Thin)
            .set_text_wrap()
            .set_align(FormatAlign::Center)
            .set_align(FormatAlign::VerticalCenter);
        let cell = Format::new().set_border(FormatBorder::Thin).set_text_wrap();
        // Title, note and subtitle in the first cells, not merged across the columns: printed
        // several pages wide, a merged title was cut at each page's edge. Paper has them in each
        // page's header and footer instead (the print area starts at the headings).
        sheet.write_string_with_format(0, 0, &self.title, &title)?;
        sheet.write_string(1, 0, &self.note)?;
        sheet.write_string(2, 0, &self.subtitle)?;
        for (c, h) in HEADERS.iter().enumerate() {
            sheet.write_string_with_format(HEAD_ROW, c as u16, *h, &head)?;
        }
        // A heading may take two lines: the column is sized by its values.
        sheet.set_row_height(HEAD_ROW, 30)?;
        for (r, row) in self.rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                sheet.write_string_with_format(HEAD_ROW + 1 + r as u32, c as u16, value, &cell)?;
            }
        }
        // Each column as wide as its widest value or half its heading (a CJK character takes
        // two), within reason: a longer heading takes two lines, longer text wraps in its cell
        // instead of running into the next.
        for (c, heading) in HEADERS.iter().enumerate() {
            let widest = self
                .rows
                .iter()
                .filter_map(|row| row.get(c).map(|v| display_width(v)))
                .chain([display_width(heading).div_ceil(2)])
                .max()
                .unwrap_or(4);
            sheet.set_column_width(c as u16, (widest + 2).clamp(6, 36) as f64)?;
        }
        // The heading row and the 序号 and 姓名 columns stay in view while scrolling.
        sheet.set_freeze_panes(HEAD_ROW + 1, 2)?;
        // On paper: A4 landscape at a fixed scale, so that the text prints at 8 pt or more (fitted
        // to one page wide, 19+ columns came out near 5 pt), as many pages wide as the columns
        // take, left to right before going down; each page repeats the headings, 序号 and 姓名.
        sheet.set_landscape();
        sheet.set_paper_size(9);
        sheet.set_margins(0.4, 0.4, 0.6, 0.8, 0.3, 0.3);
        sheet.set_print_scale(PRINT_SCALE);
        sheet.set_page_order(false);
        sheet.set_repeat_rows(HEAD_ROW, HEAD_ROW)?;
        sheet.set_repeat_columns(0, 1)?;
        let last_row = HEAD_ROW + self.rows.len() as u32;
        sheet.set_print_area(HEAD_ROW, 0, last_row, (HEADERS.len() - 1) as u16)?;
        // In a header `&` starts a control code (&P the page, &N the pages): a literal one doubles.
        let literal = |text: &str| text.replace('&', "&&");
        sheet.set_header(format!("&L{}&R{}", literal(&self.title), literal(&self.subtitle)));
        sheet.set_footer(format!("&L{}&R第&P页，共&N页", literal(&self.note)));
        book.save_to_buffer()
    }
}

/// The scale the 汇总表 prints at, in percent: its 11 pt text prints at 8.25 pt.
const PRINT_SCALE: u16 = 75;

/// Columns `text` takes in a spreadsheet: two for a CJK (wide) character, one otherwise.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 }).sum()
}

/// The MIME type of the XLSX 汇总表.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
