//! What scripts see: typed values with getters and the reference-data functions. Every
//! function here is listed in `docs/scripting.md`; keep the two in step.

use crate::date::Date;
use crate::money::parse_decimal;
use crate::record::Record;
use crate::refdata::{Partner, RefData};
use rhai::{Array, Dynamic, EvalAltResult, INT, ImmutableString, Map, Position};
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

fn text(value: &Option<String>) -> Dynamic {
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
    let out_of_range = || {
        overflow(format!(
            "`add_days({days})` on {date} leaves the calendar (years -9999 to 9999)"
        ))
    };
    let civil = jiff::civil::Date::new(date.year(), date.month(), date.day())
        .map_err(|_| out_of_range())?;
    let span = jiff::Span::new()
        .try_days(days)
        .map_err(|_| out_of_range())?;
    let moved = civil.checked_add(span).map_err(|_| out_of_range())?;
    Date::new(moved.year(), moved.month(), moved.day()).ok_or_else(out_of_range)
}

/// Whole days from `a` to `b`, or an error (never 0) when they cannot be counted.
fn days_between(a: Date, b: Date) -> Result<INT, Box<EvalAltResult>> {
    let civil = |d: Date| jiff::civil::Date::new(d.year(), d.month(), d.day());
    let failed = || overflow(format!("`days_between({a}, {b})` cannot be counted"));
    let (from, to) = (
        civil(a).map_err(|_| failed())?,
        civil(b).map_err(|_| failed())?,
    );
    to.since(from)
        .map(|span| INT::from(span.get_days()))
        .map_err(|_| failed())
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
        d.partner(id)
            .map_or(Dynamic::UNIT, |p| Dynamic::from(ScriptPartner(p.clone())))
    });
    let d = Arc::clone(data);
    engine.register_fn("list_price", move |sku: &str, currency: &str, on: Date| {
        d.list_price(sku, currency, on)
            .map_or(Dynamic::UNIT, |p| Dynamic::from_decimal(p.list_price))
    });
    let d = Arc::clone(data);
    engine.register_fn("catalog", move |sku: &str| {
        d.catalog_item(sku).map_or(Dynamic::UNIT, |c| {
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
        })
    });
    let d = Arc::clone(data);
    engine.register_fn("is_approved_source", move |source: &str| {
        d.is_approved_source(source)
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
        INT::try_from(total).map_err(|_| too_many())
    });
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
    engine.register_get("id", |r: &mut ScriptRecord| r.0.id.clone());
    engine.register_get("kind", |r: &mut ScriptRecord| r.0.kind.as_str().to_owned());
    engine.register_get("date", |r: &mut ScriptRecord| r.0.date);
    engine.register_get("partner", |r: &mut ScriptRecord| r.0.partner.clone());
    engine.register_get("customer", |r: &mut ScriptRecord| text(&r.0.customer));
    engine.register_get("region", |r: &mut ScriptRecord| text(&r.0.region));
    engine.register_get("opportunity", |r: &mut ScriptRecord| text(&r.0.opportunity));
    engine.register_get("stage", |r: &mut ScriptRecord| text(&r.0.stage));
    engine.register_get("asset", |r: &mut ScriptRecord| text(&r.0.asset));
    engine.register_get("agreement", |r: &mut ScriptRecord| text(&r.0.agreement));
    engine.register_get("lines", |r: &mut ScriptRecord| lines(&r.0));
    engine.register_get("documents", |r: &mut ScriptRecord| {
        (0..r.0.documents.len())
            .map(|i| Dynamic::from(ScriptDocument(Arc::clone(&r.0), i)))
            .collect::<Array>()
    });
    engine.register_get("attrs", |r: &mut ScriptRecord| {
        r.0.attrs
            .iter()
            .map(|(k, v)| (k.as_str().into(), json_to_dynamic(v)))
            .collect::<Map>()
    });
    engine.register_fn(
        "has_document",
        |r: &mut ScriptRecord, kind: &str, signed: bool| r.0.has_document(kind, signed),
    );
    engine.register_fn("to_string", |r: &mut ScriptRecord| {
        format!("record {}", r.0.id)
    });

    engine.register_type_with_name::<ScriptLine>("Line");
    engine.register_get("index", |l: &mut ScriptLine| int(l.1, "a line index"));
    engine.register_get("sku", |l: &mut ScriptLine| {
        on_line(l, |x| x.sku.clone()).unwrap_or_default()
    });
    engine.register_get("qty", |l: &mut ScriptLine| {
        on_line(l, |x| INT::from(x.qty)).unwrap_or(0)
    });
    engine.register_get("unit_price", |l: &mut ScriptLine| {
        on_line(l, |x| *x.unit_price).unwrap_or(Decimal::ZERO)
    });
    engine.register_get("currency", |l: &mut ScriptLine| {
        on_line(l, |x| x.currency.to_string()).unwrap_or_default()
    });
    engine.register_get("source", |l: &mut ScriptLine| {
        on_line(l, |x| text(&x.source)).unwrap_or(Dynamic::UNIT)
    });
    // Exact: qty x unit price, and an error (never a wrong number) if it overflows.
    engine.register_get("amount", |l: &mut ScriptLine| {
        on_line(l, |x| x.unit_price.checked_mul(Decimal::from(x.qty)))
            .flatten()
            .ok_or_else(|| {
                overflow(format!(
                    "the amount of line {} is too large to hold exactly",
                    l.1
                ))
            })
    });

    engine.register_type_with_name::<ScriptDocument>("Document");
    engine.register_get("kind", |d: &mut ScriptDocument| {
        on_document(d, |x| x.kind.clone()).unwrap_or_default()
    });
    engine.register_get("ref", |d: &mut ScriptDocument| {
        on_document(d, |x| text(&x.reference)).unwrap_or(Dynamic::UNIT)
    });
    engine.register_get("signed", |d: &mut ScriptDocument| {
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
    engine.register_get("id", |p: &mut ScriptPartner| p.0.id.clone());
    engine.register_get("type", |p: &mut ScriptPartner| {
        p.0.partner_type.as_str().to_owned()
    });
    engine.register_get("region", |p: &mut ScriptPartner| p.0.region.clone());
    engine.register_get("status", |p: &mut ScriptPartner| p.0.status.clone());
    engine.register_get("contract_signed", |p: &mut ScriptPartner| {
        date(p.0.contract_signed)
    });
    engine.register_get("nda_expires", |p: &mut ScriptPartner| date(p.0.nda_expires));
    engine.register_get("certified_until", |p: &mut ScriptPartner| {
        date(p.0.certified_until)
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
