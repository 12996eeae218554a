//! What the command-line tests share with the library's (see `tests/common` at the root):
//! the checkout's folders, the shipped pack and example data, and copies of them to edit.

use pactum::{Batch, Date, Pack, read_batch};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tempfile::TempDir;

/// The repository's root folder: the library package, where `rules/` and `examples/` are.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The shipped standard pack's folder.
pub fn pack_dir() -> PathBuf {
    root().join("rules")
}

/// The example reference data folder.
pub fn example_data_dir() -> PathBuf {
    root().join("examples").join("data")
}

/// The shipped standard pack.
pub fn std_pack() -> Pack {
    Pack::load(pack_dir()).unwrap_or_else(|e| panic!("the shipped pack must load: {e}"))
}

pub fn d(s: &str) -> Date {
    s.parse()
        .unwrap_or_else(|e| panic!("bad test date {s}: {e}"))
}

/// Reads a batch that must have no rejected records.
pub fn batch_of(text: &str) -> Batch {
    let batch = read_batch(text.as_bytes()).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    batch
}

/// A copy of the shipped pack with edits (`pactum_testkit::fixtures::pack_copy`).
pub fn pack_copy(edits: &[(&str, &str, &str)]) -> TempDir {
    pactum_testkit::fixtures::pack_copy(edits)
}

/// The line of `dir/file` holding `needle` (`pactum_testkit::fixtures::line_of`).
pub fn line_of(dir: &Path, file: &str, needle: &str) -> usize {
    pactum_testkit::fixtures::line_of(dir, file, needle)
}

/// The example reference data, written as CSV, ready for `RefData::load`.
pub fn example_csvs() -> Vec<(String, String)> {
    [
        "price_list.csv",
        "catalog.csv",
        "approved_sources.csv",
        "partners.csv",
        "installed_base.csv",
    ]
    .iter()
    .map(|f| {
        (
            f.to_string(),
            std::fs::read_to_string(example_data_dir().join(f)).unwrap(),
        )
    })
    .collect()
}

/// What a run of `pactum` gave.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `pactum ARGS` with `dir` as the working folder and `input` on standard input
/// (written from a thread: the command may stop reading, and exit, before its end).
pub fn pactum_bytes(dir: &Path, args: &[&str], input: Option<&[u8]>) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(args)
        .current_dir(dir)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let writer = input.map(|input| {
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        })
    });
    let out = child.wait_with_output().unwrap();
    if let Some(writer) = writer {
        let _ = writer.join();
    }
    Out {
        code: out.status.code().expect("exited by a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Runs `pactum ARGS` with `dir` as the working folder and `stdin` as its input.
pub fn pactum_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Out {
    pactum_bytes(dir, args, stdin.map(str::as_bytes))
}

/// Runs `pactum ARGS` from the repository's root (where its defaults find the examples).
pub fn pactum(args: &[&str], stdin: Option<&str>) -> Out {
    pactum_in(&root(), args, stdin)
}
