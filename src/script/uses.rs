//! What a policy does with its `params`, checked against the rule's parameters when the
//! pack loads: a parameter the policy reads that the rule does not give, and a parameter
//! used with a value of another type (`params.max_qty` given as `"50"` and compared with
//! `line.qty`), are load errors at the place in the policy, not a rule that silently never
//! fires.
//!
//! Only what can be known from the text is checked: `params.NAME` and `params["NAME"]`
//! read directly, used with an operator or a function of the script API whose other value
//! has a type the text shows (a literal, a record, line or partner field, an API call).

use super::compile::CompileError;
use super::params::{Params, Ty};
use crate::diag::did_you_mean;
use rhai::{AST, ASTNode, Expr, Position, Stmt};

/// The variable policies read their parameters from.
pub(crate) const PARAMS: &str = "params";

/// Where a policy's text runs, which decides the variables whose types are known.
#[derive(Clone, Copy)]
pub(crate) enum Scope {
    /// A script file: `record` is known in `check`; other names may be anything.
    Script,
    /// An inline condition or template; with `each_line`, `line` is a record line.
    Condition { each_line: bool },
}

/// Whether the policy names `params` anywhere.
pub(crate) fn mentions_params(ast: &AST) -> bool {
    let mut found = false;
    ast.walk(&mut |path: &[ASTNode]| {
        if let Some(ASTNode::Expr(e)) = path.last() {
            found |= variable(e) == Some(PARAMS);
        }
        !found
    });
    found
}

/// Every use of `params` in `ast` that the rule's parameters cannot satisfy.
pub(crate) fn check(ast: &AST, params: &Params, scope: Scope) -> Vec<CompileError> {
    let mut errors = Vec::new();
    let types = Types { params, scope };
    ast.walk(&mut |path: &[ASTNode]| {
        let e = match path.last() {
            Some(ASTNode::Expr(e)) => e,
            // A call standing as a statement (a whole condition is one).
            Some(ASTNode::Stmt(Stmt::FnCall(call, _))) => {
                types.check_call(&call.name, &call.args, &mut errors);
                return true;
            }
            _ => return true,
        };
        if let Some((name, pos)) = read(e) {
            if params.get(name).is_none() {
                let given = if params.is_empty() {
                    "no parameters".to_owned()
                } else {
                    let names: Vec<&str> = params.names().collect();
                    format!("the parameters `{}`", names.join("`, `"))
                };
                let hint = did_you_mean(name, params.names())
                    .map_or(String::new(), |h| format!("; {h}"));
                errors.push(error(
                    pos,
                    format!(
                        "the policy reads `params.{name}`, but the rule gives {given} in `[rule.params]`{hint}"
                    ),
                ));
            }
        }
        if let Expr::FnCall(call, _) = e {
            types.check_call(&call.name, &call.args, &mut errors);
        }
        true
    });
    errors
}

/// `params.NAME` or `params["NAME"]`: the name read and where.
fn read(e: &Expr) -> Option<(&str, Position)> {
    match e {
        Expr::Dot(b, ..) if variable(&b.lhs) == Some(PARAMS) => match &b.rhs {
            Expr::Property(p, _) => Some((p.2.as_str(), b.lhs.position())),
            Expr::Dot(inner, ..) | Expr::Index(inner, ..) => match &inner.lhs {
                Expr::Property(p, _) => Some((p.2.as_str(), b.lhs.position())),
                _ => None,
            },
            _ => None,
        },
        Expr::Index(b, ..) if variable(&b.lhs) == Some(PARAMS) => match &b.rhs {
            Expr::StringConstant(s, _) => Some((s.as_str(), b.lhs.position())),
            _ => None,
        },
        _ => None,
    }
}

fn variable(e: &Expr) -> Option<&str> {
    match e {
        Expr::Variable(x, ..) => Some(x.1.as_str()),
        _ => None,
    }
}

fn error(pos: Position, message: String) -> CompileError {
    CompileError {
        line: pos.line().unwrap_or(0),
        column: pos.position().unwrap_or(0),
        message,
    }
}

struct Types<'a> {
    params: &'a Params,
    scope: Scope,
}

/// The value types of the script API's functions, argument by argument.
const SIGNATURES: &[(&str, &[Ty])] = &[
    ("days_between", &[Ty::Date, Ty::Date]),
    ("add_days", &[Ty::Date, Ty::Int]),
    ("partner", &[Ty::Text]),
    ("list_price", &[Ty::Text, Ty::Text, Ty::Date]),
    ("catalog", &[Ty::Text]),
    ("is_approved_source", &[Ty::Text]),
    ("installed_assets", &[Ty::Text]),
    ("date", &[Ty::Text]),
    ("decimal", &[Ty::Text]),
];

impl Types<'_> {
    /// A parameter used against a value of a type it cannot meet.
    fn check_call(&self, name: &str, args: &[Expr], errors: &mut Vec<CompileError>) {
        if let [a, b] = args {
            if let Some(message) = self.operator(name, a, b) {
                errors.push(message);
                return;
            }
        }
        let Some((_, takes)) = SIGNATURES
            .iter()
            .find(|(n, t)| *n == name && t.len() == args.len())
        else {
            return;
        };
        for (arg, want) in args.iter().zip(takes.iter()) {
            if let Some((param, ty, pos)) = self.param(arg) {
                if ty != *want && !(ty.is_number() && want.is_number()) {
                    errors.push(error(
                        pos,
                        format!(
                            "parameter `{param}` is {} ({}), but `{name}` takes {} here",
                            ty.name(),
                            self.shown(param),
                            want.name()
                        ),
                    ));
                }
            }
        }
    }

    /// A parameter on one side of an operator whose other side cannot go with it.
    fn operator(&self, op: &str, a: &Expr, b: &Expr) -> Option<CompileError> {
        let (param, ty, pos, other) = match (self.param(a), self.param(b)) {
            (Some((p, t, pos)), _) => (p, t, pos, self.ty(b)?),
            (None, Some((p, t, pos))) => (p, t, pos, self.ty(a)?),
            (None, None) => return None,
        };
        let fits = match op {
            "==" | "!=" | "<" | "<=" | ">" | ">=" => {
                ty == other || (ty.is_number() && other.is_number())
            }
            "+" => {
                (ty.is_number() && other.is_number())
                    || ty == Ty::Text
                    || other == Ty::Text
                    || (ty == Ty::List && other == Ty::List)
            }
            "-" | "*" | "/" | "%" => ty.is_number() && other.is_number(),
            // `x in params.list`: rhai calls `contains(list, x)`.
            "contains" => return self.contains(a, b),
            _ => return None,
        };
        (!fits).then(|| {
            error(
                pos,
                format!(
                    "parameter `{param}` is {} ({}), but is used with `{op}` and {} here",
                    ty.name(),
                    self.shown(param),
                    other.name()
                ),
            )
        })
    }

    /// `item in container` where either is a parameter.
    fn contains(&self, container: &Expr, item: &Expr) -> Option<CompileError> {
        if let Some((param, ty, pos)) = self.param(container) {
            if !matches!(ty, Ty::List | Ty::Text | Ty::Table) {
                return Some(error(
                    pos,
                    format!(
                        "parameter `{param}` is {} ({}), but `in` needs an array, a string or a table",
                        ty.name(),
                        self.shown(param)
                    ),
                ));
            }
        }
        None.or_else(|| {
            let (param, ty, pos) = self.param(item)?;
            (self.ty(container)? == Ty::Text && ty != Ty::Text).then(|| {
                error(
                    pos,
                    format!(
                        "parameter `{param}` is {} ({}), but is looked for in a string here",
                        ty.name(),
                        self.shown(param)
                    ),
                )
            })
        })
    }

    /// A given parameter read directly: its name, type and place.
    fn param<'e>(&self, e: &'e Expr) -> Option<(&'e str, Ty, Position)> {
        let (name, pos) = read(e)?;
        // Only a plain read has the parameter's type (`params.list.len()` has another).
        let plain = match e {
            Expr::Dot(b, ..) => matches!(b.rhs, Expr::Property(..)),
            _ => true,
        };
        let ty = self.params.get(name).filter(|_| plain)?.ty();
        Some((name, ty, pos))
    }

    fn shown(&self, name: &str) -> String {
        self.params
            .get(name)
            .map_or_else(String::new, |p| format!("`{name} = {p}`"))
    }

    /// The type of an expression, when its text shows it.
    fn ty(&self, e: &Expr) -> Option<Ty> {
        match e {
            Expr::IntegerConstant(..) => Some(Ty::Int),
            Expr::BoolConstant(..) => Some(Ty::Bool),
            Expr::StringConstant(..) | Expr::InterpolatedString(..) | Expr::CharConstant(..) => {
                Some(Ty::Text)
            }
            Expr::Array(..) => Some(Ty::List),
            Expr::Map(..) => Some(Ty::Table),
            Expr::DynamicConstant(v, _) if v.is_decimal() => Some(Ty::Decimal),
            Expr::DynamicConstant(v, _) if v.is_string() => Some(Ty::Text),
            Expr::DynamicConstant(v, _) if v.is_array() => Some(Ty::List),
            Expr::Dot(b, ..) => {
                let Expr::Property(p, _) = &b.rhs else {
                    return None;
                };
                let field = p.2.as_str();
                match &b.lhs {
                    Expr::Variable(x, ..) => match x.1.as_str() {
                        PARAMS => self.params.get(field).map(|p| p.ty()),
                        "record" => record_field(field),
                        "line" if matches!(self.scope, Scope::Condition { each_line: true }) => {
                            line_field(field)
                        }
                        _ => None,
                    },
                    Expr::FnCall(f, _) if f.name == "partner" => partner_field(field),
                    _ => None,
                }
            }
            Expr::Index(..) => self.param(e).map(|(_, t, _)| t),
            Expr::FnCall(f, _) => match f.name.as_str() {
                "date" | "add_days" => Some(Ty::Date),
                "days_between" | "installed_assets" => Some(Ty::Int),
                "decimal" => Some(Ty::Decimal),
                "is_approved_source" => Some(Ty::Bool),
                "==" | "!=" | "<" | "<=" | ">" | ">=" | "!" => Some(Ty::Bool),
                _ => None,
            },
            _ => None,
        }
    }
}

fn record_field(field: &str) -> Option<Ty> {
    match field {
        "id" | "kind" | "partner" | "customer" | "region" | "opportunity" | "stage" | "asset"
        | "agreement" | "invoice" => Some(Ty::Text),
        "date" => Some(Ty::Date),
        "order_date" => Some(Ty::Date),
        "lines" | "documents" => Some(Ty::List),
        "attrs" => Some(Ty::Table),
        _ => None,
    }
}

fn line_field(field: &str) -> Option<Ty> {
    match field {
        "sku" | "currency" | "source" => Some(Ty::Text),
        "qty" | "index" => Some(Ty::Int),
        "unit_price" | "amount" => Some(Ty::Decimal),
        _ => None,
    }
}

fn partner_field(field: &str) -> Option<Ty> {
    match field {
        "id" | "type" | "region" | "status" | "jurisdiction" => Some(Ty::Text),
        "contract_signed" | "nda_expires" | "certified_until" | "status_since" => Some(Ty::Date),
        _ => None,
    }
}
