//! The report of a run: counts, findings, rejected records and rule errors, rendered as
//! text for people or JSON for tools.

mod json;
mod scorecard;
mod tally;

pub(crate) use tally::Tally;

pub use scorecard::{Metric, PartnerCard, RegionRow};

use crate::date::Date;
use crate::finding::{Finding, RuleError};
use crate::gate::{DataStamp, PackStamp};
use crate::outcome::{
    Analytics, LeftOut, Measure, Outcome, PeerGroup, PipelineTimeline, PriceProfile,
    UnmatchedCreditNote, Verdict, shown,
};
use crate::pack::{Pack, Severity};
use crate::record::Rejected;
use crate::record::read::KindTally;
use crate::refdata::RefData;
use crate::text::escape as esc;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Everything a run found. `read == checked + rejected + deferred` always.
#[derive(Debug, Clone)]
pub struct Report {
    as_of: Option<Date>,
    checked: usize,
    deferred: usize,
    findings: Vec<Finding>,
    rule_errors: Vec<RuleError>,
    rejected: Vec<Rejected>,
    /// Rejected records past the listing cap: counted, not kept.
    rejected_unlisted: usize,
    /// Every finding and rule error counted, those handed out by a stream included.
    tally: Tally,
    /// The records checked whose kind is none of the known ones.
    kinds: KindTally,
    /// `(id, title, severity)` of every rule in the pack, for the text report.
    rules: Vec<(String, String, Severity)>,
    /// The pack's report currency.
    currency: String,
    /// Partner id → "type, region", for the partners the report names.
    partners: BTreeMap<String, String>,
    pack: String,
    /// The pack's name, version and hash, and the data's hash.
    stamp: (PackStamp, DataStamp),
    /// What the aggregate rules measured.
    analytics: Analytics,
    /// The scorecard: every partner, its metrics and its findings by rule.
    cards: Vec<PartnerCard>,
    /// Per aggregate rule and region, the metric over all the region's partners.
    regions: Vec<RegionRow>,
}

/// The counts at the head of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Records in the input.
    pub read: usize,
    /// Records checked.
    pub checked: usize,
    /// Records that could not be read.
    pub rejected: usize,
    /// Records dated after the as-of date given: read, judged by nothing.
    pub deferred: usize,
    /// Findings.
    pub violations: usize,
    /// Rules that failed to run.
    pub rule_errors: usize,
    /// Findings per rule id.
    pub by_rule: BTreeMap<String, usize>,
    /// Findings per severity.
    pub by_severity: BTreeMap<Severity, usize>,
    /// Records checked whose kind is none of the known ones (only rules that name their
    /// kind judge them).
    pub unknown_kinds: usize,
    /// Rejected records past the cap of those listed: counted in `rejected`, not listed.
    pub rejected_not_listed: usize,
    /// The report currency: every amount's.
    pub currency: String,
    /// The money at stake over every finding with an amount (two places).
    pub money_at_stake: String,
    /// The money at stake per rule, for the rules whose findings carry amounts.
    pub money_by_rule: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    as_of: Option<Date>,
    summary: Summary,
    violations: &'a [Finding],
    rejected: &'a [Rejected],
    rule_errors: &'a [RuleError],
    partners: &'a [PartnerCard],
    regions: &'a [RegionRow],
    peer_groups: Vec<JsonGroup<'a>>,
    left_out: &'a [LeftOut],
    unmatched_credit_notes: &'a [UnmatchedCreditNote],
    prices: &'a [PriceProfile],
    pipelines: &'a [PipelineTimeline],
    pack: &'a PackStamp,
    data: &'a DataStamp,
}

/// A peer group as the JSON report shows it: numbers rounded for people.
#[derive(Serialize)]
struct JsonGroup<'a> {
    rule: &'a str,
    measure: Measure,
    group: &'a str,
    partners: usize,
    median: Option<String>,
    mad: Option<String>,
    judged: bool,
    band_low: Option<String>,
    band_high: Option<String>,
    note: Option<&'a str>,
}

impl<'a> From<&'a PeerGroup> for JsonGroup<'a> {
    fn from(g: &'a PeerGroup) -> Self {
        JsonGroup {
            rule: &g.rule,
            measure: g.measure,
            group: &g.group,
            partners: g.partners,
            median: g.median.map(shown),
            mad: g.mad.map(shown),
            judged: g.judged,
            band_low: g.band_low.map(shown),
            band_high: g.band_high.map(shown),
            note: g.note.as_deref(),
        }
    }
}

impl Report {
    /// The report of a session's `outcome`: `pack` names the rules, `data` the partners
    /// the findings are about, and `rejected` lists the records that could not be read (for
    /// a [`Batch`](crate::Batch), its `rejected`). [`Engine::run`](crate::Engine::run) is this over a whole batch.
    ///
    /// ```
    /// use pactum::{Engine, Pack, RefData, Report, read_batch};
    ///
    /// let pack = Pack::load("rules")?;
    /// let data = RefData::load("examples/data")?;
    /// let engine = Engine::new(pack, data)?;
    /// let batch = read_batch(&std::fs::read("examples/records.jsonl")?)?;
    ///
    /// let mut session = engine.session();
    /// for record in &batch.records {
    ///     session.push(record);
    /// }
    /// let outcome = session.finish(None);
    /// let report = Report::new(engine.pack(), engine.data(), outcome, batch.rejected.clone());
    /// assert_eq!(report.findings(), engine.run(&batch, None).findings());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(pack: &Pack, data: &RefData, outcome: Outcome, rejected: Vec<Rejected>) -> Report {
        Report::counting(pack, data, outcome, rejected, Tally::default())
    }

    /// As [`Report::new`], counting besides the outcome's findings and rule errors those
    /// of `tally` (handed out by a stream, not kept).
    pub(crate) fn counting(
        pack: &Pack,
        data: &RefData,
        outcome: Outcome,
        rejected: Vec<Rejected>,
        mut tally: Tally,
    ) -> Report {
        tally.add_findings(&outcome.findings);
        tally.add_rule_errors(&outcome.rule_errors);
        let rules = pack
            .rules()
            .iter()
            .map(|r| (r.id.clone(), r.title.clone(), r.severity))
            .collect();
        let partners = tally
            .by_partner
            .keys()
            .filter_map(|id| data.partner(id))
            .map(|p| (p.id.clone(), format!("{}, {}", p.partner_type, p.region)))
            .collect();
        let price_rules: Vec<&str> = pack
            .rules()
            .iter()
            .filter(|r| matches!(r.check.kind_name(), "min-list-price" | "net-below-list"))
            .map(|r| r.id.as_str())
            .collect();
        let cards = scorecard::cards(data, &tally, &outcome.analytics, &price_rules);
        let regions = scorecard::regions(&outcome.analytics);
        Report {
            as_of: outcome.as_of,
            checked: outcome.checked,
            deferred: outcome.deferred,
            findings: outcome.findings,
            rule_errors: outcome.rule_errors,
            rejected,
            rejected_unlisted: 0,
            tally,
            kinds: KindTally::default(),
            rules,
            currency: pack.settings().report_currency().to_string(),
            partners,
            pack: format!("{} {}", pack.name(), pack.version()),
            stamp: (PackStamp::of(pack), DataStamp::of(data)),
            analytics: outcome.analytics,
            cards,
            regions,
        }
    }

    /// The same report, with `n` rejected records counted but not listed.
    pub(crate) fn with_unlisted(mut self, n: usize) -> Report {
        self.rejected_unlisted = n;
        self
    }

    /// The same report, with the tally of unknown kinds among the records checked.
    pub(crate) fn with_kinds(mut self, kinds: KindTally) -> Report {
        self.kinds = kinds;
        self
    }

    /// The date batch-level rules were judged at.
    pub fn as_of(&self) -> Option<Date> {
        self.as_of
    }

    /// Every finding, in report order.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Rules that failed to run.
    pub fn rule_errors(&self) -> &[RuleError] {
        &self.rule_errors
    }

    /// Records that could not be read.
    pub fn rejected(&self) -> &[Rejected] {
        &self.rejected
    }

    /// The counts. After a run that handed findings out as it went
    /// ([`Engine::run_stream_each`](crate::Engine::run_stream_each)), they count those too.
    pub fn summary(&self) -> Summary {
        let rejected = self.rejected.len() + self.rejected_unlisted;
        let money = self.tally.money_by_rule();
        let total = money
            .values()
            .fold(Decimal::ZERO, |a, b| a.saturating_add(*b));
        Summary {
            read: self.checked + rejected + self.deferred,
            checked: self.checked,
            rejected,
            deferred: self.deferred,
            violations: self.tally.findings,
            rule_errors: self.tally.rule_errors,
            by_rule: self.tally.by_rule(),
            by_severity: self.tally.by_severity.clone(),
            unknown_kinds: self.kinds.records,
            rejected_not_listed: self.rejected_unlisted,
            currency: self.currency.clone(),
            money_at_stake: shown(total),
            money_by_rule: money
                .into_iter()
                .map(|(rule, amount)| (rule, shown(amount)))
                .collect(),
        }
    }

    /// The most severe severity among findings, rule errors and rejected records, if any.
    /// A rule that could not run counts at its own severity, and a record that could not be
    /// read as an error: neither may read as a pass.
    pub fn worst(&self) -> Option<Severity> {
        let rejected =
            (!self.rejected.is_empty() || self.rejected_unlisted > 0).then_some(Severity::Error);
        self.tally.worst.max(rejected)
    }

    fn json_report(&self) -> JsonReport<'_> {
        JsonReport {
            as_of: self.as_of,
            summary: self.summary(),
            violations: &self.findings,
            rejected: &self.rejected,
            rule_errors: &self.rule_errors,
            partners: &self.cards,
            regions: &self.regions,
            peer_groups: self.analytics.groups.iter().map(JsonGroup::from).collect(),
            left_out: &self.analytics.left_out,
            unmatched_credit_notes: &self.analytics.unmatched_credit_notes,
            prices: &self.analytics.prices,
            pipelines: &self.analytics.pipelines,
            pack: &self.stamp.0,
            data: &self.stamp.1,
        }
    }

    /// What the aggregate rules measured per partner and peer group.
    pub fn analytics(&self) -> &Analytics {
        &self.analytics
    }

    /// The scorecard: every partner with its metrics and findings by rule.
    pub fn scorecard(&self) -> &[PartnerCard] {
        &self.cards
    }

    /// Per aggregate rule and region: partners, assets, total and total per asset.
    pub fn regions(&self) -> &[RegionRow] {
        &self.regions
    }

    /// The report as one JSON value (the shape in the README).
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self.json_report()).unwrap_or_default()
    }

    /// Writes the report as one pretty JSON object, its keys in the README's order (the
    /// long lists rendered on all cores).
    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        let r = self.json_report();
        let mut o = json::Object::start(out)?;
        o.value("as_of", &r.as_of)?;
        o.value("summary", &r.summary)?;
        o.list("violations", r.violations)?;
        o.list("rejected", r.rejected)?;
        o.list("rule_errors", r.rule_errors)?;
        o.list("partners", r.partners)?;
        o.value("regions", r.regions)?;
        o.value("peer_groups", &r.peer_groups)?;
        o.value("left_out", r.left_out)?;
        o.value("unmatched_credit_notes", r.unmatched_credit_notes)?;
        o.value("prices", r.prices)?;
        o.value("pipelines", r.pipelines)?;
        o.value("pack", r.pack)?;
        o.value("data", r.data)?;
        o.end()
    }

    /// Writes one JSON object per line: each violation, rejected record and rule error
    /// (told apart by `type`), then the summary. After
    /// [`Engine::run_stream_each`](crate::Engine::run_stream_each) has handed blocks to
    /// [`Report::write_jsonl_block`], this writes the rest: the summary counts all.
    pub fn write_jsonl(&self, out: &mut dyn Write) -> io::Result<()> {
        json::lines(out, "violation", &self.findings)?;
        json::lines(out, "rejected", &self.rejected)?;
        json::lines(out, "rule_error", &self.rule_errors)?;
        #[derive(Serialize)]
        struct Last<'a> {
            as_of: Option<Date>,
            #[serde(flatten)]
            summary: Summary,
            pack: &'a PackStamp,
            data: &'a DataStamp,
        }
        let last = Last {
            as_of: self.as_of,
            summary: self.summary(),
            pack: &self.stamp.0,
            data: &self.stamp.1,
        };
        json::line(out, "summary", &last)
    }

    /// Writes a block's findings and rule errors as [`Report::write_jsonl`] writes them:
    /// the lines of a run that hands out findings as it goes.
    pub fn write_jsonl_block(block: &Verdict, out: &mut dyn Write) -> io::Result<()> {
        json::lines(out, "violation", &block.findings)?;
        json::lines(out, "rule_error", &block.rule_errors)
    }

    /// The report for people: a summary, then findings grouped by partner, then rejected
    /// records and rule errors.
    pub fn to_text(&self) -> String {
        let s = self.summary();
        let mut t = String::new();
        let as_of = self
            .as_of
            .map_or("no records".to_owned(), |d| format!("as of {d}"));
        let _ = writeln!(t, "pactum check: rule pack {}, {as_of}", esc(&self.pack));
        let _ = writeln!(
            t,
            "  pack hash: {}; data hash: {}",
            self.stamp.0.hash,
            self.stamp
                .1
                .hash
                .as_deref()
                .unwrap_or("none (data built in code)")
        );
        let _ = writeln!(
            t,
            "  records: {} read, {} checked, {} rejected",
            s.read, s.checked, s.rejected
        );
        if s.deferred > 0 {
            let _ = writeln!(
                t,
                "  deferred: {} (dated after the as-of date; judged by nothing)",
                s.deferred
            );
        }
        if s.unknown_kinds > 0 {
            let _ = writeln!(
                t,
                "  unknown kinds: {} ({})",
                s.unknown_kinds,
                self.kind_names()
            );
        }
        let severities: Vec<String> = s
            .by_severity
            .iter()
            .rev()
            .map(|(sev, n)| format!("{n} {sev}{}", plural(*n)))
            .collect();
        let _ = writeln!(
            t,
            "  findings: {}{}; rule errors: {}",
            s.violations,
            if severities.is_empty() {
                String::new()
            } else {
                format!(" ({})", severities.join(", "))
            },
            s.rule_errors
        );
        if !s.money_by_rule.is_empty() {
            let _ = writeln!(
                t,
                "  money at stake: {} {} (below the price floor, claims rejected, non-genuine parts)",
                s.money_at_stake, s.currency
            );
        }
        if s.violations > 0 {
            let _ = writeln!(
                t,
                "\nBy rule (most money at stake, then most findings, first):"
            );
            let _ = writeln!(
                t,
                "  {:>5}  {:<7}  {:<32} {:>12}  title",
                "count", "level", "rule", "at stake"
            );
            let money = self.tally.money_by_rule();
            let mut rules: Vec<(&(String, String, Severity), usize, Decimal)> = self
                .rules
                .iter()
                .map(|r| {
                    let n = s.by_rule.get(&r.0).copied().unwrap_or(0);
                    (r, n, money.get(&r.0).copied().unwrap_or_default())
                })
                .collect();
            // Stable: rules with the same money and count keep the pack's order.
            rules.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.cmp(&a.1)));
            for ((id, title, severity), n, amount) in rules {
                let amount = if money.contains_key(id) {
                    shown(amount)
                } else {
                    "-".to_owned()
                };
                let (id, title) = (esc(id), esc(title));
                let _ = writeln!(t, "  {n:>5}  {severity:<7}  {id:<32} {amount:>12}  {title}");
            }
        }
        let mut by_partner: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
        for f in &self.findings {
            by_partner.entry(&f.partner).or_default().push(f);
        }
        let mut by_partner: Vec<(&str, Vec<&Finding>, Decimal)> = by_partner
            .into_iter()
            .map(|(p, f)| (p, f, self.tally.money_of(p)))
            .collect();
        by_partner.sort_by(|a, b| b.2.cmp(&a.2).then(b.1.len().cmp(&a.1.len())));
        for (partner, findings, money) in by_partner {
            let label = self
                .partners
                .get(partner)
                .map_or("not in partners.csv".to_owned(), Clone::clone);
            let n = findings.len();
            let has_money = self.tally.money.contains_key(partner);
            let (partner, label) = (esc(partner), esc(&label));
            let at_stake = if has_money {
                format!(", {} {} at stake", shown(money), self.currency)
            } else {
                String::new()
            };
            let _ = writeln!(
                t,
                "\n{partner} ({label}): {n} finding{}{at_stake}",
                plural(n)
            );
            for f in findings {
                let what = match (&f.record, f.line) {
                    // People count items from 1; the JSON `line` stays the 0-based index.
                    (Some(r), Some(l)) => format!("{r} item {}", l + 1),
                    (Some(r), None) => r.clone(),
                    (None, _) => "partner".to_owned(),
                };
                let what = esc(&what);
                let _ = writeln!(
                    t,
                    "  {:<7} {}  {what}  {}",
                    f.severity,
                    esc(&f.rule),
                    f.date
                );
                let _ = writeln!(t, "          {}", esc(&f.message));
                let mut code = f
                    .code
                    .as_deref()
                    .map_or(String::new(), |c| format!("; code: {}", esc(c)));
                if let Some(amount) = f.amount {
                    let _ = write!(code, "; at stake: {} {}", shown(amount), self.currency);
                }
                let _ = writeln!(
                    t,
                    "          expected: {}; actual: {}{code}",
                    esc(&f.expected),
                    esc(&f.actual)
                );
            }
        }
        if !self.analytics.unmatched_credit_notes.is_empty() {
            let _ = writeln!(t, "\nUnmatched credit notes (not netted against a sale):");
            for u in &self.analytics.unmatched_credit_notes {
                let _ = writeln!(
                    t,
                    "  {} ({}) credits invoice {}: {}",
                    esc(&u.credit_note),
                    esc(&u.partner),
                    esc(&u.invoice),
                    esc(&u.reason)
                );
            }
        }
        if !self.analytics.groups.is_empty() || !self.analytics.claims_rejected.is_empty() {
            scorecard::render(
                &mut t,
                &self.currency,
                &self.cards,
                &self.analytics,
                &self.regions,
            );
        }
        if !self.rejected.is_empty() {
            let _ = writeln!(t, "\nRejected records ({}), not checked:", s.rejected);
            for r in &self.rejected {
                let _ = writeln!(t, "  line {}: {}", r.line, esc(&r.error.to_string()));
            }
            if self.rejected_unlisted > 0 {
                let _ = writeln!(t, "  {} more not listed", self.rejected_unlisted);
            }
        }
        if !self.rule_errors.is_empty() {
            let _ = writeln!(
                t,
                "\nRule errors ({}): these rules could not judge these records, which is not a pass:",
                self.rule_errors.len()
            );
            // A broken rule fails on every record it sees; list a few per rule, count the rest.
            let mut by_rule: BTreeMap<&str, Vec<&RuleError>> = BTreeMap::new();
            for e in &self.rule_errors {
                by_rule.entry(&e.rule).or_default().push(e);
            }
            for (rule, errors) in by_rule {
                for e in errors.iter().take(RULE_ERRORS_SHOWN) {
                    let on = e.record.as_deref().unwrap_or("the batch");
                    let _ = writeln!(t, "  {} on {}: {}", esc(rule), esc(on), esc(&e.reason));
                }
                if let Some(more) = errors
                    .len()
                    .checked_sub(RULE_ERRORS_SHOWN)
                    .filter(|n| *n > 0)
                {
                    let _ = writeln!(
                        t,
                        "  {}: {more} more (all are listed by --format json)",
                        esc(rule)
                    );
                }
            }
        }
        if s.violations == 0 && s.rule_errors == 0 {
            let _ = writeln!(t, "\nNo findings.");
        }
        t
    }
}

impl Report {
    /// The unknown kinds' names with their counts, for the text report: `` `rebate` 1 ``.
    fn kind_names(&self) -> String {
        let mut names: Vec<String> = self
            .kinds
            .names
            .iter()
            .map(|(name, n)| format!("`{}` {n}", crate::text::escape(name)))
            .collect();
        let named: usize = self.kinds.names.values().sum();
        if named < self.kinds.records {
            names.push(format!("{} of other kinds", self.kinds.records - named));
        }
        names.join(", ")
    }
}

/// Rule errors listed per rule in the text report; the JSON report lists all.
const RULE_ERRORS_SHOWN: usize = 5;

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
