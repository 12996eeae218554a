//! `pactum gate`: the gate on the command line, for hosts that pipe. Loads the history,
//! then answers each JSON Lines record on standard input with one decision record (JSON)
//! on standard output, flushed line by line, in input order. Exit 0 when the input ends
//! (the verdicts are in the lines), 2 when the pack, the data or the history cannot load.

use super::input::Sources;
use super::{FailOn, Failure};
use pactum::gate::Gate;
use pactum::read_batch;
use std::io::{BufRead, Write};
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    sources: Sources,
    /// Records already booked, as JSON Lines: folded into the history without decisions
    #[arg(long)]
    history: Option<PathBuf>,
    /// Hold a record with a finding (or a rule that could not run) at least this severe
    #[arg(long, value_enum, default_value = "error")]
    fail_on: FailOn,
    /// Forget opportunities first reported more than this many days before the latest
    /// record date [default: keep everything]
    #[arg(long)]
    retention_days: Option<i64>,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let engine = args.sources.engine()?;
    let mut gate = Gate::new(&engine)
        .with_fail_on(args.fail_on.severity())
        .with_retention(args.retention_days);
    if let Some(path) = &args.history {
        let bytes = std::fs::read(path).map_err(|e| {
            eprintln!("error: cannot read the history `{}`: {e}", path.display());
            Failure::Reported
        })?;
        let batch = read_batch(&bytes).map_err(|e| {
            eprintln!("error: {}:{e}", path.display());
            Failure::Reported
        })?;
        for r in &batch.rejected {
            eprintln!(
                "warning: {}:{}: history record left out: {}",
                path.display(),
                r.line,
                r.reason()
            );
        }
        for record in &batch.records {
            gate.remember(&engine, record);
        }
    }
    let mut input = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = input.read_until(b'\n', &mut line).map_err(|e| {
            eprintln!("error: cannot read standard input: {e}");
            Failure::Reported
        })?;
        if read == 0 {
            return Ok(0);
        }
        // Blank lines hold no record: JSON Lines allows them, and they get no decision.
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let decision = gate.decide_bytes(&engine, &line);
        writeln!(out, "{}", decision.to_json_line())?;
        out.flush()?;
    }
}
