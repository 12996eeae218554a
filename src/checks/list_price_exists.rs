//! `list-price-exists`: each sale line's sku has a list price in the line's currency on
//! the sale's price date, its order date when given (otherwise `min-list-price` cannot
//! judge it). Returns are not judged on price.

use super::min_list_price::{price_date, price_row};
use super::{At, CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, step};
use crate::date::Date;
use crate::finding::Finding;
use crate::outcome::{Verdict, money};
use crate::pack::FileLoader;
use crate::record::{Line, Record};
use crate::refdata::{PriceRow, RefData};
use serde::Deserialize;

/// The `list-price-exists` check; it takes no parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListPriceExists;

/// `[rule.params]` as written: none.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {}

impl ListPriceExists {
    /// The one decision: the price row in force for the line on the price date, if any;
    /// `Ok(None)` for a return, which needs none.
    fn decide<'d>(
        line: &Line,
        record: &Record,
        data: &'d RefData,
    ) -> Result<Option<&'d PriceRow>, ()> {
        if line.qty.is_return() {
            return Ok(None);
        }
        data.list_price(&line.sku, &line.currency, price_date(record))
            .map(Some)
            .ok_or(())
    }
}

impl CheckKind for ListPriceExists {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;

    fn load(_: Params, _: &mut FileLoader<'_>) -> Option<Self> {
        Some(ListPriceExists)
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let record = ctx.record;
        for (i, line) in record.lines.iter().enumerate() {
            if Self::decide(line, record, env.data).is_err() {
                out.findings.push(no_list_price(
                    &At::record(at, record, Some(i)),
                    price_date(record),
                    line,
                    env.data,
                ));
            }
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let rec = cx.ctx.record;
        rec.lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let about = format!("line {} (index {i})", i + 1);
                match Self::decide(line, rec, cx.data) {
                    Ok(None) => step(
                        about,
                        format!("{} x {}: a return, not judged on price", line.qty, line.sku),
                        &[("return", "true".to_owned())],
                    ),
                    Ok(Some(p)) => step(
                        about,
                        format!(
                            "{} in {} on {}: {}",
                            line.sku,
                            line.currency,
                            price_date(rec),
                            price_row(p)
                        ),
                        &[
                            ("found", "true".to_owned()),
                            ("price_date", price_date(rec).to_string()),
                            ("effective", p.range()),
                        ],
                    ),
                    Err(()) => {
                        let rows: Vec<String> = cx
                            .data
                            .prices_of(&line.sku)
                            .iter()
                            .map(|r| {
                                format!("{} {} {}", r.currency, money(r.list_price, 2), r.range())
                            })
                            .collect();
                        let known = if rows.is_empty() {
                            "the sku is not on the price list".to_owned()
                        } else {
                            format!("its rows: {}", rows.join("; "))
                        };
                        step(
                            about,
                            format!(
                                "{} in {} on {}: no list price in force ({known})",
                                line.sku,
                                line.currency,
                                price_date(rec)
                            ),
                            &[("found", "false".to_owned())],
                        )
                    }
                }
            })
            .collect()
    }
}

#[cold]
fn no_list_price(at: &At<'_>, date: Date, line: &Line, data: &RefData) -> Finding {
    let rows = data.prices_of(&line.sku);
    let mut message = format!(
        "no list price for {} in {} on {date}",
        line.sku, line.currency
    );
    let same: Vec<String> = rows
        .iter()
        .filter(|r| r.currency == line.currency)
        .map(PriceRow::range)
        .collect();
    let mut others: Vec<&str> = rows
        .iter()
        .filter(|r| r.currency != line.currency)
        .map(|r| r.currency.as_str())
        .collect();
    others.dedup();
    if rows.is_empty() {
        message.push_str(": the sku is not on the price list at all");
    } else if !same.is_empty() {
        message.push_str(&format!(
            ": its {} prices cover only {}",
            line.currency,
            same.join(", ")
        ));
    } else {
        message.push_str(&format!(": it is listed only in {}", others.join(", ")));
    }
    at.finding(
        message,
        format!("a list price in {} in force on {date}", line.currency),
        "none".to_owned(),
    )
}
