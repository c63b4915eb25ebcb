//! The 汇总表: exact title, headings and rows, in CSV (read back) and XLSX (read back with calamine).

use handler::store::Record;
use handler::views::{HEADERS, summary_table as build};
use policy::{Application, ApplicationForm, Programme, Status};

fn record(n: u32, status: Status, name: &str) -> Record {
    let mut sample = testkit::sample_application(n);
    sample["name"] = name.into();
    let form: ApplicationForm = serde_json::from_value(sample).expect("form");
    let application = Application::parse(&form, &Programme::embedded().expect("programme")).expect("valid");
    Record {
        status,
        version: 3,
        submission_id: format!("s{n}"),
        body_hash: String::new(),
        id_hash: format!("h{n}"),
        updated_at: "2025-03-16T01:00:00Z".into(),
        ..Record::taken(format!("TP2025-S{n:05}"), 2025, application, "2025-03-15T01:00:00Z")
    }
}

fn table(all: bool) -> handler::views::SummaryTable {
    let p = Programme::embedded().expect("programme");
    let mut records = [
        record(1, Status::Recommended, "乌力吉"),
        record(2, Status::HrReview, "巴特尔"),
        record(3, Status::Selected, "=HYPERLINK(1)"),
    ];
    // The third carries the first's 身份证号.
    records[2].id_hash = records[0].id_hash.clone();
    let same = handler::views::SameNumbers::within(&p, &records);
    // These records are open (never stored): the table shows the phone as it is given.
    let phone = |r: &Record| r.application.phone.opened().map(ToString::to_string).unwrap_or_default();
    build(&p, &records, &same, "呼和浩特市", time::macros::date!(2025 - 03 - 20), all, phone)
}

/// A minimal reader for the quoted CSV the table writes.
pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let text = std::str::from_utf8(bytes).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("BOM first");
    text.split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|line| {
            let mut cells = Vec::new();
            let mut cur = String::new();
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cur.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => cells.push(std::mem::take(&mut cur)),
                    (c, _) => cur.push(c),
                }
            }
            cells.push(cur);
            cells
        })
        .collect()
}

#[test]
fn recommended_by_default_everything_on_request() {
    assert_eq!(table(false).rows.len(), 2);
    assert_eq!(table(true).rows.len(), 3);
    let t = table(false);
    assert_eq!(t.title, "2025年度内蒙古自治区专业技术人才特殊培养项目学员汇总表（本系统导出）");
    assert!(t.note.starts_with("附件2正式样表未随通知公布，本表是本系统导出的汇总信息，不是附件2。"), "{}", t.note);
    assert!(t.note.ends_with(
        "在本站提交不能代替在“少数民族专业技术人才特殊培养管理系统”的申报：请同时在该系统申报，并按通知报送纸质材料。"
    ));
    assert_eq!(t.subtitle, "2025年度特培申报    填报单位：呼和浩特市    日期：2025年3月20日");
    let first = &t.rows[0];
    assert_eq!(first.len(), HEADERS.len());
    assert_eq!(
        first[..13],
        [
            "1",
            "乌力吉",
            "男",
            "蒙古族",
            "1985.06",
            "硕士研究生",
            "主治医师（中级）",
            "呼和浩特市第一医院",
            "盟市级单位",
            "内科",
            "2015.07",
            "自治区特培项目",
            "区外培养"
        ]
    );
    let same = "TP2025-S00003（已登记入选（本站设置））";
    assert_eq!(first[13..], ["北京协和医院", "否", "否", "13812345678", "已推荐", same, "TP2025-S00001"]);
    assert_eq!(t.rows[1][HEADERS.len() - 2], "TP2025-S00001（已推荐）");
    assert_eq!(t.rows[1][0], "2");
}

#[test]
fn csv_round_trip_in_chinese_with_formulas_defused() {
    let rows = parse_csv(&table(false).to_csv());
    assert_eq!(rows[0], ["2025年度内蒙古自治区专业技术人才特殊培养项目学员汇总表（本系统导出）"]);
    assert!(rows[1][0].starts_with("附件2正式样表未随通知公布") && rows[1][0].contains("不能代替"), "{:?}", rows[1]);
    assert_eq!(rows[2], ["2025年度特培申报    填报单位：呼和浩特市    日期：2025年3月20日"]);
    assert_eq!(rows[3], HEADERS);
    assert_eq!(rows[4], table(false).rows[0]);
    assert_eq!(rows.len(), 6);
    // A name that looks like a formula is written as text.
    assert_eq!(rows[5][1], "'=HYPERLINK(1)");
}

#[test]
fn xlsx_reads_back_with_title_headings_and_rows() {
    use calamine::{Data, Reader, Xlsx};
    let bytes = table(true).to_xlsx().expect("xlsx");
    let mut book: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).expect("open");
    let range = book.worksheet_range("汇总表").expect("sheet");
    let text = |r: u32, c: u32| match range.get_value((r, c)) {
        Some(Data::String(s)) => s.clone(),
        Some(Data::Empty) | None => String::new(),
        other => format!("{other:?}"),
    };
    assert_eq!(text(0, 0), "2025年度内蒙古自治区专业技术人才特殊培养项目学员汇总表（本系统导出）");
    assert_eq!(text(1, 0), table(true).note);
    assert_eq!(text(2, 0), "2025年度特培申报    填报单位：呼和浩特市    日期：2025年3月20日");
    for (c, h) in HEADERS.iter().enumerate() {
        assert_eq!(text(3, c as u32), *h);
    }
    let expected = table(true).rows;
    for (r, row) in expected.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            assert_eq!(text(4 + r as u32, c as u32), *cell, "row {r} column {c}");
        }
    }
    assert_eq!(range.height(), 4 + expected.len());
}

/// The XLSX as a real spreadsheet program prints it: LibreOffice (Debian's
/// `libreoffice-calc-nogui`, which `scripts/test` installs) converts it to PDF in `dir`.
fn printed_by_libreoffice(dir: &std::path::Path, table: &handler::views::SummaryTable) -> std::path::PathBuf {
    let xlsx = dir.join("summary.xlsx");
    std::fs::write(&xlsx, table.to_xlsx().expect("xlsx")).expect("write");
    let profile = format!("-env:UserInstallation=file://{}", dir.join("lo-profile").display());
    let converted = std::process::Command::new("soffice")
        .args([profile.as_str(), "--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(dir)
        .arg(&xlsx)
        .output()
        .expect("soffice (libreoffice-calc-nogui) is installed by scripts/test");
    assert!(converted.status.success(), "soffice: {}", String::from_utf8_lossy(&converted.stderr));
    dir.join("summary.pdf")
}

/// The PDF's text (`pdftotext -layout`) holds every cell whole: no phone number, unit or heading
/// cut off or run into its neighbour (a heading longer than its column's values takes two lines
/// in its cell); the title and the subtitle head every page.
#[test]
fn libreoffice_prints_every_cell_of_the_xlsx_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let text = testkit::pdf_text(&printed_by_libreoffice(dir.path(), &table(true)), &["-layout"]);
    for heading in HEADERS {
        assert!(whole_or_in_two_lines(&text, heading), "heading {heading} cut in the printed sheet:\n{text}");
    }
    let t = table(true);
    for page in text.split('\u{c}').filter(|p| !p.trim().is_empty()) {
        assert!(page.contains(&t.title) && page.contains("填报单位：呼和浩特市"), "a page without its title:\n{page}");
    }
    for row in &table(true).rows {
        for cell in row.iter().filter(|c| !c.is_empty()) {
            assert!(text.contains(cell.as_str()), "cell {cell:?} cut in the printed sheet:\n{text}");
        }
    }
}

/// Whether `words` stand in `text` whole on one line, or begun on one line and ended on the next.
fn whole_or_in_two_lines(text: &str, words: &str) -> bool {
    let lines: Vec<&str> = text.lines().collect();
    text.contains(words)
        || words.char_indices().skip(1).any(|(at, _)| {
            let (head, tail) = words.split_at(at);
            lines.windows(2).any(|pair| pair[0].contains(head) && pair[1].contains(tail))
        })
}

/// The size, in points, at which a PDF prints its Chinese text, word by word: `pdftotext -bbox`
/// gives each word's box in points, and a Chinese character (U+4E00 to U+9FFF) is one em wide in
/// every CJK font, so a word made only of them is as wide as its characters times the font size.
/// (Box heights are no measure: they follow each font's ascent and descent.)
fn chinese_sizes(bbox: &str) -> Vec<(f64, String)> {
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).map(|i| i + name.len() + 2).expect("attribute");
        tag[at..].split('"').next().and_then(|v| v.parse().ok()).expect("a number")
    };
    bbox.split("<word ")
        .skip(1)
        .filter_map(|rest| {
            let (tag, rest) = rest.split_once('>')?;
            let word = rest.split("</word>").next()?;
            let chars = word.chars().count();
            let chinese = chars > 0 && word.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
            chinese.then(|| ((attr(tag, "xMax") - attr(tag, "xMin")) / chars as f64, word.to_owned()))
        })
        .collect()
}

/// Printed as LibreOffice prints it, no Chinese word of the 汇总表 is smaller than 8 pt (19+
/// columns fitted to one A4 width came out near 5 pt): the sheet prints at a fixed scale on A4
/// landscape, as many pages wide as it takes, with 序号 and 姓名 repeated on each.
#[test]
fn libreoffice_prints_the_xlsx_at_8_pt_or_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pdf = printed_by_libreoffice(dir.path(), &table(true));
    let sizes = chinese_sizes(&testkit::pdf_text(&pdf, &["-bbox"]));
    assert!(sizes.len() > 50, "Chinese words found in the PDF: {sizes:?}");
    let (smallest, word) = sizes.iter().min_by(|a, b| a.0.total_cmp(&b.0)).expect("words");
    let text = testkit::pdf_text(&pdf, &["-layout"]);
    let pages: Vec<&str> = text.split('\u{c}').filter(|p| !p.trim().is_empty()).collect();
    println!(
        "the 汇总表 prints its Chinese text at {smallest:.2} pt at the smallest ({word}), on {} pages",
        pages.len()
    );
    assert!(*smallest >= 8.0, "{word} prints at {smallest:.2} pt");
    // 序号 and 姓名 head every page.
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains("序号") && page.contains("姓名") && page.contains("乌力吉"), "page {}:\n{page}", i + 1);
    }
}
