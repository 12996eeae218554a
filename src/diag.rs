//! Located problems found while loading a rule pack or reference data.
//!
//! Loading collects every problem before it gives up (a policy author fixes a pack in one
//! round, not one error per run), so the error type is a list of [`Diagnostic`]s, each with
//! the file, line and column it points at.

use crate::text::escape;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A place in a file: 1-based line and column, plus the byte range when the file's text is
/// at hand (so a renderer can underline it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    file: PathBuf,
    line: usize,
    column: usize,
    span: Option<std::ops::Range<usize>>,
}

impl Location {
    /// A location known only by line and column (CSV rows, for example).
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            span: None,
        }
    }

    /// A location for a byte range of `text`, the whole text of `file`.
    pub fn from_span(file: impl Into<PathBuf>, text: &str, span: std::ops::Range<usize>) -> Self {
        let (line, column) = line_column(text, span.start);
        Location {
            file: file.into(),
            line,
            column,
            span: Some(span),
        }
    }

    /// A location for a byte range of `text`, with `lines` the index of `text`: what every
    /// loader uses, so that placing a problem costs a binary search.
    pub(crate) fn in_text(
        file: impl Into<PathBuf>,
        text: &str,
        lines: &LineIndex,
        span: std::ops::Range<usize>,
    ) -> Self {
        let (line, column) = lines.line_column(text, span.start);
        Location {
            file: file.into(),
            line,
            column,
            span: Some(span),
        }
    }

    /// The file this location is in.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The 1-based line number.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The 1-based column number (for CSV files: the 1-based field number).
    pub fn column(&self) -> usize {
        self.column
    }

    /// The byte range in the file's text, when known.
    pub fn span(&self) -> Option<std::ops::Range<usize>> {
        self.span.clone()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0 means the problem is with the file as a whole (missing, unreadable).
        let file = self.file.display().to_string();
        let file = escape(&file);
        if self.line == 0 {
            return write!(f, "{file}");
        }
        write!(f, "{file}:{}:{}", self.line, self.column)
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`. One call scans the
/// text up to `offset`: for many places in one text, build a [`LineIndex`] once.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    LineIndex::new(text).line_column(text, offset)
}

/// Byte offset of 1-based `line` and `column` (in characters) in `text`, clamped to the text.
pub(crate) fn offset_of(text: &str, line: usize, column: usize) -> usize {
    LineIndex::new(text).offset_of(text, line, column)
}

/// Where each line of a text starts, so that the line and column of any byte offset (and
/// back) is a binary search, not a scan from byte 0: a file with 20,000 problems is read
/// once, not 20,000 times. Built in one pass over the text.
///
/// Columns count characters. For a text that is not all ASCII, the index also keeps the
/// number of characters before every [`CHUNK`]-th byte, so counting the characters before
/// an offset in a long line costs at most one chunk's scan.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineIndex {
    /// Byte offset of the start of each line; the first is 0.
    starts: Vec<usize>,
    /// Characters before byte `k * CHUNK`, for each `k`; empty when the text is ASCII.
    chars_before: Vec<usize>,
}

/// Bytes per entry of [`LineIndex`]'s character counts.
const CHUNK: usize = 256;

impl LineIndex {
    pub(crate) fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        let chars_before = if text.is_ascii() {
            Vec::new()
        } else {
            let mut counts = Vec::with_capacity(bytes.len() / CHUNK + 1);
            let mut n = 0;
            for chunk in bytes.chunks(CHUNK) {
                counts.push(n);
                n += chunk.iter().filter(|b| !is_continuation(**b)).count();
            }
            counts.push(n);
            counts
        };
        LineIndex {
            starts,
            chars_before,
        }
    }

    /// Characters of `text` before byte `offset` (a char boundary, at most `text.len()`).
    fn chars_to(&self, text: &str, offset: usize) -> usize {
        if self.chars_before.is_empty() {
            return offset;
        }
        let k = offset / CHUNK;
        let base = self.chars_before.get(k).copied().unwrap_or(0);
        let tail = text.as_bytes().get(k * CHUNK..offset).unwrap_or(&[]);
        base + tail.iter().filter(|b| !is_continuation(**b)).count()
    }

    /// 1-based line and column (in characters) of byte `offset` of `text`, the text this
    /// index was built from; an offset past the end is the end, and one inside a character
    /// is that character.
    pub(crate) fn line_column(&self, text: &str, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|s| *s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self.chars_to(text, offset) - self.chars_to(text, start) + 1;
        (line, column)
    }

    /// Byte offset of 1-based `line` and `column` (in characters) in `text`, clamped to
    /// the text (a column past the line's end runs on into the next lines, as the column
    /// of a scan from the line's start would).
    pub(crate) fn offset_of(&self, text: &str, line: usize, column: usize) -> usize {
        let start = match line {
            0 | 1 => 0,
            n => self.starts.get(n - 1).copied().unwrap_or(text.len()),
        };
        let rest = text.get(start..).unwrap_or("");
        let in_line = rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i);
        (start + in_line).min(text.len())
    }
}

/// True for the second and later bytes of a UTF-8 character.
fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// One problem, with where it is and, when it helps, a hint and a second place (the first
/// definition of a duplicate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    location: Location,
    code: &'static str,
    message: String,
    help: Option<String>,
    related: Option<(Location, String)>,
}

impl Diagnostic {
    #[cold]
    pub(crate) fn new(location: Location, message: impl Into<String>) -> Self {
        Diagnostic {
            location,
            code: codes::INVALID,
            message: message.into(),
            help: None,
            related: None,
        }
    }

    /// Sets the stable code that names this kind of problem (see [`codes`]).
    pub(crate) fn with_code(mut self, code: &'static str) -> Self {
        self.code = code;
        self
    }

    pub(crate) fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub(crate) fn with_related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related = Some((location, message.into()));
        self
    }

    /// Where the problem is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// A stable code naming the kind of problem, such as `pactum::pack::unknown-key`: tools
    /// and tests match on it, since the message's wording may improve over time.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// What is wrong, in one line.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// A hint such as "did you mean `severity`?".
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }

    /// A second place that explains this one (the original of a duplicate).
    pub fn related(&self) -> Option<(&Location, &str)> {
        self.related.as_ref().map(|(l, m)| (l, m.as_str()))
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Messages quote the input; escaped, one diagnostic is one line.
        write!(f, "{}: {}", self.location, escape(&self.message))?;
        if let Some(help) = &self.help {
            write!(f, " ({})", escape(help))?;
        }
        if let Some((loc, msg)) = &self.related {
            write!(f, "; {} at {loc}", escape(msg))?;
        }
        Ok(())
    }
}

/// The stable codes a [`Diagnostic`] carries. The list only grows: a code, once published,
/// keeps its meaning.
pub mod codes {
    /// A value or file that is not what it must be, with no more specific code.
    pub const INVALID: &str = "pactum::invalid";
    /// Two rules of a pack share an id.
    pub const DUPLICATE_RULE_ID: &str = "pactum::pack::duplicate-rule-id";

    // Rule packs (`Pack::load`, `Pack::from_files`).

    /// The rule pack folder does not exist (or is not a folder).
    pub const PACK_MISSING_FOLDER: &str = "pactum::pack::missing-folder";
    /// The pack has no manifest `pack.toml`.
    pub const PACK_MISSING_MANIFEST: &str = "pactum::pack::missing-manifest";
    /// The pack has no rule files (`*.toml` beside the manifest).
    pub const PACK_NO_RULE_FILES: &str = "pactum::pack::no-rule-files";
    /// A file of the pack (or the folder's listing) exists but cannot be read.
    pub const PACK_UNREADABLE: &str = "pactum::pack::unreadable";
    /// A file of the pack, or a path a pack file names, resolves (through a symlink, `..`
    /// or an absolute path) to a place outside the pack folder; it is not read.
    pub const PACK_OUTSIDE: &str = "pactum::pack::outside-pack";
    /// A pack file is not valid TOML.
    pub const PACK_SYNTAX: &str = "pactum::pack::syntax";
    /// A pack file has a key its format does not know (a typo, mostly: see the hint).
    pub const PACK_UNKNOWN_KEY: &str = "pactum::pack::unknown-key";
    /// A key a pack file must have is missing.
    pub const PACK_MISSING_KEY: &str = "pactum::pack::missing-key";
    /// A value in a pack file has the wrong type or is not allowed there (an empty name, a
    /// severity, record kind or partner type that does not exist, a rule file that is not
    /// `[[rule]]` tables).
    pub const PACK_BAD_VALUE: &str = "pactum::pack::bad-value";
    /// A rule id is not lowercase letters, digits, `.`, `-` or `_` starting with a letter.
    pub const PACK_BAD_RULE_ID: &str = "pactum::pack::bad-rule-id";
    /// A rule's `check` names no known check kind.
    pub const PACK_UNKNOWN_CHECK_KIND: &str = "pactum::pack::unknown-check-kind";
    /// A value in a rule's `[rule.params]` is out of range or malformed (a fraction, a
    /// number of days, a script path that is not a `.rhai` file).
    pub const PACK_BAD_PARAM: &str = "pactum::pack::bad-param";
    /// A script a rule names does not exist in the pack.
    pub const PACK_MISSING_SCRIPT: &str = "pactum::pack::missing-script";
    /// A `[limits]` value of the manifest is out of its allowed range.
    pub const PACK_BAD_LIMIT: &str = "pactum::pack::bad-limit";
    /// The base pack a manifest's `extends` names cannot be found, or a pack in memory
    /// says `extends` but was given no base (`Pack::from_files_extending`).
    pub const PACK_EXTENDS_MISSING: &str = "pactum::pack::extends-missing";
    /// A chain of `extends` leads back to a pack already in it.
    pub const PACK_EXTENDS_CYCLE: &str = "pactum::pack::extends-cycle";
    /// A chain of `extends` is deeper than the limit (8 packs).
    pub const PACK_EXTENDS_TOO_DEEP: &str = "pactum::pack::extends-too-deep";
    /// An `[override."id"]` names a rule the base pack does not have.
    pub const PACK_UNKNOWN_OVERRIDE: &str = "pactum::pack::unknown-override";

    // Reference data (the CSV files of `RefData::load`, and rows a test case merges over).

    /// The reference data folder does not exist.
    pub const DATA_MISSING_FOLDER: &str = "pactum::data::missing-folder";
    /// A required reference file (`price_list.csv`, ...) is missing from the folder.
    pub const DATA_MISSING_FILE: &str = "pactum::data::missing-file";
    /// A reference file exists but cannot be read.
    pub const DATA_UNREADABLE: &str = "pactum::data::unreadable";
    /// A reference file's header line is empty or cannot be read.
    pub const DATA_BAD_HEADER: &str = "pactum::data::bad-header";
    /// A column the file must have is not in its header.
    pub const DATA_MISSING_COLUMN: &str = "pactum::data::missing-column";
    /// A row is not valid CSV, or has a different number of fields than the header.
    pub const DATA_BAD_ROW: &str = "pactum::data::bad-row";
    /// A field that needs a value is empty.
    pub const DATA_EMPTY_FIELD: &str = "pactum::data::empty-field";
    /// A field that must be a date (`YYYY-MM-DD`) is not one.
    pub const DATA_BAD_DATE: &str = "pactum::data::bad-date";
    /// A field that must be `true` or `false` is neither.
    pub const DATA_BAD_BOOLEAN: &str = "pactum::data::bad-boolean";
    /// A field that must be a number (a price, a count) is not one.
    pub const DATA_BAD_NUMBER: &str = "pactum::data::bad-number";
    /// A list price is negative.
    pub const DATA_NEGATIVE_PRICE: &str = "pactum::data::negative-price";
    /// A currency is not a three-letter ISO 4217 code.
    pub const DATA_BAD_CURRENCY: &str = "pactum::data::bad-currency";
    /// A price ends before it starts.
    pub const DATA_BAD_RANGE: &str = "pactum::data::bad-range";
    /// A partner's `type` is not one of the known partner types.
    pub const DATA_UNKNOWN_PARTNER_TYPE: &str = "pactum::data::unknown-partner-type";
    /// A key (sku, source, partner id) is listed twice in one file.
    pub const DATA_DUPLICATE_KEY: &str = "pactum::data::duplicate-key";
    /// Two list prices of one sku and currency are in force on the same day.
    pub const DATA_PRICE_OVERLAP: &str = "pactum::data::price-overlap";
    /// Two exchange rates of one currency are in force on the same day (`fx_rates.csv`).
    pub const DATA_RATE_OVERLAP: &str = "pactum::data::rate-overlap";
    /// Rows name a reference table that does not exist (a test case's inline rows).
    pub const DATA_UNKNOWN_TABLE: &str = "pactum::data::unknown-table";
    /// Rows name a column the reference table does not have (a test case's inline rows).
    pub const DATA_UNKNOWN_COLUMN: &str = "pactum::data::unknown-column";

    // Scripts and conditions.

    /// A rule script or inline condition does not compile.
    pub const SCRIPT_COMPILE: &str = "pactum::script::compile";
    /// A script or condition reads a parameter the rule does not give, or uses one with a
    /// value of another type.
    pub const SCRIPT_PARAMS: &str = "pactum::script::params";

    // A pack's test case files (`tests/*.toml`).

    /// A test case file exists but cannot be read.
    pub const TEST_UNREADABLE: &str = "pactum::test::unreadable";
    /// A test case file holds no `[[case]]`.
    pub const TEST_NO_CASES: &str = "pactum::test::no-cases";
    /// A test case file has a key the case format does not know.
    pub const TEST_UNKNOWN_KEY: &str = "pactum::test::unknown-key";
    /// A test case file is not valid TOML, or a value has the wrong type or is missing.
    pub const TEST_INVALID: &str = "pactum::test::invalid";
    /// A test case of the pack fails (a host refusing a reload lists each as a problem).
    pub const TEST_FAILED: &str = "pactum::test::failed";
}

/// Loading a rule pack or reference data failed; every problem found is listed.
///
/// The texts of the files involved are kept so that a renderer can show the lines.
#[derive(Debug, Clone, Default)]
pub struct LoadError {
    diagnostics: Vec<Diagnostic>,
    sources: Vec<(PathBuf, Arc<str>)>,
}

impl LoadError {
    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn add_source(&mut self, file: &Path, text: Arc<str>) {
        if !self.sources.iter().any(|(f, _)| f == file) {
            self.sources.push((file.to_path_buf(), text));
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.diagnostics.is_empty()
    }

    /// `Ok(value)` when nothing was reported, else `Err(self)`.
    pub(crate) fn into_result<T>(self, value: T) -> Result<T, LoadError> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Every problem found, in file order.
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Every file read, with its text (the pack's hash is made from these).
    pub(crate) fn sources(&self) -> impl Iterator<Item = (&Path, &str)> {
        self.sources.iter().map(|(f, t)| (f.as_path(), &**t))
    }

    /// The text of `file`, when it was read.
    pub fn source(&self, file: &Path) -> Option<&str> {
        self.sources
            .iter()
            .find(|(f, _)| f == file)
            .map(|(_, t)| &**t)
    }
}

impl From<Diagnostic> for LoadError {
    fn from(diagnostic: Diagnostic) -> Self {
        LoadError {
            diagnostics: vec![diagnostic],
            sources: Vec::new(),
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.diagnostics.len();
        write!(f, "{n} problem{}", if n == 1 { "" } else { "s" })?;
        for d in &self.diagnostics {
            write!(f, "\n{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// The known name closest to `unknown`, for a "did you mean" hint; `None` when nothing is
/// close enough to be a plausible typo.
pub(crate) fn did_you_mean<'a>(
    unknown: &str,
    known: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    known
        .into_iter()
        .map(|k| (edit_distance(unknown, k), k))
        .filter(|(d, k)| *d <= (k.len().max(unknown.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| format!("did you mean `{k}`?"))
}

/// Edit distance counting an insertion, a deletion, a substitution or a swap of two
/// neighbours as one edit (optimal string alignment): `titel` is one edit from `title`.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    // d[i * width + j] = distance between a[..i] and b[..j].
    let mut d: Vec<usize> = vec![0; (a.len() + 1) * width];
    let at = |i: usize, j: usize| i * width + j;
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let value = if i == 0 || j == 0 {
                i + j
            } else {
                let get = |i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX - 1);
                let same = a.get(i - 1) == b.get(j - 1);
                let mut best = (get(i - 1, j) + 1)
                    .min(get(i, j - 1) + 1)
                    .min(get(i - 1, j - 1) + usize::from(!same));
                let swapped =
                    i > 1 && j > 1 && a.get(i - 1) == b.get(j - 2) && a.get(i - 2) == b.get(j - 1);
                if swapped {
                    best = best.min(get(i - 2, j - 2) + 1);
                }
                best
            };
            if let Some(cell) = d.get_mut(at(i, j)) {
                *cell = value;
            }
        }
    }
    d.last().copied().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_from_one() {
        let text = "ab\ncde\nf";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 4), (2, 2));
        assert_eq!(line_column(text, 7), (3, 1));
        assert_eq!(line_column(text, 99), (3, 2));
    }

    #[test]
    fn offsets_invert_line_column() {
        let text = "ab\ncde\nf";
        for offset in 0..text.len() {
            let (line, column) = line_column(text, offset);
            assert_eq!(offset_of(text, line, column), offset);
        }
        assert_eq!(offset_of(text, 9, 9), text.len());
    }

    #[test]
    fn the_line_index_agrees_with_a_scan_across_chunks() {
        // Long lines of multi-byte characters, so chunk boundaries fall inside characters.
        let text = format!(
            "{}{}\nx\r\n{}",
            "aé€😀\n".repeat(40),
            "ü".repeat(700),
            "€".repeat(300)
        );
        let index = LineIndex::new(&text);
        for (offset, _) in text.char_indices() {
            let before = &text[..offset];
            let line = before.matches('\n').count() + 1;
            let start = before.rfind('\n').map_or(0, |i| i + 1);
            let column = text[start..offset].chars().count() + 1;
            assert_eq!(index.line_column(&text, offset), (line, column), "{offset}");
            assert_eq!(index.offset_of(&text, line, column), offset);
        }
    }

    #[test]
    fn hints_near_misses_only() {
        let known = ["severity", "title", "id"];
        assert_eq!(
            did_you_mean("severty", known).as_deref(),
            Some("did you mean `severity`?")
        );
        assert_eq!(
            did_you_mean("titel", known).as_deref(),
            Some("did you mean `title`?")
        );
        assert_eq!(did_you_mean("colour", known), None);
    }

    #[test]
    fn edit_distance_is_levenshtein() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
        assert_eq!(edit_distance("titel", "title"), 1);
    }
}
