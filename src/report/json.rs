//! Writing the JSON and JSON Lines reports with their long lists rendered on all cores: the
//! findings' words are written as they are serialized, which is most of a report's cost.
//!
//! A list is rendered a window at a time (the window on all cores, then written in order),
//! so the text held at once stays small whatever the list's length. The bytes are those
//! `serde_json` writes for the whole report in one go (`to_writer_pretty`, or `to_writer`
//! and a newline per line): a pretty value nested `n` levels deep is the value written
//! alone with `2n` spaces after each of its newlines, as a JSON string holds no raw
//! newline.

use crate::engine::pool;
use rayon::prelude::*;
use serde::Serialize;
use std::io::{self, Write};

/// Items rendered at a time: enough for both cores to share evenly, few enough that their
/// text (a few hundred bytes an item) is small beside the report.
const WINDOW: usize = 4096;

/// Items one worker renders in a piece of a window.
const PIECE: usize = 256;

/// The members of a pretty JSON object at the top level of the output, written in order.
pub(super) struct Object<'o> {
    out: &'o mut dyn Write,
    first: bool,
}

impl<'o> Object<'o> {
    pub(super) fn start(out: &'o mut dyn Write) -> io::Result<Self> {
        out.write_all(b"{")?;
        Ok(Object { out, first: true })
    }

    fn key(&mut self, key: &str) -> io::Result<()> {
        let comma = if self.first { "" } else { "," };
        self.first = false;
        write!(self.out, "{comma}\n  ")?;
        serde_json::to_writer(&mut *self.out, key)?;
        self.out.write_all(b": ")
    }

    /// A member whose value is written as it is.
    pub(super) fn value<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> io::Result<()> {
        self.key(key)?;
        let mut text = Vec::new();
        serde_json::to_writer_pretty(&mut text, value)?;
        indented(&mut *self.out, &text, b"  ")
    }

    /// A member whose value is a list, its items rendered on all cores.
    pub(super) fn list<T: Serialize + Sync>(&mut self, key: &str, items: &[T]) -> io::Result<()> {
        self.key(key)?;
        if items.is_empty() {
            return self.out.write_all(b"[]");
        }
        self.out.write_all(b"[\n")?;
        in_windows(items, &mut *self.out, b",\n", |item, text| {
            let mut one = Vec::new();
            serde_json::to_writer_pretty(&mut one, item)?;
            text.extend_from_slice(b"    ");
            indented(text, &one, b"    ")
        })?;
        self.out.write_all(b"\n  ]")
    }

    /// Closes the object, and the line.
    pub(super) fn end(self) -> io::Result<()> {
        let close: &[u8] = if self.first { b"}\n" } else { b"\n}\n" };
        self.out.write_all(close)
    }
}

/// One line of JSON Lines for each item, with its `type`, rendered on all cores.
pub(super) fn lines<T: Serialize + Sync>(
    out: &mut dyn Write,
    kind: &str,
    items: &[T],
) -> io::Result<()> {
    in_windows(items, out, b"", |item, text| line(text, kind, item))
}

/// One line of JSON Lines: `item` with its `type`.
pub(super) fn line<T: Serialize>(
    out: &mut (impl Write + ?Sized),
    kind: &str,
    item: &T,
) -> io::Result<()> {
    #[derive(Serialize)]
    struct Tagged<'a, T: Serialize> {
        #[serde(rename = "type")]
        kind: &'a str,
        #[serde(flatten)]
        item: &'a T,
    }
    serde_json::to_writer(&mut *out, &Tagged { kind, item })?;
    out.write_all(b"\n")
}

/// Renders `items` with `render`, `separator` between them, a window at a time (the
/// window's pieces on all cores), and writes the text in the items' order.
fn in_windows<T: Sync>(
    items: &[T],
    out: &mut dyn Write,
    separator: &[u8],
    render: impl Fn(&T, &mut Vec<u8>) -> io::Result<()> + Sync,
) -> io::Result<()> {
    for (w, window) in items.chunks(WINDOW).enumerate() {
        let pieces: Vec<io::Result<Vec<u8>>> = pool::workers(|| {
            window
                .par_chunks(PIECE)
                .enumerate()
                .map(|(p, piece)| {
                    let mut text = Vec::with_capacity(piece.len() * 512);
                    for (i, item) in piece.iter().enumerate() {
                        if w + p + i > 0 {
                            text.extend_from_slice(separator);
                        }
                        render(item, &mut text)?;
                    }
                    Ok(text)
                })
                .collect()
        });
        for piece in pieces {
            out.write_all(&piece?)?;
        }
    }
    Ok(())
}

/// Writes `text` with `indent` after each of its newlines.
fn indented(out: &mut (impl Write + ?Sized), text: &[u8], indent: &[u8]) -> io::Result<()> {
    let mut from = 0;
    for at in memchr::memchr_iter(b'\n', text) {
        out.write_all(text.get(from..=at).unwrap_or_default())?;
        out.write_all(indent)?;
        from = at + 1;
    }
    out.write_all(text.get(from..).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Engine, Pack, RefData};

    /// The example records 200 times over under new ids, with a line that is not a record
    /// after each copy: findings across several windows, and rejected records.
    fn report() -> crate::Report {
        let pack = Pack::load("rules").unwrap();
        let engine = Engine::new(pack, RefData::load("examples/data").unwrap()).unwrap();
        let text = std::fs::read_to_string("examples/records.jsonl").unwrap();
        let mut input = String::new();
        for copy in 0..200 {
            for line in text.lines() {
                input.push_str(&line.replacen(r#""id":""#, &format!(r#""id":"{copy}-"#), 1));
                input.push('\n');
            }
            input.push_str("not a record\n");
        }
        let report = engine.run_stream(input.as_bytes(), None).unwrap();
        assert!(
            report.findings().len() > WINDOW + PIECE,
            "{}",
            report.findings().len()
        );
        assert!(report.rejected().len() > 100);
        report
    }

    #[test]
    fn the_json_report_is_what_serde_writes_of_it_whole() {
        let report = report();
        let mut ours = Vec::new();
        report.write_json(&mut ours).unwrap();
        let mut whole = serde_json::to_vec_pretty(&report.json_report()).unwrap();
        whole.push(b'\n');
        assert_eq!(String::from_utf8(ours), String::from_utf8(whole));
    }

    #[test]
    fn json_lines_come_in_the_order_of_their_items() {
        let report = report();
        let mut ours = Vec::new();
        lines(&mut ours, "violation", report.findings()).unwrap();
        lines(&mut ours, "rejected", report.rejected()).unwrap();
        let mut one_by_one = Vec::new();
        for f in report.findings() {
            line(&mut one_by_one, "violation", f).unwrap();
        }
        for r in report.rejected() {
            line(&mut one_by_one, "rejected", r).unwrap();
        }
        assert_eq!(String::from_utf8(ours), String::from_utf8(one_by_one));
    }

    #[test]
    fn an_empty_object_and_empty_lists_read_as_serde_writes_them() {
        let mut out = Vec::new();
        Object::start(&mut out).unwrap().end().unwrap();
        let mut o = Object::start(&mut out).unwrap();
        o.list::<u8>("none", &[]).unwrap();
        o.list("some", &[[1, 2]]).unwrap();
        o.end().unwrap();
        let expected = serde_json::json!({"none": [], "some": [[1, 2]]});
        let expected = format!(
            "{{}}\n{}\n",
            serde_json::to_string_pretty(&expected).unwrap()
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
