//! What checking gives: a [`Verdict`] per record, an [`Outcome`] per batch and the
//! [`Analytics`] of the aggregate rules. Plain data, below both the engine (which makes
//! it) and the report (which renders it): neither of those imports the other.

use crate::date::Date;
use crate::finding::{Finding, RuleError};
use crate::refdata::PartnerType;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::sync::Arc;

/// What checking one record (or a batch) gave: findings, and rules that failed to run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Violations found.
    pub findings: Vec<Finding>,
    /// Rules that could not judge the record; never a pass.
    pub rule_errors: Vec<RuleError>,
}

impl Verdict {
    /// Whether the record passed every rule that ran, and every rule ran.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty() && self.rule_errors.is_empty()
    }

    /// Empties both lists, keeping their memory for the next record.
    pub fn clear(&mut self) {
        self.findings.clear();
        self.rule_errors.clear();
    }
}

/// The result of a session: findings in report order, rule errors, counts. Render it with
/// [`Report::new`](crate::Report::new).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Outcome {
    /// The date the batch-level rules were judged at.
    pub as_of: Option<Date>,
    /// Records checked.
    pub checked: usize,
    /// Records dated after the as-of date given: counted, judged by nothing.
    pub deferred: usize,
    /// Every finding, in report order.
    pub findings: Vec<Finding>,
    /// Rules that failed to run.
    pub rule_errors: Vec<RuleError>,
    /// What the aggregate rules measured per partner and peer group.
    pub analytics: Analytics,
}

/// What an aggregate rule measures, as the report's charts need to know it: the article's
/// two views are resales per installed asset and genuine parts bought per installed asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Measure {
    /// Sale lines (the rule selects the kind `sale` alone).
    Sales,
    /// Purchase lines from the OEM (the kind `purchase` alone, `source = "oem"`).
    OemPurchases,
    /// Anything else a rule sums.
    Other,
}

/// One partner's metric under one aggregate rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PartnerScore {
    /// The rule.
    pub rule: Arc<str>,
    /// What the rule measures.
    pub measure: Measure,
    /// The partner.
    pub partner: String,
    /// Its type.
    pub partner_type: PartnerType,
    /// Its region (`partners.csv`).
    pub region: String,
    /// Its peer group, such as `US-NE` or `dealer, US-NE`.
    pub group: String,
    /// Its installed assets.
    pub assets: u64,
    /// The value of its counted lines, in the rule's currency.
    pub total: Decimal,
    /// `total / assets`.
    pub per_asset: Decimal,
    /// The group's median per-asset value, when the group was judged.
    pub median: Option<Decimal>,
    /// Its modified z-score, when the group was judged.
    pub score: Option<Decimal>,
    /// Whether it was flagged.
    pub flagged: bool,
    /// Lines left out of `total`: in a currency with no rate to the report currency on
    /// their date (or, for a rule with its own `currency`, in another currency); listed in
    /// [`Analytics::left_out`].
    pub other_currency_lines: usize,
}

/// A peer group under one aggregate rule, judged or not, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PeerGroup {
    /// The rule.
    pub rule: Arc<str>,
    /// What the rule measures.
    pub measure: Measure,
    /// The group, such as `US-NE`.
    pub group: String,
    /// Partners in it.
    pub partners: usize,
    /// Their ids: the partners whose values make its median (a partner of a fallback group
    /// is scored in the group that judged it).
    pub members: Vec<String>,
    /// Median per-asset value.
    pub median: Option<Decimal>,
    /// Median absolute deviation.
    pub mad: Option<Decimal>,
    /// Whether its partners were scored.
    pub judged: bool,
    /// The lowest per-asset value not flagged, when the group was judged and the rule flags
    /// low values: `median - threshold x MAD / 0.6745`.
    pub band_low: Option<Decimal>,
    /// The highest per-asset value not flagged, when the group was judged and the rule
    /// flags high values: `median + threshold x MAD / 0.6745`.
    pub band_high: Option<Decimal>,
    /// Why it was not judged.
    pub note: Option<String>,
}

/// A partner an aggregate rule could not measure, or amounts it left out of a partner's
/// total, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct LeftOut {
    /// The rule.
    pub rule: Arc<str>,
    /// The partner.
    pub partner: String,
    /// Why: no installed assets, not in `partners.csv`, or (the partner measured without
    /// them) lines that could not be converted into the report currency, with their count,
    /// amount, currency and dates.
    pub reason: String,
}

/// Claim money a ship-and-debit rule rejected for one partner in one currency: the units
/// times the debit per unit of every claim line with at least one reject reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ClaimMoney {
    /// The rule.
    pub rule: Arc<str>,
    /// The partner that claimed.
    pub partner: String,
    /// The claims' currency.
    pub currency: String,
    /// The money rejected, exact.
    pub amount: Decimal,
}

/// What the aggregate rules measured, for the scorecard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Analytics {
    /// Every measured partner, per rule.
    pub scores: Vec<PartnerScore>,
    /// Every peer group, per rule.
    pub groups: Vec<PeerGroup>,
    /// Partners left out, per rule.
    pub left_out: Vec<LeftOut>,
    /// Claim money rejected, per rule, partner and currency.
    pub claims_rejected: Vec<ClaimMoney>,
    /// Credit notes (or credit lines) that could not be netted against a sale of the
    /// batch, per rule.
    pub unmatched_credit_notes: Vec<UnmatchedCreditNote>,
    /// Per partner, its sale lines' realised prices as a share of list, by the first
    /// net-below-list rule of the pack (none without one).
    pub prices: Vec<PriceProfile>,
    /// Per partner a pipeline-cadence rule judged, its reporting window, its updates and
    /// the gaps over the limit.
    pub pipelines: Vec<PipelineTimeline>,
}

/// The realised prices of one partner's sale lines as whole percents of list: the unit
/// price net of the credit notes netted against it, over the list price on the price date
/// (before any allowed discount), rounded down. Lines with no list price, returns and lines
/// priced under a special pricing agreement are not counted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PriceProfile {
    /// The rule that gathered it.
    pub rule: Arc<str>,
    /// The partner.
    pub partner: String,
    /// Sale lines counted.
    pub lines: u64,
    /// Lines per whole percent of list; 200 stands for 200% or more.
    pub percent_of_list: std::collections::BTreeMap<u32, u64>,
}

impl PriceProfile {
    /// The percent of list below which a share `q` (0 to 1) of the lines lie: `quantile(0.5)`
    /// is the median line's. `None` without lines.
    pub fn quantile(&self, q: f64) -> Option<u32> {
        if self.lines == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.0 } else { q.clamp(0.0, 1.0) };
        // The rank of the line wanted, from 1; a count of lines is far below 2^52.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            clippy::cast_precision_loss,
            reason = "q is in 0..=1 and lines far below 2^52: the rank is in 1..=lines"
        )]
        let rank = ((q * self.lines as f64).ceil() as u64).max(1);
        let mut seen = 0u64;
        for (percent, n) in &self.percent_of_list {
            seen = seen.saturating_add(*n);
            if seen >= rank {
                return Some(*percent);
            }
        }
        self.percent_of_list.keys().next_back().copied()
    }

    /// An empty profile.
    pub(crate) fn new(rule: Arc<str>, partner: String) -> PriceProfile {
        PriceProfile {
            rule,
            partner,
            lines: 0,
            percent_of_list: std::collections::BTreeMap::new(),
        }
    }

    /// Counts `n` lines at `percent` of list.
    pub(crate) fn add_n(&mut self, percent: u32, n: u64) {
        if n == 0 {
            return;
        }
        self.lines = self.lines.saturating_add(n);
        let count = self.percent_of_list.entry(percent.min(200)).or_default();
        *count = count.saturating_add(n);
    }
}

/// One partner's pipeline reporting as a pipeline-cadence rule judged it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PipelineTimeline {
    /// The rule.
    pub rule: Arc<str>,
    /// The partner.
    pub partner: String,
    /// The window's start: the later of the partner's contract date and the batch's first
    /// date.
    pub start: Date,
    /// The window's end, the as-of date.
    pub as_of: Date,
    /// Its updates in the window, in order, each date once.
    pub reports: Vec<Date>,
    /// The longest gap the rule allows, in days.
    pub max_gap_days: i64,
    /// The gaps over the limit, each from its start to its end (an update, or the as-of
    /// date).
    pub gaps: Vec<(Date, Date)>,
}

/// A credit note, or one of its lines, a rule could not net against its sale, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct UnmatchedCreditNote {
    /// The rule.
    pub rule: Arc<str>,
    /// The credit note's id.
    pub credit_note: String,
    /// The sale it names as its invoice.
    pub invoice: String,
    /// The partner of the credit note.
    pub partner: String,
    /// The credit line, when one line could not be netted (`None`: the whole note).
    pub line: Option<usize>,
    /// Why: the invoice is not in the batch, the line's sku or currency is not on the sale.
    pub reason: String,
}

/// `amount` with at least `scale` decimal places and no trailing zeros beyond them: how
/// findings and reports show money.
pub(crate) fn money(amount: Decimal, scale: u32) -> String {
    let mut n = amount.normalize();
    if n.scale() < scale {
        n.rescale(scale);
    }
    n.to_string()
}

/// Two places, half to even: how metrics and scores are shown (never how they are judged).
pub(crate) fn shown(d: Decimal) -> String {
    money(
        d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven),
        2,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(lines: &[(u32, u64)]) -> PriceProfile {
        let mut p = PriceProfile::new(Arc::from("price.net-below-list"), "P-1".to_owned());
        for (percent, n) in lines {
            p.add_n(*percent, *n);
        }
        p
    }

    #[test]
    fn a_price_profile_gives_the_percent_at_each_share_of_its_lines() {
        // 10 lines: 2 at 80%, 3 at 90%, 5 at 100%.
        let p = profile(&[(80, 2), (90, 3), (100, 5)]);
        assert_eq!(p.lines, 10);
        assert_eq!(p.quantile(0.0), Some(80));
        assert_eq!(p.quantile(0.2), Some(80));
        assert_eq!(p.quantile(0.25), Some(90));
        assert_eq!(p.quantile(0.5), Some(90));
        assert_eq!(p.quantile(0.51), Some(100));
        assert_eq!(p.quantile(1.0), Some(100));
        // Out of range and NaN are clamped; no lines, no percent.
        assert_eq!(p.quantile(7.0), Some(100));
        assert_eq!(p.quantile(f64::NAN), Some(80));
        assert_eq!(profile(&[]).quantile(0.5), None);
        // 200 stands for 200% or more.
        assert_eq!(profile(&[(350, 1)]).percent_of_list.get(&200), Some(&1));
    }
}
