//! `pactum test [DIR]`: run a pack's own test cases.

use super::{DEFAULT_RULES, EXIT_FINDINGS, Failure, TextOrJson, render};
use pactum::testing::run_pack_tests;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The rule pack folder; its cases are in `tests/*.toml`
    #[arg(default_value = DEFAULT_RULES)]
    dir: PathBuf,
    /// How to print the results
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    super::default_rules_missing(&args.dir, "test")?;
    let report = run_pack_tests(&args.dir).map_err(|e| {
        render::load_error(&e);
        Failure::Reported
    })?;
    args.format.write(out, || report.to_text(), &report)?;
    Ok(if report.all_passed() {
        0
    } else {
        EXIT_FINDINGS
    })
}
