//! Link tokens: any text verifies or is refused without panic; a token signed for claims verifies
//! to exactly those claims, and any change to it is refused.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use policy::{Purpose, Signer, Wire};

#[derive(Arbitrary, Debug)]
struct Input {
    raw: String,
    purpose: u8,
    reference: String,
    stage: String,
    version: u64,
    expires: i64,
    change_at: u16,
    change_to: u8,
    cut: bool,
}

const PURPOSES: [Purpose; 4] = [Purpose::Status, Purpose::Review, Purpose::Dashboard, Purpose::Upload];

fn url_safe(text: &str) -> String {
    let kept: String = text.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').take(40).collect();
    if kept.is_empty() { "x".to_owned() } else { kept }
}

fuzz_target!(|input: Input| {
    let signer = Signer::new("k1", b"fuzzing key, long enough for hmac").with_previous("k0", b"older key");
    let purpose = PURPOSES[usize::from(input.purpose) % PURPOSES.len()];
    for p in PURPOSES {
        let _ = signer.verify_wire(&input.raw, p, 0);
    }

    let claims = Wire {
        purpose,
        reference: url_safe(&input.reference),
        stage: url_safe(&input.stage),
        extra: None,
        version: input.version,
        expires: input.expires,
    };
    let token = signer.sign_wire(&claims);
    let verified = signer.verify_wire(&token, purpose, input.expires).expect("a fresh token verifies");
    assert_eq!(verified, claims);
    // Verifying is a normal form: signing what it gave yields the same token.
    assert_eq!(signer.sign_wire(&verified), token);
    for other in PURPOSES.into_iter().filter(|p| *p != purpose) {
        assert!(signer.verify_wire(&token, other, input.expires).is_err(), "verified for another purpose");
    }

    let mut bytes = token.clone().into_bytes();
    let at = usize::from(input.change_at) % bytes.len();
    if input.cut {
        bytes.truncate(at);
    } else {
        bytes[at] ^= input.change_to.max(1);
    }
    if let Ok(changed) = String::from_utf8(bytes) {
        if changed != token {
            assert!(signer.verify_wire(&changed, purpose, input.expires).is_err(), "a changed token verified: {changed}");
        }
    }
});
