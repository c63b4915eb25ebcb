//! Instants as the API and pages write them.

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
