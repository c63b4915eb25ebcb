//! The application as the no-JS form posts it (`application/x-www-form-urlencoded`), read by the
//! handler's own reader, then checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    if let Ok(form) = policy::form_object::<policy::ApplicationForm>(body) {
        tepei_fuzz::check_form(&form);
    }
});
