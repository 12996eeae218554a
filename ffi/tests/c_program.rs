//! The C test program `tests/c/decide.c`, compiled with `cc` against the library cargo built
//! for this test, linked both ways a C host links it (the shared library and the static
//! archive), and run: four threads deciding the example data's stories, a batch check, a
//! broken and a good reload. Under valgrind too (an ignored test `.ci/ffi.sh` runs): no
//! leak, no invalid access.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests: a failed step must stop the test loudly"
)]

#[expect(
    dead_code,
    reason = "each test binary uses a part of the shared support"
)]
mod common;

use common::{BROKEN_SCRIPT, pack_copy, root};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use tempfile::TempDir;

/// The folder holding this crate's shared library and static archive as cargo built them
/// for this test run.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    // `cargo test` builds the library with all its crate types next to this test binary, in
    // `deps/` (it copies them up to the profile folder only on `cargo build`).
    let deps = exe.parent().unwrap().to_path_buf();
    if has_libs(&deps) {
        return deps;
    }
    // A runner that built only the rlib: build the rest, same profile, and use the copies in
    // the profile folder.
    let profile = deps.parent().unwrap().to_path_buf();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = Command::new(cargo);
    build.args(["build", "-p", "pactum-ffi", "--lib"]);
    if profile.file_name().is_some_and(|p| p == "release") {
        build.arg("--release");
    }
    let status = build.current_dir(root()).status().unwrap();
    assert!(status.success(), "cargo build -p pactum-ffi failed");
    assert!(
        has_libs(&profile),
        "no {} and libpactum_c.a in {}",
        shared_lib_name(),
        profile.display()
    );
    profile
}

fn has_libs(dir: &Path) -> bool {
    dir.join(shared_lib_name()).exists() && dir.join("libpactum_c.a").exists()
}

fn shared_lib_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "libpactum_c.dylib"
    } else {
        "libpactum_c.so"
    }
}

/// Compiles `tests/c/decide.c` into `out` with `cc`, linking `link` after it.
fn compile(out: &Path, link: &[String]) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/c/decide.c");
    compile_source(&source, out, link);
}

/// Compiles the C file `source` into `out` with `cc` (warnings are errors), linking `link`
/// after it.
fn compile_source(source: &Path, out: &Path, link: &[String]) {
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("include");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let output = Command::new(&cc)
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-g", "-pthread"])
        .arg("-I")
        .arg(&include)
        .arg(source)
        .arg("-o")
        .arg(out)
        .args(link)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{cc}` (install a C compiler): {e}"));
    assert!(
        output.status.success(),
        "{cc} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The program, built against the shared library (found at run time through its rpath).
fn program_shared(dir: &TempDir) -> PathBuf {
    let lib = lib_dir();
    let out = dir.path().join("decide-shared");
    compile(
        &out,
        &[
            format!("-L{}", lib.display()),
            "-lpactum_c".to_owned(),
            format!("-Wl,-rpath,{}", lib.display()),
        ],
    );
    out
}

/// A copy of the shipped pack with a syntax error in a script.
fn broken_pack() -> TempDir {
    pack_copy(&[BROKEN_SCRIPT])
}

/// The program's arguments: the shipped pack and data, the example batch, the broken pack.
fn args(broken: &TempDir) -> Vec<PathBuf> {
    let root = root();
    vec![
        root.join("rules"),
        root.join("examples/data"),
        root.join("examples/records.jsonl"),
        broken.path().join("rules"),
    ]
}

fn report(what: &str, output: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Acceptance: the C program, linked to the shared library, decides from four threads,
/// checks a batch and reloads, and every check it makes passes.
#[test]
fn the_c_program_passes_against_the_shared_library() {
    let dir = TempDir::new().unwrap();
    let program = program_shared(&dir);
    let broken = broken_pack();
    let output = Command::new(&program).args(args(&broken)).output().unwrap();
    let text = report("decide (shared)", &output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("ok: 83 decisions from 4 threads"), "{text}");
}

/// The same program linked statically to `libpactum_c.a` passes too.
#[test]
fn the_c_program_passes_against_the_static_library() {
    let dir = TempDir::new().unwrap();
    let lib = lib_dir();
    let out = dir.path().join("decide-static");
    let mut link = vec![lib.join("libpactum_c.a").display().to_string()];
    // What a Rust static library needs from the system (`rustc --print native-static-libs`).
    link.extend(["-lpthread", "-ldl", "-lm"].map(str::to_owned));
    compile(&out, &link);
    let broken = broken_pack();
    let output = Command::new(&out).args(args(&broken)).output().unwrap();
    let text = report("decide (static)", &output);
    assert!(output.status.success(), "{text}");
}

/// Acceptance: under valgrind the program has no definite or indirect leak and no invalid
/// access (Rust's runtime may leave blocks "still reachable" at exit: not a leak). It takes
/// about 80 s, so `cargo test` leaves it to `.ci/ffi.sh`, which installs valgrind and runs
/// it with `--include-ignored`.
#[test]
#[ignore = "runs the C program under valgrind (80 s): .ci/ffi.sh runs it"]
fn the_c_program_runs_clean_under_valgrind() {
    let installed = Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        installed,
        "valgrind is not installed: .ci/ffi.sh installs it (apt-get install valgrind)"
    );
    let dir = TempDir::new().unwrap();
    let program = program_shared(&dir);
    let broken = broken_pack();
    let output = Command::new("valgrind")
        .args([
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--error-exitcode=1",
        ])
        .arg(&program)
        .args(args(&broken))
        .output()
        .unwrap();
    let text = report("valgrind decide", &output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The summary lines, for the log (`cargo test -- --nocapture` shows them).
    for line in stderr.lines().filter(|l| {
        [
            "ERROR SUMMARY",
            "definitely lost",
            "indirectly lost",
            "possibly lost",
            "still reachable",
            "in use at exit",
        ]
        .iter()
        .any(|k| l.contains(k))
    }) {
        println!("{line}");
    }
    assert!(output.status.success(), "{text}");
    assert!(stderr.contains("ERROR SUMMARY: 0 errors"), "{text}");
    // A leak-free run either lists no leak at all or lists zero definite and indirect bytes.
    for kind in ["definitely lost", "indirectly lost"] {
        let line = stderr.lines().find(|l| l.contains(kind));
        assert!(
            line.is_none_or(|l| l.contains(&format!("{kind}: 0 bytes"))),
            "{text}"
        );
    }
}

/// The C snippet of `docs/c.md` compiles and runs from the repository's root: the sale below
/// list price it decides is held.
#[test]
fn the_snippet_in_docs_c_md_runs() {
    let doc = std::fs::read_to_string(root().join("docs/c.md")).unwrap();
    let start = doc.find("```c\n").unwrap() + "```c\n".len();
    let len = doc[start..].find("```").unwrap();
    let dir = TempDir::new().unwrap();
    let source = dir.path().join("snippet.c");
    std::fs::write(&source, &doc[start..start + len]).unwrap();
    let lib = lib_dir();
    let out = dir.path().join("snippet");
    compile_source(
        &source,
        &out,
        &[
            format!("-L{}", lib.display()),
            "-lpactum_c".to_owned(),
            format!("-Wl,-rpath,{}", lib.display()),
        ],
    );
    let output = Command::new(&out).current_dir(root()).output().unwrap();
    let text = report("docs/c.md snippet", &output);
    assert!(output.status.success(), "{text}");
    assert!(text.contains("\"verdict\":\"hold\""), "{text}");
}
