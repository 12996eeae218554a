//! `pactum validate [DIR]`: load a pack and report every problem in it.

use super::{DEFAULT_RULES, Failure, render};
use pactum::Pack;
use pactum::text::escape;
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The rule pack folder
    #[arg(default_value = DEFAULT_RULES)]
    dir: PathBuf,
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    super::default_rules_missing(&args.dir, "validate")?;
    match Pack::load(&args.dir) {
        Ok(pack) => {
            writeln!(
                out,
                "rule pack `{}` {} in {}: {} rules, no problems",
                escape(pack.name()),
                escape(pack.version()),
                escape(&args.dir.display().to_string()),
                pack.rules().len()
            )?;
            Ok(0)
        }
        Err(e) => {
            render::load_error(&e);
            Err(Failure::Reported)
        }
    }
}
