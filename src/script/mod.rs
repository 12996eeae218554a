//! Rhai policies: inline conditions and script rules, compiled once when the pack loads and
//! run in a sandbox.
//!
//! The sandbox: no `eval`, no module imports (rhai is built without modules), no clock (built
//! without time functions), no file system (rhai has none), `print` and `debug` go nowhere,
//! no floats (built with `no_float` and `decimal`: `12.00` in a script is an exact decimal),
//! and every call is bounded by [`Limits`]. A call that breaks a limit or fails is a
//! rule error, never a pass.

mod api;

use crate::limits::Limits;
use crate::record::Record;
use crate::refdata::RefData;
use api::ScriptRecord;
use rhai::{AST, CallFnOptions, Dynamic, EvalAltResult, Map, ParseError, Scope};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The function a script file must define.
pub(crate) const ENTRY: &str = "check";

/// A compiled `.rhai` file of a script rule.
#[derive(Clone)]
pub struct Script {
    file: PathBuf,
    source: Arc<str>,
    ast: Arc<AST>,
}

/// A compiled inline condition with its message templates.
#[derive(Clone)]
pub struct Condition {
    when_source: String,
    when: Arc<AST>,
    message: Arc<AST>,
    expected: Option<Arc<AST>>,
    actual: Option<Arc<AST>>,
    each_line: bool,
}

impl Script {
    /// The script's path inside the pack.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

impl Condition {
    /// The condition as written.
    pub fn source(&self) -> &str {
        &self.when_source
    }

    /// Whether it is judged once per line (with `line` and `index` in scope).
    pub fn each_line(&self) -> bool {
        self.each_line
    }
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Script({})", self.file.display())
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Condition({})", self.when_source)
    }
}

// Two scripts are the same rule when their text is the same; the compiled form follows.
impl PartialEq for Script {
    fn eq(&self, other: &Self) -> bool {
        self.file == other.file && self.source == other.source
    }
}
impl Eq for Script {}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.when_source == other.when_source && self.each_line == other.each_line
    }
}
impl Eq for Condition {}

/// A script or condition that failed to compile, with its 1-based line and column inside
/// the script text (0 when unknown).
pub(crate) struct CompileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl From<ParseError> for CompileError {
    fn from(e: ParseError) -> Self {
        let pos = e.position();
        CompileError {
            line: pos.line().unwrap_or(0),
            column: pos.position().unwrap_or(0),
            message: e.err_type().to_string(),
        }
    }
}

/// A rhai engine in the sandbox, with `limits` applied.
fn sandboxed(limits: &Limits) -> rhai::Engine {
    let mut engine = rhai::Engine::new_raw();
    engine.register_global_module(rhai::packages::Package::as_shared_module(
        &rhai::packages::StandardPackage::new(),
    ));
    engine.disable_symbol("eval");
    // The standard package's `sleep` blocks the thread in one operation, which no
    // operation limit can stop: in the sandbox it fails at once (a rule error).
    engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> {
        Err("`sleep` is not available to rules".into())
    });
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.set_strict_variables(true);
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine
}

/// Compiles rule scripts and conditions when a pack loads. Strict variables are on, so a
/// misspelt variable is a load error, not a rule error on every record.
pub(crate) struct Compiler {
    engine: rhai::Engine,
}

impl Compiler {
    pub(crate) fn new(limits: &Limits) -> Compiler {
        Compiler {
            engine: sandboxed(limits),
        }
    }

    /// Compiles a script file, which must define `fn check(record)`.
    pub(crate) fn script(&self, file: &Path, source: Arc<str>) -> Result<Script, CompileError> {
        let ast = self.engine.compile(&*source)?;
        let entry = ast
            .iter_functions()
            .find(|f| f.name == ENTRY && f.params.len() == 1);
        if entry.is_none() {
            return Err(CompileError {
                line: 1,
                column: 1,
                message: format!(
                    "a rule script must define `fn {ENTRY}(record)`, which returns its findings"
                ),
            });
        }
        Ok(Script {
            file: file.to_path_buf(),
            source,
            ast: Arc::new(ast),
        })
    }

    fn scope(each_line: bool) -> Scope<'static> {
        // Variables, not constants: rhai's optimiser would fold a constant's compile-time
        // placeholder value into the expression.
        let mut scope = Scope::new();
        scope.push("record", ());
        if each_line {
            scope.push("line", ());
            scope.push("index", 0 as rhai::INT);
        }
        scope
    }

    /// Compiles an expression in the condition's scope.
    pub(crate) fn expression(&self, text: &str, each_line: bool) -> Result<Arc<AST>, CompileError> {
        Ok(Arc::new(self.engine.compile_expression_with_scope(
            &Self::scope(each_line),
            text,
        )?))
    }

    /// Compiles a message template: text with `${expression}` placeholders.
    pub(crate) fn template(&self, text: &str, each_line: bool) -> Result<Arc<AST>, CompileError> {
        // A template is a rhai interpolated string; a literal backtick is written twice.
        let literal = format!("`{}`", text.replace('`', "``"));
        self.expression(&literal, each_line).map_err(|mut e| {
            // Column 1 of the template is column 2 of the literal.
            if e.line <= 1 {
                e.column = e.column.saturating_sub(1);
            }
            e
        })
    }

    pub(crate) fn condition(
        when_source: String,
        when: Arc<AST>,
        message: Arc<AST>,
        expected: Option<Arc<AST>>,
        actual: Option<Arc<AST>>,
        each_line: bool,
    ) -> Condition {
        Condition {
            when_source,
            when,
            message,
            expected,
            actual,
            each_line,
        }
    }
}

/// A finding as a script returns it, before the engine names the rule and record.
#[derive(Debug)]
pub(crate) struct ScriptFinding {
    pub message: String,
    pub expected: String,
    pub actual: String,
    pub line: Option<usize>,
}

/// Runs scripts and conditions against records, with the reference data bound.
pub(crate) struct Host {
    engine: rhai::Engine,
    limits: Limits,
}

impl fmt::Debug for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Host({:?})", self.limits)
    }
}

/// A record made ready for scripts once, and shared by every script rule that sees it.
pub(crate) struct Shared {
    record: Arc<Record>,
    value: Dynamic,
}

impl Shared {
    pub(crate) fn new(record: &Record) -> Shared {
        let record = Arc::new(record.clone());
        Shared {
            value: Dynamic::from(ScriptRecord(Arc::clone(&record))),
            record,
        }
    }
}

impl Host {
    pub(crate) fn new(limits: &Limits, data: &Arc<RefData>) -> Host {
        let mut engine = sandboxed(limits);
        api::register(&mut engine, data);
        Host {
            engine,
            limits: *limits,
        }
    }

    /// Runs a script rule's `check(record)`.
    pub(crate) fn run_script(
        &self,
        script: &Script,
        record: &Shared,
    ) -> Result<Vec<ScriptFinding>, String> {
        let lines = record.record.lines.len();
        let mut scope = Scope::new();
        let options = CallFnOptions::new().eval_ast(false).rewind_scope(true);
        let result = self
            .engine
            .call_fn_with_options::<Dynamic>(
                options,
                &mut scope,
                &script.ast,
                ENTRY,
                (record.value.clone(),),
            )
            .map_err(|e| self.explain(&e, &script.file.display().to_string()))?;
        self.findings(result, lines)
    }

    /// Judges a condition on a record (or on each of its lines).
    pub(crate) fn run_condition(
        &self,
        condition: &Condition,
        record: &Shared,
    ) -> Result<Vec<ScriptFinding>, String> {
        let mut scope = Scope::new();
        scope.push_constant_dynamic("record", record.value.clone());
        let mut out = Vec::new();
        if !condition.each_line {
            if self.eval_bool(&mut scope, &condition.when)? {
                out.push(self.render(&mut scope, condition, None)?);
            }
            return Ok(out);
        }
        scope.push_constant("line", ());
        scope.push_constant("index", 0 as rhai::INT);
        for (i, line) in api::lines(&record.record).into_iter().enumerate() {
            scope.set_or_push("line", line);
            scope.set_or_push("index", rhai::INT::try_from(i).unwrap_or(rhai::INT::MAX));
            if self.eval_bool(&mut scope, &condition.when)? {
                out.push(self.render(&mut scope, condition, Some(i))?);
            }
        }
        Ok(out)
    }

    fn eval_bool(&self, scope: &mut Scope, ast: &AST) -> Result<bool, String> {
        let value = self
            .engine
            .eval_ast_with_scope::<Dynamic>(scope, ast)
            .map_err(|e| self.explain(&e, "condition"))?;
        value.as_bool().map_err(|_| {
            format!(
                "the condition gave {}, but must give true or false",
                describe(&value)
            )
        })
    }

    fn render(
        &self,
        scope: &mut Scope,
        condition: &Condition,
        line: Option<usize>,
    ) -> Result<ScriptFinding, String> {
        let mut text = |ast: &Option<Arc<AST>>| -> Result<String, String> {
            match ast {
                None => Ok(String::new()),
                Some(ast) => self
                    .engine
                    .eval_ast_with_scope::<Dynamic>(scope, ast)
                    .map(|v| v.to_string())
                    .map_err(|e| self.explain(&e, "message template")),
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
    fn findings(&self, value: Dynamic, lines: usize) -> Result<Vec<ScriptFinding>, String> {
        if value.is_unit() {
            return Ok(Vec::new());
        }
        let items: Vec<Dynamic> = if value.is_array() {
            value.into_array().unwrap_or_default()
        } else {
            vec![value]
        };
        if items.len() > self.limits.max_findings_per_record {
            return Err(format!(
                "returned {} findings for one record, more than the limit `max_findings_per_record` of {}",
                items.len(),
                self.limits.max_findings_per_record
            ));
        }
        items
            .into_iter()
            .filter(|v| !v.is_unit())
            .map(|v| finding_from(v, lines))
            .collect()
    }

    fn explain(&self, e: &EvalAltResult, what: &str) -> String {
        let l = &self.limits;
        let pos = e.unwrap_inner().position();
        let at = match (pos.line(), pos.position()) {
            (Some(line), Some(col)) => format!(" at {what}:{line}:{col}"),
            (Some(line), None) => format!(" at {what}:{line}"),
            _ => format!(" in {what}"),
        };
        match e.unwrap_inner() {
            EvalAltResult::ErrorTooManyOperations(_) => {
                format!(
                    "stopped after {} operations, the limit `max_operations`{at}",
                    l.max_operations
                )
            }
            EvalAltResult::ErrorStackOverflow(_) => {
                format!(
                    "stopped: calls nested deeper than {}, the limit `max_call_levels`{at}",
                    l.max_call_levels
                )
            }
            EvalAltResult::ErrorDataTooLarge(what_grew, _) => {
                format!(
                    "stopped: {} grew past its limit (`max_string_size`, `max_array_size` or `max_map_size`){at}",
                    what_grew.to_lowercase()
                )
            }
            inner => {
                let text = inner.to_string();
                let text = text.split(" (line ").next().unwrap_or(&text).to_owned();
                format!("script error: {text}{at}")
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

fn finding_from(value: Dynamic, lines: usize) -> Result<ScriptFinding, String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refdata::{Partner, PartnerType};

    fn host() -> (Compiler, Host) {
        let mut data = RefData::new();
        data.add_partner(Partner {
            id: "P-1".into(),
            partner_type: PartnerType::Dealer,
            region: "US-NE".into(),
            status: "active".into(),
            contract_signed: "2026-01-01".parse().ok(),
            nda_expires: None,
            certified_until: None,
        });
        let limits = Limits::DEFAULT;
        (Compiler::new(&limits), Host::new(&limits, &Arc::new(data)))
    }

    fn record(price: &str) -> Shared {
        let json = serde_json::json!({
            "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-1",
            "lines": [{"sku": "A", "qty": 3, "unit_price": price, "currency": "USD"}],
            "attrs": {"n": 2, "x": 1.25}
        });
        Shared::new(&Record::from_json(json).unwrap())
    }

    fn script(body: &str) -> Result<Vec<ScriptFinding>, String> {
        let (compiler, host) = host();
        let s = compiler
            .script(Path::new("t.rhai"), Arc::from(body))
            .map_err(|e| e.message)?;
        host.run_script(&s, &record("11.999"))
    }

    fn condition(when: &str, price: &str) -> Result<Vec<ScriptFinding>, String> {
        let (compiler, host) = host();
        let when_ast = compiler.expression(when, true).map_err(|e| e.message)?;
        let message = compiler
            .template("${line.sku} at ${line.unit_price}", true)
            .map_err(|e| e.message)?;
        let c = Compiler::condition(when.into(), when_ast, message, None, None, true);
        host.run_condition(&c, &record(price))
    }

    #[test]
    fn decimals_compare_exactly() {
        let below = condition("line.unit_price < 12.00", "11.999").unwrap();
        assert_eq!(below.len(), 1);
        assert_eq!(below[0].message, "A at 11.999");
        assert_eq!(below[0].line, Some(0));
        assert!(
            condition("line.unit_price < 12.00", "12.00")
                .unwrap()
                .is_empty()
        );
        assert!(
            condition("line.unit_price < 12", "12.000")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            condition("line.amount == 35.997", "11.999").unwrap().len(),
            1
        );
        assert_eq!(
            condition("decimal(\"0.1\") + decimal(\"0.2\") == 0.3", "1")
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            condition("record.attrs.x == 1.25 && record.attrs.n == 2", "1")
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn scripts_see_records_dates_and_reference_data() {
        let found = script(
            r#"fn check(record) {
                let p = partner(record.partner);
                let days = days_between(p.contract_signed, record.date);
                [finding(`${p.id} ${p.type} ${days}`, p.region, record.date),
                 line_finding(0, record.lines[0].sku, (), ())]
            }"#,
        )
        .unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].message, "P-1 dealer 72");
        assert_eq!(
            (found[0].expected.as_str(), found[0].actual.as_str()),
            ("US-NE", "2026-03-14")
        );
        assert_eq!(found[1].line, Some(0));
        assert!(
            script("fn check(record) { if partner(\"nobody\") == () { return; } finding(\"x\") }")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn every_limit_is_a_rule_error() {
        let cases = [
            ("fn check(record) { loop {} }", "max_operations"),
            (
                "fn f(x) { f(x + 1) } fn check(record) { f(0) }",
                "max_call_levels",
            ),
            (
                "fn check(record) { let s = \"xxxxxxxx\"; loop { s += s; } }",
                "max_string_size",
            ),
            (
                "fn check(record) { let a = [1]; loop { a += a; } }",
                "max_array_size",
            ),
        ];
        for (body, limit) in cases {
            let err = script(body).unwrap_err();
            assert!(err.contains(limit), "{body}: {err}");
        }
    }

    #[test]
    fn bad_results_are_rule_errors() {
        assert!(
            script("fn check(record) { 42 }")
                .unwrap_err()
                .contains("returned `42`")
        );
        assert!(
            script("fn check(record) { #{expected: 1} }")
                .unwrap_err()
                .contains("no `message`")
        );
        assert!(
            script("fn check(record) { line_finding(5, \"m\", (), ()) }")
                .unwrap_err()
                .contains("has 1 lines")
        );
        assert!(
            script("fn check(record) { date(\"2026-02-30\") }")
                .unwrap_err()
                .contains("no such day")
        );
        assert!(
            condition("line.qty", "1")
                .unwrap_err()
                .contains("true or false")
        );
    }

    #[test]
    fn compile_errors_are_caught_at_load() {
        let (compiler, _) = host();
        let compile = |body: &str| {
            compiler
                .script(Path::new("t.rhai"), Arc::from(body))
                .err()
                .map(|e| (e.line, e.message))
        };
        let (line, message) = compile("fn check(record) {\n  let x = 1;\n  x + y\n}").unwrap();
        assert_eq!(line, 3);
        assert!(message.contains("y"), "{message}");
        assert!(
            compile("fn other(record) {}")
                .unwrap()
                .1
                .contains("fn check(record)")
        );
        assert!(compile("fn check(record) { eval(\"1\") }").is_some());
        assert!(compile("import \"x\" as y; fn check(record) {}").is_some());
        assert!(compiler.expression("recrod.id == \"x\"", false).is_err());
        assert!(compiler.expression("line.sku == \"x\"", false).is_err());
        assert!(compiler.expression("line.sku == \"x\"", true).is_ok());
    }

    #[test]
    fn the_sandbox_has_no_clock_and_no_output() {
        assert!(
            script("fn check(record) { timestamp() }")
                .unwrap_err()
                .contains("script error")
        );
        assert!(
            script("fn check(record) { print(\"hello\"); debug(1); }")
                .unwrap()
                .is_empty()
        );
    }
}
