//! `script`: a Rhai file in the pack whose `check(record)` returns the findings. The
//! script itself is compiled when the pack loads (`crate::script`); this module reads its
//! params and turns what it returns into findings and rule errors.

use super::{CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, step};
use crate::finding::{Finding, RuleError};
use crate::outcome::Verdict;
use crate::pack::FileLoader;
use crate::script::{ScriptError, ScriptFinding};
use serde::Deserialize;
use std::sync::Arc;
use toml::Spanned;

pub use crate::script::Script;

/// `[rule.params]` as written: a `.rhai` file in the pack.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    /// Path relative to the pack folder, such as `scripts/partner_active.rhai`.
    file: Spanned<String>,
}

impl CheckKind for Script {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        cx.script(&p.file)
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let shared = env
            .shared
            .get_or_insert_with(|| env.scripts.share(ctx.record));
        let result = env.scripts.run_script(self, shared);
        verdict(at, ctx, result, out);
    }

    fn explain(&self, _: &ExplainCx<'_>) -> Vec<Step> {
        vec![step(
            "script",
            format!(
                "`check(record)` in {}; its findings and errors are the verdict below",
                self.file().display()
            ),
            &[("file", self.file().display().to_string())],
        )]
    }
}

/// What a script or condition returned, as findings or a rule error: the decision is the
/// script's, and the explanation shows the findings it made.
pub(super) fn verdict(
    at: &RuleRef<'_>,
    ctx: &Ctx<'_>,
    result: Result<Vec<ScriptFinding>, ScriptError>,
    out: &mut Verdict,
) {
    let record = ctx.record;
    let finding = |f: ScriptFinding| Finding {
        rule: Arc::clone(at.id),
        severity: at.rule.severity,
        record: Some(record.id.clone()),
        line: f.line,
        partner: record.partner.clone(),
        message: f.message,
        expected: f.expected,
        actual: f.actual,
        code: None,
        date: record.date,
    };
    match result {
        Ok(found) => out.findings.extend(found.into_iter().map(finding)),
        Err(error) => {
            // Findings that stand despite the error (the first `max_findings_per_record`
            // of an `each_line` condition that made more), then the error itself.
            out.findings.extend(error.kept.into_iter().map(finding));
            out.rule_errors.push(RuleError::new(
                at.id,
                at.rule.severity,
                Some(record.id.clone()),
                error.kind,
                error.reason,
            ));
        }
    }
}
