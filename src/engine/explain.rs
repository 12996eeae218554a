//! `Engine::explain`: what a rule looked at for one record, and why it decided as it did.
//! The verdict comes from a real run of the batch; the steps show the rule's working.

use super::Engine;
use crate::checks::{Ctx, ExplainCx, Step};
use crate::date::Date;
use crate::diag::did_you_mean;
use crate::finding::{Finding, RuleError};
use crate::pack::{Rule, Severity};
use crate::record::{Batch, Kind};
use crate::refdata::ticked;
use crate::text::escape as esc;
use serde::Serialize;
use std::fmt::Write as _;

/// Why a rule decided as it did on one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The rule's id.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// Its check kind.
    pub check: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// The record's id.
    pub record: String,
    /// The record's partner.
    pub partner: String,
    /// The record's date.
    pub date: Date,
    /// Whether the rule's selector takes the record (or, for partner-level rules, its
    /// partner).
    pub selected: bool,
    /// Why, in a sentence.
    pub selection: String,
    /// What the rule looked at.
    pub steps: Vec<Step>,
    /// The rule's findings on this record (and, for partner-level rules, on its partner).
    pub findings: Vec<Finding>,
    /// The rule's errors on this record.
    pub rule_errors: Vec<RuleError>,
}

/// Why a rule could not be explained on a record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExplainError {
    /// No rule of the pack has this id.
    #[error("rule `{rule}` is not in the pack{}", hint.as_ref().map_or(String::new(), |h| format!("; {h}")))]
    UnknownRule {
        /// The id asked for.
        rule: String,
        /// A "did you mean" hint naming the closest rule id, if one is close.
        hint: Option<String>,
    },
    /// No record read has this id.
    #[error("record `{record}` is not among the records read")]
    UnknownRecord {
        /// The id asked for.
        record: String,
    },
    /// The record could not be read: it was rejected, so no rule judged it.
    #[error("record `{record}` is not among the records read, which was rejected")]
    RejectedRecord {
        /// The id asked for.
        record: String,
        /// The 1-based input line of the rejected record.
        line: usize,
    },
}

impl Engine {
    /// Explains what rule `rule` looked at for record `record` of `batch`, and why it
    /// decided as it did (judged as of `as_of`, default the latest record date). The
    /// findings are those of a real session over the batch; the steps are rendered by the
    /// rule's check kind from the same decision its findings come from.
    ///
    /// Fails with [`ExplainError::UnknownRule`] (with a "did you mean" hint),
    /// [`ExplainError::UnknownRecord`] or [`ExplainError::RejectedRecord`].
    pub fn explain(
        &self,
        batch: &Batch,
        rule: &str,
        record: &str,
        as_of: Option<Date>,
    ) -> Result<Explanation, ExplainError> {
        let Some((r, _)) = self.rules().find(|(r, _)| r.id == rule) else {
            let ids = self.pack.rules().iter().map(|r| r.id.as_str());
            return Err(ExplainError::UnknownRule {
                rule: rule.to_owned(),
                hint: did_you_mean(rule, ids),
            });
        };
        let Some(rec) = batch.records.iter().find(|x| x.id == record) else {
            let rejected = batch.rejected.iter().find(|x| x.id() == Some(record));
            return Err(match rejected {
                Some(rejected) => ExplainError::RejectedRecord {
                    record: record.to_owned(),
                    line: rejected.line,
                },
                None => ExplainError::UnknownRecord {
                    record: record.to_owned(),
                },
            });
        };
        let outcome = self.session_over(&batch.records, as_of).finish(as_of);
        let as_of = outcome.as_of.unwrap_or(rec.date);
        let ctx = self.ctx(rec);
        let partner_level = r.check.is_partner_level();
        let findings: Vec<Finding> = outcome
            .findings
            .iter()
            .filter(|f| &*f.rule == rule)
            .filter(|f| match &f.record {
                Some(id) => id == record,
                None => partner_level && f.partner == rec.partner,
            })
            .cloned()
            .collect();
        let rule_errors = outcome
            .rule_errors
            .iter()
            .filter(|e| &*e.rule == rule && e.record.as_deref().is_none_or(|id| id == record))
            .cloned()
            .collect();
        let (selected, selection) = selection(r, &ctx, partner_level);
        let steps = if selected {
            r.check.explain(&ExplainCx {
                rule: r,
                ctx: &ctx,
                data: &self.data,
                settings: self.pack.settings(),
                scripts: &self.scripts,
                records: &batch.records,
                first: batch
                    .records
                    .iter()
                    .map(|x| x.date)
                    .min()
                    .unwrap_or(rec.date),
                as_of,
                outcome: &outcome,
            })
        } else {
            Vec::new()
        };
        Ok(Explanation {
            rule: r.id.clone(),
            title: r.title.clone(),
            check: r.check.kind_name(),
            severity: r.severity,
            record: rec.id.to_string(),
            partner: rec.partner.to_string(),
            date: rec.date,
            selected,
            selection,
            steps,
            findings,
            rule_errors,
        })
    }
}

/// Whether the rule's selector takes the record, and why, in a sentence.
fn selection(rule: &Rule, ctx: &Ctx<'_>, partner_level: bool) -> (bool, String) {
    let s = &rule.select;
    let kinds: Vec<&str> = s.kinds.iter().map(Kind::as_str).collect();
    let types: Vec<&str> = s.partner_types.iter().map(|t| t.as_str()).collect();
    let mut reasons = Vec::new();
    let kind_ok = partner_level || s.kinds.is_empty() || s.kinds.contains(&ctx.record.kind);
    if !kind_ok {
        reasons.push(format!(
            "the rule looks at {} records, and this is a {}",
            ticked(&kinds),
            ctx.record.kind.as_str()
        ));
    }
    let type_ok = s.partner_types.is_empty()
        || ctx
            .partner
            .is_some_and(|p| s.partner_types.contains(&p.partner_type));
    if !type_ok {
        let this = ctx.partner.map_or("not in partners.csv".to_owned(), |p| {
            format!("a {}", p.partner_type)
        });
        reasons.push(format!(
            "the rule looks at partners of type {}, and {} is {this}",
            ticked(&types),
            ctx.record.partner
        ));
    }
    let region_ok =
        s.regions.is_empty() || ctx.region.is_some_and(|r| s.regions.iter().any(|x| x == r));
    if !region_ok {
        reasons.push(format!(
            "the rule looks at regions {}, and this is {}",
            s.regions.join(", "),
            ctx.region.unwrap_or("no region")
        ));
    }
    if reasons.is_empty() {
        (true, "the rule's selector takes this record".to_owned())
    } else {
        (false, format!("not judged: {}", reasons.join("; ")))
    }
}

impl Explanation {
    /// The explanation for people.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{} ({}, {}): {}",
            esc(&self.rule),
            self.severity,
            self.check,
            esc(&self.title)
        );
        let _ = writeln!(
            t,
            "record {} of partner {} on {}",
            esc(&self.record),
            esc(&self.partner),
            self.date
        );
        let _ = writeln!(t, "{}", esc(&self.selection));
        for s in &self.steps {
            let _ = writeln!(t, "  {}: {}", esc(&s.about), esc(&s.text));
        }
        match (self.findings.len(), self.rule_errors.len()) {
            (0, 0) if self.selected => {
                let _ = writeln!(t, "verdict: no finding");
            }
            (0, 0) => {}
            (n, e) => {
                let _ = writeln!(
                    t,
                    "verdict: {n} finding{}, {e} rule error{}",
                    if n == 1 { "" } else { "s" },
                    if e == 1 { "" } else { "s" }
                );
            }
        }
        for f in &self.findings {
            let line = f
                .line
                .map_or(String::new(), |l| format!(" (line {})", l + 1));
            let _ = writeln!(
                t,
                "  - {}{line}; expected {}, actual {}",
                esc(&f.message),
                esc(&f.expected),
                esc(&f.actual)
            );
        }
        for e in &self.rule_errors {
            let _ = writeln!(t, "  - rule error: {}", esc(&e.reason));
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::Pack;
    use crate::record::read_batch;
    use crate::refdata::RefData;

    fn engine() -> Engine {
        let pack = Pack::load("rules").unwrap();
        Engine::new(pack, RefData::load("examples/data").unwrap()).unwrap()
    }

    #[test]
    fn explain_errors_say_what_was_missing() {
        let e = engine();
        let text = concat!(
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-DE-04"}"#,
            "\n",
            r#"{"id":"S-2","kind":"sale","date":"2026-03-14","partner":"P-DE-04"}"#,
            "\n",
            r#"{"id":"S-2","kind":"sale","date":"2026-03-15","partner":"P-DE-04"}"#,
            "\n",
        );
        let batch = read_batch(text.as_bytes()).unwrap();
        // Two different records with one id: both are rejected, naming the id.
        assert_eq!(batch.rejected.len(), 2, "{:?}", batch.rejected);

        let err = e.explain(&batch, "price.min-lst", "S-1", None).unwrap_err();
        assert_eq!(
            err,
            ExplainError::UnknownRule {
                rule: "price.min-lst".to_owned(),
                hint: Some("did you mean `price.min-list`?".to_owned()),
            }
        );
        assert_eq!(
            err.to_string(),
            "rule `price.min-lst` is not in the pack; did you mean `price.min-list`?"
        );
        let err = e.explain(&batch, "zzz", "S-1", None).unwrap_err();
        assert_eq!(err.to_string(), "rule `zzz` is not in the pack");

        let err = e
            .explain(&batch, "price.min-list", "S-9", None)
            .unwrap_err();
        assert!(matches!(err, ExplainError::UnknownRecord { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "record `S-9` is not among the records read"
        );

        let err = e
            .explain(&batch, "price.min-list", "S-2", None)
            .unwrap_err();
        assert!(
            matches!(err, ExplainError::RejectedRecord { line: 2, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "record `S-2` is not among the records read, which was rejected"
        );
    }

    /// The steps and the findings are two views of one decision: over the example batch,
    /// every step that says "a finding" has its finding, and every finding its step.
    #[test]
    fn explanations_agree_with_findings() {
        let mut pack = Pack::load("rules").unwrap();
        pack.retain_rules(|r| {
            matches!(
                r.check,
                crate::pack::Check::MinListPrice(_)
                    | crate::pack::Check::RequiredDocuments(_)
                    | crate::pack::Check::RegisteredBeforeSale(_)
            )
        });
        let e = Engine::new(pack, RefData::load("examples/data").unwrap()).unwrap();
        let batch = read_batch(&std::fs::read("examples/records.jsonl").unwrap()).unwrap();
        let mut findings = 0;
        for rule in e.pack().rules() {
            for record in &batch.records {
                let x = e.explain(&batch, &rule.id, &record.id, None).unwrap();
                let said = x
                    .steps
                    .iter()
                    .filter(|s| s.text.ends_with("a finding"))
                    .count();
                assert_eq!(said, x.findings.len(), "{}", x.to_text());
                findings += said;
            }
        }
        assert!(findings >= 10, "{findings}");
    }
}
