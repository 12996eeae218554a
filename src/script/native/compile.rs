//! Translating rhai's AST into the compiled path's tree, once, when the pack loads. What is
//! outside the subset is refused with the reason, and the rule stays on rhai.

use super::value::Cmp;
use rhai::{AST, ASTNode, Dynamic, Expr, FnCallExpr, Stmt};
use rust_decimal::Decimal;
use std::sync::Arc;

/// A node of an expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Unit,
    Bool(bool),
    Int(i64),
    Decimal(Decimal),
    Str(Arc<str>),
    /// A variable, by slot.
    Var(usize),
    /// A property: a getter of the subset, or a key of `params` (by name).
    Get(Box<Node>, Prop, Box<str>),
    Call(Func, Box<[Node]>),
    /// `partner(x.partner)`: looked up once per record when `x` is the record.
    RecordPartner(Box<Node>),
    /// `var.push(value)` on an array variable.
    Push(usize, Box<Node>),
    /// A lookup asked more than once in a body with the same arguments: made once per
    /// run of the body and kept in the slot (see [`Body::memo`]).
    Memo(usize, Box<Node>),
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
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    Let(usize, Node),
    Expr(Node),
    If(Node, Vec<Step>, Vec<Step>),
    Return(Option<Node>),
    /// `var = value`, or `var op= value`.
    Assign(usize, Option<Op>, Node),
    /// `for var in list { body }` over `record.lines` or `record.documents`.
    For(usize, Node, Vec<Step>),
}

/// Arithmetic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    Invoice,
    OrderDate,
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
    StatusSince,
    Jurisdiction,
    Year,
    Month,
    Day,
    Genuine,
    Description,
    Lines,
    Documents,
    /// Any other name: only a key of `params` (a map) answers it.
    Other,
}

impl Prop {
    fn named(name: &str) -> Prop {
        match name {
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
            "invoice" => Prop::Invoice,
            "order_date" => Prop::OrderDate,
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
            "status_since" => Prop::StatusSince,
            "jurisdiction" => Prop::Jurisdiction,
            "year" => Prop::Year,
            "month" => Prop::Month,
            "day" => Prop::Day,
            "genuine" => Prop::Genuine,
            "description" => Prop::Description,
            "lines" => Prop::Lines,
            "documents" => Prop::Documents,
            _ => Prop::Other,
        }
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

/// Whether `node` gives the same value wherever it appears in one run of a body: it reads
/// only constants and the arguments (`record`, `params`, `line`, `index`, which no
/// statement changes), through getters and lookups.
fn stable(node: &Node, fixed: usize) -> bool {
    match node {
        Node::Unit | Node::Bool(_) | Node::Int(_) | Node::Decimal(_) | Node::Str(_) => true,
        Node::Var(slot) => *slot < fixed,
        Node::Get(base, _, _) | Node::RecordPartner(base) => stable(base, fixed),
        Node::Call(f, args) => lookup(*f) && args.iter().all(|a| stable(a, fixed)),
        _ => false,
    }
}

/// Host functions that only look something up (no value is built for the caller).
fn lookup(f: Func) -> bool {
    matches!(
        f,
        Func::ListPrice | Func::Catalog | Func::IsApprovedSource | Func::InstalledAssets
    )
}

/// Visits the nodes of `steps`, outermost first; `f` says whether to go inside.
fn visit(steps: &mut [Step], f: &mut impl FnMut(&mut Node) -> bool) {
    for step in steps {
        match step {
            Step::Let(_, n) | Step::Expr(n) | Step::Assign(_, _, n) | Step::Return(Some(n)) => {
                visit_node(n, f);
            }
            Step::If(c, a, b) => {
                visit_node(c, f);
                visit(a, f);
                visit(b, f);
            }
            Step::For(_, list, body) => {
                visit_node(list, f);
                visit(body, f);
            }
            Step::Return(None) => {}
        }
    }
}

fn visit_node(node: &mut Node, f: &mut impl FnMut(&mut Node) -> bool) {
    if !f(node) {
        return;
    }
    match node {
        Node::Get(a, _, _)
        | Node::RecordPartner(a)
        | Node::Push(_, a)
        | Node::Memo(_, a)
        | Node::Neg(a)
        | Node::Not(a) => visit_node(a, f),
        Node::Compare(_, a, b) | Node::Arith(_, a, b) => {
            visit_node(a, f);
            visit_node(b, f);
        }
        Node::Call(_, items) => items.iter_mut().for_each(|n| visit_node(n, f)),
        Node::And(items) | Node::Or(items) | Node::Interpolated(items) | Node::Array(items) => {
            items.iter_mut().for_each(|n| visit_node(n, f));
        }
        Node::Block(steps) => visit(steps, f),
        Node::Unit
        | Node::Bool(_)
        | Node::Int(_)
        | Node::Decimal(_)
        | Node::Str(_)
        | Node::Var(_) => {}
    }
}

/// Lookups asked twice or more with the same arguments in one body (`list_price(line.sku,
/// ...)` in a condition and again in its comparison) become [`Node::Memo`]s in slots from
/// `first` on: made once per run of the body. Returns how many slots they take.
fn share_lookups(steps: &mut [Step], fixed: usize, first: usize) -> usize {
    let mut seen: Vec<(Node, usize)> = Vec::new();
    visit(steps, &mut |node| {
        if matches!(node, Node::Call(..)) && stable(node, fixed) {
            match seen.iter_mut().find(|(n, _)| n == node) {
                Some((_, count)) => *count = count.saturating_add(1),
                None => seen.push((node.clone(), 1)),
            }
        }
        true
    });
    seen.retain(|(_, count)| *count > 1);
    if seen.is_empty() || first.saturating_add(seen.len()) > MAX_SLOTS {
        return 0;
    }
    visit(steps, &mut |node| {
        let Some(k) = seen.iter().position(|(n, _)| n == node) else {
            return true;
        };
        let inner = std::mem::replace(node, Node::Unit);
        *node = Node::Memo(first.saturating_add(k), Box::new(inner));
        false
    });
    seen.len()
}

/// Why a policy stays on rhai.
pub(crate) type Refusal = String;

/// A compiled body: its statements, the variable slots it needs and the operations rhai
/// could spend on it at most (a bound, see [`Translator::nodes`]).
#[derive(Debug)]
pub(crate) struct Body {
    pub steps: Vec<Step>,
    pub slots: usize,
    /// AST nodes translated outside loops: rhai counts an operation per statement and
    /// expression and a few per call or property, so [`OPS_PER_NODE`] times this bounds
    /// its count.
    pub nodes: u64,
    /// AST nodes inside loops, counted once: each runs once per line or document (a loop
    /// runs over one of them, and loops do not nest).
    pub loop_nodes: u64,
    /// Whether `check` takes `params` (its second argument, slot [`PARAMS`]).
    pub takes_params: bool,
    /// The slots of [`Node::Memo`], emptied before each run of the body.
    pub memo: std::ops::Range<usize>,
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
    /// Nodes counted while inside the loop being translated.
    in_loop: Option<u64>,
    /// Nodes inside every loop translated (see [`Body::loop_nodes`]).
    loop_nodes_seen: u64,
    /// Slots bound by the caller (the arguments), which no statement may assign.
    fixed: usize,
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
            in_loop: None,
            loop_nodes_seen: 0,
            fixed: names.len(),
        }
    }

    fn finish(self, mut steps: Vec<Step>, takes_params: bool) -> Body {
        let first = self.slots;
        let shared = share_lookups(&mut steps, self.fixed, first);
        Body {
            steps,
            slots: first.saturating_add(shared),
            nodes: self.nodes,
            loop_nodes: self.loop_nodes_seen,
            takes_params,
            memo: first..first.saturating_add(shared),
        }
    }

    /// Counts a translated node (see [`Body::nodes`]).
    fn node(&mut self) {
        match &mut self.in_loop {
            Some(n) => *n = n.saturating_add(1),
            None => self.nodes = self.nodes.saturating_add(1),
        }
    }

    /// A new variable slot named `name`, in scope until its block ends.
    fn bind(&mut self, name: &str) -> Result<usize, Refusal> {
        let slot = self.slots;
        if slot >= MAX_SLOTS {
            return Err(format!("more than {MAX_SLOTS} variables"));
        }
        self.slots = slot.saturating_add(1);
        self.scope.push((name.to_owned(), slot));
        Ok(slot)
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
        self.node();
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
                Step::Let(self.bind(var.0.name.as_str())?, value)
            }
            Stmt::Return(value, flags, _) => {
                if flags.contains(rhai::ASTFlags::BREAK) {
                    return Err("`throw`".to_owned());
                }
                Step::Return(value.as_deref().map(|e| self.expr(e)).transpose()?)
            }
            Stmt::For(x, _) => self.for_loop(x)?,
            Stmt::While(..) | Stmt::Do(..) => {
                return Err("a `while` or `loop` (only `for` is compiled)".to_owned());
            }
            Stmt::Switch(..) => return Err("`switch`".to_owned()),
            Stmt::TryCatch(..) => return Err("`try`".to_owned()),
            Stmt::Assignment(x) => self.assignment(&x.0, &x.1)?,
            Stmt::BreakLoop(..) => return Err("`break`".to_owned()),
            _ => return Err("a statement outside the compiled subset".to_owned()),
        })
    }

    /// `for var in list { body }` (or `for (var, i) in ...`): only over `.lines` or
    /// `.documents`, whose length bounds the operations; loops do not nest.
    fn for_loop(
        &mut self,
        x: &(rhai::Ident, Option<rhai::Ident>, rhai::FlowControl),
    ) -> Result<Step, Refusal> {
        let (var, counter, flow) = x;
        if counter.is_some() {
            return Err("a `for` with a counter".to_owned());
        }
        if self.in_loop.is_some() {
            return Err("a loop inside a loop".to_owned());
        }
        let list = self.expr(&flow.expr)?;
        if !matches!(&list, Node::Get(_, Prop::Lines | Prop::Documents, _)) {
            return Err("a `for` over something other than `lines` or `documents`".to_owned());
        }
        self.in_loop = Some(0);
        let depth = self.scope.len();
        let slot = self.bind(var.name.as_str())?;
        let body = self.block(flow.body.statements());
        self.scope.truncate(depth);
        // Counted once more per iteration: the loop's own step.
        self.node();
        // Loops do not nest, so what was counted inside is this loop's alone.
        let counted = self.in_loop.take().unwrap_or(0);
        self.loop_nodes_seen = self.loop_nodes_seen.saturating_add(counted);
        Ok(Step::For(slot, list, body?))
    }

    /// `var = value` or `var op= value`, on a variable of the body (not an argument).
    fn assignment(
        &mut self,
        op: &rhai::OpAssignment,
        e: &rhai::BinaryExpr,
    ) -> Result<Step, Refusal> {
        let Expr::Variable(x, _, _) = &e.lhs else {
            return Err("an assignment to something other than a variable".to_owned());
        };
        let slot = self.var(x.1.as_str())?;
        if slot < self.fixed {
            return Err(format!("an assignment to `{}`", x.1));
        }
        let op = match op.get_op_assignment_info().map(|info| info.5) {
            None => None,
            Some("+") => Some(Op::Add),
            Some("-") => Some(Op::Sub),
            Some("*") => Some(Op::Mul),
            Some("/") => Some(Op::Div),
            Some(other) => return Err(format!("the operator `{other}=`")),
        };
        Ok(Step::Assign(slot, op, self.expr(&e.rhs)?))
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
        } else if let Some(items) = value.read_lock::<rhai::Array>() {
            Ok(Node::Array(
                items.iter().map(Self::constant).collect::<Result<_, _>>()?,
            ))
        } else {
            Err(format!("a constant of type `{}`", value.type_name()))
        }
    }

    fn expr(&mut self, e: &Expr) -> Result<Node, Refusal> {
        self.node();
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
        self.node();
        match rhs {
            Expr::Property(p, _) => {
                let name = p.2.as_str();
                Ok(Node::Get(Box::new(base), Prop::named(name), name.into()))
            }
            Expr::MethodCall(call, _) => {
                if let (Node::Var(slot), "push", [arg]) = (&base, call.name.as_str(), &*call.args) {
                    return Ok(Node::Push(*slot, Box::new(self.expr(arg)?)));
                }
                let f = func(call.name.as_str(), call.args.len().saturating_add(1))
                    .ok_or_else(|| format!("the method `{}`", call.name))?;
                let mut args = vec![base];
                for a in &call.args {
                    args.push(self.expr(a)?);
                }
                Ok(Self::host_call(f, args))
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

    /// A host function call; `partner(x.partner)` is looked up once per record.
    fn host_call(f: Func, args: Vec<Node>) -> Node {
        if f == Func::Partner {
            let mut it = args.into_iter();
            return match (it.next(), it.next()) {
                (Some(Node::Get(base, Prop::Partner, _)), None) => Node::RecordPartner(base),
                (first, second) => {
                    Node::Call(f, first.into_iter().chain(second).chain(it).collect())
                }
            };
        }
        Node::Call(f, args.into_boxed_slice())
    }

    fn call(&mut self, call: &FnCallExpr) -> Result<Node, Refusal> {
        self.node();
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
        Ok(Self::host_call(f, args))
    }
}

/// The compiled `check(record)` of a script, or why it stays on rhai. Only `check` may be
/// defined: a script's own functions (which could also shadow the API) stay on rhai.
pub(crate) fn script(ast: &AST, entry: &str) -> Result<Body, Refusal> {
    let mut params = None;
    for f in ast.iter_functions() {
        if f.name != entry {
            return Err(format!("it defines its own function `{}`", f.name));
        }
        params = Some(f.params.iter().map(|p| (*p).to_owned()).collect::<Vec<_>>());
    }
    let params = params.ok_or("no `check`")?;
    if !(1..=2).contains(&params.len()) {
        return Err("`check` takes one or two arguments".to_owned());
    }
    if !ast.statements().is_empty() {
        return Err("statements outside `check`".to_owned());
    }
    // The body of `check` is reached through `walk` (rhai does not name its type): its
    // statements are the nodes at depth one, in order.
    let names: Vec<&str> = params.iter().map(String::as_str).collect();
    let mut t = Translator::new(&names);
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
    Ok(t.finish(steps, params.len() == 2))
}

/// The slot of `record` (a script's first argument); of `params` (a script's second
/// argument, always bound in a condition); of `line` and `index` in an `each_line`
/// condition.
pub(crate) const RECORD: usize = 0;
pub(crate) const PARAMS: usize = 1;
pub(crate) const LINE: usize = 2;
pub(crate) const INDEX: usize = 3;

/// A compiled condition or template, or why it stays on rhai.
pub(crate) fn expression(ast: &AST, each_line: bool) -> Result<Body, Refusal> {
    if ast.iter_functions().next().is_some() {
        return Err("it defines a function".to_owned());
    }
    let names: &[&str] = if each_line {
        &["record", "params", "line", "index"]
    } else {
        &["record", "params"]
    };
    let mut t = Translator::new(names);
    let steps = t.block(ast.statements())?;
    Ok(t.finish(steps, true))
}
