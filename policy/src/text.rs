//! Dates and instants as pages say them, in Beijing time.

/// `2025年3月15日`.
pub fn chinese_date(d: time::Date) -> String {
    format!("{}年{}月{}日", d.year(), d.month() as u8, d.day())
}

/// `2025年3月15日 09:00`, Beijing time.
pub fn chinese_instant(t: time::OffsetDateTime) -> String {
    let t = t.to_offset(time::macros::offset!(+8));
    format!("{} {:02}:{:02}", chinese_date(t.date()), t.hour(), t.minute())
}
