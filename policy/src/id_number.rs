//! The 18-character resident identity number (GB 11643).

use crate::types::Gender;
use std::fmt;
use time::{Date, Month};

/// Weights of the ISO 7064 MOD 11-2 checksum, position by position.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder.
const CHECK: [u8; 11] = *b"10X98765432";
/// The two-digit province prefixes in use (and 81-83 for residence permits of HK, Macao, Taiwan).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
    64, 65, 71, 81, 82, 83,
];

/// A checked identity number. The full number is private: use [`IdNumber::masked`] for display.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber {
    digits: String,
    birth_date: Date,
}

/// Why an identity number was refused. The messages are for the applicant.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Nothing was entered.
    #[error("请填写居民身份证号码")]
    Empty,
    /// An old 15-digit number.
    #[error("15位旧身份证号码已停用，请填写18位居民身份证号码")]
    FifteenDigits,
    /// Not 18 characters.
    #[error("居民身份证号码应为18位")]
    Length,
    /// A character other than digits (and a final X).
    #[error("居民身份证号码只能包含数字，最后一位可以是X")]
    Characters,
    /// The first two digits name no province.
    #[error("居民身份证号码前两位不是有效的省级行政区代码")]
    Province,
    /// Digits 7 to 14 are not a real date.
    #[error("居民身份证号码中的出生日期无效")]
    BirthDate,
    /// The check character does not match.
    #[error("居民身份证号码校验位不正确，请核对后重新填写")]
    Checksum,
}

/// The check character for the first 17 digits, or `None` if they are not 17 ASCII digits.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sum: u32 = bytes.iter().zip(WEIGHTS).map(|(b, w)| u32::from(b - b'0') * w).sum();
    Some(char::from(CHECK[(sum % 11) as usize]))
}

impl IdNumber {
    /// Parses and checks a number: spaces around it are ignored and a lowercase `x` is read as `X`.
    pub fn parse(text: &str) -> Result<Self, IdNumberError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let upper = text.to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() == 15 && bytes.iter().all(u8::is_ascii_digit) {
            return Err(IdNumberError::FifteenDigits);
        }
        if upper.chars().count() != 18 {
            return Err(IdNumberError::Length);
        }
        if bytes.len() != 18
            || !bytes[..17].iter().all(u8::is_ascii_digit)
            || !(bytes[17].is_ascii_digit() || bytes[17] == b'X')
        {
            return Err(IdNumberError::Characters);
        }
        let province = (bytes[0] - b'0') * 10 + (bytes[1] - b'0');
        if !PROVINCES.contains(&province) {
            return Err(IdNumberError::Province);
        }
        let number = |range: std::ops::Range<usize>| -> u32 {
            bytes[range].iter().fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
        };
        let year = number(6..10) as i32;
        let month = Month::try_from(number(10..12) as u8).map_err(|_| IdNumberError::BirthDate)?;
        let day = number(12..14) as u8;
        if year < 1900 {
            return Err(IdNumberError::BirthDate);
        }
        let birth_date = Date::from_calendar_date(year, month, day).map_err(|_| IdNumberError::BirthDate)?;
        if check_character(&upper[..17]) != Some(char::from(bytes[17])) {
            return Err(IdNumberError::Checksum);
        }
        Ok(Self { digits: upper, birth_date })
    }

    /// The date of birth in digits 7 to 14.
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// The gender from digit 17: odd is male, even is female.
    pub fn gender(&self) -> Gender {
        if (self.digits.as_bytes()[16] - b'0') % 2 == 1 { Gender::Male } else { Gender::Female }
    }

    /// The number with its middle hidden, as shown in mail and dashboards: `1501**********1234`.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.digits[..4], &self.digits[14..])
    }

    /// The full number, for keyed hashing and the printed form only.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A valid number built from a prefix and a birth date.
    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_character(first17).expect("17 digits"))
    }

    #[test]
    fn known_numbers_validate() {
        // The example number of GB 11643-1999.
        let id = IdNumber::parse("11010519491231002X").expect("valid");
        assert_eq!(id.birth_date(), Date::from_calendar_date(1949, Month::December, 31).expect("date"));
        assert_eq!(id.gender(), Gender::Female);
        assert_eq!(id.masked(), "1101**********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(1101**********002X)");
        let lower = IdNumber::parse(" 11010519491231002x ").expect("lowercase x accepted");
        assert_eq!(lower.expose(), "11010519491231002X");
        let male = IdNumber::parse(&with_check("15010219900101001")).expect("valid");
        assert_eq!(male.gender(), Gender::Male);
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(IdNumber::parse(""), Err(IdNumberError::Empty));
        assert_eq!(IdNumber::parse("150102900101001"), Err(IdNumberError::FifteenDigits));
        assert!(IdNumberError::FifteenDigits.to_string().contains("18位"));
        assert_eq!(IdNumber::parse("1501021990010100"), Err(IdNumberError::Length));
        assert_eq!(IdNumber::parse("15010219900101001Y"), Err(IdNumberError::Characters));
        assert_eq!(IdNumber::parse("１５0102199001010011"), Err(IdNumberError::Characters));
        assert_eq!(IdNumber::parse(&with_check("99010219900101001")), Err(IdNumberError::Province));
        assert_eq!(IdNumber::parse(&with_check("15010219900230001")), Err(IdNumberError::BirthDate));
        assert_eq!(IdNumber::parse(&with_check("15010219001301001")), Err(IdNumberError::BirthDate));
        assert_eq!(IdNumber::parse(&with_check("15010218991231001")), Err(IdNumberError::BirthDate));
        let good = with_check("15010219900101001");
        let bad_check = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
        assert_eq!(IdNumber::parse(&bad_check), Err(IdNumberError::Checksum));
    }

    fn first17() -> impl Strategy<Value = String> {
        (proptest::sample::select(PROVINCES.to_vec()), 0u32..10_000, (1900i32..2025, 1u8..=12, 1u8..=28), 0u32..1000)
            .prop_map(|(p, area, (y, m, d), seq)| format!("{p:02}{area:04}{y:04}{m:02}{d:02}{seq:03}"))
    }

    proptest! {
        #[test]
        fn computed_check_character_always_validates(prefix in first17()) {
            let id = with_check(&prefix);
            prop_assert!(IdNumber::parse(&id).is_ok(), "{}", id);
        }

        #[test]
        fn any_single_character_change_is_caught(prefix in first17(), pos in 0usize..18, delta in 1u8..11) {
            let id = with_check(&prefix);
            let mut bytes = id.into_bytes();
            // Cycle the character through the 11 symbols 0-9 and X, never landing on itself.
            let symbols = b"0123456789X";
            let at = symbols.iter().position(|s| *s == bytes[pos]).expect("symbol");
            bytes[pos] = symbols[(at + usize::from(delta)) % 11];
            let changed = String::from_utf8(bytes).expect("ascii");
            prop_assert!(IdNumber::parse(&changed).is_err(), "{}", changed);
        }
    }
}
