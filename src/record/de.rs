//! The fast reader: a record deserialised straight from JSON text, with no intermediate
//! `serde_json::Value` (which costs a map and a string per field). Each scalar field is
//! taken as raw JSON text (so a number keeps its digits) and judged by the same leaf checks
//! as the value reader in `tree.rs`.
//!
//! It reads what the plain reader (`scan.rs`, tried first) leaves to it: records with
//! escapes, unknown fields, `attrs`, numbers with exponents. Whenever it meets anything else (a bad
//! field, an unexpected type, text that is not JSON), the line is read again by the value
//! reader (`tree::read_text`), whose answer is the one given: a rejected record costs more
//! than one read, and the two readers always agree (a property test holds them to it).
//!
//! `attrs` and unknown fields are read as `serde_json::Value`s here and there alike, so their
//! numbers are serde_json's (integers exact, others `f64`).

use super::tree::Text;
use super::{
    At, DocumentLeaves, Kind, Leaf, LineLeaves, RECORD_FIELDS, Record, RecordError, check_shape,
    date, near, optional_date, required, text,
};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Reads one record from JSON text. The error is the reason a record is rejected.
pub(crate) fn parse(text: &str) -> Result<Record, RecordError> {
    if let Some(record) = super::scan::parse(text) {
        return Ok(record);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    let fast = RecordSeed
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|()| r));
    match fast {
        Ok(record) => Ok(record),
        Err(_) => super::tree::read_text(text),
    }
}

/// A scalar field's raw JSON text as a leaf; `None` for what the fast path leaves to the
/// value reader (a string that does not unescape, a nested list or object).
fn leaf(raw: &RawValue) -> Option<Leaf<'_>> {
    let t = raw.get();
    match t.as_bytes().first()? {
        b'"' => serde_json::from_str::<Text<'_>>(t)
            .ok()
            .map(|s| Leaf::Str(s.0)),
        b'n' => Some(Leaf::Null),
        b't' => Some(Leaf::Bool(true)),
        b'f' => Some(Leaf::Bool(false)),
        b'[' | b'{' => None,
        _ => Some(Leaf::Number(Cow::Borrowed(t))),
    }
}

/// The fast path gives up; the value reader will say why.
#[cold]
fn fail<E: de::Error>(message: impl fmt::Display) -> E {
    E::custom(message)
}

/// Reads a scalar field as a leaf, or fails over to the value reader.
fn next_leaf<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Leaf<'de>, A::Error> {
    leaf(map.next_value::<&'de RawValue>()?).ok_or_else(|| fail("not a scalar"))
}

struct RecordSeed;

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Record;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Record, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed {
    type Value = Record;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut scalars: [Leaf<'de>; 12] = Default::default();
        let mut lines = Vec::new();
        let mut documents = Vec::new();
        let mut attrs: Option<Map<String, Value>> = None;
        let mut extra: Map<String, Value> = Map::new();
        // The fields given so far, one bit each: a key given twice is the value reader's
        // to refuse.
        let mut given = 0u32;
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let field = RECORD_FIELDS.iter().position(|f| *f == key.0);
            if let Some(i) = field {
                let bit = 1u32 << i;
                if given & bit != 0 {
                    return Err(fail("a key given twice"));
                }
                given |= bit;
            }
            match field {
                Some(i @ 0..=11) => {
                    let value = next_leaf(&mut map)?;
                    if let Some(slot) = scalars.get_mut(i) {
                        *slot = value;
                    }
                }
                Some(12) => lines = map.next_value_seed(ListSeed::<LineSeed>(PhantomData))?,
                Some(13) => {
                    documents = map.next_value_seed(ListSeed::<DocumentSeed>(PhantomData))?
                }
                Some(_) => {
                    attrs = match map.next_value_seed(Strict)? {
                        Value::Null => None,
                        Value::Object(m) => Some(m),
                        _ => return Err(fail("attrs is not an object")),
                    }
                }
                None => {
                    let value = map.next_value_seed(Strict)?;
                    if extra.insert(key.0.into_owned(), value).is_some() {
                        return Err(fail("a key given twice"));
                    }
                }
            }
        }
        let mut take = |i: usize| scalars.get_mut(i).map(std::mem::take).unwrap_or_default();
        let id = required(take(0), At::Field("id")).map_err(fail)?;
        let kind = Kind::from_name(&required(take(1), At::Field("kind")).map_err(fail)?);
        near::check_kind(&kind).map_err(fail)?;
        for key in extra.keys() {
            near::check_key(&kind, key).map_err(fail)?;
        }
        let date = date(take(2)).map_err(fail)?;
        let partner = required(take(3), At::Field("partner")).map_err(fail)?;
        let mut optional = |i: usize| text(take(i), At::Record).map_err(fail::<A::Error>);
        let (customer, region, opportunity) = (optional(4)?, optional(5)?, optional(6)?);
        let (stage, asset, agreement) = (optional(7)?, optional(8)?, optional(9)?);
        let invoice = optional(10)?;
        let order_date =
            optional_date(take(11), At::Field("order_date")).map_err(fail::<A::Error>)?;
        // A field of `attrs` itself wins over an unknown top-level field of the same name.
        let mut attrs = attrs.unwrap_or_default();
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
        check_shape(&record).map_err(fail)?;
        Ok(record)
    }
}

/// Reads one element of `lines` or `documents`, knowing its index.
trait ElementSeed<'de>: Visitor<'de> + Sized {
    fn at(index: usize) -> Self;
}

struct ListSeed<S>(PhantomData<S>);

struct Element<S>(S);

impl<'de, S: ElementSeed<'de>> DeserializeSeed<'de> for Element<S> {
    type Value = S::Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        d.deserialize_map(self.0)
    }
}

impl<'de, S: ElementSeed<'de>> DeserializeSeed<'de> for ListSeed<S> {
    type Value = Vec<S::Value>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<S::Value>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: ElementSeed<'de>> Visitor<'de> for ListSeed<S> {
    type Value = Vec<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Element(S::at(items.len())))? {
            items.push(item);
        }
        Ok(items)
    }
}

struct LineSeed(usize);

impl ElementSeed<'_> for LineSeed {
    fn at(index: usize) -> Self {
        LineSeed(index)
    }
}

impl<'de> Visitor<'de> for LineSeed {
    type Value = super::Line;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a line object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<super::Line, A::Error> {
        let mut leaves = LineLeaves::default();
        let mut keys = Keys::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let (bit, slot) = match &*key.0 {
                "sku" => (0, &mut leaves.sku),
                "qty" => (1, &mut leaves.qty),
                "unit_price" => (2, &mut leaves.unit_price),
                "currency" => (3, &mut leaves.currency),
                "source" => (4, &mut leaves.source),
                _ => {
                    // Read, not skipped: text that a parsed value would refuse (a lone
                    // surrogate, nesting past the limit, a key given twice) must not pass
                    // here either.
                    keys.other(key.0)?;
                    map.next_value_seed(Strict)?;
                    continue;
                }
            };
            keys.known(bit)?;
            *slot = next_leaf(&mut map)?;
        }
        leaves.build(self.0).map_err(fail)
    }
}

struct DocumentSeed(usize);

impl ElementSeed<'_> for DocumentSeed {
    fn at(index: usize) -> Self {
        DocumentSeed(index)
    }
}

impl<'de> Visitor<'de> for DocumentSeed {
    type Value = super::Document;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a document object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<super::Document, A::Error> {
        let mut leaves = DocumentLeaves::default();
        let mut keys = Keys::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let (bit, slot) = match &*key.0 {
                "kind" => (0, &mut leaves.kind),
                "ref" => (1, &mut leaves.reference),
                "signed" => (2, &mut leaves.signed),
                _ => {
                    keys.other(key.0)?;
                    map.next_value_seed(Strict)?;
                    continue;
                }
            };
            keys.known(bit)?;
            *slot = next_leaf(&mut map)?;
        }
        leaves.build(self.0).map_err(fail)
    }
}

/// The keys of a line or a document seen so far: the known ones by bit, the others (rare)
/// by name.
#[derive(Default)]
struct Keys<'de> {
    known: u8,
    other: Vec<Cow<'de, str>>,
}

impl<'de> Keys<'de> {
    fn known<E: de::Error>(&mut self, bit: u8) -> Result<(), E> {
        let bit = 1u8 << bit;
        if self.known & bit != 0 {
            return Err(fail("a key given twice"));
        }
        self.known |= bit;
        Ok(())
    }

    fn other<E: de::Error>(&mut self, key: Cow<'de, str>) -> Result<(), E> {
        if self.other.contains(&key) {
            return Err(fail("a key given twice"));
        }
        self.other.push(key);
        Ok(())
    }
}

/// A `serde_json::Value` that refuses a key given twice in any object in it (a parsed
/// `Value` keeps the last one).
struct Strict;

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(Strict)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            let value = map.next_value_seed(Strict)?;
            if out.insert(key.0.into_owned(), value).is_some() {
                return Err(fail("a key given twice"));
            }
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path itself, without the fallback.
    fn fast(text: &str) -> Result<Record, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        RecordSeed
            .deserialize(&mut de)
            .and_then(|r| de.end().map(|()| r))
    }

    #[test]
    fn clean_records_take_the_fast_path_and_read_as_the_value_reader_reads_them() {
        let lines = [
            r#"{"id":"GS-9","kind":"sale","date":"2026-02-10","partner":"GP-00001","customer":"C-1","lines":[{"sku":"GS-000001","qty":3,"unit_price":"12.50","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"D-9","signed":true}]}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","region":"US-NE","lines":[{"sku":"A","qty":1,"unit_price":1199.9999999999999999,"currency":"USD"}],"attrs":{"x":1},"channel":"web","note":"caf\u00e9"}"#,
            r#"{"id":"PU-1","kind":"pipeline_update","date":"2026-01-01","partner":"P","opportunity":"OPP-1","stage":"qualified","lines":null}"#,
        ];
        for text in lines {
            let typed = fast(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let value = super::super::tree::read_text(text).unwrap();
            assert_eq!(typed, value);
        }
    }
}
