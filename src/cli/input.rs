//! What `check` and `explain` share: the pack, data and records they read, with the same
//! flags and defaults.

use super::{DEFAULT_DATA, DEFAULT_RECORDS, DEFAULT_RULES, Failure, parse_date, render};
use pactum::{Batch, Date, Engine, Pack, RefData, read_batch};
use std::io::Read;
use std::path::PathBuf;

#[derive(clap::Args)]
pub(crate) struct Inputs {
    /// The rule pack folder
    #[arg(long, default_value = DEFAULT_RULES)]
    pub rules: PathBuf,
    /// The reference data folder (price_list.csv, catalog.csv, ...)
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// The date batch-level rules are judged at [default: the latest record date]
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// Records as JSON Lines or a JSON array; `-` reads standard input
    #[arg(default_value = DEFAULT_RECORDS)]
    pub file: PathBuf,
}

impl Inputs {
    /// Loads the pack and the data, reporting the problems of both before giving up, so one
    /// run shows them all.
    pub(crate) fn engine(&self) -> Result<Engine, Failure> {
        let (pack, data) = match (Pack::load(&self.rules), RefData::load(&self.data)) {
            (Ok(p), Ok(d)) => (p, d),
            (p, d) => {
                for e in [p.err(), d.err()].into_iter().flatten() {
                    render::load_error(&e);
                }
                return Err(Failure::Reported);
            }
        };
        Engine::new(pack, data).map_err(|e| {
            render::load_error(&e);
            Failure::Reported
        })
    }

    /// The records' source: the file, or standard input for `-`.
    pub(crate) fn reader(&self) -> Result<Box<dyn Read>, Failure> {
        if self.file.as_os_str() == "-" {
            return Ok(Box::new(std::io::stdin().lock()));
        }
        match std::fs::File::open(&self.file) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) => {
                eprintln!(
                    "error: cannot read records from `{}`: {e}",
                    self.file.display()
                );
                Err(Failure::Reported)
            }
        }
    }

    /// Loads the engine, then reads every record into memory.
    pub(crate) fn load(&self) -> Result<(Engine, Batch), Failure> {
        let engine = self.engine()?;
        let input = self.read()?;
        let batch = read_batch(&input).map_err(|e| {
            eprintln!("error: {}:{e}", self.file.display());
            Failure::Reported
        })?;
        Ok((engine, batch))
    }

    fn read(&self) -> Result<Vec<u8>, Failure> {
        let mut bytes = Vec::new();
        let result = if self.file.as_os_str() == "-" {
            std::io::stdin().lock().read_to_end(&mut bytes).map(|_| ())
        } else {
            std::fs::File::open(&self.file)
                .and_then(|mut f| f.read_to_end(&mut bytes))
                .map(|_| ())
        };
        result.map_err(|e| {
            eprintln!(
                "error: cannot read records from `{}`: {e}",
                self.file.display()
            );
            Failure::Reported
        })?;
        Ok(bytes)
    }
}
