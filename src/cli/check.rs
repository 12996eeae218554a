//! `pactum check`: read records, check them, print the report.

use super::{
    DEFAULT_DATA, DEFAULT_RECORDS, DEFAULT_RULES, EXIT_FINDINGS, FailOn, Failure, Format,
    parse_date, render,
};
use pactum::{Date, Engine, Pack, RefData, read_batch};
use std::io::{Read, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The rule pack folder
    #[arg(long, default_value = DEFAULT_RULES)]
    rules: PathBuf,
    /// The reference data folder (price_list.csv, catalog.csv, ...)
    #[arg(long, default_value = DEFAULT_DATA)]
    data: PathBuf,
    /// The date batch-level rules are judged at [default: the latest record date]
    #[arg(long, value_parser = parse_date)]
    as_of: Option<Date>,
    /// How to print the report
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Exit 1 when a finding is at least this severe
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Records as JSON Lines or a JSON array; `-` reads standard input
    #[arg(default_value = DEFAULT_RECORDS)]
    file: PathBuf,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let pack = Pack::load(&args.rules);
    let data = RefData::load(&args.data);
    // Report the problems of both before giving up, so one run shows them all.
    let (pack, data) = match (pack, data) {
        (Ok(p), Ok(d)) => (p, d),
        (p, d) => {
            for e in [p.err(), d.err()].into_iter().flatten() {
                render::load_error(&e);
            }
            return Err(Failure::Reported);
        }
    };
    let engine = Engine::new(pack, data).map_err(|e| {
        render::load_error(&e);
        Failure::Reported
    })?;
    let input = read_input(&args.file)?;
    let batch = read_batch(&input).map_err(|e| {
        eprintln!("error: {}:{e}", args.file.display());
        Failure::Reported
    })?;
    let report = engine.run(&batch, args.as_of);
    match args.format {
        Format::Text => out.write_all(report.to_text().as_bytes())?,
        Format::Json => report.write_json(out)?,
        Format::Jsonl => report.write_jsonl(out)?,
    }
    let failing = report.worst().is_some_and(|w| w >= args.fail_on.severity());
    Ok(if failing { EXIT_FINDINGS } else { 0 })
}

fn read_input(file: &PathBuf) -> Result<Vec<u8>, Failure> {
    let mut bytes = Vec::new();
    let result = if file.as_os_str() == "-" {
        std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
    } else {
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_end(&mut bytes))
            .map(|_| ())
    };
    result.map_err(|e| {
        eprintln!("error: cannot read records from `{}`: {e}", file.display());
        Failure::Reported
    })?;
    Ok(bytes)
}
