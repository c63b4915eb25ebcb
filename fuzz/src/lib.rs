//! Checks shared by the fuzz targets.

use policy::{Application, ApplicationForm, Programme};
use std::sync::OnceLock;

/// The embedded programme, read once.
pub fn programme() -> &'static Programme {
    static P: OnceLock<Programme> = OnceLock::new();
    P.get_or_init(|| Programme::embedded().expect("embedded programme"))
}

/// Whatever form came in: checking it never panics, and an accepted application written back
/// as the form the status page pre-fills (its normal form) reads back to the same application,
/// and its stored JSON too: normalising twice equals normalising once.
pub fn check_form(form: &ApplicationForm) {
    let p = programme();
    let _ = form.content();
    let _ = form.is_bot();
    let Ok(application) = Application::parse(form, p) else { return };
    let body = serde_urlencoded::to_string(application.form_values()).expect("encode the normal form");
    let again: ApplicationForm = policy::form_object(body.as_bytes()).expect("the normal form reads back");
    let second = Application::parse(&again, p).expect("the normal form is valid");
    assert_eq!(application, second, "normalising twice differs from once");
    assert_eq!(application.form_values(), second.form_values());
    let stored = serde_json::to_string(&application).expect("store as JSON");
    let loaded: Application = serde_json::from_str(&stored).expect("load from JSON");
    assert_eq!(application, loaded, "stored JSON reads back differently");
}
