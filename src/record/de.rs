//! The fast reader: a record deserialised straight from JSON text, with no intermediate
//! `serde_json::Value` (which costs a map and a string per field). Each scalar field is
//! taken as raw JSON text and judged by the same leaf checks as `Record::from_json`, so
//! both readers accept the same records and word their errors the same way (a property
//! test holds them to it).

use super::{DocumentLeaves, Kind, Leaf, LineLeaves, RECORD_FIELDS, Record, date, required, text};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;

/// A JSON key or string, borrowed from the input when it has no escapes.
struct Text<'de>(Cow<'de, str>);

impl<'de> de::Deserialize<'de> for Text<'de> {
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

/// A field's raw JSON text as a leaf.
fn leaf(raw: &RawValue) -> Leaf<'_> {
    let t = raw.get();
    match t.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<Text<'_>>(t).map_or(Leaf::Object, |s| Leaf::Str(s.0)),
        Some(b'n') => Leaf::Null,
        Some(b't') => Leaf::Bool(true),
        Some(b'f') => Leaf::Bool(false),
        Some(b'[') => Leaf::List,
        Some(b'{') => Leaf::Object,
        _ => Leaf::Number(Cow::Borrowed(t)),
    }
}

fn fail<E: de::Error>(message: String) -> E {
    E::custom(message)
}

/// Reads one record from JSON text. The error is the reason a record is rejected.
pub(crate) fn parse(text: &str) -> Result<Record, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let record = RecordSeed
        .deserialize(&mut de)
        .and_then(|r| de.end().map(|()| r));
    record.map_err(|e| match e.classify() {
        // Our own checks: the message is the reason, without serde_json's position.
        serde_json::error::Category::Data => {
            let m = e.to_string();
            m.rsplit_once(" at line ")
                .map_or(m.clone(), |(m, _)| m.to_owned())
        }
        _ => super::read::json_reason(&e),
    })
}

struct RecordSeed;

impl<'de> DeserializeSeed<'de> for RecordSeed {
    type Value = Record;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Record, D::Error> {
        d.deserialize_any(self)
    }
}

/// What a non-object was, for "expected ..., but found ..." (arbitrary-precision numbers
/// reach a visitor as a one-entry map).
fn found_in_map<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Text<'de>>, A::Error> {
    map.next_key::<Text<'de>>()
}

const NUMBER_TOKEN: &str = "$serde_json::private::Number";

/// The visits of a visitor that wants an object: anything else is an error saying what
/// was found. `$s` is the visitor's `self`, so `$what` may use it.
macro_rules! not_an_object {
    ($s:tt, $what:expr) => {
        fn visit_bool<E: de::Error>($s, _: bool) -> Result<Self::Value, E> {
            Err(fail(format!("{}, but found a boolean", $what)))
        }
        fn visit_str<E: de::Error>($s, _: &str) -> Result<Self::Value, E> {
            Err(fail(format!("{}, but found a string", $what)))
        }
        fn visit_unit<E: de::Error>($s) -> Result<Self::Value, E> {
            Err(fail(format!("{}, but found null", $what)))
        }
        fn visit_seq<A: SeqAccess<'de>>($s, _: A) -> Result<Self::Value, A::Error> {
            Err(fail(format!("{}, but found a list", $what)))
        }
    };
}

impl<'de> Visitor<'de> for RecordSeed {
    type Value = Record;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a record object")
    }
    not_an_object!(self, "expected a record object");

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Record, A::Error> {
        let mut scalars: [Option<&'de RawValue>; 10] = [None; 10];
        let mut lines = Vec::new();
        let mut documents = Vec::new();
        let mut attrs: Option<Map<String, Value>> = None;
        let mut extra: Vec<(String, Value)> = Vec::new();
        let mut first = true;
        while let Some(key) = found_in_map(&mut map)? {
            if first && key.0 == NUMBER_TOKEN {
                return Err(fail(
                    "expected a record object, but found a number".to_owned(),
                ));
            }
            first = false;
            match RECORD_FIELDS.iter().position(|f| *f == key.0) {
                Some(i @ 0..=9) => {
                    if let Some(slot) = scalars.get_mut(i) {
                        *slot = Some(map.next_value::<&'de RawValue>()?);
                    }
                }
                Some(10) => lines = map.next_value_seed(ListSeed::<LineSeed>::new("lines"))?,
                Some(11) => {
                    documents = map.next_value_seed(ListSeed::<DocumentSeed>::new("documents"))?
                }
                Some(_) => {
                    attrs = match map.next_value::<Value>()? {
                        Value::Null => None,
                        Value::Object(m) => Some(m),
                        other => {
                            let kind = Leaf::of(Some(&other)).kind();
                            return Err(fail(format!(
                                "field `attrs`: expected an object, but found {kind}"
                            )));
                        }
                    }
                }
                None => extra.push((key.0.into_owned(), map.next_value::<Value>()?)),
            }
        }
        let get = |i: usize| {
            scalars
                .get(i)
                .copied()
                .flatten()
                .map_or(Leaf::Missing, leaf)
        };
        let id = required(get(0), &"id").map_err(fail)?;
        let kind = Kind::from_name(&required(get(1), &"kind").map_err(fail)?);
        let date = date(get(2)).map_err(fail)?;
        let partner = required(get(3), &"partner").map_err(fail)?;
        let optional = |i: usize| {
            text(get(i), &RECORD_FIELDS.get(i).copied().unwrap_or("")).map_err(fail::<A::Error>)
        };
        let (customer, region, opportunity) = (optional(4)?, optional(5)?, optional(6)?);
        let (stage, asset, agreement) = (optional(7)?, optional(8)?, optional(9)?);
        let mut attrs = attrs.unwrap_or_default();
        for (key, value) in extra {
            attrs.entry(key).or_insert(value);
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
}

/// Reads one element of `lines` or `documents`, knowing its index for error messages.
trait ElementSeed<'de>: Sized {
    type Item;
    fn at(index: usize) -> Self;
    fn read<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Item, D::Error>;
}

struct ListSeed<S> {
    field: &'static str,
    element: std::marker::PhantomData<S>,
}

impl<S> ListSeed<S> {
    fn new(field: &'static str) -> Self {
        ListSeed {
            field,
            element: std::marker::PhantomData,
        }
    }
}

struct Element<S>(S);

impl<'de, S: ElementSeed<'de>> DeserializeSeed<'de> for Element<S> {
    type Value = S::Item;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<S::Item, D::Error> {
        self.0.read(d)
    }
}

impl<'de, S: ElementSeed<'de>> DeserializeSeed<'de> for ListSeed<S> {
    type Value = Vec<S::Item>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<S::Item>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: ElementSeed<'de>> Visitor<'de> for ListSeed<S> {
    type Value = Vec<S::Item>;
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
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Err(fail(format!(
            "field `{}`: expected a list, but found a boolean",
            self.field
        )))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Err(fail(format!(
            "field `{}`: expected a list, but found a string",
            self.field
        )))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let what = match found_in_map(&mut map)? {
            Some(k) if k.0 == NUMBER_TOKEN => "a number",
            _ => "an object",
        };
        Err(fail(format!(
            "field `{}`: expected a list, but found {what}",
            self.field
        )))
    }
}

struct LineSeed(usize);

impl<'de> ElementSeed<'de> for LineSeed {
    type Item = super::Line;
    fn at(index: usize) -> Self {
        LineSeed(index)
    }
    fn read<D: de::Deserializer<'de>>(self, d: D) -> Result<super::Line, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LineSeed {
    type Value = super::Line;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a line object")
    }
    not_an_object!(
        self,
        format!("field `lines[{}]`: expected an object", self.0)
    );

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<super::Line, A::Error> {
        let mut leaves = LineLeaves::default();
        let mut first = true;
        while let Some(key) = found_in_map(&mut map)? {
            if first && key.0 == NUMBER_TOKEN {
                return Err(fail(format!(
                    "field `lines[{}]`: expected an object, but found a number",
                    self.0
                )));
            }
            first = false;
            let slot = match &*key.0 {
                "sku" => &mut leaves.sku,
                "qty" => &mut leaves.qty,
                "unit_price" => &mut leaves.unit_price,
                "currency" => &mut leaves.currency,
                "source" => &mut leaves.source,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = leaf(map.next_value::<&'de RawValue>()?);
        }
        leaves.build(self.0).map_err(fail)
    }
}

struct DocumentSeed(usize);

impl<'de> ElementSeed<'de> for DocumentSeed {
    type Item = super::Document;
    fn at(index: usize) -> Self {
        DocumentSeed(index)
    }
    fn read<D: de::Deserializer<'de>>(self, d: D) -> Result<super::Document, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed {
    type Value = super::Document;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a document object")
    }
    not_an_object!(
        self,
        format!("field `documents[{}]`: expected an object", self.0)
    );

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<super::Document, A::Error> {
        let mut leaves = DocumentLeaves::default();
        let mut first = true;
        while let Some(key) = found_in_map(&mut map)? {
            if first && key.0 == NUMBER_TOKEN {
                return Err(fail(format!(
                    "field `documents[{}]`: expected an object, but found a number",
                    self.0
                )));
            }
            first = false;
            let slot = match &*key.0 {
                "kind" => &mut leaves.kind,
                "ref" => &mut leaves.reference,
                "signed" => &mut leaves.signed,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = leaf(map.next_value::<&'de RawValue>()?);
        }
        leaves.build(self.0).map_err(fail)
    }
}
