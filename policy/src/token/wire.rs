//! What a link is for (`Purpose`), its signed fields as they travel (`Wire`), and the trait
//! that gives them a meaning per purpose (`LinkClaims`).

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
    pub(super) fn code(self) -> &'static str {
        match self {
            Purpose::Status => "s",
            Purpose::Review => "r",
            Purpose::Dashboard => "d",
            Purpose::Upload => "u",
            Purpose::Confirm => "c",
        }
    }

    pub(super) fn from_code(code: &str) -> Option<Self> {
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
