//! A personal number (身份证号, phone) as a record holds it: open — just parsed, or opened for a
//! stated purpose — or sealed, encrypted at rest with only its masked form readable. Policy does
//! no cryptography: the handler seals and opens with its data keys ([`Held::seal_with`],
//! [`Held::open_with`]).

use crate::contact::Phone;
use crate::id_number::IdNumber;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A value that may be held sealed: its full text, how it parses back, and how it is shown.
pub trait Personal: Sized + Clone + PartialEq + Eq {
    /// The full text (what is encrypted).
    fn text(&self) -> &str;
    /// The value from its full text, if it is one.
    fn from_text(text: &str) -> Option<Self>;
    /// As pages and mail show it.
    fn masked(&self) -> String;
}

impl Personal for IdNumber {
    fn text(&self) -> &str {
        self.expose()
    }
    fn from_text(text: &str) -> Option<Self> {
        IdNumber::parse(text).ok()
    }
    fn masked(&self) -> String {
        IdNumber::masked(self)
    }
}

impl Personal for Phone {
    fn text(&self) -> &str {
        self.as_str()
    }
    fn from_text(text: &str) -> Option<Self> {
        Phone::parse(text).ok()
    }
    fn masked(&self) -> String {
        let d = self.as_str();
        format!("{}****{}", &d[..3], &d[7..])
    }
}

/// What pages show in place of an erased value.
pub const ERASED: &str = "已删除";

/// The address an erased record holds (`.invalid`: nothing is ever delivered there).
pub const ERASED_ADDRESS: &str = "erased@erased.invalid";

/// The ciphertext of a sealed value and the data key that sealed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The data key's id (e.g. `k1`): old keys still open what they sealed.
    pub key: String,
    /// Nonce and ciphertext, base64.
    pub data: String,
}

/// A personal value, open or sealed, with the masked form it was stored with.
#[derive(Clone, PartialEq, Eq)]
pub struct Held<T> {
    masked: String,
    inner: Inner<T>,
}

#[derive(Clone, PartialEq, Eq)]
enum Inner<T> {
    Open(T),
    Sealed(Sealed),
}

impl<T: Personal> Held<T> {
    /// A value just parsed.
    pub fn open(value: T) -> Self {
        Self { masked: value.masked(), inner: Inner::Open(value) }
    }

    /// What an erased record holds: no ciphertext, nothing to open.
    pub fn erased() -> Self {
        Self { masked: ERASED.to_owned(), inner: Inner::Sealed(Sealed { key: "erased".into(), data: String::new() }) }
    }

    /// As pages and mail show it, whether open or sealed.
    pub fn masked(&self) -> &str {
        &self.masked
    }

    /// The full value when it is open (never for a record read from the store).
    pub fn opened(&self) -> Option<&T> {
        match &self.inner {
            Inner::Open(v) => Some(v),
            Inner::Sealed(_) => None,
        }
    }

    /// The ciphertext when it is sealed.
    pub fn sealed(&self) -> Option<&Sealed> {
        match &self.inner {
            Inner::Open(_) => None,
            Inner::Sealed(s) => Some(s),
        }
    }

    /// Sealed by `seal` (given the full text, it answers the ciphertext); an open value is sealed,
    /// a sealed one kept as it is.
    pub fn seal_with<E>(&self, seal: impl FnOnce(&str) -> Result<Sealed, E>) -> Result<Self, E> {
        match &self.inner {
            Inner::Open(v) => Ok(Self { masked: self.masked.clone(), inner: Inner::Sealed(seal(v.text())?) }),
            Inner::Sealed(_) => Ok(self.clone()),
        }
    }

    /// The full value: as it is when open, else opened by `open` (given the ciphertext, it
    /// answers the full text); `None` when that text is not a value of its kind.
    pub fn open_with<E>(&self, open: impl FnOnce(&Sealed) -> Result<String, E>) -> Result<Option<T>, E> {
        match &self.inner {
            Inner::Open(v) => Ok(Some(v.clone())),
            Inner::Sealed(s) => Ok(T::from_text(&open(s)?)),
        }
    }
}

impl<T> fmt::Debug for Held<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Open(_) => write!(f, "Open({})", self.masked),
            Inner::Sealed(s) => write!(f, "Sealed({}, key {})", self.masked, s.key),
        }
    }
}

/// How a held value is written: an open one as its text (the form's and older records' shape),
/// a sealed one as `{"masked", "key", "data"}`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Wire {
    Text(String),
    Sealed {
        masked: String,
        #[serde(flatten)]
        sealed: Sealed,
    },
}

impl<T: Personal> Serialize for Held<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.inner {
            Inner::Open(v) => s.serialize_str(v.text()),
            Inner::Sealed(sealed) => Wire::Sealed { masked: self.masked.clone(), sealed: sealed.clone() }.serialize(s),
        }
    }
}

impl<'de, T: Personal> Deserialize<'de> for Held<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Wire::deserialize(d)? {
            Wire::Text(text) => T::from_text(&text)
                .map(Held::open)
                .ok_or_else(|| serde::de::Error::custom("not a valid value of its kind")),
            Wire::Sealed { masked, sealed } => Ok(Self { masked, inner: Inner::Sealed(sealed) }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_is_masked_in_the_middle() {
        let held = Held::open(Phone::parse("13812345678").expect("phone"));
        assert_eq!(held.masked(), "138****5678");
    }

    #[test]
    fn sealed_values_are_written_without_their_text_and_read_back() {
        let held = Held::open(IdNumber::parse("150102198506010028").expect("id"));
        let sealed = held
            .seal_with(|text| Ok::<_, ()>(Sealed { key: "k1".into(), data: text.chars().rev().collect() }))
            .expect("sealed");
        assert!(sealed.opened().is_none());
        let json = serde_json::to_string(&sealed).expect("json");
        assert!(!json.contains("150102198506010028"), "{json}");
        assert!(json.contains("1501**********0028"), "{json}");
        let back: Held<IdNumber> = serde_json::from_str(&json).expect("read");
        assert_eq!(back, sealed);
        let opened = back.open_with(|s| Ok::<_, ()>(s.data.chars().rev().collect())).expect("opened");
        assert_eq!(opened.as_ref().map(IdNumber::expose), Some("150102198506010028"));
        // An older record's plain text still reads, open.
        let old: Held<IdNumber> = serde_json::from_str("\"150102198506010028\"").expect("old");
        assert_eq!(old, held);
        assert_eq!(format!("{old:?}"), "Open(1501**********0028)");
    }
}
