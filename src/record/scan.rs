//! The plain reader: a record read by one pass over its bytes, for the records a stream is
//! made of (known fields only, strings without escapes, numbers without exponents). Every
//! string is borrowed from the line until the record's own `String` is made, and every
//! scalar is looked at once.
//!
//! It accepts only text that is valid JSON and that the typed reader in `de.rs` reads to
//! the same record; on anything else (an escape, an unknown key, a nested value where a
//! scalar goes, `attrs` with something in it, a field that does not pass its check, text
//! that is not JSON) it answers `None` and the typed reader reads the line, falling back in
//! turn to the value reader. So a rejected or unusual record costs one more read, and the
//! property tests that hold the readers to agree cover this one too.

use super::{
    At, Document, DocumentLeaves, Kind, Leaf, Line, LineLeaves, Record, near, required, text,
};
use crate::date::Date;
use serde_json::Map;
use std::borrow::Cow;

/// Reads `text` as a plain record, or `None` for the typed reader to read it.
pub(crate) fn parse(text: &str) -> Option<Record> {
    let mut s = Scan {
        text,
        bytes: text.as_bytes(),
        at: 0,
    };
    let record = s.record()?;
    s.space();
    (s.at == s.bytes.len()).then_some(record)
}

struct Scan<'a> {
    text: &'a str,
    bytes: &'a [u8],
    at: usize,
}

/// The top-level fields with a scalar value, in the order of `RECORD_FIELDS`.
const SCALARS: usize = 10;

impl<'a> Scan<'a> {
    /// Skips JSON whitespace.
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.bytes.get(self.at).copied()
    }

    /// Consumes `byte`, after whitespace.
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// A string with no escape in it, after whitespace.
    fn string(&mut self) -> Option<&'a str> {
        self.eat(b'"')?;
        let start = self.at;
        let rest = self.bytes.get(start..)?;
        let end = start + special(rest)?;
        // An escape is the typed reader's to unescape; a control character is not JSON.
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        // Both ends are ASCII quotes, so they fall on character boundaries.
        let s = self.text.get(start..end)?;
        self.at = end + 1;
        Some(s)
    }

    /// `word` (`null`, `true`, `false`), already peeked at.
    fn word(&mut self, word: &[u8]) -> Option<()> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| self.at = end)
    }

    /// A JSON number without an exponent, as written: `-? (0 | [1-9][0-9]*) (. [0-9]+)?`.
    fn number(&mut self) -> Option<&'a str> {
        let start = self.at;
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        match *self.bytes.get(self.at)? {
            b'0' => self.at += 1,
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            let before = self.at;
            self.digits();
            if self.at == before {
                return None;
            }
        }
        // An exponent is the typed reader's (which spells it as the value reader does).
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            return None;
        }
        self.text.get(start..self.at)
    }

    fn digits(&mut self) {
        while self.bytes.get(self.at).is_some_and(u8::is_ascii_digit) {
            self.at += 1;
        }
    }

    /// A scalar value as a leaf; `None` for a list, an object or anything unusual.
    fn leaf(&mut self) -> Option<Leaf<'a>> {
        Some(match self.peek()? {
            b'"' => Leaf::Str(Cow::Borrowed(self.string()?)),
            b'n' => self.word(b"null").map(|()| Leaf::Null)?,
            b't' => self.word(b"true").map(|()| Leaf::Bool(true))?,
            b'f' => self.word(b"false").map(|()| Leaf::Bool(false))?,
            b'-' | b'0'..=b'9' => Leaf::Number(Cow::Borrowed(self.number()?)),
            _ => return None,
        })
    }

    /// The entries of an object, each handed to `entry` with its key: `Some(true)` when the
    /// object had some, `Some(false)` when it was `{}`.
    fn object(&mut self, mut entry: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<bool> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(false);
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            entry(self, key)?;
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(true);
                }
                _ => return None,
            }
        }
    }

    /// A list of objects (or `null`, no items), each read by `item` with its index.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self, usize) -> Option<T>) -> Option<Vec<T>> {
        let mut items = Vec::new();
        if self.peek()? == b'n' {
            self.word(b"null")?;
            return Some(items);
        }
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(items);
        }
        loop {
            items.push(item(self, items.len())?);
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }

    fn line(&mut self, index: usize) -> Option<Line> {
        let mut leaves = LineLeaves::default();
        let mut given = 0u8;
        self.object(|s, key| {
            let (bit, slot) = match key {
                "sku" => (0, &mut leaves.sku),
                "qty" => (1, &mut leaves.qty),
                "unit_price" => (2, &mut leaves.unit_price),
                "currency" => (3, &mut leaves.currency),
                "source" => (4, &mut leaves.source),
                _ => return None,
            };
            once(&mut given, bit)?;
            *slot = s.leaf()?;
            Some(())
        })?;
        leaves.build(index).ok()
    }

    fn document(&mut self, index: usize) -> Option<Document> {
        let mut leaves = DocumentLeaves::default();
        let mut given = 0u8;
        self.object(|s, key| {
            let (bit, slot) = match key {
                "kind" => (0, &mut leaves.kind),
                "ref" => (1, &mut leaves.reference),
                "signed" => (2, &mut leaves.signed),
                _ => return None,
            };
            once(&mut given, bit)?;
            *slot = s.leaf()?;
            Some(())
        })?;
        leaves.build(index).ok()
    }

    fn record(&mut self) -> Option<Record> {
        let mut scalars: [Leaf<'a>; SCALARS] = Default::default();
        let mut lines = Vec::new();
        let mut documents = Vec::new();
        let mut given = 0u16;
        self.object(|s, key| {
            let field = match key {
                "id" => 0,
                "kind" => 1,
                "date" => 2,
                "partner" => 3,
                "customer" => 4,
                "region" => 5,
                "opportunity" => 6,
                "stage" => 7,
                "asset" => 8,
                "agreement" => 9,
                "lines" => 10,
                "documents" => 11,
                "attrs" => 12,
                // An unknown key goes to `attrs`, after the near-miss check: the typed
                // reader's.
                _ => return None,
            };
            let bit = 1u16 << field;
            if given & bit != 0 {
                return None;
            }
            given |= bit;
            match field {
                10 => lines = s.list(Self::line)?,
                11 => documents = s.list(Self::document)?,
                // Only an empty `attrs` here: a value in it is read as the typed reader
                // reads it.
                12 => {
                    if s.peek()? == b'n' {
                        s.word(b"null")?;
                    } else if s.object(|_, _| None)? {
                        return None;
                    }
                }
                i => *scalars.get_mut(i)? = s.leaf()?,
            }
            Some(())
        })?;
        let [
            id,
            kind,
            date,
            partner,
            customer,
            region,
            opportunity,
            stage,
            asset,
            agreement,
        ] = scalars;
        let id = required(id, At::Field("id")).ok()?;
        // `required` would make a `String` of the kind and the date only to read them.
        let kind = match kind {
            Leaf::Str(k) if !super::blank(&k) => Kind::from_name(&k),
            _ => return None,
        };
        near::check_kind(&kind).ok()?;
        let date = match date {
            Leaf::Str(d) if !super::blank(&d) => d.parse::<Date>().ok()?,
            _ => return None,
        };
        let partner = required(partner, At::Field("partner")).ok()?;
        let optional = |leaf| text(leaf, At::Record).ok();
        Some(Record {
            id,
            kind,
            date,
            partner,
            customer: optional(customer)?,
            region: optional(region)?,
            opportunity: optional(opportunity)?,
            stage: optional(stage)?,
            asset: optional(asset)?,
            agreement: optional(agreement)?,
            lines,
            documents,
            attrs: Map::new(),
        })
    }
}

/// Where the first `"`, `\\` or control character of `bytes` is; eight bytes at a time, as
/// strings are most of a record's text.
fn special(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The lowest byte of `word` below `n` sets its high bit (bytes above it may too, from
    // the borrow: only the lowest is used).
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let hits = below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20);
        if hits != 0 {
            return Some(at + (hits.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let tail = chunks.remainder();
    tail.iter()
        .position(|b| matches!(b, b'"' | b'\\' | 0..=0x1f))
        .map(|i| at + i)
}

/// Notes the key of `bit` as given; `None` when it was given before.
fn once(given: &mut u8, bit: u8) -> Option<()> {
    let bit = 1u8 << bit;
    if *given & bit != 0 {
        return None;
    }
    *given |= bit;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SALE: &str = r#"{"customer":"C-4453","date":"2026-11-21","documents":[{"kind":"purchase_order","ref":"D-500000","signed":true}],"id":"GS-500000","kind":"sale","lines":[{"currency":"USD","qty":6,"sku":"GS-000188","source":"oem","unit_price":"892.72"}],"opportunity":"OPP-16","partner":"GP-00016"}"#;

    #[test]
    fn plain_records_read_as_the_typed_and_value_readers_read_them() {
        let lines = [
            SALE,
            r#" { "id" : "S-1" , "kind":"Rebate","date":"2026-03-14","partner":"P","region":" ","lines":null,"documents":[],"attrs":{ },"stage":null}	"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","lines":[{"sku":"A","qty":1,"unit_price":1199.9999999999999999,"currency":"USD"},{"sku":"B","qty":20,"unit_price":-0.0,"currency":"EUR","source":null}],"attrs":null}"#,
            r#"{}"#,
        ];
        for text in lines {
            let plain = parse(text);
            let typed = super::super::tree::read_text(text).ok();
            assert_eq!(plain, typed, "{text}");
        }
        assert!(parse(SALE).is_some());
    }

    #[test]
    fn special_bytes_are_found_in_any_lane() {
        for len in 0..20 {
            for at in 0..=len {
                for byte in [b'"', b'\\', 0, 0x1f] {
                    let mut text = vec![b'a'; len + 1];
                    text[at] = byte;
                    // A byte just above a special one must not hide it.
                    if at > 0 {
                        text[at - 1] = 0x21;
                    }
                    assert_eq!(special(&text), Some(at), "{text:?}");
                }
            }
            assert_eq!(special(&vec![0x20; len]), None);
            assert_eq!(special(&vec![0xff; len]), None);
        }
    }

    #[test]
    fn anything_unusual_is_left_to_the_typed_reader() {
        let unusual = [
            // Not JSON.
            r#"{"id":"S-1",}"#,
            r#"{"id":"S-1"} x"#,
            r#"{"id":"S-1""#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","lines":[{"sku":"A","qty":01,"unit_price":"1","currency":"USD"}]}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","lines":[{"sku":"A","qty":1.,"unit_price":"1","currency":"USD"}]}"#,
            "{\"id\":\"S-\u{1}1\"}",
            // An escape, an exponent, an unknown key, attrs with a value, a key twice.
            r#"{"id":"S-\u0031","kind":"sale","date":"2026-03-14","partner":"P"}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","lines":[{"sku":"A","qty":1,"unit_price":1e2,"currency":"USD"}]}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","channel":"web"}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","attrs":{"x":1}}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","id":"S-2"}"#,
            // Fields that do not pass their checks.
            r#"{"id":" ","kind":"sale","date":"2026-03-14","partner":"P"}"#,
            r#"{"id":"S-1","kind":"Sale","date":"2026-03-14","partner":"P"}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-02-30","partner":"P"}"#,
            r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P","customer":1}"#,
        ];
        for text in unusual {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    use proptest::prelude::*;
    use proptest::strategy::Strategy;

    /// A JSON token for a value, plain or not: strings with spaces, escapes, controls and
    /// non-ASCII letters, numbers of every spelling, literals, and the odd container.
    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            8 => "[A-Za-z0-9 \\-]{0,12}".prop_map(|s| format!("\"{s}\"")),
            1 => "[ a\\t\u{1}\u{e9}\u{200b}\\\\\"]{0,4}".prop_map(|s| format!("\"{s}\"")),
            2 => "-?(0|[1-9][0-9]{0,12})(\\.[0-9]{1,4})?([eE][+-]?[0-9])?",
            1 => prop::sample::select(vec!["null", "true", "false", "01", "1.", "-", "nul", "[]", "{}", "{\"a\":1}"])
                .prop_map(str::to_owned),
            1 => prop::sample::select(vec!["2026-03-14", "2026-02-30", " 2026-03-14", "sale", "Sale", "USD", "oem"])
                .prop_map(|s| format!("\"{s}\"")),
        ]
    }

    fn space() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", "", "", " ", "\t", "\r", " \r\n "])
    }

    fn object(keys: &'static [&'static str]) -> impl Strategy<Value = String> {
        let entry = (
            prop::sample::select(keys.to_vec()),
            value(),
            space(),
            space(),
        );
        prop::collection::vec(entry, 0..3).prop_map(|entries| {
            let body: Vec<String> = entries
                .into_iter()
                .map(|(k, v, a, b)| format!("{a}\"{k}\"{b}:{a}{v}{b}"))
                .collect();
            format!("{{{}}}", body.join(","))
        })
    }

    const RECORD_KEYS: &[&str] = &[
        "id",
        "kind",
        "date",
        "partner",
        "customer",
        "region",
        "opportunity",
        "stage",
        "asset",
        "agreement",
        "Lines",
        "x",
    ];
    const LINE_KEYS: &[&str] = &["sku", "qty", "unit_price", "currency", "source", "src"];
    const DOCUMENT_KEYS: &[&str] = &["kind", "ref", "signed", "Ref"];

    /// A record object with the usual fields first (so that most read), then a random one.
    fn record_text() -> impl Strategy<Value = String> {
        (
            prop::sample::select(vec!["sale", "purchase", "warranty_claim", "Sale", ""]),
            prop::collection::vec(object(LINE_KEYS), 0..3),
            prop::collection::vec(object(DOCUMENT_KEYS), 0..2),
            object(RECORD_KEYS),
            space(),
            any::<bool>(),
        )
            .prop_map(|(kind, lines, documents, more, sp, attrs)| {
                let line = r#""sku":"A","qty":2,"unit_price":"9.50","currency":"USD","#;
                let lines: Vec<String> = lines
                    .iter()
                    .map(|l| format!("{{{line}{}", l.trim_start_matches('{')))
                    .collect();
                let more = more.trim_start_matches('{').trim_end_matches('}');
                let comma = if more.is_empty() { "" } else { "," };
                let attrs = if attrs { r#","attrs":{}"# } else { "" };
                format!(
                    r#"{sp}{{"id":"S-1",{sp}"kind":"{kind}","date":"2026-03-14","partner":"P","lines":[{}],"documents":[{}]{attrs}{comma}{more}}}{sp}"#,
                    lines.join(","),
                    documents.join(","),
                )
            })
    }

    /// What the plain reader accepts, the value reader (the reference) reads as the same
    /// record; over generated lines of which it accepts some and declines many.
    #[test]
    fn the_plain_reader_agrees_with_the_value_reader() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = record_text();
        let (mut accepted, cases) = (0, 4000);
        for _ in 0..cases {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            if let Some(record) = parse(&text) {
                accepted += 1;
                let value = super::super::tree::read_text(&text);
                assert_eq!(value.as_ref(), Ok(&record), "{text}");
            }
        }
        assert!(accepted > cases / 20 && accepted < cases / 2, "{accepted}");
    }
}
