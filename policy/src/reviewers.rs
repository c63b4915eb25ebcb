//! `config/reviewers.toml`: who reviews after the employer unit, and the centre's address.

use crate::contact::Email;
use crate::programme::Programme;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The reviewers shipped with this build.
pub const REVIEWERS_TOML: &str = include_str!("../../config/reviewers.toml");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    centre: String,
    #[serde(default)]
    leagues: BTreeMap<String, String>,
    #[serde(default)]
    departments: BTreeMap<String, String>,
}

/// Checked reviewer addresses.
#[derive(Clone, Debug)]
pub struct Reviewers {
    centre: Email,
    leagues: BTreeMap<String, Email>,
    departments: BTreeMap<String, Email>,
}

/// Why the file was refused; every gap is listed.
#[derive(Debug, thiserror::Error)]
#[error("config/reviewers.toml: {}", problems.join("; "))]
pub struct ReviewersError {
    /// One line per problem, naming the league, department or key.
    pub problems: Vec<String>,
}

impl Reviewers {
    /// Parses the file and checks it covers every league and department of the programme.
    pub fn parse(text: &str, p: &Programme) -> Result<Self, ReviewersError> {
        let file: File = toml::from_str(text).map_err(|e| ReviewersError { problems: vec![e.to_string()] })?;
        let mut problems = Vec::new();
        let mut email = |what: &str, text: &str| match Email::parse(text) {
            Ok(e) => Some(e),
            Err(e) => {
                problems.push(format!("{what}: `{text}`: {e}"));
                None
            }
        };
        let centre = email("centre", &file.centre);
        let leagues: BTreeMap<String, Email> = file
            .leagues
            .iter()
            .filter_map(|(k, v)| email(&format!("leagues.{k}"), v).map(|e| (k.clone(), e)))
            .collect();
        let departments: BTreeMap<String, Email> = file
            .departments
            .iter()
            .filter_map(|(k, v)| email(&format!("departments.{k}"), v).map(|e| (k.clone(), e)))
            .collect();
        for l in &p.leagues {
            if !file.leagues.contains_key(&l.code) {
                problems.push(format!("no reviewer for league {} ({})", l.code, l.name));
            }
        }
        for code in file.leagues.keys() {
            if p.league(code).is_none() {
                problems.push(format!("leagues.{code}: no such league in programme.toml"));
            }
        }
        for d in &p.departments.names {
            if !file.departments.contains_key(d) {
                problems.push(format!("no reviewer for department {d}"));
            }
        }
        match (centre, problems.is_empty()) {
            (Some(centre), true) => Ok(Self { centre, leagues, departments }),
            _ => Err(ReviewersError { problems }),
        }
    }

    /// The reviewers shipped with this build, checked against `p`.
    pub fn embedded(p: &Programme) -> Result<Self, ReviewersError> {
        Self::parse(REVIEWERS_TOML, p)
    }

    /// The centre's address.
    pub fn centre(&self) -> &Email {
        &self.centre
    }

    /// The HR reviewer for a scope: a league code or a department name.
    pub fn hr(&self, scope: &str) -> Option<&Email> {
        self.leagues.get(scope).or_else(|| self.departments.get(scope))
    }

    /// Every HR scope with its address (for the dashboard link request).
    pub fn scopes(&self) -> impl Iterator<Item = (&str, &Email)> {
        self.leagues.iter().chain(self.departments.iter()).map(|(k, v)| (k.as_str(), v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_file_covers_everyone() {
        let p = Programme::embedded().expect("programme");
        let r = Reviewers::embedded(&p).expect("reviewers");
        assert_eq!(r.hr("hohhot").map(Email::as_str), Some("hr-hohhot@example.gov.cn"));
        assert_eq!(r.hr("内蒙古大学").map(Email::as_str), Some("hr-dept6@example.gov.cn"));
        assert_eq!(r.centre().as_str(), "centre@example.gov.cn");
        assert_eq!(r.scopes().count(), 24);
    }

    #[test]
    fn gaps_are_named() {
        let p = Programme::embedded().expect("programme");
        let text = REVIEWERS_TOML
            .replace("baotou = \"hr-baotou@example.gov.cn\"  # 包头市\n", "")
            .replace("\"内蒙古大学\" = \"hr-dept6@example.gov.cn\"\n", "");
        let err = Reviewers::parse(&text, &p).expect_err("gaps").to_string();
        assert!(err.contains("no reviewer for league baotou (包头市)"), "{err}");
        assert!(err.contains("no reviewer for department 内蒙古大学"), "{err}");
        let text = REVIEWERS_TOML.replace("hr-wuhai@example.gov.cn", "not-an-address");
        assert!(Reviewers::parse(&text, &p).expect_err("bad").to_string().contains("leagues.wuhai"));
        let text = REVIEWERS_TOML.replace("centre = ", "centr = ");
        assert!(Reviewers::parse(&text, &p).expect_err("unknown").to_string().contains("centr"));
    }
}
