//! `agreement-on-file`: a record naming an agreement finds an agreement record with that
//! id, dated on or before it, carrying the required document. Judged over the batch.

use super::{
    At, CheckKind, Ctx, Env, ExplainCx, Finish, GateCx, GateKind, Pending, RuleRef, Sales, Step,
    step,
};
use crate::date::Date;
use crate::finding::Finding;
use crate::hash::FastMap;
use crate::outcome::{Analytics, Verdict};
use crate::pack::{FileLoader, Rule};
use crate::record::{CompactString, Kind};
use crate::refdata::RefData;
use serde::{Deserialize, Serialize};

/// The parameters of an `agreement-on-file` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AgreementOnFile {
    /// The record kind that documents an agreement.
    pub agreement_kind: Kind,
    /// The document the agreement record must carry.
    pub document: String,
    /// Whether that document must be signed.
    pub signed: bool,
}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    agreement_kind: String,
    document: String,
    signed: bool,
}

/// What the rule gathers: the agreements on file, and the records that name one not
/// settled yet.
pub(crate) type State = Sales<History>;

/// What past records leave behind: the agreements on file (the gate keeps this between
/// records; the batch gathers it in its [`Sales`]).
#[derive(Default, Serialize, Deserialize)]
pub(crate) struct History {
    /// Agreement id → its date, and whether it carries the document.
    agreements: FastMap<CompactString, (Date, bool)>,
}

/// How a record naming an agreement fared.
enum Decision {
    /// The agreement is on file in time, with its document.
    Passes {
        date: Date,
    },
    NotOnFile,
    DatedAfter {
        date: Date,
    },
    NotCarrying {
        date: Date,
    },
}

impl History {
    /// Whether a record on `date` naming `agreement` passes whatever records are still to
    /// come: the agreement is on file in time with its document, and an agreement's id
    /// names one record only (a second is rejected before any rule sees it). A settled
    /// record need not be kept for `finish`.
    fn settles(&self, agreement: &str, date: Date) -> bool {
        matches!(
            AgreementOnFile::decide(date, self.agreements.get(agreement).copied()),
            Decision::Passes { .. }
        )
    }
}

impl AgreementOnFile {
    fn decide(sale_date: Date, on_file: Option<(Date, bool)>) -> Decision {
        match on_file {
            None => Decision::NotOnFile,
            Some((date, _)) if date > sale_date => Decision::DatedAfter { date },
            Some((date, true)) => Decision::Passes { date },
            Some((date, false)) => Decision::NotCarrying { date },
        }
    }

    /// `signed contract`, or `contract`.
    fn need(&self) -> String {
        if self.signed {
            format!("signed {}", self.document)
        } else {
            self.document.clone()
        }
    }
}

impl AgreementOnFile {
    /// The finding for `sale` given the agreements on file, if it fails: the one judgement
    /// both the batch's `finish` and the gate make.
    fn finding(&self, history: &History, at: &RuleRef<'_>, sale: &Pending) -> Option<Finding> {
        let agreement = sale.names.as_ref()?;
        let on_file = history.agreements.get(agreement).copied();
        let decision = Self::decide(sale.date, on_file);
        let need = self.need();
        let expected = format!(
            "agreement {agreement} on file by {} with a {need}",
            sale.date
        );
        let (message, actual) = match decision {
            Decision::Passes { .. } => return None,
            Decision::NotOnFile => (
                format!(
                    "sale {} relies on agreement {agreement}, but no agreement {agreement} is on file",
                    sale.record
                ),
                "no agreement on file".to_owned(),
            ),
            Decision::DatedAfter { date } => (
                format!(
                    "sale {} on {} relies on agreement {agreement}, which is dated {date}, after the sale",
                    sale.record, sale.date
                ),
                format!("agreement dated {date}"),
            ),
            Decision::NotCarrying { .. } => (
                format!(
                    "sale {} relies on agreement {agreement}, which carries no {need}",
                    sale.record
                ),
                format!("agreement without a {need}"),
            ),
        };
        Some(At::pending(at, sale).finding(message, expected, actual))
    }
}

impl GateKind for AgreementOnFile {
    type History = History;

    fn remember(&self, history: &mut History, _: &Rule, ctx: &Ctx<'_>) {
        let record = ctx.record;
        if record.kind == self.agreement_kind {
            history.agreements.insert(
                record.id.clone(),
                (
                    record.date,
                    record.has_document(&self.document, self.signed),
                ),
            );
        }
    }

    fn decide(&self, history: &History, at: &RuleRef<'_>, gx: &GateCx<'_>, out: &mut Verdict) {
        let record = gx.ctx.record;
        if at.rule.select.matches(gx.ctx)
            && record
                .agreement
                .as_ref()
                .is_some_and(|a| !special(gx.ctx.data, a))
        {
            let sale = Pending::of(record, record.agreement.clone());
            out.findings.extend(self.finding(history, at, &sale));
        }
    }

    fn tracked(history: &History) -> usize {
        history.agreements.len()
    }
}

impl CheckKind for AgreementOnFile {
    type Params = Params;
    type State = State;
    const STATELESS: bool = false;

    fn load(p: Params, _: &mut FileLoader<'_>) -> Option<Self> {
        Some(AgreementOnFile {
            agreement_kind: Kind::from_name(&p.agreement_kind),
            document: p.document,
            signed: p.signed,
        })
    }

    fn judge(&self, _: &RuleRef<'_>, _: &Ctx<'_>, _: &mut Env<'_>, _: &mut Verdict) {
        // Batch-level: judged at `finish`.
    }

    fn observe(&self, state: &mut State, rule: &Rule, ctx: &Ctx<'_>) {
        let record = ctx.record;
        self.remember(&mut state.history, rule, ctx);
        if let Some(agreement) = &record.agreement {
            if rule.select.matches(ctx)
                && !special(ctx.data, agreement)
                && !state.history.settles(agreement, record.date)
            {
                state
                    .sales
                    .push(Pending::of(record, record.agreement.clone()));
            }
        }
    }

    fn merge(&self, mine: &mut State, theirs: State) {
        let absorb = |mine: &mut History, theirs: History| {
            for (id, on_file) in theirs.agreements {
                mine.agreements.entry(id).or_insert(on_file);
            }
        };
        mine.merge(theirs, absorb, |history, sale| {
            sale.names
                .as_ref()
                .is_some_and(|a| history.settles(a, sale.date))
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
        let Some(name) = &rec.agreement else {
            return vec![step(
                "agreement",
                "the record names no agreement: nothing to check",
                &[],
            )];
        };
        if special(cx.data, name) {
            return vec![step(
                "agreement",
                format!(
                    "names special pricing agreement {name}, which is on file in special_prices.csv: passes"
                ),
                &[],
            )];
        }
        let state = cx.replay(self);
        let on_file = state.history.agreements.get(name).copied();
        let decision = Self::decide(rec.date, on_file);
        let dated = match decision {
            Decision::NotOnFile => None,
            Decision::Passes { date }
            | Decision::DatedAfter { date }
            | Decision::NotCarrying { date } => Some(date),
        };
        let text = match (dated, on_file) {
            (Some(date), Some((_, carries))) => format!(
                "names agreement {name}; on file, dated {date} ({} the sale), {} a {}{}",
                if matches!(decision, Decision::DatedAfter { .. }) {
                    "after"
                } else {
                    "on or before"
                },
                if carries { "carrying" } else { "not carrying" },
                if self.signed { "signed " } else { "" },
                self.document
            ),
            (None, _) | (_, None) => format!(
                "names agreement {name}; no {} record {name} is on file",
                self.agreement_kind.as_str()
            ),
        };
        vec![step(
            "agreement",
            text,
            &[
                ("agreement", name.to_string()),
                ("on_file", dated.is_some().to_string()),
                ("dated", dated.map_or("-".to_owned(), |d| d.to_string())),
            ],
        )]
    }
}

/// Whether `agreement` is a special pricing agreement (`special_prices.csv`): the OEM's own
/// reference data documents it, so no agreement record need carry it.
fn special(data: &RefData, agreement: &str) -> bool {
    !data.agreement_rows(agreement).is_empty()
}
