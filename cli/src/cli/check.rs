//! `pactum check`: read records, check them, print the report.

use super::input::Inputs;
use super::{EXIT_FINDINGS, FailOn, Failure, Format};
use pactum::text::escape;
use std::io::Write;

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
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let engine = args.inputs.engine()?;
    let input = args.inputs.reader()?;
    let report = engine.run_stream(input, args.inputs.as_of).map_err(|e| {
        eprintln!(
            "error: {}: {}",
            escape(&args.inputs.file().display().to_string()),
            escape(&e.to_string())
        );
        Failure::Reported
    })?;
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
    }
    let failing = report.worst().is_some_and(|w| w >= args.fail_on.severity());
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}
