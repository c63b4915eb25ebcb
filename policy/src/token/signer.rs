//! Signing and verifying tokens, and the keyed hashes made with the same MAC.

use super::wire::{LinkClaims, Purpose, Wire};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

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
