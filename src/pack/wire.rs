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
    /// The base pack this one layers over: a folder, relative to this pack's.
    pub extends: Option<Spanned<String>>,
    /// The ISO 4217 code amounts are converted to for analytics (`fx_rates.csv`).
    pub report_currency: Option<Spanned<String>>,
    /// `[jurisdictions]`: the resale-price profile of each jurisdiction, `"enforce"` or
    /// `"monitor"`.
    pub jurisdictions: Option<BTreeMap<String, Spanned<String>>>,
}

/// One `[override."rule.id"]` table of a layered pack's manifest, less its `params` (read
/// by the base rule's check kind).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Override {
    pub severity: Option<Spanned<String>>,
    pub select: Option<Selector>,
    #[serde(default)]
    pub disable: bool,
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

// The params of each check kind are read by the kind's module in `crate::checks`.
