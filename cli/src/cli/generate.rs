//! `pactum generate`: write a realistic batch and its reference data, for benchmarks and
//! load tests.

use super::Failure;
use pactum_testkit::{GenerateOptions, generate};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Records to write
    #[arg(long, default_value_t = 10_000)]
    records: usize,
    /// Partners they come from
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    partners: u32,
    /// Parts on the price list
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..))]
    skus: u32,
    /// Percent of records that break a rule
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u8).range(0..=100))]
    violations: u8,
    /// Seed: the same seed writes the same bytes
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folder to write records.jsonl and the reference CSV files into
    #[arg(long)]
    out: PathBuf,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let options = GenerateOptions {
        records: args.records,
        partners: args.partners as usize,
        skus: args.skus as usize,
        violation_percent: args.violations,
        seed: args.seed,
    };
    generate(&options, &args.out).map_err(|e| {
        eprintln!("error: cannot write to `{}`: {e}", args.out.display());
        Failure::Reported
    })?;
    writeln!(
        out,
        "wrote {} records over {} partners to {}; check them with: pactum check --data {2} {2}/records.jsonl",
        args.records,
        args.partners,
        args.out.display()
    )?;
    Ok(0)
}
