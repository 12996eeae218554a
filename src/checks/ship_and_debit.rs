//! `ship-and-debit`: each line of a ship-and-debit claim (a `claim` record: the X12 844 in
//! JSON) is judged against its special pricing agreement (`special_prices.csv`) and the sale
//! it claims for (`invoice`). Each problem is a finding carrying the X12 849 reject reason
//! code (data element 901) in `code`, one finding per code per claim line. Judged over the
//! batch: a quantity cap and a line claimed twice need every claim, in date then id order,
//! and a claim may come before or after its sale in the input.
//!
//! The codes, in the order a line is judged:
//!
//! | code | the line is rejected when |
//! |---|---|
//! | `01` | the agreement is unknown, or issued to another partner |
//! | `38` | the invoice is not a sale of the partner in the batch, or has no line of the sku |
//! | `28` | the same invoice and sku were claimed by an earlier claim |
//! | `03` | the sku is not on the agreement |
//! | `04` | the units claimed under the agreement for the sku, this line's included, pass `max_qty` |
//! | `19` | the resale is dated before the agreement's `valid_from` |
//! | `02` | the resale is dated after its `valid_to` |
//! | `26` | the sale's customer is not the agreement's |
//! | `16` | the sale's unit price is above the agreement price |
//! | `29` | the claim is dated later than the resale plus `claim_days` |
//! | `06` | the debit per unit is above the list price on the resale date less the agreement price |
//!
//! `01` skips the checks that need the agreement (`03` and after); `38` those that need the
//! sale (`19`, `02`, `26`, `16`, `29`, `06`); `03` those that need the agreement's row.
//!
//! Memory: the facts of a sale are kept only when its partner holds a special pricing
//! agreement (only such a partner's claim can get past `01`); of any other sale, a 64-bit
//! fingerprint of its partner and id, enough to say whether a claimed invoice exists.

use super::{At, CheckKind, Ctx, Env, ExplainCx, Finish, Kept, RuleRef, Step, at_stake, step};
use crate::date::Date;
use crate::finding::{Finding, RuleError, RuleErrorKind};
use crate::hash::{FastMap, fixed_hash};
use crate::outcome::{Analytics, ClaimMoney, Verdict, money};
use crate::pack::{FileLoader, Rule};
use crate::record::{CompactString, Kind, Line, Record};
use crate::refdata::{RefData, SpecialPrice};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// The parameters of a `ship-and-debit` rule: none; the agreements are reference data.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShipAndDebit {}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {}

/// The seed of the sale fingerprints.
const SEED: u64 = 0x5348_4950_4445_4249;

/// What the rule gathers over a batch.
#[derive(Default)]
pub(crate) struct State {
    /// The sales of those partners, by partner and id.
    sales: FastMap<(CompactString, CompactString), SaleFacts>,
    /// Every other sale, as a fingerprint of its partner and id (8 bytes a sale; sorted at
    /// `finish`).
    others: Kept<u64>,
    /// The claims selected, whole (claims are few).
    claims: Vec<Record>,
}

/// What a sale leaves for the claims on it.
#[derive(Debug, Clone)]
struct SaleFacts {
    date: Date,
    customer: Option<CompactString>,
    lines: Vec<Line>,
}

/// What is known of a claimed invoice.
enum Invoice<'s> {
    /// A sale of the claiming partner, with its facts.
    Known(&'s SaleFacts),
    /// A sale of a partner that holds no agreement: it exists, no more is kept.
    Exists,
    /// No sale of the claiming partner has that id.
    Missing,
}

/// One problem with one claim line, with the facts its words are written from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Problem {
    /// `01`: `holder` is who the agreement was issued to, `None` when it is unknown.
    Agreement { holder: Option<String> },
    /// `38`: the invoice is not a sale of the partner in the batch.
    NoInvoice,
    /// `38`: the invoice has no line of the sku.
    NotOnInvoice,
    /// `28`: claimed before, by `by`.
    ClaimedBefore { by: String },
    /// `03`.
    SkuNotOnAgreement,
    /// `04`: `total` units claimed with this line, past `cap`.
    OverCap { total: u64, cap: u64 },
    /// `19`.
    BeforeValid { resale: Date, from: Date },
    /// `02`.
    AfterValid { resale: Date, to: Date },
    /// `26`.
    OtherCustomer {
        sold_to: Option<String>,
        agreed: String,
    },
    /// `16`.
    PriceAbove { sold: Decimal, agreed: Decimal },
    /// `29`.
    Late { resale: Date, deadline: Date },
    /// `06`: `allowed` is the list price on the resale date less the agreement price;
    /// `None` when no list price was in force.
    DebitAbove {
        debit: Decimal,
        allowed: Option<Decimal>,
        resale: Date,
    },
}

impl Problem {
    /// The X12 901 reject reason code.
    fn code(&self) -> &'static str {
        match self {
            Problem::Agreement { .. } => "01",
            Problem::NoInvoice | Problem::NotOnInvoice => "38",
            Problem::ClaimedBefore { .. } => "28",
            Problem::SkuNotOnAgreement => "03",
            Problem::OverCap { .. } => "04",
            Problem::BeforeValid { .. } => "19",
            Problem::AfterValid { .. } => "02",
            Problem::OtherCustomer { .. } => "26",
            Problem::PriceAbove { .. } => "16",
            Problem::Late { .. } => "29",
            Problem::DebitAbove { .. } => "06",
        }
    }

    /// What the problem is, after the claim line it is about; what the agreement expects;
    /// what the claim shows.
    fn words(&self, claim: &Record, line: &Line) -> (String, String, String) {
        let agreement = claim.agreement.as_deref().unwrap_or("");
        let invoice = claim.invoice.as_deref().unwrap_or("");
        let (partner, sku) = (&claim.partner, &line.sku);
        match self {
            Problem::Agreement { holder: None } => (
                format!("agreement {agreement} is not a special pricing agreement on file"),
                "an agreement in special_prices.csv".to_owned(),
                format!("unknown agreement {agreement}"),
            ),
            Problem::Agreement {
                holder: Some(holder),
            } => (
                format!("agreement {agreement} was issued to {holder}, not to {partner}"),
                format!("an agreement issued to {partner}"),
                format!("{agreement} of {holder}"),
            ),
            Problem::NoInvoice => (
                format!("invoice {invoice} is not a sale of {partner} in the batch"),
                format!("a sale {invoice} by {partner}"),
                "no such sale".to_owned(),
            ),
            Problem::NotOnInvoice => (
                format!("invoice {invoice} has no line of {sku}"),
                format!("a line of {sku} on {invoice}"),
                "none".to_owned(),
            ),
            Problem::ClaimedBefore { by } => (
                format!("{sku} on invoice {invoice} was already claimed by {by}"),
                "each invoice line claimed once".to_owned(),
                format!("claimed before by {by}"),
            ),
            Problem::SkuNotOnAgreement => (
                format!("{sku} is not on agreement {agreement}"),
                format!("a sku of {agreement}"),
                sku.to_string(),
            ),
            Problem::OverCap { total, cap } => (
                format!(
                    "this line brings the units claimed under {agreement} for {sku} to {total}, past the cap of {cap}"
                ),
                format!("at most {cap} units"),
                format!("{total} units"),
            ),
            Problem::BeforeValid { resale, from } => (
                format!(
                    "the resale {invoice} on {resale} is dated before agreement {agreement} starts on {from}"
                ),
                format!("a resale on or after {from}"),
                resale.to_string(),
            ),
            Problem::AfterValid { resale, to } => (
                format!(
                    "the resale {invoice} on {resale} is dated after agreement {agreement} ended on {to}"
                ),
                format!("a resale on or before {to}"),
                resale.to_string(),
            ),
            Problem::OtherCustomer { sold_to, agreed } => {
                let sold = sold_to.as_deref().unwrap_or("no customer");
                (
                    format!(
                        "the resale {invoice} was to {sold}, but agreement {agreement} is for {agreed}"
                    ),
                    format!("a resale to {agreed}"),
                    sold.to_owned(),
                )
            }
            Problem::PriceAbove { sold, agreed } => {
                let currency = line.currency.as_str();
                (
                    format!(
                        "{sku} was resold at {} {currency}, above the agreement price of {} {currency}",
                        money(*sold, 2),
                        money(*agreed, 2)
                    ),
                    format!("at most {} {currency}", money(*agreed, 2)),
                    format!("{} {currency}", money(*sold, 2)),
                )
            }
            Problem::Late { resale, deadline } => (
                format!(
                    "the claim on {} came after its deadline of {deadline} (the resale on {resale} plus the agreement's claim days)",
                    claim.date
                ),
                format!("a claim by {deadline}"),
                claim.date.to_string(),
            ),
            Problem::DebitAbove {
                debit,
                allowed: Some(allowed),
                resale,
            } => {
                let currency = line.currency.as_str();
                (
                    format!(
                        "a debit of {} {currency} a unit is more than list price on {resale} less the agreement price, {} {currency}",
                        money(*debit, 2),
                        money(*allowed, 2)
                    ),
                    format!("at most {} {currency} a unit", money(*allowed, 2)),
                    format!("{} {currency} a unit", money(*debit, 2)),
                )
            }
            Problem::DebitAbove {
                debit,
                allowed: None,
                resale,
            } => {
                let currency = line.currency.as_str();
                (
                    format!(
                        "{sku} has no list price in {currency} on the resale date {resale}, so no debit can be allowed"
                    ),
                    format!("a list price in {currency} on {resale}"),
                    format!("{} {currency} a unit claimed", money(*debit, 2)),
                )
            }
        }
    }
}

/// How one claim line fared.
struct LineVerdict {
    /// Index into the state's claims.
    claim: usize,
    line: usize,
    problems: Vec<Problem>,
}

impl ShipAndDebit {
    /// The one decision: every claim line, in date then id order, with its problems.
    fn decide(state: &State, data: &RefData) -> Vec<LineVerdict> {
        let mut order: Vec<(usize, &Record)> = state.claims.iter().enumerate().collect();
        order.sort_by(|(_, a), (_, b)| (a.date, &a.id).cmp(&(b.date, &b.id)));
        // Units claimed so far per agreement and sku; the claim that first claimed each
        // invoice and sku.
        let mut claimed: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        let mut first: BTreeMap<(&str, &str), &str> = BTreeMap::new();
        let mut verdicts = Vec::new();
        for (i, claim) in order {
            let agreement = claim.agreement.as_deref().unwrap_or("");
            let invoice_id = claim.invoice.as_deref().unwrap_or("");
            let rows = data.agreement_rows(agreement);
            let own: Vec<&SpecialPrice> = rows
                .iter()
                .filter(|r| r.partner == *claim.partner)
                .collect();
            let invoice = state.invoice(&claim.partner, invoice_id);
            for (l, line) in claim.lines.iter().enumerate() {
                let mut problems = Vec::new();
                if own.is_empty() {
                    problems.push(Problem::Agreement {
                        holder: rows.first().map(|r| r.partner.clone()),
                    });
                }
                let sale = match invoice {
                    Invoice::Known(sale) => {
                        let sold = sale
                            .lines
                            .iter()
                            .find(|s| s.sku == line.sku && !s.qty.is_return());
                        if sold.is_none() {
                            problems.push(Problem::NotOnInvoice);
                        }
                        sold.map(|sold| (sale, sold))
                    }
                    Invoice::Exists => None,
                    Invoice::Missing => {
                        problems.push(Problem::NoInvoice);
                        None
                    }
                };
                match first.get(&(invoice_id, line.sku.as_str())) {
                    Some(by) if *by != claim.id.as_str() => problems.push(Problem::ClaimedBefore {
                        by: (*by).to_owned(),
                    }),
                    Some(_) => {}
                    None => {
                        first.insert((invoice_id, line.sku.as_str()), claim.id.as_str());
                    }
                }
                if !own.is_empty() {
                    let on_sku: Vec<&SpecialPrice> =
                        own.iter().copied().filter(|r| r.sku == *line.sku).collect();
                    // The row for the sale's customer, else the first for the sku.
                    let row = on_sku
                        .iter()
                        .find(|r| {
                            sale.is_some_and(|(s, _)| s.customer.as_deref() == Some(&r.customer))
                        })
                        .or(on_sku.first());
                    match row {
                        None => problems.push(Problem::SkuNotOnAgreement),
                        Some(row) => {
                            let units = u64::try_from(line.qty.get()).unwrap_or(0);
                            let total = claimed.entry((agreement, line.sku.as_str())).or_default();
                            *total = total.saturating_add(units);
                            if let Some(cap) = row.max_qty.filter(|cap| *total > *cap) {
                                problems.push(Problem::OverCap { total: *total, cap });
                            }
                            if let Some((sale, sold)) = sale {
                                Self::against_sale(
                                    claim,
                                    line,
                                    row,
                                    sale,
                                    sold,
                                    data,
                                    &mut problems,
                                );
                            }
                        }
                    }
                }
                verdicts.push(LineVerdict {
                    claim: i,
                    line: l,
                    problems,
                });
            }
        }
        verdicts
    }

    /// The checks that need both the agreement's row and the sale (`19` to `06`).
    fn against_sale(
        claim: &Record,
        line: &Line,
        row: &SpecialPrice,
        sale: &SaleFacts,
        sold: &Line,
        data: &RefData,
        problems: &mut Vec<Problem>,
    ) {
        let resale = sale.date;
        if resale < row.valid_from {
            problems.push(Problem::BeforeValid {
                resale,
                from: row.valid_from,
            });
        }
        if resale > row.valid_to {
            problems.push(Problem::AfterValid {
                resale,
                to: row.valid_to,
            });
        }
        if sale.customer.as_deref() != Some(row.customer.as_str()) {
            problems.push(Problem::OtherCustomer {
                sold_to: sale.customer.as_ref().map(ToString::to_string),
                agreed: row.customer.clone(),
            });
        }
        if sold.currency == row.currency && *sold.unit_price > row.price {
            problems.push(Problem::PriceAbove {
                sold: *sold.unit_price,
                agreed: row.price,
            });
        }
        if let Some(days) = row.claim_days {
            let deadline = resale.add_days(i64::from(days));
            if claim.date > deadline {
                problems.push(Problem::Late { resale, deadline });
            }
        }
        let list = data.list_price(&line.sku, line.currency.as_str(), resale);
        let allowed = list.and_then(|l| l.list_price.checked_sub(row.price));
        if allowed.is_none_or(|allowed| *line.unit_price > allowed) {
            problems.push(Problem::DebitAbove {
                debit: *line.unit_price,
                allowed,
                resale,
            });
        }
    }
}

impl State {
    /// What is known of the sale `id` of `partner`.
    fn invoice(&self, partner: &CompactString, id: &str) -> Invoice<'_> {
        let key = (partner.clone(), CompactString::new(id));
        match self.sales.get(&key) {
            Some(sale) => Invoice::Known(sale),
            None if self
                .others
                .find(&fingerprint(partner, id), |f| *f)
                .is_some() =>
            {
                Invoice::Exists
            }
            None => Invoice::Missing,
        }
    }
}

fn fingerprint(partner: &str, id: &str) -> u64 {
    fixed_hash(SEED, &(partner, id))
}

impl CheckKind for ShipAndDebit {
    type Params = Params;
    type State = State;
    const STATELESS: bool = false;

    fn load(_: Params, _: &mut FileLoader<'_>) -> Option<Self> {
        Some(ShipAndDebit {})
    }

    fn judge(&self, _: &RuleRef<'_>, _: &Ctx<'_>, _: &mut Env<'_>, _: &mut Verdict) {
        // Batch-level: judged at `finish`.
    }

    fn observe(&self, state: &mut State, rule: &Rule, ctx: &Ctx<'_>) {
        let record = ctx.record;
        match record.kind {
            Kind::Sale => {
                if ctx.data.holds_agreement(&record.partner) {
                    state.sales.insert(
                        (record.partner.clone(), record.id.clone()),
                        SaleFacts {
                            date: record.date,
                            customer: record.customer.clone(),
                            lines: record.lines.clone(),
                        },
                    );
                } else {
                    state.others.push(fingerprint(&record.partner, &record.id));
                }
            }
            Kind::Claim if rule.select.matches(ctx) => state.claims.push(record.clone()),
            _ => {}
        }
    }

    fn merge(&self, mine: &mut State, theirs: State) {
        mine.sales.extend(theirs.sales);
        mine.others.append(theirs.others);
        mine.claims.extend(theirs.claims);
    }

    fn finish(
        &self,
        mut state: State,
        at: &RuleRef<'_>,
        fin: &Finish<'_>,
        out: &mut Verdict,
        analytics: &mut Analytics,
    ) {
        state.others.sort_by_key(|f| *f);
        let mut rejected: BTreeMap<(String, String), Decimal> = BTreeMap::new();
        for verdict in Self::decide(&state, fin.data) {
            let (Some(claim), true) = (
                state.claims.get(verdict.claim),
                !verdict.problems.is_empty(),
            ) else {
                continue;
            };
            let Some(line) = claim.lines.get(verdict.line) else {
                continue;
            };
            let place = At::record(at, claim, Some(verdict.line));
            // The line's money is on its first reason's finding alone, so that totals
            // count a line rejected for several reasons once.
            let mut money = at_stake(
                fin.data,
                fin.settings,
                *line.unit_price,
                line.qty,
                line.currency,
                claim.date,
            );
            for problem in &verdict.problems {
                let mut finding = finding(&place, claim, verdict.line, line, problem);
                finding.amount = money.take();
                out.findings.push(finding);
            }
            let amount = line.unit_price.checked_mul(Decimal::from(line.qty));
            let key = (claim.partner.to_string(), line.currency.as_str().to_owned());
            match amount.and_then(|a| rejected.get(&key).copied().unwrap_or_default().checked_add(a)) {
                Some(sum) => {
                    rejected.insert(key, sum);
                }
                None => out.rule_errors.push(RuleError::new(
                    at.id,
                    at.rule.severity,
                    Some(claim.id.to_string()),
                    RuleErrorKind::Overflow,
                    format!(
                        "the claim money rejected for partner {} is too large to hold exactly; it was not added up",
                        claim.partner
                    ),
                )),
            }
        }
        analytics.claims_rejected.extend(rejected.into_iter().map(
            |((partner, currency), amount)| ClaimMoney {
                rule: Arc::clone(at.id),
                partner,
                currency,
                amount,
            },
        ));
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let claim = cx.ctx.record;
        if claim.kind != Kind::Claim {
            return vec![step(
                "claim",
                "not a claim: the rule judges claims only",
                &[],
            )];
        }
        let mut state = cx.replay(self);
        state.others.sort_by_key(|f| *f);
        let verdicts = Self::decide(&state, cx.data);
        verdicts
            .iter()
            .filter(|v| state.claims.get(v.claim).is_some_and(|c| c.id == claim.id))
            .filter_map(|v| {
                let line = claim.lines.get(v.line)?;
                let about = format!("line {}", v.line + 1);
                let head = format!(
                    "{} x {} at {} {} a unit claimed under {} for invoice {}",
                    line.qty,
                    line.sku,
                    money(*line.unit_price, 2),
                    line.currency,
                    claim.agreement.as_deref().unwrap_or(""),
                    claim.invoice.as_deref().unwrap_or("")
                );
                if v.problems.is_empty() {
                    return Some(step(about, format!("{head}: passes every check"), &[]));
                }
                let said: Vec<String> = v
                    .problems
                    .iter()
                    .map(|p| format!("{} {}", p.code(), p.words(claim, line).0))
                    .collect();
                let codes: Vec<&str> = v.problems.iter().map(Problem::code).collect();
                Some(step(
                    about,
                    format!("{head}: rejected: {}", said.join("; ")),
                    &[("codes", codes.join(","))],
                ))
            })
            .collect()
    }
}

/// The finding for one problem of one claim line.
#[cold]
fn finding(at: &At<'_>, claim: &Record, index: usize, line: &Line, problem: &Problem) -> Finding {
    let (what, expected, actual) = problem.words(claim, line);
    let mut finding = at.finding(
        format!(
            "claim {} line {} ({} x {}) is rejected, reason {}: {what}",
            claim.id,
            index + 1,
            line.qty,
            line.sku,
            problem.code()
        ),
        expected,
        actual,
    );
    finding.code = Some(problem.code().to_owned());
    finding
}
