//! What a check reports: findings (violations) and rule errors.

use crate::date::Date;
use crate::pack::Severity;
use std::cmp::Ordering;
use std::sync::Arc;

/// One violation of one rule, by one record or (for partner-level rules) one partner.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
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
    /// A code naming the kind of problem, where the rule gives one (an industry reason code,
    /// say), so that systems downstream can act on it without reading the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
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
#[non_exhaustive]
pub struct RuleError {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's severity: a rule that could not run counts as failing at it (it is
    /// never a pass). Not part of the JSON shape.
    #[serde(skip)]
    pub severity: Severity,
    /// The record it failed on; `None` when it failed outside one record.
    pub record: Option<String>,
    /// What went wrong, in a sentence.
    pub reason: String,
    /// What kind of failure it was. Not part of the JSON shape (the reason says it).
    #[serde(skip)]
    pub kind: RuleErrorKind,
}

impl RuleError {
    /// The report's order of rule errors: by record (batch-level ones first), rule and
    /// reason.
    pub fn report_order(&self, other: &RuleError) -> Ordering {
        (&self.record, &self.rule, &self.reason).cmp(&(&other.record, &other.rule, &other.reason))
    }

    /// A rule error of `kind` on `record` (or on the batch).
    pub(crate) fn new(
        rule: &Arc<str>,
        severity: Severity,
        record: Option<String>,
        kind: RuleErrorKind,
        reason: String,
    ) -> RuleError {
        RuleError {
            rule: Arc::clone(rule),
            severity,
            record,
            reason,
            kind,
        }
    }
}

/// Why a rule could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// A script or condition hit one of the pack's limits (`[limits]` in `pack.toml`).
    LimitHit {
        /// The limit's name, such as `max_operations` or `max_call_ms`; for a value that
        /// grew too large, `max_string_size, max_array_size or max_map_size`; `variables`
        /// for the sandbox's fixed bound on variables held at once.
        limit: &'static str,
    },
    /// A script or condition failed while running (an error it raised, a bad call).
    Script,
    /// A script or condition returned something that is not a verdict (a condition that
    /// is not true or false, a finding without a message, a line index out of range).
    BadResult,
    /// A sum, product or date was too large to hold exactly (a script helper such as
    /// `add_days` or `installed_assets` out of range); the rule did not guess.
    Overflow,
}
