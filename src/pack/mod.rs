//! Rule packs: a folder with a manifest (`pack.toml`) and rule files (`*.toml`), loaded and
//! validated into [`Rule`]s with compiled checks.

mod load;

pub use load::MAX_EXTENDS_DEPTH;
pub(crate) use load::{FileLoader, unknown_key_hint};
mod wire;

pub use crate::checks::{
    AgreementMisuse, AgreementOnFile, Check, Direction, Discount, GenuineParts, ListPriceExists,
    MinListPrice, NetBelowList, PeerKey, PeerOutlier, PipelineCadence, RegisteredBeforeSale,
    RequiredDocuments, Requirement, ShipAndDebit,
};
pub use crate::script::{Condition, Script};

use crate::currency::Currency;
use crate::diag::Location;
use crate::limits::Limits;
use crate::record::Kind;
use crate::refdata::{Partner, PartnerType};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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

/// How a jurisdiction's resale-price law lets the pack treat a minimum resale price
/// (`[jurisdictions]` in the manifest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Profile {
    /// A price below the floor is a violation to act on.
    Enforce,
    /// A minimum resale price may not be imposed on a buy-sell partner there (in the EU, a
    /// hardcore restriction under Regulation (EU) 2022/720, Art. 4(a)): a price below the
    /// floor is internal margin analysis, never an instruction to the partner.
    Monitor,
}

impl Profile {
    /// Every profile, in the order messages list them.
    pub const ALL: [Profile; 2] = [Profile::Enforce, Profile::Monitor];

    /// The name used in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Enforce => "enforce",
            Profile::Monitor => "monitor",
        }
    }

    /// The profile named `name`.
    pub fn from_name(name: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a pack's manifest sets for all its rules: the currency analytics report in and the
/// resale-price profile of each jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    report_currency: Currency,
    jurisdictions: BTreeMap<String, Profile>,
}

impl Default for Settings {
    /// `USD`, and no jurisdiction listed (every partner `enforce`).
    fn default() -> Settings {
        Settings {
            report_currency: Currency::USD,
            jurisdictions: BTreeMap::new(),
        }
    }
}

impl Settings {
    /// Settings with `report_currency` and the given jurisdictions' profiles.
    pub fn new(
        report_currency: Currency,
        jurisdictions: impl IntoIterator<Item = (String, Profile)>,
    ) -> Settings {
        Settings {
            report_currency,
            jurisdictions: jurisdictions.into_iter().collect(),
        }
    }

    /// The currency amounts are converted to for analytics (`report_currency`, default
    /// `USD`).
    pub fn report_currency(&self) -> Currency {
        self.report_currency
    }

    /// The profiles of `[jurisdictions]`, by jurisdiction.
    pub fn jurisdictions(&self) -> &BTreeMap<String, Profile> {
        &self.jurisdictions
    }

    /// The profile of `jurisdiction`: its own entry, else that of the jurisdiction it is
    /// part of (`US-CA`, then `US`), else [`Profile::Enforce`].
    pub fn profile(&self, jurisdiction: &str) -> Profile {
        let mut name = jurisdiction;
        loop {
            if let Some(p) = self.jurisdictions.get(name) {
                return *p;
            }
            match name.rsplit_once('-') {
                Some((outer, _)) => name = outer,
                None => return Profile::Enforce,
            }
        }
    }

    /// The profile `partner`'s resale prices are judged under: a sales agent (genuine
    /// agency, outside resale-price law) and a partner with no jurisdiction on file are
    /// always [`Profile::Enforce`]; any other partner, its jurisdiction's.
    pub fn profile_of(&self, partner: &Partner) -> Profile {
        match (partner.partner_type, &partner.jurisdiction) {
            (PartnerType::SalesAgent, _) | (_, None) => Profile::Enforce,
            (_, Some(j)) => self.profile(j),
        }
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
    /// The manifest's `report_currency` and `[jurisdictions]`.
    settings: Settings,
    test_data: Option<PathBuf>,
    /// SHA-256 over the files it was loaded from (see [`Pack::hash`]).
    hash: String,
    /// SHA-256 over this pack's own files, without its base's.
    own_hash: String,
    /// The pack it layers over (`extends`), if any.
    base: Option<Arc<Pack>>,
    /// The changes it makes to its base's rules.
    overrides: Vec<RuleOverride>,
    /// The ids of the rules it adds over its base.
    added: Vec<String>,
    /// For a pack loaded from memory, its test case files (`tests/*.toml`), by path
    /// relative to the pack: its cases come from these, never from a folder on disk that
    /// happens to have the pack's name. `None` for a pack loaded from a folder.
    case_files: Option<Vec<(PathBuf, String)>>,
}

/// One change a layered pack makes to a rule of its base (`[override."rule.id"]` in its
/// manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RuleOverride {
    /// The base rule's id.
    pub id: String,
    /// `(base, layer)` severities, when the override sets `severity`.
    pub severity: Option<(Severity, Severity)>,
    /// Whether it replaces the rule's `select`.
    pub select: bool,
    /// Whether it replaces the rule's `params`.
    pub params: bool,
    /// Whether it disables the rule (`disable = true`).
    pub disable: bool,
    /// Where the override is written.
    pub location: Location,
}

impl RuleOverride {
    /// What it changes, in words: `severity warning -> error, params`.
    pub fn describe(&self) -> String {
        if self.disable {
            return "disabled".to_owned();
        }
        let mut parts = Vec::new();
        if let Some((from, to)) = self.severity {
            parts.push(format!("severity {from} -> {to}"));
        }
        if self.select {
            parts.push("select".to_owned());
        }
        if self.params {
            parts.push("params".to_owned());
        }
        parts.join(", ")
    }
}

impl Pack {
    /// The test case files of a pack loaded from memory (`None` for a folder's pack, whose
    /// cases are read from its `tests/` folder).
    pub(crate) fn case_files(&self) -> Option<&[(PathBuf, String)]> {
        self.case_files.as_deref()
    }

    /// The SHA-256 of the files the pack was loaded from (manifest, rule files, scripts):
    /// their paths relative to the pack's root and their text, in path order, as
    /// `sha256:<hex>`. Any edit of any of them changes it; the same files give the same
    /// hash on every machine and from a folder or from memory.
    ///
    /// For a layered pack (`extends`) it covers the base too: the layer's files plus the
    /// base's [`Pack::hash`], so an edit of either changes it. [`Pack::own_hash`] is the
    /// layer's files alone.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The SHA-256 of this pack's own files, without its base's; equal to [`Pack::hash`]
    /// for a pack that extends nothing.
    pub fn own_hash(&self) -> &str {
        &self.own_hash
    }

    /// The pack this one layers over (`extends` in its manifest, or the base given to
    /// [`Pack::from_files_extending`]): its name, version, hash, rules and test cases.
    pub fn base(&self) -> Option<&Pack> {
        self.base.as_deref()
    }

    /// The changes this pack makes to its base's rules, in manifest order.
    pub fn overrides(&self) -> &[RuleOverride] {
        &self.overrides
    }

    /// The ids of the rules this pack adds over its base (all its rules when it extends
    /// nothing).
    pub fn own_rules(&self) -> &[String] {
        &self.added
    }

    /// How this pack changes the rule `id` of its base, in words, when it does: the
    /// override (`override of `id` at pack.toml:7: severity warning -> error`) or
    /// `rule `id` added by the layer`.
    pub fn layer_change(&self, id: &str) -> Option<String> {
        self.base.as_ref()?;
        if let Some(o) = self.overrides.iter().find(|o| o.id == id) {
            return Some(format!(
                "override of `{id}` at {}:{}: {}",
                o.location.file().display(),
                o.location.line(),
                o.describe()
            ));
        }
        self.added
            .iter()
            .any(|a| a == id)
            .then(|| format!("rule `{id}` added by the layer"))
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

    /// The manifest's `report_currency` and `[jurisdictions]` (a layer's over its base's).
    pub fn settings(&self) -> &Settings {
        &self.settings
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
