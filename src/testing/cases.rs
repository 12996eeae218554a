//! Case files: the wire format of a pack's `tests/*.toml` (what a policy author writes),
//! reading and validating those files, and turning a case's inline records and reference
//! rows into the batch and data it runs on.
//!
//! Separate from the runner (`runner.rs`): everything about the file's shape, and every
//! diagnostic about a malformed file, is here; the runner only judges.

use crate::diag::{Diagnostic, LoadError, Location, codes};
use crate::record::{Batch, Record, read_batch};
use crate::refdata::RefData;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The reference tables a case can add rows to, by their CSV file's name.
const TABLES: [&str; 7] = [
    "price_list",
    "catalog",
    "approved_sources",
    "partners",
    "installed_base",
    "special_prices",
    "fx_rates",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default)]
    case: Vec<Spanned<WireCase>>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireCase {
    pub(super) name: String,
    pub(super) rules: Option<Vec<String>>,
    pub(super) as_of: Option<String>,
    pub(super) data: Option<String>,
    #[serde(default)]
    pub(super) records: Vec<toml::Table>,
    pub(super) records_file: Option<String>,
    #[serde(default)]
    pub(super) expect: Vec<WireExpect>,
    #[serde(default)]
    pub(super) clean: Vec<String>,
    pub(super) rule_errors: Option<usize>,
    #[serde(default)]
    pub(super) price_list: Vec<toml::Table>,
    #[serde(default)]
    pub(super) catalog: Vec<toml::Table>,
    #[serde(default)]
    pub(super) approved_sources: Vec<toml::Table>,
    #[serde(default)]
    pub(super) partners: Vec<toml::Table>,
    #[serde(default)]
    pub(super) installed_base: Vec<toml::Table>,
    #[serde(default)]
    pub(super) special_prices: Vec<toml::Table>,
    #[serde(default)]
    pub(super) fx_rates: Vec<toml::Table>,
}

#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WireExpect {
    pub(super) rule: String,
    pub(super) record: Option<String>,
    pub(super) partner: Option<String>,
    /// The finding's line index.
    pub(super) line: Option<usize>,
    /// A substring the finding's message must contain.
    pub(super) message: Option<String>,
    /// The finding's code.
    pub(super) code: Option<String>,
    /// The finding's severity: `info`, `warning` or `error`.
    pub(super) severity: Option<String>,
}

/// A case as read, with where it is.
#[derive(Clone)]
pub(super) struct Case {
    pub(super) file: PathBuf,
    pub(super) line: usize,
    pub(super) wire: WireCase,
}

/// The cases of `pack`: from its `tests/` folder, or from the case files it was given in
/// memory.
pub(super) fn pack_cases(pack: &crate::pack::Pack) -> Result<Vec<Case>, LoadError> {
    let dir = pack.dir().join(super::TESTS_DIR);
    load_cases_from(&dir, pack.case_files())
}

/// Reads the case files of `dir` (or, for a pack in memory, `in_memory`: paths relative to
/// the pack, named under `dir`'s parent in diagnostics), in name order.
fn load_cases_from(
    dir: &Path,
    in_memory: Option<&[(PathBuf, String)]>,
) -> Result<Vec<Case>, LoadError> {
    let mut errors = LoadError::default();
    if let Some(files) = in_memory {
        let root = dir.parent().unwrap_or(dir);
        let mut files: Vec<(PathBuf, &str)> = files
            .iter()
            .map(|(p, t)| (root.join(p), t.as_str()))
            .collect();
        files.sort();
        let mut cases = Vec::new();
        for (file, text) in files {
            parse_case_file(&file, text, &mut cases, &mut errors);
        }
        return errors.into_result(cases);
    }
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
                errors.push(
                    Diagnostic::new(
                        Location::new(&file, 0, 0),
                        format!("cannot read the test file: {e}"),
                    )
                    .with_code(codes::TEST_UNREADABLE),
                );
                continue;
            }
        };
        parse_case_file(&file, &text, &mut cases, &mut errors);
    }
    errors.into_result(cases)
}

/// Parses one case file, adding its cases to `cases` and its problems to `errors`.
fn parse_case_file(file: &Path, text: &str, cases: &mut Vec<Case>, errors: &mut LoadError) {
    // One index of line starts per file: every case's line is found by a binary search.
    let index = crate::diag::LineIndex::new(text);
    errors.add_source(file, text.into());
    match toml::from_str::<CaseFile>(text) {
        Ok(parsed) => {
            if parsed.case.is_empty() {
                errors.push(
                    Diagnostic::new(
                        Location::new(file, 1, 1),
                        "a test file must hold at least one `[[case]]`",
                    )
                    .with_code(codes::TEST_NO_CASES),
                );
            }
            for case in parsed.case {
                let (line, _) = index.line_column(text, case.span().start);
                cases.push(Case {
                    file: file.to_path_buf(),
                    line,
                    wire: case.into_inner(),
                });
            }
        }
        Err(e) => {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().replace('\n', "; ");
            let help = crate::pack::unknown_key_hint(&message);
            let code = if message.starts_with("unknown field `") {
                codes::TEST_UNKNOWN_KEY
            } else {
                codes::TEST_INVALID
            };
            errors.push(
                Diagnostic::new(Location::from_span(file, text, span), message)
                    .with_code(code)
                    .with_help(help),
            );
        }
    }
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
pub(super) fn case_data(
    test_data: Option<&Path>,
    base: &Path,
    file: &Path,
    line: usize,
    wire: &WireCase,
) -> Result<RefData, String> {
    let folder = wire
        .data
        .as_ref()
        .map(|d| base.join(d))
        .or_else(|| test_data.map(Path::to_path_buf));
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
        &wire.special_prices,
        &wire.fx_rates,
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
pub(super) fn case_records(base: &Path, wire: &WireCase) -> Result<Batch, String> {
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
