//! Records built in Rust, checked as the reader checks them.

use super::{
    At, CompactString, Document, Kind, Leaf, Line, Record, RecordError, check_shape, currency_of,
    price_of, qty_of, required, text,
};
use crate::date::Date;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::borrow::Cow;

/// Builds a [`Record`] in Rust; [`RecordBuilder::build`] refuses what the JSON reader
/// refuses, with the same [`RecordError`] (naming the field, as `lines[0].qty`).
///
/// ```
/// use pactum::{Date, Decimal, Kind, Record};
///
/// let date = Date::new(2026, 3, 14).unwrap();
/// let record = Record::builder("S-1", Kind::Sale, date, "P-SI-07")
///     .customer("C-1")
///     .line_from("SEAL-200", 4, Decimal::new(8100, 2), "USD", "oem")
///     .document("purchase_order", Some("PO-9"), true)
///     .build()
///     .unwrap();
/// assert_eq!(record.lines[0].currency, "USD");
///
/// let refused = Record::builder("S-2", Kind::Sale, date, "P-SI-07")
///     .line("SEAL-200", 0, Decimal::new(8100, 2), "USD")
///     .build()
///     .unwrap_err();
/// assert_eq!(refused.field(), Some("lines[0].qty"));
/// assert_eq!(
///     refused.to_string(),
///     "field `lines[0].qty`: expected a whole number other than 0, but found `0`"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RecordBuilder {
    id: String,
    kind: Kind,
    date: Date,
    partner: String,
    optional: [Option<String>; 7],
    order_date: Option<Date>,
    lines: Vec<NewLine>,
    documents: Vec<NewDocument>,
    attrs: Map<String, Value>,
}

#[derive(Debug, Clone)]
struct NewLine {
    sku: String,
    qty: i64,
    unit_price: Decimal,
    currency: Cow<'static, str>,
    source: Option<String>,
}

#[derive(Debug, Clone)]
struct NewDocument {
    kind: String,
    reference: Option<String>,
    signed: bool,
}

const CUSTOMER: usize = 0;
const REGION: usize = 1;
const OPPORTUNITY: usize = 2;
const STAGE: usize = 3;
const ASSET: usize = 4;
const AGREEMENT: usize = 5;
const INVOICE: usize = 6;
const OPTIONAL: [&str; 7] = [
    "customer",
    "region",
    "opportunity",
    "stage",
    "asset",
    "agreement",
    "invoice",
];

impl Record {
    /// A record with its required fields: id, kind, business date and partner. Add the rest
    /// with the builder's methods, then [`RecordBuilder::build`].
    pub fn builder(
        id: impl Into<String>,
        kind: Kind,
        date: Date,
        partner: impl Into<String>,
    ) -> RecordBuilder {
        RecordBuilder {
            id: id.into(),
            kind,
            date,
            partner: partner.into(),
            optional: Default::default(),
            order_date: None,
            lines: Vec::new(),
            documents: Vec::new(),
            attrs: Map::new(),
        }
    }
}

impl RecordBuilder {
    fn set(mut self, field: usize, value: impl Into<String>) -> Self {
        if let Some(slot) = self.optional.get_mut(field) {
            *slot = Some(value.into());
        }
        self
    }

    /// The end customer.
    pub fn customer(self, customer: impl Into<String>) -> Self {
        self.set(CUSTOMER, customer)
    }

    /// Where the business happened.
    pub fn region(self, region: impl Into<String>) -> Self {
        self.set(REGION, region)
    }

    /// The pipeline opportunity the record belongs to.
    pub fn opportunity(self, opportunity: impl Into<String>) -> Self {
        self.set(OPPORTUNITY, opportunity)
    }

    /// The opportunity's stage, on a pipeline update.
    pub fn stage(self, stage: impl Into<String>) -> Self {
        self.set(STAGE, stage)
    }

    /// The installed asset, on a service order.
    pub fn asset(self, asset: impl Into<String>) -> Self {
        self.set(ASSET, asset)
    }

    /// The agreement a sale relies on, or a claim is made under.
    pub fn agreement(self, agreement: impl Into<String>) -> Self {
        self.set(AGREEMENT, agreement)
    }

    /// The sale a credit note or a claim refers to.
    pub fn invoice(self, invoice: impl Into<String>) -> Self {
        self.set(INVOICE, invoice)
    }

    /// The day a sale was ordered (on or before its date).
    pub fn order_date(mut self, order_date: Date) -> Self {
        self.order_date = Some(order_date);
        self
    }

    /// A line of goods: `qty` units of `sku` at `unit_price` each, in `currency` (an ISO
    /// 4217 code such as `USD`). A `qty` below 0 is a return (on a sale only).
    pub fn line(
        mut self,
        sku: impl Into<String>,
        qty: i64,
        unit_price: Decimal,
        currency: &str,
    ) -> Self {
        self.lines.push(NewLine {
            sku: sku.into(),
            qty,
            unit_price,
            currency: Cow::Owned(currency.to_owned()),
            source: None,
        });
        self
    }

    /// A line of goods supplied by `source` (`oem` when bought from the OEM, else a
    /// supplier id).
    pub fn line_from(
        mut self,
        sku: impl Into<String>,
        qty: i64,
        unit_price: Decimal,
        currency: &str,
        source: impl Into<String>,
    ) -> Self {
        self = self.line(sku, qty, unit_price, currency);
        if let Some(line) = self.lines.last_mut() {
            line.source = Some(source.into());
        }
        self
    }

    /// A line taken from another record (already checked).
    pub fn with_line(mut self, line: &Line) -> Self {
        self.lines.push(NewLine {
            sku: line.sku.to_string(),
            qty: line.qty.get(),
            unit_price: line.unit_price.get(),
            currency: Cow::Borrowed(line.currency.as_str()),
            source: line.source.as_deref().map(str::to_owned),
        });
        self
    }

    /// A document of `kind` (such as `purchase_order`), with its own reference number, and
    /// whether it carries the signatures it needs.
    pub fn document(
        mut self,
        kind: impl Into<String>,
        reference: Option<&str>,
        signed: bool,
    ) -> Self {
        self.documents.push(NewDocument {
            kind: kind.into(),
            reference: reference.map(str::to_owned),
            signed,
        });
        self
    }

    /// A field for scripts (`attrs`).
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attrs.insert(key.into(), value.into());
        self
    }

    /// The record, or the first thing the JSON reader would refuse in it, checked in the
    /// reader's order.
    pub fn build(mut self) -> Result<Record, RecordError> {
        let str_leaf = |s: String| Leaf::Str(Cow::Owned(s));
        let id = required(str_leaf(std::mem::take(&mut self.id)), At::Field("id"))?;
        let record = Some(id.to_string());
        self.rest(id).map_err(|e| e.with_record(record))
    }

    fn rest(self, id: CompactString) -> Result<Record, RecordError> {
        let str_leaf = |s: String| Leaf::Str(Cow::Owned(s));
        let kind = match self.kind {
            Kind::Other(name) => Kind::from_name(&required(str_leaf(name), At::Field("kind"))?),
            known => known,
        };
        super::near::check_kind(&kind)?;
        let partner = required(str_leaf(self.partner), At::Field("partner"))?;
        let mut optional = self
            .optional
            .into_iter()
            .zip(OPTIONAL)
            .map(|(value, key)| text(value.map_or(Leaf::Missing, str_leaf), At::Field(key)));
        let mut next = || optional.next().transpose().map(Option::flatten);
        let (customer, region, opportunity) = (next()?, next()?, next()?);
        let (stage, asset, agreement) = (next()?, next()?, next()?);
        let invoice = next()?;
        let lines = self
            .lines
            .into_iter()
            .enumerate()
            .map(|(i, l)| {
                let at = |field| At::Sub("lines", i, field);
                Ok(Line {
                    sku: required(str_leaf(l.sku), at("sku"))?,
                    qty: qty_of(l.qty, at("qty"))?,
                    unit_price: price_of(l.unit_price, at("unit_price"))?,
                    currency: currency_of(&l.currency, at("currency"))?,
                    source: text(l.source.map_or(Leaf::Missing, str_leaf), at("source"))?,
                })
            })
            .collect::<Result<_, RecordError>>()?;
        let documents = self
            .documents
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let at = |field| At::Sub("documents", i, field);
                Ok(Document {
                    kind: required(str_leaf(d.kind), at("kind"))?,
                    reference: text(d.reference.map_or(Leaf::Missing, str_leaf), at("ref"))?,
                    signed: d.signed,
                })
            })
            .collect::<Result<_, RecordError>>()?;
        let record = Record {
            id,
            kind,
            date: self.date,
            partner,
            customer,
            region,
            opportunity,
            stage,
            asset,
            agreement,
            invoice,
            order_date: self.order_date,
            lines,
            documents,
            attrs: self.attrs,
        };
        check_shape(&record)?;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> Date {
        Date::new(2026, 3, 14).unwrap()
    }

    fn refused(builder: RecordBuilder, json: &str) -> RecordError {
        let built = builder.build().unwrap_err();
        let read = Record::from_json_str(json).unwrap_err();
        assert_eq!(built, read);
        built
    }

    const HEAD: &str = r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-1","lines":["#;

    #[test]
    fn refuses_what_the_reader_refuses_with_the_same_error() {
        let b = || Record::builder("S-1", Kind::Sale, date(), "P-1");
        let e = refused(
            b().line("A", 0, Decimal::ONE, "USD"),
            &format!(r#"{HEAD}{{"sku":"A","qty":0,"unit_price":"1","currency":"USD"}}]}}"#),
        );
        assert_eq!(e.field(), Some("lines[0].qty"));
        let e = refused(
            b().line("A", 1, Decimal::NEGATIVE_ONE, "USD"),
            &format!(r#"{HEAD}{{"sku":"A","qty":1,"unit_price":"-1","currency":"USD"}}]}}"#),
        );
        assert_eq!(
            e.to_string(),
            "field `lines[0].unit_price`: a price cannot be negative, but found `-1`"
        );
        for code in ["usd", "ZZZ"] {
            let e = refused(
                b().line("A", 1, Decimal::ONE, "USD")
                    .line("B", 1, Decimal::ONE, code),
                &format!(
                    r#"{HEAD}{{"sku":"A","qty":1,"unit_price":"1","currency":"USD"}},{{"sku":"B","qty":1,"unit_price":"1","currency":"{code}"}}]}}"#
                ),
            );
            assert_eq!(e.field(), Some("lines[1].currency"));
        }
        let e = Record::builder(" ", Kind::Sale, date(), "P-1")
            .build()
            .unwrap_err();
        assert_eq!(e.to_string(), "missing required field `id`");
    }

    #[test]
    fn builds_what_the_reader_reads() {
        let built = Record::builder("S-1", Kind::Other("sale".into()), date(), "P-1")
            .region("US-NE")
            .customer("")
            .line_from("A", 2, Decimal::new(1250, 2), "USD", "oem")
            .document("purchase_order", Some("PO-1"), true)
            .attr("channel", "web")
            .build()
            .unwrap();
        let read = Record::from_json_str(
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-1","region":"US-NE","customer":"",
            "lines":[{"sku":"A","qty":2,"unit_price":"12.50","currency":"USD","source":"oem"}],
            "documents":[{"kind":"purchase_order","ref":"PO-1","signed":true}],"channel":"web"}"#,
        )
        .unwrap();
        assert_eq!(built, read);
        let copy = Record::builder("S-1", Kind::Sale, date(), "P-1")
            .with_line(&read.lines[0])
            .build()
            .unwrap();
        assert_eq!(copy.lines, read.lines);
    }
}
