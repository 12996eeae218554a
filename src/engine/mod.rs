//! Evaluation: an [`Engine`] built once from a pack and reference data, checking records one
//! at a time ([`Engine::check`]) or as a batch through a [`Session`].

mod aggregate;
mod builtin;
mod explain;
mod plan;
mod stream;

pub use stream::StreamError;

pub(crate) use aggregate::shown;
pub use aggregate::{Analytics, LeftOut, PartnerScore, PeerGroup};
pub(crate) use builtin::money;
pub use explain::{ExplainError, Explanation, Step};

use crate::date::Date;
use crate::diag::LoadError;
use crate::finding::{Finding, RuleError};
use crate::hash::FastMap;
use crate::pack::{Check, Pack, Rule, Selector};
use crate::record::{Batch, Kind, Record};
use crate::refdata::{Partner, RefData};
use crate::report::Report;
use crate::script::{Host, Shared};
use std::sync::Arc;

/// A compiled rule pack bound to its reference data. Immutable once built, `Send + Sync`:
/// build it once and share it between threads.
#[derive(Debug)]
pub struct Engine {
    pack: Pack,
    data: Arc<RefData>,
    /// Rule ids as shared strings, so a finding does not copy its rule's id.
    ids: Vec<Arc<str>>,
    /// Runs the pack's scripts and conditions, with the reference data bound.
    scripts: Host,
    /// Which rules each record kind goes through.
    plan: plan::Plan,
}

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

/// What a rule needs to know about the record in hand, looked up once per record.
pub(crate) struct Ctx<'a> {
    pub record: &'a Record,
    pub partner: Option<&'a Partner>,
    /// The record's region, else its partner's.
    pub region: Option<&'a str>,
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

impl Engine {
    /// Builds an engine: indexes the pack's rules by record kind and binds its scripts to
    /// the reference data. Everything that can be wrong with a pack or with the data is
    /// reported when they load, so this succeeds today; it returns a `Result` so that checks
    /// of the pack against the data can be added without breaking callers.
    pub fn new(pack: Pack, data: RefData) -> Result<Engine, LoadError> {
        let ids = pack
            .rules()
            .iter()
            .map(|r| Arc::from(r.id.as_str()))
            .collect();
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
        let partner = self.data.partner(&record.partner);
        let region = record
            .region
            .as_deref()
            .or(partner.map(|p| p.region.as_str()));
        Ctx {
            record,
            partner,
            region,
        }
    }

    fn rules(&self) -> impl Iterator<Item = (&Rule, &Arc<str>)> {
        self.pack.rules().iter().zip(&self.ids)
    }

    /// Checks one record against the stateless rules (those that need no other record),
    /// appending to `out`. With only built-in rules, allocates nothing when the record
    /// passes; script rules copy the record once for the scripts to share.
    pub fn check_into(&self, record: &Record, out: &mut Verdict) {
        self.check_stateless(&self.ctx(record), out);
    }

    fn check_stateless(&self, ctx: &Ctx<'_>, out: &mut Verdict) {
        let mut shared = None;
        for &i in self.plan.stateless_for(&ctx.record.kind) {
            let (Some(rule), Some(id)) = (self.pack.rules().get(i), self.ids.get(i)) else {
                continue;
            };
            if rule.select.matches(ctx) {
                self.apply(rule, id, ctx, &mut shared, out);
            }
        }
    }

    /// Checks one record against the stateless rules.
    pub fn check(&self, record: &Record) -> Verdict {
        let mut out = Verdict::default();
        self.check_into(record, &mut out);
        out
    }

    /// Runs one stateless rule on one record.
    fn apply(
        &self,
        rule: &Rule,
        id: &Arc<str>,
        ctx: &Ctx<'_>,
        shared: &mut Option<Shared>,
        out: &mut Verdict,
    ) {
        let record = ctx.record;
        let result = match &rule.check {
            Check::Script(script) => {
                let shared = shared.get_or_insert_with(|| Shared::new(record));
                self.scripts.run_script(script, shared)
            }
            Check::Condition(condition) => {
                let shared = shared.get_or_insert_with(|| Shared::new(record));
                self.scripts.run_condition(condition, shared)
            }
            _ => {
                builtin::check_record(rule, id, ctx, &self.data, &mut out.findings);
                return;
            }
        };
        match result {
            Ok(found) => out.findings.extend(found.into_iter().map(|f| Finding {
                rule: Arc::clone(id),
                severity: rule.severity,
                record: Some(record.id.clone()),
                line: f.line,
                partner: record.partner.clone(),
                message: f.message,
                expected: f.expected,
                actual: f.actual,
                date: record.date,
            })),
            Err(reason) => out.rule_errors.push(RuleError {
                rule: Arc::clone(id),
                severity: rule.severity,
                record: Some(record.id.clone()),
                reason,
            }),
        }
    }

    /// Starts a session: push records, then `finish` for the rules that need the batch.
    pub fn session(&self) -> Session<'_> {
        let state = self
            .pack
            .rules()
            .iter()
            .map(|r| State::for_check(&r.check))
            .collect();
        Session {
            engine: self,
            state,
            first: None,
            last: None,
            checked: 0,
            verdict: Verdict::default(),
        }
    }

    /// Checks a whole batch: every record, then the batch-level rules as of `as_of`
    /// (default: the latest record date).
    ///
    /// Sessions judge the batch-level rules at `finish`, over everything pushed, so the
    /// records need no sorting: any order gives the same report.
    pub fn run(&self, batch: &Batch, as_of: Option<Date>) -> Report {
        self.report(
            self.session_over(&batch.records),
            as_of,
            batch.rejected.clone(),
        )
    }

    /// As [`Engine::run`], on all cores: the batch is cut into shards, each checked by its
    /// own session, and the sessions merged before `finish`. The report equals `run`'s.
    pub fn run_parallel(&self, batch: &Batch, as_of: Option<Date>) -> Report {
        let session = self.check_shards(&batch.records);
        self.report(session, as_of, batch.rejected.clone())
    }

    /// A session that has seen `records`.
    pub(crate) fn session_over(&self, records: &[Record]) -> Session<'_> {
        let mut session = self.session();
        for record in records {
            session.push(record);
        }
        session
    }

    /// Finishes `session` and makes the report.
    pub(crate) fn report(
        &self,
        session: Session<'_>,
        as_of: Option<Date>,
        rejected: Vec<crate::record::Rejected>,
    ) -> Report {
        let outcome = session.finish(as_of);
        Report::new(self.pack(), &self.data, outcome, rejected)
    }
}

/// A sale (or other selected record) waiting for the batch to be complete.
struct Pending {
    record: String,
    partner: String,
    date: Date,
    /// The opportunity or agreement it names.
    names: Option<String>,
}

/// What a stateful rule gathers while records stream by.
enum State {
    Stateless,
    Aggregate(aggregate::Sums),
    Cadence {
        updates: FastMap<String, Vec<Date>>,
    },
    Registered {
        first_update: FastMap<String, Date>,
        sales: Vec<Pending>,
    },
    Agreement {
        agreements: FastMap<String, (Date, bool)>,
        sales: Vec<Pending>,
    },
}

impl State {
    /// Adds another shard's state for the same rule. Every state is a union of per-record
    /// contributions (lists, minimums, sums), so merging shards in any grouping gives what
    /// one pass over all their records would.
    fn merge(&mut self, other: State) {
        match (self, other) {
            (State::Aggregate(a), State::Aggregate(b)) => a.merge(b),
            (State::Cadence { updates: a }, State::Cadence { updates: b }) => {
                for (partner, dates) in b {
                    a.entry(partner).or_default().extend(dates);
                }
            }
            (
                State::Registered {
                    first_update: a,
                    sales: sa,
                },
                State::Registered {
                    first_update: b,
                    sales: sb,
                },
            ) => {
                for (opportunity, date) in b {
                    let first = a.entry(opportunity).or_insert(date);
                    *first = (*first).min(date);
                }
                sa.extend(sb);
            }
            (
                State::Agreement {
                    agreements: a,
                    sales: sa,
                },
                State::Agreement {
                    agreements: b,
                    sales: sb,
                },
            ) => {
                for (id, on_file) in b {
                    a.entry(id).or_insert(on_file);
                }
                sa.extend(sb);
            }
            _ => {}
        }
    }

    fn for_check(check: &Check) -> State {
        match check {
            Check::PipelineCadence { .. } => State::Cadence {
                updates: FastMap::default(),
            },
            Check::RegisteredBeforeSale { .. } => State::Registered {
                first_update: FastMap::default(),
                sales: Vec::new(),
            },
            Check::AgreementOnFile { .. } => State::Agreement {
                agreements: FastMap::default(),
                sales: Vec::new(),
            },
            Check::PeerOutlier(_) => State::Aggregate(aggregate::Sums::default()),
            _ => State::Stateless,
        }
    }
}

/// The result of a session: findings in report order, rule errors, counts.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The date the batch-level rules were judged at.
    pub as_of: Option<Date>,
    /// Records checked.
    pub checked: usize,
    /// Every finding, in report order.
    pub findings: Vec<Finding>,
    /// Rules that failed to run.
    pub rule_errors: Vec<RuleError>,
    /// What the aggregate rules measured per partner and peer group.
    pub analytics: Analytics,
}

/// A pass over a batch. Records may be pushed in any order: batch-level rules judge at
/// `finish`, so the outcome is the same for every order.
pub struct Session<'e> {
    engine: &'e Engine,
    state: Vec<State>,
    first: Option<Date>,
    last: Option<Date>,
    checked: usize,
    verdict: Verdict,
}

impl Session<'_> {
    /// Adds what `other` (a session of the same engine over other records) has seen: the
    /// outcome of `finish` is then that of one session over both sets of records, which is
    /// how a batch is checked on all cores.
    pub fn merge(&mut self, other: Session<'_>) {
        self.checked += other.checked;
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
        for (mine, theirs) in self.state.iter_mut().zip(other.state) {
            mine.merge(theirs);
        }
    }

    /// Checks `record` against the stateless rules and remembers what the batch-level rules
    /// need from it.
    pub fn push(&mut self, record: &Record) {
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
            match (state, &rule.check) {
                (State::Cadence { updates }, Check::PipelineCadence { update_kind, .. })
                    if &record.kind == update_kind =>
                {
                    updates
                        .entry(record.partner.clone())
                        .or_default()
                        .push(record.date);
                }
                (
                    State::Registered {
                        first_update,
                        sales,
                    },
                    Check::RegisteredBeforeSale { update_kind, .. },
                ) => {
                    if &record.kind == update_kind {
                        if let Some(opp) = &record.opportunity {
                            let first = first_update.entry(opp.clone()).or_insert(record.date);
                            *first = (*first).min(record.date);
                        }
                    }
                    if rule.select.matches(&ctx) {
                        sales.push(Pending::of(record, record.opportunity.clone()));
                    }
                }
                (
                    State::Agreement { agreements, sales },
                    Check::AgreementOnFile {
                        agreement_kind,
                        document,
                        signed,
                    },
                ) => {
                    if &record.kind == agreement_kind {
                        agreements.insert(
                            record.id.clone(),
                            (record.date, record.has_document(document, *signed)),
                        );
                    }
                    if rule.select.matches(&ctx) && record.agreement.is_some() {
                        sales.push(Pending::of(record, record.agreement.clone()));
                    }
                }
                // Which records count is the selector's kinds; which partners are measured
                // (types, regions) is decided at `finish`, over partners.csv.
                (State::Aggregate(sums), Check::PeerOutlier(p))
                    if rule.select.kinds.is_empty() || rule.select.kinds.contains(&record.kind) =>
                {
                    sums.add(p, record);
                }
                _ => {}
            }
        }
    }

    /// Judges the batch-level rules as of `as_of` (default: the latest record date) and
    /// returns every finding in report order.
    pub fn finish(mut self, as_of: Option<Date>) -> Outcome {
        let engine = self.engine;
        let as_of = as_of.or(self.last);
        let mut analytics = Analytics::default();
        for ((rule, id), state) in engine.rules().zip(std::mem::take(&mut self.state)) {
            let out = &mut self.verdict.findings;
            match (state, &rule.check) {
                (State::Cadence { mut updates }, Check::PipelineCadence { max_gap_days, .. }) => {
                    let (Some(first), Some(as_of)) = (self.first, as_of) else {
                        continue;
                    };
                    for partner in engine.data.partners() {
                        if partner.status != "active" || !rule.select.matches_partner(partner) {
                            continue;
                        }
                        let mut dates = updates.remove(&partner.id).unwrap_or_default();
                        dates.sort_unstable();
                        dates.dedup();
                        let start = builtin::cadence_start(partner, first);
                        builtin::cadence(
                            rule,
                            id,
                            partner,
                            start,
                            as_of,
                            *max_gap_days,
                            &dates,
                            out,
                        );
                    }
                }
                (
                    State::Registered {
                        first_update,
                        sales,
                    },
                    Check::RegisteredBeforeSale { lead_days, .. },
                ) => {
                    for sale in sales {
                        let first = sale
                            .names
                            .as_ref()
                            .and_then(|o| first_update.get(o))
                            .copied();
                        builtin::registered_before(rule, id, &sale, first, *lead_days, out);
                    }
                }
                (
                    State::Agreement { agreements, sales },
                    Check::AgreementOnFile {
                        document, signed, ..
                    },
                ) => {
                    for sale in sales {
                        let on_file = sale.names.as_ref().and_then(|a| agreements.get(a)).copied();
                        builtin::agreement_on_file(
                            rule, id, &sale, on_file, document, *signed, out,
                        );
                    }
                }
                (State::Aggregate(sums), Check::PeerOutlier(p)) => {
                    let data = &engine.data;
                    aggregate::finish(
                        rule,
                        id,
                        p,
                        sums,
                        data,
                        as_of,
                        &mut self.verdict,
                        &mut analytics,
                    );
                }
                _ => {}
            }
        }
        let Verdict {
            mut findings,
            mut rule_errors,
        } = self.verdict;
        findings.sort_by(Finding::report_order);
        rule_errors
            .sort_by(|a, b| (&a.record, &a.rule, &a.reason).cmp(&(&b.record, &b.rule, &b.reason)));
        Outcome {
            as_of,
            checked: self.checked,
            findings,
            rule_errors,
            analytics,
        }
    }
}

impl Pending {
    fn of(record: &Record, names: Option<String>) -> Pending {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Engine>();
    }
}
