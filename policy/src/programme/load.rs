//! Reading programme.toml and cross-checking its sections (the privacy rules against the field
//! table).

use super::window::youngest_excluded;
use super::{Programme, ProgrammeError, invalid, to_date};
use std::collections::BTreeSet;
use time::Date;

impl Programme {
    /// Parses and cross-checks the file's text.
    pub fn parse(text: &str) -> Result<Self, ProgrammeError> {
        let programme: Programme = toml::from_str(text)?;
        programme.validate()?;
        Ok(programme)
    }

    /// The programme shipped with this build.
    pub fn embedded() -> Result<Self, ProgrammeError> {
        Self::parse(crate::PROGRAMME_TOML)
    }

    fn validate(&self) -> Result<(), ProgrammeError> {
        to_date(&self.deadline.date, "deadline.date")?;
        to_date(&self.deadline.count_at, "deadline.count_at")?;
        let (opens, closes) = (self.window_opens()?, self.window_closes()?);
        if opens >= closes {
            return Err(invalid("window.opens must be before window.closes"));
        }
        let unit = Self::window_instant(&self.window.unit_closes, "window.unit_closes")?;
        let hr = Self::window_instant(&self.window.hr_closes, "window.hr_closes")?;
        if !(closes <= unit && unit <= hr) {
            return Err(invalid("window: closes, unit_closes and hr_closes must follow one another in that order"));
        }
        let codes: BTreeSet<&str> = self.programmes.iter().map(|p| p.code.as_str()).collect();
        let mut keys = BTreeSet::new();
        for (i, s) in self.streams.iter().enumerate() {
            if !codes.contains(s.programme.as_str()) {
                return Err(invalid(format!("streams[{i}].programme: unknown programme `{}`", s.programme)));
            }
            if !keys.insert(s.key()) {
                return Err(invalid(format!("streams[{i}]: `{}` appears twice", s.key())));
            }
            if let Some(d) = &s.born_on_or_after {
                let born = to_date(d, &format!("streams[{i}].born_on_or_after"))?;
                // "X周岁以下" at the count date: born after the day X+1 years before it.
                let agreed =
                    s.age_limit.and_then(|limit| youngest_excluded(self.count_at(), limit)).and_then(Date::next_day);
                if agreed != Some(born) {
                    return Err(invalid(format!(
                        "streams[{i}]: age_limit ({}) and born_on_or_after ({born}) disagree at deadline.count_at ({}): \
                         {}周岁以下 means born on or after {}",
                        s.age_limit.map_or("none".to_owned(), |a| a.to_string()),
                        self.count_at(),
                        s.age_limit.unwrap_or_default(),
                        agreed.map_or("?".to_owned(), |d| d.to_string())
                    )));
                }
            } else if s.age_limit.is_some() {
                return Err(invalid(format!("streams[{i}]: age_limit needs born_on_or_after")));
            }
            if let Some(q) = &s.qualification {
                if self.education(&q.education_at_least).is_none() {
                    return Err(invalid(format!(
                        "streams[{i}].qualification.education_at_least: unknown `{}`",
                        q.education_at_least
                    )));
                }
                if self.title(&q.or_title_at_least).is_none() {
                    return Err(invalid(format!(
                        "streams[{i}].qualification.or_title_at_least: unknown `{}`",
                        q.or_title_at_least
                    )));
                }
            }
        }
        self.validate_privacy()?;
        for (stream, caps) in &self.attachment1.caps {
            if !keys.contains(stream) {
                return Err(invalid(format!("attachment1.caps.{stream}: no such stream")));
            }
            for league in caps.keys() {
                if self.league(league).is_none() && !self.departments.names.contains(league) {
                    return Err(invalid(format!(
                        "attachment1.caps.{stream}.{league}: no such league or department (departments.names)"
                    )));
                }
            }
        }
        for l in &self.leagues {
            if let Some(w) = &l.within
                && self.league(w).is_none()
            {
                return Err(invalid(format!("leagues.{}.within: no such league `{w}`", l.code)));
            }
        }
        if self.ethnic_groups.len() != 56 {
            return Err(invalid(format!("ethnic_groups: expected 56, found {}", self.ethnic_groups.len())));
        }
        Ok(())
    }

    fn validate_privacy(&self) -> Result<(), ProgrammeError> {
        if self.privacy.keep_until.is_some() && self.keep_until().is_none() {
            return Err(invalid("privacy.keep_until: expected a date YYYY-MM-DD"));
        }
        if self.privacy.erase_unfinished_after_days == 0 {
            return Err(invalid("privacy.erase_unfinished_after_days: at least 1"));
        }
        crate::fields::check_privacy(&self.privacy).map_err(invalid)?;
        Ok(())
    }
}
