//! The typed values of the compiled path, and the few rules of rhai's that decide how they
//! compare and print. Whatever rhai would answer with an error (or in a way not copied
//! here) is a [`Bail`]: the rule is judged again by rhai on that record.

use crate::date::Date;
use crate::refdata::{CatalogItem, Partner};
use crate::script::params::Param;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cmp::Ordering;

/// The compiled path cannot answer exactly as rhai would: rhai judges the record instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Bail;

/// A value of the compiled path, borrowing from the record, the reference data and the
/// compiled program wherever it can.
#[derive(Debug, Clone, Default)]
pub(crate) enum Value<'a> {
    #[default]
    Unit,
    /// A [`Node::Memo`](super::compile::Node::Memo) slot not yet filled in this run; never
    /// seen by the program.
    Unset,
    Bool(bool),
    Int(i64),
    Decimal(Decimal),
    Str(Cow<'a, str>),
    Date(Date),
    Record,
    Line(usize),
    Document(usize),
    /// `record.lines` and `record.documents` (arrays in rhai), read only by `for`.
    Lines,
    Documents,
    /// The rule's `params` (an object map in rhai).
    Params,
    /// A list or table of the rule's parameters (an array or object map in rhai).
    Param(&'a Param),
    Partner(&'a Partner),
    /// What `catalog(sku)` returns (an object map in rhai).
    Catalog(&'a CatalogItem),
    /// What `finding` and `line_finding` return (an object map in rhai).
    Finding(Box<Found<'a>>),
    List(Vec<Value<'a>>),
}

/// A finding map: `message`, `expected`, `actual`, `line`.
#[derive(Debug, Clone)]
pub(crate) struct Found<'a> {
    pub message: Cow<'a, str>,
    pub expected: Value<'a>,
    pub actual: Value<'a>,
    pub line: Value<'a>,
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    /// Whether `self` holds for two values ordered `o`.
    pub(crate) fn holds(self, o: Ordering) -> bool {
        match self {
            Cmp::Eq => o == Ordering::Equal,
            Cmp::Ne => o != Ordering::Equal,
            Cmp::Lt => o == Ordering::Less,
            Cmp::Le => o != Ordering::Greater,
            Cmp::Gt => o == Ordering::Greater,
            Cmp::Ge => o != Ordering::Less,
        }
    }
}

/// Which rhai type a value is, for rhai's rule on comparing values of different types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unit,
    Bool,
    Int,
    Decimal,
    Str,
    Date,
    Record,
    Line,
    Document,
    Partner,
    Map,
    Array,
}

impl Value<'_> {
    fn kind(&self) -> Kind {
        match self {
            Value::Unit | Value::Unset => Kind::Unit,
            Value::Bool(_) => Kind::Bool,
            Value::Int(_) => Kind::Int,
            Value::Decimal(_) => Kind::Decimal,
            Value::Str(_) => Kind::Str,
            Value::Date(_) => Kind::Date,
            Value::Record => Kind::Record,
            Value::Line(_) => Kind::Line,
            Value::Document(_) => Kind::Document,
            Value::Partner(_) => Kind::Partner,
            Value::Catalog(_) | Value::Finding(_) | Value::Params => Kind::Map,
            Value::Param(Param::Table(_)) => Kind::Map,
            Value::List(_) | Value::Lines | Value::Documents | Value::Param(_) => Kind::Array,
        }
    }
}

/// `a op b` as rhai answers it (`func/builtin.rs`, and the date operators `api.rs`
/// registers): numbers compare exactly across integers and decimals; `()` equals only
/// `()`; values of two different non-numeric types are never equal and never ordered.
pub(crate) fn compare(op: Cmp, a: &Value<'_>, b: &Value<'_>) -> Result<bool, Bail> {
    let ordering = match (a, b) {
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Decimal(x), Value::Decimal(y)) => x.cmp(y),
        (Value::Int(x), Value::Decimal(y)) => Decimal::from(*x).cmp(y),
        (Value::Decimal(x), Value::Int(y)) => x.cmp(&Decimal::from(*y)),
        (Value::Str(x), Value::Str(y)) => x.as_ref().cmp(y.as_ref()),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) if matches!(op, Cmp::Eq | Cmp::Ne) => x.cmp(y),
        (Value::Unit, Value::Unit) => return Ok(op == Cmp::Eq),
        _ if a.kind() != b.kind() => return Ok(op == Cmp::Ne),
        _ => return Err(Bail),
    };
    Ok(op.holds(ordering))
}

/// A value as rhai's `to_string` gives it inside a template's `${...}`; `None` for values
/// whose text is not copied here.
pub(crate) fn to_text<'a>(value: &Value<'a>) -> Option<Cow<'a, str>> {
    Some(match value {
        Value::Unit => Cow::Borrowed(""),
        Value::Bool(b) => Cow::Owned(b.to_string()),
        Value::Int(n) => Cow::Owned(n.to_string()),
        Value::Decimal(d) => Cow::Owned(d.to_string()),
        Value::Str(s) => s.clone(),
        Value::Date(d) => Cow::Owned(d.to_string()),
        Value::Partner(p) => Cow::Owned(format!("partner {}", p.id)),
        _ => return None,
    })
}

/// A finding field's value as the host shows it (`show` in `host.rs`); `()` is no text.
pub(crate) fn shown(value: &Value<'_>) -> Option<String> {
    match value {
        Value::Unit => Some(String::new()),
        Value::Bool(_) | Value::Int(_) | Value::Decimal(_) | Value::Str(_) | Value::Date(_) => {
            to_text(value).map(Cow::into_owned)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparisons_follow_rhai() {
        let d = |s: &str| Value::Decimal(s.parse().unwrap());
        let s = |t: &'static str| Value::Str(Cow::Borrowed(t));
        assert_eq!(compare(Cmp::Eq, &Value::Int(12), &d("12.00")), Ok(true));
        assert_eq!(compare(Cmp::Lt, &d("11.999"), &Value::Int(12)), Ok(true));
        assert_eq!(compare(Cmp::Eq, &Value::Unit, &Value::Unit), Ok(true));
        assert_eq!(compare(Cmp::Lt, &Value::Unit, &Value::Unit), Ok(false));
        assert_eq!(compare(Cmp::Eq, &s("a"), &Value::Unit), Ok(false));
        assert_eq!(compare(Cmp::Ne, &s("a"), &Value::Unit), Ok(true));
        assert_eq!(compare(Cmp::Lt, &s("a"), &Value::Int(1)), Ok(false));
        assert_eq!(compare(Cmp::Lt, &s("a"), &s("b")), Ok(true));
        assert_eq!(compare(Cmp::Eq, &Value::Record, &Value::Record), Err(Bail));
        assert_eq!(
            compare(Cmp::Lt, &Value::Bool(true), &Value::Bool(false)),
            Err(Bail)
        );
    }

    #[test]
    fn texts_follow_rhai() {
        assert_eq!(to_text(&Value::Unit).as_deref(), Some(""));
        assert_eq!(
            to_text(&Value::Decimal("12.50".parse().unwrap())).as_deref(),
            Some("12.50")
        );
        assert_eq!(to_text(&Value::Int(-3)).as_deref(), Some("-3"));
        assert!(to_text(&Value::Record).is_none());
        assert_eq!(shown(&Value::Unit).as_deref(), Some(""));
    }
}
