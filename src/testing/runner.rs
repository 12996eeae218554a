//! The runner: runs each case of a pack through an [`Engine`], compares the findings with
//! the case's expectations, and gathers the results in a [`TestReport`] that renders the
//! differences.
//!
//! Separate from the case files (`cases.rs`): this is what a case means, not how it is
//! written down.

use super::TESTS_DIR;
use super::cases::{Case, case_data, case_records, pack_cases};
use crate::date::Date;
use crate::diag::LoadError;
use crate::engine::Engine;
use crate::finding::Finding;
use crate::pack::Pack;
use crate::pack::Severity;
use crate::text::escape as esc;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Who a finding is about: a record, or a partner for partner-level rules.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// A record, by id.
    Record(String),
    /// A partner, by id (cadence, analytics).
    Partner(String),
}

/// A finding as a test case names it: `(rule, record)` or `(rule, partner)`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Expected {
    /// The rule's id.
    pub rule: String,
    /// Who it is about.
    #[serde(flatten)]
    pub subject: Subject,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.subject {
            Subject::Record(r) => write!(f, "{} on record {r}", self.rule),
            Subject::Partner(p) => write!(f, "{} on partner {p}", self.rule),
        }
    }
}

/// What an expectation asks of a finding beyond its rule and subject (`line`, `message`,
/// `code`, `severity` in `[[case.expect]]`); a finding matches when it has every detail
/// given.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ExpectedDetails {
    /// The finding's line index (into the record's `lines`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// A substring the finding's message must contain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// The finding's code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The finding's severity (a rule's findings may be milder than the rule, as a
    /// monitored partner's margin analysis is `info`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
}

impl ExpectedDetails {
    /// Whether the expectation asks nothing beyond rule and subject.
    fn is_empty(&self) -> bool {
        self.line.is_none()
            && self.message.is_none()
            && self.code.is_none()
            && self.severity.is_none()
    }

    /// Whether `finding` has every detail asked for.
    fn matches(&self, finding: &Finding) -> bool {
        self.line.is_none_or(|l| finding.line == Some(l))
            && self
                .message
                .as_ref()
                .is_none_or(|m| finding.message.contains(m.as_str()))
            && self
                .code
                .as_ref()
                .is_none_or(|c| finding_code(finding) == Some(c.as_str()))
            && self.severity.is_none_or(|s| finding.severity == s)
    }
}

impl std::fmt::Display for ExpectedDetails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some(message) = &self.message {
            parts.push(format!("message containing {message:?}"));
        }
        if let Some(code) = &self.code {
            parts.push(format!("code `{code}`"));
        }
        if let Some(severity) = self.severity {
            parts.push(format!("severity {severity}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// A finding that came with the expected rule and subject, as a [`Mismatch`] shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundFinding {
    /// Its line index, when it is about one line.
    pub line: Option<usize>,
    /// Its whole message.
    pub message: String,
    /// Its code, when it has one.
    pub code: Option<String>,
    /// Its severity.
    pub severity: Severity,
}

impl FoundFinding {
    fn of(finding: &Finding) -> FoundFinding {
        FoundFinding {
            line: finding.line,
            message: finding.message.to_string(),
            code: finding_code(finding).map(str::to_owned),
            severity: finding.severity,
        }
    }

    /// The details `wanted` asks about, as this finding has them.
    fn show(&self, wanted: &ExpectedDetails) -> String {
        let mut parts = Vec::new();
        if wanted.line.is_some() {
            parts.push(
                self.line
                    .map_or("no line".to_owned(), |l| format!("line {l}")),
            );
        }
        if wanted.message.is_some() {
            parts.push(format!("message {:?}", self.message));
        }
        if wanted.code.is_some() {
            parts.push(
                self.code
                    .as_ref()
                    .map_or("no code".to_owned(), |c| format!("code `{c}`")),
            );
        }
        if wanted.severity.is_some() {
            parts.push(format!("severity {}", self.severity));
        }
        parts.join(", ")
    }
}

/// An expected finding whose rule and subject came, but none with the details the case
/// asks for (`line`, `message`, `code`, `severity`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// The rule and subject.
    #[serde(flatten)]
    pub expected: Expected,
    /// What the case asks of the finding.
    pub wanted: ExpectedDetails,
    /// The findings of that rule and subject that came instead.
    pub found: Vec<FoundFinding>,
}

/// The code of a finding, for an expectation's `code`.
fn finding_code(finding: &Finding) -> Option<&str> {
    finding.code.as_deref()
}

/// One case: what was run, and whether it came out as expected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// Where it is defined.
    pub file: PathBuf,
    /// The line of its `[[case]]`.
    pub line: usize,
    /// Whether every expectation held.
    pub passed: bool,
    /// Expected findings that did not come.
    pub missing: Vec<Expected>,
    /// Findings that came but were not expected.
    pub unexpected: Vec<Expected>,
    /// Expected findings whose rule and subject came, but without the expected line,
    /// message or code.
    pub mismatched: Vec<Mismatch>,
    /// Findings on records the case says must be clean.
    pub not_clean: Vec<Expected>,
    /// `(expected, found)` rule errors, when they differ.
    pub rule_errors: Option<(usize, usize)>,
    /// Why the case could not run as written (bad data, an unreadable record, an unknown
    /// rule), when it could not.
    pub problems: Vec<String>,
    /// The rules that fired in this case.
    #[serde(skip)]
    pub fired: BTreeSet<String>,
    /// Whether the case is one of the base pack's, run against a layered pack.
    pub from_base: bool,
    /// How the case came out: passed, failed, or changed by the layer.
    pub kind: CaseKind,
    /// For a base case the layer changes: each finding (or rule error count) that differs
    /// between the base pack alone and the layered pack, and which override or layer rule
    /// changed it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<LayerChange>,
}

/// How a case came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum CaseKind {
    /// Every expectation held (for a base case: against the layered pack, with the same
    /// findings and severities as against the base alone).
    Passed,
    /// An expectation did not hold (for a base case: against the base pack alone, so the
    /// layer is not the cause), or the case could not run.
    Failed,
    /// A base case that passes against the base pack alone, but whose findings the layer
    /// changes (a severity raised, a rule disabled, a layer rule firing): see
    /// [`CaseResult::changes`]. It does not fail the run.
    ChangedByLayer,
}

/// One difference a layer makes to a base case's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LayerChange {
    /// The finding's rule and subject; `None` for a change in the number of rule errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<Expected>,
    /// Its severity against the base pack alone; `None` when it did not come.
    pub base: Option<Severity>,
    /// Its severity against the layered pack; `None` when it did not come.
    pub layer: Option<Severity>,
    /// What changed it: the override or the layer's rule, in words.
    pub cause: String,
}

impl std::fmt::Display for LayerChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sev = |s: Option<Severity>| s.map_or("none", Severity::as_str);
        match &self.finding {
            Some(e) => write!(
                f,
                "{e}: {} -> {} ({})",
                sev(self.base),
                sev(self.layer),
                self.cause
            ),
            None => f.write_str(&self.cause),
        }
    }
}

/// What a case run saw: each finding's rule and subject with its highest severity, and the
/// number of rule errors.
#[derive(Default, PartialEq, Eq)]
struct Observed {
    findings: BTreeMap<Expected, Severity>,
    rule_errors: usize,
}

/// The outcome of a pack's test cases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestReport {
    /// The pack, as `name version`.
    pub pack: String,
    /// Every case, in file order.
    pub cases: Vec<CaseResult>,
    /// Rules of the pack that no case saw fire: a typo in a selector makes a rule silently
    /// dead, and this is how it shows.
    pub uncovered: Vec<String>,
    /// For a layered pack: its base, as `name version`; the base's cases are in `cases`
    /// too, with [`CaseResult::from_base`] set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
}

impl TestReport {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.count(CaseKind::Passed)
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.count(CaseKind::Failed)
    }

    /// Base cases whose findings the layer changes ([`CaseKind::ChangedByLayer`]); they
    /// do not fail the run.
    pub fn changed(&self) -> usize {
        self.count(CaseKind::ChangedByLayer)
    }

    fn count(&self, kind: CaseKind) -> usize {
        self.cases.iter().filter(|c| c.kind == kind).count()
    }

    /// Whether every case passed.
    pub fn all_passed(&self) -> bool {
        self.failed() == 0
    }

    /// The report for people: a line per case, the differences of each failure, the
    /// uncovered rules, then `N passed, M failed`.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = write!(
            t,
            "pactum test: rule pack {}, {} cases",
            esc(&self.pack),
            self.cases.len()
        );
        match &self.base {
            Some(base) => {
                let _ = writeln!(t, " (layered over {}; its cases marked `base`)", esc(base));
            }
            None => t.push('\n'),
        }
        for c in &self.cases {
            let status = match c.kind {
                CaseKind::Passed => "ok  ",
                CaseKind::Failed => "FAIL",
                CaseKind::ChangedByLayer => "CHANGED BY LAYER",
            };
            let from = if c.from_base { "base  " } else { "" };
            let place = format!("{}:{}", esc(&c.file.display().to_string()), c.line);
            let _ = writeln!(t, "{status}  {from}{}  ({place})", esc(&c.name));
            for change in &c.changes {
                let _ = writeln!(t, "        changed:    {}", esc(&change.to_string()));
            }
            if c.kind != CaseKind::Failed {
                continue;
            }
            for m in &c.missing {
                let _ = writeln!(t, "        missing:    {}", esc(&m.to_string()));
            }
            for u in &c.unexpected {
                let _ = writeln!(t, "        unexpected: {}", esc(&u.to_string()));
            }
            for m in &c.mismatched {
                let _ = writeln!(t, "        mismatch:   {}", esc(&m.expected.to_string()));
                let _ = writeln!(t, "          expected: {}", esc(&m.wanted.to_string()));
                for f in &m.found {
                    let _ = writeln!(t, "          found:    {}", esc(&f.show(&m.wanted)));
                }
            }
            for n in &c.not_clean {
                let _ = writeln!(t, "        not clean:  {}", esc(&n.to_string()));
            }
            if let Some((expected, found)) = c.rule_errors {
                let _ = writeln!(t, "        rule errors: expected {expected}, found {found}");
            }
            for p in &c.problems {
                let _ = writeln!(t, "        problem:    {}", esc(p));
            }
        }
        for rule in &self.uncovered {
            let _ = writeln!(
                t,
                "warning: rule `{}` never fired in any case; add a case that makes it fire (a rule that never fires may have a typo in its selector)",
                esc(rule)
            );
        }
        if self.base.is_some() {
            let _ = writeln!(
                t,
                "{} passed, {} changed by the layer, {} failed",
                self.passed(),
                self.changed(),
                self.failed()
            );
        } else {
            let _ = writeln!(t, "{} passed, {} failed", self.passed(), self.failed());
        }
        t
    }

    /// Panics with the differences when a case failed: for a pack's cases inside
    /// `cargo test`.
    #[track_caller]
    #[expect(
        clippy::panic,
        reason = "an assertion for test suites; failing loudly is its job"
    )]
    pub fn assert_passed(&self) {
        if !self.all_passed() {
            panic!("rule pack test cases failed:\n{}", self.to_text());
        }
    }
}

/// Runs the test cases of the pack in `dir` (every `tests/*.toml` in it).
///
/// Fails only when the pack or a case file cannot be loaded; a case that does not come
/// out as expected is a failed case in the report.
pub fn run_pack_tests(dir: impl AsRef<Path>) -> Result<TestReport, LoadError> {
    let pack = Pack::load(dir.as_ref())?;
    run_tests(&pack)
}

/// Runs the test cases of a loaded pack.
///
/// For a layered pack ([`Pack::base`]) the base's cases run too, against the layered pack
/// and against the base alone, on the base's test data: one that passes alone but whose
/// findings the layer changes is [`CaseKind::ChangedByLayer`], one that fails alone is a
/// failure.
pub fn run_tests(pack: &Pack) -> Result<TestReport, LoadError> {
    let own = match pack.base() {
        // A layer may have no cases of its own.
        Some(_) if pack.case_files().is_none() && !pack.dir().join(TESTS_DIR).is_dir() => {
            Vec::new()
        }
        _ => pack_cases(pack)?,
    };
    let known: HashSet<&str> = pack.rules().iter().map(|r| r.id.as_str()).collect();
    let mut results: Vec<CaseResult> = own
        .into_iter()
        .map(|c| {
            let (mut r, _) = run_case(pack, &known, c, pack.test_data());
            r.kind = if r.passed {
                CaseKind::Passed
            } else {
                CaseKind::Failed
            };
            r
        })
        .collect();
    if let Some(base) = pack.base() {
        let base_known: HashSet<&str> = base.rules().iter().map(|r| r.id.as_str()).collect();
        for case in pack_cases(base)? {
            let (alone, seen_alone) = run_case(base, &base_known, case.clone(), base.test_data());
            let (mut r, seen) = run_case(pack, &known, case, base.test_data());
            r.from_base = true;
            r.changes = layer_changes(pack, &seen_alone, &seen);
            r.kind = if !alone.passed {
                r.problems.push(format!(
                    "the case fails against the base pack {} {} alone too",
                    base.name(),
                    base.version()
                ));
                CaseKind::Failed
            } else if !r.changes.is_empty() {
                CaseKind::ChangedByLayer
            } else if !r.passed {
                // It passes against the base alone, so the layer is what makes it fail
                // (a `rules` list naming a rule the layer disabled, say).
                r.changes = r
                    .problems
                    .iter()
                    .map(|p| LayerChange {
                        finding: None,
                        base: None,
                        layer: None,
                        cause: p.clone(),
                    })
                    .collect();
                if r.changes.is_empty() {
                    r.changes.push(LayerChange {
                        finding: None,
                        base: None,
                        layer: None,
                        cause:
                            "the case passes against the base alone, not against the layered pack"
                                .to_owned(),
                    });
                }
                CaseKind::ChangedByLayer
            } else if r.passed {
                CaseKind::Passed
            } else {
                CaseKind::Failed
            };
            results.push(r);
        }
    }
    let fired: HashSet<&str> = results
        .iter()
        .flat_map(|c| c.fired.iter().map(String::as_str))
        .collect();
    let uncovered = pack
        .rules()
        .iter()
        .map(|r| r.id.clone())
        .filter(|id| !fired.contains(id.as_str()))
        .collect();
    Ok(TestReport {
        pack: format!("{} {}", pack.name(), pack.version()),
        cases: results,
        uncovered,
        base: pack.base().map(|b| format!("{} {}", b.name(), b.version())),
    })
}

/// The differences between a base case's findings against the base alone (`alone`) and
/// against the layered pack (`layered`), each with the override or rule that made it.
fn layer_changes(pack: &Pack, alone: &Observed, layered: &Observed) -> Vec<LayerChange> {
    let mut changes = Vec::new();
    let keys: BTreeSet<&Expected> = alone
        .findings
        .keys()
        .chain(layered.findings.keys())
        .collect();
    for key in keys {
        let (base, layer) = (
            alone.findings.get(key).copied(),
            layered.findings.get(key).copied(),
        );
        if base != layer {
            changes.push(LayerChange {
                finding: Some(key.clone()),
                base,
                layer,
                cause: pack
                    .layer_change(&key.rule)
                    .unwrap_or_else(|| "the layer".to_owned()),
            });
        }
    }
    if alone.rule_errors != layered.rule_errors {
        changes.push(LayerChange {
            finding: None,
            base: None,
            layer: None,
            cause: format!(
                "rule errors: {} against the base alone, {} against the layered pack",
                alone.rule_errors, layered.rule_errors
            ),
        });
    }
    changes
}

fn subject(rule: &str, record: Option<&String>, partner: &str) -> Expected {
    Expected {
        rule: rule.to_owned(),
        subject: match record {
            Some(r) => Subject::Record(r.clone()),
            None => Subject::Partner(partner.to_owned()),
        },
    }
}

fn run_case(
    pack: &Pack,
    known: &HashSet<&str>,
    case: Case,
    test_data: Option<&Path>,
) -> (CaseResult, Observed) {
    let mut seen = Observed::default();
    let result = judge_case(pack, known, case, test_data, &mut seen);
    (result, seen)
}

fn judge_case(
    pack: &Pack,
    known: &HashSet<&str>,
    case: Case,
    test_data: Option<&Path>,
    seen: &mut Observed,
) -> CaseResult {
    let Case { file, line, wire } = case;
    let mut result = CaseResult {
        name: wire.name.clone(),
        file: file.clone(),
        line,
        passed: false,
        missing: Vec::new(),
        unexpected: Vec::new(),
        mismatched: Vec::new(),
        not_clean: Vec::new(),
        rule_errors: None,
        problems: Vec::new(),
        fired: BTreeSet::new(),
        from_base: false,
        kind: CaseKind::Failed,
        changes: Vec::new(),
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let mut expected: BTreeSet<Expected> = BTreeSet::new();
    let mut detailed: Vec<(Expected, ExpectedDetails)> = Vec::new();
    for e in &wire.expect {
        let who = match (&e.record, &e.partner) {
            (Some(r), None) => subject(&e.rule, Some(r), ""),
            (None, Some(p)) => subject(&e.rule, None, p),
            _ => {
                result.problems.push(format!(
                    "expectation for `{}` must name exactly one of `record` and `partner`",
                    e.rule
                ));
                continue;
            }
        };
        let severity = match e.severity.as_deref().map(|s| (s, Severity::from_name(s))) {
            None => None,
            Some((_, Some(severity))) => Some(severity),
            Some((name, None)) => {
                result.problems.push(format!(
                    "expectation for `{}`: `severity` must be `info`, `warning` or `error`, but found `{name}`",
                    e.rule
                ));
                continue;
            }
        };
        let details = ExpectedDetails {
            line: e.line,
            message: e.message.clone(),
            code: e.code.clone(),
            severity,
        };
        if let Some(problem) = details_problem(&details) {
            result
                .problems
                .push(format!("expectation for `{}`: {problem}", e.rule));
        }
        if !details.is_empty() {
            detailed.push((who.clone(), details));
        }
        expected.insert(who);
    }
    for rule in expected
        .iter()
        .map(|e| e.rule.as_str())
        .chain(wire.rules.iter().flatten().map(String::as_str))
    {
        if !known.contains(rule) {
            result
                .problems
                .push(format!("rule `{rule}` is not in the pack"));
        }
    }
    // An expectation the case's `rules` list leaves out could never be met.
    if let Some(scope) = &wire.rules {
        for e in &expected {
            if !scope.contains(&e.rule) {
                result.problems.push(format!(
                    "the case expects a `{}` finding, but its `rules` list leaves that rule out",
                    e.rule
                ));
            }
        }
    }
    let data = case_data(test_data, base, &file, line, &wire).map_err(|e| result.problems.push(e));
    let batch = case_records(base, &wire).map_err(|e| result.problems.push(e));
    let as_of = match wire.as_of.as_deref().map(str::parse::<Date>) {
        None => None,
        Some(Ok(d)) => Some(d),
        Some(Err(e)) => {
            result.problems.push(format!("`as_of`: {e}"));
            None
        }
    };
    let (Ok(data), Ok(batch)) = (data, batch) else {
        result.problems.dedup();
        return result;
    };
    let engine = match Engine::new(pack.clone(), data) {
        Ok(e) => e,
        Err(e) => {
            result.problems.push(e.to_string());
            return result;
        }
    };
    let report = engine.run(&batch, as_of);
    let in_scope = |rule: &str| {
        wire.rules
            .as_ref()
            .is_none_or(|r| r.iter().any(|x| x == rule))
    };
    let mut actual: BTreeSet<Expected> = BTreeSet::new();
    for f in report.findings() {
        result.fired.insert(f.rule.to_string());
        let e = subject(&f.rule, f.record.as_ref(), &f.partner);
        let severity = seen.findings.entry(e.clone()).or_insert(f.severity);
        *severity = (*severity).max(f.severity);
        if wire.clean.iter().any(|c| Some(c) == f.record.as_ref()) {
            result.not_clean.push(e.clone());
        }
        if in_scope(&f.rule) {
            actual.insert(e);
        }
    }
    for c in &wire.clean {
        if !batch.records.iter().any(|r| r.id == c.as_str()) {
            result.problems.push(format!(
                "`clean` names record `{c}`, which is not in the case"
            ));
        }
    }
    result.missing = expected.difference(&actual).cloned().collect();
    result.unexpected = actual.difference(&expected).cloned().collect();
    for (who, wanted) in detailed {
        let found: Vec<&Finding> = report
            .findings()
            .iter()
            .filter(|f| subject(&f.rule, f.record.as_ref(), &f.partner) == who)
            .collect();
        // No finding of that rule and subject at all is `missing` already.
        if !found.is_empty() && !found.iter().any(|f| wanted.matches(f)) {
            result.mismatched.push(Mismatch {
                expected: who,
                wanted,
                found: found.into_iter().map(FoundFinding::of).collect(),
            });
        }
    }
    let wanted_errors = wire.rule_errors.unwrap_or(0);
    let errors = report.rule_errors().len();
    seen.rule_errors = errors;
    if errors != wanted_errors {
        result.rule_errors = Some((wanted_errors, errors));
        for e in report.rule_errors().iter().take(3) {
            let on = e.record.as_deref().unwrap_or("the batch");
            result
                .problems
                .push(format!("rule error: {} on {on}: {}", e.rule, e.reason));
        }
    }
    result.passed = result.missing.is_empty()
        && result.unexpected.is_empty()
        && result.mismatched.is_empty()
        && result.not_clean.is_empty()
        && result.rule_errors.is_none()
        && result.problems.is_empty();
    result
}

/// What is wrong with an expectation's details as written, if anything: an empty `message`
/// would match every finding, and a code is one word.
fn details_problem(details: &ExpectedDetails) -> Option<&'static str> {
    if details.message.as_deref() == Some("") {
        return Some(
            "`message` is empty, so it would match any finding; give a part of the message",
        );
    }
    if details
        .code
        .as_deref()
        .is_some_and(|c| c.is_empty() || c.contains(char::is_whitespace))
    {
        return Some("`code` must be a code: one word, not empty, with no spaces");
    }
    None
}
