//! The committed header `include/pactum.h` is what cbindgen generates from `src/lib.rs`
//! today: CI fails when a change to the C API left it stale.

#![expect(
    clippy::unwrap_used,
    reason = "tests: a failed step must stop the test loudly"
)]

use std::path::Path;

/// The header cbindgen generates now from `src/lib.rs` and `cbindgen.toml`.
fn generated() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).unwrap();
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .unwrap();
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn the_committed_header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/pactum.h");
    let fresh = generated();
    if std::env::var_os("PACTUM_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "ffi/include/pactum.h is stale: regenerate it with `PACTUM_BLESS=1 cargo test -p pactum-ffi --test header` and commit it"
    );
}

/// The header declares exactly the functions of the issue, with their C signatures.
#[test]
fn the_header_declares_the_c_api() {
    let header = generated();
    for signature in [
        "pactum_engine *pactum_engine_new(const char *rules_dir, const char *data_dir, char **error);",
        "char *pactum_decide(pactum_engine *engine, const char *record_json, size_t len);",
        "char *pactum_check_batch(pactum_engine *engine, const char *jsonl, size_t len, const char *as_of);",
        "int pactum_reload(pactum_engine *engine, const char *rules_dir, const char *data_dir, char **error);",
        "void pactum_string_free(char *s);",
        "void pactum_engine_free(pactum_engine *engine);",
        "typedef struct pactum_engine pactum_engine;",
        "#include <stddef.h>",
    ] {
        assert!(
            header.contains(signature),
            "missing {signature:?} in:\n{header}"
        );
    }
}
