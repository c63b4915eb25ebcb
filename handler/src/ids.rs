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

/// A fresh unguessable upload key: `uploads/` and 32 hex digits.
pub fn new_upload_key() -> String {
    format!("uploads/{}", random_id())
}

/// Whether `key` has the only shape this system issues: `uploads/` and 32 hex digits.
pub fn valid_upload_key(key: &str) -> bool {
    key.strip_prefix("uploads/").is_some_and(|k| k.len() == 32 && k.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let r = new_reference(2025);
        assert!(r.starts_with("TP2025-") && r.len() == 13, "{r}");
        assert_eq!(random_id().len(), 32);
        assert!(valid_upload_key(&new_upload_key()));
        assert!(!valid_upload_key("uploads/../x"));
    }
}
