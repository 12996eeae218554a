//! Translating rhai's AST into the compiled path's tree, once, when the pack loads. What is
//! outside the subset is refused with the reason, and the rule stays on rhai.

use super::value::Cmp;
use rhai::{AST, ASTNode, Dynamic, Expr, FnCallExpr, Stmt};
use rust_decimal::Decimal;
use std::sync::Arc;

/// A node of an expression.
#[derive(Debug)]
pub(crate) enum Node {
    Unit,
    Bool(bool),
    Int(i64),
    Decimal(Decimal),
    Str(Arc<str>),
    /// A variable, by slot.
    Var(usize),
    Get(Box<Node>, Prop),
    Call(Func, Vec<Node>),
    Compare(Cmp, Box<Node>, Box<Node>),
    Arith(Op, Box<Node>, Box<Node>),
    Neg(Box<Node>),
    Not(Box<Node>),
    And(Vec<Node>),
    Or(Vec<Node>),
    /// A template string: its parts, printed and joined.
    Interpolated(Vec<Node>),
    Array(Vec<Node>),
    Block(Vec<Step>),
}

/// A statement.
#[derive(Debug)]
pub(crate) enum Step {
    Let(usize, Node),
    Expr(Node),
    If(Node, Vec<Step>, Vec<Step>),
    Return(Option<Node>),
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

/// The host functions and methods of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Func {
    Partner,
    ListPrice,
    Catalog,
    IsApprovedSource,
    InstalledAssets,
    Date,
    DaysBetween,
    AddDays,
    HasDocument,
    Decimal,
    Finding,
    LineFinding,
    Contains,
    StartsWith,
    EndsWith,
    Len,
    IsEmpty,
}

/// The getters of the subset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prop {
    Id,
    Kind,
    Date,
    Partner,
    Customer,
    Region,
    Opportunity,
    Stage,
    Asset,
    Agreement,
    Index,
    Sku,
    Qty,
    UnitPrice,
    Currency,
    Source,
    Amount,
    Ref,
    Signed,
    Type,
    Status,
    ContractSigned,
    NdaExpires,
    CertifiedUntil,
    Year,
    Month,
    Day,
    Genuine,
    Description,
}

impl Prop {
    fn named(name: &str) -> Option<Prop> {
        Some(match name {
            "id" => Prop::Id,
            "kind" => Prop::Kind,
            "date" => Prop::Date,
            "partner" => Prop::Partner,
            "customer" => Prop::Customer,
            "region" => Prop::Region,
            "opportunity" => Prop::Opportunity,
            "stage" => Prop::Stage,
            "asset" => Prop::Asset,
            "agreement" => Prop::Agreement,
            "index" => Prop::Index,
            "sku" => Prop::Sku,
            "qty" => Prop::Qty,
            "unit_price" => Prop::UnitPrice,
            "currency" => Prop::Currency,
            "source" => Prop::Source,
            "amount" => Prop::Amount,
            "ref" => Prop::Ref,
            "signed" => Prop::Signed,
            "type" => Prop::Type,
            "status" => Prop::Status,
            "contract_signed" => Prop::ContractSigned,
            "nda_expires" => Prop::NdaExpires,
            "certified_until" => Prop::CertifiedUntil,
            "year" => Prop::Year,
            "month" => Prop::Month,
            "day" => Prop::Day,
            "genuine" => Prop::Genuine,
            "description" => Prop::Description,
            _ => return None,
        })
    }
}

/// A host function by name and number of arguments (a method's receiver counts).
fn func(name: &str, arity: usize) -> Option<Func> {
    Some(match (name, arity) {
        ("partner", 1) => Func::Partner,
        ("list_price", 3) => Func::ListPrice,
        ("catalog", 1) => Func::Catalog,
        ("is_approved_source", 1) => Func::IsApprovedSource,
        ("installed_assets", 1) => Func::InstalledAssets,
        ("date", 1) => Func::Date,
        ("days_between", 2) => Func::DaysBetween,
        ("add_days", 2) => Func::AddDays,
        ("has_document", 3) => Func::HasDocument,
        ("decimal", 1) => Func::Decimal,
        ("finding", 1 | 3) => Func::Finding,
        ("line_finding", 4) => Func::LineFinding,
        ("contains", 2) => Func::Contains,
        ("starts_with", 2) => Func::StartsWith,
        ("ends_with", 2) => Func::EndsWith,
        ("len", 1) => Func::Len,
        ("is_empty", 1) => Func::IsEmpty,
        _ => return None,
    })
}

/// Why a policy stays on rhai.
pub(crate) type Refusal = String;

/// A compiled body: its statements, the variable slots it needs and the operations rhai
/// could spend on it at most (a bound, see [`Translator::nodes`]).
#[derive(Debug)]
pub(crate) struct Body {
    pub steps: Vec<Step>,
    pub slots: usize,
    /// AST nodes translated: rhai counts an operation per statement and expression and a
    /// few per call or property, so [`OPS_PER_NODE`] times this bounds its count.
    pub nodes: u64,
}

/// Operations rhai may count for one translated node, at most: one for the expression
/// or statement, one for a call or property step, one more for the call's own tracking;
/// twice that for a margin.
pub(crate) const OPS_PER_NODE: u64 = 8;

/// Variables the compiled body holds at once, at most (rhai's fixed bound is
/// `sandbox::MAX_VARIABLES`; a body is far below it or stays on rhai).
const MAX_SLOTS: usize = 64;

struct Translator {
    /// Names in scope, innermost last, with their slots.
    scope: Vec<(String, usize)>,
    slots: usize,
    nodes: u64,
}

impl Translator {
    fn new(names: &[&str]) -> Translator {
        Translator {
            scope: names
                .iter()
                .enumerate()
                .map(|(i, n)| ((*n).to_owned(), i))
                .collect(),
            slots: names.len(),
            nodes: 0,
        }
    }

    fn finish(self, steps: Vec<Step>) -> Body {
        Body {
            steps,
            slots: self.slots,
            nodes: self.nodes,
        }
    }

    fn block(&mut self, stmts: &[Stmt]) -> Result<Vec<Step>, Refusal> {
        let depth = self.scope.len();
        let out = stmts
            .iter()
            .filter(|s| !matches!(s, Stmt::Noop(_)))
            .map(|s| self.stmt(s))
            .collect();
        self.scope.truncate(depth);
        out
    }

    fn stmt(&mut self, stmt: &Stmt) -> Result<Step, Refusal> {
        self.nodes = self.nodes.saturating_add(1);
        Ok(match stmt {
            Stmt::Expr(e) => Step::Expr(self.expr(e)?),
            Stmt::FnCall(call, _) => Step::Expr(self.call(call)?),
            Stmt::Block(b) => Step::Expr(Node::Block(self.block(b.statements())?)),
            Stmt::If(flow, _) => {
                let cond = self.expr(&flow.expr)?;
                let body = self.block(flow.body.statements())?;
                let branch = self.block(flow.branch.statements())?;
                Step::If(cond, body, branch)
            }
            Stmt::Var(var, _, _) => {
                let value = self.expr(&var.1)?;
                let slot = self.slots;
                if slot >= MAX_SLOTS {
                    return Err(format!("more than {MAX_SLOTS} variables"));
                }
                self.slots = slot.saturating_add(1);
                self.scope.push((var.0.name.to_string(), slot));
                Step::Let(slot, value)
            }
            Stmt::Return(value, flags, _) => {
                if flags.contains(rhai::ASTFlags::BREAK) {
                    return Err("`throw`".to_owned());
                }
                Step::Return(value.as_deref().map(|e| self.expr(e)).transpose()?)
            }
            Stmt::For(..) | Stmt::While(..) | Stmt::Do(..) => {
                return Err("a loop (loops run on rhai for now)".to_owned());
            }
            Stmt::Switch(..) => return Err("`switch`".to_owned()),
            Stmt::TryCatch(..) => return Err("`try`".to_owned()),
            Stmt::Assignment(..) => return Err("an assignment".to_owned()),
            Stmt::BreakLoop(..) => return Err("`break`".to_owned()),
            _ => return Err("a statement outside the compiled subset".to_owned()),
        })
    }

    fn var(&self, name: &str) -> Result<usize, Refusal> {
        self.scope
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, slot)| *slot)
            .ok_or_else(|| format!("the variable `{name}`"))
    }

    fn constant(value: &Dynamic) -> Result<Node, Refusal> {
        if value.is_unit() {
            Ok(Node::Unit)
        } else if let Ok(b) = value.as_bool() {
            Ok(Node::Bool(b))
        } else if let Ok(n) = value.as_int() {
            Ok(Node::Int(n))
        } else if let Ok(d) = value.as_decimal() {
            Ok(Node::Decimal(d))
        } else if let Some(s) = value.read_lock::<rhai::ImmutableString>() {
            Ok(Node::Str(Arc::from(s.as_str())))
        } else {
            Err(format!("a constant of type `{}`", value.type_name()))
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<Node, Refusal> {
        self.nodes = self.nodes.saturating_add(1);
        Ok(match e {
            Expr::Unit(_) => Node::Unit,
            Expr::BoolConstant(b, _) => Node::Bool(*b),
            Expr::IntegerConstant(n, _) => Node::Int(*n),
            Expr::StringConstant(s, _) => Node::Str(Arc::from(s.as_str())),
            Expr::DynamicConstant(d, _) => Self::constant(d)?,
            Expr::Variable(x, _, _) => Node::Var(self.var(x.1.as_str())?),
            Expr::InterpolatedString(parts, _) => Node::Interpolated(
                parts
                    .iter()
                    .map(|p| self.expr(p))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Array(items, _) => Node::Array(
                items
                    .iter()
                    .map(|p| self.expr(p))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::And(items, _) => Node::And(
                items
                    .iter()
                    .map(|p| self.expr(p))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(items, _) => Node::Or(
                items
                    .iter()
                    .map(|p| self.expr(p))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Stmt(block) => Node::Block(self.block(block.statements())?),
            Expr::FnCall(call, _) => self.call(call)?,
            Expr::Dot(b, flags, _) => {
                if flags.contains(rhai::ASTFlags::NEGATED) {
                    return Err("`?.`".to_owned());
                }
                let base = self.expr(&b.lhs)?;
                self.chain(base, &b.rhs)?
            }
            Expr::Index(..) => return Err("indexing (`[...]`)".to_owned()),
            Expr::Map(..) => return Err("an object map literal".to_owned()),
            Expr::Coalesce(..) => return Err("`??`".to_owned()),
            Expr::CharConstant(..) => return Err("a character literal".to_owned()),
            _ => return Err("an expression outside the compiled subset".to_owned()),
        })
    }

    /// `base.rhs`: a property, a method call, or a chain of them.
    fn chain(&mut self, base: Node, rhs: &Expr) -> Result<Node, Refusal> {
        self.nodes = self.nodes.saturating_add(1);
        match rhs {
            Expr::Property(p, _) => {
                let name = p.2.as_str();
                let prop = Prop::named(name).ok_or_else(|| format!("the property `{name}`"))?;
                Ok(Node::Get(Box::new(base), prop))
            }
            Expr::MethodCall(call, _) => {
                let f = func(call.name.as_str(), call.args.len().saturating_add(1))
                    .ok_or_else(|| format!("the method `{}`", call.name))?;
                let mut args = vec![base];
                for a in &call.args {
                    args.push(self.expr(a)?);
                }
                Ok(Node::Call(f, args))
            }
            Expr::Dot(b, flags, _) => {
                if flags.contains(rhai::ASTFlags::NEGATED) {
                    return Err("`?.`".to_owned());
                }
                let inner = self.chain(base, &b.lhs)?;
                self.chain(inner, &b.rhs)
            }
            _ => Err("indexing (`[...]`)".to_owned()),
        }
    }

    fn call(&mut self, call: &FnCallExpr) -> Result<Node, Refusal> {
        self.nodes = self.nodes.saturating_add(1);
        let name = call.name.as_str();
        let args: Vec<Node> = call
            .args
            .iter()
            .map(|a| self.expr(a))
            .collect::<Result<_, _>>()?;
        let two = |args: Vec<Node>| -> Option<(Box<Node>, Box<Node>)> {
            let mut it = args.into_iter();
            match (it.next(), it.next(), it.next()) {
                (Some(a), Some(b), None) => Some((Box::new(a), Box::new(b))),
                _ => None,
            }
        };
        let cmp = match name {
            "==" => Some(Cmp::Eq),
            "!=" => Some(Cmp::Ne),
            "<" => Some(Cmp::Lt),
            "<=" => Some(Cmp::Le),
            ">" => Some(Cmp::Gt),
            ">=" => Some(Cmp::Ge),
            _ => None,
        };
        let op = match name {
            "+" => Some(Op::Add),
            "-" => Some(Op::Sub),
            "*" => Some(Op::Mul),
            "/" => Some(Op::Div),
            _ => None,
        };
        if args.len() == 2 {
            if let Some(c) = cmp {
                let (a, b) = two(args).ok_or("a comparison")?;
                return Ok(Node::Compare(c, a, b));
            }
            if let Some(o) = op {
                let (a, b) = two(args).ok_or("an operator")?;
                return Ok(Node::Arith(o, a, b));
            }
        }
        if args.len() == 1 && (name == "-" || name == "!") {
            let a = Box::new(args.into_iter().next().ok_or("an operator")?);
            return Ok(if name == "-" {
                Node::Neg(a)
            } else {
                Node::Not(a)
            });
        }
        let f = func(name, args.len()).ok_or_else(|| format!("the function `{name}`"))?;
        Ok(Node::Call(f, args))
    }
}

/// The compiled `check(record)` of a script, or why it stays on rhai. Only `check` may be
/// defined: a script's own functions (which could also shadow the API) stay on rhai.
pub(crate) fn script(ast: &AST, entry: &str) -> Result<Body, Refusal> {
    let mut param = None;
    for f in ast.iter_functions() {
        if f.name != entry {
            return Err(format!("it defines its own function `{}`", f.name));
        }
        if f.params.len() != 1 {
            return Err("`check` reads `params`".to_owned());
        }
        param = f.params.first().map(|p| (*p).to_owned());
    }
    let param = param.ok_or("no `check`")?;
    if !ast.statements().is_empty() {
        return Err("statements outside `check`".to_owned());
    }
    // The body of `check` is reached through `walk` (rhai does not name its type): its
    // statements are the nodes at depth one, in order.
    let mut t = Translator::new(&[param.as_str()]);
    let mut steps = Ok(Vec::new());
    ast.walk(&mut |path: &[ASTNode]| {
        if let ([ASTNode::Stmt(stmt)], Ok(out)) = (path, &mut steps) {
            if !matches!(stmt, Stmt::Noop(_)) {
                match t.stmt(stmt) {
                    Ok(step) => out.push(step),
                    Err(e) => steps = Err(e),
                }
            }
        }
        steps.is_ok()
    });
    let steps = steps?;
    Ok(t.finish(steps))
}

/// The slot of `record`, and of `line` and `index` in an `each_line` condition.
pub(crate) const RECORD: usize = 0;
pub(crate) const LINE: usize = 1;
pub(crate) const INDEX: usize = 2;

/// A compiled condition or template, or why it stays on rhai.
pub(crate) fn expression(ast: &AST, each_line: bool) -> Result<Body, Refusal> {
    if ast.iter_functions().next().is_some() {
        return Err("it defines a function".to_owned());
    }
    let names: &[&str] = if each_line {
        &["record", "line", "index"]
    } else {
        &["record"]
    };
    let mut t = Translator::new(names);
    let steps = t.block(ast.statements())?;
    Ok(t.finish(steps))
}
