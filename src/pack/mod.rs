//! Rule packs: a folder with a manifest (`pack.toml`) and rule files (`*.toml`), loaded and
//! validated into [`Rule`]s with compiled checks.

mod load;

pub(crate) use load::{FileLoader, unknown_key_hint};
mod wire;

pub use crate::checks::{
    AgreementOnFile, Check, Direction, Discount, GenuineParts, ListPriceExists, MinListPrice,
    PeerKey, PeerOutlier, PipelineCadence, RegisteredBeforeSale, RequiredDocuments, Requirement,
};
pub use crate::script::{Condition, Script};

use crate::diag::Location;
use crate::limits::Limits;
use crate::record::Kind;
use crate::refdata::PartnerType;
use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Worth a look.
    Warning,
    /// Against policy.
    Error,
}

impl Severity {
    /// The name used in rule files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// The severity named `name`.
    pub fn from_name(name: &str) -> Option<Severity> {
        match name {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Which records a rule looks at. An empty list matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Selector {
    /// Record kinds.
    pub kinds: Vec<Kind>,
    /// Partner types; a record whose partner is unknown matches only an empty list.
    pub partner_types: Vec<PartnerType>,
    /// Regions (the record's, or else its partner's).
    pub regions: Vec<String>,
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rule {
    /// Unique id such as `price.min-list`.
    pub id: String,
    /// A short title for reports.
    pub title: String,
    /// A longer explanation, may be empty.
    pub description: String,
    /// How serious its findings are.
    pub severity: Severity,
    /// Which records it looks at.
    pub select: Selector,
    /// What it checks.
    pub check: Check,
    /// Where it is defined.
    pub location: Location,
}

/// A loaded, validated rule pack.
#[derive(Debug, Clone)]
pub struct Pack {
    name: String,
    version: String,
    description: String,
    dir: PathBuf,
    rules: Vec<Rule>,
    limits: Limits,
    test_data: Option<PathBuf>,
    /// SHA-256 over the files it was loaded from (see [`Pack::hash`]).
    hash: String,
}

impl Pack {
    /// The SHA-256 of the files the pack was loaded from (manifest, rule files, scripts):
    /// their paths relative to the pack's root and their text, in path order, as
    /// `sha256:<hex>`. Any edit of any of them changes it; the same files give the same
    /// hash on every machine and from a folder or from memory.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The pack's name, from its manifest.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pack's version, from its manifest.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// What the pack is for.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The folder it was loaded from.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The reference data folder the pack's test cases start from (`[tests] data` in the
    /// manifest), if any.
    pub fn test_data(&self) -> Option<&Path> {
        self.test_data.as_deref()
    }

    /// The script limits, from the manifest's `[limits]` or the defaults.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Its rules, in file order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Keeps only the rules `keep` accepts: to run part of a pack (one rule while writing
    /// it, the built-in rules alone in a bench).
    pub fn retain_rules(&mut self, keep: impl FnMut(&Rule) -> bool) {
        self.rules.retain(keep);
    }
}
