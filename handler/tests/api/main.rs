//! The handler over real HTTP on loopback: one binary, one module per feature.

mod audience;
mod dashboard;
mod eligibility;
mod headers;
mod helpers;
mod journey;
mod limits;
mod links;
mod machine;
mod print;
mod privacy;
mod reviews;
mod s3_uploads;
mod security;
mod statics;
mod submissions;
mod summary;
mod uploads;
