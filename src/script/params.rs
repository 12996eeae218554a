//! Rule parameters: the `[rule.params]` values of a script or condition rule other than its
//! own keys, typed once when the pack loads and handed to the policy as `params`.
//!
//! A cap of 50 units is then `max_qty = 50` in the rule, read as `params.max_qty`, and a
//! company's layer can change it without touching the script. Numbers with a point are
//! read from their text as exact decimals (TOML would make them floats).

use crate::date::Date;
use crate::money::parse_decimal;
use rhai::{Array, Dynamic, ImmutableString, Map};
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use toml::Spanned;
use toml::de::DeValue;

/// One parameter value, as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Param {
    Text(String),
    Int(rhai::INT),
    Decimal(Decimal),
    Bool(bool),
    Date(Date),
    List(Vec<Param>),
    Table(BTreeMap<String, Param>),
}

/// The type of a value a policy handles, as far as loading can know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ty {
    Text,
    Int,
    Decimal,
    Bool,
    Date,
    List,
    Table,
}

impl Ty {
    /// The type in words: "a string", "an integer".
    pub(crate) fn name(self) -> &'static str {
        match self {
            Ty::Text => "a string",
            Ty::Int => "an integer",
            Ty::Decimal => "a decimal",
            Ty::Bool => "true or false",
            Ty::Date => "a date",
            Ty::List => "an array",
            Ty::Table => "a table",
        }
    }

    pub(crate) fn is_number(self) -> bool {
        matches!(self, Ty::Int | Ty::Decimal)
    }
}

impl Param {
    pub(crate) fn ty(&self) -> Ty {
        match self {
            Param::Text(_) => Ty::Text,
            Param::Int(_) => Ty::Int,
            Param::Decimal(_) => Ty::Decimal,
            Param::Bool(_) => Ty::Bool,
            Param::Date(_) => Ty::Date,
            Param::List(_) => Ty::List,
            Param::Table(_) => Ty::Table,
        }
    }

    fn to_dynamic(&self) -> Dynamic {
        match self {
            Param::Text(s) => Dynamic::from(ImmutableString::from(s.as_str())),
            Param::Int(n) => Dynamic::from_int(*n),
            Param::Decimal(d) => Dynamic::from_decimal(*d),
            Param::Bool(b) => Dynamic::from_bool(*b),
            Param::Date(d) => Dynamic::from(*d),
            Param::List(items) => {
                Dynamic::from_array(items.iter().map(Param::to_dynamic).collect::<Array>())
            }
            Param::Table(t) => Dynamic::from_map(
                t.iter()
                    .map(|(k, v)| (k.as_str().into(), v.to_dynamic()))
                    .collect::<Map>(),
            ),
        }
    }
}

/// Written as in TOML: `"US-NE"`, `50`, `12.50`, `2026-01-01`, `["a", "b"]`.
impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Param::Text(s) => write!(f, "{s:?}"),
            Param::Int(n) => write!(f, "{n}"),
            Param::Decimal(d) => write!(f, "{d}"),
            Param::Bool(b) => write!(f, "{b}"),
            Param::Date(d) => write!(f, "{d}"),
            Param::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Param::Table(t) => {
                f.write_str("{ ")?;
                for (i, (k, v)) in t.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k} = {v}")?;
                }
                f.write_str(" }")
            }
        }
    }
}

/// A rule's parameters: by name, and as the script map handed to the policy.
#[derive(Clone, Default)]
pub(crate) struct Params {
    values: BTreeMap<String, Param>,
    /// The same values as one rhai object map, built once; each call gets a copy, so a
    /// policy that changes its `params` changes nothing for the next record.
    map: Dynamic,
}

impl Params {
    pub(crate) fn new(values: BTreeMap<String, Param>) -> Params {
        let map = Dynamic::from_map(
            values
                .iter()
                .map(|(k, v)| (k.as_str().into(), v.to_dynamic()))
                .collect::<Map>(),
        );
        Params { values, map }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Param> {
        self.values.get(name)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.values.keys().map(String::as_str)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Param)> {
        self.values.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The parameters as the script value `params`.
    pub(crate) fn value(&self) -> Dynamic {
        self.map.clone()
    }
}

impl PartialEq for Params {
    fn eq(&self, other: &Self) -> bool {
        self.values == other.values
    }
}
impl Eq for Params {}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.values.iter()).finish()
    }
}

/// A parameter value as written in the rule file, typed; or where it is and what is wrong.
pub(crate) fn from_toml(value: Spanned<DeValue<'_>>) -> Result<Param, (Range<usize>, String)> {
    let span = value.span();
    let fail = |message: String| Err((span.clone(), message));
    match value.into_inner() {
        DeValue::String(s) => Ok(Param::Text(s.into_owned())),
        DeValue::Boolean(b) => Ok(Param::Bool(b)),
        DeValue::Integer(n) => match rhai::INT::from_str_radix(n.as_str(), n.radix()) {
            Ok(n) => Ok(Param::Int(n)),
            Err(_) => fail(format!(
                "the integer `{}` does not fit a script integer (64 bits)",
                n.as_str()
            )),
        },
        DeValue::Float(x) => decimal(x.as_str()).map(Param::Decimal).or_else(fail),
        DeValue::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                let text = d.to_string();
                match text.parse::<Date>() {
                    Ok(date) => Ok(Param::Date(date)),
                    Err(e) => fail(format!("the date `{text}` cannot be used: {e}")),
                }
            }
            _ => fail(format!(
                "`{dt}` has a time of day; a parameter date is a day such as `2026-01-01`"
            )),
        },
        DeValue::Array(items) => items
            .into_iter()
            .map(from_toml)
            .collect::<Result<_, _>>()
            .map(Param::List),
        DeValue::Table(table) => table
            .into_iter()
            .map(|(k, v)| Ok((k.into_inner().into_owned(), from_toml(v)?)))
            .collect::<Result<_, _>>()
            .map(Param::Table),
    }
}

/// A TOML float's text as an exact decimal: `12.50`, `1e3`, `-0.05`.
fn decimal(text: &str) -> Result<Decimal, String> {
    let refused = |why: String| {
        format!(
            "`{text}` cannot be a parameter: {why}; a decimal parameter is exact, such as `12.50`"
        )
    };
    if text.contains(['e', 'E']) {
        return Decimal::from_scientific(text).map_err(|e| refused(e.to_string()));
    }
    if text.contains(['i', 'n']) {
        return Err(refused("it is not a number".to_owned()));
    }
    parse_decimal(text.trim_start_matches('+')).map_err(refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(text: &str) -> Result<Param, String> {
        let value = DeValue::parse(text).map_err(|e| e.to_string())?;
        from_toml(value).map_err(|(_, m)| m)
    }

    #[test]
    fn values_are_typed_and_decimals_exact() {
        assert_eq!(param("50"), Ok(Param::Int(50)));
        assert_eq!(param("0x10"), Ok(Param::Int(16)));
        assert_eq!(
            param("12.50").map(|p| p.to_string()),
            Ok("12.50".to_owned())
        );
        assert_eq!(param("0.1").map(|p| p.to_string()), Ok("0.1".to_owned()));
        assert_eq!(
            param("1_000.000_1").map(|p| p.to_string()),
            Ok("1000.0001".to_owned())
        );
        assert_eq!(param("1e3").map(|p| p.ty()), Ok(Ty::Decimal));
        assert_eq!(param("\"US\"").map(|p| p.ty()), Ok(Ty::Text));
        assert_eq!(
            param("2026-01-31").map(|p| p.to_string()),
            Ok("2026-01-31".into())
        );
        assert_eq!(
            param("[1, 2.5, \"x\", 2026-01-01]").map(|p| p.to_string()),
            Ok("[1, 2.5, \"x\", 2026-01-01]".into())
        );
        assert_eq!(
            param("{ a = 1, b = [true] }").map(|p| p.to_string()),
            Ok("{ a = 1, b = [true] }".into())
        );
    }

    #[test]
    fn values_a_policy_cannot_use_are_errors() {
        assert!(param("inf").unwrap_err().contains("not a number"));
        assert!(param("nan").unwrap_err().contains("not a number"));
        assert!(
            param("2026-01-01T10:00:00")
                .unwrap_err()
                .contains("time of day")
        );
        assert!(
            param("99999999999999999999")
                .unwrap_err()
                .contains("64 bits")
        );
        assert!(param("[1, 2026-01-01T10:00:00Z]").is_err());
    }
}
