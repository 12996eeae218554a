//! Reading records from CSV, as ERP systems export them: one row per order line, the
//! record's own fields repeated on each of its rows.
//!
//! Each record is read through the same checks as a JSON record (the leaves and
//! [`check_shape`] of `mod.rs`), so it is refused for the same reasons, with the same
//! [`RecordError`]s; only the field is named by its column (`qty`, not `lines[0].qty`) and
//! the line is the row's.

use super::read::{Batch, InputError, Rejected};
use super::{
    At, Document, DocumentLeaves, Kind, Leaf, Line, RECORD_FIELDS, Record, RecordError,
    RecordErrorKind, SCALAR_FIELDS, check_shape, currency, date, near, optional_date, price, qty,
    required, text,
};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::HashMap;

/// The columns of the record's own fields (the JSON reader's scalar fields), which every
/// row of a record repeats.
const RECORD_COLUMNS: &[&str] = RECORD_FIELDS.split_at(SCALAR_FIELDS).0;
const ID: usize = 0;
const KIND: usize = 1;
const DATE: usize = 2;
const PARTNER: usize = 3;
const ORDER_DATE: usize = 11;
/// The columns every records CSV has.
const REQUIRED: usize = 4;

/// The columns of one line of goods; `source` may be left out of the header.
const LINE_COLUMNS: [&str; 5] = ["sku", "qty", "unit_price", "currency", "source"];
const SKU: usize = 0;
const QTY: usize = 1;
const UNIT_PRICE: usize = 2;
const CURRENCY: usize = 3;
const SOURCE: usize = 4;

/// The column of the documents, as `kind:ref:signed` entries separated by `;`.
const DOCUMENTS: &str = "documents";

/// What the header says each column holds.
struct Header {
    /// The column names, as written (trimmed).
    names: Vec<String>,
    /// Where each of [`RECORD_COLUMNS`] is, when given.
    record: [Option<usize>; RECORD_COLUMNS.len()],
    /// Where each of [`LINE_COLUMNS`] is, when given.
    line: [Option<usize>; LINE_COLUMNS.len()],
    documents: Option<usize>,
    /// The other columns, for `attrs`.
    attrs: Vec<usize>,
}

impl Header {
    /// Reads the header (on `line`), or says what is wrong with it.
    fn read(fields: &csv::ByteRecord, line: usize) -> Result<Header, InputError> {
        let error = |column: usize, message: String| InputError {
            line,
            column,
            message,
        };
        let mut header = Header {
            names: Vec::with_capacity(fields.len()),
            record: [None; RECORD_COLUMNS.len()],
            line: [None; LINE_COLUMNS.len()],
            documents: None,
            attrs: Vec::new(),
        };
        for (i, raw) in fields.iter().enumerate() {
            let column = i + 1;
            let name = std::str::from_utf8(raw)
                .map_err(|_| error(column, "the column name is not valid UTF-8 text".into()))?
                .trim();
            if name.is_empty() {
                return Err(error(column, "the column has no name".into()));
            }
            if let Some(first) = header.names.iter().position(|n| n == name) {
                return Err(error(
                    column,
                    format!(
                        "the column `{}` is given twice (columns {} and {column})",
                        near::shown(name),
                        first + 1
                    ),
                ));
            }
            let slot = if let Some(at) = RECORD_COLUMNS.iter().position(|c| *c == name) {
                header.record.get_mut(at)
            } else if let Some(at) = LINE_COLUMNS.iter().position(|c| *c == name) {
                header.line.get_mut(at)
            } else if name == DOCUMENTS {
                Some(&mut header.documents)
            } else if name == "lines" || name == "attrs" {
                return Err(error(
                    column,
                    format!(
                        "a column `{name}` is not read from CSV: give one row per line of goods, with the columns sku, qty, unit_price, currency and source, and each field for scripts in a column of its own"
                    ),
                ));
            } else {
                if let Some(known) = near_column(name) {
                    return Err(error(
                        column,
                        format!(
                            "the column `{}` is not a known column but reads as one; did you mean `{known}`?",
                            near::shown(name)
                        ),
                    ));
                }
                header.attrs.push(i);
                None
            };
            if let Some(slot) = slot {
                *slot = Some(i);
            }
            header.names.push(name.to_owned());
        }
        let after = header.names.len() + 1;
        let missing = RECORD_COLUMNS
            .iter()
            .zip(header.record)
            .take(REQUIRED)
            .find(|(_, at)| at.is_none());
        if let Some((name, _)) = missing {
            return Err(error(
                after,
                format!(
                    "the header has no `{name}` column; a records CSV needs the columns id, kind, date and partner"
                ),
            ));
        }
        let given = header.line.iter().position(Option::is_some);
        let needed = header
            .line
            .iter()
            .zip(LINE_COLUMNS)
            .take(SOURCE)
            .find(|(at, _)| at.is_none());
        if let (Some(given), Some((_, name))) = (given, needed) {
            return Err(error(
                after,
                format!(
                    "the header has a `{}` column but no `{name}` column; lines of goods need the columns sku, qty, unit_price and currency",
                    LINE_COLUMNS.get(given).unwrap_or(&"sku")
                ),
            ));
        }
        Ok(header)
    }

    fn name(&self, column: usize) -> &str {
        self.names.get(column).map_or("", String::as_str)
    }

    /// Whether `column` holds a field of the record (not of a line).
    fn is_record_level(&self, column: usize) -> bool {
        !self.line.contains(&Some(column))
    }
}

/// The known column a column's name reads as (other case, spaces, look-alike letters).
fn near_column(name: &str) -> Option<&'static str> {
    let skeleton = near::skeleton(name)?;
    RECORD_COLUMNS
        .iter()
        .chain(&LINE_COLUMNS)
        .chain(&[DOCUMENTS])
        .copied()
        .find(|known| skeleton == *known)
}

/// One row of the input, read as text, or why it cannot be.
struct Row {
    line: usize,
    fields: Result<csv::StringRecord, RecordError>,
}

/// The rows of one record: all the rows with its id, in input order.
struct Group {
    id: Option<String>,
    first: Row,
    more: Vec<Row>,
    /// Where each run of its rows after the first starts (an index into `rows()`): rows
    /// of other records came between.
    runs: Vec<usize>,
}

impl Group {
    fn rows(&self) -> impl Iterator<Item = &Row> {
        std::iter::once(&self.first).chain(&self.more)
    }
}

/// Reads records from CSV: one row per line of goods, with a header row naming the
/// columns.
///
/// The columns are `id`, `kind`, `date` and `partner` (required), the record's optional
/// fields (`customer`, `region`, `opportunity`, `stage`, `asset`, `agreement`, `invoice`,
/// `order_date`), the line's (`sku`, `qty`, `unit_price`, `currency`, `source`), and
/// `documents`, as `kind:ref:signed` entries separated by `;` (`purchase_order:PO-1:true;
/// signed_contract`). Any other column is a field for scripts, held in `attrs` as a string.
/// Columns may come in any order; an empty cell is an absent field.
///
/// The rows with one id are one record, wherever they are in the input (in the order
/// they come, the record placed where its first row is). They must agree on every column
/// but the line's, or the record is rejected naming the column and the two rows' lines.
/// Rows that come in separate runs, each run the same rows (an order exported twice, one
/// export appended to another), reject the record too; like rows together are like lines. A
/// record without lines (a pipeline update) is one row whose line columns are empty.
///
/// A record is read through the same checks as one in JSON, so it is rejected for the same
/// reasons ([`Rejected`], on the line of the row at fault, naming its column); a row with
/// another number of fields than the header, or with bytes that are not UTF-8, rejects its
/// record. Rows whose every cell is empty are skipped. A UTF-8 byte order mark is accepted.
/// The header itself must name each column once and give at least `id`, `kind`, `date` and
/// `partner` (and, with any line column, `sku`, `qty`, `unit_price` and `currency`), else the
/// error is an [`InputError`] whose column counts CSV columns.
///
/// ```
/// let csv = "\
/// id,kind,date,partner,sku,qty,unit_price,currency,source,documents
/// S-1,sale,2026-03-14,P-SI-07,SEAL-200,4,81.00,USD,oem,purchase_order:PO-9:true
/// S-1,sale,2026-03-14,P-SI-07,FILTER-5,10,25.00,USD,oem,purchase_order:PO-9:true
/// S-2,sale,2026-03-15,P-SI-07,SEAL-200,0,81.00,USD,oem,
/// ";
/// let batch = pactum::read_csv_batch(csv.as_bytes())?;
/// assert_eq!(batch.records[0].lines.len(), 2);
/// assert!(batch.records[0].has_document("purchase_order", true));
/// assert_eq!(batch.rejected[0].line, 4);
/// assert_eq!(
///     batch.rejected[0].reason(),
///     "field `qty`: expected a whole number other than 0, but found `0`"
/// );
/// # Ok::<(), pactum::InputError>(())
/// ```
pub fn read_csv_batch(input: &[u8]) -> Result<Batch, InputError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let mut rows = Rows::new(input);
    let mut raw = csv::ByteRecord::new();
    let Some((header_line, _)) = rows.next(&mut raw)? else {
        return Ok(Batch::default());
    };
    let header = Header::read(&raw, header_line)?;
    let mut groups: Vec<Group> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut previous = None;
    while let Some((line, text)) = rows.next(&mut raw)? {
        let row = read_row(&header, &raw, line, text);
        let id = row_id(&header, &raw);
        match id.as_ref().and_then(|id| by_id.get(id)) {
            Some(&at) => {
                if let Some(group) = groups.get_mut(at) {
                    if previous != Some(at) {
                        group.runs.push(group.more.len() + 1);
                    }
                    group.more.push(row);
                }
                previous = Some(at);
            }
            None => {
                if let Some(id) = &id {
                    by_id.insert(id.clone(), groups.len());
                }
                previous = Some(groups.len());
                groups.push(Group {
                    id,
                    first: row,
                    more: Vec::new(),
                    runs: Vec::new(),
                });
            }
        }
    }
    use rayon::prelude::*;
    let built: Vec<Result<(usize, Record), Rejected>> = groups
        .par_iter()
        .map(|group| build(&header, group))
        .collect();
    let mut batch = Batch::default();
    for result in built {
        match result {
            Ok((line, record)) => {
                batch.records.push(record);
                batch.lines.push(line);
            }
            Err(rejected) => batch.rejected.push(rejected),
        }
    }
    batch.rejected.sort_by_key(|r| r.line);
    Ok(batch)
}

/// Reads CSV rows, numbering them by the lines of the input.
struct Rows<'a> {
    input: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    /// The line on which the byte at `counted` is.
    line: usize,
    counted: usize,
}

impl<'a> Rows<'a> {
    fn new(input: &'a [u8]) -> Rows<'a> {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        Rows {
            input,
            reader,
            line: 1,
            counted: 0,
        }
    }

    /// Reads the next row that is not empty into `raw`: its line, and its text (from its
    /// first byte to the next row's).
    ///
    /// Lines are counted here, from the bytes: the reader's own count leaves out the blank
    /// lines it skips.
    fn next(&mut self, raw: &mut csv::ByteRecord) -> Result<Option<(usize, &'a [u8])>, InputError> {
        loop {
            let more = self.reader.read_byte_record(raw).map_err(|e| InputError {
                line: self.line,
                column: 1,
                message: format!("not valid CSV: {e}"),
            })?;
            if !more {
                return Ok(None);
            }
            let at = |n: u64| {
                usize::try_from(n)
                    .unwrap_or(usize::MAX)
                    .min(self.input.len())
            };
            let end = at(self.reader.position().byte());
            let mut start = at(raw.position().map_or(0, csv::Position::byte));
            // The blank lines skipped before the row count as its own.
            while let Some(b'\r' | b'\n') = self.input.get(start) {
                start += 1;
            }
            let before = self.input.get(self.counted..start).unwrap_or(&[]);
            self.line += memchr::memchr_iter(b'\n', before).count();
            self.counted = start.max(self.counted);
            if raw.iter().any(|cell| !cell.is_empty()) {
                return Ok(Some((self.line, self.input.get(start..end).unwrap_or(&[]))));
            }
        }
    }
}

/// The id of a row, when it has a readable, non-blank one: the rows are grouped by it.
fn row_id(header: &Header, raw: &csv::ByteRecord) -> Option<String> {
    let cell = raw.get(header.record[ID]?)?;
    let id = std::str::from_utf8(cell).ok()?;
    (!super::blank(id)).then(|| id.to_owned())
}

/// A row as text, or why it cannot be read: another number of fields than the header, or
/// a byte that is not UTF-8 (its column counted in `bytes`, the row's text).
fn read_row(header: &Header, raw: &csv::ByteRecord, line: usize, bytes: &[u8]) -> Row {
    if raw.len() != header.names.len() {
        let error = RecordError::new(
            At::Record,
            RecordErrorKind::FieldCount {
                expected: header.names.len(),
                found: raw.len(),
            },
        );
        return Row {
            line,
            fields: Err(error),
        };
    }
    let fields = csv::StringRecord::from_byte_record(raw.clone()).map_err(|e| {
        let field = e.utf8_error().field();
        let bad = std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        let before = bytes.get(..bad).unwrap_or(bytes);
        let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
        RecordError::new_at(
            header.name(field).to_owned(),
            RecordErrorKind::Utf8 { column },
        )
    });
    Row { line, fields }
}

/// Reads the record of `group`: its first line and the record, or why it is rejected.
fn build(header: &Header, group: &Group) -> Result<(usize, Record), Rejected> {
    let first = group.first.line;
    let reject =
        |line: usize, error: RecordError| Rejected::new(line, error.with_record(group.id.clone()));
    let mut rows = Vec::with_capacity(group.more.len() + 1);
    for row in group.rows() {
        match &row.fields {
            Ok(fields) => rows.push((row.line, fields)),
            Err(error) => return Err(reject(row.line, error.clone())),
        }
    }
    let Some(&(_, fields)) = rows.first() else {
        return Err(reject(
            first,
            RecordError::new(At::Record, RecordErrorKind::Missing),
        ));
    };
    // Rows in several runs, each the same rows as the first: the record exported twice
    // (one export appended to another), not lines to add up.
    if let Some(&second) = group.runs.first() {
        let run = |at: usize| rows.get(at..at + second);
        let same = |a: &[(usize, &csv::StringRecord)], b: &[(usize, &csv::StringRecord)]| {
            a.iter().zip(b).all(|(x, y)| x.1 == y.1)
        };
        let first_run = rows.get(..second).unwrap_or(&[]);
        let starts: Vec<usize> = std::iter::once(0)
            .chain(group.runs.iter().copied())
            .collect();
        let repeated = rows.len() == second * starts.len()
            && starts
                .iter()
                .all(|&s| s % second == 0 && run(s).is_some_and(|r| same(first_run, r)));
        if let (true, Some(&(line, _))) = (repeated, rows.get(second)) {
            let error = RecordError::new(
                At::Record,
                RecordErrorKind::RowRepeated { first, other: line },
            );
            return Err(reject(line, error));
        }
    }
    // Every row repeats the record's own columns.
    for &(line, other) in rows.iter().skip(1) {
        let differs = (0..header.names.len())
            .filter(|c| header.is_record_level(*c))
            .find(|c| fields.get(*c) != other.get(*c));
        if let Some(column) = differs {
            let error = RecordError::new_at(
                header.name(column).to_owned(),
                RecordErrorKind::RowsDisagree { first, other: line },
            );
            return Err(reject(first, error));
        }
    }
    let record = read_record(header, &rows).map_err(|(line, e)| reject(line, e))?;
    Ok((first, record))
}

/// A cell as a leaf: an absent column and an empty cell are an absent field.
fn leaf(fields: &csv::StringRecord, column: Option<usize>) -> Leaf<'_> {
    match column.and_then(|c| fields.get(c)) {
        None | Some("") => Leaf::Missing,
        Some(cell) => Leaf::Str(Cow::Borrowed(cell)),
    }
}

/// Reads a record from its rows (each with its line), checked in the order the JSON reader
/// checks a record; an error comes with the line of the row at fault.
fn read_record(
    header: &Header,
    rows: &[(usize, &csv::StringRecord)],
) -> Result<Record, (usize, RecordError)> {
    let Some(&(first, fields)) = rows.first() else {
        return Err((0, RecordError::new(At::Record, RecordErrorKind::Missing)));
    };
    let on_first = |e: RecordError| (first, e);
    let field = |i: usize| leaf(fields, header.record.get(i).copied().flatten());
    let id = required(field(ID), At::Field("id")).map_err(on_first)?;
    let kind = Kind::from_name(&required(field(KIND), At::Field("kind")).map_err(on_first)?);
    near::check_kind(&kind).map_err(on_first)?;
    let mut attrs = Map::new();
    for &column in &header.attrs {
        let name = header.name(column);
        if let Some(cell) = fields.get(column).filter(|c| !c.is_empty()) {
            near::check_key(&kind, name).map_err(on_first)?;
            attrs.insert(name.to_owned(), Value::String(cell.to_owned()));
        }
    }
    let date = date(field(DATE)).map_err(on_first)?;
    let partner = required(field(PARTNER), At::Field("partner")).map_err(on_first)?;
    let mut optional = Vec::with_capacity(ORDER_DATE - PARTNER - 1);
    for (i, name) in RECORD_COLUMNS
        .iter()
        .enumerate()
        .take(ORDER_DATE)
        .skip(PARTNER + 1)
    {
        optional.push(text(field(i), At::Field(name)).map_err(on_first)?);
    }
    let mut optional = optional.into_iter();
    let mut next = || optional.next().flatten();
    let order_date = optional_date(field(ORDER_DATE), At::Field("order_date")).map_err(on_first)?;
    let mut lines = Vec::new();
    // For each line of the record, its row's line in the input.
    let mut line_rows = Vec::new();
    for &(line, fields) in rows {
        let cell = |i: usize| leaf(fields, header.line.get(i).copied().flatten());
        if (0..LINE_COLUMNS.len()).all(|i| matches!(cell(i), Leaf::Missing)) {
            continue;
        }
        let on_row = |e: RecordError| (line, e);
        let number = match cell(QTY) {
            Leaf::Str(text) => Leaf::Number(text),
            other => other,
        };
        lines.push(Line {
            sku: required(cell(SKU), At::Field("sku")).map_err(on_row)?,
            qty: qty(number, At::Field("qty")).map_err(on_row)?,
            unit_price: price(cell(UNIT_PRICE), At::Field("unit_price")).map_err(on_row)?,
            currency: currency(cell(CURRENCY), At::Field("currency")).map_err(on_row)?,
            source: text(cell(SOURCE), At::Field("source")).map_err(on_row)?,
        });
        line_rows.push(line);
    }
    let documents = match leaf(fields, header.documents) {
        Leaf::Str(cell) => documents(&cell).map_err(on_first)?,
        _ => Vec::new(),
    };
    let record = Record {
        id,
        kind,
        date,
        partner,
        customer: next(),
        region: next(),
        opportunity: next(),
        stage: next(),
        asset: next(),
        agreement: next(),
        invoice: next(),
        order_date,
        lines,
        documents,
        attrs,
    };
    check_shape(&record).map_err(|e| on_line(e, first, &line_rows))?;
    Ok(record)
}

/// An error of [`check_shape`] as CSV names it: one about `lines[i].qty` is about the
/// `qty` column of the row of the record's line `i`.
fn on_line(error: RecordError, first: usize, line_rows: &[usize]) -> (usize, RecordError) {
    let at_line = error
        .field()
        .and_then(|f| f.strip_prefix("lines["))
        .and_then(|f| f.split_once("]."))
        .and_then(|(i, column)| Some((line_rows.get(i.parse::<usize>().ok()?)?, column)));
    match at_line {
        Some((&line, column)) => (
            line,
            RecordError::new_at(column.to_owned(), error.kind().clone()),
        ),
        None => (first, error),
    }
}

/// The documents of a `documents` cell: `kind:ref:signed` entries separated by `;`, `ref`
/// and `signed` optional (`purchase_order:PO-1:true;signed_contract`); blanks around each
/// part are dropped. A reference cannot hold `:` or `;`.
fn documents(cell: &str) -> Result<Vec<Document>, RecordError> {
    cell.split(';')
        .filter(|entry| !entry.trim().is_empty())
        .enumerate()
        .map(|(i, entry)| {
            let mut parts = entry.split(':').map(str::trim);
            let (kind, reference, signed) = (parts.next(), parts.next(), parts.next());
            if parts.next().is_some() {
                return Err(RecordError::new(
                    At::Item("documents", i),
                    RecordErrorKind::Cell {
                        expected: "a document as `kind:ref:signed`",
                        found: entry.to_owned(),
                    },
                ));
            }
            let signed = match signed.unwrap_or("") {
                "" | "false" => false,
                "true" => true,
                other => {
                    return Err(RecordError::new(
                        At::Sub("documents", i, "signed"),
                        RecordErrorKind::Cell {
                            expected: "`true`, `false` or nothing",
                            found: other.to_owned(),
                        },
                    ));
                }
            };
            DocumentLeaves {
                kind: kind.map_or(Leaf::Missing, |p| Leaf::Str(p.into())),
                reference: reference.map_or(Leaf::Missing, |p| Leaf::Str(p.into())),
                signed: Leaf::Bool(signed),
            }
            .build(i)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::read_batch;

    /// Records written as CSV, one row per line, in the columns the issue lists, then
    /// `invoice`, `order_date`, `documents` and one column per attr (attrs here are strings).
    fn to_csv(records: &[Record]) -> String {
        let attrs: std::collections::BTreeSet<&String> =
            records.iter().flat_map(|r| r.attrs.keys()).collect();
        let mut out = csv::Writer::from_writer(Vec::new());
        let mut head: Vec<&str> = RECORD_COLUMNS[..10].to_vec();
        head.extend(LINE_COLUMNS);
        head.extend(["invoice", "order_date", DOCUMENTS]);
        head.extend(attrs.iter().map(|a| a.as_str()));
        out.write_record(&head).unwrap();
        for r in records {
            let opt = |v: &Option<crate::CompactString>| v.as_deref().unwrap_or("").to_owned();
            let start = vec![
                r.id.to_string(),
                r.kind.as_str().to_owned(),
                r.date.to_string(),
                r.partner.to_string(),
                opt(&r.customer),
                opt(&r.region),
                opt(&r.opportunity),
                opt(&r.stage),
                opt(&r.asset),
                opt(&r.agreement),
            ];
            let documents: Vec<String> = r
                .documents
                .iter()
                .map(|d| {
                    let reference = d.reference.as_deref().unwrap_or("");
                    format!("{}:{reference}:{}", d.kind, d.signed)
                })
                .collect();
            let mut end = vec![
                opt(&r.invoice),
                r.order_date.map(|d| d.to_string()).unwrap_or_default(),
                documents.join(";"),
            ];
            end.extend(attrs.iter().map(|a| match r.attrs.get(*a) {
                None => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
            }));
            let mut lines: Vec<Vec<String>> = r
                .lines
                .iter()
                .map(|l| {
                    vec![
                        l.sku.to_string(),
                        l.qty.get().to_string(),
                        l.unit_price.to_string(),
                        l.currency.as_str().to_owned(),
                        l.source.as_deref().unwrap_or("").to_owned(),
                    ]
                })
                .collect();
            if lines.is_empty() {
                lines.push(vec![String::new(); LINE_COLUMNS.len()]);
            }
            for line in lines {
                let row: Vec<&String> = start.iter().chain(&line).chain(&end).collect();
                out.write_record(row).unwrap();
            }
        }
        String::from_utf8(out.into_inner().unwrap()).unwrap()
    }

    fn example(name: &str) -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name)
    }

    /// `examples/records.csv` is `examples/records.jsonl` converted (write it anew with
    /// `PACTUM_WRITE_EXAMPLES=1`), and reads as the same records, at their first row's line.
    #[test]
    fn the_example_records_read_the_same_from_csv_and_json_lines() {
        let jsonl = read_batch(&std::fs::read(example("records.jsonl")).unwrap()).unwrap();
        assert!(jsonl.rejected.is_empty());
        let converted = to_csv(&jsonl.records);
        if std::env::var_os("PACTUM_WRITE_EXAMPLES").is_some() {
            std::fs::write(example("records.csv"), &converted).unwrap();
        }
        let committed = std::fs::read_to_string(example("records.csv")).unwrap();
        assert_eq!(committed, converted, "examples/records.csv is out of date");
        let csv = read_csv_batch(committed.as_bytes()).unwrap();
        assert!(csv.rejected.is_empty(), "{:?}", csv.rejected);
        assert_eq!(csv.records, jsonl.records);
        assert!(csv.records.iter().any(|r| r.lines.len() > 1));
        assert!(csv.records.iter().any(|r| !r.attrs.is_empty()));
        assert!(csv.lines.windows(2).all(|w| w[0] < w[1]) && csv.lines[0] == 2);
    }

    /// A generated batch, as CSV with its rows in reverse order (so no record's rows are
    /// next to each other where it has several, and records come in another order), reads
    /// as the same records.
    #[test]
    fn a_generated_batch_reads_the_same_from_csv_with_its_rows_shuffled() {
        let dir = tempfile::tempdir().unwrap();
        let options = pactum_testkit::GenerateOptions {
            records: 2_000,
            ..Default::default()
        };
        pactum_testkit::generate(&options, dir.path()).unwrap();
        let jsonl = read_batch(&std::fs::read(dir.path().join("records.jsonl")).unwrap()).unwrap();
        assert_eq!(jsonl.records.len(), 2_000);
        let csv = to_csv(&jsonl.records);
        let (head, rows) = csv.split_once('\n').unwrap();
        let mut rows: Vec<&str> = rows.lines().collect();
        assert!(rows.len() > jsonl.records.len());
        rows.reverse();
        let read = read_csv_batch(format!("{head}\n{}\n", rows.join("\n")).as_bytes()).unwrap();
        assert!(read.rejected.is_empty(), "{:?}", read.rejected.first());
        let by_id = |records: &[Record]| {
            let mut records = records.to_vec();
            records.sort_by(|a, b| a.id.cmp(&b.id));
            records
        };
        let mut reversed = by_id(&read.records);
        for record in &mut reversed {
            record.lines.reverse();
        }
        assert_eq!(reversed, by_id(&jsonl.records));
    }

    const HEAD: &str = "id,kind,date,partner,customer,sku,qty,unit_price,currency,source,documents";

    fn read(rows: &str) -> Batch {
        read_csv_batch(format!("{HEAD}\n{rows}").as_bytes()).unwrap()
    }

    /// The rejected records of `rows`, as `(line, reason)`.
    fn rejected(rows: &str) -> Vec<(usize, String)> {
        let batch = read(rows);
        assert_eq!(batch.read(), batch.records.len() + batch.rejected.len());
        batch
            .rejected
            .iter()
            .map(|r| (r.line, r.reason()))
            .collect()
    }

    const SALE: &str =
        "S-1,sale,2026-03-14,P-1,C-1,SEAL-200,4,81.00,USD,oem,purchase_order:PO-9:true";

    #[test]
    fn rows_of_one_id_are_one_record_wherever_they_are() {
        let batch = read(&format!(
            "{SALE}\nPU-1,pipeline_update,2026-03-15,P-1,,,,,,,\n{}",
            SALE.replace("SEAL-200,4", "FILTER-5,-2")
        ));
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        assert_eq!(batch.lines, vec![2, 3]);
        let sale = &batch.records[0];
        let skus: Vec<&str> = sale.lines.iter().map(|l| l.sku.as_str()).collect();
        assert_eq!(skus, ["SEAL-200", "FILTER-5"]);
        assert_eq!(sale.lines[1].qty.get(), -2);
        assert!(batch.records[1].lines.is_empty());
        assert!(batch.records[1].documents.is_empty());
    }

    #[test]
    fn reads_what_the_json_reader_reads() {
        let csv = read_csv_batch(
            "\u{feff}kind,id,date,partner,order_date,region,sku,qty,unit_price,currency,documents,channel,note\r\n\
             sale,S-1,2026-03-14,P-1,2026-03-10, ,A,2,12.50,USD,\"purchase_order:PO-1:true; signed_contract\",web,\"a, \"\"quoted\"\"\nnote\"\r\n\
             ,,,,,,,,,,,,\r\n"
                .as_bytes(),
        )
        .unwrap();
        let json = Record::from_json_str(
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-1","order_date":"2026-03-10","region":" ",
            "lines":[{"sku":"A","qty":2,"unit_price":"12.50","currency":"USD"}],
            "documents":[{"kind":"purchase_order","ref":"PO-1","signed":true},{"kind":"signed_contract"}],
            "channel":"web","note":"a, \"quoted\"\nnote"}"#,
        )
        .unwrap();
        assert!(csv.rejected.is_empty(), "{:?}", csv.rejected);
        assert_eq!(csv.records, vec![json]);
    }

    #[test]
    fn an_unknown_kind_is_kept_and_a_near_miss_rejected_as_in_json() {
        let batch = read("W-1,warranty,2026-03-14,P-1,,,,,,,\nS-2,Sale,2026-03-14,P-1,,,,,,,");
        assert_eq!(batch.records[0].kind, Kind::Other("warranty".into()));
        let json = Record::from_json_str(
            r#"{"id":"S-2","kind":"Sale","date":"2026-03-14","partner":"P-1"}"#,
        )
        .unwrap_err();
        assert_eq!(batch.rejected[0].line, 3);
        assert_eq!(batch.rejected[0].id(), Some("S-2"));
        assert_eq!(batch.rejected[0].error, json);
    }

    #[test]
    fn record_level_errors_are_the_json_readers_on_the_first_row() {
        let cases = [("2026-02-30", "date"), ("", "date")];
        for (date, field) in cases {
            let row = SALE.replace("2026-03-14", date);
            let got = rejected(&format!("{row}\n{row}"));
            let json = Record::from_json_str(&format!(
                r#"{{"id":"S-1","kind":"sale","date":"{date}","partner":"P-1"}}"#
            ))
            .unwrap_err();
            assert_eq!(got, vec![(2, json.to_string())]);
            assert!(got[0].1.contains(&format!("field `{field}`")) || date.is_empty());
        }
        let got = rejected("S-1,sale,2026-03-14,,C-1,,,,,,");
        assert_eq!(
            got,
            vec![(2, "missing required field `partner`".to_owned())]
        );
    }

    #[test]
    fn a_bad_line_names_its_row_and_column() {
        let cases = [
            (
                "4.5",
                "81.00",
                "USD",
                "field `qty`: expected a whole number other than 0, but found `4.5`",
            ),
            (
                "x",
                "81.00",
                "USD",
                "field `qty`: expected a whole number other than 0, but found `x`",
            ),
            ("", "81.00", "USD", "missing required field `qty`"),
            (
                "4",
                "\"12,50\"",
                "USD",
                "field `unit_price`: expected a decimal number like `12.50`, but found `12,50`",
            ),
            (
                "4",
                "-1",
                "USD",
                "field `unit_price`: a price cannot be negative, but found `-1`",
            ),
            ("4", "81.00", "", "missing required field `currency`"),
        ];
        for (qty, price, currency, reason) in cases {
            let bad = SALE
                .replace(",4,81.00,USD,", &format!(",{qty},{price},{currency},"))
                .replace("SEAL-200", "FILTER-5");
            let got = rejected(&format!("{SALE}\n{bad}"));
            assert_eq!(got.len(), 1);
            assert_eq!(got[0].0, 3, "{reason}");
            assert!(
                got[0].1.starts_with(reason),
                "{} should start with {reason}",
                got[0].1
            );
        }
        let currency = rejected(&SALE.replace("USD", "usd"));
        assert!(
            currency[0].1.starts_with("field `currency`: "),
            "{currency:?}"
        );
        // The check of a record's shape names the row of a return on a purchase.
        let purchase = SALE.replace("sale", "purchase");
        let got = rejected(&format!("{purchase}\n{}", purchase.replace(",4,", ",-4,")));
        assert_eq!(
            got,
            vec![(3, "field `qty`: a quantity below 0 (a return) is allowed only on a sale, but found `-4` on a purchase".to_owned())]
        );
    }

    #[test]
    fn rows_that_disagree_reject_their_record_naming_the_column_and_lines() {
        let other = SALE.replace("C-1", "C-2").replace("SEAL-200", "FILTER-5");
        let got = rejected(&format!(
            "{SALE}\nPU-1,pipeline_update,2026-03-15,P-1,,,,,,,\n{other}"
        ));
        assert_eq!(
            got,
            vec![(2, "field `customer`: the rows of one record must agree on it, but line 4 differs from line 2".to_owned())]
        );
        let docs = rejected(&format!("{SALE}\n{}", SALE.replace(":true", ":false")));
        assert!(docs[0].1.starts_with("field `documents`: "), "{docs:?}");
        // A row repeated whole, as when one export is appended twice: rejected on the
        // repeat's line, not read as two lines.
        let twice = rejected(&format!(
            "{SALE}\nPU-1,pipeline_update,2026-03-15,P-1,,,,,,,\n{SALE}"
        ));
        assert_eq!(twice.len(), 1, "{twice:?}");
        assert_eq!(twice[0].0, 4);
        assert!(
            twice[0].1.contains("line 4 repeats line 2 in every column"),
            "{twice:?}"
        );
    }

    #[test]
    fn a_ragged_row_or_a_bad_byte_rejects_its_record() {
        let got = rejected(&format!(
            "{SALE}\nS-1,sale,2026-03-14,P-1\nS-2,sale,2026-03-14,P-1,,,,,,,,"
        ));
        assert_eq!(
            got,
            vec![
                (
                    3,
                    "expected 11 fields as in the header, but found 4".to_owned()
                ),
                (
                    4,
                    "expected 11 fields as in the header, but found 12".to_owned()
                ),
            ]
        );
        let mut input = format!("{HEAD}\n{SALE}\n").into_bytes();
        input.extend_from_slice(b"S-2,sale,2026-03-14,P-1,C-\xff,,,,,,\n");
        let batch = read_csv_batch(&input).unwrap();
        assert_eq!(batch.records.len(), 1);
        assert_eq!(batch.rejected[0].line, 3);
        assert_eq!(batch.rejected[0].id(), Some("S-2"));
        assert_eq!(
            batch.rejected[0].reason(),
            "field `customer`: not valid UTF-8 text (bad byte at column 27)"
        );
    }

    #[test]
    fn documents_are_read_from_kind_ref_signed() {
        let batch = read(&SALE.replace(
            "purchase_order:PO-9:true",
            "purchase_order:PO-9:true;signed_contract::false;service_report;",
        ));
        let docs = &batch.records[0].documents;
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[1].reference, None);
        assert!(docs[0].signed && !docs[1].signed && !docs[2].signed);
        for (cell, reason) in [
            (
                "purchase_order:PO-9:yes",
                "field `documents[0].signed`: expected `true`, `false` or nothing, but found `yes`",
            ),
            (
                "a;b:c:true:x",
                "field `documents[1]`: expected a document as `kind:ref:signed`, but found `b:c:true:x`",
            ),
            (":PO-9:true", "missing required field `documents[0].kind`"),
        ] {
            let got = rejected(&SALE.replace("purchase_order:PO-9:true", cell));
            assert_eq!(got, vec![(2, reason.to_owned())]);
        }
    }

    #[test]
    fn a_row_without_an_id_is_rejected_alone() {
        let other_line = SALE.replace("SEAL-200", "FILTER-5");
        let got = rejected(&format!(
            "{SALE}\n,sale,2026-03-14,P-1,,,,,,,\n{other_line}"
        ));
        assert_eq!(got, vec![(3, "missing required field `id`".to_owned())]);
    }

    #[test]
    fn a_bad_header_is_an_input_error_naming_line_and_column() {
        let cases = [
            ("id,kind,partner,sku", 5, "the header has no `date` column"),
            (
                "id,kind,date,partner,sku,qty,currency",
                8,
                "the header has a `sku` column but no `unit_price` column",
            ),
            (
                "id,kind,date,partner,source",
                6,
                "the header has a `source` column but no `sku` column",
            ),
            (
                "id,kind,date,partner,customer,customer",
                6,
                "the column `customer` is given twice (columns 5 and 6)",
            ),
            (
                "id,kind,date,partner,Customer",
                5,
                "the column `Customer` is not a known column but reads as one; did you mean `customer`?",
            ),
            (
                "id,kind,date,partner,lines",
                5,
                "a column `lines` is not read from CSV",
            ),
            ("id,kind,,date,partner", 3, "the column has no name"),
        ];
        for (head, column, message) in cases {
            let err = read_csv_batch(format!("\n{head}\nS-1,sale").as_bytes()).unwrap_err();
            assert_eq!((err.line, err.column), (2, column), "{err}");
            assert!(err.message.starts_with(message), "{err}");
        }
        let err = read_csv_batch(b"id,kind,d\xffte,partner\n").unwrap_err();
        assert_eq!((err.line, err.column), (1, 3));
        assert!(read_csv_batch(b"").unwrap().records.is_empty());
        assert_eq!(read_csv_batch(b"id,kind,date,partner\n").unwrap().read(), 0);
    }

    #[test]
    fn lines_count_blank_lines_and_quoted_line_ends() {
        let batch = read_csv_batch(
            format!("\n{HEAD}\n\n{SALE}\r\n\r\n\"S-2\",sale,2026-03-14,P-1,\"C\n2\",,,,,,\nS-3,sale,2026-03-14,P-1,,,,,,,\n").as_bytes(),
        )
        .unwrap();
        assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        assert_eq!(batch.lines, vec![4, 6, 8]);
    }

    proptest::proptest! {
        /// Whatever the bytes, reading never panics and every record read is kept or
        /// rejected.
        #[test]
        fn any_bytes_read_without_panic(rows in proptest::collection::vec(
            proptest::collection::vec(proptest::prop_oneof![
                proptest::strategy::Just(b"S-1".to_vec()),
                proptest::strategy::Just(b"sale".to_vec()),
                proptest::strategy::Just(b"2026-03-14".to_vec()),
                proptest::strategy::Just(b"a:b:true;c".to_vec()),
                proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..6),
            ], 0..13),
            0..8,
        )) {
            let mut input = format!("{HEAD}\n").into_bytes();
            for row in rows {
                input.extend(row.join(&b","[..]));
                input.push(b'\n');
            }
            if let Ok(batch) = read_csv_batch(&input) {
                proptest::prop_assert_eq!(batch.records.len(), batch.lines.len());
            }
        }
    }
}
