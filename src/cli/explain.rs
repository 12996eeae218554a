//! `pactum explain --rule ID --record ID [FILE]`: what a rule looked at for one record and
//! why it decided as it did.

use super::Failure;
use super::input::Inputs;
use std::io::Write;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The rule to explain, such as `price.min-list`
    #[arg(long)]
    rule: String,
    /// The record to explain it on, by id
    #[arg(long)]
    record: String,
    #[command(flatten)]
    inputs: Inputs,
    /// How to print the explanation
    #[arg(long, value_enum, default_value = "text")]
    format: ExplainFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ExplainFormat {
    Text,
    Json,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let (engine, batch) = args.inputs.load()?;
    let explanation = engine
        .explain(&batch, &args.rule, &args.record, args.inputs.as_of)
        .map_err(|e| {
            eprintln!("error: {e}");
            Failure::Reported
        })?;
    match args.format {
        ExplainFormat::Text => out.write_all(explanation.to_text().as_bytes())?,
        ExplainFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &explanation).map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    }
    Ok(0)
}
