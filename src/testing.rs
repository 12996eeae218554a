//! A pack's own test cases (`tests/*.toml` in the pack): records in, expected findings out,
//! so a policy team knows before shipping that a change does what it meant.
//!
//! ```toml
//! [[case]]
//! name = "one cent below list is flagged"
//! rules = ["price.min-list"]        # optional: compare only these rules' findings
//! as_of = "2026-06-30"              # optional
//! expect = [{ rule = "price.min-list", record = "S-1" }]
//! clean = ["S-2"]                   # records that must produce no finding at all
//! rule_errors = 0                   # optional; default 0
//!
//! [[case.records]]                  # or records_file = "cases/x.jsonl"
//! id = "S-1"
//! kind = "sale"
//! date = "2026-03-14"
//! partner = "P-SI-07"
//! lines = [{ sku = "SEAL-200", qty = 1, unit_price = "89.99", currency = "USD", source = "oem" }]
//!
//! [[case.partners]]                 # rows merged over the pack's test data
//! id = "P-NEW"
//! type = "dealer"
//! ```

use crate::date::Date;
use crate::diag::{Diagnostic, LoadError, Location};
use crate::engine::Engine;
use crate::pack::Pack;
use crate::record::{Batch, Record, read_batch};
use crate::refdata::RefData;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The folder of a pack that holds its test cases.
pub const TESTS_DIR: &str = "tests";

/// The reference tables a case can add rows to, by their CSV file's name.
const TABLES: [&str; 5] = [
    "price_list",
    "catalog",
    "approved_sources",
    "partners",
    "installed_base",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Spanned<WireCase>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireCase {
    name: String,
    rules: Option<Vec<String>>,
    as_of: Option<String>,
    data: Option<String>,
    #[serde(default)]
    records: Vec<toml::Table>,
    records_file: Option<String>,
    #[serde(default)]
    expect: Vec<WireExpect>,
    #[serde(default)]
    clean: Vec<String>,
    rule_errors: Option<usize>,
    #[serde(default)]
    price_list: Vec<toml::Table>,
    #[serde(default)]
    catalog: Vec<toml::Table>,
    #[serde(default)]
    approved_sources: Vec<toml::Table>,
    #[serde(default)]
    partners: Vec<toml::Table>,
    #[serde(default)]
    installed_base: Vec<toml::Table>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireExpect {
    rule: String,
    record: Option<String>,
    partner: Option<String>,
}

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
}

impl TestReport {
    /// Cases that passed.
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }

    /// Cases that failed.
    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }

    /// Whether every case passed.
    pub fn all_passed(&self) -> bool {
        self.failed() == 0
    }

    /// The report for people: a line per case, the differences of each failure, the
    /// uncovered rules, then `N passed, M failed`.
    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "pactum test: rule pack {}, {} cases",
            self.pack,
            self.cases.len()
        );
        for c in &self.cases {
            let status = if c.passed { "ok  " } else { "FAIL" };
            let place = format!("{}:{}", c.file.display(), c.line);
            let _ = writeln!(t, "{status}  {}  ({place})", c.name);
            if c.passed {
                continue;
            }
            for m in &c.missing {
                let _ = writeln!(t, "        missing:    {m}");
            }
            for u in &c.unexpected {
                let _ = writeln!(t, "        unexpected: {u}");
            }
            for n in &c.not_clean {
                let _ = writeln!(t, "        not clean:  {n}");
            }
            if let Some((expected, found)) = c.rule_errors {
                let _ = writeln!(t, "        rule errors: expected {expected}, found {found}");
            }
            for p in &c.problems {
                let _ = writeln!(t, "        problem:    {p}");
            }
        }
        for rule in &self.uncovered {
            let _ = writeln!(
                t,
                "warning: rule `{rule}` never fired in any case; add a case that makes it fire (a rule that never fires may have a typo in its selector)"
            );
        }
        let _ = writeln!(t, "{} passed, {} failed", self.passed(), self.failed());
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
pub fn run_tests(pack: &Pack) -> Result<TestReport, LoadError> {
    let cases = load_cases(&pack.dir().join(TESTS_DIR))?;
    let known: HashSet<&str> = pack.rules().iter().map(|r| r.id.as_str()).collect();
    let results: Vec<CaseResult> = cases
        .into_iter()
        .map(|c| run_case(pack, &known, c))
        .collect();
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
    })
}

/// A case as read, with where it is.
struct Case {
    file: PathBuf,
    line: usize,
    wire: WireCase,
}

fn load_cases(dir: &Path) -> Result<Vec<Case>, LoadError> {
    let mut errors = LoadError::default();
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut cases = Vec::new();
    for file in files {
        let text = match std::fs::read_to_string(&file) {
            Ok(t) => t,
            Err(e) => {
                errors.push(Diagnostic::new(
                    Location::new(&file, 0, 0),
                    format!("cannot read the test file: {e}"),
                ));
                continue;
            }
        };
        errors.add_source(&file, text.as_str().into());
        match toml::from_str::<CaseFile>(&text) {
            Ok(parsed) => {
                if parsed.case.is_empty() {
                    errors.push(Diagnostic::new(
                        Location::new(&file, 1, 1),
                        "a test file must hold at least one `[[case]]`",
                    ));
                }
                for case in parsed.case {
                    let (line, _) = crate::diag::line_column(&text, case.span().start);
                    cases.push(Case {
                        file: file.clone(),
                        line,
                        wire: case.into_inner(),
                    });
                }
            }
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                let message = e.message().trim().replace('\n', "; ");
                let help = crate::pack::unknown_key_hint(&message);
                errors.push(
                    Diagnostic::new(Location::from_span(&file, &text, span), message)
                        .with_help(help),
                );
            }
        }
    }
    errors.into_result(cases)
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

fn run_case(pack: &Pack, known: &HashSet<&str>, case: Case) -> CaseResult {
    let Case { file, line, wire } = case;
    let mut result = CaseResult {
        name: wire.name.clone(),
        file: file.clone(),
        line,
        passed: false,
        missing: Vec::new(),
        unexpected: Vec::new(),
        not_clean: Vec::new(),
        rule_errors: None,
        problems: Vec::new(),
        fired: BTreeSet::new(),
    };
    let base = file.parent().unwrap_or(Path::new("."));
    let mut expected: BTreeSet<Expected> = BTreeSet::new();
    for e in &wire.expect {
        match (&e.record, &e.partner) {
            (Some(r), None) => expected.insert(subject(&e.rule, Some(r), "")),
            (None, Some(p)) => expected.insert(subject(&e.rule, None, p)),
            _ => {
                result.problems.push(format!(
                    "expectation for `{}` must name exactly one of `record` and `partner`",
                    e.rule
                ));
                false
            }
        };
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
    let data = case_data(pack, base, &file, line, &wire).map_err(|e| result.problems.push(e));
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
        if wire.clean.iter().any(|c| Some(c) == f.record.as_ref()) {
            result.not_clean.push(e.clone());
        }
        if in_scope(&f.rule) {
            actual.insert(e);
        }
    }
    for c in &wire.clean {
        if !batch.records.iter().any(|r| &r.id == c) {
            result.problems.push(format!(
                "`clean` names record `{c}`, which is not in the case"
            ));
        }
    }
    result.missing = expected.difference(&actual).cloned().collect();
    result.unexpected = actual.difference(&expected).cloned().collect();
    let wanted_errors = wire.rule_errors.unwrap_or(0);
    let errors = report.rule_errors().len();
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
        && result.not_clean.is_empty()
        && result.rule_errors.is_none()
        && result.problems.is_empty();
    result
}

/// Every problem of a load error on one line, for a case's problem list.
fn one_line(e: &LoadError) -> String {
    e.diagnostics()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// The case's reference data: its own folder or the pack's test data, with its inline rows
/// merged over.
fn case_data(
    pack: &Pack,
    base: &Path,
    file: &Path,
    line: usize,
    wire: &WireCase,
) -> Result<RefData, String> {
    let folder = wire
        .data
        .as_ref()
        .map(|d| base.join(d))
        .or_else(|| pack.test_data().map(Path::to_path_buf));
    let mut data = match folder {
        Some(dir) => {
            RefData::load(&dir).map_err(|e| format!("reference data: {}", one_line(&e)))?
        }
        None => RefData::new(),
    };
    let tables = [
        &wire.price_list,
        &wire.catalog,
        &wire.approved_sources,
        &wire.partners,
        &wire.installed_base,
    ];
    for (name, rows) in TABLES.iter().zip(tables) {
        if rows.is_empty() {
            continue;
        }
        let mut converted = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            let mut values = Vec::new();
            for (key, value) in row {
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(n) => n.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Datetime(d) => d.to_string(),
                    _ => {
                        return Err(format!(
                            "`{name}` row {}: column `{key}` must be a string, number, boolean or date; write decimals in quotes",
                            i + 1
                        ));
                    }
                };
                values.push((key.clone(), text));
            }
            converted.push((line, values));
        }
        data.merge_rows(name, file, &converted)
            .map_err(|e| format!("`{name}` rows: {}", one_line(&e)))?;
    }
    Ok(data)
}

/// The case's records, inline or from its file; a record that cannot be read fails the case
/// (a typo must not make a test pass by checking nothing).
fn case_records(base: &Path, wire: &WireCase) -> Result<Batch, String> {
    let mut records = Vec::new();
    for (i, table) in wire.records.iter().enumerate() {
        let json = toml_to_json(&toml::Value::Table(table.clone()))
            .map_err(|e| format!("record {}: {e}", i + 1))?;
        records.push(Record::from_json(json).map_err(|e| format!("record {}: {e}", i + 1))?);
    }
    let mut batch = Batch::from_records(records);
    if let Some(file) = &wire.records_file {
        let path = base.join(file);
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let from_file = read_batch(&bytes).map_err(|e| format!("`{}`: {e}", path.display()))?;
        let mut all = batch.records;
        all.extend(from_file.records);
        batch = Batch::from_records(all);
        batch.rejected.extend(from_file.rejected);
    }
    if let Some(r) = batch.rejected.first() {
        return Err(format!(
            "a record cannot be read (line {}): {}",
            r.line, r.error
        ));
    }
    if batch.records.is_empty() {
        return Err("the case has no records".to_owned());
    }
    Ok(batch)
}

/// A record written in TOML, as the JSON the reader takes. Floats are refused: a price
/// must be written in quotes to stay exact.
fn toml_to_json(value: &toml::Value) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match value {
        toml::Value::String(s) => J::String(s.clone()),
        toml::Value::Integer(n) => J::from(*n),
        toml::Value::Float(_) => {
            return Err(
                "write decimals in quotes (`unit_price = \"81.00\"`) so they stay exact".to_owned(),
            );
        }
        toml::Value::Boolean(b) => J::Bool(*b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => {
            J::Array(items.iter().map(toml_to_json).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(t) => J::Object(
            t.iter()
                .map(|(k, v)| Ok((k.clone(), toml_to_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}
