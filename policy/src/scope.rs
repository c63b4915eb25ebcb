//! Who reviews an application after its unit, and which quota counter a recommendation takes.

use crate::application::Application;
use crate::programme::{Level, Programme, Stream};
use std::fmt;

/// The HR reviewer of an application: its league/city, or the 厅局（高校） of a 区直 unit.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HrScope {
    /// A league or city, by code.
    League(String),
    /// A 区直 department or university, by name.
    Department(String),
}

impl HrScope {
    /// The key stores and config use: the league code or the department name.
    pub fn key(&self) -> &str {
        match self {
            HrScope::League(code) => code,
            HrScope::Department(name) => name,
        }
    }

    /// The scope a stored key names in this programme (a league code, else a department).
    pub fn from_key(key: &str, p: &Programme) -> Self {
        match p.leagues.iter().find(|l| l.code == key) {
            Some(l) => HrScope::League(l.code.clone()),
            None => HrScope::Department(key.to_owned()),
        }
    }

    /// The id links carry for it (URL-safe): `l-{league}`, or `d-` and a digest of the
    /// department's name (names are Chinese; tokens are ASCII).
    pub fn link_id(&self) -> String {
        use sha2::{Digest, Sha256};
        match self {
            HrScope::League(code) => format!("l-{code}"),
            HrScope::Department(name) => format!("d-{}", hex::encode(&Sha256::digest(name.as_bytes())[..6])),
        }
    }

    /// Its name in Chinese: the league's, or the department's.
    pub fn name(&self, p: &Programme) -> String {
        match self {
            HrScope::League(code) => p.league(code).map(|l| l.name.clone()).unwrap_or_else(|| code.clone()),
            HrScope::Department(name) => name.clone(),
        }
    }

    /// The reviewing body in words: `呼和浩特市人力资源社会保障部门`, or the department.
    pub fn reviewer_name(&self, p: &Programme) -> String {
        match self {
            HrScope::League(code) if code.is_empty() => "盟市人力资源社会保障部门".to_owned(),
            HrScope::League(_) => format!("{}人力资源社会保障部门", self.name(p)),
            HrScope::Department(name) => name.clone(),
        }
    }

    /// Where the stamped paper 申报表 goes, in words. The notice sends it to "本级人力资源社会保障
    /// 部门或厅局（高校）" (六(一)3): for a league the site reads 本级 as the league's bureau, and
    /// says that this is its reading.
    pub fn paper_to(&self, p: &Programme) -> String {
        match self {
            HrScope::League(_) => format!("{}{PAPER_TO_LEAGUE}", self.reviewer_name(p)),
            HrScope::Department(name) => name.clone(),
        }
    }
}

/// The site's reading of the notice's "本级人力资源社会保障部门", beside the league's bureau.
pub const PAPER_TO_LEAGUE: &str = "（通知所称“本级人力资源社会保障部门”，本站理解为所在盟市的：本站口径，以审核为准）";

/// The counter a recommendation takes a place from: a stream's total, or one league's (or 区直
/// department's) share of it where 附件1 gives one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct QuotaKey {
    stream: String,
    league: Option<String>,
}

impl QuotaKey {
    /// The stream's total.
    pub fn stream(stream: &Stream) -> Self {
        Self { stream: stream.key(), league: None }
    }

    /// One league's or department's share of a stream (附件1), by the HR scope's key.
    pub fn league(stream: &Stream, league: &str) -> Self {
        Self { stream: stream.key(), league: Some(league.to_owned()) }
    }

    /// Whether this is a league's share rather than the stream's total.
    pub fn is_league_share(&self) -> bool {
        self.league.is_some()
    }

    /// How pages name the counter.
    pub fn label(&self) -> &'static str {
        if self.is_league_share() {
            "本盟市（厅局）名额（附件1）"
        } else {
            "本项目总名额；附件1未载入，未分配到盟市（厅局）"
        }
    }
}

/// The stored key: `region-out`, or `region-out-hohhot` for a league's share.
impl fmt::Display for QuotaKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.league {
            Some(league) => write!(f, "{}-{league}", self.stream),
            None => f.write_str(&self.stream),
        }
    }
}

/// A quota counter and its cap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaSlot {
    /// The counter.
    pub key: QuotaKey,
    /// Places available under it.
    pub cap: u32,
}

impl Programme {
    /// The counter `stream` uses for the HR scope `league` (a league code or a department name):
    /// its share from 附件1 where loaded, else the stream's total.
    pub fn quota_slot(&self, stream: &Stream, league: Option<&str>) -> QuotaSlot {
        match league.and_then(|l| self.league_cap(stream, l).map(|cap| (l, cap))) {
            Some((league, cap)) => QuotaSlot { key: QuotaKey::league(stream, league), cap },
            None => QuotaSlot { key: QuotaKey::stream(stream), cap: stream.quota },
        }
    }

    /// The counter a recommendation of `a` takes a place from (`None` if its stream is unknown).
    pub fn quota_for(&self, a: &Application) -> Option<QuotaSlot> {
        let stream = self.stream(&a.programme, a.track)?;
        let scope = a.hr_scope();
        Some(self.quota_slot(stream, Some(scope.key()).filter(|k| !k.is_empty())))
    }

    /// The name of a level code in `levels` (education or title), or the code itself.
    pub fn level_name(levels: &[Level], code: &str) -> String {
        levels.iter().find(|l| l.code == code).map(|l| l.name.clone()).unwrap_or_else(|| code.to_owned())
    }

    /// The position of a level code in `levels` (for sorting), 0 if unknown.
    pub fn level_rank(levels: &[Level], code: &str) -> usize {
        levels.iter().position(|l| l.code == code).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_read_as_stored() {
        let p = Programme::embedded().expect("programme");
        let stream = &p.streams[1];
        assert_eq!(QuotaKey::stream(stream).to_string(), "region-out");
        assert_eq!(QuotaKey::league(stream, "hohhot").to_string(), "region-out-hohhot");
        assert!(!p.quota_slot(stream, Some("hohhot")).key.is_league_share(), "附件1 is not published");
        assert_eq!(HrScope::from_key("hohhot", &p), HrScope::League("hohhot".into()));
        assert_eq!(HrScope::from_key("内蒙古大学", &p), HrScope::Department("内蒙古大学".into()));
        assert_eq!(HrScope::League("hohhot".into()).reviewer_name(&p), "呼和浩特市人力资源社会保障部门");
    }
}
