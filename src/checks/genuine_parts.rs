//! `genuine-parts`: each line's sku is a genuine part in the OEM catalog, bought from an
//! approved source.

use super::{At, CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, at_stake, step};
use crate::finding::{Finding, Part};
use crate::outcome::Verdict;
use crate::pack::FileLoader;
use crate::record::Line;
use crate::refdata::{CatalogItem, RefData};
use serde::Deserialize;

/// The `genuine-parts` check; it takes no parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct GenuineParts;

/// `[rule.params]` as written: none.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {}

/// What the catalog and the approved sources say about one line.
struct PartDecision<'d> {
    item: Option<&'d CatalogItem>,
    genuine: bool,
    approved: bool,
}

impl GenuineParts {
    fn decide<'d>(line: &Line, data: &'d RefData) -> PartDecision<'d> {
        let item = data.catalog_item(&line.sku);
        PartDecision {
            item,
            genuine: item.is_some_and(|c| c.genuine),
            approved: line
                .source
                .as_deref()
                .is_some_and(|s| data.is_approved_source(s)),
        }
    }
}

impl CheckKind for GenuineParts {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;

    fn load(_: Params, _: &mut FileLoader<'_>) -> Option<Self> {
        Some(GenuineParts)
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, env: &mut Env<'_>, out: &mut Verdict) {
        let record = ctx.record;
        for (i, line) in record.lines.iter().enumerate() {
            let d = Self::decide(line, env.data);
            if !d.genuine || !d.approved {
                let mut finding = not_genuine(&At::record(at, record, Some(i)), line, &d);
                finding.amount = at_stake(
                    env.data,
                    env.settings,
                    *line.unit_price,
                    line.qty,
                    line.currency,
                    record.date,
                );
                out.findings.push(finding);
            }
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        cx.ctx
            .record
            .lines
            .iter()
            .enumerate()
            .map(|(i, line)| {
                let d = Self::decide(line, cx.data);
                let catalog = match d.item {
                    None => "not in the catalog".to_owned(),
                    Some(c) => format!("catalog: genuine {} ({})", c.genuine, c.description),
                };
                let source = line.source.as_deref().unwrap_or("none");
                let text = format!(
                    "{}: {catalog}; source `{source}`, approved {}",
                    line.sku, d.approved
                );
                step(
                    format!("line {} (index {i})", i + 1),
                    text,
                    &[
                        ("sku", line.sku.to_string()),
                        ("genuine", d.genuine.to_string()),
                        ("source", source.to_owned()),
                        ("approved", d.approved.to_string()),
                    ],
                )
            })
            .collect()
    }
}

#[cold]
fn not_genuine(at: &At<'_>, line: &Line, d: &PartDecision<'_>) -> Finding {
    // The values the words are written from when the finding is read: the catalog's
    // description only matters for a part in the catalog that is not genuine.
    let (sku, source) = (line.sku.clone(), line.source.clone());
    let (genuine, approved) = (d.genuine, d.approved);
    let item = d.item.map(|c| (!genuine).then(|| c.description.clone()));
    at.finding_later(move |part| match part {
        Part::Expected => "genuine OEM part from an approved source".to_owned(),
        Part::Actual => format!(
            "{} part from {}",
            if genuine { "genuine" } else { "non-genuine" },
            source
                .as_deref()
                .map_or("no named source".to_owned(), |s| format!("`{s}`"))
        ),
        Part::Message => {
            let mut reasons = Vec::new();
            match &item {
                None => reasons.push(format!("{sku} is not in the OEM catalog")),
                Some(Some(desc)) => {
                    let what = if desc.is_empty() {
                        String::new()
                    } else {
                        format!(" ({desc})")
                    };
                    reasons.push(format!("{sku}{what} is not a genuine OEM part"));
                }
                Some(None) => {}
            }
            if !approved {
                // "it" only reads well after a sentence about the part.
                let subject = if reasons.is_empty() {
                    sku.as_str()
                } else {
                    "it"
                };
                reasons.push(match source.as_deref() {
                    Some(s) => {
                        format!("{subject} was bought from `{s}`, which is not an approved source")
                    }
                    None => format!("the line names no source {subject} was bought from"),
                });
            }
            reasons.join("; ")
        }
    })
}
