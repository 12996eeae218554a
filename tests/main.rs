//! The integration tests of pactum: the shipped standard pack (`rules/`) judged against
//! reference data built in each test, so every boundary is explicit, plus the batch reader,
//! the report and the `pactum` command line.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod analytics;
mod bad_input;
mod batch;
mod claims;
mod common;
mod docs;
mod fuzz_regressions;
mod gate;
mod host_serde;
mod hostile_packs;
mod hostile_records;
mod hostile_scripts;
mod layers;
mod native_policies;
mod pack_cases;
mod partner;
mod parts;
mod pipeline;
mod policy_params;
mod price;
mod properties;
mod reload;
mod report;
mod scripts;
