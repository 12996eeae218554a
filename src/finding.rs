//! What a check reports: findings (violations) and rule errors.

use crate::date::Date;
use crate::pack::Severity;
use std::cmp::Ordering;
use std::sync::Arc;

/// One violation of one rule, by one record or (for partner-level rules) one partner.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's severity.
    pub severity: Severity,
    /// The record's id; `None` for a partner-level finding (cadence, analytics).
    pub record: Option<String>,
    /// Index into the record's `lines`, when the finding is about one line.
    pub line: Option<usize>,
    /// The partner concerned.
    pub partner: String,
    /// A sentence a compliance manager understands.
    pub message: String,
    /// What the policy expects (a price floor, a document, a date).
    pub expected: String,
    /// What the record shows.
    pub actual: String,
    /// The business date the finding is about (the record's date, or the end of a gap);
    /// it orders the report and is not part of the JSON shape.
    #[serde(skip)]
    pub date: Date,
}

impl Finding {
    /// The report's order: by date, then record (partner-level findings last on their
    /// date), then rule, line and partner. Total, so the report never depends on input
    /// order.
    pub fn report_order(&self, other: &Finding) -> Ordering {
        self.date
            .cmp(&other.date)
            .then(self.record.is_none().cmp(&other.record.is_none()))
            .then_with(|| self.record.cmp(&other.record))
            .then_with(|| self.rule.cmp(&other.rule))
            .then(self.line.cmp(&other.line))
            .then_with(|| self.partner.cmp(&other.partner))
            .then_with(|| self.message.cmp(&other.message))
    }
}

/// A rule that could not run on a record (a script error, a limit hit). It is never a
/// pass: it is counted and listed in the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleError {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's severity: a rule that could not run counts as failing at it (it is
    /// never a pass). Not part of the JSON shape.
    #[serde(skip)]
    pub severity: Severity,
    /// The record it failed on; `None` when it failed outside one record.
    pub record: Option<String>,
    /// What went wrong.
    pub reason: String,
}
