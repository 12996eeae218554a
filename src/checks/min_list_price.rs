//! `min-list-price`: each sale line's unit price is at least the list price in force on
//! the sale's date, less the discount the partner's type may give.

use super::{At, CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, step};
use crate::date::Date;
use crate::finding::Part;
use crate::money::percent;
use crate::outcome::{Verdict, money};
use crate::pack::FileLoader;
use crate::record::Line;
use crate::refdata::{PartnerType, PriceRow, RefData};
use rust_decimal::Decimal;
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
    allowed_discount: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// How one line fared against its floor: the one decision the finding and the
/// explanation are both made from.
struct LineDecision<'a> {
    /// The price row in force.
    price: &'a PriceRow,
    /// The partner type's allowed discount.
    discount: Decimal,
    /// `list x (1 - discount)`, exact.
    floor: Decimal,
    /// Decimal places to show money with.
    scale: u32,
    passes: bool,
}

impl MinListPrice {
    /// The discount the record's partner may give (none for an unknown partner).
    fn discount(&self, ctx: &Ctx<'_>) -> Decimal {
        ctx.partner
            .and_then(|p| {
                self.allowed_discount
                    .iter()
                    .find(|d| d.partner_type == p.partner_type)
            })
            .map_or(Decimal::ZERO, |d| d.fraction)
    }

    /// Judges one line; `None` when the line has no list price (`list-price-exists` says
    /// so).
    fn decide<'d>(
        discount: Decimal,
        line: &Line,
        date: Date,
        data: &'d RefData,
    ) -> Option<LineDecision<'d>> {
        let price = data.list_price(&line.sku, &line.currency, date)?;
        // Exact: the floor is list x (1 - discount) in full precision, never rounded before
        // the comparison. A product too large to hold is judged against the list price
        // itself.
        let floor = (Decimal::ONE - discount)
            .checked_mul(price.list_price)
            .unwrap_or(price.list_price);
        Some(LineDecision {
            price,
            discount,
            floor,
            scale: price.list_price.scale().max(2),
            passes: line.unit_price >= floor,
        })
    }
}

impl CheckKind for MinListPrice {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        let mut allowed_discount = Vec::new();
        let mut ok = true;
        for (partner_type, fraction) in p.allowed_discount {
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

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let record = ctx.record;
        let discount = self.discount(ctx);
        for (i, line) in record.lines.iter().enumerate() {
            if let Some(d) = Self::decide(discount, line, record.date, env.data) {
                if !d.passes {
                    out.findings
                        .push(below_floor(&At::record(at, record, Some(i)), ctx, line, &d));
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
        let mut steps = vec![step(
            "discount",
            format!(
                "{who} may sell at most {}% below list",
                (discount * Decimal::ONE_HUNDRED).normalize()
            ),
            &[
                (
                    "partner_type",
                    ptype.map_or("-".to_owned(), |t| t.to_string()),
                ),
                ("allowed_discount", discount.to_string()),
            ],
        )];
        for (i, line) in rec.lines.iter().enumerate() {
            let about = format!("line {} (index {i})", i + 1);
            let Some(d) = Self::decide(discount, line, rec.date, cx.data) else {
                steps.push(step(
                    about,
                    format!(
                        "{} in {}: no list price in force on {}; price.no-list-price judges this line",
                        line.sku, line.currency, rec.date
                    ),
                    &[
                        ("sku", line.sku.to_string()),
                        ("currency", line.currency.to_string()),
                    ],
                ));
                continue;
            };
            let (price, floor) = (money(*line.unit_price, d.scale), money(d.floor, d.scale));
            let verdict = if d.passes {
                format!("{price} >= {floor}: at or above the floor, passes")
            } else {
                format!("{price} < {floor}: below the floor, a finding")
            };
            let text = format!(
                "{} x {} at {price} {}; {}; floor {} x (1 - {}) = {floor}; {verdict}",
                line.qty,
                line.sku,
                line.currency,
                price_row(d.price),
                money(d.price.list_price, d.scale),
                d.discount,
            );
            steps.push(step(
                about,
                text,
                &[
                    ("sku", line.sku.to_string()),
                    ("currency", line.currency.to_string()),
                    ("unit_price", line.unit_price.to_string()),
                    ("list_price", d.price.list_price.to_string()),
                    ("effective", d.price.range()),
                    ("price_list_line", d.price.line.to_string()),
                    ("floor", d.floor.to_string()),
                    ("passes", d.passes.to_string()),
                ],
            ));
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

#[cold]
fn below_floor(
    at: &At<'_>,
    ctx: &Ctx<'_>,
    line: &Line,
    d: &LineDecision<'_>,
) -> crate::finding::Finding {
    // The values the words are written from when the finding is read.
    let (sku, unit_price, currency) = (line.sku.clone(), *line.unit_price, line.currency);
    let (list_price, list_currency) = (d.price.list_price, d.price.currency.clone());
    let (discount, floor, scale, date) = (d.discount, d.floor, d.scale, ctx.record.date);
    let partner_type = ctx.partner.map(|p| p.partner_type);
    at.finding_later(move |part| match part {
        Part::Expected => money(floor, scale),
        Part::Actual => money(unit_price, scale),
        Part::Message => {
            let shortfall = list_price.checked_sub(unit_price).unwrap_or_default();
            let below = match percent(shortfall, list_price) {
                // Two places hide an undercut of a tenth of a cent; never say "0% below".
                Some(p) if p.is_zero() => "less than 0.01%".to_owned(),
                Some(p) => format!("{}%", p.normalize()),
                None => "below".to_owned(),
            };
            let mut message = format!(
                "sold {sku} at {} {currency}, {below} below the list price of {} {list_currency} in force on {date}",
                money(unit_price, scale),
                money(list_price, scale),
            );
            if !discount.is_zero() {
                let who = partner_type.map_or("this partner", |t| t.as_str());
                let allowed = percent(discount, Decimal::ONE)
                    .unwrap_or_default()
                    .normalize();
                message.push_str(&format!(
                    "; a {who} may sell at most {allowed}% below list, so the floor is {} {list_currency}",
                    money(floor, scale),
                ));
            }
            message
        }
    })
}
