//! Reading a batch of records from JSON Lines or a JSON array.
//!
//! Every record read is either kept or rejected with its line and reason, so
//! `read = records + rejected` holds for every batch, whatever the input.

use super::{At, Record, RecordError, RecordErrorKind};
use serde_json::value::RawValue;
use std::collections::HashMap;

/// A record that could not be read, or that was set aside (a clashing duplicate id).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Rejected {
    /// The 1-based line in the input where the record starts.
    pub line: usize,
    /// The record's id, when it was read far enough to know it.
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    /// What is wrong, naming the field. Reports show it as `reason`.
    #[serde(rename = "reason", serialize_with = "as_text")]
    pub error: RecordError,
}

impl Rejected {
    /// The record starting on `line` is rejected for `error` (whose
    /// [`RecordError::record_id`] gives the record's id, when known).
    pub fn new(line: usize, error: RecordError) -> Rejected {
        let id = error.record_id().map(str::to_owned);
        Rejected { line, id, error }
    }

    /// The record's id, when the record was read far enough to know it: a record rejected
    /// for a bad field or a repeated id has one, a line that is not JSON has none.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// Why the record was rejected, as reports word it: the error's `Display`.
    pub fn reason(&self) -> String {
        self.error.to_string()
    }
}

fn as_text<S: serde::Serializer>(error: &RecordError, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(error)
}

/// The records of one input, with those that could not be read.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// The records to check, in input order.
    pub records: Vec<Record>,
    /// For each record, the 1-based input line where it starts.
    pub lines: Vec<usize>,
    /// The records that were not checked, each with its line and reason.
    pub rejected: Vec<Rejected>,
}

impl Batch {
    /// How many records the input held: `records.len() + rejected.len()`.
    pub fn read(&self) -> usize {
        self.records.len() + self.rejected.len()
    }

    /// A batch of records made in code (line numbers count from 1 in order).
    pub fn from_records(records: Vec<Record>) -> Batch {
        let lines = (1..=records.len()).collect();
        let mut batch = Batch {
            records,
            lines,
            rejected: Vec::new(),
        };
        batch.set_aside_duplicates();
        batch
    }

    /// Records sharing an id: an exact copy is checked once and its copies rejected as
    /// copies; records that share an id but differ are all rejected, since no rule could
    /// tell which one is meant. Either way the outcome does not depend on input order.
    fn set_aside_duplicates(&mut self) {
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, r) in self.records.iter().enumerate() {
            by_id.entry(r.id.as_str()).or_default().push(i);
        }
        let mut drop = vec![false; self.records.len()];
        let mut rejected = Vec::new();
        for (id, indices) in by_id.iter().filter(|(_, v)| v.len() > 1) {
            let line_of = |i: &usize| self.lines.get(*i).copied().unwrap_or(0);
            let mut lines: Vec<usize> = indices.iter().map(line_of).collect();
            lines.sort_unstable();
            let first = indices.first().and_then(|i| self.records.get(*i));
            let identical = indices.iter().all(|i| self.records.get(*i) == first);
            let keep = if identical {
                indices.iter().min_by_key(|i| line_of(i)).copied()
            } else {
                None
            };
            for i in indices {
                if Some(*i) == keep {
                    continue;
                }
                if let Some(d) = drop.get_mut(*i) {
                    *d = true;
                }
                let line = line_of(i);
                let error = match keep {
                    Some(k) => RecordError::id_taken(id, line_of(&k), true),
                    None => RecordError::new(
                        At::Field("id"),
                        RecordErrorKind::DuplicateId {
                            id: (*id).to_owned(),
                            lines: lines.clone(),
                        },
                    ),
                };
                rejected.push(Rejected::new(line, error));
            }
        }
        if rejected.is_empty() {
            return;
        }
        let mut keep = drop.iter().map(|d| !d);
        let mut keep2 = keep.clone();
        self.records.retain(|_| keep.next().unwrap_or(true));
        self.lines.retain(|_| keep2.next().unwrap_or(true));
        self.rejected.extend(rejected);
        self.rejected.sort_by_key(|r| r.line);
    }
}

/// How records are read from a stream ([`Engine::run_stream_with`](crate::Engine::run_stream_with)):
/// the bounds that keep memory in check whatever the input, and a count of the records read
/// to show progress by.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadOptions {
    /// The longest line of JSON Lines, in bytes; a longer one is rejected and skipped
    /// without being held. Default 16 MiB.
    pub max_line_bytes: usize,
    /// The longest JSON array input (read whole), in bytes; a longer one is an error.
    /// Default 1 GiB.
    pub max_array_bytes: usize,
    /// How many rejected records a report lists; past this they are counted, not kept.
    /// Default 1,000.
    pub max_rejected_listed: usize,
    /// Counts the records read (kept or rejected) as the stream goes, for a progress bar
    /// drawn by another thread: a run of a million records is otherwise silent for seconds.
    /// Default `None`.
    pub progress: Option<ReadProgress>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_line_bytes: 16 << 20,
            max_array_bytes: 1 << 30,
            max_rejected_listed: 1_000,
            progress: None,
        }
    }
}

/// How many records a stream has read so far: give a clone to
/// [`ReadOptions::progress`] and read it from another thread while the stream runs.
///
/// The stream adds a block's records once the block is parsed (a block is about a
/// mebibyte of JSON Lines; a JSON array, read whole, counts once at its end), so the count
/// costs the stream one atomic addition a block and lags it by at most a block.
///
/// ```
/// use pactum::{Engine, Pack, ReadOptions, ReadProgress, RefData};
///
/// let engine = Engine::new(Pack::load("rules")?, RefData::load("examples/data")?)?;
/// let progress = ReadProgress::default();
/// let mut options = ReadOptions::default();
/// options.progress = Some(progress.clone());
/// let report = engine.run_stream_with(std::fs::File::open("examples/records.jsonl")?, None, &options)?;
/// assert_eq!(progress.records(), report.summary().read as u64);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct ReadProgress(std::sync::Arc<std::sync::atomic::AtomicU64>);

impl ReadProgress {
    /// The records read so far, kept or rejected.
    pub fn records(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Counts `n` more records read: the stream calls it, and so may a host that reads
    /// records its own way (a CSV file, read whole) and shows the same bar.
    pub fn add(&self, n: usize) {
        let n = u64::try_from(n).unwrap_or(u64::MAX);
        self.0.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Two counts are equal when they are one count (clones of each other).
impl PartialEq for ReadProgress {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for ReadProgress {}

/// The rejected records of a stream: the first [`ReadOptions::max_rejected_listed`] kept
/// whole, the rest counted.
#[derive(Debug, Clone, Default)]
pub(crate) struct RejectedList {
    pub(crate) listed: Vec<Rejected>,
    pub(crate) unlisted: usize,
    cap: usize,
}

impl RejectedList {
    pub(crate) fn new(cap: usize) -> RejectedList {
        RejectedList {
            listed: Vec::new(),
            unlisted: 0,
            cap,
        }
    }

    pub(crate) fn push(&mut self, rejected: Rejected) {
        if self.listed.len() < self.cap {
            self.listed.push(rejected);
        } else {
            self.unlisted += 1;
        }
    }
}

/// The records read whose kind is none of the known ones: counted, with their kinds'
/// names (the first [`KindTally::NAMES`] names kept, so a flood of names stays small).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KindTally {
    pub(crate) records: usize,
    pub(crate) names: std::collections::BTreeMap<String, usize>,
}

impl KindTally {
    pub(crate) const NAMES: usize = 20;

    pub(crate) fn add(&mut self, record: &Record) {
        let super::Kind::Other(name) = &record.kind else {
            return;
        };
        self.records += 1;
        if let Some(n) = self.names.get_mut(name) {
            *n += 1;
        } else if self.names.len() < Self::NAMES {
            self.names.insert(name.clone(), 1);
        }
    }

    pub(crate) fn of(records: &[Record]) -> KindTally {
        let mut tally = KindTally::default();
        for r in records {
            tally.add(r);
        }
        tally
    }
}

/// The input as a whole could not be read (as opposed to one bad record in it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct InputError {
    /// 1-based line of the problem.
    pub line: usize,
    /// 1-based column of the problem.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

/// Reads JSON Lines, or a JSON array when the first non-blank character is `[`.
///
/// A UTF-8 byte order mark and CRLF line ends are accepted. In JSON Lines, a bad line is
/// rejected on its own and reading goes on; blank lines are not records. A JSON array must be
/// valid JSON as a whole (else the error is an [`InputError`]), but each bad element in it is
/// rejected on its own.
pub fn read_batch(input: &[u8]) -> Result<Batch, InputError> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let first = input.iter().find(|b| !b.is_ascii_whitespace());
    let mut batch = if first == Some(&b'[') {
        read_array(input)?
    } else {
        read_lines(input)
    };
    batch.set_aside_duplicates();
    Ok(batch)
}

/// The non-blank lines of JSON Lines text, with their 1-based numbers counted from
/// `first_line`, without their line ends.
pub(crate) fn lines(input: &[u8], first_line: usize) -> Vec<(usize, &[u8])> {
    let mut lines = Vec::new();
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', input).chain(std::iter::once(input.len()));
    for (i, end) in ends.enumerate() {
        let raw = input.get(start..end).unwrap_or(&[]);
        start = end + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if !raw.iter().all(u8::is_ascii_whitespace) {
            lines.push((first_line + i, raw));
        }
    }
    lines
}

/// Reads one line of JSON Lines as a record.
pub(crate) fn parse_line(raw: &[u8]) -> Result<Record, RecordError> {
    match std::str::from_utf8(raw) {
        Err(e) => Err(RecordError::new(
            At::Record,
            RecordErrorKind::Utf8 {
                column: e.valid_up_to() + 1,
            },
        )),
        Ok(text) => Record::from_json_str(text),
    }
}

/// Parses lines on all cores (parsing is most of the cost of reading), keeping their order.
pub(crate) fn parse_lines(lines: &[(usize, &[u8])]) -> Vec<(usize, Result<Record, RecordError>)> {
    use rayon::prelude::*;
    lines
        .par_iter()
        .map(|(line, raw)| (*line, parse_line(raw)))
        .collect()
}

fn read_lines(input: &[u8]) -> Batch {
    let mut batch = Batch::default();
    for (line, parsed) in parse_lines(&lines(input, 1)) {
        match parsed {
            Ok(record) => {
                batch.records.push(record);
                batch.lines.push(line);
            }
            Err(error) => batch.rejected.push(Rejected::new(line, error)),
        }
    }
    batch
}

fn read_array(input: &[u8]) -> Result<Batch, InputError> {
    let text = std::str::from_utf8(input).map_err(|e| {
        let (line, column) = line_column_bytes(input, e.valid_up_to());
        InputError {
            line,
            column,
            message: "not valid UTF-8 text".to_owned(),
        }
    })?;
    let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| InputError {
        line: e.line(),
        column: e.column().max(1),
        message: format!(
            "not a valid JSON array of records: {}",
            RecordError::json(&e)
        ),
    })?;
    let mut batch = Batch::default();
    // Lines are counted from the previous element on, so the whole input is scanned once.
    let (mut counted, mut line) = (0, 1);
    for item in items {
        // The raw value is a slice of `text`, so its offset gives the element's line.
        let offset = (item.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        let between = text.as_bytes().get(counted..offset).unwrap_or(&[]);
        line += between.iter().filter(|b| **b == b'\n').count();
        counted = offset.max(counted);
        match Record::from_json_str(item.get()) {
            Ok(record) => {
                batch.records.push(record);
                batch.lines.push(line);
            }
            Err(error) => batch.rejected.push(Rejected::new(line, error)),
        }
    }
    Ok(batch)
}

fn line_column_bytes(input: &[u8], offset: usize) -> (usize, usize) {
    let before = input.get(..offset).unwrap_or(input);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-1"}"#;

    #[test]
    fn counts_every_line_read() {
        let input = format!(
            "{GOOD}\n\nnot json\n{{\"id\":\"S-2\"}}\r\n{}\n",
            GOOD.replace("S-1", "S-3")
        );
        let batch = read_batch(input.as_bytes()).unwrap();
        assert_eq!(batch.records.len(), 2);
        assert_eq!(batch.lines, vec![1, 5]);
        let lines: Vec<usize> = batch.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![3, 4]);
        assert!(batch.rejected[0].reason().starts_with("not valid JSON"));
        assert_eq!(batch.rejected[1].reason(), "missing required field `kind`");
        assert_eq!(batch.read(), 4);
    }

    #[test]
    fn reads_arrays_with_element_lines_and_a_bom() {
        let input = format!("\u{feff}[\n{GOOD},\n{{\"id\":1}}\n]");
        let batch = read_batch(input.as_bytes()).unwrap();
        assert_eq!(batch.lines, vec![2]);
        assert_eq!(batch.rejected[0].line, 3);
        let err = read_batch(b"[\n{\"id\":").unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn rejects_invalid_utf8_per_line() {
        let mut input = GOOD.as_bytes().to_vec();
        input.extend_from_slice(b"\n{\"id\":\"\xff\"}\n");
        let batch = read_batch(&input).unwrap();
        assert_eq!(batch.records.len(), 1);
        assert!(batch.rejected[0].reason().starts_with("not valid UTF-8"));
    }

    #[test]
    fn a_read_progress_is_shared_by_its_clones() {
        let progress = ReadProgress::default();
        let clone = progress.clone();
        clone.add(3);
        progress.add(2);
        assert_eq!((progress.records(), clone.records()), (5, 5));
        assert_eq!(progress, clone);
        assert_ne!(progress, ReadProgress::default());
    }

    #[test]
    fn duplicates_are_traced_and_order_free() {
        let other = GOOD.replace("P-1", "P-2");
        let same = read_batch(format!("{GOOD}\n{GOOD}").as_bytes()).unwrap();
        assert_eq!((same.records.len(), same.rejected.len()), (1, 1));
        assert!(
            same.rejected[0]
                .reason()
                .contains("identical record on line 1")
        );
        let clash = read_batch(format!("{GOOD}\n{other}").as_bytes()).unwrap();
        assert_eq!((clash.records.len(), clash.rejected.len()), (0, 2));
        assert!(clash.rejected[0].reason().contains("lines 1, 2"));
    }
}
