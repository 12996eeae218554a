//! `condition`: an inline Rhai expression over `record` (and `line`, `index` with
//! `each_line`); true means a finding, worded by the message templates.

use super::{CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, step};
use crate::outcome::Verdict;
use crate::pack::FileLoader;
use crate::script::Compiler;
use serde::Deserialize;
use toml::Spanned;

pub use crate::script::Condition;

/// `[rule.params]` as written: the expression and the message templates (the other keys
/// are the condition's `params`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    /// A Rhai expression over `record` (and `line`, `index` with `each_line`); true means a
    /// finding.
    when: Spanned<String>,
    /// The finding's message, with `${expression}` placeholders.
    message: Spanned<String>,
    expected: Option<Spanned<String>>,
    actual: Option<Spanned<String>>,
    /// Judge each line of the record on its own.
    #[serde(default)]
    each_line: bool,
}

impl CheckKind for Condition {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;
    const OWN_KEYS: Option<&'static [&'static str]> =
        Some(&["when", "message", "expected", "actual", "each_line"]);

    /// Compiles the condition and its templates, reporting each error (and each use of
    /// `params` the rule's parameters cannot satisfy) at its place in the rule file.
    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        let compiler = cx.compiler?;
        let params = cx.take_policy_params();
        let each = p.each_line;
        let mut compile = |text: &Spanned<String>, template: bool| {
            let ast = if template {
                compiler.template(text.get_ref(), each)
            } else {
                compiler.expression(text.get_ref(), each)
            }
            .map_err(|e| cx.inline_error(text, e))
            .ok()?;
            let errors = params
                .as_ref()
                .map(|params| Compiler::check_params(&ast, params, each))
                .unwrap_or_default();
            let ok = errors.is_empty();
            for e in errors {
                cx.inline_error(text, e);
            }
            ok.then_some(ast)
        };
        let when = compile(&p.when, false);
        let message = compile(&p.message, true);
        let expected = p.expected.as_ref().map(|t| compile(t, true));
        let actual = p.actual.as_ref().map(|t| compile(t, true));
        Some(Compiler::condition(
            p.when.into_inner(),
            when?,
            message?,
            expected.map_or(Some(None), |t| t.map(Some))?,
            actual.map_or(Some(None), |t| t.map(Some))?,
            each,
            params?,
        ))
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let result = env.scripts.judge_condition(self, ctx.record, env.shared);
        super::script::verdict(at, ctx, result, out);
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let mut steps = vec![step(
            "condition",
            format!(
                "`{}`{}",
                self.source(),
                if self.each_line() {
                    ", judged on each line"
                } else {
                    ""
                }
            ),
            &[("when", self.source().to_owned())],
        )];
        steps.extend(super::script::params_step(self.params()));
        steps.extend(super::script::traced(cx, |host, shared| {
            host.run_condition(self, shared)
        }));
        steps
    }
}
