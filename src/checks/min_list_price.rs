//! `min-list-price`: each sale line's unit price is at least its floor: the list price in
//! force on the price date (the order date when given), less the discount the partner's
//! type may give rounded as an invoice rounds it, or the price of the special pricing
//! agreement the sale names. Returns are not judged on price. For a buy-sell partner in a
//! `monitor` jurisdiction a finding is internal margin analysis, severity `info`.

use super::{At, CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, at_stake, step};
use crate::currency::Currency;
use crate::date::Date;
use crate::finding::{Finding, Part};
use crate::money::percent;
use crate::outcome::{Verdict, money};
use crate::pack::{FileLoader, Profile, Settings, Severity};
use crate::record::{Line, Record};
use crate::refdata::{Partner, PartnerType, PriceRow, RefData, SpecialPrice};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The parameters of a `min-list-price` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MinListPrice {
    /// Allowed discount per partner type; a type not listed may give no discount.
    pub allowed_discount: Vec<Discount>,
}

/// How far below list price partners of one type may sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Discount {
    /// The partner type.
    pub partner_type: PartnerType,
    /// The fraction below list price it may sell at (0.05 = 5%).
    pub fraction: Decimal,
}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    /// Per partner type, the fraction below list price it may sell at (`"0.05"` is 5%).
    pub(super) allowed_discount: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// What a line's price is judged against: the list price less the partner type's
/// discount, or a special pricing agreement's price.
#[derive(Clone, Copy)]
pub(super) enum Basis<'d> {
    /// The price row in force on the price date, and the partner type's allowed discount.
    List(&'d PriceRow, Decimal),
    /// The `special_prices.csv` row the sale names, in force on the price date.
    Agreement(&'d SpecialPrice),
}

/// A line's floor: the one value `price.min-list` and `price.net-below-list` both judge by.
#[derive(Clone, Copy)]
pub(super) struct Floor<'d> {
    pub basis: Basis<'d>,
    /// The lowest unit price allowed.
    pub floor: Decimal,
    /// Decimal places to show money with.
    pub scale: u32,
    /// The date the price was taken on: the order date when given, else the sale's date.
    pub price_date: Date,
}

/// What of a sale its floor depends on (a record, or what a batch-level rule kept of one).
pub(super) struct Sold<'r> {
    pub partner: &'r str,
    pub customer: Option<&'r str>,
    pub agreement: Option<&'r str>,
    /// The order date when given, else the sale's date.
    pub price_date: Date,
}

impl<'r> Sold<'r> {
    pub(super) fn of(record: &'r Record) -> Sold<'r> {
        Sold {
            partner: &record.partner,
            customer: record.customer.as_deref(),
            agreement: record.agreement.as_deref(),
            price_date: price_date(record),
        }
    }
}

/// The date a sale's list price is taken on: its `order_date` when given (a price rise
/// between order and invoice does not make the sale an undercut), else its `date`.
pub(super) fn price_date(record: &Record) -> Date {
    record.order_date.unwrap_or(record.date)
}

/// The floor an invoice computes: `list_price` less the discount amount, the discount
/// amount (`list_price x discount`) rounded half away from zero to `currency`'s minor units
/// (2 for USD and EUR, 0 for JPY; kept exact for a currency ISO 4217 gives none). 94.50
/// less 3% is 94.50 - 2.84 = 91.66. A product too large to hold leaves the list price.
pub fn price_floor(list_price: Decimal, discount: Decimal, currency: Currency) -> Decimal {
    let Some(amount) = list_price.checked_mul(discount) else {
        return list_price;
    };
    let amount = match currency.minor_units() {
        Some(dp) => {
            amount.round_dp_with_strategy(u32::from(dp), RoundingStrategy::MidpointAwayFromZero)
        }
        None => amount,
    };
    list_price.checked_sub(amount).unwrap_or(list_price)
}

/// The special pricing agreement row `sold` names that covers `line`: same partner,
/// customer, sku and currency, in force on the price date.
fn agreement_row<'d>(sold: &Sold<'_>, line: &Line, data: &'d RefData) -> Option<&'d SpecialPrice> {
    let agreement = sold.agreement?;
    data.agreement_rows(agreement).iter().find(|r| {
        r.partner == sold.partner
            && Some(r.customer.as_str()) == sold.customer
            && r.sku == line.sku.as_str()
            && r.currency == line.currency
            && r.covers(sold.price_date)
    })
}

/// The floor of one sale line; `None` for a return (not judged on price) and for a line
/// with neither an agreement price nor a list price (`list-price-exists` says so).
pub(super) fn floor_of<'d>(
    discount: Decimal,
    sold: &Sold<'_>,
    line: &Line,
    data: &'d RefData,
) -> Option<Floor<'d>> {
    if line.qty.is_return() {
        return None;
    }
    let minor = line.currency.minor_units().map_or(2, u32::from);
    if let Some(row) = agreement_row(sold, line, data) {
        return Some(Floor {
            basis: Basis::Agreement(row),
            floor: row.price,
            scale: row.price.scale().max(minor),
            price_date: sold.price_date,
        });
    }
    let price = data.list_price(&line.sku, line.currency.as_str(), sold.price_date)?;
    Some(Floor {
        basis: Basis::List(price, discount),
        floor: price_floor(price.list_price, discount, line.currency),
        scale: price.list_price.scale().max(minor),
        price_date: sold.price_date,
    })
}

/// The list price a floor is measured from (the agreement's price for an agreement).
impl Floor<'_> {
    pub(super) fn reference(&self) -> Decimal {
        match self.basis {
            Basis::List(p, _) => p.list_price,
            Basis::Agreement(a) => a.price,
        }
    }

    /// How the floor was worked out, for an explanation.
    pub(super) fn describe(&self) -> String {
        match self.basis {
            Basis::List(p, discount) => {
                let list = money(p.list_price, self.scale);
                let floor = money(self.floor, self.scale);
                if discount.is_zero() {
                    format!(
                        "{} on {}; floor {floor} (no discount)",
                        price_row(p),
                        self.price_date
                    )
                } else {
                    let amount = p.list_price.checked_sub(self.floor).unwrap_or_default();
                    format!(
                        "{} on {}; floor {list} - {} ({}% discount, rounded to the currency's minor units) = {floor}",
                        price_row(p),
                        self.price_date,
                        money(amount, self.scale),
                        (discount * Decimal::ONE_HUNDRED).normalize(),
                    )
                }
            }
            Basis::Agreement(a) => format!(
                "agreement {} (special_prices.csv line {}, {} to {} for {}, in force {}) on {}; floor {} {} (the agreement price, no discount on top)",
                a.agreement,
                a.line,
                a.sku,
                a.customer,
                a.partner,
                a.range(),
                self.price_date,
                money(a.price, self.scale),
                a.currency,
            ),
        }
    }

    /// The facts of the floor, for tools.
    pub(super) fn facts(&self) -> Vec<(&'static str, String)> {
        let mut facts = vec![
            ("price_date", self.price_date.to_string()),
            ("floor", self.floor.to_string()),
        ];
        match self.basis {
            Basis::List(p, discount) => {
                facts.push(("basis", "list".to_owned()));
                facts.push(("list_price", p.list_price.to_string()));
                facts.push(("effective", p.range()));
                facts.push(("price_list_line", p.line.to_string()));
                facts.push(("allowed_discount", discount.to_string()));
            }
            Basis::Agreement(a) => {
                facts.push(("basis", "agreement".to_owned()));
                facts.push(("agreement", a.agreement.clone()));
                facts.push(("agreement_price", a.price.to_string()));
                facts.push(("valid", a.range()));
                facts.push(("special_prices_line", a.line.to_string()));
            }
        }
        facts
    }
}

/// Whether `partner`'s resale prices are internal margin analysis only: a buy-sell partner
/// in a `monitor` jurisdiction.
pub(super) fn monitored(settings: &Settings, partner: Option<&Partner>) -> bool {
    partner.is_some_and(|p| settings.profile_of(p) == Profile::Monitor)
}

impl MinListPrice {
    /// The discount `partner` may give (none for an unknown partner).
    pub(super) fn discount_of(&self, partner: Option<&Partner>) -> Decimal {
        partner
            .and_then(|p| {
                self.allowed_discount
                    .iter()
                    .find(|d| d.partner_type == p.partner_type)
            })
            .map_or(Decimal::ZERO, |d| d.fraction)
    }

    /// The discount the record's partner may give (none for an unknown partner).
    fn discount(&self, ctx: &Ctx<'_>) -> Decimal {
        self.discount_of(ctx.partner)
    }

    /// Loads `allowed_discount` (shared with `net-below-list`).
    pub(super) fn load_discounts(
        allowed: BTreeMap<Spanned<String>, Spanned<String>>,
        cx: &mut FileLoader<'_>,
    ) -> Option<MinListPrice> {
        let mut allowed_discount = Vec::new();
        let mut ok = true;
        for (partner_type, fraction) in allowed {
            let pt = PartnerType::parse(partner_type.get_ref())
                .map_err(|(message, help)| {
                    cx.fail_with(
                        crate::diag::codes::PACK_BAD_PARAM,
                        partner_type.span(),
                        message,
                        help,
                    )
                })
                .ok();
            let d = cx.fraction(&fraction);
            match (pt, d) {
                (Some(partner_type), Some(fraction)) => allowed_discount.push(Discount {
                    partner_type,
                    fraction,
                }),
                (None, _) | (_, None) => ok = false,
            }
        }
        ok.then_some(MinListPrice { allowed_discount })
    }
}

impl CheckKind for MinListPrice {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        MinListPrice::load_discounts(p.allowed_discount, cx)
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let record = ctx.record;
        let discount = self.discount(ctx);
        let sold = Sold::of(record);
        for (i, line) in record.lines.iter().enumerate() {
            if let Some(f) = floor_of(discount, &sold, line, env.data) {
                if *line.unit_price < f.floor {
                    let monitor = monitored(env.settings, ctx.partner);
                    let mut finding = below_floor(
                        &At::record(at, record, Some(i)),
                        ctx.partner.map(|p| p.partner_type),
                        line,
                        &f,
                        monitor,
                    );
                    finding.amount = at_stake(
                        env.data,
                        env.settings,
                        f.floor - *line.unit_price,
                        line.qty,
                        line.currency,
                        record.date,
                    );
                    out.findings.push(finding);
                }
            }
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let rec = cx.ctx.record;
        let ptype = cx.ctx.partner.map(|p| p.partner_type);
        let discount = self.discount(cx.ctx);
        let who = ptype.map_or("a partner not in partners.csv".to_owned(), |t| {
            format!("a {t}")
        });
        let monitor = monitored(cx.settings, cx.ctx.partner);
        let profile = if monitor {
            "; a buy-sell partner in a monitor jurisdiction: a price below the floor is internal margin analysis (info)"
        } else {
            ""
        };
        let mut steps = vec![step(
            "discount",
            format!(
                "{who} may sell at most {}% below list{profile}",
                (discount * Decimal::ONE_HUNDRED).normalize()
            ),
            &[
                (
                    "partner_type",
                    ptype.map_or("-".to_owned(), |t| t.to_string()),
                ),
                ("allowed_discount", discount.to_string()),
                (
                    "profile",
                    if monitor { "monitor" } else { "enforce" }.to_owned(),
                ),
            ],
        )];
        let sold = Sold::of(rec);
        for (i, line) in rec.lines.iter().enumerate() {
            let about = format!("line {} (index {i})", i + 1);
            if line.qty.is_return() {
                steps.push(step(
                    about,
                    format!("{} x {}: a return, not judged on price", line.qty, line.sku),
                    &[("sku", line.sku.to_string()), ("return", "true".to_owned())],
                ));
                continue;
            }
            let Some(f) = floor_of(discount, &sold, line, cx.data) else {
                steps.push(step(
                    about,
                    format!(
                        "{} in {}: no list price in force on {}; price.no-list-price judges this line",
                        line.sku, line.currency, sold.price_date
                    ),
                    &[
                        ("sku", line.sku.to_string()),
                        ("currency", line.currency.to_string()),
                    ],
                ));
                continue;
            };
            let passes = *line.unit_price >= f.floor;
            let (price, floor) = (money(*line.unit_price, f.scale), money(f.floor, f.scale));
            let verdict = if passes {
                format!("{price} >= {floor}: at or above the floor, passes")
            } else {
                format!("{price} < {floor}: below the floor, a finding")
            };
            let text = format!(
                "{} x {} at {price} {}; {}; {verdict}",
                line.qty,
                line.sku,
                line.currency,
                f.describe(),
            );
            let mut facts = vec![
                ("sku", line.sku.to_string()),
                ("currency", line.currency.to_string()),
                ("unit_price", line.unit_price.to_string()),
                ("passes", passes.to_string()),
            ];
            facts.extend(f.facts());
            steps.push(step(about, text, &facts));
        }
        steps
    }
}

/// A price row as an explanation names it.
pub(super) fn price_row(p: &PriceRow) -> String {
    format!(
        "list price {} {} (price_list.csv line {}, in force {})",
        money(p.list_price, 2),
        p.currency,
        p.line,
        p.range()
    )
}

/// How far below `reference` a price is, in words: `10%`, `less than 0.01%`.
pub(super) fn below_words(price: Decimal, reference: Decimal) -> String {
    let shortfall = reference.checked_sub(price).unwrap_or_default();
    match percent(shortfall, reference) {
        // Two places hide an undercut of a tenth of a cent; never say "0% below".
        Some(p) if p.is_zero() => "less than 0.01%".to_owned(),
        Some(p) => format!("{}%", p.normalize()),
        None => "below".to_owned(),
    }
}

/// What the floor is, in words, after the price: the list price (and the discount), or the
/// agreement's price.
pub(super) fn floor_words(
    f: &Floor<'_>,
    partner_type: Option<PartnerType>,
) -> (String, Option<String>) {
    match f.basis {
        Basis::List(p, discount) => {
            let base = format!(
                "the list price of {} {} in force on {}",
                money(p.list_price, f.scale),
                p.currency,
                f.price_date
            );
            let extra = (!discount.is_zero()).then(|| {
                let who = partner_type.map_or("this partner", |t| t.as_str());
                let allowed = percent(discount, Decimal::ONE)
                    .unwrap_or_default()
                    .normalize();
                format!(
                    "a {who} may sell at most {allowed}% below list, so the floor is {} {}",
                    money(f.floor, f.scale),
                    p.currency
                )
            });
            (base, extra)
        }
        Basis::Agreement(a) => (
            format!(
                "the price of {} {} agreed for {} under special pricing agreement {} (in force {})",
                money(a.price, f.scale),
                a.currency,
                a.customer,
                a.agreement,
                a.range()
            ),
            None,
        ),
    }
}

/// Turns a finding made for a monitored partner into internal margin analysis: severity
/// `info`, never failing the run.
pub(super) fn as_margin_analysis(mut finding: Finding, monitor: bool) -> Finding {
    if monitor {
        finding.severity = Severity::Info;
    }
    finding
}

#[cold]
fn below_floor(
    at: &At<'_>,
    partner_type: Option<PartnerType>,
    line: &Line,
    f: &Floor<'_>,
    monitor: bool,
) -> Finding {
    // The values the words are written from when the finding is read.
    let (sku, unit_price, currency) = (line.sku.clone(), *line.unit_price, line.currency);
    let (reference, floor, scale) = (f.reference(), f.floor, f.scale);
    let (base, extra) = floor_words(f, partner_type);
    let finding = at.finding_later(move |part| match part {
        Part::Expected => money(floor, scale),
        Part::Actual => money(unit_price, scale),
        Part::Message => {
            let below = below_words(unit_price, reference);
            if monitor {
                format!(
                    "internal margin analysis: realised price of {sku} {} {currency}, {below} below {base}; a buy-sell partner in a monitor jurisdiction sets its own resale prices",
                    money(unit_price, scale),
                )
            } else {
                let mut message = format!(
                    "sold {sku} at {} {currency}, {below} below {base}",
                    money(unit_price, scale),
                );
                if let Some(extra) = &extra {
                    message.push_str("; ");
                    message.push_str(extra);
                }
                message
            }
        }
    });
    as_margin_analysis(finding, monitor)
}
