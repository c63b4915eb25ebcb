//! The application form shown again with its refusals.

use serde::Serialize;
use std::collections::BTreeMap;

/// The application form shown again: the values as sent, and each refusal beside its field and
/// in the summary at the top.
#[derive(Serialize)]
pub struct FormState<'a> {
    values: BTreeMap<String, String>,
    errors: BTreeMap<&'a str, &'a str>,
    error_list: &'a [policy::Reason],
    window_open: bool,
    /// The deployment takes proof documents (the form shows its documents section).
    uploads: bool,
}

impl<'a> FormState<'a> {
    /// `values` with `reasons`; `window_open` says whether it can be sent now, `uploads` whether
    /// the deployment takes files.
    pub fn new(
        values: BTreeMap<String, String>,
        reasons: &'a [policy::Reason],
        window_open: bool,
        uploads: bool,
    ) -> Self {
        let errors = reasons.iter().map(|r| (r.field.as_str(), r.message.as_str())).collect();
        Self { values, errors, error_list: reasons, window_open, uploads }
    }
}
