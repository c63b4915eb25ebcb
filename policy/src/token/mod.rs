//! Signed links: HMAC-SHA256 over purpose, reference, stage, version, expiry and key id.
//!
//! A token reads `purpose.reference.stage.version.expires.kid.mac`, or with a fourth field
//! `purpose.reference.stage.extra.version.expires.kid.mac`, every part URL-safe. Each
//! purpose has its own claims type ([`StatusClaims`], [`ConfirmClaims`], [`ReviewClaims`],
//! [`DashboardClaims`], [`UploadClaims`]) that says what its fields mean; [`Wire`] is only their encoding. The clock
//! and the keys are passed in; nothing here reads the time or the environment.

mod claims;
mod signer;
mod wire;

pub use claims::{ConfirmClaims, DashboardClaims, IssuedTo, ReviewClaims, StatusClaims, UploadClaims};
pub use signer::{Signer, TokenError, keyed_hash, keyed_hash_starts_with};
pub use wire::{LinkClaims, Purpose, Wire};

#[cfg(test)]
mod tests;
