//! The form and the application through the table: what the form posts, the form an
//! application comes from.

use super::FIELDS;
use crate::application::{Application, ApplicationForm};
use crate::eligibility::ProfileForm;

impl ApplicationForm {
    /// The answers as the form posts them, in the form's order: text as typed (absent: empty),
    /// codes, checkboxes `on` or empty. Files and request metadata are left out.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        FIELDS.iter().filter_map(|f| f.form.map(|slot| (f.code, (slot.get)(self)))).collect()
    }
}

impl Application {
    /// The form that would produce this application: to prefill an edit, or to check its rules
    /// again. The 身份证号 and phone are in it only while open.
    pub fn form(&self) -> ApplicationForm {
        let mut form = ApplicationForm::default();
        for slot in FIELDS.iter().filter_map(|f| f.form) {
            (slot.set)(&mut form, (slot.of)(self));
        }
        form
    }

    /// The form fields that would produce this application, as the form posts them.
    pub fn form_values(&self) -> std::collections::BTreeMap<String, String> {
        self.form().pairs().into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The part the eligibility rules read, the date of birth standing in for a sealed 身份证号.
    pub fn profile(&self) -> ProfileForm {
        let mut profile = self.form().profile();
        if profile.id_number.is_none() {
            profile.birth_date = self.birth().map(|d| d.to_string());
        }
        profile
    }
}
