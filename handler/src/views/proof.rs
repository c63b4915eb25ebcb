//! The page where the browser that submitted types the 邮箱验证码: right after submitting (the
//! 已提交 page), at its own address, and again with a wrong code's message.

use policy::Reason;
use serde::Serialize;

/// What the 邮箱验证码 page shows.
#[derive(Serialize)]
pub struct CodePage<'a> {
    /// The application's reference.
    pub reference: &'a str,
    /// The address the code was sent to, while the page waits for it (the submitter typed it).
    pub email: Option<String>,
    /// A correction of a new address, as typed, when it was refused.
    pub correction: String,
    /// Hours the code and the application wait.
    pub hours: u32,
    /// Where the code is posted (the page's own address).
    pub action: String,
    /// The code as typed, kept when it was wrong.
    pub code: String,
    /// Why the code was refused, on field `code`.
    pub errors: Vec<Reason>,
    /// Just submitted: the page says the application is saved.
    pub submitted: bool,
    /// A new code was just sent.
    pub sent: bool,
    /// The code proves a new address given in a resubmission.
    pub changed: bool,
    /// Nothing waits for this page's code any more (proven, corrected on a later page, lapsed,
    /// or the application closed): the page says so and offers no form.
    pub done: bool,
}
