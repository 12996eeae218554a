//! `script`: a Rhai file in the pack whose `check(record)` returns the findings. The
//! script itself is compiled when the pack loads (`crate::script`); this module reads its
//! params and turns what it returns into findings and rule errors.

use super::{CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, step};
use crate::finding::{Finding, RuleError};
use crate::outcome::Verdict;
use crate::pack::FileLoader;
use crate::script::{Host, Prepared, ScriptError, ScriptFinding, Seen, Tracing};
use serde::Deserialize;
use std::sync::Arc;
use toml::Spanned;

pub use crate::script::Script;

/// `[rule.params]` as written: a `.rhai` file in the pack (the other keys are the script's
/// `params`).
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
    const OWN_KEYS: Option<&'static [&'static str]> = Some(&["file"]);

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        let params = cx.take_policy_params();
        cx.script(&p.file, params)
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let result = env.scripts.judge_script(self, ctx.record, env.shared);
        verdict(at, ctx, result, out);
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let call = if self.takes_params() {
            "check(record, params)"
        } else {
            "check(record)"
        };
        let mut steps = vec![step(
            "script",
            format!(
                "`{call}` in {}; what it read and returned follows, its findings and errors are the verdict below",
                self.file().display()
            ),
            &[("file", self.file().display().to_string())],
        )];
        steps.extend(params_step(self.params()));
        steps.extend(traced(cx, |host, shared| host.run_script(self, shared)));
        steps
    }
}

/// The rule's parameters, as one step, when it has any.
pub(super) fn params_step<'a>(params: impl Iterator<Item = (&'a str, String)>) -> Option<Step> {
    let params: Vec<(&str, String)> = params.collect();
    if params.is_empty() {
        return None;
    }
    let text = params
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(step("params", text, &params))
}

/// The policy run again on the record with its reads traced: a step for each value it
/// read (record fields, reference lookups) and each value it gave, in order.
pub(super) fn traced(
    cx: &ExplainCx<'_>,
    run: impl FnOnce(&Host, &Prepared) -> Result<Vec<ScriptFinding>, ScriptError>,
) -> Vec<Step> {
    let shared = cx.scripts.share(cx.ctx.record);
    let tracing = Tracing::start();
    // The verdict shown is the batch run's; this run is for what the policy looked at.
    let _ = run(cx.scripts, &shared);
    tracing
        .finish()
        .into_iter()
        .map(|seen| match seen {
            Seen::Read { what, value } => step(
                "read",
                format!("{what} is {value}"),
                &[("read", what), ("value", value)],
            ),
            Seen::Gave { what, value } => step(
                "gave",
                format!("{what} {value}"),
                &[("gave", what), ("value", value)],
            ),
            Seen::More(n) => step(
                "read",
                format!("and {n} more values, not listed"),
                &[("more", n.to_string())],
            ),
        })
        .collect()
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
        title: Arc::clone(at.title),
        severity: at.rule.severity,
        record: Some(record.id.to_string()),
        line: f.line,
        date: record.date,
        partner: record.partner.to_string(),
        customer: record.customer.as_deref().map(str::to_owned),
        sku: f
            .line
            .and_then(|i| record.lines.get(i))
            .map(|l| l.sku.to_string()),
        message: f.message.into(),
        expected: f.expected.into(),
        actual: f.actual.into(),
        code: None,
        amount: None,
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
                Some(record.id.to_string()),
                error.kind,
                error.reason,
            ));
        }
    }
}
