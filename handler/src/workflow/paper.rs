//! The paper 申报表 matched to the online record. The printed check code covers a fixed list of
//! fields ([`CHECKED_FIELDS`], in that order) and the files' hashes, so adding a field to the
//! application never changes the code of paper already printed. The code printed in the QR and
//! under it is `{reference}.{hash}.{check}`: `hash` names the version, `check` (a keyed hash)
//! stops codes being made up for other references.

use crate::store::{Event, Record};
pub use crate::views::PaperState;
use crate::workflow::Context;

/// The fields the check code covers, in order, as `Application::form_values` writes them: the
/// fields `policy::FIELDS` marks `checked`, in their places. Never reorder or remove one; a field
/// added here changes every code printed before it.
pub use policy::CHECKED_FIELDS;

/// What a code nobody printed is answered with.
pub const INVALID_CODE: &str = "核验码不正确：请输入纸质申报表上印的16位核验码（如 1A2B-3C4D-5E6F-7A8B，不区分大小写，短横线可省略），或用手机扫描表上的二维码后粘贴其地址。";

/// Hex digits of the version hash as printed (without its dashes).
pub const HASH_DIGITS: usize = 16;
/// Hex digits of the keyed check.
const CHECK_DIGITS: usize = 12;

/// The hash of the submitted content — [`CHECKED_FIELDS`] then each file's SHA-256 — keyed, so
/// the code on paper says nothing of the 身份证号 behind its mask. Printed as
/// `1A2B-3C4D-5E6F-7A8B`; status changes leave it alone, a resubmission changes it.
pub fn version_hash(ctx: &Context, record: &Record) -> String {
    record.version_hash.clone().unwrap_or_else(|| content_hash(ctx, record))
}

/// [`version_hash`] computed from the content as it is: while the 身份证号 and phone are open
/// (before a record is sealed), or from their masked forms once they are not.
pub fn content_hash(ctx: &Context, record: &Record) -> String {
    let mut values = record.application.form_values();
    let a = &record.application;
    for (field, masked) in [("id_number", a.id_number.masked()), ("phone", a.phone.masked())] {
        if let Some(value) = values.get_mut(field).filter(|v| v.is_empty()) {
            masked.clone_into(value);
        }
    }
    let mut parts: Vec<String> = CHECKED_FIELDS
        .iter()
        .map(|field| format!("{field}={}", values.get(*field).map(String::as_str).unwrap_or_default()))
        .collect();
    parts.extend(record.attachments.iter().map(|f| format!("file={}", f.sha256)));
    let parts: Vec<&str> = std::iter::once("paper").chain(parts.iter().map(String::as_str)).collect();
    let hash = policy::keyed_hash(&ctx.settings.secret, &parts);
    grouped(&hash[..HASH_DIGITS].to_ascii_uppercase())
}

/// `1A2B3C4D…` as `1A2B-3C4D-…`, as the code is printed.
pub fn grouped(hex: &str) -> String {
    hex.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// The code printed on the form.
pub fn verify_code(ctx: &Context, record: &Record) -> String {
    let hash = version_hash(ctx, record).replace('-', "");
    let check = &policy::keyed_hash(&ctx.settings.secret, &["verify", &record.reference, &hash])[..CHECK_DIGITS];
    format!("{}.{hash}.{check}", record.reference)
}

/// A printed code read back: the reference and the printed version hash, if the code is one
/// this system printed.
pub fn read_code<'a>(ctx: &Context, code: &'a str) -> Option<(&'a str, &'a str)> {
    let mut parts = code.splitn(3, '.');
    let (reference, printed, check) = (parts.next()?, parts.next()?, parts.next()?);
    let well_formed = reference.len() <= 20
        && reference.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && printed.len() == HASH_DIGITS
        && printed.bytes().all(|b| b.is_ascii_hexdigit())
        // Exactly as printed: a shorter check would be a shorter guess.
        && check.len() == CHECK_DIGITS;
    (well_formed && policy::keyed_hash_starts_with(&ctx.settings.secret, &["verify", reference, printed], check))
        .then_some((reference, printed))
}

/// The 核验码 HR typed for application `reference`, as printed (`1A2B-3C4D-…`): the 16 hex digits
/// printed on the 申报表 (dashes, spaces and case ignored), or the whole code in the address under
/// its QR code (the address, or the part after `/verify/`), which must be this application's.
/// `Err(None)` when it is neither; `Err(Some(other))` when it is another application's.
pub fn typed_for(ctx: &Context, reference: &str, typed: &str) -> Result<String, Option<String>> {
    let compact: String = typed.chars().filter(|c| *c != '-' && !c.is_whitespace()).collect();
    if compact.len() == HASH_DIGITS && compact.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(grouped(&compact.to_ascii_uppercase()));
    }
    let code = normalise_code(typed);
    let (owner, printed) = read_code(ctx, &code).ok_or(None)?;
    if owner != reference {
        return Err(Some(owner.to_owned()));
    }
    Ok(grouped(printed))
}

/// The application a whole code (the address under the QR code) names, if it is one this system
/// printed.
pub fn reference_of(ctx: &Context, typed: &str) -> Option<String> {
    read_code(ctx, &normalise_code(typed)).map(|(reference, _)| reference.to_owned())
}

/// A check code as a person types or scans it: the whole `/verify/…` address or the part after
/// it, with or without the dashes that group the printed hash, in any case.
pub fn normalise_code(typed: &str) -> String {
    let code = typed.trim();
    let code = code.rsplit_once("/verify/").map_or(code, |(_, c)| c).trim_matches('/');
    let mut parts = code.splitn(3, '.');
    let reference = parts.next().unwrap_or_default().trim().to_ascii_uppercase();
    let printed: String =
        parts.next().unwrap_or_default().chars().filter(|c| *c != '-' && !c.is_whitespace()).collect();
    let check = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
    format!("{reference}.{}.{check}", printed.to_ascii_uppercase())
}

/// The content versions of an application so far: its submission is the first, each
/// resubmission or set of added documents one more.
pub fn content_version(events: &[Event]) -> u32 {
    (events.iter().filter(|e| e.kind.changes_content()).count() as u32).max(1)
}

/// When the content as it stands was submitted (RFC 3339): the submission, or the last
/// resubmission or documents added; `None` for a record without events.
pub fn content_submitted_at(events: &[Event]) -> Option<&str> {
    events.iter().rev().find(|e| e.kind.changes_content()).map(|e| e.at.as_str())
}

/// Which content version had `hash` (as printed, grouped), if one did.
pub fn content_version_of(events: &[Event], hash: &str) -> Option<u32> {
    events
        .iter()
        .filter(|e| e.kind.changes_content())
        .enumerate()
        .filter(|(_, e)| e.version_hash.as_deref() == Some(hash))
        .map(|(i, _)| i as u32 + 1)
        .last()
}

/// The version hash on the last paper received, if any (as printed, grouped).
pub fn received(events: &[Event]) -> Option<&str> {
    events.iter().rev().find(|e| e.kind == policy::EventKind::PaperReceived).and_then(|e| e.version_hash.as_deref())
}

/// Where the stamped paper stands against `record` as it is now.
pub fn state(ctx: &Context, record: &Record, events: &[Event]) -> PaperState {
    let current = content_version(events);
    match received(events) {
        None => PaperState::NotReceived,
        Some(hash) if hash == version_hash(ctx, record) => PaperState::Matching { version: current },
        Some(hash) => PaperState::Stale { paper: content_version_of(events, hash), current },
    }
}

/// Paper of version `paper` (if known) against the record's `current` version, in words.
pub fn stale(paper: Option<u32>, current: u32) -> String {
    let paper = paper.map(|v| format!("纸质申报表为第{v}版")).unwrap_or_else(|| "纸质申报表打印于修改之前".into());
    format!(
        "{paper}，系统中现为第{current}版（打印后申报内容又修改过）。请申报人打开进度页重新打印，交单位盖章后再报送。"
    )
}

/// Whether the paper received matches the record as it stands: `Ok`, or why not in words.
pub fn matching(ctx: &Context, record: &Record, events: &[Event]) -> Result<(), String> {
    match self::state(ctx, record, events) {
        PaperState::NotReceived => {
            Err("尚未登记纸质申报表。请收到申报人所在单位盖章的纸质申报表后，在本页输入其核验码登记，再推荐。".into())
        }
        PaperState::Matching { .. } => Ok(()),
        PaperState::Stale { paper, current } => Err(format!("已登记的{}", stale(paper, current))),
    }
}

#[cfg(test)]
mod tests {
    use super::{CHECKED_FIELDS, normalise_code};

    #[test]
    fn codes_are_read_as_typed_or_scanned() {
        let code = "TP2025-ABC234.1A2B3C4D5E6F7A8B.0123456789ab";
        assert_eq!(normalise_code(code), code);
        assert_eq!(normalise_code("tp2025-abc234.1a2b-3c4d-5e6f-7a8b.0123456789AB"), code);
        assert_eq!(normalise_code(&format!(" https://tepei.example.gov.cn/verify/{code} ")), code);
    }

    #[test]
    fn every_checked_field_is_a_form_value() {
        let form: policy::ApplicationForm =
            policy::json_object(include_bytes!("../../../fuzz/seeds/application_json/valid.json")).expect("seed");
        let programme = policy::Programme::embedded().expect("programme");
        let values = policy::Application::parse(&form, &programme).expect("valid").form_values();
        for field in CHECKED_FIELDS {
            assert!(values.contains_key(field), "{field} is not a form value");
        }
    }
}
