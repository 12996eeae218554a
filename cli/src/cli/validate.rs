//! `pactum validate [DIR]`: load a pack and report every problem in it.

use super::{DEFAULT_RULES, Failure, render};
use pactum::Pack;
use pactum::pack::Check;
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
            for rule in pack.rules() {
                let compiled = match &rule.check {
                    Check::Script(s) => s.compiled(),
                    Check::Condition(c) => c.compiled(),
                    _ => continue,
                };
                let how = match compiled {
                    Ok(()) => "compiled".to_owned(),
                    Err(why) => format!("interpreted (rhai): not compiled: {why}"),
                };
                writeln!(out, "  `{}` runs {}", escape(&rule.id), escape(&how))?;
            }
            if let Some(base) = pack.base() {
                writeln!(
                    out,
                    "layered over `{}` {} in {}: {} own rules, {} overrides",
                    escape(base.name()),
                    escape(base.version()),
                    escape(&base.dir().display().to_string()),
                    pack.own_rules().len(),
                    pack.overrides().len()
                )?;
                for o in pack.overrides() {
                    writeln!(
                        out,
                        "  override `{}`: {}",
                        escape(&o.id),
                        escape(&o.describe())
                    )?;
                }
                writeln!(
                    out,
                    "hash {} (base {}, layer {})",
                    pack.hash(),
                    base.hash(),
                    pack.own_hash()
                )?;
            }
            Ok(0)
        }
        Err(e) => {
            render::load_error(&e);
            Err(Failure::Reported)
        }
    }
}
