//! Phone numbers and mail addresses.

use std::fmt;

/// A mainland mobile number, stored as its 11 digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// Why a phone number was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing was entered.
    #[error("请填写手机号码")]
    Empty,
    /// Not a mainland mobile number.
    #[error("请填写11位手机号码，例如 13812345678")]
    Invalid,
}

impl Phone {
    /// Parses a mobile number: spaces and hyphens are dropped, a `+86` or `0086` prefix is removed,
    /// and what remains must match `^1[3-9]\d{9}$`.
    pub fn parse(text: &str) -> Result<Self, PhoneError> {
        let compact: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '\u{3000}')).collect();
        if compact.is_empty() {
            return Err(PhoneError::Empty);
        }
        let national = compact.strip_prefix("+86").or_else(|| compact.strip_prefix("0086")).unwrap_or(&compact);
        let b = national.as_bytes();
        let ok = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit);
        if ok { Ok(Self(national.to_owned())) } else { Err(PhoneError::Invalid) }
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A mail address: one `@`, a non-empty local part, a dotted domain, no spaces, at most 254
/// characters. The domain is lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why a mail address was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was entered.
    #[error("请填写电子邮箱")]
    Empty,
    /// Not a usable address.
    #[error("电子邮箱格式不正确，例如 name@example.com")]
    Invalid,
}

/// The mailbox `text` reaches, parsed or not: trimmed, lower case, and without a `+tag` in its
/// local part (`wang+1@…` reaches `wang@…`'s box). Rate limits count by it too.
pub fn mailbox_of(text: &str) -> String {
    let lower = text.trim().to_ascii_lowercase();
    match lower.rsplit_once('@') {
        Some((local, domain)) => format!("{}@{domain}", local.split('+').next().unwrap_or(local)),
        None => lower,
    }
}

impl Email {
    /// Parses an address.
    pub fn parse(text: &str) -> Result<Self, EmailError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmailError::Empty);
        }
        let (local, domain) = text.rsplit_once('@').ok_or(EmailError::Invalid)?;
        let label_ok = |l: &str| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
        let domain_ok = domain.contains('.') && domain.split('.').all(label_ok);
        if text.len() > 254 || !local_ok || !domain_ok {
            return Err(EmailError::Invalid);
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The mailbox the address reaches ([`mailbox_of`]), for telling two addresses of one
    /// person apart.
    pub fn mailbox(&self) -> String {
        mailbox_of(&self.0)
    }

    /// Whether `self` and `other` reach one mailbox ([`Email::mailbox`]).
    pub fn same_mailbox(&self, other: &Email) -> bool {
        self.mailbox() == other.mailbox()
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_normalised() {
        for ok in
            ["13812345678", "138 1234 5678", "138-1234-5678", "+8613812345678", "0086 138 1234 5678", "19912345678"]
        {
            assert_eq!(
                Phone::parse(ok).map(|p| p.to_string()).as_deref().ok(),
                Some(if ok.contains("199") { "19912345678" } else { "13812345678" }),
                "{ok}"
            );
        }
        assert_eq!(Phone::parse(" "), Err(PhoneError::Empty));
        for bad in ["12812345678", "1381234567", "138123456789", "0471-6918865", "+1 13812345678", "1381234567a"] {
            assert_eq!(Phone::parse(bad), Err(PhoneError::Invalid), "{bad}");
        }
    }

    #[test]
    fn emails_are_checked() {
        assert_eq!(
            Email::parse(" Wang.Li@Example.GOV.cn ").map(|e| e.to_string()),
            Ok("Wang.Li@example.gov.cn".into())
        );
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        for bad in ["a", "a@b", "@b.cn", "a@.cn", "a b@c.cn", "a@b..cn", "a..b@c.cn", "a@-b.cn", "<script>@x.cn"] {
            assert_eq!(Email::parse(bad), Err(EmailError::Invalid), "{bad}");
        }
    }

    #[test]
    fn one_mailbox_whatever_its_case_or_tag() {
        let email = |t: &str| Email::parse(t).expect(t);
        assert!(email("Unit9+x@Example.gov.cn").same_mailbox(&email("unit9@example.gov.cn")));
        assert!(email("a+b+c@x.cn").same_mailbox(&email("A@X.CN")));
        assert!(!email("unit9@example.gov.cn").same_mailbox(&email("unit90@example.gov.cn")));
        assert!(!email("unit9@example.gov.cn").same_mailbox(&email("unit9@example.gov.com")));
    }
}
