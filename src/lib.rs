mod date;
mod diag;
mod engine;
mod finding;
mod money;
mod pack;
mod record;
mod refdata;
mod report;

pub use date::{Date, DateError};
pub use diag::{Diagnostic, LoadError, Location};
pub use engine::{Engine, Outcome, Session};
pub use finding::{Finding, RuleError};
pub use pack::{Check, Pack, Rule, Selector, Severity};
pub use record::{Batch, Document, InputError, Kind, Line, Record, Rejected, read_batch};
pub use refdata::{CatalogItem, InstalledBase, Partner, PartnerType, PriceRow, RefData};
pub use report::{Report, Summary};
pub use rust_decimal::Decimal;
