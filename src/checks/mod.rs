//! The check kinds, one module each, listed once in the registry below.
//!
//! A kind's module holds everything about it: its `[rule.params]` as written (a serde
//! struct) and their validation into the compiled parameters, its judge of one record, the
//! state it gathers over a batch (observe a record, merge shards, finish), and its
//! explanation. The judge works out a *decision* value in one function; the finding and
//! the explanation are both rendered from that value, so an explanation cannot drift from
//! the finding it explains.
//!
//! Adding a kind is one new file here and one line in the [`registry!`] invocation; every
//! match over kinds is generated from that line and is exhaustive. The walkthrough is in
//! `docs/adding-a-check-kind.md`.

mod agreement_misuse;
mod agreement_on_file;
mod condition;
mod genuine_parts;
mod list_price_exists;
mod min_list_price;
mod net_below_list;
mod peer_outlier;
mod pipeline_cadence;
mod registered_before_sale;
mod required_documents;
mod script;
mod ship_and_debit;

pub use agreement_misuse::AgreementMisuse;
pub use agreement_on_file::AgreementOnFile;
pub use genuine_parts::GenuineParts;
pub use list_price_exists::ListPriceExists;
pub use min_list_price::{Discount, MinListPrice, price_floor};
pub use net_below_list::NetBelowList;
pub use peer_outlier::{Direction, PeerKey, PeerOutlier};
pub use pipeline_cadence::PipelineCadence;
pub use registered_before_sale::RegisteredBeforeSale;
pub use required_documents::{RequiredDocuments, Requirement};
pub use ship_and_debit::ShipAndDebit;

use crate::currency::Currency;
use crate::date::Date;
use crate::finding::{Describe, Finding, Later, Part, Text};
use crate::money::Qty;
use crate::outcome::{Analytics, Outcome, Verdict};
use crate::pack::{FileLoader, Rule, Selector, Settings};
use crate::record::{CompactString, Kind, Record};
use crate::refdata::{Partner, RefData};
use crate::script::{Host, Shared};
use rust_decimal::Decimal;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;
use toml::Spanned;
use toml::de::DeValue;

/// What one check kind is made of. Implemented once per kind, in the kind's module, and
/// dispatched by the matches the [`registry!`] generates (no dynamic dispatch per record).
pub(crate) trait CheckKind: Sized {
    /// The kind's `[rule.params]` as written; unknown keys are errors.
    type Params: DeserializeOwned;
    /// What the kind gathers while a batch streams by; `()` for a kind that judges each
    /// record on its own.
    type State: Default;
    /// Whether the kind judges each record on its own ([`CheckKind::judge`]); otherwise it
    /// gathers [`CheckKind::State`] and judges the batch at [`CheckKind::finish`].
    const STATELESS: bool;
    /// Whether its findings are about partners rather than records (`explain` then shows
    /// the findings on the record's partner).
    const PARTNER_LEVEL: bool = false;
    /// For a policy kind (a script or condition), the keys of `[rule.params]` that are its
    /// own; every other key is a parameter of the policy, handed to
    /// [`CheckKind::load`] through [`FileLoader::take_policy_params`]. `None`: every key
    /// is the kind's own.
    const OWN_KEYS: Option<&'static [&'static str]> = None;

    /// Validates the params into the compiled check, reporting problems through `cx`.
    fn load(params: Self::Params, cx: &mut FileLoader<'_>) -> Option<Self>;

    /// Judges one record (stateless kinds; batch-level kinds do nothing here).
    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict);

    /// Remembers what the batch-level judgement needs from a record.
    fn observe(&self, _state: &mut Self::State, _rule: &Rule, _ctx: &Ctx<'_>) {}

    /// Adds another shard's state: the result must be what one pass over both gives.
    fn merge(&self, _mine: &mut Self::State, _theirs: Self::State) {}

    /// Judges the batch.
    fn finish(
        &self,
        _state: Self::State,
        _at: &RuleRef<'_>,
        _fin: &Finish<'_>,
        _out: &mut Verdict,
        _analytics: &mut Analytics,
    ) {
    }

    /// What the rule looked at for one (selected) record, from the same decision the
    /// finding came from.
    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step>;
}

/// What a check kind needs to judge records one at a time with history (the gate). Kinds
/// that judge each record on their own keep no history; the batch-level kinds implement it
/// in their module with the same decision functions their `finish` uses.
pub(crate) trait GateKind: CheckKind {
    /// What past records leave behind for judging a later record on its own (the gate's
    /// history); `()` for a kind that needs none. Serialized in gate snapshots.
    type History: Default + Serialize + DeserializeOwned;
    /// Why the gate cannot judge this kind one record at a time, if it cannot (an
    /// aggregate over the whole batch).
    const GATE_SKIP: Option<&'static str> = None;

    /// Folds a record into the history (the batch's `observe` does the same into its state).
    fn remember(&self, _history: &mut Self::History, _rule: &Rule, _ctx: &Ctx<'_>) {}

    /// Judges the record in `gx` against the history (which already holds it), with the
    /// same decision the batch's `finish` makes.
    fn decide(
        &self,
        _history: &Self::History,
        _at: &RuleRef<'_>,
        _gx: &GateCx<'_>,
        _out: &mut Verdict,
    ) {
    }

    /// Drops what the history holds from before `before` (the gate's retention).
    fn forget(_history: &mut Self::History, _before: Date) {}

    /// How many entries the history tracks (opportunities, agreements, partners).
    fn tracked(_history: &Self::History) -> usize {
        0
    }
}

/// Kinds that judge each record on their own keep no history.
macro_rules! no_history {
    ($($Ty:ty),* $(,)?) => {
        $(impl GateKind for $Ty {
            type History = ();
        })*
    };
}

no_history!(
    agreement_misuse::AgreementMisuse,
    condition::Condition,
    genuine_parts::GenuineParts,
    list_price_exists::ListPriceExists,
    min_list_price::MinListPrice,
    required_documents::RequiredDocuments,
    script::Script,
);

impl GateKind for ship_and_debit::ShipAndDebit {
    type History = ();
    const GATE_SKIP: Option<&'static str> = Some(
        "judged over all claims in a batch (quantity caps, lines claimed twice, sales before or after their claims): it cannot be judged one record at a time",
    );
}

impl GateKind for net_below_list::NetBelowList {
    type History = ();
    const GATE_SKIP: Option<&'static str> = Some(
        "nets credit notes against the batch's sales: it cannot be judged one record at a time yet",
    );
}

impl GateKind for peer_outlier::PeerOutlier {
    type History = ();
    const GATE_SKIP: Option<&'static str> = Some(
        "an aggregate over all partners' records in a batch: it cannot be judged one record at a time",
    );
}

/// The registry: one line per check kind, `"name" => Variant(module::Params)`, with the
/// variant's doc comment. Generates [`Check`], its kind names and every dispatch match.
macro_rules! registry {
    ($( $(#[$doc:meta])* $name:literal => $Variant:ident($module:ident :: $Ty:ident), )*) => {
        /// What a rule checks, with its parameters resolved and validated: one variant per
        /// check kind.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum Check {
            $( $(#[$doc])* $Variant($module::$Ty), )*
        }

        /// What a rule of each kind gathers over a batch.
        pub(crate) enum State {
            $( $Variant(<$module::$Ty as CheckKind>::State), )*
        }

        /// What a rule of each kind keeps from past records for the gate.
        pub(crate) enum History {
            $( $Variant(<$module::$Ty as GateKind>::History), )*
        }

        impl History {
            /// The history as JSON, for a snapshot.
            pub(crate) fn to_json(&self) -> serde_json::Result<serde_json::Value> {
                match self {
                    $( History::$Variant(h) => serde_json::to_value(h), )*
                }
            }

            /// Drops what the history holds from before `before`.
            pub(crate) fn forget(&mut self, before: Date) {
                match self {
                    $( History::$Variant(h) => <$module::$Ty as GateKind>::forget(h, before), )*
                }
            }

            /// How many entries the history tracks.
            pub(crate) fn tracked(&self) -> usize {
                match self {
                    $( History::$Variant(h) => <$module::$Ty as GateKind>::tracked(h), )*
                }
            }
        }

        impl Check {
            /// The check kinds a rule file can name.
            pub const KINDS: &'static [&'static str] = &[$($name),*];

            /// The name of this check's kind.
            pub fn kind_name(&self) -> &'static str {
                match self {
                    $( Check::$Variant(_) => $name, )*
                }
            }

            /// Whether the check judges a record on its own (the others need the batch).
            pub(crate) fn is_stateless(&self) -> bool {
                match self {
                    $( Check::$Variant(_) => <$module::$Ty as CheckKind>::STATELESS, )*
                }
            }

            /// For a policy kind, the keys of `[rule.params]` that are its own (the others
            /// are the policy's parameters).
            pub(crate) fn own_keys(&self) -> Option<&'static [&'static str]> {
                match self {
                    $( Check::$Variant(_) => <$module::$Ty as CheckKind>::OWN_KEYS, )*
                }
            }

            /// Whether its findings are about partners rather than records.
            pub(crate) fn is_partner_level(&self) -> bool {
                match self {
                    $( Check::$Variant(_) => <$module::$Ty as CheckKind>::PARTNER_LEVEL, )*
                }
            }

            /// Reads and validates the params of the kind named `name`; `Err(())` when no
            /// kind has that name.
            pub(crate) fn load(
                name: &str,
                params: Option<Spanned<DeValue<'_>>>,
                rule: &Range<usize>,
                cx: &mut FileLoader<'_>,
            ) -> Result<Option<Check>, ()> {
                $(
                    if name == $name {
                        let mut params = params;
                        if let Some(own) = <$module::$Ty as CheckKind>::OWN_KEYS {
                            cx.split_policy_params(&mut params, own);
                        }
                        let params = cx.params(params, rule);
                        return Ok(params
                            .and_then(|p| <$module::$Ty as CheckKind>::load(p, cx))
                            .map(Check::$Variant));
                    }
                )*
                Err(())
            }

            /// Why the gate cannot judge this check one record at a time, if it cannot.
            pub(crate) fn gate_skip(&self) -> Option<&'static str> {
                match self {
                    $( Check::$Variant(_) => <$module::$Ty as GateKind>::GATE_SKIP, )*
                }
            }

            /// An empty gate history for this check.
            pub(crate) fn new_history(&self) -> History {
                match self {
                    $( Check::$Variant(_) => History::$Variant(Default::default()), )*
                }
            }

            /// This check's history read back from a snapshot.
            pub(crate) fn history_from_json(
                &self,
                value: serde_json::Value,
            ) -> serde_json::Result<History> {
                match self {
                    $( Check::$Variant(_) => serde_json::from_value(value).map(History::$Variant), )*
                }
            }

            /// Folds a record into this check's gate history.
            pub(crate) fn remember(&self, history: &mut History, rule: &Rule, ctx: &Ctx<'_>) {
                match self {
                    $(
                        Check::$Variant(c) => {
                            if let History::$Variant(h) = history {
                                c.remember(h, rule, ctx);
                            }
                        }
                    )*
                }
            }

            /// Judges one record against this check's gate history.
            pub(crate) fn decide(
                &self,
                history: &History,
                at: &RuleRef<'_>,
                gx: &GateCx<'_>,
                out: &mut Verdict,
            ) {
                match self {
                    $(
                        Check::$Variant(c) => {
                            if let History::$Variant(h) = history {
                                c.decide(h, at, gx, out);
                            }
                        }
                    )*
                }
            }

            /// A fresh batch state for this check.
            pub(crate) fn new_state(&self) -> State {
                match self {
                    $( Check::$Variant(_) => State::$Variant(Default::default()), )*
                }
            }

            /// Judges one record against a stateless check.
            pub(crate) fn judge(
                &self,
                at: &RuleRef<'_>,
                ctx: &Ctx<'_>,
                env: &mut Env<'_>,
                out: &mut Verdict,
            ) {
                match self {
                    $( Check::$Variant(c) => c.judge(at, ctx, env, out), )*
                }
            }

            /// Lets a batch-level check see one record.
            pub(crate) fn observe(&self, state: &mut State, rule: &Rule, ctx: &Ctx<'_>) {
                match self {
                    $(
                        Check::$Variant(c) => {
                            if let State::$Variant(s) = state {
                                c.observe(s, rule, ctx);
                            }
                        }
                    )*
                }
            }

            /// Judges the batch a state has seen.
            pub(crate) fn finish(
                &self,
                state: State,
                at: &RuleRef<'_>,
                fin: &Finish<'_>,
                out: &mut Verdict,
                analytics: &mut Analytics,
            ) {
                match self {
                    $(
                        Check::$Variant(c) => {
                            if let State::$Variant(s) = state {
                                c.finish(s, at, fin, out, analytics);
                            }
                        }
                    )*
                }
            }

            /// The steps of an explanation of this check on one record.
            pub(crate) fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
                match self {
                    $( Check::$Variant(c) => c.explain(cx), )*
                }
            }
        }

        impl Check {
            /// Adds another shard's state for this rule to `mine` (the states of one
            /// engine's sessions always pair up variant by variant).
            pub(crate) fn merge(&self, mine: &mut State, theirs: State) {
                match (self, mine, theirs) {
                    $(
                        (Check::$Variant(c), State::$Variant(mine), State::$Variant(theirs)) => {
                            c.merge(mine, theirs);
                        }
                    )*
                    _ => {}
                }
            }
        }
    };
}

registry! {
    /// `min-list-price`: each line's unit price is at least the list price in force less
    /// the partner type's allowed discount.
    "min-list-price" => MinListPrice(min_list_price::MinListPrice),
    /// `list-price-exists`: each line's sku has a list price in its currency on the date.
    "list-price-exists" => ListPriceExists(list_price_exists::ListPriceExists),
    /// `agreement-misuse`: a sale naming a special pricing agreement was issued it (the
    /// agreement has a row for its partner and customer).
    "agreement-misuse" => AgreementMisuse(agreement_misuse::AgreementMisuse),
    /// `net-below-list`: a sale line's net unit price after the credit notes crediting it
    /// stays at or above its floor.
    "net-below-list" => NetBelowList(net_below_list::NetBelowList),
    /// `genuine-parts`: each line's sku is a genuine catalog part from an approved source.
    "genuine-parts" => GenuineParts(genuine_parts::GenuineParts),
    /// `pipeline-cadence`: each selected partner files an update at least every
    /// `max_gap_days` days.
    "pipeline-cadence" => PipelineCadence(pipeline_cadence::PipelineCadence),
    /// `registered-before-sale`: a sale's opportunity was first reported at least
    /// `lead_days` days before it.
    "registered-before-sale" => RegisteredBeforeSale(registered_before_sale::RegisteredBeforeSale),
    /// `required-documents`: each record of a kind carries its documents.
    "required-documents" => RequiredDocuments(required_documents::RequiredDocuments),
    /// `agreement-on-file`: a record naming an agreement finds it documented.
    "agreement-on-file" => AgreementOnFile(agreement_on_file::AgreementOnFile),
    /// `condition`: an inline Rhai expression; true means a finding.
    "condition" => Condition(condition::Condition),
    /// `script`: a Rhai file whose `check(record)` returns the findings.
    "script" => Script(script::Script),
    /// `peer-outlier`: a per-partner metric over the batch, per installed asset, against
    /// the partner's peer group, judged by the modified z-score.
    "peer-outlier" => PeerOutlier(peer_outlier::PeerOutlier),
    /// `ship-and-debit`: each claim line is judged against its special pricing agreement
    /// and its sale; each problem carries its X12 901 reject reason code.
    "ship-and-debit" => ShipAndDebit(ship_and_debit::ShipAndDebit),
}

/// What a rule needs to know about the record in hand, looked up once per record.
pub(crate) struct Ctx<'a> {
    pub record: &'a Record,
    pub partner: Option<&'a Partner>,
    /// The record's region, else its partner's.
    pub region: Option<&'a str>,
    /// The reference data the partner was looked up in (exchange rates, approved sources).
    pub data: &'a RefData,
}

impl<'a> Ctx<'a> {
    /// Looks up the record's partner and region.
    pub(crate) fn new(record: &'a Record, data: &'a RefData) -> Ctx<'a> {
        let partner = data.partner(&record.partner);
        let region = record
            .region
            .as_deref()
            .or(partner.map(|p| p.region.as_str()));
        Ctx {
            record,
            partner,
            region,
            data,
        }
    }
}

impl Selector {
    pub(crate) fn matches(&self, ctx: &Ctx<'_>) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&ctx.record.kind))
            && (self.partner_types.is_empty()
                || ctx
                    .partner
                    .is_some_and(|p| self.partner_types.contains(&p.partner_type)))
            && (self.regions.is_empty()
                || ctx
                    .region
                    .is_some_and(|r| self.regions.iter().any(|x| x == r)))
    }

    /// Whether a partner (rather than a record) is selected: partner types and regions.
    pub(crate) fn matches_partner(&self, partner: &Partner) -> bool {
        (self.partner_types.is_empty() || self.partner_types.contains(&partner.partner_type))
            && (self.regions.is_empty() || self.regions.contains(&partner.region))
    }
}

/// The rule being run, with its id and title as shared strings (a finding does not copy
/// them).
pub(crate) struct RuleRef<'a> {
    pub rule: &'a Rule,
    pub id: &'a Arc<str>,
    pub title: &'a Arc<str>,
}

impl<'a> RuleRef<'a> {
    pub(crate) fn new(rule: &'a Rule, names: &'a Names) -> RuleRef<'a> {
        RuleRef {
            rule,
            id: &names.id,
            title: &names.title,
        }
    }
}

/// A rule's id and title as shared strings, made once per engine or gate.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub id: Arc<str>,
    pub title: Arc<str>,
}

impl Names {
    pub(crate) fn of(rule: &Rule) -> Names {
        Names {
            id: Arc::from(rule.id.as_str()),
            title: Arc::from(rule.title.as_str()),
        }
    }
}

/// What a stateless judge may use besides the record.
pub(crate) struct Env<'a> {
    pub data: &'a RefData,
    /// The pack's report currency and resale-price profiles.
    pub settings: &'a Settings,
    /// Runs scripts and conditions.
    pub scripts: &'a Host,
    /// The record as the scripts see it, made by the first script rule that needs it.
    pub shared: &'a mut Option<Shared<'a>>,
}

/// What a batch-level judgement may use besides its state.
pub(crate) struct Finish<'a> {
    pub data: &'a RefData,
    /// The pack's report currency and resale-price profiles.
    pub settings: &'a Settings,
    /// The earliest record date of the batch.
    pub first: Option<Date>,
    /// The date the batch is judged at.
    pub as_of: Option<Date>,
}

/// What the gate's judgement of one record may use besides the history.
pub(crate) struct GateCx<'a> {
    pub ctx: &'a Ctx<'a>,
    /// The pack's report currency and resale-price profiles.
    #[expect(dead_code, reason = "for the price rules of issue 15, not written yet")]
    pub settings: &'a Settings,
    /// The earliest record date the gate has seen (the batch's first date).
    pub first: Date,
}

/// What an explanation may use: the record, the batch it is in and the outcome of
/// checking that batch.
pub(crate) struct ExplainCx<'a> {
    pub rule: &'a Rule,
    pub ctx: &'a Ctx<'a>,
    pub data: &'a RefData,
    /// The pack's report currency and resale-price profiles.
    pub settings: &'a Settings,
    /// Runs the rule again, traced, for a script or condition's reads.
    pub scripts: &'a Host,
    pub records: &'a [Record],
    /// The earliest record date of the batch.
    pub first: Date,
    pub as_of: Date,
    pub outcome: &'a Outcome,
}

impl ExplainCx<'_> {
    /// The state a batch-level check gathers over the batch: the same `observe` the
    /// session runs, so the explanation judges from what the finding was judged from.
    pub(crate) fn replay<K: CheckKind>(&self, check: &K) -> K::State {
        let mut state = K::State::default();
        for record in self.records {
            check.observe(&mut state, self.rule, &Ctx::new(record, self.data));
        }
        state
    }
}

/// One thing the rule looked at, in a sentence, with its facts for tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Step {
    /// What the step is about: `line 1`, `documents`, `pipeline history`.
    pub about: String,
    /// What the rule saw and concluded, for people.
    pub text: String,
    /// The same as named values, for tools.
    pub facts: BTreeMap<String, String>,
}

/// A step from its parts.
pub(crate) fn step(
    about: impl Into<String>,
    text: impl Into<String>,
    facts: &[(&str, String)],
) -> Step {
    Step {
        about: about.into(),
        text: text.into(),
        facts: facts
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}

/// The parts of a finding every check fills the same way.
pub(crate) struct At<'a> {
    pub rule: &'a RuleRef<'a>,
    pub record: Option<&'a str>,
    pub line: Option<usize>,
    pub partner: &'a str,
    pub date: Date,
    pub customer: Option<&'a str>,
    pub sku: Option<&'a str>,
}

impl<'a> At<'a> {
    /// A finding about `record`, or one of its lines.
    pub(crate) fn record(rule: &'a RuleRef<'a>, record: &'a Record, line: Option<usize>) -> At<'a> {
        At {
            rule,
            record: Some(&record.id),
            line,
            partner: &record.partner,
            date: record.date,
            customer: record.customer.as_deref(),
            sku: line
                .and_then(|i| record.lines.get(i))
                .map(|l| l.sku.as_str()),
        }
    }

    /// A finding about a record kept for the batch-level rules.
    pub(crate) fn pending(rule: &'a RuleRef<'a>, sale: &'a Pending) -> At<'a> {
        At {
            rule,
            record: Some(&sale.record),
            line: None,
            partner: &sale.partner,
            date: sale.date,
            customer: None,
            sku: None,
        }
    }

    #[cold]
    pub(crate) fn finding(&self, message: String, expected: String, actual: String) -> Finding {
        self.finding_of(message.into(), expected.into(), actual.into())
    }

    /// A finding whose texts `describe` writes when they are read: the check keeps the
    /// values it needs (moved into the closure), not the words.
    #[cold]
    pub(crate) fn finding_later(
        &self,
        describe: impl Fn(Part) -> String + Send + Sync + 'static,
    ) -> Finding {
        let from: Arc<Later<Describe>> = Arc::new(Later::new(describe));
        self.finding_of(
            Text::later(&from, Part::Message),
            Text::later(&from, Part::Expected),
            Text::later(&from, Part::Actual),
        )
    }

    fn finding_of(&self, message: Text, expected: Text, actual: Text) -> Finding {
        Finding {
            rule: Arc::clone(self.rule.id),
            title: Arc::clone(self.rule.title),
            severity: self.rule.rule.severity,
            record: self.record.map(str::to_owned),
            line: self.line,
            date: self.date,
            partner: self.partner.to_owned(),
            customer: self.customer.map(str::to_owned),
            sku: self.sku.map(str::to_owned),
            message,
            expected,
            actual,
            code: None,
            amount: None,
        }
    }
}

/// The money a finding puts at stake: `per_unit` times `qty` units of `currency`, in the
/// pack's report currency on `date`, rounded half to even to the report currency's minor
/// units (so that totals are the sums of the amounts shown). `None` for a return line (no
/// money is at stake on units coming back), when the product overflows or there is no rate
/// for the day: an amount that cannot be converted is never shown as 0.
pub(crate) fn at_stake(
    data: &RefData,
    settings: &Settings,
    per_unit: Decimal,
    qty: Qty,
    currency: Currency,
    date: Date,
) -> Option<Decimal> {
    let units = u64::try_from(qty.get()).ok()?;
    let amount = per_unit.checked_mul(Decimal::from(units))?;
    let report = settings.report_currency();
    let amount = data.to_report(amount, &currency, &report, date)?;
    let places = report.minor_units().map_or(2, u32::from);
    Some(amount.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointNearestEven))
}

/// What a batch-level rule about sales gathers: what past records leave behind (`H`, the
/// history the gate keeps too) and the sales it does not settle yet.
pub(crate) struct Sales<H> {
    pub history: H,
    pub sales: Vec<Pending>,
}

impl<H: Default> Default for Sales<H> {
    fn default() -> Self {
        Sales {
            history: H::default(),
            sales: Vec::new(),
        }
    }
}

impl<H> Sales<H> {
    /// Adds another shard's: `absorb` merges its history into ours, and its sales that
    /// the merged history `settled` are dropped. Ours that its history settles stay until
    /// `finish`, which judges them the same: checking every kept sale at every merge would
    /// cost more than keeping them.
    pub(crate) fn merge(
        &mut self,
        theirs: Sales<H>,
        absorb: impl FnOnce(&mut H, H),
        settled: impl Fn(&H, &Pending) -> bool,
    ) {
        absorb(&mut self.history, theirs.history);
        let history = &self.history;
        let open = theirs.sales.into_iter().filter(|s| !settled(history, s));
        self.sales.extend(open);
    }

    /// The findings of the sales kept, given the whole batch's history.
    pub(crate) fn finish(
        &self,
        out: &mut Verdict,
        finding: impl Fn(&H, &Pending) -> Option<Finding>,
    ) {
        for sale in &self.sales {
            out.findings.extend(finding(&self.history, sale));
        }
    }
}

/// A sale (or other selected record) waiting for the batch to be complete.
pub(crate) struct Pending {
    pub record: CompactString,
    pub partner: CompactString,
    pub date: Date,
    /// The opportunity or agreement it names.
    pub names: Option<CompactString>,
}

impl Pending {
    pub(crate) fn of(record: &Record, names: Option<CompactString>) -> Pending {
        Pending {
            record: record.id.clone(),
            partner: record.partner.clone(),
            date: record.date,
            names,
        }
    }
}

/// How a record kind reads in a sentence: `service_order` → `service order`.
pub(crate) fn kind_words(kind: &Kind) -> String {
    kind.as_str().replace('_', " ")
}

/// What a batch-level rule keeps of every record of a kind (sale lines to net credit notes
/// against, sale fingerprints), in chunks of [`Kept::CHUNK`]: merging shards moves whole
/// chunks and copies only partial ones, instead of growing one vector, which would hold up to
/// twice what it keeps while it doubles.
pub(crate) struct Kept<T> {
    chunks: Vec<Vec<T>>,
}

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept { chunks: Vec::new() }
    }
}

impl<T> Kept<T> {
    /// Items per full chunk.
    const CHUNK: usize = 1 << 14;

    pub(crate) fn push(&mut self, item: T) {
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < Self::CHUNK => chunk.push(item),
            _ => self.chunks.push(vec![item]),
        }
    }

    /// Adds another shard's items.
    pub(crate) fn append(&mut self, other: Kept<T>) {
        for chunk in other.chunks {
            if chunk.len() == Self::CHUNK {
                // Behind the last chunk, which may stay partial: a few per batch.
                self.chunks.push(chunk);
            } else {
                for item in chunk {
                    self.push(item);
                }
            }
        }
    }

    /// Sorts each chunk by `key`, for [`Kept::find`].
    pub(crate) fn sort_by_key<K: Ord>(&mut self, key: impl Fn(&T) -> K + Copy) {
        for chunk in &mut self.chunks {
            chunk.sort_unstable_by_key(key);
        }
    }

    /// An item whose key is `wanted`, once sorted by the same `key`.
    pub(crate) fn find<K: Ord>(&self, wanted: &K, key: impl Fn(&T) -> K + Copy) -> Option<&T> {
        self.chunks.iter().find_map(|chunk| {
            let i = chunk.binary_search_by(|item| key(item).cmp(wanted)).ok()?;
            chunk.get(i)
        })
    }
}

#[cfg(test)]
mod kept_tests {
    use super::Kept;

    #[test]
    fn kept_items_are_found_after_shards_are_appended_in_any_sizes() {
        // Shards of 0, 1, a partial chunk, exactly a chunk and more than a chunk.
        let sizes = [
            0usize,
            1,
            300,
            Kept::<u64>::CHUNK,
            Kept::<u64>::CHUNK + 7,
            5,
        ];
        let mut all = Kept::default();
        let mut next = 0u64;
        for size in sizes {
            let mut shard = Kept::default();
            for _ in 0..size {
                // Keys out of order within a chunk.
                shard.push(next.wrapping_mul(0x9E37_79B9_7F4A_7C15));
                next += 1;
            }
            all.append(shard);
        }
        all.sort_by_key(|k| *k);
        let total: usize = all.chunks.iter().map(Vec::len).sum();
        assert_eq!(total as u64, next);
        // Every chunk but the last ones of partial shards is full.
        assert!(all.chunks.len() <= 4, "{}", all.chunks.len());
        for i in 0..next {
            let k = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            assert_eq!(all.find(&k, |x| *x), Some(&k));
        }
        assert_eq!(all.find(&1, |x| *x), None);
    }
}
