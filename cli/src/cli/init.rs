//! `pactum init DIR`: write the standard pack to a folder, to edit and check with
//! `--rules DIR`.

use super::{Failure, embedded};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The folder to write the pack into (created if missing)
    dir: PathBuf,
    /// Also write the example records, `records.jsonl`, beside the pack
    #[arg(long)]
    example: bool,
    /// Overwrite files that already exist
    #[arg(long)]
    force: bool,
}

/// Where the written pack keeps the reference data its test cases start from.
pub(crate) const DATA: &str = "data";

/// The manifest's `[tests] data` as shipped (the checkout's example data, beside `rules/`)
/// and as written (the copy inside the new pack).
const SHIPPED_TEST_DATA: &str = "data = \"../examples/data\"";
const WRITTEN_TEST_DATA: &str = "data = \"data\"";

/// Every file `init` writes: `(path relative to DIR, contents)`.
pub(crate) fn files(example: bool) -> Vec<(String, &'static str)> {
    let mut files: Vec<(String, &'static str)> = embedded::PACK
        .iter()
        .map(|(path, text)| ((*path).to_owned(), *text))
        .collect();
    files.extend(
        embedded::EXAMPLE_DATA
            .iter()
            .map(|(path, text)| (format!("{DATA}/{path}"), *text)),
    );
    if example {
        files.push(("records.jsonl".to_owned(), embedded::EXAMPLE_RECORDS));
    }
    files
}

pub(crate) fn run(args: &Args, out: &mut dyn Write) -> Result<u8, Failure> {
    let files = files(args.example);
    if !args.force {
        let existing: Vec<&str> = files
            .iter()
            .map(|(path, _)| path.as_str())
            .filter(|path| args.dir.join(path).exists())
            .collect();
        if let Some(first) = existing.first() {
            let more = match existing.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            eprintln!(
                "error: `{}` already holds `{first}`{more} of the files to write; pass --force to overwrite them",
                args.dir.display(),
            );
            return Err(Failure::Reported);
        }
    }
    for (path, text) in &files {
        let text = if path == "pack.toml" {
            text.replacen(SHIPPED_TEST_DATA, WRITTEN_TEST_DATA, 1)
        } else {
            (*text).to_owned()
        };
        write(&args.dir.join(path), &text).map_err(|e| {
            eprintln!(
                "error: cannot write `{}`: {e}",
                args.dir.join(path).display()
            );
            Failure::Reported
        })?;
    }
    let dir = args.dir.display();
    writeln!(
        out,
        "wrote the standard pack to {dir} ({} files, its test data in {dir}/{DATA})",
        files.len()
    )?;
    let records = if args.example {
        format!("{dir}/records.jsonl")
    } else {
        "RECORDS".to_owned()
    };
    writeln!(
        out,
        "next: pactum validate {dir}; pactum test {dir}; pactum check --rules {dir} --data {dir}/{DATA} {records}"
    )?;
    Ok(0)
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_manifest_names_the_example_data() {
        let manifest = embedded::PACK
            .iter()
            .find(|(path, _)| *path == "pack.toml")
            .map(|(_, text)| *text)
            .unwrap();
        assert!(manifest.contains(SHIPPED_TEST_DATA));
    }
}
