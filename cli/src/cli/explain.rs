//! `pactum explain --rule ID --record ID [FILE]`: what a rule looked at for one record and
//! why it decided as it did.

use super::input::Inputs;
use super::{Failure, TextOrJson};
use pactum::text::escape;
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
    format: TextOrJson,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let (engine, batch) = args.inputs.load()?;
    let explanation = engine
        .explain(&batch, &args.rule, &args.record, args.inputs.as_of)
        .map_err(|e| {
            eprintln!("error: {}", escape(&e.to_string()));
            Failure::Reported
        })?;
    args.format
        .write(out, || explanation.to_text(), &explanation)?;
    Ok(0)
}
