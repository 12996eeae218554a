//! `registered-before-sale`: a sale names a pipeline opportunity first reported at least
//! `lead_days` days before it. Judged over the batch.

use super::{
    At, CheckKind, Ctx, Env, ExplainCx, Finish, GateCx, GateKind, Pending, RuleRef, Sales, Step,
    step,
};
use crate::date::Date;
use crate::finding::{Finding, Part};
use crate::hash::FastMap;
use crate::outcome::{Analytics, Verdict};
use crate::pack::{FileLoader, Rule};
use crate::record::{CompactString, Kind, Record};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The parameters of a `registered-before-sale` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RegisteredBeforeSale {
    /// Least number of days between first report and sale.
    pub lead_days: i64,
    /// The record kind that registers an opportunity.
    pub update_kind: Kind,
}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    lead_days: Spanned<i64>,
    update_kind: String,
}

/// What the rule gathers: each opportunity's first report, and the selected sales not
/// settled yet.
pub(crate) type State = Sales<History>;

/// What past records leave behind: each opportunity's first report (the gate keeps this
/// between records; the batch gathers it in its [`Sales`]).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct History {
    first_update: FastMap<CompactString, Date>,
}

/// How one sale fared.
struct Decision {
    /// The latest day the opportunity could first be reported.
    deadline: Date,
    /// When it was first reported, if ever.
    first: Option<Date>,
    passes: bool,
}

impl RegisteredBeforeSale {
    fn decide(&self, sale_date: Date, first: Option<Date>) -> Decision {
        Decision {
            deadline: sale_date.add_days(-self.lead_days),
            first,
            passes: first.is_some_and(|f| f.days_until(sale_date) >= self.lead_days),
        }
    }
}

impl RegisteredBeforeSale {
    /// Whether a sale on `date` naming `opportunity` passes whatever records are still to
    /// come: its opportunity was first reported early enough, and a later record can only
    /// move the first report earlier. A settled sale need not be kept for `finish`.
    fn settled(&self, history: &History, date: Date, opportunity: Option<&CompactString>) -> bool {
        let first = opportunity
            .and_then(|o| history.first_update.get(o))
            .copied();
        self.decide(date, first).passes
    }

    /// The finding for `sale` given what the history says of its opportunity, if it fails:
    /// the one judgement both the batch's `finish` and the gate make.
    fn finding(&self, history: &History, at: &RuleRef<'_>, sale: &Pending) -> Option<Finding> {
        let lead = self.lead_days;
        let first = sale
            .names
            .as_ref()
            .and_then(|o| history.first_update.get(o))
            .copied();
        let d = self.decide(sale.date, first);
        if d.passes {
            return None;
        }
        let at = At::pending(at, sale);
        // The values the words are written from when the finding is read.
        let (record, date, opp, deadline) = (
            sale.record.clone(),
            sale.date,
            sale.names.clone(),
            d.deadline,
        );
        let first = d.first;
        let finding = at.finding_later(move |part| match (part, &opp, first) {
            (Part::Expected, _, _) => format!("opportunity first reported by {deadline}"),
            (Part::Message, None, _) => format!(
                "sale {record} on {date} names no pipeline opportunity; a sale must name an opportunity reported at least {lead} days before it"
            ),
            (Part::Actual, None, _) => "no opportunity named".to_owned(),
            (Part::Message, Some(opp), None) => format!(
                "sale {record} on {date} names opportunity {opp}, which was never reported in the pipeline"
            ),
            (Part::Actual, Some(_), None) => "never reported".to_owned(),
            (Part::Message, Some(opp), Some(first)) => {
                let days = first.days_until(date);
                let when = if days >= 0 {
                    format!("{days} days before")
                } else {
                    format!("{} days after", -days)
                };
                format!(
                    "opportunity {opp} was first reported on {first}, {when} the sale {record} on {date}; the policy asks for at least {lead} days"
                )
            }
            (Part::Actual, Some(_), Some(first)) => format!("first reported {first}"),
        });
        Some(finding)
    }
}

impl GateKind for RegisteredBeforeSale {
    type History = History;

    fn remember(&self, history: &mut History, _: &Rule, ctx: &Ctx<'_>) {
        let record = ctx.record;
        if record.kind == self.update_kind {
            if let Some(opp) = &record.opportunity {
                let first = history
                    .first_update
                    .entry(opp.clone())
                    .or_insert(record.date);
                *first = (*first).min(record.date);
            }
        }
    }

    fn decide(&self, history: &History, at: &RuleRef<'_>, gx: &GateCx<'_>, out: &mut Verdict) {
        let record = gx.ctx.record;
        if at.rule.select.matches(gx.ctx) {
            let sale = Pending::of(record, record.opportunity.clone());
            out.findings.extend(self.finding(history, at, &sale));
        }
    }

    fn forget(history: &mut History, before: Date) {
        history.first_update.retain(|_, first| *first >= before);
    }

    fn tracked(history: &History) -> usize {
        history.first_update.len()
    }
}

impl CheckKind for RegisteredBeforeSale {
    type Params = Params;
    type State = State;
    const STATELESS: bool = false;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        Some(RegisteredBeforeSale {
            lead_days: cx.days(&p.lead_days, 0)?,
            update_kind: Kind::from_name(&p.update_kind),
        })
    }

    fn judge(&self, _: &RuleRef<'_>, _: &Ctx<'_>, _: &mut Env<'_>, _: &mut Verdict) {
        // Batch-level: judged at `finish`.
    }

    fn observe(&self, state: &mut State, rule: &Rule, ctx: &Ctx<'_>) {
        let record = ctx.record;
        self.remember(&mut state.history, rule, ctx);
        if rule.select.matches(ctx)
            && !self.settled(&state.history, record.date, record.opportunity.as_ref())
        {
            state
                .sales
                .push(Pending::of(record, record.opportunity.clone()));
        }
    }

    fn merge(&self, mine: &mut State, theirs: State) {
        let absorb = |mine: &mut History, theirs: History| {
            for (opportunity, date) in theirs.first_update {
                let first = mine.first_update.entry(opportunity).or_insert(date);
                *first = (*first).min(date);
            }
        };
        mine.merge(theirs, absorb, |history, sale| {
            self.settled(history, sale.date, sale.names.as_ref())
        });
    }

    fn finish(
        &self,
        state: State,
        at: &RuleRef<'_>,
        _: &Finish<'_>,
        out: &mut Verdict,
        _: &mut Analytics,
    ) {
        state.finish(out, |history, sale| self.finding(history, at, sale));
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let rec = cx.ctx.record;
        let Some(opp) = &rec.opportunity else {
            return vec![step(
                "opportunity",
                "the sale names no opportunity: a finding",
                &[],
            )];
        };
        let state = cx.replay(self);
        let d = self.decide(rec.date, state.history.first_update.get(opp).copied());
        // The history is context for people; the verdict is the decision's.
        let mut history: Vec<&Record> = cx
            .records
            .iter()
            .filter(|x| x.kind == self.update_kind && x.opportunity.as_ref() == Some(opp))
            .collect();
        history.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let lines: Vec<String> = history
            .iter()
            .map(|u| {
                format!(
                    "{} {} by {}{}",
                    u.date,
                    u.id,
                    u.partner,
                    u.stage
                        .as_ref()
                        .map_or(String::new(), |s| format!(" ({s})"))
                )
            })
            .collect();
        let deadline = d.deadline;
        let verdict = match d.first {
            None => "never reported: a finding".to_owned(),
            Some(first) if d.passes => {
                format!("first reported {first}, on or before {deadline}: passes")
            }
            Some(first) => format!("first reported {first}, after {deadline}: a finding"),
        };
        vec![
            step(
                "pipeline history",
                format!(
                    "opportunity {opp}: {}",
                    if lines.is_empty() {
                        "no updates".to_owned()
                    } else {
                        lines.join("; ")
                    }
                ),
                &[("updates", lines.join("; "))],
            ),
            step(
                "lead time",
                format!(
                    "the policy asks for at least {} days: first report by {deadline}; {verdict}",
                    self.lead_days
                ),
                &[("deadline", deadline.to_string())],
            ),
        ]
    }
}
