//! The compiled path: policies translated from rhai's AST into a tree of pactum's own,
//! evaluated over typed values without rhai's dispatch, scopes or `Dynamic` copies.
//!
//! What it covers (decided per rule when the pack loads, with the reason kept when a rule
//! stays on rhai): literals, variables and `let`, field getters of records, lines,
//! documents, partners, dates and catalog items, comparisons, `&&`, `||`, `!`, integer
//! and decimal `+ - * /`, template strings, `if`/`else`, `return`, array literals, string
//! `contains`/`starts_with`/`ends_with`/`len`/`is_empty`, and the host functions
//! (`partner`, `list_price`, `catalog`, `is_approved_source`, `installed_assets`, `date`,
//! `days_between`, `add_days`, `has_document`, `decimal`, `finding`, `line_finding`),
//! `params` (keys of the rule's parameters), `for` over `record.lines` or
//! `record.documents` (not nested), assignments to variables and `list.push(item)`.
//! Not yet: `while`/`loop`, indexing, object map literals, a script's own functions.
//!
//! Work done once: `partner(record.partner)` is looked up once per record for every rule
//! ([`Memo`], kept in the host's per-record `Shared`), and a lookup a body asks twice with
//! the same arguments is made once per run of the body (`compile::Node::Memo`).
//!
//! Rhai stays the reference. The compiled path answers only when it is sure to answer as
//! rhai would; otherwise it *bails* and rhai judges the rule on that record:
//! - any error (an overflow, a bad argument, a type rhai would refuse, a result the host
//!   would reject, more findings than `max_findings_per_record`), so rule errors are
//!   always rhai's own, word for word;
//! - limits: loops run only over a record's lines or documents and do not nest, so the
//!   operations rhai could count on a rule are bounded from the tree's size
//!   ([`compile::OPS_PER_NODE`] per node; a loop's nodes times the lines or documents,
//!   the whole times the lines of an `each_line` condition); when that bound could pass
//!   `max_operations`, or when the time
//!   left to the call or the record is under a millisecond, the record goes to rhai.
//!   A compiled call spends no time from the record's budget (it takes microseconds).
//!
//! `explain` always runs rhai (the reference, and the one that traces reads).

pub(crate) mod compile;
mod eval;
mod value;

use super::host::ScriptFinding;
use crate::date::Date;
use crate::limits::Limits;
use crate::record::Record;
use crate::refdata::{Partner, RefData};
use crate::script::params::Params;
use compile::{Body, OPS_PER_NODE};
use eval::{Cx, Stop};
use std::borrow::Cow;
use value::{Value, shown};

/// The compiled form of a rule, or why it runs on rhai.
pub(crate) type Compiled<T> = Result<std::sync::Arc<T>, std::sync::Arc<str>>;

/// A compiled inline condition with its templates.
#[derive(Debug)]
pub(crate) struct NativeCondition {
    pub when: Body,
    pub message: Body,
    pub expected: Option<Body>,
    pub actual: Option<Body>,
    pub each_line: bool,
}

fn days_between(a: Date, b: Date) -> Option<i64> {
    super::api::days_from(a, b)
}

fn add_days(on: Date, days: i64) -> Option<Date> {
    super::api::moved(on, days)
}

/// Operations rhai may count on `body` for `record`, at most, plus the call itself: a
/// loop's nodes once per line or document.
fn bound(body: &Body, record: &Record) -> u64 {
    let items = record.lines.len().max(record.documents.len());
    let looped = body
        .loop_nodes
        .saturating_mul(u64::try_from(items).unwrap_or(u64::MAX));
    body.nodes
        .saturating_add(2)
        .saturating_add(looped)
        .saturating_mul(OPS_PER_NODE)
}

/// Variable slots held on the stack; a body with more takes a vector.
const STACK_SLOTS: usize = 8;

/// Runs `f` over `n` variable slots (all `()`), without an allocation for a small body.
fn with_slots<'a, T>(n: usize, f: impl FnOnce(&mut [Value<'a>]) -> Option<T>) -> Option<T> {
    if n <= STACK_SLOTS {
        let mut slots: [Value<'a>; STACK_SLOTS] = Default::default();
        f(slots.get_mut(..n)?)
    } else {
        f(&mut vec![Value::Unit; n])
    }
}

/// Whether the time left is too short to be sure rhai would not stop the rule.
fn short_of_time(limits: &Limits) -> bool {
    const MS: u64 = 1_000_000;
    let own = limits.max_call_ms.saturating_mul(MS);
    let left = super::sandbox::record_time_left().map_or(own, |r| r.min(own));
    left < MS
}

/// The lookups of the compiled path made once per record and shared by every policy rule
/// on it: `partner(record.partner)`, asked by each `partner.*` script.
#[derive(Debug, Default)]
pub(crate) struct Memo<'a> {
    partner: Option<Option<&'a Partner>>,
}

impl<'a> Memo<'a> {
    /// A memo that knows `partner(record.partner)` already: the engine looks the record's
    /// partner up once for its selectors and built-in rules, and the scripts reuse it.
    pub(crate) fn knowing(partner: Option<&'a Partner>) -> Memo<'a> {
        Memo {
            partner: Some(partner),
        }
    }
}

fn cx<'a, 'd>(
    record: &'a Record,
    data: &'d RefData,
    limits: &Limits,
    params: &'a Params,
    memo: &Memo<'d>,
) -> Cx<'a, 'd> {
    Cx {
        record,
        data,
        params,
        partner: std::cell::Cell::new(memo.partner),
        returned: std::cell::Cell::new(None),
        max_string: limits.max_string_size,
        max_array: limits.max_array_size,
    }
}

/// Runs a compiled `check(record)`: its findings, or `None` when rhai must judge.
pub(crate) fn run_script<'a>(
    body: &Body,
    record: &Record,
    data: &'a RefData,
    limits: &Limits,
    params: &Params,
    memo: &mut Memo<'a>,
) -> Option<Vec<ScriptFinding>> {
    if bound(body, record) > limits.max_operations
        || limits.max_call_levels < 2
        || short_of_time(limits)
    {
        return None;
    }
    let cx = cx(record, data, limits, params, memo);
    let found = with_slots(body.slots, |slots| {
        *slots.get_mut(compile::RECORD)? = Value::Record;
        if body.takes_params {
            *slots.get_mut(compile::PARAMS)? = Value::Params;
        }
        fresh(body, slots)?;
        let value = match cx.block(&body.steps, slots) {
            Ok(v) => v,
            Err(Stop::Return) => cx.returned.take()?,
            Err(Stop::Bail) => return None,
        };
        findings(value, record.lines.len(), limits)
    });
    memo.partner = cx.partner.get();
    found
}

/// What `check` returned, as the host reads it (`Host::findings`), or `None` for anything
/// the host would refuse (rhai then words the rule error).
fn findings(value: Value<'_>, lines: usize, limits: &Limits) -> Option<Vec<ScriptFinding>> {
    let items = match value {
        Value::Unit => return Some(Vec::new()),
        Value::List(items) => items,
        other => vec![other],
    };
    if items.len() > limits.max_findings_per_record {
        return None;
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let found = match item {
            Value::Unit => continue,
            Value::Finding(f) => f,
            _ => return None,
        };
        let line = match found.line {
            Value::Unit => None,
            Value::Int(n) => Some(usize::try_from(n).ok().filter(|i| *i < lines)?),
            _ => return None,
        };
        out.push(ScriptFinding {
            message: found.message.into_owned(),
            expected: shown(&found.expected)?,
            actual: shown(&found.actual)?,
            line,
        });
    }
    Some(out)
}

/// Runs a compiled condition: its findings, or `None` when rhai must judge.
pub(crate) fn run_condition<'d>(
    c: &NativeCondition,
    record: &Record,
    data: &'d RefData,
    limits: &Limits,
    params: &Params,
    memo: &mut Memo<'d>,
) -> Option<Vec<ScriptFinding>> {
    let templates = [Some(&c.message), c.expected.as_ref(), c.actual.as_ref()]
        .into_iter()
        .flatten()
        .fold(0u64, |sum, b| sum.saturating_add(bound(b, record)));
    let times = if c.each_line {
        u64::try_from(record.lines.len()).unwrap_or(u64::MAX)
    } else {
        1
    };
    let total = bound(&c.when, record)
        .saturating_add(templates)
        .saturating_mul(times);
    if total > limits.max_operations || short_of_time(limits) {
        return None;
    }
    let cx = cx(record, data, limits, params, memo);
    let slots_needed = [
        Some(&c.when),
        Some(&c.message),
        c.expected.as_ref(),
        c.actual.as_ref(),
    ]
    .into_iter()
    .flatten()
    .map(|b| b.slots)
    .max()
    .unwrap_or(0);
    let found = with_slots(slots_needed, |slots| {
        *slots.get_mut(compile::RECORD)? = Value::Record;
        *slots.get_mut(compile::PARAMS)? = Value::Params;
        judge_lines(&cx, c, slots, limits)
    });
    memo.partner = cx.partner.get();
    found
}

/// The condition on the record, or on each of its lines.
fn judge_lines<'a, 'd: 'a>(
    cx: &Cx<'a, 'd>,
    c: &'a NativeCondition,
    slots: &mut [Value<'a>],
    limits: &Limits,
) -> Option<Vec<ScriptFinding>> {
    let mut out = Vec::new();
    if !c.each_line {
        if truth(cx, &c.when, slots)? {
            out.push(render(cx, c, slots, None)?);
        }
        return Some(out);
    }
    for i in 0..cx.record.lines.len() {
        *slots.get_mut(compile::LINE)? = Value::Line(i);
        *slots.get_mut(compile::INDEX)? = Value::Int(i64::try_from(i).ok()?);
        if truth(cx, &c.when, slots)? {
            if out.len() >= limits.max_findings_per_record {
                // Rhai keeps the first ones and reports the rest dropped: its words.
                return None;
            }
            out.push(render(cx, c, slots, Some(i))?);
        }
    }
    Some(out)
}

fn run<'a, 'd: 'a>(cx: &Cx<'a, 'd>, body: &'a Body, slots: &mut [Value<'a>]) -> Option<Value<'a>> {
    fresh(body, slots)?;
    cx.block(&body.steps, slots).ok()
}

/// Empties the body's [`compile::Node::Memo`] slots, before a run.
fn fresh(body: &Body, slots: &mut [Value<'_>]) -> Option<()> {
    slots
        .get_mut(body.memo.clone())?
        .iter_mut()
        .for_each(|v| *v = Value::Unset);
    Some(())
}

fn truth<'a, 'd: 'a>(cx: &Cx<'a, 'd>, body: &'a Body, slots: &mut [Value<'a>]) -> Option<bool> {
    fresh(body, slots)?;
    cx.block_truth(&body.steps, slots).ok()
}

fn render<'a, 'd: 'a>(
    cx: &Cx<'a, 'd>,
    c: &'a NativeCondition,
    slots: &mut [Value<'a>],
    line: Option<usize>,
) -> Option<ScriptFinding> {
    let mut text = |body: Option<&'a Body>| -> Option<String> {
        let Some(body) = body else {
            return Some(String::new());
        };
        // `Dynamic::to_string` of what the template gave: a template is a string.
        match run(cx, body, slots)? {
            Value::Str(s) => Some(s.into_owned()),
            v @ (Value::Int(_) | Value::Decimal(_) | Value::Bool(_)) => {
                value::to_text(&v).map(Cow::into_owned)
            }
            _ => None,
        }
    };
    Some(ScriptFinding {
        message: text(Some(&c.message))?,
        expected: text(c.expected.as_ref())?,
        actual: text(c.actual.as_ref())?,
        line,
    })
}

#[cfg(test)]
mod tests;
