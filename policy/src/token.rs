//! Signed links: HMAC-SHA256 over purpose, reference, stage, version, expiry and key id.
//!
//! A token reads `purpose.reference.stage.version.expires.kid.mac`, or with a fourth field
//! `purpose.reference.stage.extra.version.expires.kid.mac`, every part URL-safe. Each
//! purpose has its own claims type ([`StatusClaims`], [`ConfirmClaims`], [`ReviewClaims`],
//! [`DashboardClaims`], [`UploadClaims`]) that says what its fields mean; [`Wire`] is only their encoding. The clock
//! and the keys are passed in; nothing here reads the time or the environment.

use crate::status::Actor;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// What a link may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// The applicant's status page.
    Status,
    /// A reviewer's page for one stage.
    Review,
    /// A league, department or centre dashboard.
    Dashboard,
    /// One file upload to a local key.
    Upload,
    /// The applicant's confirmation of their mail address.
    Confirm,
}

impl Purpose {
    fn code(self) -> &'static str {
        match self {
            Purpose::Status => "s",
            Purpose::Review => "r",
            Purpose::Dashboard => "d",
            Purpose::Upload => "u",
            Purpose::Confirm => "c",
        }
    }

    fn from_code(code: &str) -> Option<Self> {
        match code {
            "s" => Some(Purpose::Status),
            "r" => Some(Purpose::Review),
            "d" => Some(Purpose::Dashboard),
            "u" => Some(Purpose::Upload),
            "c" => Some(Purpose::Confirm),
            _ => None,
        }
    }
}

/// The signed fields of a token as they travel. Only the claims types give them a meaning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wire {
    /// What it is for.
    pub purpose: Purpose,
    /// First field (URL-safe).
    pub reference: String,
    /// Second field (URL-safe).
    pub stage: String,
    /// Optional fourth field (URL-safe): whom a review link was issued to.
    pub extra: Option<String>,
    /// Third field.
    pub version: u64,
    /// Unix seconds after which it stops working.
    pub expires: i64,
}

/// The claims of one purpose of link, and how they map onto the [`Wire`] fields.
pub trait LinkClaims: Sized {
    /// The purpose a token of these claims is signed for.
    const PURPOSE: Purpose;
    /// The three wire fields: first, second (both URL-safe) and the number.
    fn to_fields(&self) -> (String, String, u64);
    /// The claims from the wire fields, if they make sense for this purpose.
    fn from_fields(first: &str, second: &str, number: u64) -> Option<Self>;

    /// The optional fourth field (URL-safe); none but review links carry one.
    fn extra(&self) -> Option<String> {
        None
    }

    /// The claims a verified wire carries (`None` for another purpose or nonsense fields).
    fn from_wire(wire: &Wire) -> Option<Self> {
        let plain = wire.purpose == Self::PURPOSE && wire.extra.is_none();
        plain.then(|| Self::from_fields(&wire.reference, &wire.stage, wire.version)).flatten()
    }
}

/// The applicant's status link: shows the application, valid across versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusClaims {
    /// Application reference.
    pub reference: String,
}

impl LinkClaims for StatusClaims {
    const PURPOSE: Purpose = Purpose::Status;
    fn to_fields(&self) -> (String, String, u64) {
        (self.reference.clone(), Actor::Applicant.code().to_owned(), 0)
    }
    fn from_fields(first: &str, second: &str, _: u64) -> Option<Self> {
        (second == Actor::Applicant.code()).then(|| Self { reference: first.to_owned() })
    }
}

/// The link mailed to a new application's address: following it (a POST from its page) confirms
/// the address, and the application goes to the unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmClaims {
    /// Application reference.
    pub reference: String,
}

impl LinkClaims for ConfirmClaims {
    const PURPOSE: Purpose = Purpose::Confirm;
    fn to_fields(&self) -> (String, String, u64) {
        (self.reference.clone(), Actor::Applicant.code().to_owned(), 0)
    }
    fn from_fields(first: &str, second: &str, _: u64) -> Option<Self> {
        (second == Actor::Applicant.code()).then(|| Self { reference: first.to_owned() })
    }
}

/// A reviewer's link: one stage of one application, acting only on the version it was issued for,
/// and only for the audience and the address it was issued to.
///
/// Whom it was issued to travels in the fourth field, `{audience}_{recipient}`. A link signed
/// before links carried it reads with `issued_to: None`: genuine but outdated (the handler
/// opens nothing with it and offers a fresh link, mailed to the stage's reviewer on file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewClaims {
    /// Application reference.
    pub reference: String,
    /// The reviewing stage: unit, HR or centre (never the applicant).
    pub stage: Actor,
    /// The application version the link acts on.
    pub version: u64,
    /// Whom the link was issued to; `None` on a link signed before links said so.
    pub issued_to: Option<IssuedTo>,
}

/// Whom a review link was issued to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedTo {
    /// The audience: for HR the scope's id ([`crate::HrScope::link_id`]), for the unit and the
    /// centre the stage's code. URL-safe.
    pub audience: String,
    /// [`IssuedTo::recipient_hash`] of the address the link was sent to.
    pub recipient: String,
}

impl IssuedTo {
    /// A short keyed hash of a reviewer's address (case and surrounding spaces ignored): links
    /// name their recipient without carrying the address.
    pub fn recipient_hash(key: &[u8], address: &str) -> String {
        let mut hash = keyed_hash(key, &["reviewer", &address.trim().to_lowercase()]);
        hash.truncate(16);
        hash
    }
}

impl LinkClaims for ReviewClaims {
    const PURPOSE: Purpose = Purpose::Review;
    fn to_fields(&self) -> (String, String, u64) {
        (self.reference.clone(), self.stage.code().to_owned(), self.version)
    }
    fn from_fields(first: &str, second: &str, number: u64) -> Option<Self> {
        let stage = Actor::from_code(second).filter(|a| *a != Actor::Applicant)?;
        Some(Self { reference: first.to_owned(), stage, version: number, issued_to: None })
    }
    fn extra(&self) -> Option<String> {
        self.issued_to.as_ref().map(|to| format!("{}_{}", to.audience, to.recipient))
    }
    fn from_wire(wire: &Wire) -> Option<Self> {
        if wire.purpose != Self::PURPOSE {
            return None;
        }
        let mut claims = Self::from_fields(&wire.reference, &wire.stage, wire.version)?;
        if let Some(extra) = &wire.extra {
            let (audience, recipient) = extra.rsplit_once('_')?;
            let hex = !recipient.is_empty() && recipient.bytes().all(|b| b.is_ascii_hexdigit());
            if audience.is_empty() || !hex {
                return None;
            }
            claims.issued_to = Some(IssuedTo { audience: audience.to_owned(), recipient: recipient.to_owned() });
        }
        Some(claims)
    }
}

/// A dashboard link: one scope id (`centre`, `l-{league}` or `d-{digest}` of a department).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardClaims {
    /// The scope id.
    pub scope: String,
}

impl DashboardClaims {
    fn role(scope: &str) -> &'static str {
        if scope == "centre" { "centre" } else { "hr" }
    }
}

impl LinkClaims for DashboardClaims {
    const PURPOSE: Purpose = Purpose::Dashboard;
    fn to_fields(&self) -> (String, String, u64) {
        (self.scope.clone(), Self::role(&self.scope).to_owned(), 0)
    }
    fn from_fields(first: &str, second: &str, _: u64) -> Option<Self> {
        (second == Self::role(first)).then(|| Self { scope: first.to_owned() })
    }
}

/// An upload link under `serve`: one file of one kind, at most `max_bytes`, to one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadClaims {
    /// The random part of the key the file is stored under.
    pub id: String,
    /// The document kind code.
    pub kind: String,
    /// The largest size accepted.
    pub max_bytes: u64,
}

impl LinkClaims for UploadClaims {
    const PURPOSE: Purpose = Purpose::Upload;
    fn to_fields(&self) -> (String, String, u64) {
        (self.id.clone(), self.kind.clone(), self.max_bytes)
    }
    fn from_fields(first: &str, second: &str, number: u64) -> Option<Self> {
        Some(Self { id: first.to_owned(), kind: second.to_owned(), max_bytes: number })
    }
}

/// Why a token was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token at all.
    #[error("链接格式不正确")]
    Malformed,
    /// Signed with a key this server does not hold.
    #[error("链接已失效（签名密钥已更换）")]
    UnknownKey,
    /// The signature does not match: tampered or forged.
    #[error("链接无效")]
    BadSignature,
    /// Genuine but past its expiry.
    #[error("链接已过期")]
    Expired(Box<Wire>),
    /// Genuine, but issued for something else.
    #[error("链接用途不符")]
    WrongPurpose,
}

/// Signs and verifies tokens with a current key and any number of older keys still accepted.
#[derive(Clone)]
pub struct Signer {
    key_id: String,
    keys: Vec<(String, Vec<u8>)>,
}

fn safe(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Signer {
    /// A signer with the current key. Key ids are short ASCII names such as `k1`.
    pub fn new(key_id: &str, key: &[u8]) -> Self {
        Self { key_id: key_id.to_owned(), keys: vec![(key_id.to_owned(), key.to_vec())] }
    }

    /// Also accepts tokens signed with an older key (for rotation).
    pub fn with_previous(mut self, key_id: &str, key: &[u8]) -> Self {
        self.keys.push((key_id.to_owned(), key.to_vec()));
        self
    }

    fn mac(key: &[u8], message: &str) -> HmacSha256 {
        let mut mac =
            <HmacSha256 as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(message.as_bytes());
        mac
    }

    /// Signs typed claims, valid until `expires` (unix seconds).
    pub fn sign<C: LinkClaims>(&self, claims: &C, expires: i64) -> String {
        let (reference, stage, version) = claims.to_fields();
        self.sign_wire(&Wire { purpose: C::PURPOSE, reference, stage, extra: claims.extra(), version, expires })
    }

    /// Verifies a token of `C`'s purpose (see [`Signer::verify_wire`]) and reads its claims.
    pub fn verify<C: LinkClaims>(&self, token: &str, now: i64) -> Result<C, TokenError> {
        let wire = self.verify_wire(token, C::PURPOSE, now)?;
        C::from_wire(&wire).ok_or(TokenError::Malformed)
    }

    /// Signs wire fields. Reference, stage and extra must be URL-safe (letters, digits, `-`, `_`).
    pub fn sign_wire(&self, claims: &Wire) -> String {
        debug_assert!(safe(&claims.reference) && safe(&claims.stage));
        debug_assert!(claims.extra.as_deref().is_none_or(safe));
        let extra = claims.extra.as_ref().map(|e| format!(".{e}")).unwrap_or_default();
        let body = format!(
            "{}.{}.{}{extra}.{}.{}.{}",
            claims.purpose.code(),
            claims.reference,
            claims.stage,
            claims.version,
            claims.expires,
            self.key_id
        );
        let key = &self.keys[0].1;
        let tag = Self::mac(key, &body).finalize().into_bytes();
        format!("{body}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks the signature in constant time, then expiry (against `now`, unix seconds) and purpose.
    pub fn verify_wire(&self, token: &str, purpose: Purpose, now: i64) -> Result<Wire, TokenError> {
        if token.len() > 300 {
            return Err(TokenError::Malformed);
        }
        let (body, tag) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let parts: Vec<&str> = body.split('.').collect();
        let (p, reference, stage, extra, version, expires, kid) = match parts[..] {
            [p, reference, stage, version, expires, kid] => (p, reference, stage, None, version, expires, kid),
            [p, reference, stage, extra, version, expires, kid] if safe(extra) => {
                (p, reference, stage, Some(extra.to_owned()), version, expires, kid)
            }
            _ => return Err(TokenError::Malformed),
        };
        let key = &self.keys.iter().find(|(id, _)| id == kid).ok_or(TokenError::UnknownKey)?.1;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| TokenError::BadSignature)?;
        Self::mac(key, body).verify_slice(&tag).map_err(|_| TokenError::BadSignature)?;
        let claims = Wire {
            purpose: Purpose::from_code(p).ok_or(TokenError::Malformed)?,
            reference: reference.to_owned(),
            stage: stage.to_owned(),
            extra,
            version: version.parse().map_err(|_| TokenError::Malformed)?,
            expires: expires.parse().map_err(|_| TokenError::Malformed)?,
        };
        if claims.purpose != purpose {
            return Err(TokenError::WrongPurpose);
        }
        if now > claims.expires {
            return Err(TokenError::Expired(Box::new(claims)));
        }
        Ok(claims)
    }
}

/// HMAC-SHA256 of `parts` joined by `|`, as lowercase hex: the key for unique 身份证号 per round,
/// so the raw number is never a key.
pub fn keyed_hash(key: &[u8], parts: &[&str]) -> String {
    let tag = Signer::mac(key, &parts.join("|")).finalize().into_bytes();
    hex::encode(tag)
}

/// Whether `hex_prefix` (an even number of hex digits, at least 8) is the start of
/// [`keyed_hash`] of `parts`, compared in constant time.
pub fn keyed_hash_starts_with(key: &[u8], parts: &[&str], hex_prefix: &str) -> bool {
    if hex_prefix.len() < 8 || !hex_prefix.len().is_multiple_of(2) || hex_prefix.len() > 64 {
        return false;
    }
    match hex::decode(hex_prefix) {
        Ok(bytes) => Signer::mac(key, &parts.join("|")).verify_truncated_left(&bytes).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> Wire {
        Wire {
            purpose: Purpose::Review,
            reference: "TP2025-ABC123".into(),
            stage: "unit".into(),
            extra: None,
            version: 3,
            expires: 1_000,
        }
    }

    #[test]
    fn keyed_hash_prefixes_are_checked() {
        let full = keyed_hash(b"k", &["verify", "TP2025-ABC123"]);
        assert!(keyed_hash_starts_with(b"k", &["verify", "TP2025-ABC123"], &full[..12]));
        assert!(keyed_hash_starts_with(b"k", &["verify", "TP2025-ABC123"], &full[..12].to_uppercase()));
        assert!(!keyed_hash_starts_with(b"k", &["verify", "TP2025-ABC124"], &full[..12]));
        assert!(!keyed_hash_starts_with(b"other", &["verify", "TP2025-ABC123"], &full[..12]));
        assert!(!keyed_hash_starts_with(b"k", &["verify", "TP2025-ABC123"], &full[..6]), "too short to mean anything");
        assert!(!keyed_hash_starts_with(b"k", &["verify", "TP2025-ABC123"], "zzzzzzzzzzzz"));
    }

    #[test]
    fn round_trip_and_refusals() {
        let signer = Signer::new("k1", b"secret key");
        let token = signer.sign_wire(&claims());
        assert!(token.starts_with("r.TP2025-ABC123.unit.3.1000.k1."), "{token}");
        assert_eq!(signer.verify_wire(&token, Purpose::Review, 999), Ok(claims()));
        assert_eq!(signer.verify_wire(&token, Purpose::Review, 1_000), Ok(claims()));
        assert!(matches!(signer.verify_wire(&token, Purpose::Review, 1_001), Err(TokenError::Expired(_))));
        assert_eq!(signer.verify_wire(&token, Purpose::Status, 0), Err(TokenError::WrongPurpose));
        // Any change to a signed field breaks the signature.
        for (from, to) in [(".unit.", ".hr."), (".3.", ".4."), ("r.TP", "s.TP"), (".1000.", ".9999.")] {
            let forged = token.replacen(from, to, 1);
            assert_eq!(signer.verify_wire(&forged, Purpose::Review, 0).err(), Some(TokenError::BadSignature), "{from}");
        }
        assert_eq!(signer.verify_wire("abc", Purpose::Review, 0), Err(TokenError::Malformed));
        assert_eq!(signer.verify_wire(&token.replace(".k1.", ".k9."), Purpose::Review, 0), Err(TokenError::UnknownKey));
        let other = Signer::new("k1", b"another key");
        assert_eq!(other.verify_wire(&token, Purpose::Review, 0), Err(TokenError::BadSignature));
    }

    #[test]
    fn rotation_keeps_old_links_working() {
        let old = Signer::new("k1", b"old");
        let token = old.sign_wire(&claims());
        let new = Signer::new("k2", b"new").with_previous("k1", b"old");
        assert_eq!(new.verify_wire(&token, Purpose::Review, 0), Ok(claims()));
        assert!(new.sign_wire(&claims()).contains(".k2."));
        assert_eq!(Signer::new("k2", b"new").verify_wire(&token, Purpose::Review, 0), Err(TokenError::UnknownKey));
    }

    #[test]
    fn typed_claims_round_trip_and_keep_to_their_purpose() {
        let signer = Signer::new("k1", b"secret key");
        let issued_to = Some(IssuedTo { audience: "l-baotou".into(), recipient: "0a1b2c3d4e5f0a1b".into() });
        let review = ReviewClaims { reference: "TP2025-ABC123".into(), stage: Actor::Hr, version: 4, issued_to };
        let token = signer.sign(&review, 100);
        assert!(token.starts_with("r.TP2025-ABC123.hr.l-baotou_0a1b2c3d4e5f0a1b.4.100.k1."), "{token}");
        assert_eq!(signer.verify::<ReviewClaims>(&token, 0), Ok(review));
        let wire = |stage: &str, extra: Option<&str>| Wire {
            purpose: Purpose::Review,
            reference: "TP2025-ABC123".into(),
            stage: stage.into(),
            extra: extra.map(str::to_owned),
            version: 2,
            expires: 100,
        };
        // A link signed before links carried their audience reads without it (outdated, not void).
        let old = signer.sign_wire(&wire("unit", None));
        assert_eq!(signer.verify::<ReviewClaims>(&old, 0).map(|c| (c.stage, c.issued_to)), Ok((Actor::Unit, None)));
        for extra in ["l-baotou", "_0a1b", "l-baotou_xyz", "l-baotou_"] {
            let odd = signer.sign_wire(&wire("hr", Some(extra)));
            assert_eq!(signer.verify::<ReviewClaims>(&odd, 0), Err(TokenError::Malformed), "{extra}");
        }
        // Other purposes carry no fourth field.
        let status = signer.sign_wire(&Wire { purpose: Purpose::Status, ..wire("applicant", Some("x_0a")) });
        assert_eq!(signer.verify::<StatusClaims>(&status, 0), Err(TokenError::Malformed));
        assert_eq!(signer.verify::<StatusClaims>(&token, 0), Err(TokenError::WrongPurpose));
        let status = StatusClaims { reference: "TP2025-ABC123".into() };
        assert_eq!(signer.verify::<StatusClaims>(&signer.sign(&status, 100), 0), Ok(status));
        // A review wire naming the applicant as its stage is no review link.
        let forged = signer.sign_wire(&Wire {
            purpose: Purpose::Review,
            reference: "TP2025-ABC123".into(),
            stage: "applicant".into(),
            extra: None,
            version: 1,
            expires: 100,
        });
        assert_eq!(signer.verify::<ReviewClaims>(&forged, 0), Err(TokenError::Malformed));
        for scope in ["centre", "l-hohhot", "d-0a1b2c3d4e5f"] {
            let claims = DashboardClaims { scope: scope.into() };
            let token = signer.sign(&claims, 100);
            assert_eq!(signer.verify::<DashboardClaims>(&token, 0), Ok(claims));
        }
        let upload = UploadClaims { id: "0123abcd".into(), kind: "degree".into(), max_bytes: 10 };
        assert_eq!(signer.verify::<UploadClaims>(&signer.sign(&upload, 100), 0), Ok(upload));
    }

    #[test]
    fn keyed_hash_is_stable_and_keyed() {
        let a = keyed_hash(b"k", &["2025", "11010519491231002X"]);
        assert_eq!(a.len(), 64);
        assert_eq!(a, keyed_hash(b"k", &["2025", "11010519491231002X"]));
        assert_ne!(a, keyed_hash(b"other", &["2025", "11010519491231002X"]));
    }
}
