//! A pack's own test cases (`tests/*.toml` in the pack): records in, expected findings out,
//! so a policy team knows before shipping that a change does what it meant.
//!
//! ```toml
//! [[case]]
//! name = "one cent below list is flagged"
//! rules = ["price.min-list"]        # optional: compare only these rules' findings
//! as_of = "2026-06-30"              # optional
//! expect = [{ rule = "price.min-list", record = "S-1" }]
//! clean = ["S-2"]                   # records that must produce no finding at all
//! rule_errors = 0                   # optional; default 0
//!
//! [[case.records]]                  # or records_file = "cases/x.jsonl"
//! id = "S-1"
//! kind = "sale"
//! date = "2026-03-14"
//! partner = "P-SI-07"
//! lines = [{ sku = "SEAL-200", qty = 1, unit_price = "89.99", currency = "USD", source = "oem" }]
//!
//! [[case.partners]]                 # rows merged over the pack's test data
//! id = "P-NEW"
//! type = "dealer"
//! ```
//!
//! The files: `cases.rs` reads the case files (their wire format and loading); `runner.rs`
//! runs the cases and builds the [`TestReport`].

mod cases;
mod runner;

pub use runner::{
    CaseKind, CaseResult, Expected, ExpectedDetails, FoundFinding, LayerChange, Mismatch, Subject,
    TestReport, run_pack_tests, run_tests,
};

/// The folder of a pack that holds its test cases.
pub const TESTS_DIR: &str = "tests";
