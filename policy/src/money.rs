//! Fee arithmetic for the funding page.

use crate::programme::{Programme, Stream};
use serde::Serialize;

/// What one stream costs, per person for the whole training and for the whole quota, in yuan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StreamCost {
    /// Stream key.
    pub key: String,
    /// Stream name.
    pub name: String,
    /// Tuition and lodging for the training period.
    pub tuition_lodging: u64,
    /// Living allowance for the training period.
    pub living_allowance: u64,
    /// Management fee for the training period.
    pub management_fee: u64,
    /// Sum per person.
    pub per_person: u64,
    /// Places.
    pub quota: u32,
    /// `per_person × quota`.
    pub total: u64,
}

impl StreamCost {
    /// The cost of a stream, or `None` where the notice gives no fees for it.
    pub fn of(p: &Programme, s: &Stream) -> Option<Self> {
        let fees = s.fees.as_ref()?;
        let months = u64::from(p.training_months);
        let per_year = |amount: u64| amount * months / 12;
        let tuition_lodging = per_year(fees.tuition_lodging_per_year);
        let living_allowance = fees.living_allowance_per_month * months;
        let management_fee = per_year(fees.management_fee_per_year.unwrap_or(0));
        let per_person = tuition_lodging + living_allowance + management_fee;
        Some(Self {
            key: s.key(),
            name: s.name.clone(),
            tuition_lodging,
            living_allowance,
            management_fee,
            per_person,
            quota: s.quota,
            total: per_person * u64::from(s.quota),
        })
    }

    /// Every stream with fees.
    pub fn all(p: &Programme) -> Vec<Self> {
        p.streams.iter().filter_map(|s| Self::of(p, s)).collect()
    }
}

/// Formats yuan with thousands separators: `2450000` -> `2,450,000`.
pub fn yuan(amount: u64) -> String {
    let digits = amount.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costs_follow_the_notice() {
        let p = Programme::embedded().expect("parses");
        let costs = StreamCost::all(&p);
        assert_eq!(costs.len(), 2, "northeast has no fees in the notice");
        let out = &costs[0];
        assert_eq!((out.tuition_lodging, out.living_allowance, out.management_fee), (36_800, 7_200, 5_000));
        assert_eq!((out.per_person, out.total), (49_000, 2_450_000));
        let inn = &costs[1];
        assert_eq!((inn.tuition_lodging, inn.living_allowance, inn.management_fee), (30_000, 4_800, 0));
        assert_eq!((inn.per_person, inn.total), (34_800, 1_392_000));
    }

    #[test]
    fn yuan_groups_thousands() {
        assert_eq!(yuan(0), "0");
        assert_eq!(yuan(600), "600");
        assert_eq!(yuan(36_800), "36,800");
        assert_eq!(yuan(2_450_000), "2,450,000");
    }
}
