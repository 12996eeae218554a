//! `required-documents`: each record of a kind carries the documents that kind needs (a
//! signed service report on a service order, a purchase order on a sale).

use super::{At, CheckKind, Ctx, Env, ExplainCx, RuleRef, Step, kind_words, step};
use crate::finding::{Finding, Part};
use crate::outcome::Verdict;
use crate::pack::FileLoader;
use crate::record::{Kind, Record};
use serde::Deserialize;
use toml::Spanned;

/// The parameters of a `required-documents` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequiredDocuments {
    /// What each record kind must carry.
    pub require: Vec<Requirement>,
}

/// One document a record kind must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Requirement {
    /// The record kind that needs it.
    pub record_kind: Kind,
    /// The document kind, such as `service_report`.
    pub document: String,
    /// Whether it must be signed.
    pub signed: bool,
}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    require: Vec<WireRequirement>,
}

/// One `[[rule.params.require]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireRequirement {
    record_kind: Spanned<String>,
    document: String,
    signed: bool,
}

/// How a record fared against one requirement.
struct DocDecision<'a> {
    requirement: &'a Requirement,
    /// Whether a document of the kind is there at all, signed or not.
    present: bool,
    /// Whether the requirement is met.
    met: bool,
}

impl RequiredDocuments {
    /// The requirements that apply to `record`, each decided.
    fn decide<'a>(&'a self, record: &'a Record) -> impl Iterator<Item = DocDecision<'a>> + 'a {
        self.require
            .iter()
            .filter(move |r| r.record_kind == record.kind)
            .map(move |r| {
                let met = record.has_document(&r.document, r.signed);
                DocDecision {
                    requirement: r,
                    present: met || record.documents.iter().any(|d| d.kind == r.document),
                    met,
                }
            })
    }
}

impl CheckKind for RequiredDocuments {
    type Params = Params;
    type State = ();
    const STATELESS: bool = true;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        let mut require = Vec::new();
        for r in p.require {
            require.push(Requirement {
                record_kind: cx.kind(&r.record_kind)?,
                document: r.document,
                signed: r.signed,
            });
        }
        Some(RequiredDocuments { require })
    }

    fn judge(&self, at: &RuleRef<'_>, ctx: &Ctx<'_>, _: &mut Env<'_>, out: &mut Verdict) {
        for d in self.decide(ctx.record) {
            if !d.met {
                out.findings
                    .push(missing_document(&At::record(at, ctx.record, None), ctx, &d));
            }
        }
    }

    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let rec = cx.ctx.record;
        let present: Vec<String> = rec
            .documents
            .iter()
            .map(|d| {
                format!(
                    "{} ({})",
                    d.kind,
                    if d.signed { "signed" } else { "unsigned" }
                )
            })
            .collect();
        let mut steps = vec![step(
            "documents",
            format!(
                "the record carries {}",
                if present.is_empty() {
                    "no documents".to_owned()
                } else {
                    present.join(", ")
                }
            ),
            &[("documents", present.join(", "))],
        )];
        for d in self.decide(rec) {
            let r = d.requirement;
            let need = if r.signed {
                format!("a signed {}", r.document)
            } else {
                format!("a {}", r.document)
            };
            steps.push(step(
                "requirement",
                format!(
                    "every {} needs {need}: {}",
                    r.record_kind.as_str(),
                    if d.met {
                        "present"
                    } else {
                        "missing, a finding"
                    }
                ),
                &[
                    ("document", r.document.clone()),
                    ("signed", r.signed.to_string()),
                    ("present", d.met.to_string()),
                ],
            ));
        }
        steps
    }
}

#[cold]
fn missing_document(at: &At<'_>, ctx: &Ctx<'_>, d: &DocDecision<'_>) -> Finding {
    // The values the words are written from when the finding is read.
    let (kind, id) = (ctx.record.kind.clone(), ctx.record.id.clone());
    let document = d.requirement.document.clone();
    let (signed, present) = (d.requirement.signed, d.present);
    at.finding_later(move |part| {
        let need = if signed {
            format!("signed {document}")
        } else {
            document.clone()
        };
        match part {
            Part::Expected => need,
            Part::Actual if present => format!("unsigned {document}"),
            Part::Actual => "none".to_owned(),
            Part::Message => {
                let what = if present {
                    format!("carries a {document} that is not signed")
                } else {
                    format!("carries no {document}")
                };
                let kind = kind_words(&kind);
                format!("{kind} {id} {what}; every {kind} needs a {need}")
            }
        }
    })
}
