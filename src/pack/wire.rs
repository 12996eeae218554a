//! The rule pack as written: plain serde structs that mirror the TOML files. Unknown keys
//! are errors (`deny_unknown_fields`); meaning is checked later, in `load.rs`.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `pack.toml`, the manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Manifest {
    pub name: Spanned<String>,
    pub version: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// Overrides of the script limits; see `Limits`.
    pub limits: Option<Spanned<crate::limits::Limits>>,
    /// How the pack's own test cases run.
    pub tests: Option<Tests>,
}

/// `[tests]` in the manifest.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Tests {
    /// The reference data folder the test cases start from, relative to the pack.
    pub data: Option<String>,
}

/// One `[[rule]]` table, less its `params` (read apart, once the check kind is known, so a
/// mistake in the params and one in the rule are both reported).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    pub id: Spanned<String>,
    pub title: Spanned<String>,
    #[serde(default)]
    pub description: String,
    pub severity: Spanned<String>,
    pub check: Spanned<String>,
    #[serde(default)]
    pub select: Selector,
}

/// `[rule.select]`: which records a rule looks at. An empty list selects everything.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Selector {
    #[serde(default)]
    pub kinds: Vec<Spanned<String>>,
    #[serde(default)]
    pub partner_types: Vec<Spanned<String>>,
    #[serde(default)]
    pub regions: Vec<String>,
}

/// Params of `min-list-price`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MinListPrice {
    /// Per partner type, the fraction below list price it may sell at (`"0.05"` is 5%).
    pub allowed_discount: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Params of `pipeline-cadence`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PipelineCadence {
    pub max_gap_days: Spanned<i64>,
    pub update_kind: String,
}

/// Params of `registered-before-sale`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegisteredBeforeSale {
    pub lead_days: Spanned<i64>,
    pub update_kind: String,
}

/// Params of `required-documents`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequiredDocuments {
    pub require: Vec<Requirement>,
}

/// One `[[rule.params.require]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Requirement {
    pub record_kind: Spanned<String>,
    pub document: String,
    pub signed: bool,
}

/// Params of `agreement-on-file`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgreementOnFile {
    pub agreement_kind: String,
    pub document: String,
    pub signed: bool,
}

/// Params of a check kind that takes none.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NoParams {}

/// Params of `condition`: an inline Rhai expression and message templates.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Condition {
    /// A Rhai expression over `record` (and `line`, `index` with `each_line`); true means a
    /// finding.
    pub when: Spanned<String>,
    /// The finding's message, with `${expression}` placeholders.
    pub message: Spanned<String>,
    pub expected: Option<Spanned<String>>,
    pub actual: Option<Spanned<String>>,
    /// Judge each line of the record on its own.
    #[serde(default)]
    pub each_line: bool,
}

/// Params of `peer-outlier`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PeerOutlier {
    pub currency: Spanned<String>,
    #[serde(default)]
    pub source: Option<String>,
    pub peers: Vec<Spanned<String>>,
    pub direction: Spanned<String>,
    /// A decimal in quotes, such as `"3.5"`.
    pub threshold: Spanned<String>,
    pub min_group: Spanned<i64>,
}

/// Params of `script`: a `.rhai` file in the pack.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Script {
    /// Path relative to the pack folder, such as `scripts/partner_active.rhai`.
    pub file: Spanned<String>,
}
