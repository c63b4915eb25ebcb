//! Identifiers the handler makes: references, random ids, upload keys.

use rand::Rng;

const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A fresh reference such as `TP2025-7KQ2M9` (no 0/O, 1/I/L).
pub fn new_reference(round: i32) -> String {
    let mut rng = rand::rng();
    let code: String = (0..6).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
    format!("TP{round}-{code}")
}

/// A random 128-bit id as 32 hex digits.
pub fn random_id() -> String {
    hex::encode(rand::rng().random::<[u8; 16]>())
}

/// The owner an upload key is issued for when the request names no submission: the first
/// application naming it claims it, in the store, for good.
const CLAIMABLE: &str = "*";

/// A fresh unguessable upload key bound to `owner` (the submission it is for; empty: claimable by
/// the first application naming it): `uploads/`, 32 hex digits at random and 32 of a keyed hash
/// of the owner and that random part.
pub fn new_upload_key(secret: &[u8], owner: &str) -> String {
    let id = random_id();
    let owner = if owner.is_empty() { CLAIMABLE } else { owner };
    let tag = policy::keyed_hash(secret, &["upload", owner, &id]);
    format!("uploads/{id}{}", &tag[..32])
}

/// Who may name an upload key in a submission.
#[derive(Debug, PartialEq, Eq)]
pub enum Binding {
    /// Issued for this submission.
    Ours,
    /// Issued for no submission: the first application naming it takes it, by claiming this id
    /// in the same store write that stores it.
    Claimable(String),
    /// Issued for another submission, or not a key this system issued.
    Other,
}

/// Whom the upload `key` was issued for, as seen by the submission `owner`.
pub fn upload_binding(secret: &[u8], key: &str, owner: &str) -> Binding {
    let Some(rest) = key.strip_prefix("uploads/").filter(|_| valid_upload_key(key)) else {
        return Binding::Other;
    };
    let Some((id, tag)) = rest.split_at_checked(32).filter(|(_, tag)| tag.len() == 32) else {
        return Binding::Other;
    };
    let tag = tag.to_ascii_lowercase();
    if !owner.is_empty() && policy::keyed_hash_starts_with(secret, &["upload", owner, id], &tag) {
        Binding::Ours
    } else if policy::keyed_hash_starts_with(secret, &["upload", CLAIMABLE, id], &tag) {
        Binding::Claimable(id.to_owned())
    } else {
        Binding::Other
    }
}

fn hex_id(s: &str) -> bool {
    (s.len() == 32 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `key` has the shape an upload link writes: `uploads/` and 32 or 64 hex digits.
pub fn valid_upload_key(key: &str) -> bool {
    key.strip_prefix("uploads/").is_some_and(hex_id)
}

/// The folder of exported 汇总表s: emptied by every erasure and the purge, and by the bucket's
/// lifecycle within a day.
pub const EXPORTS: &str = "exports/";

/// A fresh key for an exported 汇总表.
pub fn new_export_key() -> String {
    format!("{EXPORTS}{}", random_id())
}

/// Whether `key` has the shape of an exported 汇总表's: `exports/` and 32 hex digits.
pub fn valid_export_key(key: &str) -> bool {
    key.strip_prefix(EXPORTS).is_some_and(|id| id.len() == 32 && hex_id(id))
}

/// Where a submitted file is kept: under its record, named by its upload's id. Only the handler
/// writes there, once, when the application that names the upload is taken.
pub fn record_file_key(reference: &str, upload_key: &str) -> String {
    format!("records/{reference}/{}", upload_key.trim_start_matches("uploads/"))
}

/// Whether `key` has the shape of a stored file: an upload key, or `records/`, a reference and an
/// upload id (records from before files were copied keep their `uploads/` keys).
pub fn valid_file_key(key: &str) -> bool {
    if valid_upload_key(key) || valid_export_key(key) {
        return true;
    }
    let Some((reference, id)) = key.strip_prefix("records/").and_then(|k| k.split_once('/')) else {
        return false;
    };
    let reference_ok = reference.strip_prefix("TP").and_then(|r| r.split_once('-')).is_some_and(|(round, code)| {
        round.len() == 4
            && round.bytes().all(|b| b.is_ascii_digit())
            && code.len() == 6
            && code.bytes().all(|b| ALPHABET.contains(&b))
    });
    reference_ok && hex_id(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let r = new_reference(2025);
        assert!(r.starts_with("TP2025-") && r.len() == 13, "{r}");
        assert_eq!(random_id().len(), 32);
        let secret = b"k".repeat(32);
        let bound = new_upload_key(&secret, "sub-1");
        assert!(valid_upload_key(&bound) && bound.len() == "uploads/".len() + 64);
        assert_eq!(upload_binding(&secret, &bound, "sub-1"), Binding::Ours);
        assert_eq!(upload_binding(&secret, &bound, "sub-2"), Binding::Other);
        assert_eq!(upload_binding(&secret, &bound, ""), Binding::Other);
        assert_eq!(upload_binding(&b"j".repeat(32), &bound, "sub-1"), Binding::Other);
        // Issued for no submission: claimable, by its random part, whoever names it.
        let claimable = new_upload_key(&secret, "");
        let id = claimable["uploads/".len().."uploads/".len() + 32].to_owned();
        assert_eq!(upload_binding(&secret, &claimable, "sub-1"), Binding::Claimable(id.clone()));
        assert_eq!(upload_binding(&secret, &claimable, ""), Binding::Claimable(id));
        assert_eq!(upload_binding(&b"j".repeat(32), &claimable, "sub-1"), Binding::Other);
        // The older unbound shape is nobody's.
        let unbound = format!("uploads/{}", random_id());
        assert!(valid_upload_key(&unbound));
        assert_eq!(upload_binding(&secret, &unbound, "sub-1"), Binding::Other);
        assert!(!valid_upload_key("uploads/../x"));
        let stored = record_file_key(&r, &bound);
        assert!(valid_file_key(&stored) && !valid_upload_key(&stored), "{stored}");
        assert!(valid_file_key(&bound));
        assert!(!valid_file_key("records/TP2025-ABC/00000000000000000000000000000000"));
        assert!(!valid_file_key("records/../uploads/00000000000000000000000000000000"));
    }
}
