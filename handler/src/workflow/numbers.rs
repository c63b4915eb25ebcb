//! Other applications of the same 身份证号 in the round. Any number of applications may carry
//! one number (nothing refuses or tells the submitter); reviewers see the others on every page
//! and table, and the store lets one number hold only one quota place.

use crate::store::Record;
use crate::views::{SameNumber, SameNumbers};
use crate::workflow::{Context, Error};

/// The keyed hash a 身份证号 is stored and found by in this round (the number itself never is).
pub fn number_hash(ctx: &Context, id_number: &policy::IdNumber) -> String {
    policy::keyed_hash(&ctx.settings.secret, &["id", &ctx.programme.round.to_string(), id_number.expose()])
}

/// The other applications of each of `records`' numbers. `whole_round`: `records` are every
/// application of the round (the centre's list), so nothing more is read.
pub async fn same_numbers(ctx: &Context, records: &[Record], whole_round: bool) -> Result<SameNumbers, Error> {
    let p = &ctx.programme;
    if whole_round {
        return Ok(SameNumbers::within(p, records));
    }
    let hashes: Vec<String> = records.iter().map(|r| r.id_hash.clone()).collect();
    let uses = ctx.store.shared_numbers(p.round, &hashes).await?;
    Ok(SameNumbers::of(p, crate::views::number_keys(records), &uses))
}

/// The other applications of `record`'s number as the reviewer of `stage` may see them: none for
/// a reviewer whose address the applicant chose (the unit's page would tell the applicant
/// whether the number applied elsewhere), all confirmed ones for the others.
pub async fn seen_by(ctx: &Context, stage: policy::Actor, record: &Record) -> Result<Vec<SameNumber>, Error> {
    if stage.address_chosen_by_applicant() {
        return Ok(Vec::new());
    }
    let same = same_numbers(ctx, std::slice::from_ref(record), false).await?;
    Ok(same.get(&record.reference).to_vec())
}
