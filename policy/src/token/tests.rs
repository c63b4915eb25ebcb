use super::*;
use crate::status::Actor;

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
    let status = StatusClaims { reference: "TP2025-ABC123".into(), mailbox: 0 };
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
