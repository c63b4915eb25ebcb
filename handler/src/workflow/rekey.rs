//! `tepei rekey`: every record of a round whose 身份证号 or phone is not sealed under the current
//! data key (an older key, or plain text from before sealing) is opened and sealed again, its
//! version hash kept (computed first for a record from before sealing). No event is written and
//! the version does not change: the content is the same.

use crate::personal;
use crate::workflow::Context;
use crate::workflow::Error;

/// What a rekey did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rekeyed {
    /// Records of the round.
    pub records: usize,
    /// Sealed again under the current key.
    pub resealed: usize,
}

/// Re-seals the records of `round` not sealed under the current data key. A record changed
/// meanwhile is read again and re-sealed as it now stands.
pub async fn rekey(ctx: &Context, round: i32) -> Result<Rekeyed, Error> {
    let keys = &ctx.settings.data_keys;
    let records = ctx.store.list(round, None).await?;
    let mut done = Rekeyed { records: records.len(), ..Rekeyed::default() };
    for listed in records.iter().filter(|r| personal::needs_rekey(keys, r)) {
        let mut record = listed.clone();
        for _ in 0..5 {
            if record.version_hash.is_none() && record.application.id_number.opened().is_some() {
                record.version_hash = Some(super::paper::content_hash(ctx, &record));
            }
            let sealed = personal::rekey(keys, &record)
                .map_err(|e| Error::internal(crate::store::Cause::because(record.reference.clone(), e)))?;
            if ctx.store.reseal(&sealed).await? {
                done.resealed += 1;
                break;
            }
            match ctx.store.get(&record.reference).await? {
                Some(now) if personal::needs_rekey(keys, &now) => record = now,
                _ => break,
            }
        }
    }
    Ok(done)
}
