//! The gate: records judged one at a time as they arrive (an order system gating each order
//! before booking it), against the history of the records before them, each answer a
//! [`Decision`] to keep for audit.
//!
//! A [`Gate`] holds only the history; the [`Engine`] is passed to every call, so a host
//! can swap engines (a reloaded pack) and keep the history. For each record the gate runs
//! the stateless rules as [`Engine::check`] does, then folds the record into the history
//! of the batch-level rules and judges it against that history with the same decision
//! functions the batch's `finish` uses: `registered-before-sale` and `agreement-on-file`
//! for the record, `pipeline-cadence` for the gaps of the record's partner that end on the
//! record's date. Aggregate rules (`peer-outlier`) need the whole batch: they are listed in
//! [`Decision::rules_skipped`] with the reason.
//!
//! # The gate and the batch
//!
//! Fed records in date order, every finding the gate raises for a record is one that
//! [`Engine::run`] over the same records (those up to and including it) raises as of that
//! record's date. They may differ where the order is not the date order: a pipeline update
//! back-dated before a sale the gate already decided would have passed that sale in a
//! batch run, but the gate's decision stands (a decision is never revised). The gate's
//! cadence findings are the gaps ending on the record's date only (a batch lists every gap
//! up to its as-of date), and a partner's window starts at the earliest record the gate has
//! seen, as a batch's starts at its earliest record. The gate does not reject repeated
//! record ids (it cannot know whether a repeat is a retry).
//!
//! # Memory
//!
//! The history holds, per opportunity, its id and first report date (a map entry), per
//! agreement its id, date and document flag, and per partner its update dates (4 bytes
//! each). Measured (`benches/gate.rs`, heap counted by the allocator): 100,000 generated
//! records leave 1,000 opportunities and 1,000 partners in 272 KB, 135 bytes per tracked
//! opportunity or partner, the partners' update dates included; the snapshot is 237 KB.
//! [`Gate::with_retention`] drops opportunities first reported, and update dates, more
//! than that many days before the latest date seen (a partner keeps its latest update).

mod handle;
mod service;
mod snapshot;

pub use handle::{EngineHandle, ReloadError, ReloadReport};
pub use service::GateService;
pub use snapshot::GateError;

use crate::checks::{Ctx, GateCx, History, Names, RuleRef};
use crate::date::Date;
use crate::engine::Engine;
use crate::finding::{Finding, RuleError, RuleErrorKind};
use crate::outcome::Verdict;
use crate::pack::Severity;
use crate::record::Record;
use serde::Serialize;
use std::sync::Arc;

/// What the gate answered for a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Ruling {
    /// No finding or rule error at or above the fail-on severity.
    Accept,
    /// A finding or rule error at or above the fail-on severity: for a person to look at.
    Hold,
    /// The record could not be read.
    Reject,
}

/// A rule the gate did not run on a record, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Skipped {
    /// The rule's id.
    pub rule: String,
    /// Why it did not run.
    pub reason: String,
}

/// Which pack a decision was made under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PackStamp {
    /// The manifest's name.
    pub name: String,
    /// The manifest's version.
    pub version: String,
    /// [`Pack::hash`](crate::Pack::hash): changes with any edit of any of its files.
    pub hash: String,
}

impl PackStamp {
    /// The stamp of `pack`: its name, version and content hash.
    pub fn of(pack: &crate::pack::Pack) -> PackStamp {
        PackStamp {
            name: pack.name().to_owned(),
            version: pack.version().to_owned(),
            hash: pack.hash().to_owned(),
        }
    }
}

/// Which reference data a decision was made with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct DataStamp {
    /// [`RefData::hash`](crate::RefData::hash); `None` for data built in code.
    pub hash: Option<String>,
}

impl DataStamp {
    /// The stamp of `data`: its content hash.
    pub fn of(data: &crate::refdata::RefData) -> DataStamp {
        DataStamp {
            hash: data.hash().map(str::to_owned),
        }
    }
}

/// The record of one decision, clean ones included: what was decided, from what, under
/// which pack and data. Its JSON is one line of `pactum gate`'s output; the schema is in
/// `docs/decision-record.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Decision {
    /// A UUIDv7: unique, and sorting in the order decisions were made.
    pub decision_id: String,
    /// The record's id; `None` when it could not be read.
    pub record: Option<String>,
    /// The answer.
    pub verdict: Ruling,
    /// Violations, in report order, in the report's shape.
    pub findings: Vec<Finding>,
    /// Rules that could not judge the record (and, for a record that could not be read,
    /// why, under the rule `input`).
    pub rule_errors: Vec<RuleError>,
    /// How many of the pack's rules judged the record (a rule whose selector leaves the
    /// record out counts: it was asked).
    pub rules_evaluated: usize,
    /// The rules that could not be judged one record at a time.
    pub rules_skipped: Vec<Skipped>,
    /// The pack.
    pub pack: PackStamp,
    /// The reference data.
    pub data: DataStamp,
    /// The date the record was judged at: its own date.
    pub as_of: Option<Date>,
}

impl Decision {
    /// The decision as one line of JSON, without the newline.
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// One batch-level rule's history, with the rule it belongs to.
struct Kept {
    names: Names,
    kind: &'static str,
    history: History,
}

/// Decides records one at a time against the history of the records before them. See the
/// [module documentation](self).
///
/// ```
/// use pactum::{Engine, Pack, RefData, Record};
/// use pactum::gate::{Gate, Ruling};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let engine = Engine::new(Pack::load("rules")?, RefData::load("examples/data")?)?;
/// let mut gate = Gate::new(&engine);
/// let update = Record::from_json_str(r#"{"id": "U-1", "kind": "pipeline_update", "date": "2026-03-01",
///     "partner": "P-SA-03", "opportunity": "OPP-9", "stage": "qualified"}"#)?;
/// gate.remember(&engine, &update);
/// let sale = Record::from_json_str(r#"{"id": "S-1", "kind": "sale", "date": "2026-03-04",
///     "partner": "P-SA-03", "opportunity": "OPP-9", "documents": [{"kind": "purchase_order"}],
///     "lines": [{"sku": "SEAL-200", "qty": 1, "unit_price": "90.00", "currency": "USD", "source": "oem"}]}"#)?;
/// let decision = gate.decide(&engine, &sale);
/// assert_eq!(decision.verdict, Ruling::Hold);
/// assert!(decision.findings.iter().any(|f| &*f.rule == "pipeline.registered-before-sale"));
/// println!("{}", decision.to_json_line());
/// # Ok(())
/// # }
/// ```
pub struct Gate {
    /// The hash of the pack the kept histories line up with.
    pack_hash: String,
    kept: Vec<Option<Kept>>,
    first: Option<Date>,
    latest: Option<Date>,
    retention_days: Option<i64>,
    fail_on: Severity,
    remembered: u64,
}

impl Gate {
    /// An empty gate for `engine`'s pack; it holds `hold` at `error` severity.
    pub fn new(engine: &Engine) -> Gate {
        let mut gate = Gate {
            pack_hash: String::new(),
            kept: Vec::new(),
            first: None,
            latest: None,
            retention_days: None,
            fail_on: Severity::Error,
            remembered: 0,
        };
        gate.bind(engine);
        gate
    }

    /// Holds records with a finding or rule error at or above `severity` (default `error`).
    pub fn with_fail_on(mut self, severity: Severity) -> Gate {
        self.fail_on = severity;
        self
    }

    /// Forgets opportunities first reported, and pipeline update dates, more than `days`
    /// days before the latest record date seen (`None`, the default: keep everything).
    pub fn with_retention(mut self, days: Option<i64>) -> Gate {
        self.retention_days = days.map(|d| d.max(0));
        self
    }

    /// How many records the history holds (decided or remembered).
    pub fn remembered(&self) -> u64 {
        self.remembered
    }

    /// Per batch-level rule, how many entries its history tracks (opportunities, agreements
    /// or partners).
    pub fn tracked(&self) -> Vec<(String, usize)> {
        self.kept
            .iter()
            .flatten()
            .map(|k| (k.names.id.to_string(), k.history.tracked()))
            .collect()
    }

    /// Lines the kept histories up with `engine`'s rules. Under the pack they were built
    /// for this is a comparison; under another pack (a reload), a rule keeps its history
    /// when a rule of the same id and kind was there before, and starts empty otherwise.
    fn bind(&mut self, engine: &Engine) {
        let pack = engine.pack();
        if self.pack_hash == pack.hash() && self.kept.len() == pack.rules().len() {
            return;
        }
        let mut old: Vec<Kept> = std::mem::take(&mut self.kept)
            .into_iter()
            .flatten()
            .collect();
        self.kept = pack
            .rules()
            .iter()
            .map(|rule| {
                if rule.check.is_stateless() {
                    return None;
                }
                let kind = rule.check.kind_name();
                let history = match old
                    .iter()
                    .position(|k| *k.names.id == *rule.id && k.kind == kind)
                {
                    Some(i) => old.swap_remove(i).history,
                    None => rule.check.new_history(),
                };
                Some(Kept {
                    names: Names::of(rule),
                    kind,
                    history,
                })
            })
            .collect();
        pack.hash().clone_into(&mut self.pack_hash);
    }

    /// Folds `record` into the history without deciding it: to load the history a gate
    /// starts from (records already booked).
    pub fn remember(&mut self, engine: &Engine, record: &Record) {
        self.bind(engine);
        self.fold(engine, &Ctx::new(record, engine.data()));
    }

    fn fold(&mut self, engine: &Engine, ctx: &Ctx<'_>) {
        let date = ctx.record.date;
        self.remembered += 1;
        self.first = Some(self.first.map_or(date, |f| f.min(date)));
        let advanced = self.latest.is_none_or(|l| date > l);
        if advanced {
            self.latest = Some(date);
        }
        for (rule, kept) in engine.pack().rules().iter().zip(&mut self.kept) {
            if let Some(kept) = kept {
                rule.check.remember(&mut kept.history, rule, ctx);
            }
        }
        if let (true, Some(days)) = (advanced, self.retention_days) {
            let before = date.add_days(-days);
            for kept in self.kept.iter_mut().flatten() {
                kept.history.forget(before);
            }
        }
    }

    /// Decides `record`: the stateless rules, then the batch-level rules against the
    /// history (which then holds the record), in one [`Decision`].
    pub fn decide(&mut self, engine: &Engine, record: &Record) -> Decision {
        let mut verdict = Verdict::default();
        let skipped = self.judge(engine, record, &mut verdict);
        let rules = engine.pack().rules().len();
        self.decision(
            engine,
            Some(record.id.to_string()),
            Some(record.date),
            verdict,
            rules.saturating_sub(skipped.len()),
            skipped,
        )
    }

    /// Judges `record` into `out` and returns the rules it skipped.
    fn judge(&mut self, engine: &Engine, record: &Record, out: &mut Verdict) -> Vec<Skipped> {
        self.bind(engine);
        engine.check_into(record, out);
        let ctx = Ctx::new(record, engine.data());
        self.fold(engine, &ctx);
        let gx = GateCx {
            ctx: &ctx,
            settings: engine.pack().settings(),
            first: self.first.unwrap_or(record.date),
        };
        let mut skipped = Vec::new();
        for (rule, kept) in engine.pack().rules().iter().zip(&self.kept) {
            let Some(kept) = kept else {
                continue;
            };
            if let Some(reason) = rule.check.gate_skip() {
                skipped.push(Skipped {
                    rule: rule.id.clone(),
                    reason: reason.to_owned(),
                });
                continue;
            }
            let at = RuleRef::new(rule, &kept.names);
            rule.check.decide(&kept.history, &at, &gx, out);
        }
        out.findings.sort_by(Finding::report_order);
        skipped
    }

    /// Decides one record given as JSON text; text that is not a record gets the verdict
    /// `reject`, with the reason as a rule error of the rule `input`, and joins no history.
    pub fn decide_json(&mut self, engine: &Engine, text: &str) -> Decision {
        match Record::from_json_str(text) {
            Ok(record) => self.decide(engine, &record),
            Err(e) => self.reject(engine, format!("the record cannot be read: {e}")),
        }
    }

    /// As [`Gate::decide_json`], for bytes that may not be UTF-8 (rejected if not).
    pub fn decide_bytes(&mut self, engine: &Engine, bytes: &[u8]) -> Decision {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.decide_json(engine, text),
            Err(e) => self.reject(
                engine,
                format!("the record cannot be read: it is not UTF-8 ({e})"),
            ),
        }
    }

    fn reject(&self, engine: &Engine, reason: String) -> Decision {
        let error = RuleError::new(
            &Arc::from("input"),
            Severity::Error,
            None,
            RuleErrorKind::BadResult,
            reason,
        );
        let verdict = Verdict {
            findings: Vec::new(),
            rule_errors: vec![error],
        };
        let mut d = self.decision(engine, None, None, verdict, 0, Vec::new());
        d.verdict = Ruling::Reject;
        d
    }

    fn decision(
        &self,
        engine: &Engine,
        record: Option<String>,
        as_of: Option<Date>,
        verdict: Verdict,
        rules_evaluated: usize,
        rules_skipped: Vec<Skipped>,
    ) -> Decision {
        let worst = verdict
            .findings
            .iter()
            .map(|f| f.severity)
            .chain(verdict.rule_errors.iter().map(|e| e.severity))
            .max();
        let pack = engine.pack();
        Decision {
            decision_id: uuid::Uuid::now_v7().to_string(),
            record,
            verdict: if worst.is_some_and(|w| w >= self.fail_on) {
                Ruling::Hold
            } else {
                Ruling::Accept
            },
            findings: verdict.findings,
            rule_errors: verdict.rule_errors,
            rules_evaluated,
            rules_skipped,
            pack: PackStamp::of(pack),
            data: DataStamp::of(engine.data()),
            as_of,
        }
    }
}
