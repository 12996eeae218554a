//! Running policies: the [`Host`] binds the reference data and runs compiled scripts and
//! conditions against a record ([`Shared`]), and reads what they return (a finding map, an
//! array of them, or `()`) into [`ScriptFinding`]s; failures and limit hits become the
//! rule-error text.
//!
//! Separate from compiling (`compile.rs`): this is the per-record path, where every value a
//! script hands back is untrusted and checked.

use super::api::{self, ScriptRecord};
use super::compile::{Condition, ENTRY, Script};
use super::native;
use super::sandbox::{self, Call, RecordBudget, sandboxed};
use super::trace;
use super::uses::PARAMS;
use crate::finding::RuleErrorKind;
use crate::limits::Limits;
use crate::record::Record;
use crate::refdata::{Partner, RefData};
use rhai::{AST, CallFnOptions, Dynamic, EvalAltResult, Map, Scope};
use std::fmt;
use std::sync::Arc;

/// A finding as a script returns it, before the engine names the rule and record.
#[derive(Debug)]
pub(crate) struct ScriptFinding {
    pub message: String,
    pub expected: String,
    pub actual: String,
    pub line: Option<usize>,
}

/// Why a script or condition could not give a verdict on a record: the kind, decided where
/// the failure is known (never read back from the text), and the reason as the report
/// shows it.
#[derive(Debug)]
pub(crate) struct ScriptError {
    pub kind: RuleErrorKind,
    pub reason: String,
    /// Findings made before the failure that still stand: the first
    /// `max_findings_per_record` of an `each_line` condition that made more.
    pub kept: Vec<ScriptFinding>,
}

impl ScriptError {
    fn new(kind: RuleErrorKind, reason: String) -> ScriptError {
        ScriptError {
            kind,
            reason,
            kept: Vec::new(),
        }
    }

    fn bad(reason: String) -> ScriptError {
        ScriptError::new(RuleErrorKind::BadResult, reason)
    }
}

/// A helper of the script API that could not give an exact answer (a date out of the
/// calendar, a sum that does not fit an integer): raised as a runtime error carrying this
/// type, which a script cannot make, and reported as an overflow.
#[derive(Debug, Clone)]
pub(crate) struct Overflow(pub String);

/// Runs scripts and conditions against records, with the reference data bound.
pub(crate) struct Host {
    engine: rhai::Engine,
    limits: Limits,
    /// The reference data, for the compiled path (rhai's functions hold their own).
    data: Arc<RefData>,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Host({:?})", self.limits)
    }
}

/// A record made ready for rhai once, and shared by every rhai rule that sees it.
pub(crate) struct Prepared {
    record: Arc<Record>,
    value: Dynamic,
    /// The record's time budget (`max_record_ms`), shared by every script rule on it.
    _budget: RecordBudget,
}

impl Prepared {
    pub(crate) fn new(record: &Record, limits: &Limits) -> Prepared {
        let record = Arc::new(record.clone());
        Prepared {
            value: Dynamic::from(ScriptRecord(Arc::clone(&record))),
            record,
            _budget: RecordBudget::start(limits),
        }
    }
}

/// What the policy rules on one record share: the record made ready for rhai (by the
/// first rule that falls back to rhai), and the lookups of the compiled path made once
/// per record (`partner(record.partner)`, asked by each `partner.*` script).
#[derive(Default)]
pub(crate) struct Shared<'a> {
    prepared: Option<Prepared>,
    memo: native::Memo<'a>,
}

impl<'a> Shared<'a> {
    /// Nothing shared yet but the record's partner, `partner(record.partner)`, looked up
    /// by the caller (`None`: not in the reference data).
    pub(crate) fn knowing(partner: Option<&'a Partner>) -> Shared<'a> {
        Shared {
            prepared: None,
            memo: native::Memo::knowing(partner),
        }
    }
}

impl Host {
    /// The record as rhai sees it, with the record's time budget started.
    pub(crate) fn share(&self, record: &Record) -> Prepared {
        Prepared::new(record, &self.limits)
    }

    pub(crate) fn new(limits: &Limits, data: &Arc<RefData>) -> Host {
        let mut engine = sandboxed(limits);
        api::register(&mut engine, data);
        Host {
            engine,
            limits: *limits,
            data: Arc::clone(data),
        }
    }

    /// Judges a script rule on a record: on the compiled path when the rule has one and it
    /// can answer for this record, else on rhai (with the record shared with the other
    /// rhai rules through `shared`).
    pub(crate) fn judge_script<'a>(
        &'a self,
        script: &Script,
        record: &Record,
        shared: &mut Option<Shared<'a>>,
    ) -> Result<Vec<ScriptFinding>, ScriptError> {
        let shared = shared.get_or_insert_with(Shared::default);
        if let Ok(body) = &script.native {
            let found = native::run_script(
                body,
                record,
                &self.data,
                &self.limits,
                &script.params,
                &mut shared.memo,
            );
            if let Some(found) = found {
                return Ok(found);
            }
        }
        let prepared = shared
            .prepared
            .get_or_insert_with(|| Prepared::new(record, &self.limits));
        self.run_script(script, prepared)
    }

    /// Judges a condition rule on a record, compiled when it can be (see `judge_script`).
    pub(crate) fn judge_condition<'a>(
        &'a self,
        condition: &Condition,
        record: &Record,
        shared: &mut Option<Shared<'a>>,
    ) -> Result<Vec<ScriptFinding>, ScriptError> {
        let shared = shared.get_or_insert_with(Shared::default);
        if let Ok(c) = &condition.native {
            let found = native::run_condition(
                c,
                record,
                &self.data,
                &self.limits,
                &condition.params,
                &mut shared.memo,
            );
            if let Some(found) = found {
                return Ok(found);
            }
        }
        let prepared = shared
            .prepared
            .get_or_insert_with(|| Prepared::new(record, &self.limits));
        self.run_condition(condition, prepared)
    }

    /// Runs a script rule's `check(record)`.
    pub(crate) fn run_script(
        &self,
        script: &Script,
        record: &Prepared,
    ) -> Result<Vec<ScriptFinding>, ScriptError> {
        let lines = record.record.lines.len();
        let _call = Call::start(&self.limits);
        let mut scope = Scope::new();
        let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
        let record_value = record.value.clone();
        let result = if script.takes_params {
            let args = (record_value, script.params.value());
            self.engine.call_fn_with_options::<Dynamic>(
                options,
                &mut scope,
                &script.ast,
                ENTRY,
                args,
            )
        } else {
            self.engine.call_fn_with_options::<Dynamic>(
                options,
                &mut scope,
                &script.ast,
                ENTRY,
                (record_value,),
            )
        }
        .map_err(|e| self.explain(&e, &script.file.display().to_string()))?;
        trace::gave(|| format!("`{ENTRY}` returned"), &result);
        self.findings(result, lines)
    }

    /// Judges a condition on a record (or on each of its lines).
    pub(crate) fn run_condition(
        &self,
        condition: &Condition,
        record: &Prepared,
    ) -> Result<Vec<ScriptFinding>, ScriptError> {
        // One budget of operations and time for the rule on the record: every line and
        // every message counts against it.
        let call = Call::start(&self.limits);
        let mut scope = Scope::new();
        scope.push_constant_dynamic("record", record.value.clone());
        if condition.uses_params {
            scope.push_constant_dynamic(PARAMS, condition.params.value());
        }
        let mut out = Vec::new();
        if !condition.each_line {
            if self.eval_bool(&call, &mut scope, &condition.when, None)? {
                out.push(self.render(&call, &mut scope, condition, None)?);
            }
            return Ok(out);
        }
        scope.push_constant("line", ());
        scope.push_constant("index", 0 as rhai::INT);
        let cap = self.limits.max_findings_per_record;
        let mut dropped: usize = 0;
        for (i, line) in api::lines(&record.record).into_iter().enumerate() {
            let index = rhai::INT::try_from(i).map_err(|_| {
                ScriptError::new(
                    RuleErrorKind::Overflow,
                    format!("line {i} has an index too large for a script"),
                )
            })?;
            scope.set_or_push("line", line);
            scope.set_or_push("index", index);
            if self.eval_bool(&call, &mut scope, &condition.when, Some(i))? {
                if out.len() < cap {
                    out.push(self.render(&call, &mut scope, condition, Some(i))?);
                } else {
                    dropped = dropped.saturating_add(1);
                }
            }
        }
        if dropped > 0 {
            return Err(ScriptError {
                kind: RuleErrorKind::LimitHit {
                    limit: "max_findings_per_record",
                },
                reason: format!(
                    "dropped {dropped} findings past the limit `max_findings_per_record` of {cap} (the first {cap} are reported)"
                ),
                kept: out,
            });
        }
        Ok(out)
    }

    fn eval_bool(
        &self,
        call: &Call,
        scope: &mut Scope,
        ast: &AST,
        line: Option<usize>,
    ) -> Result<bool, ScriptError> {
        call.next();
        let value = self
            .engine
            .eval_ast_with_scope::<Dynamic>(scope, ast)
            .map_err(|e| self.explain(&e, "condition"))?;
        trace::gave(
            || match line {
                Some(i) => format!("on line {} the condition gave", i + 1),
                None => "the condition gave".to_owned(),
            },
            &value,
        );
        value.as_bool().map_err(|_| {
            ScriptError::bad(format!(
                "the condition gave {}, but must give true or false",
                describe(&value)
            ))
        })
    }

    fn render(
        &self,
        call: &Call,
        scope: &mut Scope,
        condition: &Condition,
        line: Option<usize>,
    ) -> Result<ScriptFinding, ScriptError> {
        let mut text = |ast: &Option<Arc<AST>>| -> Result<String, ScriptError> {
            match ast {
                None => Ok(String::new()),
                Some(ast) => {
                    call.next();
                    self.engine
                        .eval_ast_with_scope::<Dynamic>(scope, ast)
                        .map(|v| v.to_string())
                        .map_err(|e| self.explain(&e, "message template"))
                }
            }
        };
        let message = text(&Some(Arc::clone(&condition.message)))?;
        let expected = text(&condition.expected)?;
        let actual = text(&condition.actual)?;
        Ok(ScriptFinding {
            message,
            expected,
            actual,
            line,
        })
    }

    /// Reads what `check` returned: `()` for none, a finding map, or an array of them.
    fn findings(&self, value: Dynamic, lines: usize) -> Result<Vec<ScriptFinding>, ScriptError> {
        if value.is_unit() {
            return Ok(Vec::new());
        }
        let items: Vec<Dynamic> = if value.is_array() {
            value.into_array().unwrap_or_default()
        } else {
            vec![value]
        };
        if items.len() > self.limits.max_findings_per_record {
            return Err(ScriptError::new(
                RuleErrorKind::LimitHit {
                    limit: "max_findings_per_record",
                },
                format!(
                    "returned {} findings for one record, more than the limit `max_findings_per_record` of {}",
                    items.len(),
                    self.limits.max_findings_per_record
                ),
            ));
        }
        items
            .into_iter()
            .filter(|v| !v.is_unit())
            .map(|v| finding_from(v, lines))
            .collect()
    }

    fn explain(&self, e: &EvalAltResult, what: &str) -> ScriptError {
        let l = &self.limits;
        let pos = e.unwrap_inner().position();
        let at = match (pos.line(), pos.position()) {
            (Some(line), Some(col)) => format!(" at {what}:{line}:{col}"),
            (Some(line), None) => format!(" at {what}:{line}"),
            _ => format!(" in {what}"),
        };
        let limit = |limit: &'static str, reason: String| {
            ScriptError::new(RuleErrorKind::LimitHit { limit }, reason)
        };
        let operations = || {
            limit(
                "max_operations",
                format!(
                    "stopped after {} operations, the limit `max_operations`{at}",
                    l.max_operations
                ),
            )
        };
        match e.unwrap_inner() {
            EvalAltResult::ErrorTooManyOperations(_) => operations(),
            EvalAltResult::ErrorTerminated(token, _) => {
                match token.clone().into_string().ok().as_deref() {
                    Some(sandbox::TIME_UP) => limit(
                        "max_call_ms",
                        format!(
                            "stopped after {} ms, the limit `max_call_ms`{at}",
                            l.max_call_ms
                        ),
                    ),
                    Some(sandbox::RECORD_TIME_UP) => limit(
                        "max_record_ms",
                        format!(
                            "stopped: the record's script rules took {} ms together, the limit `max_record_ms`{at}",
                            l.max_record_ms
                        ),
                    ),
                    _ => operations(),
                }
            }
            EvalAltResult::ErrorStackOverflow(_) => limit(
                "max_call_levels",
                format!(
                    "stopped: calls nested deeper than {}, the limit `max_call_levels`{at}",
                    l.max_call_levels
                ),
            ),
            EvalAltResult::ErrorDataTooLarge(what_grew, _) => limit(
                "max_string_size, max_array_size or max_map_size",
                format!(
                    "stopped: {} grew past its limit (`max_string_size`, `max_array_size` or `max_map_size`){at}",
                    what_grew.to_lowercase()
                ),
            ),
            EvalAltResult::ErrorTooManyVariables(_) => limit(
                "variables",
                format!(
                    "stopped: more than {} variables at once, a fixed bound of the sandbox{at}",
                    sandbox::MAX_VARIABLES
                ),
            ),
            EvalAltResult::ErrorRuntime(value, _) if value.is::<Overflow>() => {
                let text = value
                    .read_lock::<Overflow>()
                    .map(|o| o.0.clone())
                    .unwrap_or_default();
                ScriptError::new(RuleErrorKind::Overflow, format!("script error: {text}{at}"))
            }
            inner => {
                let text = inner.to_string();
                let text = text.split(" (line ").next().unwrap_or(&text).to_owned();
                ScriptError::new(RuleErrorKind::Script, format!("script error: {text}{at}"))
            }
        }
    }
}

/// What a script value is, for a message: "the integer `42`", "a string".
fn describe(value: &Dynamic) -> String {
    if value.is_int() || value.is_decimal() || value.is_bool() {
        format!("`{value}`")
    } else if value.is_string() {
        "a string".to_owned()
    } else if value.is_array() {
        "an array".to_owned()
    } else if value.is_map() {
        "an object map".to_owned()
    } else if value.is_unit() {
        "()".to_owned()
    } else {
        format!(
            "a value of type `{}`",
            value.type_name().rsplit("::").next().unwrap_or("?")
        )
    }
}

/// A script value as text: dates as `2026-03-14` (rhai would print a custom type's name).
fn show(value: &Dynamic) -> String {
    match value.read_lock::<crate::date::Date>() {
        Some(date) => date.to_string(),
        None => value.to_string(),
    }
}

fn finding_from(value: Dynamic, lines: usize) -> Result<ScriptFinding, ScriptError> {
    finding_fields(value, lines).map_err(ScriptError::bad)
}

fn finding_fields(value: Dynamic, lines: usize) -> Result<ScriptFinding, String> {
    if !value.is_map() {
        return Err(format!(
            "`check` returned {}; expected a finding (an object map with `message`), an array of them, or ()",
            describe(&value)
        ));
    }
    let map = value.cast::<Map>();
    let get = |key: &str| map.get(key).filter(|v| !v.is_unit()).map(show);
    let message = get("message")
        .ok_or_else(|| "a finding returned by the script has no `message`".to_owned())?;
    let line = match map.get("line").filter(|v| !v.is_unit()) {
        None => None,
        Some(v) => {
            let n = v.as_int().map_err(|_| {
                format!(
                    "a finding's `line` must be a line index, but is {}",
                    describe(v)
                )
            })?;
            let index = usize::try_from(n).ok().filter(|i| *i < lines);
            Some(index.ok_or_else(|| {
                format!("a finding's `line` is {n}, but the record has {lines} lines")
            })?)
        }
    };
    Ok(ScriptFinding {
        message,
        expected: get("expected").unwrap_or_default(),
        actual: get("actual").unwrap_or_default(),
        line,
    })
}
