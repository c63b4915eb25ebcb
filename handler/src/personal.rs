//! Personal numbers at rest (个人信息保护法 art. 51): the 身份证号 and the phone of every record
//! are sealed with AES-256-GCM under the deployment's data key before the store sees them, with
//! the key's id beside each ciphertext so keys can be rotated (old keys still open what they
//! sealed; `tepei rekey` re-seals under the current one). Pages and mail show the masked form
//! kept at submission; a full value is opened only for a stated [`Purpose`], and each opening is
//! logged with the reference, the purpose and the actor's role, never the value.

use crate::store::{Event, Record};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use policy::{Actor, Held, IdNumber, Personal, Phone, Programme, Sealed};
use rand::Rng;
use sha2::{Digest, Sha256};

/// AES-256-GCM with a random 96-bit nonce: `nonce || ciphertext || tag`. `aad` binds the
/// ciphertext to where it belongs (it cannot be moved to another record or field).
pub(crate) fn seal_bytes(key: &[u8; 32], aad: &[u8], plain: &[u8]) -> Vec<u8> {
    let nonce: [u8; 12] = rand::rng().random();
    let cipher = Aes256Gcm::new(key.into());
    // Encryption fails only for inputs of gigabytes; these are at most a few kilobytes.
    let sealed = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad }).unwrap_or_default();
    [nonce.as_slice(), &sealed].concat()
}

/// Opens what [`seal_bytes`] sealed under `key` for `aad`; `None` if anything differs.
pub(crate) fn open_bytes(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    if sealed.len() < 12 + 16 {
        return None;
    }
    let (nonce, body) = sealed.split_at(12);
    Aes256Gcm::new(key.into()).decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad }).ok()
}

/// The data keys: the current one seals, every one opens what it sealed.
#[derive(Clone)]
pub struct DataKeys {
    /// `(id, key)`, the current key first.
    keys: Vec<(String, [u8; 32])>,
}

impl std::fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|(id, _)| id.as_str()).collect();
        write!(f, "DataKeys({ids:?})")
    }
}

/// Why `TEPEI_DATA_KEY` could not be read: in words, never the key.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct KeyError(String);

/// Why a value could not be sealed or opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key that sealed it is not among the data keys.
    #[error("the data key {0} is not configured (TEPEI_DATA_KEY must keep old keys after the current one)")]
    UnknownKey(String),
    /// The ciphertext does not open under its key (changed, or a different key under that id).
    #[error("a sealed value does not open under data key {0}")]
    Corrupt(String),
}

impl DataKeys {
    /// Reads `TEPEI_DATA_KEY`: `id:text,id:text`, the current key first, each text at least 32
    /// characters (the key is its SHA-256: `openssl rand -base64 32` or a generated secret), or
    /// one text alone (id `k1`, as the template's generated secret holds it).
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let refuse = KeyError;
        let items: Vec<&str> = text.split(',').map(str::trim).filter(|p| !p.is_empty()).collect();
        let mut keys: Vec<(String, [u8; 32])> = Vec::new();
        for item in &items {
            let (id, key) = match item.split_once(':') {
                Some((id, key)) => (id.trim(), key.trim()),
                None if items.len() == 1 => ("k1", *item),
                None => return Err(refuse("with more than one key, each is id:text".into())),
            };
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(refuse("a key id must be letters, digits or '-'".into()));
            }
            if key.chars().count() < 32 {
                return Err(refuse(format!("the key {id} is shorter than 32 characters (openssl rand -base64 32)")));
            }
            if keys.iter().any(|(seen, _)| seen == id) {
                return Err(refuse(format!("key id {id} appears twice")));
            }
            keys.push((id.to_owned(), Sha256::digest(key.as_bytes()).into()));
        }
        if keys.is_empty() {
            return Err(refuse("no key given".into()));
        }
        Ok(Self { keys })
    }

    /// A fresh key text (`id:text`) for a new data folder.
    pub fn generate(id: &str) -> String {
        let key: [u8; 32] = rand::random();
        format!("{id}:{}", STANDARD.encode(key))
    }

    /// A key derived from `secret` (id `d0`): for tests and tools given no data key.
    pub fn derived(secret: &[u8]) -> Self {
        let key = Sha256::new().chain_update(b"tepei data key from the link key\0").chain_update(secret).finalize();
        Self { keys: vec![("d0".into(), key.into())] }
    }

    /// The id of the key that seals.
    pub fn current(&self) -> &str {
        &self.keys[0].0
    }

    fn seal(&self, aad: &str, text: &str) -> Sealed {
        let (id, key) = &self.keys[0];
        Sealed { key: id.clone(), data: STANDARD.encode(seal_bytes(key, aad.as_bytes(), text.as_bytes())) }
    }

    fn open(&self, aad: &str, sealed: &Sealed) -> Result<String, SealError> {
        let (_, key) = self
            .keys
            .iter()
            .find(|(id, _)| *id == sealed.key)
            .ok_or_else(|| SealError::UnknownKey(sealed.key.clone()))?;
        STANDARD
            .decode(sealed.data.trim())
            .ok()
            .and_then(|bytes| open_bytes(key, aad.as_bytes(), &bytes))
            .and_then(|plain| String::from_utf8(plain).ok())
            .ok_or_else(|| SealError::Corrupt(sealed.key.clone()))
    }
}

/// What binds a sealed value to its record and field.
fn aad(reference: &str, field: &str) -> String {
    format!("tepei/{reference}/{field}")
}

/// `record` with its 身份证号 and phone sealed under the current key (values already sealed stay
/// as they are): what the store is given.
pub fn seal_record(keys: &DataKeys, record: &Record) -> Record {
    let mut sealed = record.clone();
    let a = &mut sealed.application;
    let seal = |field: &str| {
        let aad = aad(&record.reference, field);
        move |text: &str| Ok::<_, std::convert::Infallible>(keys.seal(&aad, text))
    };
    let Ok(id) = a.id_number.seal_with(seal("id_number"));
    let Ok(phone) = a.phone.seal_with(seal("phone"));
    a.id_number = id;
    a.phone = phone;
    sealed
}

/// Whether `record` holds a value not sealed under the current key (what `tepei rekey` re-seals).
pub fn needs_rekey(keys: &DataKeys, record: &Record) -> bool {
    let stale = |s: Option<&Sealed>| s.is_none_or(|s| s.key != keys.current());
    stale(record.application.id_number.sealed()) || stale(record.application.phone.sealed())
}

/// `record` re-sealed under the current key, opening (logged, for the centre's operator) what an
/// older key sealed.
pub fn rekey(keys: &DataKeys, record: &Record) -> Result<Record, SealError> {
    let mut open = record.clone();
    let a = &mut open.application;
    a.id_number = Held::open(open_id_number(keys, record, Purpose::Rekey, Actor::Centre)?);
    a.phone = Held::open(open_phone(keys, record, Purpose::Rekey, Actor::Centre)?);
    Ok(seal_record(keys, &open))
}

fn open_value<T: Personal>(keys: &DataKeys, reference: &str, field: &str, held: &Held<T>) -> Result<T, SealError> {
    let key = || held.sealed().map(|s| s.key.clone()).unwrap_or_default();
    held.open_with(|s| keys.open(&aad(reference, field), s))?.ok_or_else(|| SealError::Corrupt(key()))
}

/// Why a full value is opened: each is logged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// The applicant edits a returned application: the form shows the phone, the 身份证号 is kept.
    ApplicantEdit,
    /// The 汇总表 (附件2) lists each applicant's phone for HR and the centre.
    SummaryTable,
    /// `tepei rekey` re-seals under the current key.
    Rekey,
    /// The applicant downloads everything held about them (下载我的数据).
    ApplicantCopy,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Self::ApplicantEdit => "applicant-edit",
            Self::SummaryTable => "summary-table",
            Self::Rekey => "rekey",
            Self::ApplicantCopy => "applicant-copy",
        }
    }
}

fn logged(reference: &str, field: &str, purpose: Purpose, actor: Actor) {
    tracing::info!(reference, field, purpose = purpose.code(), actor = ?actor, "personal data opened");
}

/// The full 身份证号 of `record`, opened for `purpose` by `actor` (logged).
pub fn open_id_number(keys: &DataKeys, record: &Record, purpose: Purpose, actor: Actor) -> Result<IdNumber, SealError> {
    logged(&record.reference, "id_number", purpose, actor);
    open_value(keys, &record.reference, "id_number", &record.application.id_number)
}

/// The full phone number of `record`, opened for `purpose` by `actor` (logged).
pub fn open_phone(keys: &DataKeys, record: &Record, purpose: Purpose, actor: Actor) -> Result<Phone, SealError> {
    logged(&record.reference, "phone", purpose, actor);
    open_value(keys, &record.reference, "phone", &record.application.phone)
}

/// `record` and its `events` erased at `at` (RFC 3339): every field `p`'s privacy rules call
/// personal is erased ([`policy::Application::erase`]), save the few the field table keeps for
/// statistics, and every file; no name, number, contact, employer or plan is left; what remains is a de-identified row — round, stream, league or
/// department, unit level, sector, field, status and dates — and the events' kinds, actors'
/// roles, times and statuses (no address, comment, changed values or client hash).
pub fn erase(p: &Programme, record: &Record, events: &[Event], at: &str) -> (Record, Vec<Event>) {
    let mut erased = record.clone();
    erased.application.erase(p);
    erased.attachments.clear();
    erased.id_hash = format!("erased-{}", record.reference);
    erased.erased_at = Some(at.to_owned());
    erased.pending_address = None;
    let events = events
        .iter()
        .map(|e| Event { actor_address: None, comment: None, client_hash: None, changes: Vec::new(), ..e.clone() })
        .collect();
    (erased, events)
}

pub use policy::ERASED_ADDRESS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_refuse_with_the_variable_named() {
        let k1 = DataKeys::generate("k1");
        let k2 = DataKeys::generate("k2");
        let keys = DataKeys::parse(&format!("{k2},{k1}")).expect("two keys");
        assert_eq!(keys.current(), "k2");
        let alone =
            DataKeys::parse("GeneratedSecretOfSixtyFourCharactersNoColonNoCommaXXXXXXXXXXXXXX").expect("one text");
        assert_eq!(alone.current(), "k1");
        for bad in ["", "k1:short", &format!("{k1},{k1}"), "bad id:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "x,y"]
        {
            let e = DataKeys::parse(bad).expect_err(bad);
            assert!(!e.0.is_empty(), "{bad}: a reason is given");
            let start = crate::StartError::from(e);
            assert!(crate::Chain(&start).to_string().starts_with("TEPEI_DATA_KEY: "), "{start}");
        }
    }

    #[test]
    fn a_sealed_value_opens_only_under_its_key_and_place() {
        let keys = DataKeys::parse(&DataKeys::generate("k1")).expect("key");
        let sealed = keys.seal(&aad("TP2025-AAAAAA", "phone"), "13812345678");
        assert_eq!(keys.open(&aad("TP2025-AAAAAA", "phone"), &sealed).expect("opens"), "13812345678");
        assert!(matches!(keys.open(&aad("TP2025-BBBBBB", "phone"), &sealed), Err(SealError::Corrupt(_))));
        let other = DataKeys::parse(&DataKeys::generate("k2")).expect("key");
        assert!(matches!(other.open(&aad("TP2025-AAAAAA", "phone"), &sealed), Err(SealError::UnknownKey(_))));
    }
}
