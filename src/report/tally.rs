//! Counting findings and rule errors: what a report keeps of those a stream has already
//! handed out, and how a report counts its own.

use crate::finding::{Finding, RuleError};
use crate::outcome::Verdict;
use crate::pack::Severity;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Findings and rule errors counted without being kept: per partner and rule (for the
/// scorecard and the summary), per severity, and the worst severity seen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    pub(crate) findings: usize,
    pub(crate) rule_errors: usize,
    pub(crate) by_partner: BTreeMap<String, BTreeMap<Arc<str>, usize>>,
    pub(crate) by_severity: BTreeMap<Severity, usize>,
    pub(crate) worst: Option<Severity>,
    /// The money at stake of the findings with an amount, per partner and rule.
    pub(crate) money: BTreeMap<String, BTreeMap<Arc<str>, Decimal>>,
}

impl Tally {
    /// Counts a verdict's findings and rule errors.
    pub(crate) fn add(&mut self, verdict: &Verdict) {
        self.add_findings(&verdict.findings);
        self.add_rule_errors(&verdict.rule_errors);
    }

    pub(crate) fn add_findings(&mut self, findings: &[Finding]) {
        for f in findings {
            self.findings += 1;
            // The partner's id is copied once, for its first finding.
            if !self.by_partner.contains_key(&f.partner) {
                self.by_partner.insert(f.partner.clone(), BTreeMap::new());
            }
            if let Some(by_rule) = self.by_partner.get_mut(&f.partner) {
                *by_rule.entry(Arc::clone(&f.rule)).or_default() += 1;
            }
            *self.by_severity.entry(f.severity).or_default() += 1;
            self.worst = self.worst.max(Some(f.severity));
            if let Some(amount) = f.amount {
                if !self.money.contains_key(&f.partner) {
                    self.money.insert(f.partner.clone(), BTreeMap::new());
                }
                if let Some(by_rule) = self.money.get_mut(&f.partner) {
                    let sum = by_rule.entry(Arc::clone(&f.rule)).or_default();
                    *sum = sum.saturating_add(amount);
                }
            }
        }
    }

    pub(crate) fn add_rule_errors(&mut self, errors: &[RuleError]) {
        for e in errors {
            self.rule_errors += 1;
            self.worst = self.worst.max(Some(e.severity));
        }
    }

    /// The money at stake per rule id, over every partner.
    pub(crate) fn money_by_rule(&self) -> BTreeMap<String, Decimal> {
        let mut by_rule: BTreeMap<String, Decimal> = BTreeMap::new();
        for sums in self.money.values() {
            for (rule, amount) in sums {
                let sum = by_rule.entry(rule.to_string()).or_default();
                *sum = sum.saturating_add(*amount);
            }
        }
        by_rule
    }

    /// The money at stake of one partner's findings.
    pub(crate) fn money_of(&self, partner: &str) -> Decimal {
        self.money.get(partner).map_or(Decimal::ZERO, |sums| {
            sums.values()
                .fold(Decimal::ZERO, |a, b| a.saturating_add(*b))
        })
    }

    /// Findings per rule id.
    pub(crate) fn by_rule(&self) -> BTreeMap<String, usize> {
        let mut by_rule = BTreeMap::new();
        for counts in self.by_partner.values() {
            for (rule, n) in counts {
                *by_rule.entry(rule.to_string()).or_insert(0) += n;
            }
        }
        by_rule
    }
}
