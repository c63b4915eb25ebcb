//! Erasure: the one path every erasure goes through (删除我的申报, the centre's, the purge), and
//! the deletion of what holds the person outside the record (files, mail and the mailer's
//! copies), marked on the erased record until it is done so that a later purge finishes it.

use crate::store::{Event, Record};
use crate::workflow::Context;
use crate::workflow::Error;

/// Erases `record` and its `events` at `at` (RFC 3339), then everything else that holds the
/// person ([`finish`]) and every exported 汇总表 ([`clear_exports`]); `false` when the record
/// changed meanwhile (nothing done).
pub async fn erase(ctx: &Context, record: &Record, events: &[Event], at: &str) -> Result<bool, Error> {
    let erased = erase_record(ctx, record, events, at).await?;
    if erased {
        clear_exports(ctx).await;
    }
    Ok(erased)
}

/// Deletes every exported 汇总表 (`exports/`: an export lists people's phones, and one made before
/// an erasure holds the person); a failure is logged with the alarm (the bucket's lifecycle
/// empties the folder within a day).
pub async fn clear_exports(ctx: &Context) {
    let Some(blobs) = ctx.blobs.as_ref() else { return };
    match blobs.delete_exports().await {
        Ok(0) => {}
        Ok(n) => tracing::info!(exports = n, "exported summaries deleted after an erasure"),
        Err(e) => tracing::error!(
            alarm = crate::alarm::ERASURE_UNFINISHED,
            cause = %crate::Chain(&e),
            "exported summaries not deleted after an erasure; the bucket's lifecycle removes them within a day"
        ),
    }
}

/// [`erase`] without clearing the exports (the purge clears them once a page).
pub async fn erase_record(ctx: &Context, record: &Record, events: &[Event], at: &str) -> Result<bool, Error> {
    let (mut erased, erased_events) = crate::personal::erase(&ctx.programme, record, events, at);
    // Records from before files were copied under `records/` name their uploads: the erased
    // record keeps those keys (no personal data) until they are deleted.
    let uploads = record.attachments.iter().filter(|f| f.key.starts_with("uploads/")).map(|f| f.key.clone());
    erased.to_forget = Some(uploads.collect());
    if !ctx.store.erase(&erased, &erased_events).await? {
        return Ok(false);
    }
    // The erasure stands whatever follows: what is left stays marked for the purge.
    if let Err(e) = finish(ctx, &erased).await {
        tracing::error!(reference = %erased.reference, cause = %crate::Chain(&e), "erasure's mark not cleared");
    }
    Ok(true)
}

/// Deletes what an erased record's mark ([`Record::to_forget`]) says is left, then clears the
/// mark; `true` when nothing is left. A failure is logged with the alarm and leaves the mark, so
/// every later purge run tries again: the erasure itself stands. An error only when the store
/// cannot clear the mark.
pub async fn finish(ctx: &Context, erased: &Record) -> Result<bool, Error> {
    let Some(keys) = erased.to_forget.as_ref() else { return Ok(true) };
    let reference = &erased.reference;
    let deleted = async {
        if let Some(blobs) = ctx.blobs.as_ref() {
            for key in keys {
                blobs.delete(key).await.map_err(Error::unavailable)?;
            }
        }
        forget(ctx, reference).await
    };
    if let Err(e) = deleted.await {
        tracing::error!(
            %reference,
            alarm = crate::alarm::ERASURE_UNFINISHED,
            cause = %crate::Chain(&e),
            "record erased; its files or mail copies are left for the next purge"
        );
        return Ok(false);
    }
    let done = Record { to_forget: None, ..erased.clone() };
    // `false`: another run cleared it first.
    ctx.store.reseal(&done).await?;
    tracing::info!(%reference, "personal data erased");
    Ok(true)
}

/// What [`forget`] deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Forgotten {
    /// Mails (with their `.eml` copies), a 汇总表 naming the person among them.
    pub mails: usize,
    /// Files under `records/{reference}/` and the uploads they were copied from.
    pub files: usize,
}

/// Deletes what holds an erased application's person outside its record: every stored mail that
/// names it (queued mail is sent first, so a withdrawal's notice still reaches the reviewers; a
/// 汇总表 that listed the person goes whole) and the mailer's copies of them, every file under
/// `records/{reference}/` (those a resubmission replaced too) and the uploads they were copied
/// from. Repeatable: a purge runs it again while the record's mark says it is not done.
pub async fn forget(ctx: &Context, reference: &str) -> Result<Forgotten, Error> {
    // The files first: nothing about mail delivery may keep them.
    let files = forget_files(ctx, reference).await?;
    let held = ctx.store.mail_of(reference).await?;
    let pending: Vec<&str> = held.iter().filter(|m| m.pending).map(|m| m.id.as_str()).collect();
    if !pending.is_empty() {
        ctx.send_now(&pending).await;
    }
    let ids: Vec<String> = held.into_iter().map(|m| m.id).collect();
    ctx.store.delete_mail(reference, &ids).await?;
    ctx.forget_mail(&ids).await.map_err(|e| Error::internal(crate::store::Cause::because(reference.to_owned(), e)))?;
    if !ids.is_empty() || files > 0 {
        tracing::info!(%reference, mails = ids.len(), files, "mail and files of an erased record deleted");
    }
    Ok(Forgotten { mails: ids.len(), files })
}

/// Every file under `records/{reference}/` and the uploads they were copied from; how many.
async fn forget_files(ctx: &Context, reference: &str) -> Result<usize, Error> {
    let mut files = 0;
    if let Some(blobs) = ctx.blobs.as_ref() {
        let keys = blobs.delete_record_files(reference).await.map_err(Error::unavailable)?;
        for key in &keys {
            // The upload a file was copied from, if the hourly sweep has not taken it yet.
            let id = key.rsplit('/').next().unwrap_or_default();
            blobs.delete(&format!("uploads/{id}")).await.map_err(Error::unavailable)?;
        }
        files = keys.len();
    }
    Ok(files)
}
