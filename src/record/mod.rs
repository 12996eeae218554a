//! Records: the facts the rules judge (sales, purchases, pipeline updates, service orders,
//! agreements), and reading them from JSON.

mod de;
pub(crate) mod read;

pub use read::{Batch, InputError, Rejected, read_batch};

use crate::date::Date;
use crate::money::{is_currency_code, parse_decimal};
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// What a record is. The five kinds the standard pack knows have their own variant; any
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
            other => Kind::Other(other.to_owned()),
        }
    }

    /// The names of the kinds with a variant of their own.
    pub const KNOWN: [&'static str; 5] = [
        "sale",
        "purchase",
        "pipeline_update",
        "service_order",
        "agreement",
    ];
}

/// One line of goods on a record.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Line {
    /// The part or product number.
    pub sku: String,
    /// How many, always above zero.
    pub qty: u32,
    /// The price of one unit, exact.
    pub unit_price: Decimal,
    /// ISO 4217 code such as `USD`.
    pub currency: String,
    /// Who supplied the part: `oem` when bought from the OEM, else a supplier id.
    pub source: Option<String>,
}

/// A document attached to a record (purchase order, service report, contract).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Document {
    /// What the document is, such as `purchase_order`.
    pub kind: String,
    /// The document's own reference number.
    pub reference: Option<String>,
    /// Whether it carries the signatures it needs.
    pub signed: bool,
}

/// One fact from the channel: see the record schema in the README.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// Unique within a batch.
    pub id: String,
    /// What the record is.
    pub kind: Kind,
    /// The business date the rules use.
    pub date: Date,
    /// The partner's id, as in `partners.csv`.
    pub partner: String,
    /// The end customer.
    pub customer: Option<String>,
    /// Where the business happened; when absent, rules use the partner's region.
    pub region: Option<String>,
    /// The pipeline opportunity this record belongs to.
    pub opportunity: Option<String>,
    /// The opportunity's stage, on a pipeline update.
    pub stage: Option<String>,
    /// The installed asset, on a service order.
    pub asset: Option<String>,
    /// The agreement a sale relies on: the id of an `agreement` record.
    pub agreement: Option<String>,
    /// The goods.
    pub lines: Vec<Line>,
    /// The paperwork.
    pub documents: Vec<Document>,
    /// Every other field, for scripts: the record's `attrs` object plus any unknown
    /// top-level field (an unknown field never makes a record unreadable).
    pub attrs: Map<String, Value>,
}

/// The fields with a meaning of their own; everything else goes to `attrs`.
const RECORD_FIELDS: [&str; 13] = [
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
    "lines",
    "documents",
    "attrs",
];

impl Record {
    /// Reads a record from a parsed JSON value. The error names the field and what is
    /// wrong with it.
    pub fn from_json(value: Value) -> Result<Record, String> {
        let Value::Object(mut map) = value else {
            return Err(format!(
                "expected a record object, but found {}",
                Leaf::of(Some(&value)).kind()
            ));
        };
        let mut take = |key: &str| map.remove(key);
        let id = required(Leaf::of(take("id").as_ref()), &"id")?;
        let kind = Kind::from_name(&required(Leaf::of(take("kind").as_ref()), &"kind")?);
        let date = date(Leaf::of(take("date").as_ref()))?;
        let partner = required(Leaf::of(take("partner").as_ref()), &"partner")?;
        let mut optional = |key: &str| text(Leaf::of(take(key).as_ref()), &key);
        let (customer, region, opportunity) = (
            optional("customer")?,
            optional("region")?,
            optional("opportunity")?,
        );
        let (stage, asset, agreement) = (
            optional("stage")?,
            optional("asset")?,
            optional("agreement")?,
        );
        let lines = match map.remove("lines") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| line_of_value(i, v))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "field `lines`: expected a list, but found {}",
                    Leaf::of(Some(&other)).kind()
                ));
            }
        };
        let documents = match map.remove("documents") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| document_of_value(i, v))
                .collect::<Result<_, _>>()?,
            Some(other) => {
                return Err(format!(
                    "field `documents`: expected a list, but found {}",
                    Leaf::of(Some(&other)).kind()
                ));
            }
        };
        let mut attrs = match map.remove("attrs") {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(attrs)) => attrs,
            Some(other) => {
                return Err(format!(
                    "field `attrs`: expected an object, but found {}",
                    Leaf::of(Some(&other)).kind()
                ));
            }
        };
        for (key, value) in map {
            if !RECORD_FIELDS.contains(&key.as_str()) {
                attrs.entry(key).or_insert(value);
            }
        }
        Ok(Record {
            id,
            kind,
            date,
            partner,
            customer,
            region,
            opportunity,
            stage,
            asset,
            agreement,
            lines,
            documents,
            attrs,
        })
    }

    /// The record as JSON, in the schema it is read from (prices as decimal strings).
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert("id".into(), self.id.clone().into());
        map.insert("kind".into(), self.kind.as_str().into());
        map.insert("date".into(), self.date.to_string().into());
        map.insert("partner".into(), self.partner.clone().into());
        let optional = [
            ("customer", &self.customer),
            ("region", &self.region),
            ("opportunity", &self.opportunity),
            ("stage", &self.stage),
            ("asset", &self.asset),
            ("agreement", &self.agreement),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                map.insert(key.into(), v.clone().into());
            }
        }
        let lines = self.lines.iter().map(|l| {
            let mut m = Map::new();
            m.insert("sku".into(), l.sku.clone().into());
            m.insert("qty".into(), l.qty.into());
            m.insert("unit_price".into(), l.unit_price.to_string().into());
            m.insert("currency".into(), l.currency.clone().into());
            if let Some(s) = &l.source {
                m.insert("source".into(), s.clone().into());
            }
            Value::Object(m)
        });
        map.insert("lines".into(), Value::Array(lines.collect()));
        let documents = self.documents.iter().map(|d| {
            let mut m = Map::new();
            m.insert("kind".into(), d.kind.clone().into());
            if let Some(r) = &d.reference {
                m.insert("ref".into(), r.clone().into());
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

impl<'a> Leaf<'a> {
    pub(crate) fn of(value: Option<&'a Value>) -> Leaf<'a> {
        match value {
            None => Leaf::Missing,
            Some(Value::Null) => Leaf::Null,
            Some(Value::Bool(b)) => Leaf::Bool(*b),
            // With serde_json's `arbitrary_precision`, a number keeps the digits it was
            // written with, so `1199.9999999999999999` never passes through a float.
            Some(Value::Number(n)) => Leaf::Number(Cow::Owned(n.to_string())),
            Some(Value::String(s)) => Leaf::Str(Cow::Borrowed(s)),
            Some(Value::Array(_)) => Leaf::List,
            Some(Value::Object(_)) => Leaf::Object,
        }
    }

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

/// Where a field of a line or document is, as `lines[0].qty`: written only when an error
/// needs it, so the passing path formats nothing.
pub(crate) struct Path(&'static str, usize, &'static str);

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}].{}", self.0, self.1, self.2)
    }
}

/// An optional string field: absent, null and blank are `None`.
pub(crate) fn text(leaf: Leaf<'_>, path: &dyn fmt::Display) -> Result<Option<String>, String> {
    match leaf {
        Leaf::Missing | Leaf::Null => Ok(None),
        Leaf::Str(s) if s.trim().is_empty() => Ok(None),
        Leaf::Str(s) => Ok(Some(s.into_owned())),
        other => Err(format!(
            "field `{path}`: expected a string, but found {}",
            other.kind()
        )),
    }
}

pub(crate) fn required(leaf: Leaf<'_>, path: &dyn fmt::Display) -> Result<String, String> {
    text(leaf, path)?.ok_or_else(|| format!("missing required field `{path}`"))
}

pub(crate) fn date(leaf: Leaf<'_>) -> Result<Date, String> {
    required(leaf, &"date")?
        .parse::<Date>()
        .map_err(|e| format!("field `date`: {e}"))
}

pub(crate) fn qty(leaf: Leaf<'_>, path: &dyn fmt::Display) -> Result<u32, String> {
    match leaf {
        Leaf::Missing | Leaf::Null => Err(format!("missing required field `{path}`")),
        Leaf::Number(text) => match text.parse::<u32>() {
            Ok(q) if q > 0 => Ok(q),
            _ => Err(format!(
                "field `{path}`: expected a whole number above 0, but found `{text}`"
            )),
        },
        other => Err(format!(
            "field `{path}`: expected a whole number above 0, but found {}",
            other.kind()
        )),
    }
}

pub(crate) fn price(leaf: Leaf<'_>, path: &dyn fmt::Display) -> Result<Decimal, String> {
    let price = match leaf {
        Leaf::Missing | Leaf::Null => return Err(format!("missing required field `{path}`")),
        Leaf::Number(text) | Leaf::Str(text) => parse_decimal(&text),
        other => Err(format!(
            "expected a decimal number, but found {}",
            other.kind()
        )),
    }
    .map_err(|e| format!("field `{path}`: {e}"))?;
    if price.is_sign_negative() && !price.is_zero() {
        return Err(format!(
            "field `{path}`: a price cannot be negative, but found `{price}`"
        ));
    }
    Ok(price)
}

pub(crate) fn currency(leaf: Leaf<'_>, path: &dyn fmt::Display) -> Result<String, String> {
    let code = required(leaf, path)?;
    if !is_currency_code(&code) {
        return Err(format!(
            "field `{path}`: expected a three-letter ISO 4217 code like `USD`, but found `{code}`"
        ));
    }
    Ok(code)
}

pub(crate) fn signed(leaf: Leaf<'_>, path: &dyn fmt::Display) -> Result<bool, String> {
    match leaf {
        Leaf::Missing | Leaf::Null => Ok(false),
        Leaf::Bool(b) => Ok(b),
        other => Err(format!(
            "field `{path}`: expected true or false, but found {}",
            other.kind()
        )),
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
    pub(crate) fn build(self, index: usize) -> Result<Line, String> {
        let at = |field| Path("lines", index, field);
        Ok(Line {
            sku: required(self.sku, &at("sku"))?,
            qty: qty(self.qty, &at("qty"))?,
            unit_price: price(self.unit_price, &at("unit_price"))?,
            currency: currency(self.currency, &at("currency"))?,
            source: text(self.source, &at("source"))?,
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
    pub(crate) fn build(self, index: usize) -> Result<Document, String> {
        let at = |field| Path("documents", index, field);
        Ok(Document {
            kind: required(self.kind, &at("kind"))?,
            reference: text(self.reference, &at("ref"))?,
            signed: signed(self.signed, &at("signed"))?,
        })
    }
}

fn line_of_value(index: usize, value: &Value) -> Result<Line, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "field `lines[{index}]`: expected an object, but found {}",
            Leaf::of(Some(value)).kind()
        ));
    };
    let leaf = |key: &str| Leaf::of(map.get(key));
    LineLeaves {
        sku: leaf("sku"),
        qty: leaf("qty"),
        unit_price: leaf("unit_price"),
        currency: leaf("currency"),
        source: leaf("source"),
    }
    .build(index)
}

fn document_of_value(index: usize, value: &Value) -> Result<Document, String> {
    let Value::Object(map) = value else {
        return Err(format!(
            "field `documents[{index}]`: expected an object, but found {}",
            Leaf::of(Some(value)).kind()
        ));
    };
    let leaf = |key: &str| Leaf::of(map.get(key));
    DocumentLeaves {
        kind: leaf("kind"),
        reference: leaf("ref"),
        signed: leaf("signed"),
    }
    .build(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Record, String> {
        Record::from_json(serde_json::from_str(text).unwrap())
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
                "field `lines[0].qty`: expected a whole number above 0, but found `0`",
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
