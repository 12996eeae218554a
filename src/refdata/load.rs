//! Reading reference data from CSV: the files and their columns, the typed and located
//! parsing of each field, and merging a test case's inline rows over loaded data.
//!
//! Kept apart from the types and lookups in `mod.rs`: the rules only ever look data up, and
//! every way a file can be wrong (and the diagnostic that says so) lives here.
//!
//! Memory: a file is read a row at a time (never its whole text, never all its rows), and
//! a partner is kept once, keyed by its own id. Loading 200,000 partners with one
//! installed-base row each keeps 313 heap bytes per partner and raises the peak resident
//! set by 358 bytes per partner (`cargo test --test memory -- --nocapture`; before: 431
//! and 614). With the release `pactum` on `pactum generate --partners N --records 1000`
//! data, `pactum explain` (reference data, engine and batch, no report) peaks at 131 MB
//! for 100,000 partners and 901 MB for 1,000,000; `pactum check --format json` peaks at
//! 325 MB and 3.1 GB, the rest being the report's scorecard and peer analytics, a card
//! and a score for every partner.

use super::{ById, CatalogItem, InstalledBase, Partner, PartnerType, PriceRow, RefData, ticked};
use crate::date::Date;
use crate::diag::{Diagnostic, LoadError, Location, codes, did_you_mean};
use crate::money::{is_currency_code, parse_decimal};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

impl RefData {
    /// Loads the CSV files of `dir`. `price_list.csv`, `catalog.csv`, `approved_sources.csv`
    /// and `partners.csv` are required; `installed_base.csv` is optional. Every bad row of
    /// every file is reported, each with file, line and column.
    pub fn load(dir: impl AsRef<Path>) -> Result<RefData, LoadError> {
        let dir = dir.as_ref();
        let mut errors = LoadError::default();
        let mut data = RefData::default();
        if !dir.is_dir() {
            errors.push(
                Diagnostic::new(
                    Location::new(dir, 0, 0),
                    format!("reference data folder `{}` does not exist", dir.display()),
                )
                .with_code(codes::DATA_MISSING_FOLDER),
            );
            return Err(errors);
        }
        for (name, columns, required) in FILES {
            if let Some(mut t) = Table::open(dir, name, columns, required, &mut errors) {
                data.ingest(name, &mut t, false, &mut errors);
            }
        }
        data.hash = crate::digest::data_hash(dir, FILES.iter().map(|f| f.0));
        errors.into_result(data)
    }

    /// Adds the rows of one reference file. On load (`replace` false) a repeated key is an
    /// error; when rows are merged over existing data (a test case's inline rows), a row
    /// replaces the one with its key.
    fn ingest(&mut self, name: &str, t: &mut Table, replace: bool, errors: &mut LoadError) {
        match name {
            "price_list.csv" => {
                let mut rows: Vec<PriceRow> = Vec::new();
                while let Some(row) = t.next_row(errors) {
                    rows.extend(row.parse_price(errors));
                }
                if replace {
                    // Merged rows for a sku and currency replace that pair's whole history.
                    for p in &rows {
                        if let Some(old) = self.prices.get_mut(&p.sku) {
                            old.retain(|o| o.currency != p.currency);
                        }
                    }
                }
                for p in rows {
                    self.prices.entry(p.sku.clone()).or_default().push(p);
                }
                self.check_price_overlaps(&t.path, errors);
            }
            "catalog.csv" => {
                while let Some(row) = t.next_row(errors) {
                    let (Some(sku), Some(genuine)) =
                        (row.text("sku", errors), row.boolean("genuine", errors))
                    else {
                        continue;
                    };
                    let description = row.optional("description").to_owned();
                    let item = CatalogItem {
                        sku: sku.to_owned(),
                        genuine,
                        description,
                    };
                    if self.catalog.insert(sku.to_owned(), item).is_some() && !replace {
                        row.duplicate("sku", sku, errors);
                    }
                }
            }
            "approved_sources.csv" => {
                while let Some(row) = t.next_row(errors) {
                    if let Some(source) = row.text("source", errors) {
                        let known = self
                            .sources
                            .insert(source.to_owned(), row.optional("name").to_owned());
                        if known.is_some() && !replace {
                            row.duplicate("source", source, errors);
                        }
                    }
                }
            }
            "partners.csv" => {
                while let Some(row) = t.next_row(errors) {
                    if let Some(p) = row.parse_partner(errors) {
                        let id = row.optional("id");
                        if self.partners.replace(ById(p)).is_some() && !replace {
                            row.duplicate("id", id, errors);
                        }
                    }
                }
            }
            _ => {
                while let Some(row) = t.next_row(errors) {
                    let (Some(partner), Some(region), Some(assets)) = (
                        row.text("partner", errors),
                        row.text("region", errors),
                        row.count("assets", errors),
                    ) else {
                        continue;
                    };
                    let (partner, region) = (partner.to_owned(), region.to_owned());
                    if replace {
                        self.installed_base
                            .retain(|b| b.partner != partner || b.region != region);
                    }
                    self.installed_base.push(InstalledBase {
                        partner,
                        region,
                        assets,
                    });
                }
                self.installed_base.shrink_to_fit();
            }
        }
    }

    /// Merges rows given as `(line, column → value)` over this data, as if they were rows
    /// of `file` (one of the five reference files) in `source`: each is parsed and checked as
    /// a CSV row would be, and replaces the row with its key. Missing columns are empty.
    pub(crate) fn merge_rows(
        &mut self,
        file: &str,
        source: &Path,
        rows: &[(usize, Vec<(String, String)>)],
    ) -> Result<(), LoadError> {
        let mut errors = LoadError::default();
        let Some((name, columns, _)) = FILES
            .iter()
            .find(|(n, ..)| n.trim_end_matches(".csv") == file)
        else {
            let known: Vec<&str> = FILES
                .iter()
                .map(|(n, ..)| n.trim_end_matches(".csv"))
                .collect();
            let message = format!(
                "unknown reference table `{file}`; expected one of {}",
                ticked(&known)
            );
            return Err(Diagnostic::new(Location::new(source, 0, 0), message)
                .with_code(codes::DATA_UNKNOWN_TABLE)
                .with_help(did_you_mean(file, known))
                .into());
        };
        let mut records = Vec::new();
        for (line, values) in rows {
            for (key, _) in values {
                if !columns.contains(&key.as_str()) {
                    let message = format!(
                        "unknown column `{key}` of `{name}`; expected one of {}",
                        ticked(columns)
                    );
                    let help = did_you_mean(key, columns.iter().copied());
                    errors.push(
                        Diagnostic::new(Location::new(source, *line, 1), message)
                            .with_code(codes::DATA_UNKNOWN_COLUMN)
                            .with_help(help),
                    );
                }
            }
            let record: csv::StringRecord = columns
                .iter()
                .map(|c| {
                    values
                        .iter()
                        .find(|(k, _)| k == c)
                        .map_or("", |(_, v)| v.as_str())
                })
                .collect();
            records.push((*line, record));
        }
        let mut table = Table {
            path: source.to_path_buf(),
            columns: columns.iter().enumerate().map(|(i, c)| (*c, i)).collect(),
            rows: Rows::Memory(records.into_iter()),
        };
        self.hash = None; // merged rows: no longer the files' data
        self.ingest(name, &mut table, true, &mut errors);
        errors.into_result(())
    }

    fn check_price_overlaps(&mut self, file: &Path, errors: &mut LoadError) {
        for rows in self.prices.values_mut() {
            rows.sort_by(|a, b| {
                (&a.currency, a.effective_from).cmp(&(&b.currency, b.effective_from))
            });
            for pair in rows.windows(2) {
                let [a, b] = pair else { continue };
                if a.currency == b.currency
                    && a.effective_to.is_none_or(|to| to >= b.effective_from)
                {
                    errors.push(
                        Diagnostic::new(
                            Location::new(file, b.line, 4),
                            format!(
                                "price of `{}` in {} from {} overlaps the price in force {}: two list prices on one day",
                                b.sku,
                                b.currency,
                                b.effective_from,
                                a.range()
                            ),
                        )
                        .with_code(codes::DATA_PRICE_OVERLAP)
                        .with_related(Location::new(file, a.line, 4), "the other price is"),
                    );
                }
            }
        }
    }
}

/// The reference files: name, columns, whether it is required.
const FILES: [(&str, &[&str], bool); 5] = [
    (
        "price_list.csv",
        &[
            "sku",
            "list_price",
            "currency",
            "effective_from",
            "effective_to",
        ],
        true,
    ),
    ("catalog.csv", &["sku", "genuine", "description"], true),
    ("approved_sources.csv", &["source", "name"], true),
    (
        "partners.csv",
        &[
            "id",
            "type",
            "region",
            "status",
            "contract_signed",
            "nda_expires",
            "certified_until",
        ],
        true,
    ),
    (
        "installed_base.csv",
        &["partner", "region", "assets"],
        false,
    ),
];

/// One CSV file with its header resolved to column positions, read a row at a time: only
/// the row at hand is in memory, never the file's whole text or all its rows.
struct Table {
    path: PathBuf,
    columns: Vec<(&'static str, usize)>,
    rows: Rows,
}

/// Where a [`Table`]'s rows come from.
enum Rows {
    /// A file: the rows yet to be read, and how many fields the header has.
    File {
        records: csv::StringRecordsIntoIter<BufReader<File>>,
        width: usize,
    },
    /// Rows given in memory (a test case's inline rows), each with its line.
    Memory(std::vec::IntoIter<(usize, csv::StringRecord)>),
}

impl Table {
    /// Opens `dir/name`. A missing required file or column is reported; a missing optional
    /// file gives `None` quietly.
    fn open(
        dir: &Path,
        name: &str,
        wanted: &[&'static str],
        required: bool,
        errors: &mut LoadError,
    ) -> Option<Table> {
        let path = dir.join(name);
        if !path.is_file() {
            if required {
                errors.push(
                    Diagnostic::new(
                        Location::new(&path, 0, 0),
                        format!(
                            "required reference file `{name}` is missing from `{}`",
                            dir.display()
                        ),
                    )
                    .with_code(codes::DATA_MISSING_FILE),
                );
            }
            return None;
        }
        let file = match File::open(&path).and_then(|f| {
            // Skip a UTF-8 byte order mark, as spreadsheet programs write one.
            let mut file = BufReader::new(f);
            if file.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
                file.consume(3);
            }
            Ok(file)
        }) {
            Ok(f) => f,
            Err(e) => {
                errors.push(
                    Diagnostic::new(
                        Location::new(&path, 0, 0),
                        format!("cannot read `{name}`: {e}"),
                    )
                    .with_code(codes::DATA_UNREADABLE),
                );
                return None;
            }
        };
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(file);
        let header = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                errors.push(
                    Diagnostic::new(
                        Location::new(&path, 1, 1),
                        format!("cannot read the header: {e}"),
                    )
                    .with_code(codes::DATA_BAD_HEADER),
                );
                return None;
            }
        };
        if header.is_empty() || header.iter().all(str::is_empty) {
            errors.push(
                Diagnostic::new(
                    Location::new(&path, 1, 1),
                    format!(
                        "the file is empty; expected a header line with {}",
                        ticked(wanted)
                    ),
                )
                .with_code(codes::DATA_BAD_HEADER),
            );
            return None;
        }
        let mut columns = Vec::new();
        let mut missing = Vec::new();
        for w in wanted {
            match header.iter().position(|h| h == *w) {
                Some(i) => columns.push((*w, i)),
                None => missing.push(*w),
            }
        }
        if !missing.is_empty() {
            let found: Vec<&str> = header.iter().collect();
            let hint = missing.iter().find_map(|m| {
                found.iter().find_map(|f| {
                    did_you_mean(f, [*m]).map(|_| format!("did you mean `{m}` for `{f}`?"))
                })
            });
            errors.push(
                Diagnostic::new(
                    Location::new(&path, 1, 1),
                    format!(
                        "missing column{} {}; the header has {}",
                        if missing.len() == 1 { "" } else { "s" },
                        ticked(&missing),
                        ticked(&found)
                    ),
                )
                .with_code(codes::DATA_MISSING_COLUMN)
                .with_help(hint),
            );
            return None;
        }
        Some(Table {
            path,
            columns,
            rows: Rows::File {
                width: header.len(),
                records: reader.into_records(),
            },
        })
    }

    /// The next data row, reporting (and skipping) the rows that cannot be read or have
    /// the wrong number of fields, and skipping blank ones.
    fn next_row(&mut self, errors: &mut LoadError) -> Option<Row<'_>> {
        let (line, record) = loop {
            let (records, width) = match &mut self.rows {
                Rows::Memory(rows) => break rows.next()?,
                Rows::File { records, width } => (records, *width),
            };
            match records.next()? {
                Ok(r) => {
                    let line = r
                        .position()
                        .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
                    if r.iter().all(str::is_empty) {
                        continue;
                    }
                    if r.len() != width {
                        errors.push(
                            Diagnostic::new(
                                Location::new(&self.path, line, r.len().min(width) + 1),
                                format!(
                                    "expected {width} fields as in the header, but found {}",
                                    r.len()
                                ),
                            )
                            .with_code(codes::DATA_BAD_ROW),
                        );
                        continue;
                    }
                    break (line, r);
                }
                Err(e) => {
                    let line = e
                        .position()
                        .map_or(0, |p| usize::try_from(p.line()).unwrap_or(usize::MAX));
                    errors.push(
                        Diagnostic::new(
                            Location::new(&self.path, line, 1),
                            format!("cannot read this row: {e}"),
                        )
                        .with_code(codes::DATA_BAD_ROW),
                    );
                }
            }
        };
        Some(Row {
            table: self,
            line,
            record,
        })
    }
}

/// One data row of a [`Table`], with typed, located field access.
struct Row<'t> {
    table: &'t Table,
    line: usize,
    record: csv::StringRecord,
}

impl Row<'_> {
    fn position(&self, column: &str) -> usize {
        self.table
            .columns
            .iter()
            .find(|(c, _)| *c == column)
            .map_or(0, |(_, i)| *i)
    }

    fn raw(&self, column: &str) -> &str {
        self.record.get(self.position(column)).unwrap_or("")
    }

    fn fail(&self, column: &str, code: &'static str, message: String, errors: &mut LoadError) {
        errors.push(
            Diagnostic::new(
                Location::new(&self.table.path, self.line, self.position(column) + 1),
                format!("column `{column}`: {message}"),
            )
            .with_code(code),
        );
    }

    fn optional(&self, column: &str) -> &str {
        self.raw(column)
    }

    fn text(&self, column: &str, errors: &mut LoadError) -> Option<&str> {
        let v = self.raw(column);
        if v.is_empty() {
            self.fail(
                column,
                codes::DATA_EMPTY_FIELD,
                "a value is required, but the field is empty".to_owned(),
                errors,
            );
            return None;
        }
        Some(v)
    }

    fn date(&self, column: &str, errors: &mut LoadError) -> Option<Date> {
        self.text(column, errors)?
            .parse::<Date>()
            .map_err(|e| self.fail(column, codes::DATA_BAD_DATE, e.to_string(), errors))
            .ok()
    }

    /// `Ok(None)` for an empty field, `Err(())` when the field is not a date (reported).
    fn optional_date(&self, column: &str, errors: &mut LoadError) -> Result<Option<Date>, ()> {
        let v = self.raw(column);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<Date>()
            .map(Some)
            .map_err(|e| self.fail(column, codes::DATA_BAD_DATE, e.to_string(), errors))
    }

    fn boolean(&self, column: &str, errors: &mut LoadError) -> Option<bool> {
        match self.text(column, errors)?.to_ascii_lowercase().as_str() {
            "true" | "yes" | "1" => Some(true),
            "false" | "no" | "0" => Some(false),
            other => {
                self.fail(
                    column,
                    codes::DATA_BAD_BOOLEAN,
                    format!("expected `true` or `false`, but found `{other}`"),
                    errors,
                );
                None
            }
        }
    }

    fn count(&self, column: &str, errors: &mut LoadError) -> Option<u64> {
        let v = self.text(column, errors)?;
        v.parse::<u64>()
            .map_err(|_| {
                self.fail(
                    column,
                    codes::DATA_BAD_NUMBER,
                    format!("expected a whole number of 0 or more, but found `{v}`"),
                    errors,
                )
            })
            .ok()
    }

    fn duplicate(&self, column: &str, value: &str, errors: &mut LoadError) {
        self.fail(
            column,
            codes::DATA_DUPLICATE_KEY,
            format!("`{value}` is listed twice; each must appear once"),
            errors,
        );
    }

    fn parse_price(&self, errors: &mut LoadError) -> Option<PriceRow> {
        let sku = self.text("sku", errors);
        let price = self
            .text("list_price", errors)
            .and_then(|v| match parse_decimal(v) {
                Ok(d) if d.is_sign_negative() && !d.is_zero() => {
                    self.fail(
                        "list_price",
                        codes::DATA_NEGATIVE_PRICE,
                        format!("a list price cannot be negative, but found `{v}`"),
                        errors,
                    );
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    self.fail("list_price", codes::DATA_BAD_NUMBER, e, errors);
                    None
                }
            });
        let currency = self.text("currency", errors).filter(|c| {
            is_currency_code(c) || {
                self.fail(
                    "currency",
                    codes::DATA_BAD_CURRENCY,
                    format!("expected a three-letter ISO 4217 code like `USD`, but found `{c}`"),
                    errors,
                );
                false
            }
        });
        let from = self.date("effective_from", errors);
        let to = self.optional_date("effective_to", errors).ok()?;
        let (sku, list_price, currency, effective_from) = (sku?, price?, currency?, from?);
        if to.is_some_and(|to| to < effective_from) {
            self.fail(
                "effective_to",
                codes::DATA_BAD_RANGE,
                format!(
                    "the price ends on {} before it starts on {effective_from}",
                    to.map_or(String::new(), |t| t.to_string())
                ),
                errors,
            );
            return None;
        }
        Some(PriceRow {
            sku: sku.to_owned(),
            list_price,
            currency: currency.to_owned(),
            effective_from,
            effective_to: to,
            line: self.line,
        })
    }

    fn parse_partner(&self, errors: &mut LoadError) -> Option<Partner> {
        let id = self.text("id", errors);
        let partner_type = self.text("type", errors).and_then(|t| {
            PartnerType::parse(t)
                .map_err(|(msg, hint)| {
                    errors.push(
                        Diagnostic::new(
                            Location::new(&self.table.path, self.line, self.position("type") + 1),
                            format!("column `type`: {msg}"),
                        )
                        .with_code(codes::DATA_UNKNOWN_PARTNER_TYPE)
                        .with_help(hint),
                    );
                })
                .ok()
        });
        let region = self.text("region", errors);
        let status = self.text("status", errors);
        let contract_signed = self.optional_date("contract_signed", errors);
        let nda_expires = self.optional_date("nda_expires", errors);
        let certified_until = self.optional_date("certified_until", errors);
        Some(Partner {
            id: id?.to_owned(),
            partner_type: partner_type?,
            region: region?.to_owned(),
            status: status?.to_owned(),
            contract_signed: contract_signed.ok()?,
            nda_expires: nda_expires.ok()?,
            certified_until: certified_until.ok()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The codes of the problems merging `rows` of `table` reports.
    fn codes_of(table: &str, rows: &[(&str, &str)]) -> Vec<&'static str> {
        let row: Vec<(String, String)> = rows
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        RefData::new()
            .merge_rows(table, Path::new("case.toml"), &[(3, row)])
            .err()
            .map(|e| e.diagnostics().iter().map(Diagnostic::code).collect())
            .unwrap_or_default()
    }

    #[test]
    fn each_kind_of_bad_field_has_its_code() {
        let partner = |column: &str, value: &str| {
            let mut row = vec![
                ("id", "P-1"),
                ("type", "dealer"),
                ("region", "US-NE"),
                ("status", "active"),
            ];
            row.retain(|(k, _)| *k != column);
            row.push((column, value));
            codes_of("partners", &row)
        };
        assert_eq!(
            partner("contract_signed", "2026-02-30"),
            [codes::DATA_BAD_DATE]
        );
        assert_eq!(partner("type", "dealr"), [codes::DATA_UNKNOWN_PARTNER_TYPE]);
        assert_eq!(partner("region", ""), [codes::DATA_EMPTY_FIELD]);
        assert_eq!(partner("colour", "red"), [codes::DATA_UNKNOWN_COLUMN]);
        assert_eq!(
            codes_of("catalog", &[("sku", "A"), ("genuine", "maybe")]),
            [codes::DATA_BAD_BOOLEAN]
        );
        let price = |price: &str, currency: &str, to: &str| {
            codes_of(
                "price_list",
                &[
                    ("sku", "A"),
                    ("list_price", price),
                    ("currency", currency),
                    ("effective_from", "2026-01-01"),
                    ("effective_to", to),
                ],
            )
        };
        assert_eq!(price("1.00", "USD", ""), Vec::<&str>::new());
        assert_eq!(price("-1", "USD", ""), [codes::DATA_NEGATIVE_PRICE]);
        assert_eq!(price("ten", "USD", ""), [codes::DATA_BAD_NUMBER]);
        assert_eq!(price("1.00", "usd", ""), [codes::DATA_BAD_CURRENCY]);
        assert_eq!(price("1.00", "USD", "2025-12-31"), [codes::DATA_BAD_RANGE]);
        assert_eq!(codes_of("partner", &[]), [codes::DATA_UNKNOWN_TABLE]);
    }

    #[test]
    fn a_missing_folder_has_its_code() {
        let err = RefData::load("/no/such/folder/for/pactum").err();
        let codes: Vec<&str> = err
            .iter()
            .flat_map(|e| e.diagnostics().iter().map(Diagnostic::code))
            .collect();
        assert_eq!(codes, [codes::DATA_MISSING_FOLDER]);
    }
}
