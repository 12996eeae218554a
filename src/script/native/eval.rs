//! Running a compiled body on a record. Every step answers as rhai would, or bails (the
//! rule is then judged by rhai on the record): errors, overflows and values whose rhai
//! behaviour is not copied here all bail, so an error's text is always rhai's own.
//!
//! The hot path reads fields in place: a property of a variable is read from the slot
//! without copying the variable, strings are borrowed from the record, the reference data,
//! the parameters or the program, and a host call evaluates its arguments straight into
//! the lookup (no argument list).

use super::compile::{Func, Node, Op, Prop, Step};
use super::value::{Bail, Cmp, Found, Value, compare, to_text};
use crate::date::Date;
use crate::money::parse_decimal;
use crate::record::{CompactString, Record};
use crate::refdata::{Partner, RefData};
use crate::script::params::{Param, Params};
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::cell::Cell;

/// The longest list of parameters `x in params.list` is answered for on the compiled path:
/// rhai counts an operation per item compared, and a node's bound
/// ([`OPS_PER_NODE`](super::compile::OPS_PER_NODE), 8) holds a few items beside the call.
const LIST_IN_BOUND: usize = 4;

/// What stops a body early: a `return` (its value is in [`Cx::returned`], which keeps
/// every result one word of tag and the value), or a bail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stop {
    Return,
    Bail,
}

impl From<Bail> for Stop {
    fn from(_: Bail) -> Self {
        Stop::Bail
    }
}

type Out<'a> = Result<Value<'a>, Stop>;

/// A value read in place for a comparison ([`Cx::peek`]); `No`: not such a read.
#[derive(Debug, Clone, Copy)]
enum Peek<'a> {
    Unit,
    Str(&'a str),
    Date(Date),
    No,
}

/// What a body runs against: values borrow from the record, the parameters and the
/// program for `'a`; the reference data outlives them (`'d`), so the partner looked up
/// here can be kept for the record's next rule.
pub(crate) struct Cx<'a, 'd> {
    pub record: &'a Record,
    pub data: &'d RefData,
    pub params: &'a Params,
    /// `partner(record.partner)` once looked up, for the record's other rules.
    pub partner: Cell<Option<Option<&'d Partner>>>,
    /// The value of the `return` that stopped the body.
    pub returned: Cell<Option<Value<'a>>>,
    /// `max_string_size` (0: none): a longer string is a rhai error, so it bails.
    pub max_string: usize,
    /// `max_array_size` (0: none).
    pub max_array: usize,
}

/// A parameter as a value: lists and tables stay borrowed maps and arrays.
fn param<'a>(p: &'a Param) -> Value<'a> {
    match p {
        Param::Text(s) => Value::Str(Cow::Borrowed(s)),
        Param::Int(n) => Value::Int(*n),
        Param::Decimal(d) => Value::Decimal(*d),
        Param::Bool(b) => Value::Bool(*b),
        Param::Date(d) => Value::Date(*d),
        Param::List(_) | Param::Table(_) => Value::Param(p),
    }
}

impl<'a, 'd: 'a> Cx<'a, 'd> {
    #[inline]
    fn text(&self, s: &'a str) -> Out<'a> {
        if self.max_string > 0 && s.len() > self.max_string {
            return Err(Stop::Bail);
        }
        Ok(Value::Str(Cow::Borrowed(s)))
    }

    fn owned_text(&self, s: String) -> Out<'a> {
        if self.max_string > 0 && s.len() > self.max_string {
            return Err(Stop::Bail);
        }
        Ok(Value::Str(Cow::Owned(s)))
    }

    /// The value of a block: its last statement's, `()` when it has none. The statements
    /// before the last are run for their effects only: their values are never built into
    /// the block's value, moved or dropped on the way.
    pub(crate) fn block(&self, steps: &'a [Step], slots: &mut [Value<'a>]) -> Out<'a> {
        let Some((last, rest)) = steps.split_last() else {
            return Ok(Value::Unit);
        };
        self.run(rest, slots)?;
        match last {
            Step::Expr(e) => self.eval(e, slots),
            Step::If(cond, body, branch) => {
                if self.truth(cond, slots)? {
                    self.block(body, slots)
                } else {
                    self.block(branch, slots)
                }
            }
            other => {
                self.step(other, slots)?;
                Ok(Value::Unit)
            }
        }
    }

    /// Runs statements for their effects (a block whose value is not used).
    fn run(&self, steps: &'a [Step], slots: &mut [Value<'a>]) -> Result<(), Stop> {
        for step in steps {
            self.step(step, slots)?;
        }
        Ok(())
    }

    /// Runs one statement for its effects.
    fn step(&self, step: &'a Step, slots: &mut [Value<'a>]) -> Result<(), Stop> {
        match step {
            Step::Expr(e) => {
                self.eval(e, slots)?;
            }
            Step::Let(slot, e) => {
                let v = self.eval(e, slots)?;
                *slots.get_mut(*slot).ok_or(Stop::Bail)? = v;
            }
            Step::If(cond, body, branch) => {
                if self.truth(cond, slots)? {
                    self.run(body, slots)?;
                } else {
                    self.run(branch, slots)?;
                }
            }
            Step::Return(value) => {
                let v = match value {
                    Some(e) => self.eval(e, slots)?,
                    None => Value::Unit,
                };
                self.returned.set(Some(v));
                return Err(Stop::Return);
            }
            Step::Assign(slot, op, e) => self.assign(*slot, *op, e, slots)?,
            Step::For(slot, list, body) => self.for_loop(*slot, list, body, slots)?,
        }
        Ok(())
    }

    #[inline(never)]
    fn assign(
        &self,
        slot: usize,
        op: Option<Op>,
        e: &'a Node,
        slots: &mut [Value<'a>],
    ) -> Result<(), Stop> {
        let v = self.eval(e, slots)?;
        let target = slots.get_mut(slot).ok_or(Stop::Bail)?;
        *target = match op {
            None => v,
            Some(op) => self.arith(op, std::mem::take(target), v)?,
        };
        Ok(())
    }

    /// `for var in record.lines` (or `.documents`): the body once per item.
    #[inline(never)]
    fn for_loop(
        &self,
        slot: usize,
        list: &'a Node,
        body: &'a [Step],
        slots: &mut [Value<'a>],
    ) -> Result<(), Stop> {
        let (count, item): (usize, fn(usize) -> Value<'a>) = match self.eval(list, slots)? {
            Value::Lines => (self.record.lines.len(), Value::Line),
            Value::Documents => (self.record.documents.len(), Value::Document),
            _ => return Err(Stop::Bail),
        };
        for i in 0..count {
            *slots.get_mut(slot).ok_or(Stop::Bail)? = item(i);
            self.run(body, slots)?;
        }
        Ok(())
    }

    pub(crate) fn eval(&self, node: &'a Node, slots: &mut [Value<'a>]) -> Out<'a> {
        match node {
            Node::Unit => Ok(Value::Unit),
            Node::Bool(b) => Ok(Value::Bool(*b)),
            Node::Int(n) => Ok(Value::Int(*n)),
            Node::Decimal(d) => Ok(Value::Decimal(*d)),
            Node::Str(s) => Ok(Value::Str(Cow::Borrowed(s))),
            Node::Var(slot) => slots.get(*slot).cloned().ok_or(Stop::Bail),
            Node::Get(base, prop, name) => {
                // A variable's property is read in place, without a copy of the variable.
                if let Node::Var(slot) = &**base {
                    let base = slots.get(*slot).ok_or(Stop::Bail)?;
                    return self.get(base, *prop, name);
                }
                let base = self.eval(base, slots)?;
                self.get(&base, *prop, name)
            }
            Node::Call(f, args) => self.call(*f, args, slots),
            Node::RecordPartner(base) => self.record_partner(base, slots),
            Node::Compare(..) | Node::Not(_) | Node::And(_) | Node::Or(_) => {
                self.truth(node, slots).map(Value::Bool)
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
            Node::Interpolated(parts) => self.interpolated(parts, slots),
            Node::Array(items) => self.array(items, slots),
            Node::Push(slot, item) => self.push(*slot, item, slots),
            Node::Memo(slot, inner) => {
                if let Some(v) = slots.get(*slot).filter(|v| !matches!(v, Value::Unset)) {
                    return Ok(v.clone());
                }
                let v = self.eval(inner, slots)?;
                *slots.get_mut(*slot).ok_or(Stop::Bail)? = v.clone();
                Ok(v)
            }
            Node::Block(steps) => self.block(steps, slots),
        }
    }

    /// A value that must be `true` or `false` (a condition, an operand of `!`, `&&`, `||`),
    /// without building a value for the logic and comparisons on the way.
    pub(crate) fn truth(&self, node: &'a Node, slots: &mut [Value<'a>]) -> Result<bool, Stop> {
        match node {
            Node::Bool(b) => Ok(*b),
            Node::Not(a) => Ok(!self.truth(a, slots)?),
            Node::And(items) => {
                for item in items {
                    if !self.truth(item, slots)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Node::Or(items) => {
                for item in items {
                    if self.truth(item, slots)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Node::Compare(op, a, b) => {
                if let Some(answer) = self.compare_in_place(*op, a, b, slots)? {
                    return Ok(answer);
                }
                let a = self.eval(a, slots)?;
                // `x == ()` and `x != ()`: no value to build or compare.
                if let (Node::Unit, Cmp::Eq | Cmp::Ne) = (&**b, op) {
                    return Ok(matches!(a, Value::Unit) == (*op == Cmp::Eq));
                }
                let b = self.eval(b, slots)?;
                Ok(compare(*op, &a, &b)?)
            }
            other => match self.eval(other, slots)? {
                Value::Bool(b) => Ok(b),
                _ => Err(Stop::Bail),
            },
        }
    }

    /// `a op b` decided on values read in place (no [`Value`] built, cloned or dropped)
    /// when both sides are such reads: a string literal, a variable holding `()`, a string
    /// or a date, or a string or date field of a variable's record or partner. `None`:
    /// decide it the general way. Reads in place have no effect, so reading again is safe.
    #[inline]
    fn compare_in_place(
        &self,
        op: Cmp,
        a: &'a Node,
        b: &'a Node,
        slots: &[Value<'a>],
    ) -> Result<Option<bool>, Stop> {
        let x = self.peek(a, slots)?;
        if let Peek::No = x {
            return Ok(None);
        }
        let y = self.peek(b, slots)?;
        Ok(match (x, y, op) {
            (Peek::Str(x), Peek::Str(y), _) => Some(op.holds(x.cmp(y))),
            (Peek::Date(x), Peek::Date(y), _) => Some(op.holds(x.cmp(&y))),
            // `x == ()` and `x != ()`.
            (Peek::Unit, Peek::Unit, Cmp::Eq | Cmp::Ne) => Some(op == Cmp::Eq),
            (Peek::Str(_) | Peek::Date(_), Peek::Unit, Cmp::Eq | Cmp::Ne)
            | (Peek::Unit, Peek::Str(_) | Peek::Date(_), Cmp::Eq | Cmp::Ne) => Some(op == Cmp::Ne),
            _ => None,
        })
    }

    /// What `node` reads, when it is read in place (see [`Cx::compare_in_place`]); a string
    /// over `max_string_size` bails as its getter does.
    #[inline]
    fn peek(&self, node: &'a Node, slots: &[Value<'a>]) -> Result<Peek<'a>, Stop> {
        let text = |s: &'a str| {
            if self.max_string > 0 && s.len() > self.max_string {
                Err(Stop::Bail)
            } else {
                Ok(Peek::Str(s))
            }
        };
        let opt_text = |s: Option<&'a str>| s.map_or(Ok(Peek::Unit), text);
        let date = |d: Option<Date>| Ok(d.map_or(Peek::Unit, Peek::Date));
        let r = self.record;
        match node {
            Node::Unit => Ok(Peek::Unit),
            Node::Str(s) => Ok(Peek::Str(s)),
            Node::Var(slot) => Ok(match slots.get(*slot) {
                Some(Value::Unit) => Peek::Unit,
                Some(Value::Date(d)) => Peek::Date(*d),
                Some(Value::Str(Cow::Borrowed(s))) => Peek::Str(s),
                _ => Peek::No,
            }),
            Node::Get(base, prop, _) => {
                let Node::Var(slot) = &**base else {
                    return Ok(Peek::No);
                };
                match (slots.get(*slot), prop) {
                    (Some(Value::Record), Prop::Id) => text(&r.id),
                    (Some(Value::Record), Prop::Date) => Ok(Peek::Date(r.date)),
                    (Some(Value::Record), Prop::Partner) => text(&r.partner),
                    (Some(Value::Record), Prop::Region) => opt_text(r.region.as_deref()),
                    (Some(Value::Record), Prop::Customer) => opt_text(r.customer.as_deref()),
                    (Some(Value::Partner(p)), Prop::Id) => text(&p.id),
                    (Some(Value::Partner(p)), Prop::Region) => text(&p.region),
                    (Some(Value::Partner(p)), Prop::Status) => text(&p.status),
                    (Some(Value::Partner(p)), Prop::ContractSigned) => date(p.contract_signed),
                    (Some(Value::Partner(p)), Prop::NdaExpires) => date(p.nda_expires),
                    (Some(Value::Partner(p)), Prop::CertifiedUntil) => date(p.certified_until),
                    (Some(Value::Partner(p)), Prop::StatusSince) => date(p.status_since),
                    (Some(Value::Partner(p)), Prop::Jurisdiction) => {
                        opt_text(p.jurisdiction.as_deref())
                    }
                    _ => Ok(Peek::No),
                }
            }
            _ => Ok(Peek::No),
        }
    }

    /// A block that must give `true` or `false` (a condition).
    pub(crate) fn block_truth(
        &self,
        steps: &'a [Step],
        slots: &mut [Value<'a>],
    ) -> Result<bool, Stop> {
        if let [Step::Expr(e)] = steps {
            return self.truth(e, slots);
        }
        match self.block(steps, slots)? {
            Value::Bool(b) => Ok(b),
            _ => Err(Stop::Bail),
        }
    }

    #[inline(never)]
    fn interpolated(&self, parts: &'a [Node], slots: &mut [Value<'a>]) -> Out<'a> {
        let mut out = String::new();
        for p in parts {
            let v = self.eval(p, slots)?;
            out.push_str(&to_text(&v).ok_or(Stop::Bail)?);
        }
        self.owned_text(out)
    }

    #[inline(never)]
    fn array(&self, items: &'a [Node], slots: &mut [Value<'a>]) -> Out<'a> {
        if self.max_array > 0 && items.len() > self.max_array {
            return Err(Stop::Bail);
        }
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.eval(item, slots)?);
        }
        Ok(Value::List(out))
    }

    /// `var.push(item)`: the array in the variable grows in place; `()` is the value.
    #[inline(never)]
    fn push(&self, slot: usize, item: &'a Node, slots: &mut [Value<'a>]) -> Out<'a> {
        let item = self.eval(item, slots)?;
        let Some(Value::List(list)) = slots.get_mut(slot) else {
            return Err(Stop::Bail);
        };
        if self.max_array > 0 && list.len() >= self.max_array {
            return Err(Stop::Bail);
        }
        list.push(item);
        Ok(Value::Unit)
    }

    /// `partner(base.partner)`: the record's partner is looked up once for all its rules.
    fn record_partner(&self, base: &'a Node, slots: &mut [Value<'a>]) -> Out<'a> {
        let found = match self.eval(base, slots)? {
            Value::Record => {
                // Rhai reads the id (a string held to `max_string_size`) whether or not the
                // partner is known already.
                self.text(&self.record.partner)?;
                match self.partner.get() {
                    Some(known) => known,
                    None => {
                        let known = self.data.partner(&self.record.partner);
                        self.partner.set(Some(known));
                        known
                    }
                }
            }
            other => match self.get(&other, Prop::Partner, "partner")? {
                Value::Str(id) => self.data.partner(&id),
                _ => return Err(Stop::Bail),
            },
        };
        Ok(found.map_or(Value::Unit, Value::Partner))
    }

    #[inline(never)]
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
                return self.owned_text(format!("{x}{y}"));
            }
            _ => None,
        };
        value.ok_or(Stop::Bail)
    }

    fn get(&self, base: &Value<'a>, prop: Prop, name: &str) -> Out<'a> {
        let r = self.record;
        let opt = |s: &'a Option<CompactString>| -> Out<'a> {
            match s {
                Some(s) => self.text(s),
                None => Ok(Value::Unit),
            }
        };
        let date = |d: Option<Date>| Ok(d.map_or(Value::Unit, Value::Date));
        match (base, prop) {
            (Value::Record, Prop::Id) => self.text(&r.id),
            (Value::Record, Prop::Kind) => self.text(r.kind.as_str()),
            (Value::Record, Prop::Date) => Ok(Value::Date(r.date)),
            (Value::Record, Prop::Partner) => self.text(&r.partner),
            (Value::Record, Prop::Customer) => opt(&r.customer),
            (Value::Record, Prop::Region) => opt(&r.region),
            (Value::Record, Prop::Opportunity) => opt(&r.opportunity),
            (Value::Record, Prop::Stage) => opt(&r.stage),
            (Value::Record, Prop::Asset) => opt(&r.asset),
            (Value::Record, Prop::Agreement) => opt(&r.agreement),
            (Value::Record, Prop::Invoice) => opt(&r.invoice),
            (Value::Record, Prop::OrderDate) => date(r.order_date),
            (Value::Record, Prop::Lines) => self.items(r.lines.len(), Value::Lines),
            (Value::Record, Prop::Documents) => self.items(r.documents.len(), Value::Documents),
            (Value::Line(i), p) => {
                let line = r.lines.get(*i).ok_or(Stop::Bail)?;
                match p {
                    Prop::Index => i64::try_from(*i).map(Value::Int).map_err(|_| Stop::Bail),
                    Prop::Sku => self.text(&line.sku),
                    Prop::Qty => Ok(Value::Int(i64::from(line.qty))),
                    Prop::UnitPrice => Ok(Value::Decimal(*line.unit_price)),
                    Prop::Currency => self.text(line.currency.as_str()),
                    Prop::Source => opt(&line.source),
                    Prop::Amount => line
                        .unit_price
                        .checked_mul(Decimal::from(line.qty))
                        .map(Value::Decimal)
                        .ok_or(Stop::Bail),
                    _ => Err(Stop::Bail),
                }
            }
            (Value::Document(i), p) => {
                let doc = r.documents.get(*i).ok_or(Stop::Bail)?;
                match p {
                    Prop::Kind => self.text(&doc.kind),
                    Prop::Ref => opt(&doc.reference),
                    Prop::Signed => Ok(Value::Bool(doc.signed)),
                    _ => Err(Stop::Bail),
                }
            }
            (Value::Partner(p), prop) => match prop {
                Prop::Id => self.text(&p.id),
                Prop::Type => self.text(p.partner_type.as_str()),
                Prop::Region => self.text(&p.region),
                Prop::Status => self.text(&p.status),
                Prop::ContractSigned => date(p.contract_signed),
                Prop::NdaExpires => date(p.nda_expires),
                Prop::CertifiedUntil => date(p.certified_until),
                Prop::StatusSince => date(p.status_since),
                Prop::Jurisdiction => match &p.jurisdiction {
                    Some(j) => self.text(j),
                    None => Ok(Value::Unit),
                },
                _ => Err(Stop::Bail),
            },
            (Value::Date(d), Prop::Year) => Ok(Value::Int(i64::from(d.year()))),
            (Value::Date(d), Prop::Month) => Ok(Value::Int(i64::from(d.month()))),
            (Value::Date(d), Prop::Day) => Ok(Value::Int(i64::from(d.day()))),
            (Value::Catalog(c), Prop::Sku) => self.text(&c.sku),
            (Value::Catalog(c), Prop::Genuine) => Ok(Value::Bool(c.genuine)),
            (Value::Catalog(c), Prop::Description) => self.text(&c.description),
            // A key of the parameters; one that is missing is left to rhai.
            (Value::Params, _) => self.checked(param(self.params.get(name).ok_or(Stop::Bail)?)),
            (Value::Param(Param::Table(t)), _) => {
                self.checked(param(t.get(name).ok_or(Stop::Bail)?))
            }
            _ => Err(Stop::Bail),
        }
    }

    /// A parameter's text is held to `max_string_size` like any string a getter gives.
    fn checked(&self, v: Value<'a>) -> Out<'a> {
        match v {
            Value::Str(Cow::Borrowed(s)) => self.text(s),
            v => Ok(v),
        }
    }

    /// `record.lines` or `record.documents`: an array rhai holds to `max_array_size`.
    fn items(&self, len: usize, v: Value<'a>) -> Out<'a> {
        if self.max_array > 0 && len > self.max_array {
            return Err(Stop::Bail);
        }
        Ok(v)
    }

    /// The value of argument `i`.
    #[inline]
    fn arg(&self, args: &'a [Node], i: usize, slots: &mut [Value<'a>]) -> Out<'a> {
        self.eval(args.get(i).ok_or(Stop::Bail)?, slots)
    }

    /// Argument `i`, which must be a string.
    #[inline]
    fn str_arg(
        &self,
        args: &'a [Node],
        i: usize,
        slots: &mut [Value<'a>],
    ) -> Result<Cow<'a, str>, Stop> {
        match self.arg(args, i, slots)? {
            Value::Str(s) => Ok(s),
            _ => Err(Stop::Bail),
        }
    }

    /// Argument `i`, which must be a date.
    fn date_arg(&self, args: &'a [Node], i: usize, slots: &mut [Value<'a>]) -> Result<Date, Stop> {
        match self.arg(args, i, slots)? {
            Value::Date(d) => Ok(d),
            _ => Err(Stop::Bail),
        }
    }

    fn call(&self, f: Func, args: &'a [Node], slots: &mut [Value<'a>]) -> Out<'a> {
        let d = self.data;
        match f {
            Func::Partner => {
                let id = self.str_arg(args, 0, slots)?;
                Ok(d.partner(&id).map_or(Value::Unit, Value::Partner))
            }
            Func::ListPrice => {
                let sku = self.str_arg(args, 0, slots)?;
                let currency = self.str_arg(args, 1, slots)?;
                let on = self.date_arg(args, 2, slots)?;
                Ok(d.list_price(&sku, &currency, on)
                    .map_or(Value::Unit, |p| Value::Decimal(p.list_price)))
            }
            Func::Catalog => {
                let sku = self.str_arg(args, 0, slots)?;
                Ok(d.catalog_item(&sku).map_or(Value::Unit, Value::Catalog))
            }
            Func::IsApprovedSource => {
                let source = self.str_arg(args, 0, slots)?;
                Ok(Value::Bool(d.is_approved_source(&source)))
            }
            Func::InstalledAssets => {
                let partner = self.str_arg(args, 0, slots)?;
                let total = d
                    .installed_base()
                    .iter()
                    .filter(|b| b.partner == *partner)
                    .try_fold(0u64, |sum, b| sum.checked_add(b.assets))
                    .ok_or(Stop::Bail)?;
                i64::try_from(total).map(Value::Int).map_err(|_| Stop::Bail)
            }
            Func::Date => self
                .str_arg(args, 0, slots)?
                .parse::<Date>()
                .map(Value::Date)
                .map_err(|_| Stop::Bail),
            Func::DaysBetween => {
                let a = self.date_arg(args, 0, slots)?;
                let b = self.date_arg(args, 1, slots)?;
                super::days_between(a, b).map(Value::Int).ok_or(Stop::Bail)
            }
            Func::AddDays => {
                let on = self.date_arg(args, 0, slots)?;
                let Value::Int(n) = self.arg(args, 1, slots)? else {
                    return Err(Stop::Bail);
                };
                super::add_days(on, n).map(Value::Date).ok_or(Stop::Bail)
            }
            Func::HasDocument => {
                let (Value::Record, kind, Value::Bool(signed)) = (
                    self.arg(args, 0, slots)?,
                    self.str_arg(args, 1, slots)?,
                    self.arg(args, 2, slots)?,
                ) else {
                    return Err(Stop::Bail);
                };
                Ok(Value::Bool(self.record.has_document(&kind, signed)))
            }
            Func::Decimal => parse_decimal(&self.str_arg(args, 0, slots)?)
                .map(Value::Decimal)
                .map_err(|_| Stop::Bail),
            Func::Finding | Func::LineFinding => self.finding(f, args, slots),
            Func::Contains | Func::StartsWith | Func::EndsWith => {
                let a = match self.arg(args, 0, slots)? {
                    Value::Str(s) => s,
                    // `x in params.list` (rhai's `contains` of an array): a short list of
                    // texts, so the operations rhai counts stay within the node's bound.
                    Value::Param(Param::List(items))
                        if f == Func::Contains && items.len() <= LIST_IN_BOUND =>
                    {
                        let b = self.str_arg(args, 1, slots)?;
                        let mut found = false;
                        for item in items {
                            let Param::Text(t) = item else {
                                return Err(Stop::Bail);
                            };
                            found |= *t == *b;
                        }
                        return Ok(Value::Bool(found));
                    }
                    _ => return Err(Stop::Bail),
                };
                let b = self.str_arg(args, 1, slots)?;
                Ok(Value::Bool(match f {
                    Func::Contains => a.contains(b.as_ref()),
                    Func::StartsWith => a.starts_with(b.as_ref()),
                    _ => a.ends_with(b.as_ref()),
                }))
            }
            Func::Len => i64::try_from(self.str_arg(args, 0, slots)?.chars().count())
                .map(Value::Int)
                .map_err(|_| Stop::Bail),
            Func::IsEmpty => Ok(Value::Bool(self.str_arg(args, 0, slots)?.is_empty())),
        }
    }

    /// `finding(message[, expected, actual])` or `line_finding(line, message, expected,
    /// actual)`: the map rhai would build, kept typed until the host reads it.
    #[inline(never)]
    fn finding(&self, f: Func, args: &'a [Node], slots: &mut [Value<'a>]) -> Out<'a> {
        let (line, rest) = if f == Func::LineFinding {
            match self.arg(args, 0, slots)? {
                Value::Int(n) => (Value::Int(n), args.get(1..).ok_or(Stop::Bail)?),
                _ => return Err(Stop::Bail),
            }
        } else {
            (Value::Unit, args)
        };
        let message = self.str_arg(rest, 0, slots)?;
        let optional = |i: usize, slots: &mut [Value<'a>]| match rest.get(i) {
            Some(node) => self.eval(node, slots),
            None => Ok(Value::Unit),
        };
        let expected = optional(1, slots)?;
        let actual = optional(2, slots)?;
        Ok(Value::Finding(Box::new(Found {
            message,
            expected,
            actual,
            line,
        })))
    }
}
