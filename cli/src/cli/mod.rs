//! Arguments and dispatch. Exit status: 0 nothing at or above `--fail-on`, 1 findings at or
//! above it, 2 bad usage, rules or data.

mod check;
mod embedded;
mod explain;
mod gate;
mod generate;
mod html;
mod init;
mod input;
mod progress;
mod render;
mod serve;
mod test;
mod validate;

use clap::{Parser, Subcommand, ValueEnum};
use pactum::{Date, Severity};
use std::io::{self, Write};
use std::process::ExitCode;

/// The pack folder `validate` and `test` read when none is named: the shipped standard pack
/// when run from a checkout. (`check` and `explain` default to the embedded pack.)
pub(crate) const DEFAULT_RULES: &str = "rules";
/// The example data and records, so `pactum check` does something real on a fresh clone.
pub(crate) const DEFAULT_DATA: &str = "examples/data";
pub(crate) const DEFAULT_RECORDS: &str = "examples/records.jsonl";

#[derive(Parser)]
#[command(
    name = "pactum",
    version,
    about = "Check an OEM's channel transactions against its partner policy"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check records against a rule pack and reference data
    Check(check::Args),
    /// Load a rule pack and report every problem in it
    Validate(validate::Args),
    /// Run a rule pack's own test cases (tests/*.toml in the pack)
    Test(test::Args),
    /// Show what a rule looked at for one record, and why it decided as it did
    Explain(explain::Args),
    /// Decide records read as JSON Lines on standard input one at a time, against a history
    Gate(gate::Args),
    /// Serve the gate over HTTP (decide, check, pack, reload, metrics) until stopped
    Serve(serve::Args),
    /// Write the standard pack to a folder, to edit and use with `--rules`
    Init(init::Args),
    /// Write a realistic batch of records and its reference data, for load tests
    Generate(generate::Args),
}

/// How serious a finding must be to make `check` exit 1.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum FailOn {
    Info,
    Warning,
    Error,
}

impl FailOn {
    pub(crate) fn severity(self) -> Severity {
        match self {
            FailOn::Info => Severity::Info,
            FailOn::Warning => Severity::Warning,
            FailOn::Error => Severity::Error,
        }
    }
}

/// The formats of `test` and `explain`: a text for people or one JSON object for tools.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TextOrJson {
    Text,
    Json,
}

impl TextOrJson {
    /// Writes `value` as `text` or as pretty JSON.
    pub(crate) fn write<T: serde::Serialize>(
        self,
        out: &mut dyn Write,
        text: impl FnOnce() -> String,
        value: &T,
    ) -> io::Result<()> {
        match self {
            TextOrJson::Text => out.write_all(text().as_bytes()),
            TextOrJson::Json => {
                serde_json::to_writer_pretty(&mut *out, value).map_err(io::Error::from)?;
                writeln!(out)
            }
        }
    }
}

/// Report formats.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Text,
    Json,
    Jsonl,
    /// One self-contained HTML page: summary, charts, findings, scorecard
    Html,
}

/// Stops `validate` and `test` early, with what to do, when they were given no folder and
/// the default `rules/` is not here (pactum run outside a checkout).
pub(crate) fn default_rules_missing(dir: &std::path::Path, command: &str) -> Result<(), Failure> {
    if dir.as_os_str() == DEFAULT_RULES && !dir.is_dir() {
        eprintln!(
            "error: no rule pack folder `{DEFAULT_RULES}` here: run `pactum {command} DIR` on a pack folder, or write the standard pack to one with `pactum init DIR`"
        );
        return Err(Failure::Reported);
    }
    Ok(())
}

pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    text.parse::<Date>().map_err(|e| e.to_string())
}

pub(crate) const EXIT_FINDINGS: u8 = 1;
pub(crate) const EXIT_BAD_INPUT: u8 = 2;

/// Why a command stopped early.
pub(crate) enum Failure {
    /// Bad usage, rules or data, already explained on stderr.
    Reported,
    /// Writing the report failed.
    Output(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help and version to stdout (exit 0) and usage errors to stderr.
            let code = if e.use_stderr() { EXIT_BAD_INPUT } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = match cli.command {
        Command::Check(args) => check::run(&args, &mut out),
        Command::Validate(args) => validate::run(&args, &mut out),
        Command::Test(args) => test::run(&args, &mut out),
        Command::Explain(args) => explain::run(&args, &mut out),
        Command::Gate(args) => gate::run(&args, &mut out),
        Command::Serve(args) => serve::run(&args, &mut out),
        Command::Init(args) => init::run(&args, &mut out),
        Command::Generate(args) => generate::run(&args, &mut out),
    };
    let result = result.and_then(|code| out.flush().map(|()| code).map_err(Failure::Output));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Reported) => ExitCode::from(EXIT_BAD_INPUT),
        // A reader that stops early (`pactum check | head`) is not an error of ours.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Output(e)) => {
            let _ = writeln!(
                io::stderr(),
                "error: cannot write the report: {e}; the report is incomplete"
            );
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
