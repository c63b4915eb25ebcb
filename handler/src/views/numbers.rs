//! The other applications of a 身份证号 in the round, as reviewers see them (never the
//! applicant): reference, status and stream, nothing personal.

use crate::store::{NumberUse, Record};
use policy::{Programme, Status};
use serde::Serialize;
use std::collections::HashMap;

/// Each record's reference and number hash, as [`SameNumbers::of`] takes them.
pub fn keys(records: &[Record]) -> impl Iterator<Item = (&str, &str)> {
    records.iter().map(|r| (r.reference.as_str(), r.id_hash.as_str()))
}

/// Another application of the same 身份证号.
#[derive(Serialize, Clone, Debug, PartialEq, Eq)]
pub struct SameNumber {
    /// Its reference.
    pub reference: String,
    /// Its status, in Chinese.
    pub status: &'static str,
    /// Whether it holds a quota place.
    pub holds_place: bool,
    /// Its stream's name.
    pub stream: String,
}

impl SameNumber {
    /// `TP2025-ABC123（已推荐）`: as a table cell shows it (the review page adds the stream).
    pub fn text(&self) -> String {
        format!("{}（{}）", self.reference, self.status)
    }
}

/// For each application shown, the other applications of its number: those confirmed (an
/// unconfirmed one is nobody's yet), erased ones never.
#[derive(Default, Debug)]
pub struct SameNumbers(HashMap<String, Vec<SameNumber>>);

impl SameNumbers {
    /// The others of each of `shown` (reference and number hash), out of `uses` (every
    /// application of their numbers that another carries too, as
    /// [`crate::store::Applications::shared_numbers`] finds them).
    pub fn of<'a>(p: &Programme, shown: impl IntoIterator<Item = (&'a str, &'a str)>, uses: &[NumberUse]) -> Self {
        let mut by_number: HashMap<&str, Vec<&NumberUse>> = HashMap::new();
        for u in uses.iter().filter(|u| u.status != Status::Unconfirmed) {
            by_number.entry(u.id_hash.as_str()).or_default().push(u);
        }
        let stream_name = |key: &str| {
            p.streams.iter().find(|s| s.key() == key).map(|s| s.name.clone()).unwrap_or_else(|| key.to_owned())
        };
        let mut out = HashMap::new();
        for (reference, id_hash) in shown {
            let others: Vec<SameNumber> = by_number
                .get(id_hash)
                .into_iter()
                .flatten()
                .filter(|u| u.reference != reference)
                .map(|u| SameNumber {
                    reference: u.reference.clone(),
                    status: u.status.label(),
                    holds_place: u.status.holds_place(),
                    stream: stream_name(&u.stream),
                })
                .collect();
            if !others.is_empty() {
                out.insert(reference.to_owned(), others);
            }
        }
        Self(out)
    }

    /// The others of each of `records`, when they are every application of the round.
    pub fn within(p: &Programme, records: &[Record]) -> Self {
        let uses: Vec<NumberUse> = records
            .iter()
            .map(|r| NumberUse {
                id_hash: r.id_hash.clone(),
                reference: r.reference.clone(),
                status: r.status,
                stream: r.stream(),
            })
            .collect();
        Self::of(p, keys(records), &uses)
    }

    /// The others of `reference`.
    pub fn get(&self, reference: &str) -> &[SameNumber] {
        self.0.get(reference).map(Vec::as_slice).unwrap_or_default()
    }

    /// The others of `reference` in one cell of the 汇总表.
    pub fn cell(&self, reference: &str) -> String {
        self.get(reference).iter().map(SameNumber::text).collect::<Vec<_>>().join("；")
    }

    /// Every reference named as another's.
    pub fn named(&self) -> impl Iterator<Item = &str> {
        self.0.values().flatten().map(|s| s.reference.as_str())
    }
}
