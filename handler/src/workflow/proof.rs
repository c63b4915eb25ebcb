//! The proof of an applicant's address: a 6-digit 邮箱验证码 mailed to it and typed on the page
//! only the browser that submitted holds (`/confirm/{token}`, never mailed). A stranger who gets
//! the mail can do nothing with it; a submitter who mistyped the address cannot confirm it. Each
//! code takes [`CODE_TRIES`] tries; then a new code can be asked for, at most [`NEW_CODES`]
//! times per application.

use super::decide::{self, Confirmation};
use super::{Context, Error, links, load, notify, resend};
use crate::store::Record;
use policy::{Action, Actor, Reason, Status};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Tries each code takes before it is void.
pub const CODE_TRIES: u32 = 5;

/// New codes an application may ask for in its time to confirm.
pub const NEW_CODES: u32 = 10;

/// The answer of a page where nothing waits for a code any more.
fn done_with() -> Error {
    Error::NotAllowed {
        title: "此页面已无需验证码",
        message: "这个验证码页面已不再有效：邮箱已验证，或新邮箱已在更新的页面上更正、已改回，或申报已结束。请用邮件中的申报进度链接查看。".into(),
    }
}

fn code_error(message: impl Into<String>) -> Error {
    Error::Invalid(vec![Reason::new("code", message)])
}

/// Generations the pages of one new address take: a resubmission's new address starts its pages
/// at its version times this, above every page an earlier proof minted (new codes and
/// corrections add one each, capped far below it), so a page left from an earlier proof never
/// reaches a later one.
pub const PAGES_PER_CHANGE: u64 = 1_000_000;

/// The address a code proves: a new application's own, or the new one a resubmission gave.
enum Proving {
    New,
    Change(String),
}

/// Whether `record` waits for a new address a resubmission gave (not a new application's proof),
/// in a status where the applicant can still prove it, within its time to prove it (the
/// programme's `confirm_hours` from when it was given, as a new application's: past it, mail
/// stays with the proven address and the next resubmission may give the new one again).
pub fn proves_a_change(ctx: &Context, record: &Record) -> bool {
    let open = policy::step(record.status, Actor::Applicant, Action::ProveAddress).is_some();
    // The window its tries are counted in is its time to be proven.
    let (given, seconds) = window(ctx, Some(record));
    let fresh = record.pending_address.is_some() && ctx.clock.now().unix_timestamp() < given + seconds;
    open && record.erased_at.is_none() && fresh
}

/// What the page of `generation` proves for `record`, or `None` when nothing waits for a code:
/// an erased record never does (its address is gone), nor a new address once the application
/// is past where the applicant may prove it, nor a page older than the new address's first.
fn proving(ctx: &Context, record: &Record, generation: u64) -> Option<Proving> {
    if record.erased_at.is_some() {
        return None;
    }
    if record.status == Status::Unconfirmed || record.status == Status::Voided {
        return Some(Proving::New);
    }
    let pending = record.pending_address.as_ref().filter(|_| proves_a_change(ctx, record))?;
    (generation >= pending.generation).then(|| Proving::Change(pending.email.clone()))
}

/// The address the page of `generation` waits to prove, while it waits: a new application's own
/// (unconfirmed, not lapsed), or the new one a resubmission gave. The page names it, since the
/// submitter typed it and may have mistyped it; a page done with says nothing.
pub fn awaiting(ctx: &Context, record: &Record, generation: u64) -> Option<String> {
    match proving(ctx, record, generation)? {
        Proving::New if record.status == Status::Unconfirmed && !decide::lapsed(ctx, record) => {
            Some(record.application.email.to_string())
        }
        Proving::New => None,
        Proving::Change(email) => Some(email),
    }
}

/// The new address waiting on the page of `generation`, corrected to `typed` (the first was
/// mistyped): the corrected one gets its code for the generation returned, the page that takes
/// it. Typed as the proven address, nothing waits any more (`None`). Refused (422 on `email`)
/// when it is no address or the unit reviewer's; new code mails and corrections share one budget.
pub async fn correct(
    ctx: &Context,
    reference: &str,
    generation: u64,
    typed: &str,
    client: &str,
) -> Result<Option<u64>, Error> {
    let email = policy::Email::parse(typed).map_err(|e| Error::Invalid(vec![Reason::new("email", e.to_string())]))?;
    let (record, events) = load(ctx, reference).await?;
    if !matches!(proving(ctx, &record, generation), Some(Proving::Change(_))) {
        return Err(done_with());
    }
    if email.same_mailbox(&record.application.unit_reviewer_email) {
        return Err(Error::Invalid(vec![Reason::new("email", "申报人邮箱不能与所在单位审核人邮箱相同")]));
    }
    let proven = email.as_str().eq_ignore_ascii_case(record.application.email.as_str());
    if !proven {
        let (since, seconds) = window(ctx, Some(&record));
        if super::limits::tries_since(ctx, "new-codes", reference, since, seconds).await? > NEW_CODES {
            return Err(Error::NotAllowed {
                title: "不能再获取验证码",
                message: format!("这份申报已获取{NEW_CODES}次验证码，不能再更正新邮箱。通知仍发送到原来的邮箱。"),
            });
        }
        let key = super::limits::address_key(email.as_str());
        super::limits::check(ctx, super::limits::SUBMIT_PER_ADDRESS, &key).await?;
    }
    let next = generation + 1;
    decide::correct_address(ctx, &record, &events, &email, next, client).await?;
    Ok((!proven).then_some(next))
}

/// The window for counting a proof's tries (its time to confirm, from when the application was
/// taken or the new address given); for a reference never stored, the clock's.
fn window(ctx: &Context, record: Option<&Record>) -> (i64, i64) {
    let seconds = i64::from(ctx.programme.confirm_hours) * 3600;
    let from = record.map(|r| r.pending_address.as_ref().map_or(r.created_at.as_str(), |p| p.at.as_str()));
    let created = from.and_then(|at| OffsetDateTime::parse(at, &Rfc3339).ok());
    match created {
        Some(at) => (at.unix_timestamp(), seconds),
        None => {
            let now = ctx.clock.now().unix_timestamp();
            (now - now.rem_euclid(seconds), seconds)
        }
    }
}

/// The code typed for the page of `generation`: right, the address is proven and the application
/// goes to its unit (mailed now, with the status link to the applicant); wrong, or for a
/// reference never stored, a 422 on `code` saying how many tries are left. After
/// [`CODE_TRIES`] tries the code is void.
pub async fn confirm(
    ctx: &Context,
    reference: &str,
    generation: u64,
    typed: &str,
    client: &str,
) -> Result<Confirmation, Error> {
    // One read of the record for both the check and the step: the code is checked against the
    // record the step then acts on, whose version guard refuses it if anything changed since
    // (found by the red team: a correction between a second read and the step was proven by the
    // first one's code). Its events are read only for a right code, for the step.
    let record = ctx.store.get(reference).await?;
    let what = record.as_ref().map(|r| proving(ctx, r, generation));
    // Full-width digits (a Chinese input method's) read as the digits they are (red team).
    let digits: String = typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    if digits.is_empty() {
        return Err(code_error("请输入邮件中的6位邮箱验证码"));
    }
    let (since, seconds) = window(ctx, record.as_ref());
    let subject = format!("{reference}:{generation}");
    let tries = super::limits::tries_since(ctx, "code-tries", &subject, since, seconds).await?;
    if tries > CODE_TRIES {
        return Err(code_error(format!(
            "这个验证码已连续输错{CODE_TRIES}次，已失效。请点“重新获取验证码”，输入新邮件中的验证码。"
        )));
    }
    // Nothing waits for a code any more (confirmed, or the address proven): the page answers only
    // its own code again, for the address it proved, so a page left in a browser's history opens
    // nothing for whoever finds it.
    let address = match (&record, &what) {
        (Some(r), Some(Some(Proving::New)) | Some(None)) if r.erased_at.is_none() => {
            Some(r.application.email.to_string())
        }
        (_, Some(Some(Proving::Change(email)))) => Some(email.clone()),
        _ => None,
    };
    let right = address.as_deref().is_some_and(|address| {
        let code = links::confirm_code(ctx, reference, address, generation);
        bool::from(code.as_bytes().ct_eq(digits.as_bytes()))
    });
    let Some(record) = record.filter(|_| right) else {
        tracing::info!(reference, tries, "wrong address code");
        let left = CODE_TRIES - tries;
        return Err(code_error(if left == 0 {
            "验证码不正确，这个验证码已失效。请点“重新获取验证码”。".to_owned()
        } else {
            format!("验证码不正确，请核对邮件中的6位数字（还可以再试{left}次）。")
        }));
    };
    if let Some(None) = what {
        return Ok(Confirmation::Already);
    }
    // Read after the record: an event written in between moved its version, which the step's
    // guard then refuses.
    let events = ctx.store.events(reference).await?;
    if proves_a_change(ctx, &record) {
        decide::prove_address(ctx, &record, &events, client).await?;
        return Ok(Confirmation::AddressProven);
    }
    decide::confirm(ctx, &record, &events, client).await
}

/// A new code for the page of `generation`: mailed to the address being proven (at most
/// [`NEW_CODES`] in the application's time to confirm), and the generation of the page that takes
/// it. A reference never stored (a bot's) is answered the same, and nothing is mailed; a page
/// where nothing waits is refused and mints no page (a page left in a browser's history cannot
/// be stepped forward to a later proof's).
pub async fn new_code(ctx: &Context, reference: &str, generation: u64) -> Result<u64, Error> {
    let record = ctx.store.get(reference).await?;
    let next = generation + 1;
    let (since, seconds) = window(ctx, record.as_ref());
    let asked = super::limits::tries_since(ctx, "new-codes", reference, since, seconds).await?;
    if asked > NEW_CODES {
        return Err(Error::NotAllowed {
            title: "不能再获取验证码",
            message: format!("这份申报已获取{NEW_CODES}次验证码，不能再获取。请核对邮箱后重新填写提交申报。"),
        });
    }
    let Some(record) = record else { return Ok(next) };
    let what = proving(ctx, &record, generation);
    let compose = || match (&record.pending_address, &what) {
        (Some(pending), Some(Proving::Change(_))) => notify::to_prove(ctx, &record, pending, next),
        _ => notify::to_confirm(ctx, &record, next),
    };
    let waits = match &what {
        Some(Proving::New) => record.status == Status::Unconfirmed && !decide::lapsed(ctx, &record),
        Some(Proving::Change(_)) => true,
        None => false,
    };
    if !waits {
        return Err(done_with());
    }
    // One new code per application every ten minutes, within the address's budget of code mails
    // an hour, which submissions naming it share.
    let to = match &what {
        Some(Proving::Change(email)) => email.clone(),
        _ => record.application.email.to_string(),
    };
    super::limits::check(ctx, super::limits::SUBMIT_PER_ADDRESS, &super::limits::address_key(&to)).await?;
    let subject = format!("code:{reference}");
    if !resend::send_again(ctx, &subject, compose).await? {
        // No new page without its mail: the page in hand keeps working.
        return Err(Error::TooMany { retry_after: super::limits::MAIL_PER_RECIPIENT.window });
    }
    tracing::info!(reference, generation = next, "new address code sent");
    Ok(next)
}
