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

use super::{
    ById, CatalogItem, FxRate, InstalledBase, Partner, PartnerType, PriceRow, RefData,
    SpecialPrice, ticked,
};
use crate::currency::Currency;
use crate::date::Date;
use crate::diag::{Diagnostic, LoadError, Location, codes, did_you_mean};
use crate::money::{is_currency_code, parse_decimal};
use rust_decimal::Decimal;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

impl RefData {
    /// Loads the CSV files of `dir`. `price_list.csv`, `catalog.csv`, `approved_sources.csv`
    /// and `partners.csv` are required; `installed_base.csv`, `special_prices.csv` and
    /// `fx_rates.csv` are optional, and so are the columns `status_since` and
    /// `jurisdiction` of `partners.csv`. Every bad row of every file is reported, each with
    /// file, line and column.
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
        for file in &FILES {
            if let Some(mut t) = Table::open(dir, file, &mut errors) {
                data.ingest(file.name, &mut t, false, &mut errors);
            }
        }
        data.hash = crate::digest::data_hash(dir, FILES.iter().map(|f| f.name));
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
            "special_prices.csv" => {
                while let Some(row) = t.next_row(errors) {
                    let Some(spa) = row.parse_special_price(errors) else {
                        continue;
                    };
                    self.holders.insert(spa.partner.clone());
                    let rows = self.agreements.entry(spa.agreement.clone()).or_default();
                    let same = |o: &SpecialPrice| o.sku == spa.sku && o.customer == spa.customer;
                    if let Some(old) = rows.iter().find(|o| same(o)) {
                        if !replace {
                            errors.push(
                                Diagnostic::new(
                                    row.location("sku"),
                                    format!(
                                        "column `sku`: agreement `{}` lists `{}` for customer `{}` twice; each must appear once",
                                        spa.agreement, spa.sku, spa.customer
                                    ),
                                )
                                .with_code(codes::DATA_DUPLICATE_KEY)
                                .with_related(
                                    Location::new(&row.table.path, old.line, row.column("sku")),
                                    "first listed",
                                ),
                            );
                            continue;
                        }
                        rows.retain(|o| !same(o));
                    }
                    rows.push(spa);
                }
            }
            "fx_rates.csv" => {
                let mut rows: Vec<FxRate> = Vec::new();
                while let Some(row) = t.next_row(errors) {
                    rows.extend(row.parse_fx_rate(errors));
                }
                if replace {
                    // Merged rates for a currency replace its whole history.
                    for r in &rows {
                        if let Some(old) = self.fx.get_mut(r.currency.as_str()) {
                            old.clear();
                        }
                    }
                }
                for r in rows {
                    self.fx
                        .entry(r.currency.as_str().to_owned())
                        .or_default()
                        .push(r);
                }
                self.fx.retain(|_, rows| !rows.is_empty());
                self.check_rate_overlaps(&t.path, errors);
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
        let Some(spec) = FILES
            .iter()
            .find(|f| f.name.trim_end_matches(".csv") == file)
        else {
            let known: Vec<&str> = FILES
                .iter()
                .map(|f| f.name.trim_end_matches(".csv"))
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
        let (name, columns) = (spec.name, spec.all_columns());
        let mut records = Vec::new();
        for (line, values) in rows {
            for (key, _) in values {
                if !columns.contains(&key.as_str()) {
                    let message = format!(
                        "unknown column `{key}` of `{name}`; expected one of {}",
                        ticked(&columns)
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

    fn check_rate_overlaps(&mut self, file: &Path, errors: &mut LoadError) {
        for rows in self.fx.values_mut() {
            rows.sort_by_key(|r| r.effective_from);
            for pair in rows.windows(2) {
                let [a, b] = pair else { continue };
                if a.effective_to.is_none_or(|to| to >= b.effective_from) {
                    errors.push(
                        Diagnostic::new(
                            Location::new(file, b.line, 3),
                            format!(
                                "rate of {} from {} overlaps the rate in force {}: two rates on one day",
                                b.currency,
                                b.effective_from,
                                a.range()
                            ),
                        )
                        .with_code(codes::DATA_RATE_OVERLAP)
                        .with_related(Location::new(file, a.line, 3), "the other rate is"),
                    );
                }
            }
        }
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

/// One reference file: its name, the columns its header must have, those it may have, and
/// whether the folder must have it.
struct FileSpec {
    name: &'static str,
    columns: &'static [&'static str],
    /// Columns added after the file's first release: a file written before them still
    /// loads, and their fields then read as empty.
    optional: &'static [&'static str],
    required: bool,
}

impl FileSpec {
    /// Every column the file may have, the optional ones last.
    fn all_columns(&self) -> Vec<&'static str> {
        self.columns.iter().chain(self.optional).copied().collect()
    }
}

/// The reference files.
const FILES: [FileSpec; 7] = [
    FileSpec {
        name: "price_list.csv",
        columns: &[
            "sku",
            "list_price",
            "currency",
            "effective_from",
            "effective_to",
        ],
        optional: &[],
        required: true,
    },
    FileSpec {
        name: "catalog.csv",
        columns: &["sku", "genuine", "description"],
        optional: &[],
        required: true,
    },
    FileSpec {
        name: "approved_sources.csv",
        columns: &["source", "name"],
        optional: &[],
        required: true,
    },
    FileSpec {
        name: "partners.csv",
        columns: &[
            "id",
            "type",
            "region",
            "status",
            "contract_signed",
            "nda_expires",
            "certified_until",
        ],
        optional: &["status_since", "jurisdiction"],
        required: true,
    },
    FileSpec {
        name: "installed_base.csv",
        columns: &["partner", "region", "assets"],
        optional: &[],
        required: false,
    },
    FileSpec {
        name: "special_prices.csv",
        columns: &[
            "agreement",
            "partner",
            "customer",
            "sku",
            "price",
            "currency",
            "valid_from",
            "valid_to",
            "max_qty",
            "claim_days",
        ],
        optional: &[],
        required: false,
    },
    FileSpec {
        name: "fx_rates.csv",
        columns: &["currency", "rate", "effective_from", "effective_to"],
        optional: &[],
        required: false,
    },
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
    /// file gives `None` quietly, and a missing optional column reads as empty.
    fn open(dir: &Path, spec: &FileSpec, errors: &mut LoadError) -> Option<Table> {
        let (name, wanted, required) = (spec.name, spec.columns, spec.required);
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
        for w in spec.optional {
            if let Some(i) = header.iter().position(|h| h == *w) {
                columns.push((*w, i));
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
    /// Where `column` is in the row; `None` for an optional column the file does not have.
    fn position(&self, column: &str) -> Option<usize> {
        self.table
            .columns
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, i)| *i)
    }

    /// The 1-based column number of `column`, for a location.
    fn column(&self, column: &str) -> usize {
        self.position(column).map_or(1, |i| i + 1)
    }

    /// Where `column` of this row is.
    fn location(&self, column: &str) -> Location {
        Location::new(&self.table.path, self.line, self.column(column))
    }

    fn raw(&self, column: &str) -> &str {
        self.position(column)
            .and_then(|i| self.record.get(i))
            .unwrap_or("")
    }

    fn fail(&self, column: &str, code: &'static str, message: String, errors: &mut LoadError) {
        errors.push(
            Diagnostic::new(
                self.location(column),
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
                        Diagnostic::new(self.location("type"), format!("column `type`: {msg}"))
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
        let status_since = self.optional_date("status_since", errors);
        let jurisdiction = Some(self.optional("jurisdiction"))
            .filter(|j| !j.is_empty())
            .map(str::to_owned);
        Some(Partner {
            id: id?.to_owned(),
            partner_type: partner_type?,
            region: region?.to_owned(),
            status: status?.to_owned(),
            contract_signed: contract_signed.ok()?,
            nda_expires: nda_expires.ok()?,
            certified_until: certified_until.ok()?,
            status_since: status_since.ok()?,
            jurisdiction,
        })
    }

    /// A currency field: an ISO 4217 code.
    fn currency(&self, column: &str, errors: &mut LoadError) -> Option<Currency> {
        let v = self.text(column, errors)?;
        Currency::new(v)
            .map_err(|e| self.fail(column, codes::DATA_BAD_CURRENCY, e.to_string(), errors))
            .ok()
    }

    /// An exact decimal field; `positive` refuses 0 too, else only negatives are refused.
    fn amount(&self, column: &str, positive: bool, errors: &mut LoadError) -> Option<Decimal> {
        let v = self.text(column, errors)?;
        match parse_decimal(v) {
            Ok(d) if positive && (d.is_sign_negative() || d.is_zero()) => {
                self.fail(
                    column,
                    codes::DATA_BAD_NUMBER,
                    format!("expected a number more than 0, but found `{v}`"),
                    errors,
                );
                None
            }
            Ok(d) if d.is_sign_negative() && !d.is_zero() => {
                self.fail(
                    column,
                    codes::DATA_NEGATIVE_PRICE,
                    format!("a price cannot be negative, but found `{v}`"),
                    errors,
                );
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.fail(column, codes::DATA_BAD_NUMBER, e, errors);
                None
            }
        }
    }

    /// `Ok(None)` for an empty field, `Err(())` when it is not a whole number of 0 or
    /// more that fits `T` (reported).
    fn optional_count<T: std::str::FromStr>(
        &self,
        column: &str,
        errors: &mut LoadError,
    ) -> Result<Option<T>, ()> {
        let v = self.raw(column);
        if v.is_empty() {
            return Ok(None);
        }
        v.parse::<T>().map(Some).map_err(|_| {
            self.fail(
                column,
                codes::DATA_BAD_NUMBER,
                format!("expected a whole number of 0 or more, or nothing, but found `{v}`"),
                errors,
            );
        })
    }

    fn parse_special_price(&self, errors: &mut LoadError) -> Option<SpecialPrice> {
        let agreement = self.text("agreement", errors);
        let partner = self.text("partner", errors);
        let customer = self.text("customer", errors);
        let sku = self.text("sku", errors);
        let price = self.amount("price", false, errors);
        let currency = self.currency("currency", errors);
        let from = self.date("valid_from", errors);
        let to = self.date("valid_to", errors);
        let max_qty = self.optional_count::<u64>("max_qty", errors);
        let claim_days = self.optional_count::<u32>("claim_days", errors);
        let (valid_from, valid_to) = (from?, to?);
        if valid_to < valid_from {
            self.fail(
                "valid_to",
                codes::DATA_BAD_RANGE,
                format!("the agreement ends on {valid_to} before it starts on {valid_from}"),
                errors,
            );
            return None;
        }
        Some(SpecialPrice {
            agreement: agreement?.to_owned(),
            partner: partner?.to_owned(),
            customer: customer?.to_owned(),
            sku: sku?.to_owned(),
            price: price?,
            currency: currency?,
            valid_from,
            valid_to,
            max_qty: max_qty.ok()?,
            claim_days: claim_days.ok()?,
            line: self.line,
        })
    }

    fn parse_fx_rate(&self, errors: &mut LoadError) -> Option<FxRate> {
        let currency = self.currency("currency", errors);
        let rate = self.amount("rate", true, errors);
        let from = self.date("effective_from", errors);
        let to = self.optional_date("effective_to", errors).ok()?;
        let effective_from = from?;
        if to.is_some_and(|to| to < effective_from) {
            self.fail(
                "effective_to",
                codes::DATA_BAD_RANGE,
                format!(
                    "the rate ends on {} before it starts on {effective_from}",
                    to.map_or(String::new(), |t| t.to_string())
                ),
                errors,
            );
            return None;
        }
        Some(FxRate {
            currency: currency?,
            rate: rate?,
            effective_from,
            effective_to: to,
            line: self.line,
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

    /// A folder with the required files (one row each; `partners` as given) and `extra`
    /// files, loaded.
    fn load_with(
        partners: &str,
        extra: &[(&str, &str)],
    ) -> (tempfile::TempDir, Result<RefData, LoadError>) {
        let dir = tempfile::TempDir::new().unwrap();
        let files = [
            (
                "price_list.csv",
                "sku,list_price,currency,effective_from,effective_to\nA,10.00,USD,2026-01-01,\n",
            ),
            ("catalog.csv", "sku,genuine,description\nA,true,a part\n"),
            ("approved_sources.csv", "source,name\noem,the OEM\n"),
            ("partners.csv", partners),
        ];
        for (name, text) in files.iter().chain(extra) {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let data = RefData::load(dir.path());
        (dir, data)
    }

    const PARTNERS: &str = "id,type,region,status,contract_signed,nda_expires,certified_until\nP-1,dealer,US-NE,active,2024-01-01,,\n";

    /// `(file, line, column, code)` of each problem loading `extra` beside good files.
    fn problems(extra: &[(&str, &str)]) -> Vec<(String, usize, usize, &'static str)> {
        problems_with(PARTNERS, extra)
    }

    fn problems_with(
        partners: &str,
        extra: &[(&str, &str)],
    ) -> Vec<(String, usize, usize, &'static str)> {
        let (_dir, data) = load_with(partners, extra);
        data.err()
            .map(|e| {
                e.diagnostics()
                    .iter()
                    .map(|d| {
                        let l = d.location();
                        let file = l.file().file_name().unwrap().to_string_lossy().into_owned();
                        (file, l.line(), l.column(), d.code())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn d(s: &str) -> Date {
        s.parse().unwrap()
    }

    const SPA_HEADER: &str =
        "agreement,partner,customer,sku,price,currency,valid_from,valid_to,max_qty,claim_days\n";

    #[test]
    fn the_new_files_are_optional_and_old_partner_files_still_load() {
        let (_dir, data) = load_with(PARTNERS, &[]);
        let data = data.unwrap();
        assert!(data.agreement_rows("SPA-1").is_empty());
        assert_eq!(data.fx_rate("CAD", d("2026-03-01")), None);
        let p = data.partner("P-1").unwrap();
        assert_eq!((p.status_since, p.jurisdiction.as_deref()), (None, None));
    }

    #[test]
    fn partners_read_status_since_and_jurisdiction_in_any_column_order() {
        let partners = "id,type,region,status,jurisdiction,contract_signed,nda_expires,certified_until,status_since\n\
            P-1,dealer,US-NE,terminated,EU,2024-01-01,,,2026-02-01\n\
            P-2,dealer,US-NE,active,,2024-01-01,,,\n";
        let (_dir, data) = load_with(partners, &[]);
        let data = data.unwrap();
        let p1 = data.partner("P-1").unwrap();
        assert_eq!(p1.status_since, Some(d("2026-02-01")));
        assert_eq!(p1.jurisdiction.as_deref(), Some("EU"));
        assert_eq!(p1.status_on(d("2026-01-31")), "active");
        assert_eq!(p1.status_on(d("2026-02-01")), "terminated");
        let p2 = data.partner("P-2").unwrap();
        assert_eq!((p2.status_since, p2.jurisdiction.as_deref()), (None, None));
        assert_eq!(p2.status_on(d("2020-01-01")), "active");
        let bad = "id,type,region,status,contract_signed,nda_expires,certified_until,status_since\n\
            P-1,dealer,US-NE,terminated,2024-01-01,,,2026-02-30\n";
        assert_eq!(
            problems_with(bad, &[]),
            [("partners.csv".to_owned(), 2, 8, codes::DATA_BAD_DATE)]
        );
    }

    #[test]
    fn special_prices_load_with_their_caps_deadlines_and_lines() {
        let text = format!(
            "{SPA_HEADER}SPA-1,P-1,C-9,A,7.50,USD,2026-01-01,2026-06-30,100,30\n\
             SPA-1,P-1,C-9,B,0,EUR,2026-01-01,2026-06-30,,\n\
             SPA-1,P-1,C-8,A,7.00,USD,2026-01-01,2026-06-30,,\n"
        );
        let (_dir, data) = load_with(PARTNERS, &[("special_prices.csv", &text)]);
        let data = data.unwrap();
        let rows = data.agreement_rows("SPA-1");
        assert_eq!(rows.len(), 3);
        let a = &rows[0];
        assert_eq!(
            (a.partner.as_str(), a.customer.as_str(), a.sku.as_str()),
            ("P-1", "C-9", "A")
        );
        assert_eq!(
            (a.price.to_string(), a.currency.as_str()),
            ("7.50".to_owned(), "USD")
        );
        assert_eq!((a.max_qty, a.claim_days, a.line), (Some(100), Some(30), 2));
        assert_eq!((rows[1].max_qty, rows[1].claim_days), (None, None));
        assert!(a.covers(d("2026-01-01")) && a.covers(d("2026-06-30")));
        assert!(!a.covers(d("2025-12-31")) && !a.covers(d("2026-07-01")));
        assert_eq!(a.range(), "2026-01-01..2026-06-30");
        assert!(data.agreement_rows("SPA-2").is_empty());
        let find = |partner: &str, customer: &str, sku: &str, currency: &str, day: &str| {
            data.special_price("SPA-1", partner, customer, sku, currency, d(day))
                .map(|r| r.line)
        };
        assert_eq!(find("P-1", "C-9", "A", "USD", "2026-06-30"), Some(2));
        assert_eq!(find("P-1", "C-8", "A", "USD", "2026-01-01"), Some(4));
        assert_eq!(find("P-1", "C-9", "B", "EUR", "2026-03-01"), Some(3));
        assert_eq!(find("P-2", "C-9", "A", "USD", "2026-03-01"), None);
        assert_eq!(find("P-1", "C-7", "A", "USD", "2026-03-01"), None);
        assert_eq!(find("P-1", "C-9", "A", "EUR", "2026-03-01"), None);
        assert_eq!(find("P-1", "C-9", "A", "USD", "2026-07-01"), None);
    }

    #[test]
    fn each_bad_special_price_field_is_reported_at_its_column() {
        let bad = |row: &str| {
            let text = format!("{SPA_HEADER}{row}\n");
            problems(&[("special_prices.csv", &text)])
        };
        let at = |column: usize, code: &'static str| {
            vec![("special_prices.csv".to_owned(), 2, column, code)]
        };
        let good = "SPA-1,P-1,C-9,A,7.50,USD,2026-01-01,2026-06-30,100,30";
        assert_eq!(bad(good), []);
        assert_eq!(
            bad(",P-1,C-9,A,7.50,USD,2026-01-01,2026-06-30,,"),
            at(1, codes::DATA_EMPTY_FIELD)
        );
        assert_eq!(
            bad("SPA-1,P-1,,A,7.50,USD,2026-01-01,2026-06-30,,"),
            at(3, codes::DATA_EMPTY_FIELD)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,-1,USD,2026-01-01,2026-06-30,,"),
            at(5, codes::DATA_NEGATIVE_PRICE)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,cheap,USD,2026-01-01,2026-06-30,,"),
            at(5, codes::DATA_BAD_NUMBER)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,ZZZ,2026-01-01,2026-06-30,,"),
            at(6, codes::DATA_BAD_CURRENCY)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,usd,2026-01-01,2026-06-30,,"),
            at(6, codes::DATA_BAD_CURRENCY)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,USD,2026-13-01,2026-06-30,,"),
            at(7, codes::DATA_BAD_DATE)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,USD,2026-01-01,,,"),
            at(8, codes::DATA_EMPTY_FIELD)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,USD,2026-07-01,2026-06-30,,"),
            at(8, codes::DATA_BAD_RANGE)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,USD,2026-01-01,2026-06-30,-5,"),
            at(9, codes::DATA_BAD_NUMBER)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,USD,2026-01-01,2026-06-30,1.5,"),
            at(9, codes::DATA_BAD_NUMBER)
        );
        assert_eq!(
            bad("SPA-1,P-1,C-9,A,7.50,USD,2026-01-01,2026-06-30,,5000000000"),
            at(10, codes::DATA_BAD_NUMBER)
        );
    }

    #[test]
    fn the_same_agreement_sku_and_customer_twice_points_at_the_first() {
        let text = format!(
            "{SPA_HEADER}SPA-1,P-1,C-9,A,7.50,USD,2026-01-01,2026-06-30,,\n\
             SPA-1,P-2,C-9,A,7.00,USD,2026-01-01,2026-06-30,,\n\
             SPA-2,P-1,C-9,A,7.00,USD,2026-01-01,2026-06-30,,\n"
        );
        let (_dir, data) = load_with(PARTNERS, &[("special_prices.csv", &text)]);
        let e = data.unwrap_err();
        let [dup] = e.diagnostics() else {
            panic!("{e}")
        };
        assert_eq!(dup.code(), codes::DATA_DUPLICATE_KEY);
        assert_eq!((dup.location().line(), dup.location().column()), (3, 4));
        assert!(
            dup.message()
                .contains("`SPA-1` lists `A` for customer `C-9` twice"),
            "{}",
            dup.message()
        );
        assert_eq!(dup.related().map(|(l, _)| l.line()), Some(2));
    }

    #[test]
    fn fx_rates_load_and_convert_exactly_on_their_dates() {
        let text = "currency,rate,effective_from,effective_to\n\
            CAD,0.73,2026-01-01,2026-03-31\n\
            CAD,0.74,2026-04-01,\n\
            EUR,1.0825,2026-01-01,2026-12-31\n";
        let (_dir, data) = load_with(PARTNERS, &[("fx_rates.csv", text)]);
        let data = data.unwrap();
        let dec = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(data.fx_rate("CAD", d("2026-03-31")), Some(dec("0.73")));
        assert_eq!(data.fx_rate("CAD", d("2026-04-01")), Some(dec("0.74")));
        assert_eq!(data.fx_rate("CAD", d("2025-12-31")), None);
        assert_eq!(data.fx_rate("EUR", d("2027-01-01")), None);
        assert_eq!(data.fx_rate("USD", d("2026-03-01")), None);
        let at = |amount: &str, currency: &str, day: &str| {
            data.to_report(dec(amount), currency, "USD", d(day))
                .map(|v| v.to_string())
        };
        assert_eq!(
            at("100.00", "CAD", "2026-02-01").as_deref(),
            Some("73.0000")
        );
        assert_eq!(at("100.00", "USD", "1999-01-01").as_deref(), Some("100.00"));
        assert_eq!(at("100.00", "GBP", "2026-02-01"), None);
        assert_eq!(
            data.to_report(Decimal::MAX, "EUR", "USD", d("2026-02-01")),
            None,
            "an overflow is no amount, never a wrong one"
        );
    }

    #[test]
    fn each_bad_fx_rate_field_is_reported_at_its_column() {
        let bad = |rows: &str| {
            let text = format!("currency,rate,effective_from,effective_to\n{rows}");
            problems(&[("fx_rates.csv", &text)])
        };
        let at = |line: usize, column: usize, code: &'static str| {
            vec![("fx_rates.csv".to_owned(), line, column, code)]
        };
        assert_eq!(bad("CAD,0.73,2026-01-01,\n"), []);
        assert_eq!(bad("CAD,0,2026-01-01,\n"), at(2, 2, codes::DATA_BAD_NUMBER));
        assert_eq!(
            bad("CAD,-0.7,2026-01-01,\n"),
            at(2, 2, codes::DATA_BAD_NUMBER)
        );
        assert_eq!(
            bad("CAD,0.7.3,2026-01-01,\n"),
            at(2, 2, codes::DATA_BAD_NUMBER)
        );
        assert_eq!(
            bad("Cad,0.73,2026-01-01,\n"),
            at(2, 1, codes::DATA_BAD_CURRENCY)
        );
        assert_eq!(bad("CAD,0.73,,\n"), at(2, 3, codes::DATA_EMPTY_FIELD));
        assert_eq!(
            bad("CAD,0.73,2026-01-01,2025-01-01\n"),
            at(2, 4, codes::DATA_BAD_RANGE)
        );
        assert_eq!(
            bad("CAD,0.73,2026-01-01,soon\n"),
            at(2, 4, codes::DATA_BAD_DATE)
        );
        assert_eq!(
            bad("CAD,0.73,2026-01-01,2026-06-30\nEUR,1.08,2026-01-01,\nCAD,0.74,2026-06-30,\n"),
            at(4, 3, codes::DATA_RATE_OVERLAP)
        );
        assert_eq!(
            bad("CAD,0.73,2026-01-01,\nCAD,0.74,2027-01-01,\n"),
            at(3, 3, codes::DATA_RATE_OVERLAP),
            "an open-ended rate overlaps every later one"
        );
        assert_eq!(
            problems(&[("fx_rates.csv", "currency,rate,from\n")]),
            [("fx_rates.csv".to_owned(), 1, 1, codes::DATA_MISSING_COLUMN)]
        );
    }

    #[test]
    fn merged_rows_of_the_new_tables_replace_their_key() {
        let mut data = RefData::new();
        let merge = |data: &mut RefData, table: &str, rows: &[&[(&str, &str)]]| {
            let rows: Vec<(usize, Vec<(String, String)>)> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    (
                        i + 1,
                        r.iter()
                            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                            .collect(),
                    )
                })
                .collect();
            data.merge_rows(table, Path::new("case.toml"), &rows)
        };
        let spa = |price: &'static str| -> Vec<(&str, &str)> {
            vec![
                ("agreement", "SPA-1"),
                ("partner", "P-1"),
                ("customer", "C-9"),
                ("sku", "A"),
                ("price", price),
                ("currency", "USD"),
                ("valid_from", "2026-01-01"),
                ("valid_to", "2026-06-30"),
            ]
        };
        merge(&mut data, "special_prices", &[&spa("7.50")]).unwrap();
        merge(&mut data, "special_prices", &[&spa("7.00")]).unwrap();
        let rows = data.agreement_rows("SPA-1");
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].price.to_string(), "7.00");
        let rate = |r: &'static str, from: &'static str| {
            vec![("currency", "CAD"), ("rate", r), ("effective_from", from)]
        };
        merge(&mut data, "fx_rates", &[&rate("0.73", "2026-01-01")]).unwrap();
        merge(&mut data, "fx_rates", &[&rate("0.80", "2025-01-01")]).unwrap();
        assert_eq!(
            data.fx_rate("CAD", d("2026-05-01"))
                .map(|r| r.to_string())
                .as_deref(),
            Some("0.80")
        );
        let e = merge(
            &mut data,
            "fx_rates",
            &[&rate("0.73", "2026-01-01"), &rate("0.74", "2026-02-01")],
        )
        .unwrap_err();
        assert_eq!(e.diagnostics()[0].code(), codes::DATA_RATE_OVERLAP);
        let partner = [
            ("id", "P-1"),
            ("type", "dealer"),
            ("region", "US-NE"),
            ("status", "terminated"),
            ("status_since", "2026-02-01"),
            ("jurisdiction", "US-CA"),
        ];
        merge(&mut data, "partners", &[&partner]).unwrap();
        let p = data.partner("P-1").unwrap();
        assert_eq!(p.status_since, Some(d("2026-02-01")));
        assert_eq!(p.jurisdiction.as_deref(), Some("US-CA"));
        assert_eq!(
            codes_of(
                "partners",
                &[
                    ("id", "P-1"),
                    ("type", "dealer"),
                    ("region", "R"),
                    ("status", "active"),
                    ("status_since", "later")
                ]
            ),
            [codes::DATA_BAD_DATE]
        );
        assert_eq!(codes_of("fx_rate", &[]), [codes::DATA_UNKNOWN_TABLE]);
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
