//! `condition`: an inline Rhai expression over `record` (and `line`, `index` with
//! `each_line`); true means a finding, worded by the message templates.

use super::{CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, step};
use crate::outcome::Verdict;
use crate::pack::FileLoader;
use crate::script::Compiler;
use serde::Deserialize;
use toml::Spanned;

pub use crate::script::Condition;

/// `[rule.params]` as written: the expression and the message templates.
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

    /// Compiles the condition and its templates, reporting each error at its place in the
    /// rule file.
    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        let compiler = cx.compiler?;
        let each = p.each_line;
        let when = compiler
            .expression(p.when.get_ref(), each)
            .map_err(|e| cx.inline_error(&p.when, e))
            .ok();
        let message = compiler
            .template(p.message.get_ref(), each)
            .map_err(|e| cx.inline_error(&p.message, e))
            .ok();
        let mut template = |t: &Option<Spanned<String>>| match t {
            None => Some(None),
            Some(t) => compiler
                .template(t.get_ref(), each)
                .map(Some)
                .map_err(|e| cx.inline_error(t, e))
                .ok(),
        };
        let expected = template(&p.expected);
        let actual = template(&p.actual);
        Some(Compiler::condition(
            p.when.into_inner(),
            when?,
            message?,
            expected?,
            actual?,
            each,
        ))
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let shared = env
            .shared
            .get_or_insert_with(|| env.scripts.share(ctx.record));
        let result = env.scripts.run_condition(self, shared);
        super::script::verdict(at, ctx, result, out);
    }

    fn explain(&self, _: &ExplainCx<'_>) -> Vec<Step> {
        vec![step(
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
        )]
    }
}
