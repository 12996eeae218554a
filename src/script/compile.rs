//! Compiling policies: a script rule's `.rhai` file and an inline condition with its
//! message templates become a [`Script`] or a [`Condition`] once, when the pack loads.
//!
//! Separate from running them (`host.rs`): compiling happens once per pack and reports
//! [`CompileError`]s that loading turns into located diagnostics; nothing here sees a record.

use super::native::compile::{self as native, Body};
use super::native::{Compiled, NativeCondition};
use super::params::Params;
use super::sandbox::sandboxed;
use super::uses::{self, PARAMS};
use crate::limits::Limits;
use rhai::{AST, ParseError, Scope};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The function a script file must define.
pub(crate) const ENTRY: &str = "check";

/// A compiled `.rhai` file of a script rule.
#[derive(Clone)]
pub struct Script {
    pub(super) file: PathBuf,
    pub(super) source: Arc<str>,
    pub(super) ast: Arc<AST>,
    /// Whether `check` takes the rule's parameters: `fn check(record, params)`.
    pub(super) takes_params: bool,
    /// The rule's parameters.
    pub(super) params: Params,
    /// `check` on the compiled path, or why it runs on rhai.
    pub(super) native: Compiled<Body>,
}

/// A compiled inline condition with its message templates.
#[derive(Clone)]
pub struct Condition {
    pub(super) when_source: String,
    pub(super) when: Arc<AST>,
    pub(super) message: Arc<AST>,
    pub(super) expected: Option<Arc<AST>>,
    pub(super) actual: Option<Arc<AST>>,
    pub(super) each_line: bool,
    /// The rule's parameters.
    pub(super) params: Params,
    /// Whether the condition or a template names `params` (else it is not bound).
    pub(super) uses_params: bool,
    /// The condition on the compiled path, or why it runs on rhai.
    pub(super) native: Compiled<NativeCondition>,
}

impl Script {
    /// The script's path inside the pack.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The script's text.
    pub(crate) fn source(&self) -> &str {
        &self.source
    }

    /// Whether `check` takes the rule's parameters: `fn check(record, params)`.
    pub(crate) fn takes_params(&self) -> bool {
        self.takes_params
    }

    /// The script bound to a rule's parameters, or every use of `params` in it that they
    /// cannot satisfy.
    pub(crate) fn with_params(mut self, params: Params) -> Result<Script, Vec<CompileError>> {
        let errors = uses::check(&self.ast, &params, uses::Scope::Script);
        if !errors.is_empty() {
            return Err(errors);
        }
        self.params = params;
        Ok(self)
    }

    /// The rule's parameters, written as in TOML.
    pub(crate) fn params(&self) -> impl Iterator<Item = (&str, String)> {
        self.params.iter().map(|(k, v)| (k, v.to_string()))
    }

    /// Whether `check` runs compiled (`Ok`) or on rhai, and why (`Err`).
    pub fn compiled(&self) -> Result<(), &str> {
        self.native.as_ref().map(|_| ()).map_err(|why| &**why)
    }
}

impl Condition {
    /// Whether the condition runs compiled (`Ok`) or on rhai, and why (`Err`).
    pub fn compiled(&self) -> Result<(), &str> {
        self.native.as_ref().map(|_| ()).map_err(|why| &**why)
    }

    /// The condition as written.
    pub fn source(&self) -> &str {
        &self.when_source
    }

    /// Whether it is judged once per line (with `line` and `index` in scope).
    pub fn each_line(&self) -> bool {
        self.each_line
    }

    /// The condition bound to other parameters (a layer's override), or every use of
    /// `params` in it or its templates that they cannot satisfy.
    pub(crate) fn with_params(mut self, params: Params) -> Result<Condition, Vec<CompileError>> {
        let errors: Vec<CompileError> = self
            .asts()
            .flat_map(|ast| Compiler::check_params(ast, &params, self.each_line))
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        self.params = params;
        Ok(self)
    }

    /// The condition and its templates.
    fn asts(&self) -> impl Iterator<Item = &Arc<AST>> {
        [
            Some(&self.when),
            Some(&self.message),
            self.expected.as_ref(),
            self.actual.as_ref(),
        ]
        .into_iter()
        .flatten()
    }

    /// The rule's parameters, written as in TOML.
    pub(crate) fn params(&self) -> impl Iterator<Item = (&str, String)> {
        self.params.iter().map(|(k, v)| (k, v.to_string()))
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
        self.file == other.file && self.source == other.source && self.params == other.params
    }
}
impl Eq for Script {}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.when_source == other.when_source
            && self.each_line == other.each_line
            && self.params == other.params
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

    /// Compiles a script file, which must define `fn check(record)` or, to read the
    /// rule's parameters, `fn check(record, params)`.
    pub(crate) fn script(&self, file: &Path, source: Arc<str>) -> Result<Script, CompileError> {
        let ast = self.engine.compile(&*source)?;
        let arity = ast
            .iter_functions()
            .filter(|f| f.name == ENTRY)
            .map(|f| f.params.len())
            .max();
        let Some(arity @ 1..=2) = arity else {
            return Err(CompileError {
                line: 1,
                column: 1,
                message: format!(
                    "a rule script must define `fn {ENTRY}(record)` or `fn {ENTRY}(record, {PARAMS})`, which returns its findings"
                ),
            });
        };
        let native = native::script(&ast, ENTRY).map(Arc::new).map_err(Arc::from);
        Ok(Script {
            file: file.to_path_buf(),
            source,
            ast: Arc::new(ast),
            takes_params: arity == 2,
            params: Params::default(),
            native,
        })
    }

    fn scope(each_line: bool) -> Scope<'static> {
        // Variables, not constants: rhai's optimiser would fold a constant's compile-time
        // placeholder value into the expression.
        let mut scope = Scope::new();
        scope.push("record", ());
        scope.push(PARAMS, ());
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

    /// Every use of `params` in a compiled condition or template that the rule's
    /// parameters cannot satisfy.
    pub(crate) fn check_params(ast: &AST, params: &Params, each_line: bool) -> Vec<CompileError> {
        uses::check(ast, params, uses::Scope::Condition { each_line })
    }

    pub(crate) fn condition(
        when_source: String,
        when: Arc<AST>,
        message: Arc<AST>,
        expected: Option<Arc<AST>>,
        actual: Option<Arc<AST>>,
        each_line: bool,
        params: Params,
    ) -> Condition {
        let mut condition = Condition {
            when_source,
            when,
            message,
            expected,
            actual,
            each_line,
            params,
            uses_params: false,
            native: Err(Arc::from("")),
        };
        let uses_params = condition.asts().any(|ast| uses::mentions_params(ast));
        condition.uses_params = uses_params;
        condition.native = Self::native_condition(&condition)
            .map(Arc::new)
            .map_err(Arc::from);
        condition
    }

    /// The condition and its templates on the compiled path, or why not.
    fn native_condition(c: &Condition) -> Result<NativeCondition, String> {
        let each = c.each_line;
        let template = |ast: &Option<Arc<AST>>, what: &str| {
            ast.as_ref()
                .map(|ast| native::expression(ast, each))
                .transpose()
                .map_err(|why| format!("{why} in the {what} template"))
        };
        Ok(NativeCondition {
            when: native::expression(&c.when, each)?,
            message: native::expression(&c.message, each)
                .map_err(|why| format!("{why} in the message template"))?,
            expected: template(&c.expected, "expected")?,
            actual: template(&c.actual, "actual")?,
            each_line: each,
        })
    }
}
