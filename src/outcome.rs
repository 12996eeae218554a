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

/// One partner's metric under one aggregate rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PartnerScore {
    /// The rule.
    pub rule: Arc<str>,
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
    /// The group, such as `US-NE`.
    pub group: String,
    /// Partners in it.
    pub partners: usize,
    /// Median per-asset value.
    pub median: Option<Decimal>,
    /// Median absolute deviation.
    pub mad: Option<Decimal>,
    /// Whether its partners were scored.
    pub judged: bool,
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
