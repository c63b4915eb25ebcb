//! Dates and instants as pages say them, in Beijing time, and the mark of the site's readings.

/// After a reading of the site's that the notice does not settle, in running text: as the pages'
/// `<span class="reading">` says it.
pub const READING: &str = "（本站口径，通知未作规定，以审核为准）";

/// `2025年3月15日`.
pub fn chinese_date(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month() as u8, d.day())
}

/// `2025年3月15日 09:00`, Beijing time.
pub fn chinese_instant(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::macros::offset!(+8));
    format!("{} {:02}:{:02}", chinese_date(t.date()), t.hour(), t.minute())
}
