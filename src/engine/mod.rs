//! Evaluation: an [`Engine`] built once from a pack and reference data, checking records one
//! at a time ([`Engine::check`]) or as a batch through a [`Session`]. What each check kind
//! does is in [`crate::checks`]; what checking gives is plain data in [`crate::outcome`].

mod explain;
mod plan;
pub(crate) mod pool;
mod stream;

pub use stream::StreamError;

pub use explain::{ExplainError, Explanation};

use crate::checks::{Ctx, Env, Finish, Names, RuleRef, State};
use crate::date::Date;
use crate::diag::LoadError;
use crate::finding::{Finding, RuleError};
use crate::outcome::{Analytics, Outcome, Verdict};
use crate::pack::{Pack, Rule};
use crate::record::Record;
use crate::refdata::RefData;
use crate::script::{Host, Shared};
use std::sync::Arc;

/// A compiled rule pack bound to its reference data. Immutable once built, `Send + Sync`:
/// build it once and share it between threads.
#[derive(Debug)]
pub struct Engine {
    pack: Pack,
    data: Arc<RefData>,
    /// Rule ids and titles as shared strings, so a finding does not copy them.
    ids: Vec<Names>,
    /// Runs the pack's scripts and conditions, with the reference data bound.
    scripts: Host,
    /// Which rules each record kind goes through.
    plan: plan::Plan,
}

impl Engine {
    /// Builds an engine: indexes the pack's rules by record kind and binds its scripts to
    /// the reference data. Everything that can be wrong with a pack or with the data is
    /// reported when they load, so this succeeds today; it returns a `Result` so that checks
    /// of the pack against the data can be added without breaking callers.
    pub fn new(pack: Pack, data: RefData) -> Result<Engine, LoadError> {
        let ids = pack.rules().iter().map(Names::of).collect();
        let data = Arc::new(data);
        let scripts = Host::new(pack.limits(), &data);
        let plan = plan::Plan::new(pack.rules());
        Ok(Engine {
            pack,
            data,
            ids,
            scripts,
            plan,
        })
    }

    /// The rule pack.
    pub fn pack(&self) -> &Pack {
        &self.pack
    }

    /// The reference data.
    pub fn data(&self) -> &RefData {
        &self.data
    }

    fn ctx<'a>(&'a self, record: &'a Record) -> Ctx<'a> {
        Ctx::new(record, &self.data)
    }

    fn rules(&self) -> impl Iterator<Item = (&Rule, &Names)> {
        self.pack.rules().iter().zip(&self.ids)
    }

    /// Checks one record against the stateless rules (those that need no other record),
    /// appending to `out`. With only built-in rules, allocates nothing when the record
    /// passes; script rules copy the record once for the scripts to share.
    pub fn check_into(&self, record: &Record, out: &mut Verdict) {
        self.check_stateless(&self.ctx(record), out);
    }

    fn check_stateless(&self, ctx: &Ctx<'_>, out: &mut Verdict) {
        // The scripts' `partner(record.partner)` is the partner the context looked up.
        let mut shared = Some(Shared::knowing(ctx.partner));
        let mut env = Env {
            data: &self.data,
            settings: self.pack.settings(),
            scripts: &self.scripts,
            shared: &mut shared,
        };
        for &i in self.plan.stateless_for(&ctx.record.kind) {
            let (Some(rule), Some(id)) = (self.pack.rules().get(i), self.ids.get(i)) else {
                continue;
            };
            if rule.select.matches(ctx) {
                rule.check
                    .judge(&RuleRef::new(rule, id), ctx, &mut env, out);
            }
        }
    }

    /// Checks one record against the stateless rules.
    pub fn check(&self, record: &Record) -> Verdict {
        let mut out = Verdict::default();
        self.check_into(record, &mut out);
        out
    }

    /// Starts a session: push records, then `finish` for the rules that need the batch.
    pub fn session(&self) -> Session<'_> {
        self.session_as_of(None)
    }

    /// Starts a session that judges the batch as of `as_of`: a record pushed that is dated
    /// after it is deferred (counted, judged by nothing, and left out of the batch-level
    /// rules and the analytics), and `finish` judges as of it.
    pub fn session_as_of(&self, as_of: Option<Date>) -> Session<'_> {
        let state = self
            .pack
            .rules()
            .iter()
            .map(|r| r.check.new_state())
            .collect();
        Session {
            engine: self,
            state,
            as_of,
            first: None,
            last: None,
            checked: 0,
            deferred: 0,
            verdict: Verdict::default(),
        }
    }

    /// A session as of `as_of` that has seen `records`.
    pub(crate) fn session_over(&self, records: &[Record], as_of: Option<Date>) -> Session<'_> {
        let mut session = self.session_as_of(as_of);
        for record in records {
            session.push(record);
        }
        session
    }
}

/// A pass over a batch. Records may be pushed in any order: batch-level rules judge at
/// `finish`, so the outcome is the same for every order.
pub struct Session<'e> {
    engine: &'e Engine,
    state: Vec<State>,
    /// Records dated after this are deferred.
    as_of: Option<Date>,
    first: Option<Date>,
    last: Option<Date>,
    checked: usize,
    deferred: usize,
    verdict: Verdict,
}

impl Session<'_> {
    /// Adds what `other` (a session of the same engine over other records) has seen: the
    /// outcome of `finish` is then that of one session over both sets of records, which is
    /// how a batch is checked on all cores.
    pub fn merge(&mut self, other: Session<'_>) {
        self.checked += other.checked;
        self.deferred += other.deferred;
        self.as_of = self.as_of.or(other.as_of);
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, other.last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        self.verdict.findings.extend(other.verdict.findings);
        self.verdict.rule_errors.extend(other.verdict.rule_errors);
        let rules = self.engine.pack.rules();
        for ((mine, theirs), rule) in self.state.iter_mut().zip(other.state).zip(rules) {
            rule.check.merge(mine, theirs);
        }
    }

    /// Checks `record` against the stateless rules and remembers what the batch-level rules
    /// need from it; or, when it is dated after the session's as-of date, only counts it
    /// as deferred.
    pub fn push(&mut self, record: &Record) {
        if self.as_of.is_some_and(|as_of| record.date > as_of) {
            self.deferred += 1;
            return;
        }
        let engine = self.engine;
        self.checked += 1;
        self.first = Some(self.first.map_or(record.date, |d| d.min(record.date)));
        self.last = Some(self.last.map_or(record.date, |d| d.max(record.date)));
        let ctx = engine.ctx(record);
        engine.check_stateless(&ctx, &mut self.verdict);
        for &i in &engine.plan.stateful {
            let (Some(rule), Some(state)) = (engine.pack.rules().get(i), self.state.get_mut(i))
            else {
                continue;
            };
            rule.check.observe(state, rule, &ctx);
        }
    }

    /// Takes the findings and rule errors made so far (the stateless rules'), in report
    /// order, leaving what the batch-level rules have gathered: how a stream hands out a
    /// block's findings as soon as it is judged.
    pub(crate) fn drain(&mut self) -> Verdict {
        let mut verdict = std::mem::take(&mut self.verdict);
        verdict.findings.sort_by(Finding::report_order);
        verdict.rule_errors.sort_by(RuleError::report_order);
        verdict
    }

    /// Judges the batch-level rules as of `as_of` (default: the session's own as-of date,
    /// else the latest record date) and returns every finding in report order.
    pub fn finish(mut self, as_of: Option<Date>) -> Outcome {
        let engine = self.engine;
        let as_of = as_of.or(self.as_of).or(self.last);
        let mut analytics = Analytics::default();
        // With no record read, the batch's first date is the earliest contract date, so
        // that a partner that filed nothing is judged from its contract on through the
        // as-of date given (a partner that filed nothing is still late).
        let first = self.first.or_else(|| {
            as_of.and_then(|_| {
                engine
                    .data
                    .partners()
                    .iter()
                    .filter_map(|p| p.contract_signed)
                    .min()
            })
        });
        let fin = Finish {
            data: &engine.data,
            settings: engine.pack.settings(),
            first,
            as_of,
        };
        for ((rule, id), state) in engine.rules().zip(std::mem::take(&mut self.state)) {
            let at = RuleRef::new(rule, id);
            rule.check
                .finish(state, &at, &fin, &mut self.verdict, &mut analytics);
        }
        let Verdict {
            mut findings,
            mut rule_errors,
        } = self.verdict;
        findings.sort_by(Finding::report_order);
        rule_errors.sort_by(RuleError::report_order);
        Outcome {
            as_of,
            checked: self.checked,
            deferred: self.deferred,
            findings,
            rule_errors,
            analytics,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }
}
