//! What scripts see: typed values with getters and the reference-data functions. Every
//! function here is listed in `docs/scripting.md`; keep the two in step.

use super::trace;
use crate::date::Date;
use crate::money::parse_decimal;
use crate::record::{CompactString, Record};
use crate::refdata::{Partner, RefData};
use rhai::{Array, Dynamic, EvalAltResult, INT, ImmutableString, Map, Position, Variant};
use rust_decimal::Decimal;
use std::sync::Arc;

/// A record as scripts see it: shared, so handing it to several rules copies nothing.
#[derive(Clone)]
pub(crate) struct ScriptRecord(pub Arc<Record>);

/// One line of a record, by index into the shared record.
#[derive(Clone)]
pub(crate) struct ScriptLine(Arc<Record>, usize);

/// One document of a record, by index into the shared record.
#[derive(Clone)]
pub(crate) struct ScriptDocument(Arc<Record>, usize);

/// A partner row, shared with the reference data.
#[derive(Clone)]
pub(crate) struct ScriptPartner(Partner);

/// A script value whose reads an explanation names: `record`, `record.lines[0]`,
/// `partner("P-1")`.
trait Subject {
    fn label(&self) -> String;
}

impl Subject for ScriptRecord {
    fn label(&self) -> String {
        "record".to_owned()
    }
}

impl Subject for ScriptLine {
    fn label(&self) -> String {
        format!("record.lines[{}]", self.1)
    }
}

impl Subject for ScriptDocument {
    fn label(&self) -> String {
        format!("record.documents[{}]", self.1)
    }
}

impl Subject for ScriptPartner {
    fn label(&self) -> String {
        format!("partner({:?})", self.0.id)
    }
}

/// Registers a field getter whose reads an explanation lists.
fn getter<T, V>(
    engine: &mut rhai::Engine,
    name: &'static str,
    get: impl Fn(&T) -> V + Send + Sync + 'static,
) where
    T: Subject + Variant + Clone,
    V: Variant + Clone,
{
    engine.register_get(name, move |t: &mut T| {
        let value = get(t);
        trace::read(
            || format!("{}.{name}", t.label()),
            || Dynamic::from(value.clone()),
        );
        value
    });
}

fn text(value: &Option<CompactString>) -> Dynamic {
    value.as_ref().map_or(Dynamic::UNIT, |s| {
        Dynamic::from(ImmutableString::from(s.as_str()))
    })
}

fn date(value: Option<Date>) -> Dynamic {
    value.map_or(Dynamic::UNIT, Dynamic::from)
}

#[cold]
fn script_error(message: String) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(message.into(), Position::NONE))
}

/// A helper that cannot give the exact answer fails (a rule error of kind overflow); it
/// never saturates, wraps or gives a stand-in value.
#[cold]
fn overflow(message: String) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        Dynamic::from(super::host::Overflow(message)),
        Position::NONE,
    ))
}

/// `n` as a script integer, or an overflow error naming `what`.
fn int(n: impl TryInto<INT>, what: &str) -> Result<INT, Box<EvalAltResult>> {
    n.try_into()
        .map_err(|_| overflow(format!("{what} is too large for a script integer")))
}

/// `date` moved by `days` days, or an error when the result leaves the calendar
/// (years -9999 to 9999).
fn add_days(date: Date, days: INT) -> Result<Date, Box<EvalAltResult>> {
    moved(date, days).ok_or_else(|| {
        overflow(format!(
            "`add_days({days})` on {date} leaves the calendar (years -9999 to 9999)"
        ))
    })
}

/// `date` moved by `days` days, or `None` when the result leaves the calendar.
pub(super) fn moved(date: Date, days: INT) -> Option<Date> {
    let civil = jiff::civil::Date::new(date.year(), date.month(), date.day()).ok()?;
    let span = jiff::Span::new().try_days(days).ok()?;
    let moved = civil.checked_add(span).ok()?;
    Date::new(moved.year(), moved.month(), moved.day())
}

/// Whole days from `a` to `b`, or an error (never 0) when they cannot be counted.
fn days_between(a: Date, b: Date) -> Result<INT, Box<EvalAltResult>> {
    days_from(a, b).ok_or_else(|| overflow(format!("`days_between({a}, {b})` cannot be counted")))
}

/// Whole days from `a` to `b`, or `None` when they cannot be counted.
pub(super) fn days_from(a: Date, b: Date) -> Option<INT> {
    let civil = |d: Date| jiff::civil::Date::new(d.year(), d.month(), d.day()).ok();
    let span = civil(b)?.since(civil(a)?).ok()?;
    Some(INT::from(span.get_days()))
}

/// Converts a JSON value (from `attrs`) into a script value. Numbers become integers when
/// they are whole and fit, else exact decimals; never floats.
pub(crate) fn json_to_dynamic(value: &serde_json::Value) -> Dynamic {
    use serde_json::Value;
    match value {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => {
            let t = n.to_string();
            t.parse::<INT>()
                .map(Dynamic::from_int)
                .or_else(|_| parse_decimal(&t).map(Dynamic::from_decimal))
                .unwrap_or_else(|_| Dynamic::from(ImmutableString::from(t)))
        }
        Value::String(s) => Dynamic::from(ImmutableString::from(s.as_str())),
        Value::Array(items) => Dynamic::from_array(items.iter().map(json_to_dynamic).collect()),
        Value::Object(map) => Dynamic::from_map(
            map.iter()
                .map(|(k, v)| (k.as_str().into(), json_to_dynamic(v)))
                .collect::<Map>(),
        ),
    }
}

/// Registers the script API on `engine`, with the reference-data functions bound to `data`.
pub(crate) fn register(engine: &mut rhai::Engine, data: &Arc<RefData>) {
    register_date(engine);
    register_record(engine);
    register_partner(engine);
    register_findings(engine);

    engine.register_fn("decimal", |s: &str| {
        parse_decimal(s).map_err(|e| script_error(format!("decimal(`{s}`): {e}")))
    });

    let d = Arc::clone(data);
    engine.register_fn("partner", move |id: &str| {
        let found = d.partner(id);
        trace::read_worded(
            || format!("partner({id:?})"),
            || match found {
                Some(p) => format!(
                    "the {} {} of {}, {}",
                    p.partner_type, p.id, p.region, p.status
                ),
                None => "() (not in partners.csv)".to_owned(),
            },
        );
        found.map_or(Dynamic::UNIT, |p| Dynamic::from(ScriptPartner(p.clone())))
    });
    let d = Arc::clone(data);
    engine.register_fn("list_price", move |sku: &str, currency: &str, on: Date| {
        let price = d
            .list_price(sku, currency, on)
            .map_or(Dynamic::UNIT, |p| Dynamic::from_decimal(p.list_price));
        lookup(
            || format!("list_price({sku:?}, {currency:?}, {on})"),
            &price,
        );
        price
    });
    let d = Arc::clone(data);
    engine.register_fn("catalog", move |sku: &str| {
        let item = d.catalog_item(sku).map_or(Dynamic::UNIT, |c| {
            let mut m = Map::new();
            m.insert(
                "sku".into(),
                Dynamic::from(ImmutableString::from(c.sku.as_str())),
            );
            m.insert("genuine".into(), Dynamic::from_bool(c.genuine));
            m.insert(
                "description".into(),
                Dynamic::from(ImmutableString::from(c.description.as_str())),
            );
            Dynamic::from_map(m)
        });
        lookup(|| format!("catalog({sku:?})"), &item);
        item
    });
    let d = Arc::clone(data);
    engine.register_fn("is_approved_source", move |source: &str| {
        let approved = d.is_approved_source(source);
        lookup(
            || format!("is_approved_source({source:?})"),
            &Dynamic::from_bool(approved),
        );
        approved
    });
    let d = Arc::clone(data);
    engine.register_fn("installed_assets", move |partner: &str| {
        let too_many = || {
            overflow(format!(
                "`installed_assets(\"{partner}\")`: the partner's assets add up to more than a script integer holds"
            ))
        };
        let total = d
            .installed_base()
            .iter()
            .filter(|b| b.partner == partner)
            .try_fold(0u64, |sum, b| sum.checked_add(b.assets))
            .ok_or_else(too_many)?;
        let total = INT::try_from(total).map_err(|_| too_many())?;
        lookup(
            || format!("installed_assets({partner:?})"),
            &Dynamic::from_int(total),
        );
        Ok::<_, Box<EvalAltResult>>(total)
    });
}

/// `n` things, in words: "1 line", "3 lines".
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// Notes a lookup's answer for an explanation.
fn lookup(what: impl FnOnce() -> String, answer: &Dynamic) {
    if answer.is_unit() {
        trace::read_worded(what, || "() (none)".to_owned());
    } else {
        trace::read(what, || answer.clone());
    }
}

fn register_date(engine: &mut rhai::Engine) {
    engine.register_type_with_name::<Date>("Date");
    engine.register_fn("date", |s: &str| {
        s.parse::<Date>().map_err(|e| script_error(e.to_string()))
    });
    engine.register_fn("to_string", |d: &mut Date| d.to_string());
    engine.register_fn("to_debug", |d: &mut Date| d.to_string());
    engine.register_fn("==", |a: Date, b: Date| a == b);
    engine.register_fn("!=", |a: Date, b: Date| a != b);
    engine.register_fn("<", |a: Date, b: Date| a < b);
    engine.register_fn("<=", |a: Date, b: Date| a <= b);
    engine.register_fn(">", |a: Date, b: Date| a > b);
    engine.register_fn(">=", |a: Date, b: Date| a >= b);
    engine.register_fn("days_between", days_between);
    engine.register_fn("add_days", |d: &mut Date, n: INT| add_days(*d, n));
    engine.register_get("year", |d: &mut Date| INT::from(d.year()));
    engine.register_get("month", |d: &mut Date| INT::from(d.month()));
    engine.register_get("day", |d: &mut Date| INT::from(d.day()));
}

fn register_record(engine: &mut rhai::Engine) {
    engine.register_type_with_name::<ScriptRecord>("Record");
    getter(engine, "id", |r: &ScriptRecord| r.0.id.to_string());
    getter(engine, "kind", |r: &ScriptRecord| {
        r.0.kind.as_str().to_owned()
    });
    getter(engine, "date", |r: &ScriptRecord| r.0.date);
    getter(engine, "partner", |r: &ScriptRecord| {
        r.0.partner.to_string()
    });
    getter(engine, "customer", |r: &ScriptRecord| text(&r.0.customer));
    getter(engine, "region", |r: &ScriptRecord| text(&r.0.region));
    getter(engine, "opportunity", |r: &ScriptRecord| {
        text(&r.0.opportunity)
    });
    getter(engine, "stage", |r: &ScriptRecord| text(&r.0.stage));
    getter(engine, "asset", |r: &ScriptRecord| text(&r.0.asset));
    getter(engine, "agreement", |r: &ScriptRecord| text(&r.0.agreement));
    getter(engine, "invoice", |r: &ScriptRecord| text(&r.0.invoice));
    getter(engine, "order_date", |r: &ScriptRecord| {
        date(r.0.order_date)
    });
    engine.register_get("lines", |r: &mut ScriptRecord| {
        trace::read_worded(
            || "record.lines".to_owned(),
            || count(r.0.lines.len(), "line"),
        );
        lines(&r.0)
    });
    engine.register_get("documents", |r: &mut ScriptRecord| {
        trace::read_worded(
            || "record.documents".to_owned(),
            || count(r.0.documents.len(), "document"),
        );
        (0..r.0.documents.len())
            .map(|i| Dynamic::from(ScriptDocument(Arc::clone(&r.0), i)))
            .collect::<Array>()
    });
    getter(engine, "attrs", |r: &ScriptRecord| {
        r.0.attrs
            .iter()
            .map(|(k, v)| (k.as_str().into(), json_to_dynamic(v)))
            .collect::<Map>()
    });
    engine.register_fn(
        "has_document",
        |r: &mut ScriptRecord, kind: &str, signed: bool| {
            let has = r.0.has_document(kind, signed);
            lookup(
                || format!("record.has_document({kind:?}, {signed})"),
                &Dynamic::from_bool(has),
            );
            has
        },
    );
    engine.register_fn("to_string", |r: &mut ScriptRecord| {
        format!("record {}", r.0.id)
    });

    engine.register_type_with_name::<ScriptLine>("Line");
    engine.register_get("index", |l: &mut ScriptLine| {
        let index = int(l.1, "a line index")?;
        trace::read(
            || format!("{}.index", l.label()),
            || Dynamic::from_int(index),
        );
        Ok::<_, Box<EvalAltResult>>(index)
    });
    getter(engine, "sku", |l: &ScriptLine| {
        on_line(l, |x| x.sku.to_string()).unwrap_or_default()
    });
    getter(engine, "qty", |l: &ScriptLine| {
        on_line(l, |x| INT::from(x.qty)).unwrap_or(0)
    });
    getter(engine, "unit_price", |l: &ScriptLine| {
        on_line(l, |x| *x.unit_price).unwrap_or(Decimal::ZERO)
    });
    getter(engine, "currency", |l: &ScriptLine| {
        on_line(l, |x| x.currency.to_string()).unwrap_or_default()
    });
    getter(engine, "source", |l: &ScriptLine| {
        on_line(l, |x| text(&x.source)).unwrap_or(Dynamic::UNIT)
    });
    // Exact: qty x unit price, and an error (never a wrong number) if it overflows.
    engine.register_get("amount", |l: &mut ScriptLine| {
        let amount = on_line(l, |x| x.unit_price.checked_mul(Decimal::from(x.qty)))
            .flatten()
            .ok_or_else(|| {
                overflow(format!(
                    "the amount of line {} is too large to hold exactly",
                    l.1
                ))
            })?;
        trace::read(
            || format!("{}.amount", l.label()),
            || Dynamic::from_decimal(amount),
        );
        Ok::<_, Box<EvalAltResult>>(amount)
    });

    engine.register_type_with_name::<ScriptDocument>("Document");
    getter(engine, "kind", |d: &ScriptDocument| {
        on_document(d, |x| x.kind.to_string()).unwrap_or_default()
    });
    getter(engine, "ref", |d: &ScriptDocument| {
        on_document(d, |x| text(&x.reference)).unwrap_or(Dynamic::UNIT)
    });
    getter(engine, "signed", |d: &ScriptDocument| {
        on_document(d, |x| x.signed).unwrap_or(false)
    });
}

/// The lines of `record` as script values.
pub(crate) fn lines(record: &Arc<Record>) -> Array {
    (0..record.lines.len())
        .map(|i| Dynamic::from(ScriptLine(Arc::clone(record), i)))
        .collect()
}

fn on_line<T>(l: &ScriptLine, f: impl FnOnce(&crate::record::Line) -> T) -> Option<T> {
    l.0.lines.get(l.1).map(f)
}

fn on_document<T>(d: &ScriptDocument, f: impl FnOnce(&crate::record::Document) -> T) -> Option<T> {
    d.0.documents.get(d.1).map(f)
}

fn register_partner(engine: &mut rhai::Engine) {
    engine.register_type_with_name::<ScriptPartner>("Partner");
    getter(engine, "id", |p: &ScriptPartner| p.0.id.clone());
    getter(engine, "type", |p: &ScriptPartner| {
        p.0.partner_type.as_str().to_owned()
    });
    getter(engine, "region", |p: &ScriptPartner| p.0.region.clone());
    getter(engine, "status", |p: &ScriptPartner| p.0.status.clone());
    getter(engine, "contract_signed", |p: &ScriptPartner| {
        date(p.0.contract_signed)
    });
    getter(engine, "nda_expires", |p: &ScriptPartner| {
        date(p.0.nda_expires)
    });
    getter(engine, "certified_until", |p: &ScriptPartner| {
        date(p.0.certified_until)
    });
    getter(engine, "status_since", |p: &ScriptPartner| {
        date(p.0.status_since)
    });
    getter(engine, "jurisdiction", |p: &ScriptPartner| {
        p.0.jurisdiction
            .as_deref()
            .map_or(Dynamic::UNIT, |j| Dynamic::from(ImmutableString::from(j)))
    });
    engine.register_fn("to_string", |p: &mut ScriptPartner| {
        format!("partner {}", p.0.id)
    });
}

fn register_findings(engine: &mut rhai::Engine) {
    fn finding(message: &str, expected: Dynamic, actual: Dynamic, line: Dynamic) -> Map {
        let mut m = Map::new();
        m.insert(
            "message".into(),
            Dynamic::from(ImmutableString::from(message)),
        );
        m.insert("expected".into(), expected);
        m.insert("actual".into(), actual);
        m.insert("line".into(), line);
        m
    }
    engine.register_fn("finding", |message: &str| {
        finding(message, Dynamic::UNIT, Dynamic::UNIT, Dynamic::UNIT)
    });
    engine.register_fn(
        "finding",
        |message: &str, expected: Dynamic, actual: Dynamic| {
            finding(message, expected, actual, Dynamic::UNIT)
        },
    );
    engine.register_fn(
        "line_finding",
        |line: INT, message: &str, expected: Dynamic, actual: Dynamic| {
            finding(message, expected, actual, Dynamic::from_int(line))
        },
    );
}
