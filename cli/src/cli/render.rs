//! Diagnostics for people, rendered with miette: the message, the file:line:column, the
//! source lines around the problem underlined when the file's text is at hand, and the hint.
//!
//! Everything shown came from a pack author, who may be hostile: messages, hints and the
//! source lines pass through `pactum::text::escape`, so no control character, bidi override
//! or forged line reaches the terminal. Each diagnostic shows only a small window of its
//! file (the lines around it, at most [`MAX_WINDOW`] bytes), so a file with 20,000 problems
//! renders in linear time.

use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use pactum::text::{escape, is_unsafe};
use pactum::{Diagnostic, LoadError};
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::ops::Range;

/// The most bytes of a file one diagnostic shows; a problem in a longer stretch (a huge
/// line) is shown without its source.
const MAX_WINDOW: usize = 4096;

/// Lines of context shown before and after the problem.
const CONTEXT: usize = 1;

/// Writes every diagnostic of `error` to stderr, then a count.
pub(crate) fn load_error(error: &LoadError) {
    let theme = if std::io::stderr().is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let _ = std::io::stderr().write_all(render(error, theme).as_bytes());
}

/// The text [`load_error`] writes.
pub(crate) fn render(error: &LoadError, theme: GraphicalTheme) -> String {
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(CONTEXT);
    let mut text = String::new();
    for d in error.diagnostics() {
        render_one(&handler, d, error, &mut text);
    }
    let n = error.diagnostics().len();
    let _ = writeln!(text, "{n} problem{} found", if n == 1 { "" } else { "s" });
    text
}

fn render_one(
    handler: &GraphicalReportHandler,
    d: &Diagnostic,
    error: &LoadError,
    out: &mut String,
) {
    let loc = d.location();
    // The location heads the message so it is there even when no source can be shown.
    let mut diag = MietteDiagnostic::new(format!("{loc}: {}", escape(d.message())));
    if let Some(help) = d.help() {
        diag = diag.with_help(escape(help).to_string());
    }
    let window = error
        .source(loc.file())
        .zip(loc.span())
        .and_then(|(text, span)| Window::around(text, span, loc.line()));
    let Some(window) = window else {
        let _ = writeln!(out, "error: {d}\n");
        return;
    };
    let mut labels = Vec::new();
    if let Some(span) = window.map(loc.span().unwrap_or_default()) {
        labels.push(LabeledSpan::at(span, "here"));
    }
    // The second place: underlined in the same window when it is in it, else shown in a
    // window of its own (its own file's, when that is the pack's), else named.
    let mut second = None;
    if let Some((related, what)) = d.related() {
        let what = escape(what).to_string();
        let here = (related.file() == loc.file())
            .then(|| related.span())
            .flatten()
            .and_then(|r| window.map(r));
        match here {
            Some(r) => labels.push(LabeledSpan::at(r, what)),
            None => second = Some((related, what)),
        }
    }
    let name = escape(&loc.file().display().to_string()).to_string();
    let report =
        miette::Report::new(diag.with_labels(labels)).with_source_code(Named { name, window });
    if handler.render_report(out, report.as_ref()).is_err() {
        let _ = writeln!(out, "error: {d}");
    }
    if let Some((related, what)) = second {
        let window = error
            .source(related.file())
            .zip(related.span())
            .and_then(|(text, span)| Window::around(text, span, related.line()));
        let span = window
            .as_ref()
            .and_then(|w| w.map(related.span().unwrap_or_default()));
        match (window, span) {
            (Some(window), Some(span)) => {
                let note = MietteDiagnostic::new(format!("{what} at {related}"))
                    .with_severity(miette::Severity::Advice)
                    .with_labels([LabeledSpan::at(span, what)]);
                let name = escape(&related.file().display().to_string()).to_string();
                let report = miette::Report::new(note).with_source_code(Named { name, window });
                if handler.render_report(out, report.as_ref()).is_err() {
                    let _ = writeln!(out, "  note: {related}");
                }
            }
            _ => {
                let _ = writeln!(out, "  note: {what} at {related}");
            }
        }
    }
    out.push('\n');
}

/// The escaped lines of a file around one problem.
struct Window {
    /// The lines, escaped; line ends kept.
    text: String,
    /// The 0-based line number of its first line in the file.
    first_line: usize,
    /// The byte range of the file it shows.
    range: Range<usize>,
    /// For each byte offset into the file from `range.start` (one past the end included),
    /// the offset in `text`.
    offsets: Vec<usize>,
}

impl Window {
    /// The lines of `text` around `span`, whose start is on 1-based `line`; `None` when
    /// they are longer than [`MAX_WINDOW`] or the span is not in the text.
    fn around(text: &str, span: Range<usize>, line: usize) -> Option<Window> {
        let bytes = text.as_bytes();
        let end = span.end.max(span.start).min(text.len());
        let start = span.start.min(end);
        if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
            return None;
        }
        // Back over the line's start and `CONTEXT` lines before it, forward over the end
        // of the span's last line and `CONTEXT` lines after it, never further than
        // MAX_WINDOW bytes in all.
        let mut from = start;
        let mut newlines = 0;
        while from > 0 && start - from <= MAX_WINDOW {
            if bytes.get(from - 1) == Some(&b'\n') {
                if newlines == CONTEXT {
                    break;
                }
                newlines += 1;
            }
            from -= 1;
        }
        let mut to = end;
        let mut after = 0;
        while to < bytes.len() && to - from <= MAX_WINDOW {
            to += 1;
            if bytes.get(to - 1) == Some(&b'\n') {
                if after == CONTEXT {
                    break;
                }
                after += 1;
            }
        }
        if to - from > MAX_WINDOW {
            return None;
        }
        let shown = text.get(from..to)?;
        let mut escaped = String::with_capacity(shown.len());
        let mut offsets = Vec::with_capacity(shown.len() + 1);
        let mut chars = shown.char_indices().peekable();
        while let Some((_, c)) = chars.next() {
            let at = escaped.len();
            offsets.extend(std::iter::repeat_n(at, c.len_utf8()));
            // Line ends (CRLF included) and tabs are the snippet's own layout.
            let crlf = c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n');
            if is_unsafe(c) && !matches!(c, '\n' | '\t') && !crlf {
                let _ = write!(escaped, "{}", escape(c.encode_utf8(&mut [0; 4])));
            } else {
                escaped.push(c);
            }
        }
        offsets.push(escaped.len());
        Some(Window {
            text: escaped,
            first_line: line.saturating_sub(1 + newlines),
            range: from..to,
            offsets,
        })
    }

    /// Where `span` of the file is in the window, when it is in it.
    fn map(&self, span: Range<usize>) -> Option<SourceSpan> {
        let at = |o: usize| self.offsets.get(o.checked_sub(self.range.start)?).copied();
        let start = at(span.start)?;
        let end = at(span.end.max(span.start)).unwrap_or(self.text.len());
        Some(SourceSpan::from(start..end))
    }
}

/// A window with its file's name, as miette reads source: its line numbers are the file's.
struct Named {
    name: String,
    window: Window,
}

impl SourceCode for Named {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.window.text.as_str().read_span(span, before, after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.window.first_line,
            inner.column(),
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_escape_and_keep_line_numbers() {
        let text = "a = 1\nb = \"\u{1b}[2J\"\nc = 3\r\nd = 4\ne = 5\n";
        let start = text.find("\u{1b}").unwrap();
        let w = Window::around(text, start..start + 1, 2).unwrap();
        assert_eq!(w.first_line, 0);
        assert_eq!(w.text, "a = 1\nb = \"\\u{1b}[2J\"\nc = 3\r\n");
        let span = w.map(start..start + 1).unwrap();
        assert_eq!((span.offset(), span.len()), (11, 6));
        assert!(w.map(0..1).is_some());
        assert!(w.map(text.len() - 1..text.len()).is_none());
    }

    #[test]
    fn huge_lines_show_no_window() {
        let text = "x".repeat(MAX_WINDOW * 2);
        assert!(Window::around(&text, 5000..5001, 1).is_none());
    }
}
