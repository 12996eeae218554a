//! Compiling policies: a script rule's `.rhai` file and an inline condition with its
//! message templates become a [`Script`] or a [`Condition`] once, when the pack loads.
//!
//! Separate from running them (`host.rs`): compiling happens once per pack and reports
//! [`CompileError`]s that loading turns into located diagnostics; nothing here sees a record.

use super::sandbox::sandboxed;
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
