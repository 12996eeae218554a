//! What can be wrong with a record, naming the field.

use crate::currency::CurrencyError;
use crate::date::DateError;
use crate::money::DecimalError;
use rust_decimal::Decimal;
use std::fmt;

/// Why a record was not read (or, built in Rust, not built), and which field is at fault.
///
/// `Display` gives the reason as reports show it, such as
/// ``field `lines[0].qty`: expected a whole number above 0, but found `0` ``.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    field: Option<String>,
    kind: RecordErrorKind,
    /// The record's id, when the record was read far enough to know it.
    record: Option<String>,
}

/// What is wrong with a record.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordErrorKind {
    /// A required field is absent, `null` or blank.
    Missing,
    /// The field (or the record itself) is of the wrong JSON type.
    WrongType {
        /// What was expected, such as `a string`.
        expected: &'static str,
        /// What was found, such as `a number`.
        found: &'static str,
    },
    /// A quantity that is not a whole number other than 0 (within `u32::MAX` either way).
    NotPositive {
        /// The number as written.
        found: String,
    },
    /// A date that is not a real `YYYY-MM-DD` date.
    Date(DateError),
    /// A price that is not a decimal number held exactly.
    Decimal(DecimalError),
    /// A price below zero.
    Negative {
        /// The price.
        found: Decimal,
    },
    /// A currency that is not an ISO 4217 code.
    Currency(CurrencyError),
    /// A quantity below 0 (a return) on a line of a record that is not a sale.
    ReturnNotOnSale {
        /// The quantity.
        found: i64,
        /// The record's kind.
        kind: String,
    },
    /// An `order_date` after the record's `date`.
    OrderedAfter {
        /// The order date.
        ordered: crate::date::Date,
        /// The record's date.
        dated: crate::date::Date,
    },
    /// The record repeats an identical record with the same id; it is checked once.
    Repeated {
        /// The record id.
        id: String,
        /// The line of the record that is checked.
        first_line: usize,
    },
    /// In a stream: a different record with the same id came first and was checked; this
    /// one is not.
    UsedBefore {
        /// The record id.
        id: String,
        /// The line of the record that was checked.
        first_line: usize,
    },
    /// Different records share an id; none of them is checked.
    DuplicateId {
        /// The record id.
        id: String,
        /// The lines of every record with that id, in order.
        lines: Vec<usize>,
    },
    /// The text is not JSON.
    Json {
        /// What the JSON parser says, without its position.
        message: String,
        /// The 1-based column of the problem.
        column: usize,
    },
    /// The line is not UTF-8 text.
    Utf8 {
        /// The 1-based column of the first bad byte.
        column: usize,
    },
    /// A `kind` that is not a known kind but reads as one (other case, whitespace,
    /// invisible characters, look-alike letters, a typo).
    NearMiss {
        /// The kind as written.
        found: String,
        /// The known kind it reads as.
        known: &'static str,
    },
    /// A top-level key of a record of a known kind that reads as one of the record's own
    /// fields (`Lines`, `items`, `docs`); the field names the key as written.
    NearMissKey {
        /// The field it reads as.
        known: &'static str,
    },
    /// A key given twice in one object; the field names the key.
    DuplicateKey {
        /// The 1-based column where the key is first given, counted from the start of the
        /// record's text.
        first: usize,
        /// The column where it is given again.
        second: usize,
    },
    /// The line is longer than the reader's limit; it was skipped without being held.
    TooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// CSV: the rows of one record differ in a record-level column (the field names it).
    RowsDisagree {
        /// The line of the record's first row.
        first: usize,
        /// The line of the first row that differs from it.
        other: usize,
    },
    /// CSV: a row of a record repeats an earlier one in every column (an order exported
    /// twice, say), which would double its lines.
    RowRepeated {
        /// The line of the earlier row.
        first: usize,
        /// The line of the row that repeats it.
        other: usize,
    },
    /// CSV: a row with another number of fields than the header has.
    FieldCount {
        /// The header's number of columns.
        expected: usize,
        /// The row's number of fields.
        found: usize,
    },
    /// CSV: a cell not in the form its column takes (the field names it).
    Cell {
        /// The form expected, such as `` `true` or `false` ``.
        expected: &'static str,
        /// The cell's text.
        found: String,
    },
}

/// Where a field is, formatted only when an error needs it, so the passing path formats
/// nothing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum At {
    /// The record as a whole.
    Record,
    /// A top-level field.
    Field(&'static str),
    /// An element of a list, as `lines[0]`.
    Item(&'static str, usize),
    /// A field of an element, as `lines[0].qty`.
    Sub(&'static str, usize, &'static str),
}

impl At {
    fn path(self) -> Option<String> {
        match self {
            At::Record => None,
            At::Field(f) => Some(f.to_owned()),
            At::Item(list, i) => Some(format!("{list}[{i}]")),
            At::Sub(list, i, f) => Some(format!("{list}[{i}].{f}")),
        }
    }
}

impl RecordError {
    #[cold]
    pub(crate) fn new(at: At, kind: RecordErrorKind) -> RecordError {
        RecordError(Box::new(Inner {
            field: at.path(),
            kind,
            record: None,
        }))
    }

    /// An error about the field at `path` (a path the reader builds, such as `attrs.a.b`).
    #[cold]
    pub(crate) fn new_at(path: String, kind: RecordErrorKind) -> RecordError {
        RecordError(Box::new(Inner {
            field: Some(path),
            kind,
            record: None,
        }))
    }

    /// The same error, about the record with id `id`.
    #[cold]
    pub(crate) fn with_record(mut self, id: Option<String>) -> RecordError {
        if self.0.record.is_none() {
            self.0.record = id;
        }
        self
    }

    /// The id of the record, when it was read far enough to know it (a record rejected for
    /// a bad price still has its id; one that is not JSON has none).
    pub fn record_id(&self) -> Option<&str> {
        self.0.record.as_deref().or_else(|| self.duplicate_id())
    }

    #[cold]
    pub(crate) fn wrong_type(at: At, expected: &'static str, found: &'static str) -> RecordError {
        RecordError::new(at, RecordErrorKind::WrongType { expected, found })
    }

    /// The text is not JSON: serde_json's message without its own position suffix (the
    /// reader gives the line itself).
    #[cold]
    pub(crate) fn json(e: &serde_json::Error) -> RecordError {
        let message = e.to_string();
        let message = message
            .split(" at line ")
            .next()
            .unwrap_or(&message)
            .to_owned();
        RecordError::new(
            At::Record,
            RecordErrorKind::Json {
                message,
                column: e.column(),
            },
        )
    }

    /// The field at fault, as `lines[0].qty`; `None` when the error is about the record
    /// as a whole (not JSON, not an object).
    pub fn field(&self) -> Option<&str> {
        self.0.field.as_deref()
    }

    /// What is wrong.
    pub fn kind(&self) -> &RecordErrorKind {
        &self.0.kind
    }

    /// The id, when the record was set aside for its id (a copy, or a clash) rather than
    /// for what it holds.
    pub fn duplicate_id(&self) -> Option<&str> {
        match &self.0.kind {
            RecordErrorKind::Repeated { id, .. }
            | RecordErrorKind::UsedBefore { id, .. }
            | RecordErrorKind::DuplicateId { id, .. } => Some(id),
            _ => None,
        }
    }

    /// A record set aside for its id, which another record on `first_line` already has:
    /// an identical copy when `identical`, else a clash.
    #[cold]
    pub(crate) fn id_taken(id: &str, first_line: usize, identical: bool) -> RecordError {
        let id = id.to_owned();
        RecordError::new(
            At::Field("id"),
            if identical {
                RecordErrorKind::Repeated { id, first_line }
            } else {
                RecordErrorKind::UsedBefore { id, first_line }
            },
        )
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RecordErrorKind as K;
        let field = self.0.field.as_deref();
        match (&self.0.kind, field) {
            (K::Missing, field) => {
                return write!(f, "missing required field `{}`", field.unwrap_or(""));
            }
            (K::Repeated { id, first_line }, _) => {
                return write!(
                    f,
                    "record id `{id}` repeats the identical record on line {first_line}; checked once"
                );
            }
            (K::UsedBefore { id, first_line }, _) => {
                return write!(
                    f,
                    "record id `{id}` was already used by a different record on line {first_line}, which was checked; this one was not"
                );
            }
            (K::DuplicateId { id, lines }, _) => {
                write!(
                    f,
                    "record id `{id}` is used by {} different records (lines ",
                    lines.len()
                )?;
                for (i, line) in lines.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{line}")?;
                }
                return f.write_str("); none of them was checked");
            }
            (_, Some(field)) => write!(f, "field `{field}`: ")?,
            (_, None) => {}
        }
        match &self.0.kind {
            K::WrongType { expected, found } => write!(f, "expected {expected}, but found {found}"),
            K::NotPositive { found } => {
                write!(
                    f,
                    "expected a whole number other than 0, but found `{found}`"
                )
            }
            K::ReturnNotOnSale { found, kind } => write!(
                f,
                "a quantity below 0 (a return) is allowed only on a sale, but found `{found}` on a {kind}"
            ),
            K::OrderedAfter { ordered, dated } => write!(
                f,
                "the order date {ordered} is after the record's date {dated}; an order comes before its invoice"
            ),
            K::Date(e) => write!(f, "{e}"),
            K::Decimal(e) => write!(f, "{e}"),
            K::Negative { found } => write!(f, "a price cannot be negative, but found `{found}`"),
            K::Currency(e) => write!(f, "{e}"),
            K::Json { message, column } => {
                write!(f, "not valid JSON: {message} (column {column})")
            }
            K::Utf8 { column } => {
                write!(f, "not valid UTF-8 text (bad byte at column {column})")
            }
            K::NearMiss { found, known } => write!(
                f,
                "`{}` is not a known kind but reads as one; did you mean `{known}`?",
                super::near::shown(found)
            ),
            K::NearMissKey { known } => write!(
                f,
                "an unknown key that reads as `{known}`; did you mean `{known}`?"
            ),
            K::DuplicateKey { first, second } => write!(
                f,
                "the key is given twice (columns {first} and {second}); a record must give each key once"
            ),
            K::TooLong { limit } => write!(
                f,
                "the line is longer than the limit of {limit} bytes (`--max-line-bytes`); skipped unread"
            ),
            K::RowsDisagree { first, other } => write!(
                f,
                "the rows of one record must agree on it, but line {other} differs from line {first}"
            ),
            K::RowRepeated { first, other } => write!(
                f,
                "line {other} repeats line {first} in every column, which would count its line twice (an order exported twice?); two like lines of one order are one row with their quantities added"
            ),
            K::FieldCount { expected, found } => write!(
                f,
                "expected {expected} fields as in the header, but found {found}"
            ),
            K::Cell { expected, found } => write!(
                f,
                "expected {expected}, but found `{}`",
                super::near::shown(found)
            ),
            K::Missing | K::Repeated { .. } | K::UsedBefore { .. } | K::DuplicateId { .. } => {
                Ok(())
            }
        }
    }
}

impl std::error::Error for RecordError {}
