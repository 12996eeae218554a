#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
//! pactum checks the transactions of an OEM's distribution chain against its policy for
//! channel partners: resale below list price, non-genuine parts, pipelines never reported,
//! service orders without signed paperwork, handshake deals nobody wrote down.
//!
//! ```
//! use pactum::{Engine, Pack, RefData, Record};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let root = env!("CARGO_MANIFEST_DIR");
//! let pack = Pack::load(format!("{root}/rules"))?;
//! let data = RefData::load(format!("{root}/examples/data"))?;
//! let engine = Engine::new(pack, data)?;
//!
//! let record = Record::from_json(serde_json::json!({
//!     "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-SI-07",
//!     "lines": [{"sku": "SEAL-200", "qty": 4, "unit_price": "81.00", "currency": "USD", "source": "oem"}],
//!     "documents": [{"kind": "purchase_order"}]
//! }))?;
//! for finding in engine.check(&record).findings {
//!     println!("{} {}: {}", finding.severity, finding.rule, finding.message);
//!     // error price.min-list: sold SEAL-200 at 81.00 USD, 10% below the list price of
//!     // 90.00 USD in force on 2026-03-14
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Overview
//!
//! - A [`Pack`] is a folder of TOML rule files, loaded and validated up front.
//! - [`RefData`] is the OEM's reference data: price list, catalog, approved sources,
//!   partners and installed base, loaded from CSV.
//! - An [`Engine`] binds the two. It is immutable and `Send + Sync`: build it once.
//!   [`Engine::check`] judges one record against the stateless rules;
//!   [`Engine::session`] and [`Engine::run`] judge a batch, including the rules that need
//!   more than one record (pipeline cadence, registered-before-sale, agreement on file).
//! - A [`Report`] holds the [`Finding`]s, the [`Rejected`] records and the [`RuleError`]s,
//!   and renders itself as text or JSON.
//!
//! # Untrusted input
//!
//! Records, reference data and packs are all input: none of them can make the library
//! panic. A record that cannot be read is rejected with its line and reason and the batch
//! goes on (`read = checked + rejected`); money is `rust_decimal::Decimal`, read from its
//! text and never through a float.
//!
//! # Error reporting
//!
//! Loading a pack or reference data returns a [`LoadError`] listing every problem found,
//! each a [`Diagnostic`] with file, line and column and, for near-miss keys, a "did you mean"
//! hint. The CLI renders them with their source lines.

mod checks;
mod currency;
mod date;
mod diag;
mod digest;
mod engine;
mod finding;
pub mod gate;
mod hash;
mod limits;
mod money;
mod outcome;
pub mod pack;
mod record;
pub mod refdata;
mod report;
mod run;
mod script;
mod stats;
pub mod testing;
pub mod text;

pub use checks::price_floor;
pub use compact_str::CompactString;
pub use currency::{Currency, CurrencyError};
pub use date::{Date, DateError};
pub use diag::{Diagnostic, LoadError, Location, codes};
pub use engine::{Engine, Session, StreamError};
pub use finding::{Finding, RuleError, RuleErrorKind, Text};
pub use gate::{Decision, EngineHandle, Gate, GateService};
pub use limits::Limits;
pub use money::{DecimalError, Price, Qty};
pub use outcome::{Outcome, Verdict};
pub use pack::{Pack, Rule, Severity};
pub use record::{
    Batch, Document, InputError, Kind, Line, ReadOptions, Record, RecordBuilder, RecordError,
    RecordErrorKind, Rejected, read_batch,
};
pub use refdata::{Partner, PartnerType, RefData};
pub use report::{Report, Summary};
pub use rust_decimal::Decimal;

/// What the aggregate (peer) rules measured: per partner, per peer group and per region,
/// and the partners they could not measure. [`Outcome::analytics`] and the [`Report`]'s
/// scorecard hold these.
pub mod analytics {
    pub use crate::outcome::{
        Analytics, ClaimMoney, LeftOut, Measure, PartnerScore, PeerGroup, PipelineTimeline,
        PriceProfile, UnmatchedCreditNote,
    };
    pub use crate::report::{Metric, PartnerCard, RegionRow};
}

/// Why a rule judged a record the way it did: [`Engine::explain`] gives an
/// [`explain::Explanation`], rendered from the same decision the finding came from.
pub mod explain {
    pub use crate::checks::Step;
    pub use crate::engine::{ExplainError, Explanation};
}

/// The README's examples run as doc tests, so the README cannot drift from the code.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
