//! Records: the facts the rules judge (sales, purchases, pipeline updates, service orders,
//! agreements), and reading them from JSON and CSV.

mod build;
mod csv;
mod de;
mod dup;
mod error;
mod near;
pub(crate) mod read;
mod scan;
mod tree;

pub use build::RecordBuilder;
pub use csv::read_csv_batch;
pub use error::{RecordError, RecordErrorKind};
pub use read::{Batch, InputError, ReadOptions, ReadProgress, Rejected, read_batch};

pub(crate) use error::At;

use crate::currency::Currency;
use crate::date::Date;
use crate::money::{Price, Qty, parse_exact};
pub use compact_str::CompactString;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// What a record is. The seven kinds the standard pack knows have their own variant; any
/// other kind is kept by name, so a user's scripts can judge it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A partner sells to a customer.
    Sale,
    /// A partner buys from the OEM (or, if `source` says so, from someone else).
    Purchase,
    /// A partner reports an opportunity in its pipeline.
    PipelineUpdate,
    /// A partner services an installed asset.
    ServiceOrder,
    /// An agreement (a deal, a contract) between a partner and a customer.
    Agreement,
    /// A credit note: money given back on an earlier sale (`invoice` names it).
    CreditNote,
    /// A ship-and-debit claim: a partner claims back, under a special pricing agreement
    /// (`agreement`), part of what it paid for goods it resold (`invoice` names the sale).
    Claim,
    /// Any other kind, by name.
    Other(String),
}

impl Kind {
    /// The kind's name as written in records and rule files.
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Sale => "sale",
            Kind::Purchase => "purchase",
            Kind::PipelineUpdate => "pipeline_update",
            Kind::ServiceOrder => "service_order",
            Kind::Agreement => "agreement",
            Kind::CreditNote => "credit_note",
            Kind::Claim => "claim",
            Kind::Other(name) => name,
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Kind {
        match name {
            "sale" => Kind::Sale,
            "purchase" => Kind::Purchase,
            "pipeline_update" => Kind::PipelineUpdate,
            "service_order" => Kind::ServiceOrder,
            "agreement" => Kind::Agreement,
            "credit_note" => Kind::CreditNote,
            "claim" => Kind::Claim,
            other => Kind::Other(other.to_owned()),
        }
    }

    /// The names of the kinds with a variant of their own.
    pub const KNOWN: &'static [&'static str] = &[
        "sale",
        "purchase",
        "pipeline_update",
        "service_order",
        "agreement",
        "credit_note",
        "claim",
    ];
}

/// One line of goods on a record.
///
/// Lines are read from JSON or built with [`Record::builder`]; their types make a quantity
/// of 0, a negative price or a currency outside ISO 4217 unrepresentable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Line {
    /// The part or product number.
    pub sku: CompactString,
    /// How many: never zero; below zero a return (on a sale only).
    pub qty: Qty,
    /// The price of one unit, exact, never negative.
    pub unit_price: Price,
    /// The ISO 4217 currency, such as `USD`.
    pub currency: Currency,
    /// Who supplied the part: `oem` when bought from the OEM, else a supplier id.
    pub source: Option<CompactString>,
}

/// A document attached to a record (purchase order, service report, contract).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Document {
    /// What the document is, such as `purchase_order`.
    pub kind: CompactString,
    /// The document's own reference number.
    pub reference: Option<CompactString>,
    /// Whether it carries the signatures it needs.
    pub signed: bool,
}

/// One fact from the channel: see the record schema in the README.
///
/// A record is read from JSON ([`Record::from_json_str`], [`Record::from_json`],
/// [`read_batch`]) or built with [`Record::builder`]; both refuse the same things with the
/// same [`RecordError`]s, so every `Record` has passed the reader's checks. The fields are
/// public to read; a line's types keep its quantity, price and currency valid even when
/// changed, while the text fields (a blank `id`, say) are the changer's to keep valid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Record {
    /// Unique within a batch.
    pub id: CompactString,
    /// What the record is.
    pub kind: Kind,
    /// The business date the rules use.
    pub date: Date,
    /// The partner's id, as in `partners.csv`.
    pub partner: CompactString,
    /// The end customer.
    pub customer: Option<CompactString>,
    /// Where the business happened; when absent, rules use the partner's region.
    pub region: Option<CompactString>,
    /// The pipeline opportunity this record belongs to.
    pub opportunity: Option<CompactString>,
    /// The opportunity's stage, on a pipeline update.
    pub stage: Option<CompactString>,
    /// The installed asset, on a service order.
    pub asset: Option<CompactString>,
    /// The agreement a sale relies on: the id of an `agreement` record, or of a special
    /// pricing agreement (`special_prices.csv`); on a claim, the agreement claimed under.
    pub agreement: Option<CompactString>,
    /// On a credit note or a claim, the id of the sale it refers to.
    pub invoice: Option<CompactString>,
    /// On a sale, the day it was ordered (on or before `date`): the list price in force
    /// that day is the one that applies.
    pub order_date: Option<Date>,
    /// The goods.
    pub lines: Vec<Line>,
    /// The paperwork.
    pub documents: Vec<Document>,
    /// Every other field, for scripts: the record's `attrs` object plus any unknown
    /// top-level field (an unknown field never makes a record unreadable).
    ///
    /// Numbers here are serde_json numbers: integers exact, others `f64`. Only the fields
    /// the rules judge (`qty`, `unit_price`) are read exactly from their text.
    pub attrs: Map<String, Value>,
}

/// The fields of [`RECORD_FIELDS`] with a scalar value: its first ones, before `lines`.
const SCALAR_FIELDS: usize = 12;

/// The fields with a meaning of their own; everything else goes to `attrs`.
const RECORD_FIELDS: &[&str] = &[
    "id",
    "kind",
    "date",
    "partner",
    "customer",
    "region",
    "opportunity",
    "stage",
    "asset",
    "agreement",
    "invoice",
    "order_date",
    "lines",
    "documents",
    "attrs",
];

impl Record {
    /// Reads a record from JSON text. The error names the field and what is wrong with it.
    ///
    /// Numbers are read from their text, so `1199.9999999999999999` is that price exactly.
    /// This is the reader behind [`read_batch`].
    pub fn from_json_str(text: &str) -> Result<Record, RecordError> {
        de::parse(text)
    }

    /// The reader [`Record::from_json_str`] falls back to, on its own: it walks the text as
    /// a tree of values and gives the reason a record is rejected. Public only so that the
    /// tests can hold the two readers to agree; not part of the stable API.
    #[doc(hidden)]
    pub fn from_json_str_by_value(text: &str) -> Result<Record, RecordError> {
        tree::read_text(text)
    }

    /// Reads a record from a parsed JSON value. The error names the field and what is
    /// wrong with it.
    ///
    /// A `serde_json::Value` holds a number as an integer or an `f64`, so a price written
    /// as a JSON number with more digits than an `f64` keeps loses them before this
    /// function sees it: give exact prices as strings (`"81.00"`), or read the text with
    /// [`Record::from_json_str`].
    pub fn from_json(value: Value) -> Result<Record, RecordError> {
        tree::read(&value)
    }

    /// The record as JSON, in the schema it is read from (prices as decimal strings).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), self.id.as_str().into());
        map.insert("kind".into(), self.kind.as_str().into());
        map.insert("date".into(), self.date.to_string().into());
        map.insert("partner".into(), self.partner.as_str().into());
        let optional = [
            ("customer", &self.customer),
            ("region", &self.region),
            ("opportunity", &self.opportunity),
            ("stage", &self.stage),
            ("asset", &self.asset),
            ("agreement", &self.agreement),
            ("invoice", &self.invoice),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                map.insert(key.into(), v.as_str().into());
            }
        }
        if let Some(d) = self.order_date {
            map.insert("order_date".into(), d.to_string().into());
        }
        let lines = self.lines.iter().map(|l| {
            let mut m = Map::new();
            m.insert("sku".into(), l.sku.as_str().into());
            m.insert("qty".into(), l.qty.get().into());
            m.insert("unit_price".into(), l.unit_price.to_string().into());
            m.insert("currency".into(), l.currency.as_str().into());
            if let Some(s) = &l.source {
                m.insert("source".into(), s.as_str().into());
            }
            Value::Object(m)
        });
        map.insert("lines".into(), Value::Array(lines.collect()));
        let documents = self.documents.iter().map(|d| {
            let mut m = Map::new();
            m.insert("kind".into(), d.kind.as_str().into());
            if let Some(r) = &d.reference {
                m.insert("ref".into(), r.as_str().into());
            }
            m.insert("signed".into(), d.signed.into());
            Value::Object(m)
        });
        map.insert("documents".into(), Value::Array(documents.collect()));
        map.insert("attrs".into(), Value::Object(self.attrs.clone()));
        Value::Object(map)
    }

    /// Whether the record carries a document of `kind`, signed if `signed` is asked for.
    pub fn has_document(&self, kind: &str, signed: bool) -> bool {
        self.documents
            .iter()
            .any(|d| d.kind == kind && (d.signed || !signed))
    }
}

/// One JSON value where a scalar is expected, as the checks below see it: both readers
/// (from a parsed value, and the streaming parser in `de.rs`) reduce a field to this, so
/// they judge it, and word their errors, the same way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum Leaf<'a> {
    /// The field is absent.
    #[default]
    Missing,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number, as written.
    Number(Cow<'a, str>),
    /// A string, unescaped.
    Str(Cow<'a, str>),
    /// An array.
    List,
    /// An object.
    Object,
}

impl Leaf<'_> {
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Leaf::Missing | Leaf::Null => "null",
            Leaf::Bool(_) => "a boolean",
            Leaf::Number(_) => "a number",
            Leaf::Str(_) => "a string",
            Leaf::List => "a list",
            Leaf::Object => "an object",
        }
    }
}

/// An optional string field: absent, null and blank are `None`.
pub(crate) fn text(leaf: Leaf<'_>, at: At) -> Result<Option<CompactString>, RecordError> {
    match leaf {
        Leaf::Missing | Leaf::Null => Ok(None),
        Leaf::Str(s) if blank(&s) => Ok(None),
        Leaf::Str(s) => Ok(Some(CompactString::new(s))),
        other => Err(RecordError::wrong_type(at, "a string", other.kind())),
    }
}

/// Whether `s` is empty or all whitespace; at a glance when it starts with a visible ASCII
/// character, as nearly every field does.
pub(crate) fn blank(s: &str) -> bool {
    match s.as_bytes().first() {
        Some(b) if b.is_ascii_graphic() => false,
        _ => s.trim().is_empty(),
    }
}

pub(crate) fn required(leaf: Leaf<'_>, at: At) -> Result<CompactString, RecordError> {
    text(leaf, at)?.ok_or_else(|| RecordError::new(at, RecordErrorKind::Missing))
}

pub(crate) fn date(leaf: Leaf<'_>) -> Result<Date, RecordError> {
    let at = At::Field("date");
    required(leaf, at)?
        .parse::<Date>()
        .map_err(|e| RecordError::new(at, RecordErrorKind::Date(e)))
}

pub(crate) fn qty(leaf: Leaf<'_>, at: At) -> Result<Qty, RecordError> {
    match leaf {
        Leaf::Missing | Leaf::Null => Err(RecordError::new(at, RecordErrorKind::Missing)),
        Leaf::Number(text) => match text.parse::<i64>().ok().and_then(Qty::new) {
            Some(q) => Ok(q),
            None => Err(RecordError::new(
                at,
                RecordErrorKind::NotPositive {
                    found: text.into_owned(),
                },
            )),
        },
        other => Err(RecordError::wrong_type(
            at,
            "a whole number other than 0",
            other.kind(),
        )),
    }
}

/// A quantity given as a number (from Rust): the check the reader makes of `qty`.
pub(crate) fn qty_of(qty: i64, at: At) -> Result<Qty, RecordError> {
    Qty::new(qty).ok_or_else(|| {
        RecordError::new(
            at,
            RecordErrorKind::NotPositive {
                found: qty.to_string(),
            },
        )
    })
}

/// An optional date field: absent, null and blank are `None`.
pub(crate) fn optional_date(leaf: Leaf<'_>, at: At) -> Result<Option<Date>, RecordError> {
    text(leaf, at)?
        .map(|d| {
            d.parse::<Date>()
                .map_err(|e| RecordError::new(at, RecordErrorKind::Date(e)))
        })
        .transpose()
}

/// What a record of its kind must have beyond what every record has, checked once the
/// record is read (by every reader, and by the builder, in this order): a credit note names
/// its `invoice`; a claim its `agreement` and `invoice`; only a sale's lines may be
/// returns (a quantity below 0); an `order_date` is not after `date`.
pub(crate) fn check_shape(record: &Record) -> Result<(), RecordError> {
    let needs: &[(&'static str, &Option<CompactString>)] = match record.kind {
        Kind::CreditNote => &[("invoice", &record.invoice)],
        Kind::Claim => &[
            ("agreement", &record.agreement),
            ("invoice", &record.invoice),
        ],
        _ => &[],
    };
    if let Some((field, _)) = needs.iter().find(|(_, value)| value.is_none()) {
        return Err(RecordError::new(At::Field(field), RecordErrorKind::Missing));
    }
    if record.kind != Kind::Sale {
        let returned = record
            .lines
            .iter()
            .enumerate()
            .find(|(_, l)| l.qty.is_return());
        if let Some((i, line)) = returned {
            return Err(RecordError::new(
                At::Sub("lines", i, "qty"),
                RecordErrorKind::ReturnNotOnSale {
                    found: line.qty.get(),
                    kind: record.kind.as_str().to_owned(),
                },
            ));
        }
    }
    match record.order_date {
        Some(ordered) if ordered > record.date => Err(RecordError::new(
            At::Field("order_date"),
            RecordErrorKind::OrderedAfter {
                ordered,
                dated: record.date,
            },
        )),
        _ => Ok(()),
    }
}

pub(crate) fn price(leaf: Leaf<'_>, at: At) -> Result<Price, RecordError> {
    let price = match leaf {
        Leaf::Missing | Leaf::Null => return Err(RecordError::new(at, RecordErrorKind::Missing)),
        Leaf::Number(text) | Leaf::Str(text) => {
            parse_exact(&text).map_err(|e| RecordError::new(at, RecordErrorKind::Decimal(e)))?
        }
        other => {
            return Err(RecordError::wrong_type(
                at,
                "a decimal number",
                other.kind(),
            ));
        }
    };
    price_of(price, at)
}

/// A price given as a decimal (from Rust): the check the reader makes of `unit_price`.
pub(crate) fn price_of(price: Decimal, at: At) -> Result<Price, RecordError> {
    Price::new(price)
        .ok_or_else(|| RecordError::new(at, RecordErrorKind::Negative { found: price }))
}

pub(crate) fn currency(leaf: Leaf<'_>, at: At) -> Result<Currency, RecordError> {
    match leaf {
        // Borrowed: the passing path allocates nothing for a currency.
        Leaf::Str(code) if !blank(&code) => currency_of(&code, at),
        other => {
            required(other, at)?;
            Err(RecordError::new(at, RecordErrorKind::Missing))
        }
    }
}

/// A currency code given as text (from Rust): the check the reader makes of `currency`.
pub(crate) fn currency_of(code: &str, at: At) -> Result<Currency, RecordError> {
    Currency::new(code).map_err(|e| RecordError::new(at, RecordErrorKind::Currency(e)))
}

pub(crate) fn signed(leaf: Leaf<'_>, at: At) -> Result<bool, RecordError> {
    match leaf {
        Leaf::Missing | Leaf::Null => Ok(false),
        Leaf::Bool(b) => Ok(b),
        other => Err(RecordError::wrong_type(at, "true or false", other.kind())),
    }
}

/// The fields of one line, as leaves.
#[derive(Default)]
pub(crate) struct LineLeaves<'a> {
    pub sku: Leaf<'a>,
    pub qty: Leaf<'a>,
    pub unit_price: Leaf<'a>,
    pub currency: Leaf<'a>,
    pub source: Leaf<'a>,
}

impl LineLeaves<'_> {
    pub(crate) fn build(self, index: usize) -> Result<Line, RecordError> {
        let at = |field| At::Sub("lines", index, field);
        Ok(Line {
            sku: required(self.sku, at("sku"))?,
            qty: qty(self.qty, at("qty"))?,
            unit_price: price(self.unit_price, at("unit_price"))?,
            currency: currency(self.currency, at("currency"))?,
            source: text(self.source, at("source"))?,
        })
    }
}

/// The fields of one document, as leaves.
#[derive(Default)]
pub(crate) struct DocumentLeaves<'a> {
    pub kind: Leaf<'a>,
    pub reference: Leaf<'a>,
    pub signed: Leaf<'a>,
}

impl DocumentLeaves<'_> {
    pub(crate) fn build(self, index: usize) -> Result<Document, RecordError> {
        let at = |field| At::Sub("documents", index, field);
        Ok(Document {
            kind: required(self.kind, at("kind"))?,
            reference: text(self.reference, at("ref"))?,
            signed: signed(self.signed, at("signed"))?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Record, String> {
        Record::from_json_str(text).map_err(|e| e.to_string())
    }

    const SALE: &str = r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-1",
        "lines":[{"sku":"SEAL-200","qty":4,"unit_price":1199.9999999999999999,"currency":"USD","source":"oem"}],
        "documents":[{"kind":"purchase_order","ref":"PO-9"}],"channel":"web","attrs":{"x":1}}"#;

    #[test]
    fn reads_a_sale_exactly_and_keeps_unknown_fields() {
        let r = read(SALE).unwrap();
        assert_eq!(r.kind, Kind::Sale);
        let line = &r.lines[0];
        assert!(line.unit_price < Decimal::from(1200));
        assert_eq!(line.unit_price.to_string(), "1199.9999999999999999");
        assert!(!r.documents[0].signed);
        assert_eq!(r.attrs.get("channel"), Some(&Value::from("web")));
        assert!(r.attrs.contains_key("x"));
    }

    #[test]
    fn hot_types_stay_small() {
        // An error is one pointer, so `Result<Line, RecordError>` costs the passing path
        // nothing; a line's checked fields are no bigger than the raw ones they replace.
        assert_eq!(std::mem::size_of::<RecordError>(), 8);
        assert!(std::mem::size_of::<Currency>() <= 2);
        assert_eq!(std::mem::size_of::<Qty>(), 8);
        assert_eq!(std::mem::size_of::<Price>(), 16);
        assert!(
            std::mem::size_of::<Line>() <= 80,
            "{}",
            std::mem::size_of::<Line>()
        );
    }

    #[test]
    fn round_trips_through_json() {
        let r = read(SALE).unwrap();
        assert_eq!(Record::from_json(r.to_json()).unwrap(), r);
    }

    #[test]
    fn names_the_field_in_errors() {
        let cases = [
            (
                r#"{"kind":"sale","date":"2026-01-01","partner":"P"}"#,
                "missing required field `id`",
            ),
            (
                r#"{"id":"S","kind":"sale","date":"2026-02-30","partner":"P"}"#,
                "field `date`: expected a date",
            ),
            (
                r#"{"id":"S","kind":"sale","date":"2026-02-03","partner":"P","lines":[{"sku":"A","qty":1,"unit_price":"12,50","currency":"USD"}]}"#,
                "field `lines[0].unit_price`: expected a decimal number like `12.50`, but found `12,50`",
            ),
            (
                r#"{"id":"S","kind":"sale","date":"2026-02-03","partner":"P","lines":[{"sku":"A","qty":0,"unit_price":"1","currency":"USD"}]}"#,
                "field `lines[0].qty`: expected a whole number other than 0, but found `0`",
            ),
            (
                r#"{"id":"P","kind":"purchase","date":"2026-02-03","partner":"P","lines":[{"sku":"A","qty":-2,"unit_price":"1","currency":"USD"}]}"#,
                "field `lines[0].qty`: a quantity below 0 (a return) is allowed only on a sale, but found `-2` on a purchase",
            ),
            (
                r#"{"id":"CN","kind":"credit_note","date":"2026-02-03","partner":"P","lines":[{"sku":"A","qty":1,"unit_price":"1","currency":"USD"}]}"#,
                "missing required field `invoice`",
            ),
            (
                r#"{"id":"CL","kind":"claim","date":"2026-02-03","partner":"P","invoice":"S-1"}"#,
                "missing required field `agreement`",
            ),
            (
                r#"{"id":"S","kind":"sale","date":"2026-02-03","order_date":"2026-02-04","partner":"P"}"#,
                "field `order_date`: the order date 2026-02-04 is after the record's date 2026-02-03",
            ),
            (
                r#"{"id":"S","kind":"sale","date":"2026-02-03","order_date":"2026-02-31","partner":"P"}"#,
                "field `order_date`: expected a date",
            ),
            (
                r#"{"id":"S","kind":"sale","date":"2026-02-03","partner":"P","lines":[{"sku":"A","qty":1,"unit_price":"-1","currency":"USD"}]}"#,
                "a price cannot be negative",
            ),
            ("[1]", "expected a record object, but found a list"),
        ];
        for (text, expected) in cases {
            let err = read(text).unwrap_err();
            assert!(err.contains(expected), "{err} should contain {expected}");
        }
    }
}
