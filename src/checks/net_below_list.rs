//! `net-below-list`: a sale line's net unit price, once the credit notes that credit it
//! are taken off, stays at or above the floor `min-list-price` judges the line by (list
//! less the allowed discount, or the agreement's price). A back-end credit note cannot hide
//! an undercut: the credit note that takes the net below the floor is the finding.
//!
//! A credit note credits the sale whose id is its `invoice`, line by line on the sku. One
//! whose invoice is not in the batch, or whose line has no line of its sku and currency on
//! the sale (a credit in another currency is not netted), is listed in the report
//! (`unmatched_credit_notes`), never dropped silently.

use super::min_list_price::{
    Floor, MinListPrice, Params as MinParams, Sold, as_margin_analysis, below_words, floor_of,
    floor_words, monitored,
};
use super::{At, CheckKind, Ctx, Env, ExplainCx, Finish, RuleRef, Step, step};
use crate::date::Date;
use crate::finding::{Finding, Part};
use crate::hash::FastMap;
use crate::outcome::{Analytics, UnmatchedCreditNote, Verdict, money};
use crate::pack::{FileLoader, Rule, Settings};
use crate::record::{CompactString, Kind, Line};
use crate::refdata::RefData;
use rust_decimal::Decimal;
use std::sync::Arc;

/// The parameters of a `net-below-list` rule: the same `allowed_discount` as
/// `min-list-price` (keep the two rules' tables in step).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct NetBelowList {
    /// The floor's discounts, as `min-list-price` has them.
    pub floor: MinListPrice,
}

/// What a sale leaves for netting.
struct KeptSale {
    partner: CompactString,
    customer: Option<CompactString>,
    agreement: Option<CompactString>,
    price_date: Date,
    lines: Vec<Line>,
}

/// A credit note waiting for the batch's sales.
struct KeptCredit {
    id: CompactString,
    partner: CompactString,
    date: Date,
    invoice: CompactString,
    lines: Vec<Line>,
}

/// The sales and credit notes of the batch.
#[derive(Default)]
pub(crate) struct State {
    sales: FastMap<CompactString, KeptSale>,
    credits: Vec<KeptCredit>,
}

/// What netting one credit line gave: the one decision findings, the unmatched list and
/// explanations are rendered from.
enum Event<'s, 'd> {
    /// The credit line was netted against a sale line.
    Netted {
        credit: &'s KeptCredit,
        line: usize,
        sale_line: usize,
        /// Sold x unit price less everything credited so far, divided by the units sold.
        net: Decimal,
        floor: Floor<'d>,
        /// Whether this credit line took the net below the floor (the first to).
        takes_below: bool,
        monitor: bool,
    },
    /// The credit line could not be netted, and why.
    Unmatched {
        credit: &'s KeptCredit,
        line: Option<usize>,
        reason: String,
    },
}

impl NetBelowList {
    /// Nets every credit note against its sale, in date then id order.
    fn net<'s, 'd>(
        &self,
        state: &'s State,
        data: &'d RefData,
        settings: &Settings,
    ) -> Vec<Event<'s, 'd>> {
        let mut credits: Vec<&KeptCredit> = state.credits.iter().collect();
        credits.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        // Per (sale, line): the amount credited so far, and whether the net is below.
        let mut credited: FastMap<(&str, usize), (Decimal, bool)> = FastMap::default();
        let mut events = Vec::new();
        for credit in credits {
            let Some(sale) = state.sales.get(&credit.invoice) else {
                events.push(Event::Unmatched {
                    credit,
                    line: None,
                    reason: format!("its invoice {} is not in the batch", credit.invoice),
                });
                continue;
            };
            let partner = data.partner(&sale.partner);
            let discount = self.floor.discount_of(partner);
            let sold = Sold {
                partner: &sale.partner,
                customer: sale.customer.as_deref(),
                agreement: sale.agreement.as_deref(),
                price_date: sale.price_date,
            };
            for (j, cl) in credit.lines.iter().enumerate() {
                let sold_line = sale.lines.iter().enumerate().find(|(_, l)| {
                    !l.qty.is_return() && l.sku == cl.sku && l.currency == cl.currency
                });
                let Some((i, sl)) = sold_line else {
                    let other = sale
                        .lines
                        .iter()
                        .find(|l| !l.qty.is_return() && l.sku == cl.sku);
                    let reason = match other {
                        Some(l) => format!(
                            "line {} credits {} in {}, but {} sold it in {}: not netted",
                            j + 1,
                            cl.sku,
                            cl.currency,
                            credit.invoice,
                            l.currency
                        ),
                        None => format!(
                            "line {} credits {}, which {} did not sell: not netted",
                            j + 1,
                            cl.sku,
                            credit.invoice
                        ),
                    };
                    events.push(Event::Unmatched {
                        credit,
                        line: Some(j),
                        reason,
                    });
                    continue;
                };
                let Some(floor) = floor_of(discount, &sold, sl, data) else {
                    // No floor (no list price): `list-price-exists` says so.
                    continue;
                };
                let qty = Decimal::from(sl.qty);
                let entry = credited.entry((sale_key(&credit.invoice), i)).or_default();
                let amount = Decimal::from(cl.qty)
                    .checked_mul(*cl.unit_price)
                    .and_then(|a| a.checked_add(entry.0));
                let net = amount.and_then(|a| {
                    qty.checked_mul(*sl.unit_price)
                        .and_then(|gross| gross.checked_sub(a))
                        .and_then(|n| n.checked_div(qty))
                });
                let (Some(amount), Some(net)) = (amount, net) else {
                    events.push(Event::Unmatched {
                        credit,
                        line: Some(j),
                        reason: format!(
                            "line {} credits an amount too large to net: not netted",
                            j + 1
                        ),
                    });
                    continue;
                };
                entry.0 = amount;
                let below = net < floor.floor;
                let takes_below = below && !entry.1;
                entry.1 = below;
                events.push(Event::Netted {
                    credit,
                    line: j,
                    sale_line: i,
                    net,
                    floor,
                    takes_below,
                    monitor: monitored(settings, partner),
                });
            }
        }
        events
    }
}

/// A sale's id as a key of the netting map.
fn sale_key(id: &CompactString) -> &str {
    id.as_str()
}

impl CheckKind for NetBelowList {
    type Params = MinParams;
    type State = State;
    const STATELESS: bool = false;

    fn load(p: MinParams, cx: &mut FileLoader<'_>) -> Option<Self> {
        MinListPrice::load_discounts(p.allowed_discount, cx).map(|floor| NetBelowList { floor })
    }

    fn judge(&self, _: &RuleRef<'_>, _: &Ctx<'_>, _: &mut Env<'_>, _: &mut Verdict) {}

    fn observe(&self, state: &mut State, _rule: &Rule, ctx: &Ctx<'_>) {
        let r = ctx.record;
        match r.kind {
            Kind::Sale => {
                state.sales.entry(r.id.clone()).or_insert_with(|| KeptSale {
                    partner: r.partner.clone(),
                    customer: r.customer.clone(),
                    agreement: r.agreement.clone(),
                    price_date: super::min_list_price::price_date(r),
                    lines: r.lines.clone(),
                });
            }
            Kind::CreditNote => {
                if let Some(invoice) = &r.invoice {
                    state.credits.push(KeptCredit {
                        id: r.id.clone(),
                        partner: r.partner.clone(),
                        date: r.date,
                        invoice: invoice.clone(),
                        lines: r.lines.clone(),
                    });
                }
            }
            _ => {}
        }
    }

    fn merge(&self, mine: &mut State, theirs: State) {
        for (id, sale) in theirs.sales {
            mine.sales.entry(id).or_insert(sale);
        }
        mine.credits.extend(theirs.credits);
    }

    fn finish(
        &self,
        state: State,
        at: &RuleRef<'_>,
        fin: &Finish<'_>,
        out: &mut Verdict,
        analytics: &mut Analytics,
    ) {
        for event in self.net(&state, fin.data, fin.settings) {
            match event {
                Event::Netted {
                    credit,
                    line,
                    sale_line,
                    net,
                    floor,
                    takes_below: true,
                    monitor,
                } => {
                    let at = At {
                        rule: at,
                        record: Some(&credit.id),
                        line: Some(line),
                        partner: &credit.partner,
                        date: credit.date,
                    };
                    let sale = state.sales.get(&credit.invoice);
                    let sl = sale.and_then(|s| s.lines.get(sale_line));
                    let ptype = sale
                        .and_then(|s| fin.data.partner(&s.partner))
                        .map(|p| p.partner_type);
                    if let Some(sl) = sl {
                        out.findings.push(net_below(
                            &at,
                            &credit.invoice,
                            sl,
                            net,
                            &floor,
                            ptype,
                            monitor,
                        ));
                    }
                }
                Event::Netted { .. } => {}
                Event::Unmatched {
                    credit,
                    line,
                    reason,
                } => analytics.unmatched_credit_notes.push(UnmatchedCreditNote {
                    rule: Arc::clone(at.id),
                    credit_note: credit.id.to_string(),
                    invoice: credit.invoice.to_string(),
                    partner: credit.partner.to_string(),
                    line,
                    reason,
                }),
            }
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let state = cx.replay(self);
        let rec = cx.ctx.record;
        let mut steps = Vec::new();
        for event in self.net(&state, cx.data, cx.settings) {
            match event {
                Event::Netted {
                    credit,
                    line,
                    sale_line,
                    net,
                    floor,
                    takes_below,
                    monitor,
                } if credit.id == rec.id || credit.invoice == rec.id => {
                    let verdict = if takes_below {
                        "below the floor: this credit note takes it below, a finding"
                    } else if net < floor.floor {
                        "still below the floor (an earlier credit note took it below)"
                    } else {
                        "at or above the floor, passes"
                    };
                    let profile = if monitor {
                        " (internal margin analysis: a buy-sell partner in a monitor jurisdiction)"
                    } else {
                        ""
                    };
                    let mut facts = vec![
                        ("credit_note", credit.id.to_string()),
                        ("invoice", credit.invoice.to_string()),
                        ("sale_line", sale_line.to_string()),
                        ("net", net.to_string()),
                        ("takes_below", takes_below.to_string()),
                    ];
                    facts.extend(floor.facts());
                    steps.push(step(
                        format!("{} line {} (index {line})", credit.id, line + 1),
                        format!(
                            "credits {} line {} (index {sale_line}): net unit price {}; {}; {verdict}{profile}",
                            credit.invoice,
                            sale_line + 1,
                            money(net.round_dp(4), floor.scale),
                            floor.describe(),
                        ),
                        &facts,
                    ));
                }
                Event::Unmatched {
                    credit,
                    line,
                    reason,
                } if credit.id == rec.id => steps.push(step(
                    match line {
                        Some(j) => format!("{} line {} (index {j})", credit.id, j + 1),
                        None => credit.id.to_string(),
                    },
                    format!("{reason}; listed under unmatched credit notes"),
                    &[("invoice", credit.invoice.to_string())],
                )),
                Event::Netted { .. } | Event::Unmatched { .. } => {}
            }
        }
        if steps.is_empty() {
            steps.push(step(
                "credit notes",
                format!("no credit note in the batch credits {}", rec.id),
                &[],
            ));
        }
        steps
    }
}

#[cold]
fn net_below(
    at: &At<'_>,
    invoice: &CompactString,
    sold: &Line,
    net: Decimal,
    f: &Floor<'_>,
    partner_type: Option<crate::refdata::PartnerType>,
    monitor: bool,
) -> Finding {
    let (invoice, sku, currency) = (invoice.clone(), sold.sku.clone(), sold.currency);
    let (unit_price, reference, floor, scale) = (*sold.unit_price, f.reference(), f.floor, f.scale);
    let (base, extra) = floor_words(f, partner_type);
    // The net is shown to the currency's places plus two, so a fraction of a cent shows.
    let shown = net.round_dp(scale.saturating_add(2));
    let finding = at.finding_later(move |part| match part {
        Part::Expected => money(floor, scale),
        Part::Actual => money(shown, scale),
        Part::Message => {
            let below = below_words(net, reference);
            if monitor {
                format!(
                    "internal margin analysis: after this credit note the realised price of {sku} on {invoice} is {} {currency} net, {below} below {base}; a buy-sell partner in a monitor jurisdiction sets its own resale prices",
                    money(shown, scale),
                )
            } else {
                let mut message = format!(
                    "this credit note takes {sku} sold on {invoice} at {} {currency} to a net {} {currency} a unit, {below} below {base}",
                    money(unit_price, scale),
                    money(shown, scale),
                );
                match &extra {
                    Some(extra) => {
                        message.push_str("; ");
                        message.push_str(extra);
                    }
                    None => message.push_str(&format!(
                        "; the floor is {} {currency}",
                        money(floor, scale)
                    )),
                }
                message
            }
        }
    });
    as_margin_analysis(finding, monitor)
}
