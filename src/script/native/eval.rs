//! Running a compiled body on a record. Every step answers as rhai would, or bails (the
//! rule is then judged by rhai on the record): errors, overflows and values whose rhai
//! behaviour is not copied here all bail, so an error's text is always rhai's own.

use super::compile::{Func, Node, Op, Prop, Step};
use super::value::{Bail, Found, Value, compare, to_text};
use crate::date::Date;
use crate::money::parse_decimal;
use crate::record::Record;
use crate::refdata::RefData;
use rust_decimal::Decimal;
use std::borrow::Cow;

/// What stops a body early.
#[derive(Debug)]
pub(crate) enum Stop<'a> {
    Return(Value<'a>),
    Bail,
}

impl From<Bail> for Stop<'_> {
    fn from(_: Bail) -> Self {
        Stop::Bail
    }
}

type Out<'a> = Result<Value<'a>, Stop<'a>>;

/// What a body runs against.
pub(crate) struct Cx<'a> {
    pub record: &'a Record,
    pub data: &'a RefData,
    /// `max_string_size` (0: none): a longer string is a rhai error, so it bails.
    pub max_string: usize,
    /// `max_array_size` (0: none).
    pub max_array: usize,
}

impl<'a> Cx<'a> {
    fn text(&self, s: Cow<'a, str>) -> Out<'a> {
        if self.max_string > 0 && s.len() > self.max_string {
            return Err(Stop::Bail);
        }
        Ok(Value::Str(s))
    }

    /// The value of a block: its last statement's, `()` when it has none.
    pub(crate) fn block(&self, steps: &'a [Step], slots: &mut [Value<'a>]) -> Out<'a> {
        let mut last = Value::Unit;
        for step in steps {
            last = match step {
                Step::Expr(e) => self.eval(e, slots)?,
                Step::Let(slot, e) => {
                    let v = self.eval(e, slots)?;
                    *slots.get_mut(*slot).ok_or(Stop::Bail)? = v;
                    Value::Unit
                }
                Step::If(cond, body, branch) => match self.eval(cond, slots)? {
                    Value::Bool(true) => self.block(body, slots)?,
                    Value::Bool(false) => self.block(branch, slots)?,
                    _ => return Err(Stop::Bail),
                },
                Step::Return(value) => {
                    let v = match value {
                        Some(e) => self.eval(e, slots)?,
                        None => Value::Unit,
                    };
                    return Err(Stop::Return(v));
                }
            };
        }
        Ok(last)
    }

    pub(crate) fn eval(&self, node: &'a Node, slots: &mut [Value<'a>]) -> Out<'a> {
        match node {
            Node::Unit => Ok(Value::Unit),
            Node::Bool(b) => Ok(Value::Bool(*b)),
            Node::Int(n) => Ok(Value::Int(*n)),
            Node::Decimal(d) => Ok(Value::Decimal(*d)),
            Node::Str(s) => Ok(Value::Str(Cow::Borrowed(s))),
            Node::Var(slot) => slots.get(*slot).cloned().ok_or(Stop::Bail),
            Node::Get(base, prop) => {
                let base = self.eval(base, slots)?;
                self.get(&base, *prop)
            }
            Node::Call(f, args) => {
                // At most four arguments (`line_finding`), held without an allocation.
                let mut values: [Value<'a>; 4] = Default::default();
                if args.len() > values.len() {
                    return Err(Stop::Bail);
                }
                for (a, v) in args.iter().zip(values.iter_mut()) {
                    *v = self.eval(a, slots)?;
                }
                self.call(*f, values.into_iter().take(args.len()))
            }
            Node::Compare(op, a, b) => {
                let a = self.eval(a, slots)?;
                let b = self.eval(b, slots)?;
                Ok(Value::Bool(compare(*op, &a, &b)?))
            }
            Node::Arith(op, a, b) => {
                let a = self.eval(a, slots)?;
                let b = self.eval(b, slots)?;
                self.arith(*op, a, b)
            }
            Node::Neg(a) => match self.eval(a, slots)? {
                Value::Int(n) => n.checked_neg().map(Value::Int).ok_or(Stop::Bail),
                Value::Decimal(d) => Ok(Value::Decimal(-d)),
                _ => Err(Stop::Bail),
            },
            Node::Not(a) => match self.eval(a, slots)? {
                Value::Bool(b) => Ok(Value::Bool(!b)),
                _ => Err(Stop::Bail),
            },
            Node::And(items) => {
                for item in items {
                    match self.eval(item, slots)? {
                        Value::Bool(true) => {}
                        Value::Bool(false) => return Ok(Value::Bool(false)),
                        _ => return Err(Stop::Bail),
                    }
                }
                Ok(Value::Bool(true))
            }
            Node::Or(items) => {
                for item in items {
                    match self.eval(item, slots)? {
                        Value::Bool(false) => {}
                        Value::Bool(true) => return Ok(Value::Bool(true)),
                        _ => return Err(Stop::Bail),
                    }
                }
                Ok(Value::Bool(false))
            }
            Node::Interpolated(parts) => {
                let mut out = String::new();
                for p in parts {
                    let v = self.eval(p, slots)?;
                    out.push_str(&to_text(&v).ok_or(Stop::Bail)?);
                }
                self.text(Cow::Owned(out))
            }
            Node::Array(items) => {
                if self.max_array > 0 && items.len() > self.max_array {
                    return Err(Stop::Bail);
                }
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    out.push(self.eval(item, slots)?);
                }
                Ok(Value::List(out))
            }
            Node::Block(steps) => self.block(steps, slots),
        }
    }

    fn arith(&self, op: Op, a: Value<'a>, b: Value<'a>) -> Out<'a> {
        let dec = |x: Decimal, y: Decimal| -> Option<Decimal> {
            match op {
                Op::Add => x.checked_add(y),
                Op::Sub => x.checked_sub(y),
                Op::Mul => x.checked_mul(y),
                Op::Div => x.checked_div(y),
            }
        };
        let value = match (a, b) {
            (Value::Int(x), Value::Int(y)) => match op {
                Op::Add => x.checked_add(y),
                Op::Sub => x.checked_sub(y),
                Op::Mul => x.checked_mul(y),
                Op::Div => x.checked_div(y),
            }
            .map(Value::Int),
            (Value::Decimal(x), Value::Decimal(y)) => dec(x, y).map(Value::Decimal),
            (Value::Int(x), Value::Decimal(y)) => dec(Decimal::from(x), y).map(Value::Decimal),
            (Value::Decimal(x), Value::Int(y)) => dec(x, Decimal::from(y)).map(Value::Decimal),
            (Value::Str(x), Value::Str(y)) if matches!(op, Op::Add) => {
                return self.text(Cow::Owned(format!("{x}{y}")));
            }
            _ => None,
        };
        value.ok_or(Stop::Bail)
    }

    fn get(&self, base: &Value<'a>, prop: Prop) -> Out<'a> {
        let r = self.record;
        let opt = |s: &'a Option<String>| -> Out<'a> {
            match s {
                Some(s) => self.text(Cow::Borrowed(s)),
                None => Ok(Value::Unit),
            }
        };
        let date = |d: Option<Date>| Ok(d.map_or(Value::Unit, Value::Date));
        match (base, prop) {
            (Value::Record, Prop::Id) => self.text(Cow::Borrowed(&r.id)),
            (Value::Record, Prop::Kind) => self.text(Cow::Borrowed(r.kind.as_str())),
            (Value::Record, Prop::Date) => Ok(Value::Date(r.date)),
            (Value::Record, Prop::Partner) => self.text(Cow::Borrowed(&r.partner)),
            (Value::Record, Prop::Customer) => opt(&r.customer),
            (Value::Record, Prop::Region) => opt(&r.region),
            (Value::Record, Prop::Opportunity) => opt(&r.opportunity),
            (Value::Record, Prop::Stage) => opt(&r.stage),
            (Value::Record, Prop::Asset) => opt(&r.asset),
            (Value::Record, Prop::Agreement) => opt(&r.agreement),
            (Value::Line(i), p) => {
                let line = r.lines.get(*i).ok_or(Stop::Bail)?;
                match p {
                    Prop::Index => i64::try_from(*i).map(Value::Int).map_err(|_| Stop::Bail),
                    Prop::Sku => self.text(Cow::Borrowed(&line.sku)),
                    Prop::Qty => Ok(Value::Int(i64::from(line.qty))),
                    Prop::UnitPrice => Ok(Value::Decimal(*line.unit_price)),
                    Prop::Currency => self.text(Cow::Borrowed(line.currency.as_str())),
                    Prop::Source => opt(&line.source),
                    Prop::Amount => line
                        .unit_price
                        .checked_mul(Decimal::from(line.qty))
                        .map(Value::Decimal)
                        .ok_or(Stop::Bail),
                    _ => Err(Stop::Bail),
                }
            }
            (Value::Partner(p), prop) => match prop {
                Prop::Id => self.text(Cow::Borrowed(&p.id)),
                Prop::Type => self.text(Cow::Borrowed(p.partner_type.as_str())),
                Prop::Region => self.text(Cow::Borrowed(&p.region)),
                Prop::Status => self.text(Cow::Borrowed(&p.status)),
                Prop::ContractSigned => date(p.contract_signed),
                Prop::NdaExpires => date(p.nda_expires),
                Prop::CertifiedUntil => date(p.certified_until),
                _ => Err(Stop::Bail),
            },
            (Value::Date(d), Prop::Year) => Ok(Value::Int(i64::from(d.year()))),
            (Value::Date(d), Prop::Month) => Ok(Value::Int(i64::from(d.month()))),
            (Value::Date(d), Prop::Day) => Ok(Value::Int(i64::from(d.day()))),
            (Value::Catalog(c), Prop::Sku) => self.text(Cow::Borrowed(&c.sku)),
            (Value::Catalog(c), Prop::Genuine) => Ok(Value::Bool(c.genuine)),
            (Value::Catalog(c), Prop::Description) => self.text(Cow::Borrowed(&c.description)),
            _ => Err(Stop::Bail),
        }
    }

    fn call(&self, f: Func, mut it: impl Iterator<Item = Value<'a>>) -> Out<'a> {
        let d = self.data;
        let mut next = || it.next().ok_or(Stop::Bail);
        let s = |v: Value<'a>| match v {
            Value::Str(s) => Ok(s),
            _ => Err(Stop::Bail),
        };
        let day = |v: Value<'a>| match v {
            Value::Date(d) => Ok(d),
            _ => Err(Stop::Bail),
        };
        match f {
            Func::Partner => {
                let id = s(next()?)?;
                Ok(d.partner(&id).map_or(Value::Unit, Value::Partner))
            }
            Func::ListPrice => {
                let (sku, currency, on) = (s(next()?)?, s(next()?)?, day(next()?)?);
                Ok(d.list_price(&sku, &currency, on)
                    .map_or(Value::Unit, |p| Value::Decimal(p.list_price)))
            }
            Func::Catalog => {
                let sku = s(next()?)?;
                Ok(d.catalog_item(&sku).map_or(Value::Unit, Value::Catalog))
            }
            Func::IsApprovedSource => Ok(Value::Bool(d.is_approved_source(&s(next()?)?))),
            Func::InstalledAssets => {
                let partner = s(next()?)?;
                let total = d
                    .installed_base()
                    .iter()
                    .filter(|b| b.partner == *partner)
                    .try_fold(0u64, |sum, b| sum.checked_add(b.assets))
                    .ok_or(Stop::Bail)?;
                i64::try_from(total).map(Value::Int).map_err(|_| Stop::Bail)
            }
            Func::Date => s(next()?)?
                .parse::<Date>()
                .map(Value::Date)
                .map_err(|_| Stop::Bail),
            Func::DaysBetween => {
                let (a, b) = (day(next()?)?, day(next()?)?);
                super::days_between(a, b).map(Value::Int).ok_or(Stop::Bail)
            }
            Func::AddDays => {
                let on = day(next()?)?;
                let Value::Int(n) = next()? else {
                    return Err(Stop::Bail);
                };
                super::add_days(on, n).map(Value::Date).ok_or(Stop::Bail)
            }
            Func::HasDocument => {
                let (Value::Record, kind, Value::Bool(signed)) = (next()?, next()?, next()?) else {
                    return Err(Stop::Bail);
                };
                Ok(Value::Bool(self.record.has_document(&s(kind)?, signed)))
            }
            Func::Decimal => parse_decimal(&s(next()?)?)
                .map(Value::Decimal)
                .map_err(|_| Stop::Bail),
            Func::Finding | Func::LineFinding => {
                let line = if f == Func::LineFinding {
                    match next()? {
                        Value::Int(n) => Value::Int(n),
                        _ => return Err(Stop::Bail),
                    }
                } else {
                    Value::Unit
                };
                let message = s(next()?)?;
                let expected = next().unwrap_or(Value::Unit);
                let actual = next().unwrap_or(Value::Unit);
                Ok(Value::Finding(Box::new(Found {
                    message,
                    expected,
                    actual,
                    line,
                })))
            }
            Func::Contains | Func::StartsWith | Func::EndsWith => {
                let (a, b) = (s(next()?)?, s(next()?)?);
                Ok(Value::Bool(match f {
                    Func::Contains => a.contains(b.as_ref()),
                    Func::StartsWith => a.starts_with(b.as_ref()),
                    _ => a.ends_with(b.as_ref()),
                }))
            }
            Func::Len => i64::try_from(s(next()?)?.chars().count())
                .map(Value::Int)
                .map_err(|_| Stop::Bail),
            Func::IsEmpty => Ok(Value::Bool(s(next()?)?.is_empty())),
        }
    }
}
