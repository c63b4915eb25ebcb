//! 身份证号: never panics; a number it accepts, given back in its normal form, parses to the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use policy::IdNumber;

fuzz_target!(|text: &str| {
    let Ok(id) = IdNumber::parse(text) else { return };
    let again = IdNumber::parse(id.expose()).expect("the normal form parses");
    assert_eq!(again.expose(), id.expose(), "normalising twice differs from once");
    assert_eq!((again.birth_date(), again.gender()), (id.birth_date(), id.gender()));
    let masked = id.masked();
    assert_eq!(masked.chars().count(), 18);
    assert!(!masked.contains(&id.expose()[4..14]), "the mask shows the middle digits");
});
