//! The claims of each purpose of link.

use super::signer::keyed_hash;
use super::wire::{LinkClaims, Purpose, Wire};
use crate::status::Actor;

/// The applicant's status link: shows the application, valid across versions while the
/// applicant's address stays the one it was mailed to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusClaims {
    /// Application reference.
    pub reference: String,
    /// A keyed tag of the proven applicant mailbox the link was made for: once a new address is
    /// proven, links mailed to the old one stop working.
    pub mailbox: u64,
}

impl LinkClaims for StatusClaims {
    const PURPOSE: Purpose = Purpose::Status;
    fn to_fields(&self) -> (String, String, u64) {
        (self.reference.clone(), Actor::Applicant.code().to_owned(), self.mailbox)
    }
    fn from_fields(first: &str, second: &str, mailbox: u64) -> Option<Self> {
        (second == Actor::Applicant.code()).then(|| Self { reference: first.to_owned(), mailbox })
    }
}

/// The address proof's page, held only by the browser that submitted (never mailed): posting
/// the 邮箱验证码 mailed to the address proves it, and the application goes to the unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfirmClaims {
    /// Application reference.
    pub reference: String,
    /// Which 邮箱验证码 of the application it proves the address with (0 for the first; each new
    /// code asked for is the next).
    pub generation: u64,
}

impl LinkClaims for ConfirmClaims {
    const PURPOSE: Purpose = Purpose::Confirm;
    fn to_fields(&self) -> (String, String, u64) {
        (self.reference.clone(), Actor::Applicant.code().to_owned(), self.generation)
    }
    fn from_fields(first: &str, second: &str, generation: u64) -> Option<Self> {
        (second == Actor::Applicant.code()).then(|| Self { reference: first.to_owned(), generation })
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
