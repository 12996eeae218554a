//! The value reader: a record read from a tree of JSON values, either a parsed
//! `serde_json::Value` ([`Record::from_json`]) or JSON text walked through
//! `serde_json::value::RawValue`s, which keeps every number as the text it was written with
//! (the slow path of [`Record::from_json_str`], which gives the reason a record is rejected).
//!
//! Both go through [`read`], so they judge a record, and word their errors, the same way;
//! the typed reader in `de.rs` reduces fields to the same [`Leaf`]s and checks.

use super::{
    At, Document, DocumentLeaves, Kind, Leaf, Line, LineLeaves, RECORD_FIELDS, Record, RecordError,
    check_shape, date, near, optional_date, required, text,
};
use serde::de::{self, Deserialize, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A JSON value as the reader walks it: a scalar is a [`Leaf`], a list has items, an
/// object has entries in input order (a key given twice keeps its last value here; text
/// with one is refused before it is read, see `dup.rs`).
pub(crate) trait Tree<'a>: Copy {
    /// The value, as a scalar (a list or an object only says what it is).
    fn leaf(self) -> Result<Leaf<'a>, RecordError>;
    /// The items of a list (called only when [`Tree::leaf`] says `List`).
    fn items(self) -> Result<Vec<Self>, RecordError>;
    /// The entries of an object (called only when [`Tree::leaf`] says `Object`).
    fn entries(self) -> Result<Vec<(Cow<'a, str>, Self)>, RecordError>;
    /// The value as a `serde_json::Value`, for `attrs`.
    fn to_value(self) -> Result<Value, RecordError>;
}

impl<'a> Tree<'a> for &'a Value {
    fn leaf(self) -> Result<Leaf<'a>, RecordError> {
        Ok(match self {
            Value::Null => Leaf::Null,
            Value::Bool(b) => Leaf::Bool(*b),
            Value::Number(n) => Leaf::Number(Cow::Owned(n.to_string())),
            Value::String(s) => Leaf::Str(Cow::Borrowed(s)),
            Value::Array(_) => Leaf::List,
            Value::Object(_) => Leaf::Object,
        })
    }

    fn items(self) -> Result<Vec<Self>, RecordError> {
        Ok(match self {
            Value::Array(items) => items.iter().collect(),
            _ => Vec::new(),
        })
    }

    fn entries(self) -> Result<Vec<(Cow<'a, str>, Self)>, RecordError> {
        Ok(match self {
            Value::Object(map) => map.iter().map(|(k, v)| (Cow::Borrowed(&**k), v)).collect(),
            _ => Vec::new(),
        })
    }

    fn to_value(self) -> Result<Value, RecordError> {
        Ok(self.clone())
    }
}

impl<'a> Tree<'a> for &'a RawValue {
    fn leaf(self) -> Result<Leaf<'a>, RecordError> {
        let t = self.get();
        Ok(match t.as_bytes().first() {
            Some(b'"') => Leaf::Str(serde_json::from_str::<Text<'a>>(t).map_err(json)?.0),
            Some(b'n') => Leaf::Null,
            Some(b't') => Leaf::Bool(true),
            Some(b'f') => Leaf::Bool(false),
            Some(b'[') => Leaf::List,
            Some(b'{') => Leaf::Object,
            _ => Leaf::Number(spelled(t)),
        })
    }

    fn items(self) -> Result<Vec<Self>, RecordError> {
        serde_json::from_str(self.get()).map_err(json)
    }

    fn entries(self) -> Result<Vec<(Cow<'a, str>, Self)>, RecordError> {
        serde_json::from_str::<Entries<'a>>(self.get())
            .map(|e| e.0)
            .map_err(json)
    }

    fn to_value(self) -> Result<Value, RecordError> {
        serde_json::from_str(self.get()).map_err(json)
    }
}

#[cold]
fn json(e: serde_json::Error) -> RecordError {
    RecordError::json(&e)
}

/// A number as serde_json spells it in a parsed value when it keeps a number's text: an
/// exponent as `e`, with its sign (`1e+400` for `1E400`). Reasons have always quoted numbers
/// so, and a rejected record's reason must not change with how it was read.
fn spelled(number: &str) -> Cow<'_, str> {
    let Some(at) = number.find(['e', 'E']) else {
        return Cow::Borrowed(number);
    };
    let (mantissa, exponent) = number.split_at(at);
    let digits = exponent.get(1..).unwrap_or("");
    let sign = if digits.starts_with(['+', '-']) {
        ""
    } else {
        "+"
    };
    Cow::Owned(format!("{mantissa}e{sign}{digits}"))
}

/// Reads a record from JSON text through raw values, so that numbers keep their text.
///
/// The text is first parsed as a `serde_json::Value`, the strictest reading there is (it
/// refuses a lone surrogate that raw values let through), so that a line that is not JSON is
/// refused with serde_json's own message and column. Only a number too large for an `f64`
/// (`1e400`) does not stop the reading here: a price in range of nothing is judged as a price.
pub(crate) fn read_text(text: &str) -> Result<Record, RecordError> {
    let out_of_range = match serde_json::from_str::<Value>(text) {
        Ok(_) => None,
        Err(e) if e.to_string().starts_with("number out of range") => Some(json(e)),
        Err(e) => return Err(json(e)),
    };
    let raw = serde_json::from_str::<&RawValue>(text).map_err(json)?;
    // A key given twice anywhere is refused before anything is read from the record.
    super::dup::check(raw).map_err(|e| e.with_record(id_of(raw)))?;
    match (read(raw), out_of_range) {
        // What fails as JSON past the first parse is the conversion of a number out of
        // range into a value (for `attrs`): refused for that number, as a parsed value is.
        (Err(e), Some(range)) if matches!(e.kind(), super::RecordErrorKind::Json { .. }) => {
            Err(range)
        }
        (read, _) => read,
    }
}

/// The id of the record `raw`, when it has a readable one.
fn id_of(raw: &RawValue) -> Option<String> {
    let entries = serde_json::from_str::<Entries<'_>>(raw.get()).ok()?;
    let (_, id) = entries.0.iter().rev().find(|(k, _)| k == "id")?;
    required(id.leaf().ok()?, At::Field("id"))
        .ok()
        .map(String::from)
}

/// Reads a record from a JSON tree. An error names the record's id when it was read.
pub(crate) fn read<'a, T: Tree<'a>>(tree: T) -> Result<Record, RecordError> {
    let mut id = None;
    read_into(tree, &mut id).map_err(|e| e.with_record(id))
}

fn read_into<'a, T: Tree<'a>>(
    tree: T,
    id_read: &mut Option<String>,
) -> Result<Record, RecordError> {
    let entries = match tree.leaf()? {
        Leaf::Object => tree.entries()?,
        other => {
            return Err(RecordError::wrong_type(
                At::Record,
                "a record object",
                other.kind(),
            ));
        }
    };
    let get = |key: &str| {
        entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| *v)
    };
    let leaf = |key: &str| get(key).map_or(Ok(Leaf::Missing), T::leaf);
    let id = required(leaf("id")?, At::Field("id"))?;
    *id_read = Some(id.to_string());
    let kind = Kind::from_name(&required(leaf("kind")?, At::Field("kind"))?);
    near::check_kind(&kind)?;
    for (key, _) in &entries {
        near::check_key(&kind, key)?;
    }
    let date = date(leaf("date")?)?;
    let partner = required(leaf("partner")?, At::Field("partner"))?;
    let optional = |key: &'static str| text(leaf(key)?, At::Field(key));
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
    let invoice = optional("invoice")?;
    let order_date = optional_date(leaf("order_date")?, At::Field("order_date"))?;
    let lines = list(get("lines"), "lines", line)?;
    let documents = list(get("documents"), "documents", document)?;
    let mut attrs = match get("attrs") {
        None => Map::new(),
        Some(v) => match v.leaf()? {
            Leaf::Null => Map::new(),
            Leaf::Object => match v.to_value()? {
                Value::Object(attrs) => attrs,
                _ => Map::new(),
            },
            other => {
                return Err(RecordError::wrong_type(
                    At::Field("attrs"),
                    "an object",
                    other.kind(),
                ));
            }
        },
    };
    // (A key given twice would keep its last value; text with one never gets here.) A field of
    // `attrs` itself wins over an unknown top-level field of the same name.
    let mut extra = Map::new();
    for (key, value) in &entries {
        if !RECORD_FIELDS.contains(&&**key) {
            extra.insert(key.clone().into_owned(), value.to_value()?);
        }
    }
    for (key, value) in extra {
        attrs.entry(key).or_insert(value);
    }
    let record = Record {
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
        invoice,
        order_date,
        lines,
        documents,
        attrs,
    };
    check_shape(&record)?;
    Ok(record)
}

/// `lines` or `documents`: absent and `null` are empty.
fn list<'a, T: Tree<'a>, V>(
    value: Option<T>,
    name: &'static str,
    element: fn(usize, T) -> Result<V, RecordError>,
) -> Result<Vec<V>, RecordError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    match value.leaf()? {
        Leaf::Null => Ok(Vec::new()),
        Leaf::List => value
            .items()?
            .into_iter()
            .enumerate()
            .map(|(i, v)| element(i, v))
            .collect(),
        other => Err(RecordError::wrong_type(
            At::Field(name),
            "a list",
            other.kind(),
        )),
    }
}

/// The leaves of an element of `list`, looked up by key.
fn fields<'a, T: Tree<'a>>(
    value: T,
    list: &'static str,
    index: usize,
) -> Result<impl Fn(&str) -> Result<Leaf<'a>, RecordError>, RecordError> {
    let entries = match value.leaf()? {
        Leaf::Object => value.entries()?,
        other => {
            return Err(RecordError::wrong_type(
                At::Item(list, index),
                "an object",
                other.kind(),
            ));
        }
    };
    Ok(move |key: &str| {
        entries
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map_or(Ok(Leaf::Missing), |(_, v)| v.leaf())
    })
}

fn line<'a, T: Tree<'a>>(index: usize, value: T) -> Result<Line, RecordError> {
    let leaf = fields(value, "lines", index)?;
    LineLeaves {
        sku: leaf("sku")?,
        qty: leaf("qty")?,
        unit_price: leaf("unit_price")?,
        currency: leaf("currency")?,
        source: leaf("source")?,
    }
    .build(index)
}

fn document<'a, T: Tree<'a>>(index: usize, value: T) -> Result<Document, RecordError> {
    let leaf = fields(value, "documents", index)?;
    DocumentLeaves {
        kind: leaf("kind")?,
        reference: leaf("ref")?,
        signed: leaf("signed")?,
    }
    .build(index)
}

/// A JSON string, borrowed from the input when it has no escapes.
pub(crate) struct Text<'de>(pub(crate) Cow<'de, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

/// The entries of a JSON object, in input order, values left as raw text.
pub(crate) struct Entries<'a>(pub(crate) Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'de> Deserialize<'de> for Entries<'de> {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Entries<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    entries.push((key.0, map.next_value::<&'de RawValue>()?));
                }
                Ok(Entries(entries))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Entries<'de>, A::Error> {
                Err(de::Error::invalid_type(de::Unexpected::Seq, &self))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_spelled_as_serde_json_spells_them() {
        assert_eq!(spelled("1e400"), "1e+400");
        assert_eq!(spelled("1.5E-2"), "1.5e-2");
        assert_eq!(spelled("1E+2"), "1e+2");
        assert_eq!(spelled("12.50"), "12.50");
    }
}
