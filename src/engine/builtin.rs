//! The built-in check kinds. Each function appends findings to `out`; on the passing path
//! none of them allocates.

use super::{Ctx, Pending, kind_words};
use crate::date::Date;
use crate::finding::Finding;
use crate::money::percent;
use crate::pack::{Check, Rule};
use crate::record::Line;
use crate::refdata::{Partner, PriceRow, RefData};
use rust_decimal::Decimal;
use std::sync::Arc;

/// The parts of a finding every check fills the same way.
struct At<'a> {
    rule: &'a Rule,
    id: &'a Arc<str>,
    record: Option<&'a str>,
    line: Option<usize>,
    partner: &'a str,
    date: Date,
}

impl<'a> At<'a> {
    /// A finding about a record kept for the batch-level rules.
    fn of_pending(rule: &'a Rule, id: &'a Arc<str>, sale: &'a Pending) -> At<'a> {
        At {
            rule,
            id,
            record: Some(&sale.record),
            line: None,
            partner: &sale.partner,
            date: sale.date,
        }
    }
}

impl At<'_> {
    #[cold]
    fn finding(&self, message: String, expected: String, actual: String) -> Finding {
        Finding {
            rule: Arc::clone(self.id),
            severity: self.rule.severity,
            record: self.record.map(str::to_owned),
            line: self.line,
            partner: self.partner.to_owned(),
            message,
            expected,
            actual,
            date: self.date,
        }
    }
}

/// Runs a stateless check on one record.
pub(super) fn check_record(
    rule: &Rule,
    id: &Arc<str>,
    ctx: &Ctx<'_>,
    data: &RefData,
    out: &mut Vec<Finding>,
) {
    let record = ctx.record;
    let at = |line: Option<usize>| At {
        rule,
        id,
        record: Some(&record.id),
        line,
        partner: &record.partner,
        date: record.date,
    };
    match &rule.check {
        Check::MinListPrice { allowed_discount } => {
            let discount = ctx
                .partner
                .and_then(|p| allowed_discount.iter().find(|(t, _)| *t == p.partner_type))
                .map_or(Decimal::ZERO, |(_, d)| *d);
            for (i, line) in record.lines.iter().enumerate() {
                if let Some(price) = data.list_price(&line.sku, &line.currency, record.date) {
                    min_list_price(&at(Some(i)), ctx, line, price, discount, out);
                }
            }
        }
        Check::ListPriceExists => {
            for (i, line) in record.lines.iter().enumerate() {
                if data
                    .list_price(&line.sku, &line.currency, record.date)
                    .is_none()
                {
                    out.push(no_list_price(&at(Some(i)), line, data));
                }
            }
        }
        Check::GenuineParts => {
            for (i, line) in record.lines.iter().enumerate() {
                let item = data.catalog_item(&line.sku);
                let genuine = item.is_some_and(|c| c.genuine);
                let approved = line
                    .source
                    .as_deref()
                    .is_some_and(|s| data.is_approved_source(s));
                if !genuine || !approved {
                    out.push(not_genuine(
                        &at(Some(i)),
                        line,
                        item.map(|c| c.description.as_str()),
                        genuine,
                        approved,
                    ));
                }
            }
        }
        Check::RequiredDocuments { require } => {
            for (kind, document, signed) in require {
                if &record.kind == kind && !record.has_document(document, *signed) {
                    out.push(missing_document(&at(None), ctx, document, *signed));
                }
            }
        }
        // Batch-level checks run in the session; scripts in the engine.
        Check::Condition(_) | Check::Script(_) | Check::PeerOutlier(_) => {}
        Check::PipelineCadence { .. }
        | Check::RegisteredBeforeSale { .. }
        | Check::AgreementOnFile { .. } => {}
    }
}

/// `amount` with at least `scale` decimal places and no trailing zeros beyond them.
pub(crate) fn money(amount: Decimal, scale: u32) -> String {
    let mut n = amount.normalize();
    if n.scale() < scale {
        n.rescale(scale);
    }
    n.to_string()
}

fn min_list_price(
    at: &At<'_>,
    ctx: &Ctx<'_>,
    line: &Line,
    price: &PriceRow,
    discount: Decimal,
    out: &mut Vec<Finding>,
) {
    // Exact: the floor is list x (1 - discount) in full precision, never rounded before
    // the comparison. A product too large to hold is judged against the list price itself.
    let floor = (Decimal::ONE - discount)
        .checked_mul(price.list_price)
        .unwrap_or(price.list_price);
    if line.unit_price >= floor {
        return;
    }
    let scale = price.list_price.scale().max(2);
    let shortfall = price
        .list_price
        .checked_sub(*line.unit_price)
        .unwrap_or_default();
    let below = match percent(shortfall, price.list_price) {
        // Two places hide an undercut of a tenth of a cent; never say "0% below".
        Some(p) if p.is_zero() => "less than 0.01%".to_owned(),
        Some(p) => format!("{}%", p.normalize()),
        None => "below".to_owned(),
    };
    let mut message = format!(
        "sold {} at {} {}, {} below the list price of {} {} in force on {}",
        line.sku,
        money(*line.unit_price, scale),
        line.currency,
        below,
        money(price.list_price, scale),
        price.currency,
        ctx.record.date,
    );
    if !discount.is_zero() {
        let who = ctx
            .partner
            .map_or("this partner", |p| p.partner_type.as_str());
        let allowed = percent(discount, Decimal::ONE)
            .unwrap_or_default()
            .normalize();
        message.push_str(&format!(
            "; a {who} may sell at most {allowed}% below list, so the floor is {} {}",
            money(floor, scale),
            price.currency
        ));
    }
    out.push(at.finding(message, money(floor, scale), money(*line.unit_price, scale)));
}

#[cold]
fn no_list_price(at: &At<'_>, line: &Line, data: &RefData) -> Finding {
    let rows = data.prices_of(&line.sku);
    let mut message = format!(
        "no list price for {} in {} on {}",
        line.sku, line.currency, at.date
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
        format!("a list price in {} in force on {}", line.currency, at.date),
        "none".to_owned(),
    )
}

#[cold]
fn not_genuine(
    at: &At<'_>,
    line: &Line,
    description: Option<&str>,
    genuine: bool,
    approved: bool,
) -> Finding {
    let mut reasons = Vec::new();
    match description {
        None => reasons.push(format!("{} is not in the OEM catalog", line.sku)),
        Some(d) if !genuine => {
            let what = if d.is_empty() {
                String::new()
            } else {
                format!(" ({d})")
            };
            reasons.push(format!("{}{what} is not a genuine OEM part", line.sku));
        }
        Some(_) => {}
    }
    let source = line.source.as_deref();
    if !approved {
        // "it" only reads well after a sentence about the part.
        let subject = if reasons.is_empty() {
            line.sku.clone()
        } else {
            "it".to_owned()
        };
        reasons.push(match source {
            Some(s) => format!("{subject} was bought from `{s}`, which is not an approved source"),
            None => format!("the line names no source {subject} was bought from"),
        });
    }
    let actual = format!(
        "{} part from {}",
        if genuine { "genuine" } else { "non-genuine" },
        source.map_or("no named source".to_owned(), |s| format!("`{s}`"))
    );
    at.finding(
        reasons.join("; "),
        "genuine OEM part from an approved source".to_owned(),
        actual,
    )
}

#[cold]
fn missing_document(at: &At<'_>, ctx: &Ctx<'_>, document: &str, signed: bool) -> Finding {
    let record = ctx.record;
    let present = record.documents.iter().any(|d| d.kind == document);
    let need = if signed {
        format!("signed {document}")
    } else {
        document.to_owned()
    };
    let (what, actual) = if present {
        (
            format!("carries a {document} that is not signed"),
            format!("unsigned {document}"),
        )
    } else {
        (format!("carries no {document}"), "none".to_owned())
    };
    let message = format!(
        "{} {} {what}; every {} needs a {need}",
        kind_words(&record.kind),
        record.id,
        kind_words(&record.kind)
    );
    at.finding(message, need, actual)
}

/// Where a partner's cadence window starts: the later of its contract date and the batch's
/// first date.
pub(super) fn cadence_start(partner: &Partner, first: Date) -> Date {
    partner.contract_signed.map_or(first, |c| c.max(first))
}

/// Reports every gap longer than `max_gap` days between `start`, the partner's updates
/// and `as_of`. `dates` is sorted and free of duplicates.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename them"
)]
pub(super) fn cadence(
    rule: &Rule,
    id: &Arc<str>,
    partner: &Partner,
    start: Date,
    as_of: Date,
    max_gap: i64,
    dates: &[Date],
    out: &mut Vec<Finding>,
) {
    if as_of < start {
        return;
    }
    let mut prev = start;
    let in_window = dates.iter().copied().filter(|d| start <= *d && *d <= as_of);
    for point in in_window.map(Some).chain([None]) {
        let end = point.unwrap_or(as_of);
        let gap = prev.days_until(end);
        if gap > max_gap {
            let at = At {
                rule,
                id,
                record: None,
                line: None,
                partner: &partner.id,
                date: end,
            };
            let since = if prev == start && !dates.contains(&start) {
                format!("from {start} (start of the reporting window)")
            } else {
                format!("after its update of {prev}")
            };
            let message = match point {
                Some(next) => format!(
                    "{} ({}) filed no pipeline update for {gap} days {since} until {next}; the policy allows at most {max_gap} days between updates",
                    partner.id, partner.partner_type
                ),
                None => format!(
                    "{} ({}) has filed no pipeline update for {gap} days {since} through the as-of date {as_of}; the policy allows at most {max_gap} days between updates",
                    partner.id, partner.partner_type
                ),
            };
            out.push(at.finding(
                message,
                format!("at most {max_gap} days between updates"),
                format!("{gap} days ({prev} to {end})"),
            ));
        }
        prev = end;
    }
}

pub(super) fn registered_before(
    rule: &Rule,
    id: &Arc<str>,
    sale: &Pending,
    first: Option<Date>,
    lead: i64,
    out: &mut Vec<Finding>,
) {
    let lead_ok = first.is_some_and(|f| f.days_until(sale.date) >= lead);
    if lead_ok {
        return;
    }
    let at = At::of_pending(rule, id, sale);
    let deadline = sale.date.add_days(-lead);
    let expected = format!("opportunity first reported by {deadline}");
    let finding = match (&sale.names, first) {
        (None, _) => at.finding(
            format!(
                "sale {} on {} names no pipeline opportunity; a sale must name an opportunity reported at least {lead} days before it",
                sale.record, sale.date
            ),
            expected,
            "no opportunity named".to_owned(),
        ),
        (Some(opp), None) => at.finding(
            format!("sale {} on {} names opportunity {opp}, which was never reported in the pipeline", sale.record, sale.date),
            expected,
            "never reported".to_owned(),
        ),
        (Some(opp), Some(first)) => {
            let days = first.days_until(sale.date);
            let when = if days >= 0 { format!("{days} days before") } else { format!("{} days after", -days) };
            at.finding(
                format!(
                    "opportunity {opp} was first reported on {first}, {when} the sale {} on {}; the policy asks for at least {lead} days",
                    sale.record, sale.date
                ),
                expected,
                format!("first reported {first}"),
            )
        }
    };
    out.push(finding);
}

pub(super) fn agreement_on_file(
    rule: &Rule,
    id: &Arc<str>,
    sale: &Pending,
    on_file: Option<(Date, bool)>,
    document: &str,
    signed: bool,
    out: &mut Vec<Finding>,
) {
    let Some(agreement) = &sale.names else { return };
    let need = if signed {
        format!("signed {document}")
    } else {
        document.to_owned()
    };
    let at = At::of_pending(rule, id, sale);
    let expected = format!(
        "agreement {agreement} on file by {} with a {need}",
        sale.date
    );
    let (message, actual) = match on_file {
        Some((date, true)) if date <= sale.date => return,
        None => (
            format!(
                "sale {} relies on agreement {agreement}, but no agreement {agreement} is on file",
                sale.record
            ),
            "no agreement on file".to_owned(),
        ),
        Some((date, _)) if date > sale.date => (
            format!(
                "sale {} on {} relies on agreement {agreement}, which is dated {date}, after the sale",
                sale.record, sale.date
            ),
            format!("agreement dated {date}"),
        ),
        Some(_) => (
            format!(
                "sale {} relies on agreement {agreement}, which carries no {need}",
                sale.record
            ),
            format!("agreement without a {need}"),
        ),
    };
    out.push(at.finding(message, expected, actual));
}
