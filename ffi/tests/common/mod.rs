//! Test support shared by the test binaries: C strings, taking strings from the library,
//! and copies of the shipped pack to edit.

use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The repository's root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A copy of the shipped pack at `<tmp>/rules`, with the example data at
/// `<tmp>/examples/data` where the pack's `[tests] data` expects it, after the
/// `(file, from, to)` replacements in the pack's files (each must match).
pub fn pack_copy(edits: &[(&str, &str, &str)]) -> TempDir {
    pactum_testkit::fixtures::checkout_copy(edits)
}

/// The 1-based number of the first line of `file` containing `needle`.
pub fn line_of(file: &Path, needle: &str) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

/// The edit that puts a syntax error (a missing `)`) in a script of the pack.
pub const BROKEN_SCRIPT: (&str, &str, &str) = (
    "scripts/partner_active.rhai",
    "let p = partner(record.partner);",
    "let p = partner(record.partner;",
);
