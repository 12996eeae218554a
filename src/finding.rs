//! What a check reports: findings (violations) and rule errors.

use crate::date::Date;
use crate::pack::Severity;
use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

/// One violation of one rule, by one record or (for partner-level rules) one partner.
///
/// Serialized (the JSON report's `violations`) with its keys in this order; `customer`,
/// `sku`, `code` and `amount` are left out when they do not apply.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's title.
    pub title: Arc<str>,
    /// The rule's severity.
    pub severity: Severity,
    /// The record's id; `None` for a partner-level finding (cadence, analytics).
    pub record: Option<String>,
    /// Index into the record's `lines`, when the finding is about one line.
    pub line: Option<usize>,
    /// The business date the finding is about (the record's date, or the end of a gap); it
    /// orders the report.
    pub date: Date,
    /// The partner concerned.
    pub partner: String,
    /// The record's customer, when it names one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// The line's sku, when the finding is about one line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    /// A sentence a compliance manager understands.
    pub message: Text,
    /// What the policy expects (a price floor, a document, a date).
    pub expected: Text,
    /// What the record shows.
    pub actual: Text,
    /// A code naming the kind of problem, where the rule gives one (an industry reason code,
    /// say), so that systems downstream can act on it without reading the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The money at stake, in the pack's report currency, exact: the money below the floor
    /// for a price finding, the claim money rejected for a claim, the line's value for a
    /// non-genuine part. `None` where the rule puts no money on it, or when the amount's
    /// currency has no rate to the report currency on the date (never counted as 0).
    /// Serialized with two places.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "two_places")]
    pub amount: Option<Decimal>,
}

/// An amount as the reports show it: two places, half to even.
fn two_places<S: serde::Serializer>(amount: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
    match amount {
        Some(a) => s.serialize_str(&crate::outcome::shown(*a)),
        None => s.serialize_none(),
    }
}

impl Finding {
    /// The report's order: by date, then record (partner-level findings last on their
    /// date), then rule, line and partner. Total, so the report never depends on input
    /// order.
    pub fn report_order(&self, other: &Finding) -> Ordering {
        self.date
            .cmp(&other.date)
            .then(self.record.is_none().cmp(&other.record.is_none()))
            .then_with(|| self.record.cmp(&other.record))
            .then_with(|| self.rule.cmp(&other.rule))
            .then(self.line.cmp(&other.line))
            .then_with(|| self.partner.cmp(&other.partner))
            .then_with(|| self.message.as_str().cmp(other.message.as_str()))
    }
}

/// Which of a finding's texts to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Message = 0,
    Expected = 1,
    Actual = 2,
}

/// Writes one of a finding's texts from the values the finding was made from.
pub(crate) type Describe = dyn Fn(Part) -> String + Send + Sync;

/// What a finding's three texts are written from, and each text once it has been read.
pub(crate) struct Later<F: ?Sized> {
    read: [OnceLock<Box<str>>; 3],
    from: F,
}

impl<F: Fn(Part) -> String + Send + Sync> Later<F> {
    /// The texts `from` writes, none written yet.
    pub(crate) fn new(from: F) -> Later<F> {
        Later {
            read: Default::default(),
            from,
        }
    }
}

impl Later<Describe> {
    /// `part` as read so far, if it has been.
    fn read(&self, part: Part) -> Option<&OnceLock<Box<str>>> {
        self.read.get(part as usize)
    }
}

/// One of a finding's texts (its message, expected or actual). A check that finds often
/// keeps the few values a finding is made from and writes the words only when they are
/// read, serialized or shown: finding a violation costs little, and a finding handed on
/// unread is never written out. Reads as a `&str` (it derefs to one) and compares, orders
/// and serializes as its text.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    Written(Box<str>),
    /// Written when first read (and kept); serializing writes it without keeping it.
    Later(Arc<Later<Describe>>, Part),
}

impl Text {
    /// `part` of the texts `from` writes, written when first read.
    pub(crate) fn later(from: &Arc<Later<Describe>>, part: Part) -> Text {
        Text(Repr::Later(Arc::clone(from), part))
    }

    /// The text, written now if it has not been.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Written(s) => s,
            Repr::Later(later, part) => match later.read(*part) {
                Some(read) => read.get_or_init(|| (later.from)(*part).into()),
                // `Part` has three values, and `read` three places.
                None => "",
            },
        }
    }

    /// Calls `f` with the text, writing it for the call without keeping it when it has not
    /// been read yet: how a report written out holds no more than it found.
    pub fn with<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        match &self.0 {
            Repr::Written(s) => f(s),
            Repr::Later(later, part) => match later.read(*part).and_then(OnceLock::get) {
                Some(read) => f(read),
                None => f(&(later.from)(*part)),
            },
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text(Repr::Written(text.into_boxed_str()))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Text {
        Text(Repr::Written(text.into()))
    }
}

impl From<Text> for String {
    fn from(text: Text) -> String {
        text.with(str::to_owned)
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with(|s| f.write_str(s))
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with(|s| fmt::Debug::fmt(s, f))
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.with(|s| serializer.serialize_str(s))
    }
}

/// A rule that could not run on a record (a script error, a limit hit). It is never a
/// pass: it is counted and listed in the report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RuleError {
    /// The rule's id.
    pub rule: Arc<str>,
    /// The rule's severity: a rule that could not run counts as failing at it (it is
    /// never a pass). Not part of the JSON shape.
    #[serde(skip)]
    pub severity: Severity,
    /// The record it failed on; `None` when it failed outside one record.
    pub record: Option<String>,
    /// What went wrong, in a sentence.
    pub reason: String,
    /// What kind of failure it was. Not part of the JSON shape (the reason says it).
    #[serde(skip)]
    pub kind: RuleErrorKind,
}

impl RuleError {
    /// The report's order of rule errors: by record (batch-level ones first), rule and
    /// reason.
    pub fn report_order(&self, other: &RuleError) -> Ordering {
        (&self.record, &self.rule, &self.reason).cmp(&(&other.record, &other.rule, &other.reason))
    }

    /// A rule error of `kind` on `record` (or on the batch).
    pub(crate) fn new(
        rule: &Arc<str>,
        severity: Severity,
        record: Option<String>,
        kind: RuleErrorKind,
        reason: String,
    ) -> RuleError {
        RuleError {
            rule: Arc::clone(rule),
            severity,
            record,
            reason,
            kind,
        }
    }
}

/// Why a rule could not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// A script or condition hit one of the pack's limits (`[limits]` in `pack.toml`).
    LimitHit {
        /// The limit's name, such as `max_operations` or `max_call_ms`; for a value that
        /// grew too large, `max_string_size, max_array_size or max_map_size`; `variables`
        /// for the sandbox's fixed bound on variables held at once.
        limit: &'static str,
    },
    /// A script or condition failed while running (an error it raised, a bad call).
    Script,
    /// A script or condition returned something that is not a verdict (a condition that
    /// is not true or false, a finding without a message, a line index out of range).
    BadResult,
    /// A sum, product or date was too large to hold exactly (a script helper such as
    /// `add_days` or `installed_assets` out of range); the rule did not guess.
    Overflow,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

    /// A text written later reads, compares and serializes as the same text written now;
    /// serializing it leaves it unwritten, and reading it writes it once.
    #[test]
    fn a_text_written_later_reads_as_the_text_written_now() {
        static WRITTEN: AtomicUsize = AtomicUsize::new(0);
        let from: Arc<Later<Describe>> = Arc::new(Later::new(|part| {
            WRITTEN.fetch_add(1, AtomicOrdering::SeqCst);
            format!("{part:?} of S-1")
        }));
        let later = Text::later(&from, Part::Message);
        let now = Text::from("Message of S-1");
        assert_eq!(serde_json::to_string(&later).unwrap(), "\"Message of S-1\"");
        assert_eq!(WRITTEN.load(AtomicOrdering::SeqCst), 1);
        assert_eq!(serde_json::to_string(&later).unwrap(), "\"Message of S-1\"");
        assert_eq!(
            WRITTEN.load(AtomicOrdering::SeqCst),
            2,
            "serializing keeps nothing"
        );
        assert_eq!(later, now);
        assert_eq!(later.as_str(), "Message of S-1");
        assert!(later.contains("S-1"));
        assert_eq!(
            WRITTEN.load(AtomicOrdering::SeqCst),
            3,
            "read once, then kept"
        );
        assert_eq!(format!("{later}"), "Message of S-1");
        assert_eq!(WRITTEN.load(AtomicOrdering::SeqCst), 3);
        assert_eq!(
            String::from(Text::later(&from, Part::Actual)),
            "Actual of S-1"
        );
    }

    /// A finding stays small to move and sort: its texts are two words and a tag each.
    #[test]
    fn a_text_is_three_words() {
        assert_eq!(
            std::mem::size_of::<Text>(),
            3 * std::mem::size_of::<usize>()
        );
    }
}
