//! `pactum check`: read records, check them, print the report.

use super::input::Inputs;
use super::progress::{Counting, Progress};
use super::{EXIT_FINDINGS, FailOn, Failure, Format};
use pactum::text::escape;
use pactum::{ReadOptions, Report};
use std::io::{IsTerminal, Write};

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    inputs: Inputs,
    /// How to print the report
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit 1 when a finding (or a rule that could not run) is at least this severe
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// The longest line of JSON Lines, in bytes; a longer one is rejected and skipped
    /// without being held
    #[arg(long, default_value_t = ReadOptions::default().max_line_bytes)]
    max_line_bytes: usize,
    /// How many rejected records the report lists; past this they are only counted
    #[arg(long, default_value_t = ReadOptions::default().max_rejected_listed)]
    max_rejected_listed: usize,
    /// Show no progress bar (it is shown only on a terminal, for runs past a second)
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let engine = args.inputs.engine()?;
    // JSON Lines written to the terminal as the run goes would break through the bar.
    let streamed_to_terminal =
        matches!(args.format, Format::Jsonl) && std::io::stdout().is_terminal();
    let progress = Progress::start(!args.quiet && !streamed_to_terminal);
    let counts = progress.counts().clone();
    let input = Counting::new(args.inputs.reader()?, counts.bytes);
    let mut options = ReadOptions::default();
    options.max_line_bytes = args.max_line_bytes;
    options.max_rejected_listed = args.max_rejected_listed;
    options.progress = Some(counts.records.clone());
    let file = escape(&args.inputs.file().display().to_string()).to_string();
    // JSON Lines are written as each block of records is judged, not held to the end.
    let report = match args.format {
        // CSV is read whole (a record's rows may be anywhere in it), then checked on all cores.
        _ if args.inputs.is_csv() => {
            let batch = args.inputs.batch(input)?;
            counts.records.add(batch.read());
            Ok(engine.run_parallel(&batch, args.inputs.as_of))
        }
        Format::Jsonl => engine.run_stream_each(input, args.inputs.as_of, &options, |block| {
            Report::write_jsonl_block(block, &mut *out)
        }),
        Format::Text | Format::Json | Format::Html => {
            engine.run_stream_with(input, args.inputs.as_of, &options)
        }
    };
    // The bar is cleared before anything else is written to the terminal.
    progress.finish();
    let report = report.map_err(|e| {
        eprintln!("error: {file}: {}", escape(&e.to_string()));
        Failure::Reported
    })?;
    // An empty input is not a clean one: with nothing read and no date to judge the
    // batch-level rules at, there is nothing to report.
    if report.summary().read == 0 && args.inputs.as_of.is_none() {
        eprintln!(
            "error: {file}: no records read (pass --as-of DATE to judge the batch-level rules on an empty batch)"
        );
        return Err(Failure::Reported);
    }
    match args.format {
        Format::Text => {
            // The header's first line names the pack and its version; the second says where
            // it was loaded from.
            let text = report.to_text();
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            writeln!(out, "{first}")?;
            writeln!(out, "  pack source: {}", escape(&args.inputs.pack_source()))?;
            out.write_all(rest.as_bytes())?;
        }
        Format::Json => report.write_json(out)?,
        Format::Jsonl => report.write_jsonl(out)?,
        Format::Html => {
            super::html::write(&report, &engine, &args.inputs.pack_source(), out)?;
        }
    }
    let failing = report.worst().is_some_and(|w| w >= args.fail_on.severity());
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}
