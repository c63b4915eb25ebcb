//! The handler's integration suite: one binary, one module per feature. The Router over real
//! HTTP on loopback, the store contract on both stores (`store`), mail through a real SMTP server
//! (`smtp`) and the Lambda's events and package (`lambda`). The logs of a journey are checked in
//! their own binary (`handler/tests/logs`): it installs the process's tracing subscriber.

mod address;
mod audience;
mod carried;
mod dashboard;
mod drafts;
mod eligibility;
mod erasure;
mod headers;
mod helpers;
mod journey;
mod lambda;
mod limits;
mod links;
mod machine;
mod numbers;
mod paper;
mod print;
mod privacy;
mod purge;
mod reviews;
mod s3_uploads;
mod security;
mod smtp;
mod standing;
mod statics;
mod store;
mod store_pages;
mod submissions;
mod summary;
mod uploads;
