//! `Engine::explain`: what a rule looked at for one record, and why it decided as it did.
//! The verdict comes from a real run of the batch; the steps show the rule's working.

use super::builtin::{cadence_start, money};
use super::{Ctx, Engine, shown};
use crate::date::Date;
use crate::diag::did_you_mean;
use crate::finding::{Finding, RuleError};
use crate::pack::{Check, Rule, Severity};
use crate::record::{Batch, Kind, Record};
use crate::refdata::{PriceRow, ticked};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One thing the rule looked at, in a sentence, with its facts for tools.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// What the step is about: `line 1`, `documents`, `pipeline history`.
    pub about: String,
    /// What the rule saw and concluded, for people.
    pub text: String,
    /// The same as named values, for tools.
    pub facts: BTreeMap<String, String>,
}

/// Why a rule decided as it did on one record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The rule's id.
    pub rule: String,
    /// Its title.
    pub title: String,
    /// Its check kind.
    pub check: &'static str,
    /// Its severity.
    pub severity: Severity,
    /// The record's id.
    pub record: String,
    /// The record's partner.
    pub partner: String,
    /// The record's date.
    pub date: Date,
    /// Whether the rule's selector takes the record (or, for partner-level rules, its
    /// partner).
    pub selected: bool,
    /// Why, in a sentence.
    pub selection: String,
    /// What the rule looked at.
    pub steps: Vec<Step>,
    /// The rule's findings on this record (and, for partner-level rules, on its partner).
    pub findings: Vec<Finding>,
    /// The rule's errors on this record.
    pub rule_errors: Vec<RuleError>,
}

/// The rule or record to explain does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ExplainError {
    message: String,
}

fn step(about: impl Into<String>, text: impl Into<String>, facts: &[(&str, String)]) -> Step {
    Step {
        about: about.into(),
        text: text.into(),
        facts: facts
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
    }
}

impl Engine {
    /// Explains what rule `rule` looked at for record `record` of `batch`, and why it
    /// decided as it did (judged as of `as_of`, default the latest record date).
    pub fn explain(
        &self,
        batch: &Batch,
        rule: &str,
        record: &str,
        as_of: Option<Date>,
    ) -> Result<Explanation, ExplainError> {
        let Some((r, _)) = self.rules().find(|(r, _)| r.id == rule) else {
            let ids: Vec<&str> = self.pack.rules().iter().map(|r| r.id.as_str()).collect();
            let hint =
                did_you_mean(rule, ids.iter().copied()).map_or(String::new(), |h| format!("; {h}"));
            return Err(ExplainError {
                message: format!("rule `{rule}` is not in the pack{hint}"),
            });
        };
        let Some(rec) = batch.records.iter().find(|x| x.id == record) else {
            let rejected = batch
                .rejected
                .iter()
                .any(|x| x.error.duplicate_id() == Some(record));
            let why = if rejected { ", which was rejected" } else { "" };
            return Err(ExplainError {
                message: format!("record `{record}` is not among the records read{why}"),
            });
        };
        let report = self.run(batch, as_of);
        let as_of = report.as_of().unwrap_or(rec.date);
        let ctx = self.ctx(rec);
        let partner_level = matches!(
            r.check,
            Check::PipelineCadence { .. } | Check::PeerOutlier(_)
        );
        let findings: Vec<Finding> = report
            .findings()
            .iter()
            .filter(|f| &*f.rule == rule)
            .filter(|f| match &f.record {
                Some(id) => id == record,
                None => partner_level && f.partner == rec.partner,
            })
            .cloned()
            .collect();
        let rule_errors = report
            .rule_errors()
            .iter()
            .filter(|e| &*e.rule == rule && e.record.as_deref().is_none_or(|id| id == record))
            .cloned()
            .collect();
        let (selected, selection) = selection(r, &ctx, partner_level);
        let steps = if selected {
            self.steps(r, &ctx, batch, as_of, &report)
        } else {
            Vec::new()
        };
        Ok(Explanation {
            rule: r.id.clone(),
            title: r.title.clone(),
            check: r.check.kind_name(),
            severity: r.severity,
            record: rec.id.clone(),
            partner: rec.partner.clone(),
            date: rec.date,
            selected,
            selection,
            steps,
            findings,
            rule_errors,
        })
    }

    fn steps(
        &self,
        rule: &Rule,
        ctx: &Ctx<'_>,
        batch: &Batch,
        as_of: Date,
        report: &crate::report::Report,
    ) -> Vec<Step> {
        let rec = ctx.record;
        let data = &*self.data;
        match &rule.check {
            Check::MinListPrice { allowed_discount } => {
                let ptype = ctx.partner.map(|p| p.partner_type);
                let discount = ptype
                    .and_then(|t| allowed_discount.iter().find(|(x, _)| *x == t))
                    .map_or(Decimal::ZERO, |(_, d)| *d);
                let who = ptype.map_or("a partner not in partners.csv".to_owned(), |t| {
                    format!("a {t}")
                });
                let mut steps = vec![step(
                    "discount",
                    format!(
                        "{who} may sell at most {} below list",
                        percent_text(discount)
                    ),
                    &[
                        (
                            "partner_type",
                            ptype.map_or("-".to_owned(), |t| t.to_string()),
                        ),
                        ("allowed_discount", discount.to_string()),
                    ],
                )];
                for (i, line) in rec.lines.iter().enumerate() {
                    let about = format!("line {} (index {i})", i + 1);
                    let Some(p) = data.list_price(&line.sku, &line.currency, rec.date) else {
                        steps.push(step(about, format!("{} in {}: no list price in force on {}; price.no-list-price judges this line", line.sku, line.currency, rec.date), &[("sku", line.sku.clone()), ("currency", line.currency.to_string())]));
                        continue;
                    };
                    let floor = (Decimal::ONE - discount)
                        .checked_mul(p.list_price)
                        .unwrap_or(p.list_price);
                    let scale = p.list_price.scale().max(2);
                    let verdict = if line.unit_price >= floor {
                        format!(
                            "{} >= {}: at or above the floor, passes",
                            money(*line.unit_price, scale),
                            money(floor, scale)
                        )
                    } else {
                        format!(
                            "{} < {}: below the floor, a finding",
                            money(*line.unit_price, scale),
                            money(floor, scale)
                        )
                    };
                    let text = format!(
                        "{} x {} at {} {}; {}; floor {} x (1 - {discount}) = {}; {verdict}",
                        line.qty,
                        line.sku,
                        money(*line.unit_price, scale),
                        line.currency,
                        price_row(p),
                        money(p.list_price, scale),
                        money(floor, scale)
                    );
                    steps.push(step(
                        about,
                        text,
                        &[
                            ("sku", line.sku.clone()),
                            ("currency", line.currency.to_string()),
                            ("unit_price", line.unit_price.to_string()),
                            ("list_price", p.list_price.to_string()),
                            ("effective", p.range()),
                            ("price_list_line", p.line.to_string()),
                            ("floor", floor.to_string()),
                            ("passes", (line.unit_price >= floor).to_string()),
                        ],
                    ));
                }
                steps
            }
            Check::ListPriceExists => rec
                .lines
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    let about = format!("line {} (index {i})", i + 1);
                    match data.list_price(&line.sku, &line.currency, rec.date) {
                        Some(p) => step(
                            about,
                            format!("{} in {}: {}", line.sku, line.currency, price_row(p)),
                            &[("found", "true".to_owned()), ("effective", p.range())],
                        ),
                        None => {
                            let rows: Vec<String> = data
                                .prices_of(&line.sku)
                                .iter()
                                .map(|r| {
                                    format!(
                                        "{} {} {}",
                                        r.currency,
                                        money(r.list_price, 2),
                                        r.range()
                                    )
                                })
                                .collect();
                            let known = if rows.is_empty() {
                                "the sku is not on the price list".to_owned()
                            } else {
                                format!("its rows: {}", rows.join("; "))
                            };
                            step(
                                about,
                                format!(
                                    "{} in {} on {}: no list price in force ({known})",
                                    line.sku, line.currency, rec.date
                                ),
                                &[("found", "false".to_owned())],
                            )
                        }
                    }
                })
                .collect(),
            Check::GenuineParts => rec
                .lines
                .iter()
                .enumerate()
                .map(|(i, line)| {
                    let item = data.catalog_item(&line.sku);
                    let catalog = match item {
                        None => "not in the catalog".to_owned(),
                        Some(c) => format!("catalog: genuine {} ({})", c.genuine, c.description),
                    };
                    let source = line.source.as_deref().unwrap_or("none");
                    let approved = line
                        .source
                        .as_deref()
                        .is_some_and(|s| data.is_approved_source(s));
                    let text = format!(
                        "{}: {catalog}; source `{source}`, approved {approved}",
                        line.sku
                    );
                    step(
                        format!("line {} (index {i})", i + 1),
                        text,
                        &[
                            ("sku", line.sku.clone()),
                            ("genuine", item.is_some_and(|c| c.genuine).to_string()),
                            ("source", source.to_owned()),
                            ("approved", approved.to_string()),
                        ],
                    )
                })
                .collect(),
            Check::RequiredDocuments { require } => {
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
                for (kind, document, signed) in require.iter().filter(|(k, ..)| k == &rec.kind) {
                    let ok = rec.has_document(document, *signed);
                    let need = if *signed {
                        format!("a signed {document}")
                    } else {
                        format!("a {document}")
                    };
                    steps.push(step(
                        "requirement",
                        format!(
                            "every {} needs {need}: {}",
                            kind.as_str(),
                            if ok { "present" } else { "missing, a finding" }
                        ),
                        &[
                            ("document", document.clone()),
                            ("signed", signed.to_string()),
                            ("present", ok.to_string()),
                        ],
                    ));
                }
                steps
            }
            Check::AgreementOnFile {
                agreement_kind,
                document,
                signed,
            } => {
                let Some(name) = &rec.agreement else {
                    return vec![step(
                        "agreement",
                        "the record names no agreement: nothing to check",
                        &[],
                    )];
                };
                let found = batch
                    .records
                    .iter()
                    .find(|x| &x.id == name && &x.kind == agreement_kind);
                let text = match found {
                    None => format!(
                        "names agreement {name}; no {} record {name} is on file",
                        agreement_kind.as_str()
                    ),
                    Some(a) => format!(
                        "names agreement {name}; on file, dated {} ({} the sale), {} a {}{document}",
                        a.date,
                        if a.date <= rec.date {
                            "on or before"
                        } else {
                            "after"
                        },
                        if a.has_document(document, *signed) {
                            "carrying"
                        } else {
                            "not carrying"
                        },
                        if *signed { "signed " } else { "" }
                    ),
                };
                vec![step(
                    "agreement",
                    text,
                    &[
                        ("agreement", name.clone()),
                        ("on_file", found.is_some().to_string()),
                        (
                            "dated",
                            found.map_or("-".to_owned(), |a| a.date.to_string()),
                        ),
                    ],
                )]
            }
            Check::RegisteredBeforeSale {
                lead_days,
                update_kind,
            } => {
                let Some(opp) = &rec.opportunity else {
                    return vec![step(
                        "opportunity",
                        "the sale names no opportunity: a finding",
                        &[],
                    )];
                };
                let mut history: Vec<&Record> = batch
                    .records
                    .iter()
                    .filter(|x| &x.kind == update_kind && x.opportunity.as_ref() == Some(opp))
                    .collect();
                history.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
                let lines: Vec<String> = history
                    .iter()
                    .map(|u| {
                        format!(
                            "{} {} by {}{}",
                            u.date,
                            u.id,
                            u.partner,
                            u.stage
                                .as_ref()
                                .map_or(String::new(), |s| format!(" ({s})"))
                        )
                    })
                    .collect();
                let deadline = rec.date.add_days(-lead_days);
                let verdict = match history.first() {
                    None => "never reported: a finding".to_owned(),
                    Some(first) if first.date <= deadline => format!(
                        "first reported {}, on or before {deadline}: passes",
                        first.date
                    ),
                    Some(first) => {
                        format!("first reported {}, after {deadline}: a finding", first.date)
                    }
                };
                vec![
                    step(
                        "pipeline history",
                        format!(
                            "opportunity {opp}: {}",
                            if lines.is_empty() {
                                "no updates".to_owned()
                            } else {
                                lines.join("; ")
                            }
                        ),
                        &[("updates", lines.join("; "))],
                    ),
                    step(
                        "lead time",
                        format!(
                            "the policy asks for at least {lead_days} days: first report by {deadline}; {verdict}"
                        ),
                        &[("deadline", deadline.to_string())],
                    ),
                ]
            }
            Check::PipelineCadence {
                max_gap_days,
                update_kind,
            } => {
                let Some(partner) = ctx.partner else {
                    return vec![step(
                        "partner",
                        "the partner is not in partners.csv: not judged",
                        &[],
                    )];
                };
                let first = batch
                    .records
                    .iter()
                    .map(|x| x.date)
                    .min()
                    .unwrap_or(rec.date);
                let start = cadence_start(partner, first);
                let mut dates: Vec<Date> = batch
                    .records
                    .iter()
                    .filter(|x| x.partner == partner.id && &x.kind == update_kind)
                    .map(|x| x.date)
                    .filter(|d| start <= *d && *d <= as_of)
                    .collect();
                dates.sort_unstable();
                dates.dedup();
                let list: Vec<String> = dates.iter().map(ToString::to_string).collect();
                let text = format!(
                    "window {start} (later of contract {} and the batch's first date {first}) to as-of {as_of}; updates: {}; at most {max_gap_days} days between points",
                    partner
                        .contract_signed
                        .map_or("-".to_owned(), |d| d.to_string()),
                    if list.is_empty() {
                        "none".to_owned()
                    } else {
                        list.join(", ")
                    }
                );
                vec![step(
                    "pipeline updates",
                    text,
                    &[
                        ("window_start", start.to_string()),
                        ("as_of", as_of.to_string()),
                        ("updates", list.join(", ")),
                    ],
                )]
            }
            Check::Condition(c) => vec![step(
                "condition",
                format!(
                    "`{}`{}",
                    c.source(),
                    if c.each_line() {
                        ", judged on each line"
                    } else {
                        ""
                    }
                ),
                &[("when", c.source().to_owned())],
            )],
            Check::Script(s) => vec![step(
                "script",
                format!(
                    "`check(record)` in {}; its findings and errors are the verdict below",
                    s.file().display()
                ),
                &[("file", s.file().display().to_string())],
            )],
            Check::PeerOutlier(p) => {
                let score = report
                    .analytics()
                    .scores
                    .iter()
                    .find(|s| *s.rule == *rule.id && s.partner == rec.partner);
                let group = score.and_then(|s| {
                    report
                        .analytics()
                        .groups
                        .iter()
                        .find(|g| *g.rule == *rule.id && g.group == s.group)
                });
                match (score, group) {
                    (Some(s), Some(g)) => vec![
                        step(
                            "metric",
                            format!(
                                "{} {} over {} installed assets = {} per asset ({} other-currency line(s) left out)",
                                shown(s.total),
                                p.currency,
                                s.assets,
                                shown(s.per_asset),
                                s.other_currency_lines
                            ),
                            &[
                                ("total", s.total.to_string()),
                                ("assets", s.assets.to_string()),
                                ("per_asset", s.per_asset.to_string()),
                            ],
                        ),
                        step(
                            "peer group",
                            format!(
                                "{}: {} partners, median {}, MAD {}{}",
                                g.group,
                                g.partners,
                                g.median.map_or("-".to_owned(), shown),
                                g.mad.map_or("-".to_owned(), shown),
                                g.note
                                    .as_ref()
                                    .map_or(String::new(), |n| format!("; not judged: {n}"))
                            ),
                            &[("group", g.group.clone())],
                        ),
                        step(
                            "score",
                            match s.score {
                                Some(z) => format!(
                                    "modified z-score 0.6745 x ({} - {}) / {} = {}; flagged {} {}: {}",
                                    shown(s.per_asset),
                                    g.median.map_or("-".to_owned(), shown),
                                    g.mad.map_or("-".to_owned(), shown),
                                    shown(z),
                                    direction_words(p.direction),
                                    shown(p.threshold),
                                    if s.flagged { "flagged" } else { "within" }
                                ),
                                None => "no score".to_owned(),
                            },
                            &[
                                ("score", s.score.map_or("-".to_owned(), |z| z.to_string())),
                                ("flagged", s.flagged.to_string()),
                            ],
                        ),
                    ],
                    _ => vec![step(
                        "metric",
                        "the partner was not measured (see the report's left_out)",
                        &[],
                    )],
                }
            }
        }
    }
}

fn direction_words(d: crate::pack::Direction) -> &'static str {
    match d {
        crate::pack::Direction::High => "above",
        crate::pack::Direction::Low => "below minus",
        crate::pack::Direction::Both => "beyond plus or minus",
    }
}

fn percent_text(fraction: Decimal) -> String {
    format!("{}%", (fraction * Decimal::ONE_HUNDRED).normalize())
}

fn price_row(p: &PriceRow) -> String {
    format!(
        "list price {} {} (price_list.csv line {}, in force {})",
        money(p.list_price, 2),
        p.currency,
        p.line,
        p.range()
    )
}

/// Whether the rule's selector takes the record, and why, in a sentence.
fn selection(rule: &Rule, ctx: &Ctx<'_>, partner_level: bool) -> (bool, String) {
    let s = &rule.select;
    let kinds: Vec<&str> = s.kinds.iter().map(Kind::as_str).collect();
    let types: Vec<&str> = s.partner_types.iter().map(|t| t.as_str()).collect();
    let mut reasons = Vec::new();
    let kind_ok = partner_level || s.kinds.is_empty() || s.kinds.contains(&ctx.record.kind);
    if !kind_ok {
        reasons.push(format!(
            "the rule looks at {} records, and this is a {}",
            ticked(&kinds),
            ctx.record.kind.as_str()
        ));
    }
    let type_ok = s.partner_types.is_empty()
        || ctx
            .partner
            .is_some_and(|p| s.partner_types.contains(&p.partner_type));
    if !type_ok {
        let this = ctx.partner.map_or("not in partners.csv".to_owned(), |p| {
            format!("a {}", p.partner_type)
        });
        reasons.push(format!(
            "the rule looks at partners of type {}, and {} is {this}",
            ticked(&types),
            ctx.record.partner
        ));
    }
    let region_ok =
        s.regions.is_empty() || ctx.region.is_some_and(|r| s.regions.iter().any(|x| x == r));
    if !region_ok {
        reasons.push(format!(
            "the rule looks at regions {}, and this is {}",
            s.regions.join(", "),
            ctx.region.unwrap_or("no region")
        ));
    }
    if reasons.is_empty() {
        (true, "the rule's selector takes this record".to_owned())
    } else {
        (false, format!("not judged: {}", reasons.join("; ")))
    }
}

impl Explanation {
    /// The explanation for people.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "{} ({}, {}): {}",
            self.rule, self.severity, self.check, self.title
        );
        let _ = writeln!(
            t,
            "record {} of partner {} on {}",
            self.record, self.partner, self.date
        );
        let _ = writeln!(t, "{}", self.selection);
        for s in &self.steps {
            let _ = writeln!(t, "  {}: {}", s.about, s.text);
        }
        match (self.findings.len(), self.rule_errors.len()) {
            (0, 0) if self.selected => {
                let _ = writeln!(t, "verdict: no finding");
            }
            (0, 0) => {}
            (n, e) => {
                let _ = writeln!(
                    t,
                    "verdict: {n} finding{}, {e} rule error{}",
                    if n == 1 { "" } else { "s" },
                    if e == 1 { "" } else { "s" }
                );
            }
        }
        for f in &self.findings {
            let line = f
                .line
                .map_or(String::new(), |l| format!(" (line {})", l + 1));
            let _ = writeln!(
                t,
                "  - {}{line}; expected {}, actual {}",
                f.message, f.expected, f.actual
            );
        }
        for e in &self.rule_errors {
            let _ = writeln!(t, "  - rule error: {}", e.reason);
        }
        t
    }
}
