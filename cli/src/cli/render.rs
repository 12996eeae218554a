//! Diagnostics for people, rendered with miette: the message, the file:line:column, the
//! source line underlined when the file's text is at hand, and the hint.

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use pactum::{Diagnostic, LoadError};
use std::io::{IsTerminal, Write};

/// Writes every diagnostic of `error` to stderr, then a count.
pub(crate) fn load_error(error: &LoadError) {
    let theme = if std::io::stderr().is_terminal() {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme);
    let mut text = String::new();
    for d in error.diagnostics() {
        render_one(&handler, d, error, &mut text);
    }
    let n = error.diagnostics().len();
    text.push_str(&format!(
        "{n} problem{} found\n",
        if n == 1 { "" } else { "s" }
    ));
    let _ = std::io::stderr().write_all(text.as_bytes());
}

fn render_one(
    handler: &GraphicalReportHandler,
    d: &Diagnostic,
    error: &LoadError,
    out: &mut String,
) {
    let loc = d.location();
    // The location heads the message so it is there even when no source can be shown.
    let mut diag = MietteDiagnostic::new(format!("{loc}: {}", d.message()));
    if let Some(help) = d.help() {
        diag = diag.with_help(help);
    }
    let source = error.source(loc.file());
    match (source, loc.span()) {
        (Some(text), Some(span)) => {
            let mut labels = vec![LabeledSpan::at(
                span.start..span.end.max(span.start),
                "here",
            )];
            if let Some((related, what)) = d.related().filter(|(r, _)| r.file() == loc.file()) {
                if let Some(r) = related.span() {
                    labels.push(LabeledSpan::at(
                        r.start..r.end.max(r.start),
                        what.to_owned(),
                    ));
                }
            }
            let diag = diag.with_labels(labels);
            let report = miette::Report::new(diag).with_source_code(NamedSource::new(
                loc.file().display().to_string(),
                text.to_owned(),
            ));
            if handler.render_report(out, report.as_ref()).is_err() {
                out.push_str(&format!("error: {d}\n"));
            }
            if let Some((related, what)) = d.related().filter(|(r, _)| r.file() != loc.file()) {
                out.push_str(&format!("  note: {what} at {related}\n"));
            }
        }
        _ => {
            out.push_str(&format!("error: {d}\n"));
        }
    }
    out.push('\n');
}
