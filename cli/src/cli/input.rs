//! What `check` and `explain` share: the pack, data and records they read, with the same
//! flags and defaults.

use super::{DEFAULT_DATA, DEFAULT_RECORDS, Failure, embedded, parse_date, render};
use pactum::text::escape;
use pactum::{Batch, Date, Engine, Pack, ReadOptions, RefData, read_batch, read_csv_batch};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Where the rules and the reference data come from: what every command that judges
/// records loads.
#[derive(clap::Args)]
pub(crate) struct Sources {
    /// The rule pack folder [default: the standard pack built into pactum]
    #[arg(long)]
    pub rules: Option<PathBuf>,
    /// The reference data folder (price_list.csv, catalog.csv, ...) [default: examples/data
    /// when it exists]
    #[arg(long)]
    pub data: Option<PathBuf>,
}

impl Sources {
    /// The pack named by `--rules`, or the embedded standard pack.
    fn pack(&self) -> Result<Pack, pactum::LoadError> {
        match &self.rules {
            Some(dir) => Pack::load(dir),
            None => embedded::pack(),
        }
    }

    /// Where the pack comes from, for the report's header.
    pub(crate) fn pack_source(&self) -> String {
        match &self.rules {
            Some(dir) => format!("folder {}", dir.display()),
            None => "built into pactum".to_owned(),
        }
    }

    /// The folder named by `--data`, or the example data when this is a checkout.
    pub(crate) fn data(&self) -> Result<&Path, Failure> {
        match &self.data {
            Some(dir) => Ok(dir),
            None if Path::new(DEFAULT_DATA).is_dir() => Ok(Path::new(DEFAULT_DATA)),
            None => {
                eprintln!(
                    "error: no reference data: pass --data DIR, the folder with price_list.csv, catalog.csv, approved_sources.csv, partners.csv and installed_base.csv (`{DEFAULT_DATA}`, the default, is not here)"
                );
                Err(Failure::Reported)
            }
        }
    }

    /// Loads the pack and the data, reporting the problems of both before giving up, so one
    /// run shows them all.
    pub(crate) fn engine(&self) -> Result<Engine, Failure> {
        let data = self.data()?;
        let (pack, data) = match (self.pack(), RefData::load(data)) {
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
}

/// The sources, the records and the as-of date: what `check` and `explain` read.
#[derive(clap::Args)]
pub(crate) struct Inputs {
    #[command(flatten)]
    pub sources: Sources,
    /// The date batch-level rules are judged at [default: the latest record date]
    #[arg(long, value_parser = parse_date)]
    pub as_of: Option<Date>,
    /// How the records are written [default: `csv` for a file named `*.csv`, else `jsonl`]
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Records as JSON Lines, a JSON array or CSV (see --input-format); `-` reads standard
    /// input [default: examples/records.jsonl when it exists]
    pub file: Option<PathBuf>,
}

/// How a records file is written.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InputFormat {
    /// One record per line of JSON (or one JSON array of records)
    Jsonl,
    /// One row per line of goods, with a header row (see docs/DESIGN.md)
    Csv,
}

impl Inputs {
    /// The records file named, or the example records.
    pub(crate) fn file(&self) -> &Path {
        self.file.as_deref().unwrap_or(Path::new(DEFAULT_RECORDS))
    }

    /// Where the pack comes from, for the report's header.
    pub(crate) fn pack_source(&self) -> String {
        self.sources.pack_source()
    }

    /// Whether the records are CSV: so said, or, when nothing is said, a file named
    /// `*.csv`.
    pub(crate) fn is_csv(&self) -> bool {
        match self.input_format {
            Some(format) => format == InputFormat::Csv,
            None => self
                .file()
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv")),
        }
    }

    /// Loads the pack and the data (see [`Sources::engine`]).
    pub(crate) fn engine(&self) -> Result<Engine, Failure> {
        self.sources.engine()
    }

    /// The records' source: the file, or standard input for `-`.
    pub(crate) fn reader(&self) -> Result<Box<dyn Read>, Failure> {
        let file = self.file();
        if file.as_os_str() == "-" {
            return Ok(Box::new(std::io::stdin().lock()));
        }
        match std::fs::File::open(file) {
            Ok(f) => Ok(Box::new(f)),
            Err(e) => Err(self.cannot_read(&e)),
        }
    }

    /// Explains why the records cannot be read; without a file named, says to name one.
    fn cannot_read(&self, e: &std::io::Error) -> Failure {
        let file = self.file().display();
        if self.file.is_none() && e.kind() == std::io::ErrorKind::NotFound {
            eprintln!(
                "error: no records file given and the example `{file}` is not here: pass the records file (or `-` for standard input)"
            );
        } else {
            eprintln!(
                "error: cannot read records from `{}`: {}",
                escape(&file.to_string()),
                escape(&e.to_string())
            );
        }
        Failure::Reported
    }

    /// Loads the engine, then reads every record into memory.
    pub(crate) fn load(&self) -> Result<(Engine, Batch), Failure> {
        let engine = self.engine()?;
        let batch = self.batch(self.reader()?)?;
        Ok((engine, batch))
    }

    /// Reads every record of `input` (the records' source) into memory, as CSV or JSON.
    /// The input may hold at most [`ReadOptions::max_array_bytes`] (1 GiB), as a JSON array
    /// read whole may: past it the run stops, saying so, before holding more.
    pub(crate) fn batch(&self, input: impl Read) -> Result<Batch, Failure> {
        let limit = ReadOptions::default().max_array_bytes;
        let mut bytes = Vec::new();
        input
            .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(|e| self.cannot_read(&e))?;
        if bytes.len() > limit {
            eprintln!(
                "error: {}: the input is larger than {limit} bytes, the most read whole (split it, or give JSON Lines, which are streamed)",
                escape(&self.file().display().to_string())
            );
            return Err(Failure::Reported);
        }
        let batch = if self.is_csv() {
            read_csv_batch(&bytes)
        } else {
            read_batch(&bytes)
        };
        batch.map_err(|e| {
            eprintln!(
                "error: {}:{}",
                escape(&self.file().display().to_string()),
                escape(&e.to_string())
            );
            Failure::Reported
        })
    }
}
