//! Small enumerations of the API contract and the year-month type.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! coded_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The API code, e.g. `"county"`.
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// The Chinese label shown to users.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            /// Parses an API code.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.code()) }
        }
    };
}

coded_enum! {
    /// Where training happens: outside or inside the region.
    Track {
        /// 区外培养
        Out = ("out", "区外培养"),
        /// 区内培养
        In = ("in", "区内培养"),
    }
}

coded_enum! {
    /// The administrative level of the applicant's employer.
    UnitLevel {
        /// 区直单位 (autonomous-region level)
        Region = ("region", "区直单位"),
        /// 盟市级单位
        League = ("league", "盟市级单位"),
        /// 旗县（区）级单位
        County = ("county", "旗县（区）级单位"),
        /// 苏木乡镇（街道）级单位
        Township = ("township", "苏木乡镇（街道）及以下单位"),
    }
}

coded_enum! {
    /// Gender as recorded on the identity card.
    Gender {
        /// 男
        Male = ("male", "男"),
        /// 女
        Female = ("female", "女"),
    }
}

coded_enum! {
    /// Public or non-public employer (非公领域 has priority under equal conditions).
    Sector {
        /// 公有制单位
        Public = ("public", "公有制单位"),
        /// 非公有制单位
        Private = ("private", "非公有制单位（非公领域）"),
    }
}

coded_enum! {
    /// The applicant's field of work (选拔原则: basic fields and strategic emerging industries).
    Field {
        /// 教育
        Education = ("education", "教育"),
        /// 卫生
        Health = ("health", "卫生"),
        /// 农牧
        Agriculture = ("agriculture", "农牧"),
        /// 工程技术
        Engineering = ("engineering", "工程技术"),
        /// 新能源
        NewEnergy = ("new_energy", "新能源"),
        /// 新材料
        NewMaterials = ("new_materials", "新材料"),
        /// 生物技术
        Biotech = ("biotech", "生物技术"),
        /// 其他
        Other = ("other", "其他领域"),
    }
}

/// A calendar month such as `2019-07`, used for the start of work in the profession.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u8,
}

/// Why a year-month did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("请按“年-月”格式填写，例如 2019-07")]
pub struct YearMonthError;

impl YearMonth {
    /// Parses `YYYY-MM` (years 1900 to 2100).
    pub fn parse(text: &str) -> Result<Self, YearMonthError> {
        let text = text.trim();
        let (y, m) = text.split_once('-').ok_or(YearMonthError)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(YearMonthError);
        }
        let year: i32 = y.parse().map_err(|_| YearMonthError)?;
        let month: u8 = m.parse().map_err(|_| YearMonthError)?;
        if !(1900..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(YearMonthError);
        }
        Ok(Self { year, month })
    }

    /// The month containing `date`.
    pub fn of(date: time::Date) -> Self {
        Self { year: date.year(), month: date.month() as u8 }
    }

    /// Whole months from `self` to `later` (negative when `later` is earlier).
    pub fn months_until(self, later: YearMonth) -> i32 {
        (later.year * 12 + i32::from(later.month)) - (self.year * 12 + i32::from(self.month))
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The month, 1 to 12.
    pub fn month(self) -> u8 {
        self.month
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn year_month_parses_and_counts_whole_months() {
        let start = YearMonth::parse("2020-03").expect("valid");
        let end = YearMonth::parse("2025-03").expect("valid");
        assert_eq!(start.months_until(end), 60);
        assert_eq!(start.to_string(), "2020-03");
        for bad in ["2020-3", "2020/03", "20-03", "2020-13", "2020-00", "", "abcd-ef", "1800-01"] {
            assert_eq!(YearMonth::parse(bad), Err(YearMonthError), "{bad}");
        }
    }

    #[test]
    fn codes_round_trip() {
        for level in UnitLevel::ALL {
            assert_eq!(UnitLevel::from_code(level.code()), Some(*level));
        }
        assert_eq!(Track::from_code("in"), Some(Track::In));
        assert_eq!(Gender::from_code("x"), None);
        assert_eq!(Sector::Private.label(), "非公有制单位（非公领域）");
    }
}
