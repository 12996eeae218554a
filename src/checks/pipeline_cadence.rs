//! `pipeline-cadence`: each active selected partner files a pipeline update at least every
//! `max_gap_days` days, from the later of its contract date and the batch's first date
//! through the as-of date. A partner-level check, judged over the batch.

use super::{At, CheckKind, Ctx, Env, ExplainCx, Finish, GateCx, GateKind, RuleRef, Step, step};
use crate::date::Date;
use crate::finding::Finding;
use crate::hash::FastMap;
use crate::outcome::{Analytics, PipelineTimeline, Verdict};
use crate::pack::{FileLoader, Rule};
use crate::record::{CompactString, Kind};
use crate::refdata::Partner;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use toml::Spanned;

/// The parameters of a `pipeline-cadence` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PipelineCadence {
    /// Longest allowed gap, in days.
    pub max_gap_days: i64,
    /// The record kind that counts as an update.
    pub update_kind: Kind,
}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    max_gap_days: Spanned<i64>,
    update_kind: String,
}

/// What the rule gathers: each partner's update dates.
#[derive(Default)]
pub(crate) struct State {
    history: History,
}

/// What past records leave behind: each partner's update dates (the gate keeps this
/// between records; the batch gathers it in its [`State`]).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct History {
    updates: FastMap<CompactString, Vec<Date>>,
}

/// A partner's reporting window and the updates inside it.
struct Window {
    start: Date,
    as_of: Date,
    /// Sorted, without repeats, each within `start..=as_of`.
    dates: Vec<Date>,
}

/// A gap longer than the policy allows: the one decision a finding is made from.
struct Gap {
    /// The point the gap runs from (the window's start or an update).
    from: Date,
    /// The update that ends it, or `None` for a gap running to the as-of date.
    until: Option<Date>,
    days: i64,
}

impl Window {
    /// The window of `partner`: from the later of its contract date and the batch's first
    /// date, through `as_of`.
    fn of(partner: &Partner, first: Date, as_of: Date, mut dates: Vec<Date>) -> Window {
        let start = partner.contract_signed.map_or(first, |c| c.max(first));
        dates.retain(|d| start <= *d && *d <= as_of);
        dates.sort_unstable();
        dates.dedup();
        Window {
            start,
            as_of,
            dates,
        }
    }

    /// Every gap longer than `max_gap` days between the start, the updates and the as-of
    /// date; none when the window is empty.
    fn gaps(&self, max_gap: i64) -> Vec<Gap> {
        let mut gaps = Vec::new();
        if self.as_of < self.start {
            return gaps;
        }
        let mut prev = self.start;
        for point in self.dates.iter().copied().map(Some).chain([None]) {
            let end = point.unwrap_or(self.as_of);
            let days = prev.days_until(end);
            if days > max_gap {
                gaps.push(Gap {
                    from: prev,
                    until: point,
                    days,
                });
            }
            prev = end;
        }
        gaps
    }
}

impl PipelineCadence {
    /// The finding for one gap of `partner`'s window: the one rendering both the batch's
    /// `finish` and the gate use.
    fn finding(&self, at: &RuleRef<'_>, partner: &Partner, window: &Window, gap: &Gap) -> Finding {
        let max_gap = self.max_gap_days;
        let (start, prev, days, as_of) = (window.start, gap.from, gap.days, window.as_of);
        let end = gap.until.unwrap_or(as_of);
        let since = if prev == start && !window.dates.contains(&start) {
            format!("from {start} (start of the reporting window)")
        } else {
            format!("after its update of {prev}")
        };
        let message = match gap.until {
            Some(next) => format!(
                "{} ({}) filed no pipeline update for {days} days {since} until {next}; the policy allows at most {max_gap} days between updates",
                partner.id, partner.partner_type
            ),
            None => format!(
                "{} ({}) has filed no pipeline update for {days} days {since} through the as-of date {as_of}; the policy allows at most {max_gap} days between updates",
                partner.id, partner.partner_type
            ),
        };
        let at = At {
            rule: at,
            record: None,
            line: None,
            partner: &partner.id,
            date: end,
            customer: None,
            sku: None,
        };
        at.finding(
            message,
            format!("at most {max_gap} days between updates"),
            format!("{days} days ({prev} to {end})"),
        )
    }
}

impl GateKind for PipelineCadence {
    type History = History;

    fn remember(&self, history: &mut History, _: &Rule, ctx: &Ctx<'_>) {
        let record = ctx.record;
        if record.kind == self.update_kind {
            history
                .updates
                .entry(record.partner.clone())
                .or_default()
                .push(record.date);
        }
    }

    /// The gaps of the record's partner that end on the record's date, as a batch judged as
    /// of that date finds them: the window needs only the last update before the date (or
    /// the window's start) and the update on the date, if any.
    fn decide(&self, history: &History, at: &RuleRef<'_>, gx: &GateCx<'_>, out: &mut Verdict) {
        let Some(partner) = gx.ctx.partner else {
            return;
        };
        if partner.status != "active" || !at.rule.select.matches_partner(partner) {
            return;
        }
        let as_of = gx.ctx.record.date;
        let dates = history
            .updates
            .get(partner.id.as_str())
            .map_or(&[][..], Vec::as_slice);
        let before = dates.iter().copied().filter(|d| *d < as_of).max();
        let on = dates.contains(&as_of).then_some(as_of);
        let window = Window::of(
            partner,
            gx.first,
            as_of,
            before.into_iter().chain(on).collect(),
        );
        for gap in window.gaps(self.max_gap_days) {
            if gap.until.is_none_or(|until| until == as_of) {
                out.findings.push(self.finding(at, partner, &window, &gap));
            }
        }
    }

    /// Keeps each partner's updates from `before` on, and its latest update whatever its
    /// date (the gap after it is still open).
    fn forget(history: &mut History, before: Date) {
        for dates in history.updates.values_mut() {
            let latest = dates.iter().copied().max();
            dates.retain(|d| *d >= before || Some(*d) == latest);
            dates.dedup();
        }
    }

    fn tracked(history: &History) -> usize {
        history.updates.len()
    }
}

impl CheckKind for PipelineCadence {
    type Params = Params;
    type State = State;
    const STATELESS: bool = false;
    const PARTNER_LEVEL: bool = true;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        Some(PipelineCadence {
            max_gap_days: cx.days(&p.max_gap_days, 1)?,
            update_kind: Kind::from_name(&p.update_kind),
        })
    }

    fn judge(&self, _: &RuleRef<'_>, _: &Ctx<'_>, _: &mut Env<'_>, _: &mut Verdict) {
        // Batch-level: judged at `finish`.
    }

    fn observe(&self, state: &mut State, rule: &Rule, ctx: &Ctx<'_>) {
        self.remember(&mut state.history, rule, ctx);
    }

    fn merge(&self, mine: &mut State, theirs: State) {
        for (partner, dates) in theirs.history.updates {
            mine.history
                .updates
                .entry(partner)
                .or_default()
                .extend(dates);
        }
    }

    fn finish(
        &self,
        mut state: State,
        at: &RuleRef<'_>,
        fin: &Finish<'_>,
        out: &mut Verdict,
        analytics: &mut Analytics,
    ) {
        let (Some(first), Some(as_of)) = (fin.first, fin.as_of) else {
            return;
        };
        for partner in fin.data.partners() {
            if partner.status != "active" || !at.rule.select.matches_partner(partner) {
                continue;
            }
            let dates = state
                .history
                .updates
                .remove(partner.id.as_str())
                .unwrap_or_default();
            let window = Window::of(partner, first, as_of, dates);
            let gaps = window.gaps(self.max_gap_days);
            for gap in &gaps {
                out.findings.push(self.finding(at, partner, &window, gap));
            }
            analytics.pipelines.push(PipelineTimeline {
                rule: Arc::clone(at.id),
                partner: partner.id.clone(),
                start: window.start,
                as_of,
                max_gap_days: self.max_gap_days,
                gaps: gaps
                    .iter()
                    .map(|g| (g.from, g.until.unwrap_or(as_of)))
                    .collect(),
                reports: window.dates,
            });
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let Some(partner) = cx.ctx.partner else {
            return vec![step(
                "partner",
                "the partner is not in partners.csv: not judged",
                &[],
            )];
        };
        let mut state = cx.replay(self);
        let dates = state
            .history
            .updates
            .remove(partner.id.as_str())
            .unwrap_or_default();
        let window = Window::of(partner, cx.first, cx.as_of, dates);
        let list: Vec<String> = window.dates.iter().map(ToString::to_string).collect();
        let text = format!(
            "window {} (later of contract {} and the batch's first date {}) to as-of {}; updates: {}; at most {} days between points",
            window.start,
            partner
                .contract_signed
                .map_or("-".to_owned(), |d| d.to_string()),
            cx.first,
            window.as_of,
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.join(", ")
            },
            self.max_gap_days
        );
        vec![step(
            "pipeline updates",
            text,
            &[
                ("window_start", window.start.to_string()),
                ("as_of", window.as_of.to_string()),
                ("updates", list.join(", ")),
            ],
        )]
    }
}
