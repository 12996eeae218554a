//! Rule packs: a folder with a manifest (`pack.toml`) and rule files (`*.toml`), loaded and
//! validated into [`Rule`]s with compiled checks.

mod load;

pub(crate) use load::unknown_key_hint;
mod wire;

use crate::diag::Location;
use crate::limits::Limits;
use crate::record::Kind;
use crate::refdata::PartnerType;
use crate::script::{Condition, Script};
use rust_decimal::Decimal;
use std::fmt;
use std::path::{Path, PathBuf};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
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
pub struct Selector {
    /// Record kinds.
    pub kinds: Vec<Kind>,
    /// Partner types; a record whose partner is unknown matches only an empty list.
    pub partner_types: Vec<PartnerType>,
    /// Regions (the record's, or else its partner's).
    pub regions: Vec<String>,
}

/// What a rule checks, with its parameters resolved and validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// `min-list-price`: each line's unit price is at least the list price in force less the
    /// partner type's allowed discount.
    MinListPrice {
        /// Allowed discount per partner type, as a fraction (0.05 = 5%); a type not listed may
        /// give no discount.
        allowed_discount: Vec<(PartnerType, Decimal)>,
    },
    /// `list-price-exists`: each line's sku has a list price in its currency on the date.
    ListPriceExists,
    /// `genuine-parts`: each line's sku is a genuine catalog part from an approved source.
    GenuineParts,
    /// `pipeline-cadence`: each selected partner files an update at least every
    /// `max_gap_days` days.
    PipelineCadence {
        /// Longest allowed gap, in days.
        max_gap_days: i64,
        /// The record kind that counts as an update.
        update_kind: Kind,
    },
    /// `registered-before-sale`: a sale's opportunity was first reported at least
    /// `lead_days` days before it.
    RegisteredBeforeSale {
        /// Least number of days between first report and sale.
        lead_days: i64,
        /// The record kind that registers an opportunity.
        update_kind: Kind,
    },
    /// `required-documents`: each record of a kind carries its documents.
    RequiredDocuments {
        /// `(record kind, document kind, must be signed)`.
        require: Vec<(Kind, String, bool)>,
    },
    /// `agreement-on-file`: a record naming an agreement finds it documented.
    AgreementOnFile {
        /// The record kind that documents an agreement.
        agreement_kind: Kind,
        /// The document the agreement record must carry.
        document: String,
        /// Whether that document must be signed.
        signed: bool,
    },
    /// `condition`: an inline Rhai expression; true means a finding.
    Condition(Condition),
    /// `script`: a Rhai file whose `check(record)` returns the findings.
    Script(Script),
    /// `peer-outlier`: a per-partner metric over the batch, per installed asset, against the
    /// partner's peer group, judged by the modified z-score.
    PeerOutlier(PeerOutlier),
}

/// What a partner is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeerKey {
    /// Partners of the same region (`partners.csv`).
    Region,
    /// Partners of the same type.
    PartnerType,
}

/// Which side of the group's centre is suspicious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Far above the median.
    High,
    /// Far below the median.
    Low,
    /// Either.
    Both,
}

/// The parameters of a `peer-outlier` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerOutlier {
    /// Only lines in this currency count; the others are left out and counted.
    pub currency: String,
    /// Only lines from this source count, when given (`oem`: bought from the OEM).
    pub source: Option<String>,
    /// What makes partners peers.
    pub peers: Vec<PeerKey>,
    /// Which side is flagged.
    pub direction: Direction,
    /// The modified z-score beyond which a partner is flagged (3.5 in the literature).
    pub threshold: Decimal,
    /// Groups with fewer partners are not judged.
    pub min_group: usize,
}

impl Check {
    /// The check kinds a rule file can name.
    pub const KINDS: [&'static str; 10] = [
        "min-list-price",
        "list-price-exists",
        "genuine-parts",
        "pipeline-cadence",
        "registered-before-sale",
        "required-documents",
        "agreement-on-file",
        "condition",
        "script",
        "peer-outlier",
    ];

    /// The name of this check's kind.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Check::MinListPrice { .. } => "min-list-price",
            Check::ListPriceExists => "list-price-exists",
            Check::GenuineParts => "genuine-parts",
            Check::PipelineCadence { .. } => "pipeline-cadence",
            Check::RegisteredBeforeSale { .. } => "registered-before-sale",
            Check::RequiredDocuments { .. } => "required-documents",
            Check::AgreementOnFile { .. } => "agreement-on-file",
            Check::Condition(_) => "condition",
            Check::Script(_) => "script",
            Check::PeerOutlier(_) => "peer-outlier",
        }
    }
}

/// One validated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
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
}

impl Pack {
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
