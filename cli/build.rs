//! Embeds the standard pack (`../rules`, every file) and the example data (`../examples`)
//! in the binary: writes `embedded.rs` into `OUT_DIR`, a list of `(path, include_str!(..))`
//! pairs per folder. A build script rather than a crate such as `include_dir`: no extra
//! dependency, text checked as UTF-8 at compile time, and the list is plain data the CLI
//! hands to `Pack::from_files`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() -> Result<(), String> {
    let manifest_dir = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let root = manifest_dir
        .parent()
        .ok_or("the cli crate must be inside the pactum checkout")?;
    let rules = root.join("rules");
    let examples = root.join("examples");
    let mut out = String::new();
    list(&mut out, "PACK", &rules, &rules)?;
    list(
        &mut out,
        "EXAMPLE_DATA",
        &examples.join("data"),
        &examples.join("data"),
    )?;
    let records = examples.join("records.jsonl");
    writeln!(
        out,
        "/// The example records.\npub(crate) static EXAMPLE_RECORDS: &str = include_str!({:?});",
        path_text(&records)?
    )
    .map_err(|e| e.to_string())?;
    // A directory is scanned whole: adding, editing or removing a file rebuilds.
    for path in [&rules, &examples.join("data"), &records] {
        println!("cargo::rerun-if-changed={}", path_text(path)?);
    }
    let target = PathBuf::from(env("OUT_DIR")?).join("embedded.rs");
    std::fs::write(&target, out).map_err(|e| format!("cannot write {}: {e}", target.display()))
}

fn env(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|e| format!("{name}: {e}"))
}

fn path_text(path: &Path) -> Result<&str, String> {
    path.to_str()
        .ok_or_else(|| format!("path `{}` is not UTF-8", path.display()))
}

/// Writes `static NAME: &[(&str, &str)]`: every file under `dir`, by its `/`-separated path
/// relative to `base`, sorted.
fn list(out: &mut String, name: &str, dir: &Path, base: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    writeln!(out, "pub(crate) static {name}: &[(&str, &str)] = &[").map_err(|e| e.to_string())?;
    for file in &files {
        let relative = file
            .strip_prefix(base)
            .map_err(|e| e.to_string())?
            .components()
            .map(|c| c.as_os_str().to_str().ok_or("a file name is not UTF-8"))
            .collect::<Result<Vec<_>, _>>()?
            .join("/");
        writeln!(
            out,
            "    ({relative:?}, include_str!({:?})),",
            path_text(file)?
        )
        .map_err(|e| e.to_string())?;
    }
    writeln!(out, "];").map_err(|e| e.to_string())
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot list `{}`: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.is_dir() {
            walk(&path, files)?;
        } else if path.is_file() {
            files.push(path);
        }
    }
    Ok(())
}
