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
    Basis, Floor, MinListPrice, Params as MinParams, Sold, as_margin_analysis, below_words,
    floor_of, floor_words, monitored,
};
use super::{At, CheckKind, Ctx, Env, ExplainCx, Finish, Kept, RuleRef, Step, at_stake, step};
use crate::currency::Currency;
use crate::date::Date;
use crate::finding::{Finding, Part};
use crate::hash::{FastMap, fixed_hash};
use crate::money::{Price, Qty};
use crate::outcome::{Analytics, PriceProfile, UnmatchedCreditNote, Verdict, money};
use crate::pack::{FileLoader, Rule, Settings};
use crate::record::{CompactString, Kind, Line, Record};
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

/// A sale line kept for netting, in 24 bytes whatever its text: a credit line names the
/// same partner, sale, sku and currency (their fingerprint, `key`), and the floor is worked
/// out again from the price date when a credit note reaches it. A batch of a million sales
/// keeps a few tens of megabytes for this rule, not the sales themselves.
#[derive(Debug, Clone, Copy)]
struct KeptLine {
    key: u64,
    /// The unit price in millionths ([`MICRO`]).
    unit_price: i64,
    qty: u32,
    /// The order date when given, else the sale's date.
    price_date: Date,
}

/// A sale line whose price has more than six places, or whose quantity does not fit
/// [`KeptLine`]: kept exactly (rare).
#[derive(Debug, Clone)]
struct OddLine {
    key: u64,
    unit_price: Decimal,
    qty: Qty,
    price_date: Date,
}

/// A sale naming a special pricing agreement: what its floor needs besides the line.
#[derive(Debug, Clone)]
struct Agreed {
    customer: Option<CompactString>,
    agreement: CompactString,
}

/// A credit note waiting for the batch's sales.
struct KeptCredit {
    id: CompactString,
    partner: CompactString,
    date: Date,
    invoice: CompactString,
    lines: Vec<Line>,
}

/// The sale lines and credit notes of the batch.
#[derive(Default)]
pub(crate) struct State {
    lines: Kept<KeptLine>,
    odd: Vec<OddLine>,
    /// By the fingerprint of the partner and sale id.
    agreed: FastMap<u64, Agreed>,
    credits: Vec<KeptCredit>,
    /// Per partner, its sale lines by whole percent of list as invoiced (the report's price
    /// profile; credit notes move the lines they net at `finish`).
    prices: FastMap<CompactString, Percents>,
}

/// Sale lines per whole percent of list, 0 to 200 (200: 200% or more): the few percents a
/// partner's lines are at (list, its usual discount), each once, so that a block's state
/// stays small and merges cheaply.
#[derive(Default)]
struct Percents(Vec<(u32, u64)>);

impl Percents {
    fn add(&mut self, percent: u32, n: i64) {
        let percent = percent.min(200);
        match self.0.iter_mut().find(|(p, _)| *p == percent) {
            Some((_, count)) => *count = count.saturating_add_signed(n),
            None => self.0.push((percent, u64::try_from(n).unwrap_or(0))),
        }
    }
}

/// Counts `sale`'s lines priced from the list (not returns, not lines under a special
/// pricing agreement the sale holds) in its partner's percents.
fn profile(prices: &mut FastMap<CompactString, Percents>, sale: &Record, data: &RefData) {
    let sold = Sold::of(sale);
    for l in &sale.lines {
        // The basis alone is wanted: the discount does not change it.
        let Some(Basis::List(row, _)) = floor_of(Decimal::ZERO, &sold, l, data).map(|f| f.basis)
        else {
            continue;
        };
        let Some(percent) = percent_of(*l.unit_price, row.list_price) else {
            continue;
        };
        match prices.get_mut(sale.partner.as_str()) {
            Some(p) => p.add(percent, 1),
            None => {
                let mut p = Percents::default();
                p.add(percent, 1);
                prices.insert(sale.partner.clone(), p);
            }
        }
    }
}

/// `price` as a whole percent of `list`, rounded down; `None` for a list price of 0 or a
/// price below 0.
fn percent_of(price: Decimal, list: Decimal) -> Option<u32> {
    let share = price.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(list)?;
    rust_decimal::prelude::ToPrimitive::to_u32(&share.floor())
}

/// Places of the compact unit price.
const MICRO: u32 = 6;
/// The seed of the fingerprints.
const SEED: u64 = 0x4E45_5442_454C_4F57;

fn line_key(partner: &str, sale: &str, sku: &str, currency: &str) -> u64 {
    fixed_hash(SEED, &(partner, sale, sku, currency))
}

fn sale_key(partner: &str, sale: &str) -> u64 {
    fixed_hash(SEED, &(partner, sale))
}

/// `price` in millionths, when it has at most six places and fits.
fn micro(price: Decimal) -> Option<i64> {
    let price = price.normalize();
    let scale = price.scale();
    if scale > MICRO {
        return None;
    }
    let factor = 10i128.checked_pow(MICRO - scale)?;
    i64::try_from(price.mantissa().checked_mul(factor)?).ok()
}

/// A sale line found for a credit line, with what its floor needs.
struct Found {
    unit_price: Decimal,
    qty: Qty,
    price_date: Date,
}

impl State {
    /// Sorts the kept lines for [`State::find`].
    fn sorted(mut self) -> State {
        self.lines.sort_by_key(|l| l.key);
        self.odd.sort_by_key(|l| l.key);
        self
    }

    /// The sale line of `key` ([`line_key`] of a credit line's partner, sale, sku and
    /// currency) it nets against (the lines must be sorted).
    fn find(&self, key: u64) -> Option<Found> {
        if let Some(l) = self.lines.find(&key, |l| l.key) {
            return Some(Found {
                unit_price: Decimal::new(l.unit_price, MICRO),
                qty: Qty::new(i64::from(l.qty))?,
                price_date: l.price_date,
            });
        }
        let i = self.odd.binary_search_by_key(&key, |l| l.key).ok()?;
        let l = self.odd.get(i)?;
        Some(Found {
            unit_price: l.unit_price,
            qty: l.qty,
            price_date: l.price_date,
        })
    }
}

/// What netting one credit line gave: the one decision findings, the unmatched list and
/// explanations are rendered from.
enum Event<'s, 'd> {
    /// The credit line was netted against a sale line.
    Netted {
        credit: &'s KeptCredit,
        line: usize,
        /// The sale line it nets against, as kept (no source).
        sold: Line,
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
    /// Nets every credit note against its sale, in date then id order (`state` sorted).
    fn net<'s, 'd>(
        &self,
        state: &'s State,
        data: &'d RefData,
        settings: &Settings,
    ) -> Vec<Event<'s, 'd>> {
        let mut credits: Vec<&KeptCredit> = state.credits.iter().collect();
        credits.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        // Per sale line (its key): the amount credited so far, and whether the net is below.
        let mut credited: FastMap<u64, (Decimal, bool)> = FastMap::default();
        let mut events = Vec::new();
        for credit in credits {
            let partner = data.partner(&credit.partner);
            let discount = self.floor.discount_of(partner);
            let agreed = state
                .agreed
                .get(&sale_key(&credit.partner, &credit.invoice));
            for (j, cl) in credit.lines.iter().enumerate() {
                let unmatched = |reason: String| Event::Unmatched {
                    credit,
                    line: Some(j),
                    reason,
                };
                let currency = cl.currency.as_str();
                let key = line_key(&credit.partner, &credit.invoice, &cl.sku, currency);
                let found = state.find(key);
                let sold = found.and_then(|f| {
                    Some(Line {
                        sku: cl.sku.clone(),
                        qty: f.qty,
                        unit_price: Price::new(f.unit_price)?,
                        currency: cl.currency,
                        source: None,
                    })
                    .zip(Some(f.price_date))
                });
                let Some((sl, price_date)) = sold else {
                    events.push(unmatched(format!(
                        "line {} credits {} in {currency}, which no sale {} of {} in the batch has: not netted",
                        j + 1,
                        cl.sku,
                        credit.invoice,
                        credit.partner
                    )));
                    continue;
                };
                let sold_by = Sold {
                    partner: &credit.partner,
                    customer: agreed.and_then(|a| a.customer.as_deref()),
                    agreement: agreed.map(|a| a.agreement.as_str()),
                    price_date,
                };
                let Some(floor) = floor_of(discount, &sold_by, &sl, data) else {
                    // No floor (no list price): `list-price-exists` says so.
                    continue;
                };
                let qty = Decimal::from(sl.qty);
                let entry = credited.entry(key).or_default();
                let amount = Decimal::from(cl.qty)
                    .checked_mul(*cl.unit_price)
                    .and_then(|a| a.checked_add(entry.0));
                let net = amount.and_then(|a| {
                    qty.checked_mul(*sl.unit_price)
                        .and_then(|gross| gross.checked_sub(a))
                        .and_then(|n| n.checked_div(qty))
                });
                let (Some(amount), Some(net)) = (amount, net) else {
                    events.push(unmatched(format!(
                        "line {} credits an amount too large to net: not netted",
                        j + 1
                    )));
                    continue;
                };
                entry.0 = amount;
                let below = net < floor.floor;
                let takes_below = below && !entry.1;
                entry.1 = below;
                events.push(Event::Netted {
                    credit,
                    line: j,
                    sold: sl,
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
                let price_date = super::min_list_price::price_date(r);
                profile(&mut state.prices, r, ctx.data);
                let sold = |l: &&Line| !l.qty.is_return();
                for (i, l) in r.lines.iter().enumerate().filter(|(_, l)| sold(l)) {
                    // One line per sku and currency: the first, as a credit line nets it
                    // (the earlier lines are looked over, which allocates nothing).
                    let earlier = r.lines.get(..i).unwrap_or(&[]);
                    if earlier
                        .iter()
                        .filter(sold)
                        .any(|e| e.sku == l.sku && e.currency == l.currency)
                    {
                        continue;
                    }
                    let key = line_key(&r.partner, &r.id, &l.sku, l.currency.as_str());
                    let compact = micro(*l.unit_price).zip(u32::try_from(l.qty.get()).ok());
                    match compact {
                        Some((unit_price, qty)) => state.lines.push(KeptLine {
                            key,
                            unit_price,
                            qty,
                            price_date,
                        }),
                        None => state.odd.push(OddLine {
                            key,
                            unit_price: *l.unit_price,
                            qty: l.qty,
                            price_date,
                        }),
                    }
                }
                if let Some(agreement) = &r.agreement {
                    if !ctx.data.agreement_rows(agreement).is_empty() {
                        state.agreed.insert(
                            sale_key(&r.partner, &r.id),
                            Agreed {
                                customer: r.customer.clone(),
                                agreement: agreement.clone(),
                            },
                        );
                    }
                }
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
        mine.lines.append(theirs.lines);
        mine.odd.extend(theirs.odd);
        mine.agreed.extend(theirs.agreed);
        mine.credits.extend(theirs.credits);
        for (partner, percents) in theirs.prices {
            let into = mine.prices.entry(partner).or_default();
            for (percent, n) in percents.0 {
                into.add(percent, i64::try_from(n).unwrap_or(i64::MAX));
            }
        }
    }

    fn finish(
        &self,
        state: State,
        at: &RuleRef<'_>,
        fin: &Finish<'_>,
        out: &mut Verdict,
        analytics: &mut Analytics,
    ) {
        let mut state = state.sorted();
        let mut prices = std::mem::take(&mut state.prices);
        // Each netted sale line's percent of list so far, and its net unit price after every
        // credit note, by its key.
        let mut moved: FastMap<u64, u32> = FastMap::default();
        let mut last_net: FastMap<u64, Decimal> = FastMap::default();
        // The findings whose money is known once every credit note is netted: the index
        // of each in `out.findings`, its line's key, and what its amount is worked from.
        let mut owed: Vec<(usize, u64, Decimal, Qty, Currency)> = Vec::new();
        for event in self.net(&state, fin.data, fin.settings) {
            let mut key = None;
            if let Event::Netted {
                credit,
                line,
                sold,
                net,
                floor,
                ..
            } = &event
            {
                key = credit.lines.get(*line).map(|credited| {
                    line_key(
                        &credit.partner,
                        &credit.invoice,
                        &credited.sku,
                        credited.currency.as_str(),
                    )
                });
                if let Some(key) = key {
                    last_net.insert(key, *net);
                }
                if let (Basis::List(row, _), Some(key)) = (floor.basis, key) {
                    let was = moved
                        .get(&key)
                        .copied()
                        .or_else(|| percent_of(*sold.unit_price, row.list_price));
                    if let (Some(was), Some(now), Some(p)) = (
                        was,
                        percent_of(*net, row.list_price),
                        prices.get_mut(credit.partner.as_str()),
                    ) {
                        p.add(was, -1);
                        p.add(now, 1);
                        moved.insert(key, now);
                    }
                }
            }
            match event {
                Event::Netted {
                    credit,
                    line,
                    sold,
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
                        customer: None,
                        sku: credit.lines.get(line).map(|l| l.sku.as_str()),
                    };
                    let ptype = fin.data.partner(&credit.partner).map(|p| p.partner_type);
                    // The money below the floor the credit notes add, once all are netted:
                    // a line invoiced below the floor already counts its own shortfall
                    // (`min-list-price`), so it is measured from the invoiced price then.
                    let base = floor.floor.min(*sold.unit_price);
                    if let (Some(key), Some(l)) = (key, credit.lines.get(line)) {
                        owed.push((out.findings.len(), key, base, sold.qty, l.currency));
                    }
                    let finding =
                        net_below(&at, &credit.invoice, &sold, net, &floor, ptype, monitor);
                    out.findings.push(finding);
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
        for (index, key, base, qty, currency) in owed {
            let (Some(net), Some(finding)) = (last_net.get(&key), out.findings.get_mut(index))
            else {
                continue;
            };
            finding.amount = at_stake(
                fin.data,
                fin.settings,
                base - *net,
                qty,
                currency,
                finding.date,
            );
        }
        let mut profiles: Vec<PriceProfile> = prices
            .into_iter()
            .map(|(partner, percents)| {
                let mut profile = PriceProfile::new(Arc::clone(at.id), partner.to_string());
                for (percent, n) in percents.0 {
                    profile.add_n(percent, n);
                }
                profile
            })
            .filter(|p| p.lines > 0)
            .collect();
        profiles.sort_by(|a, b| a.partner.cmp(&b.partner));
        // The pack's first net-below-list rule gives the profile.
        if analytics.prices.is_empty() {
            analytics.prices = profiles;
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let state = cx.replay(self).sorted();
        let rec = cx.ctx.record;
        let mut steps = Vec::new();
        for event in self.net(&state, cx.data, cx.settings) {
            match event {
                Event::Netted {
                    credit,
                    line,
                    sold,
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
                        ("sku", sold.sku.to_string()),
                        ("net", net.to_string()),
                        ("takes_below", takes_below.to_string()),
                    ];
                    facts.extend(floor.facts());
                    steps.push(step(
                        format!("{} line {} (index {line})", credit.id, line + 1),
                        format!(
                            "credits {} of {} ({} at {} {}): net unit price {}; {}; {verdict}{profile}",
                            sold.sku,
                            credit.invoice,
                            sold.qty,
                            money(*sold.unit_price, floor.scale),
                            sold.currency,
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
