//! Inputs the fuzz targets in `fuzz/` (see `fuzz/README.md`) found to crash or hang the
//! library, each kept as a test so it stays fixed.

use crate::common::*;
use pactum::{Engine, Pack, RefData, Verdict};
use std::sync::mpsc;
use std::time::Duration;

/// A script rule whose script is `check.rhai`.
const SCRIPT_RULE: &str = "[[rule]]\nid = \"fuzz.script\"\ntitle = \"t\"\nseverity = \"error\"\n\
                           check = \"script\"\n[rule.params]\nfile = \"check.rhai\"\n";

/// Loads a pack of `rules` (and `files`) over the example data and checks one example sale
/// on another thread; `None` when it has not returned after 10 seconds (a hang).
fn check_or_hang(rules: &str, files: &[(&str, &str)]) -> Option<Verdict> {
    let mut tree = vec![
        ("pack.toml", "name = \"fuzz\"\nversion = \"1\"\n"),
        ("rules.toml", rules),
    ];
    tree.extend_from_slice(files);
    let dir = write_tree(&tree);
    let pack = Pack::load(dir.path()).unwrap_or_else(|e| panic!("the pack must load: {e}"));
    let engine = Engine::new(pack, RefData::load(example_data_dir()).unwrap()).unwrap();
    let record = sale(
        "S-1",
        "P-DE-04",
        "2026-03-14",
        vec![line("SEAL-200", "90.00", "USD")],
    );
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(engine.check(&record));
    });
    receive.recv_timeout(Duration::from_secs(10)).ok()
}

/// A script that calls `sleep` with the largest integer: one operation, so no operation
/// limit stops it. It must end at once as a rule error.
#[test]
fn a_script_that_sleeps_does_not_hang_the_engine() {
    let verdict = check_or_hang(
        SCRIPT_RULE,
        &[(
            "check.rhai",
            "fn check(record) { sleep(9223372036854775807); finding(\"slept\") }",
        )],
    )
    .expect("checking one record with a sleeping script must return");
    // Returning is the fix; passing silently is not.
    assert!(
        !verdict.findings.is_empty() || !verdict.rule_errors.is_empty(),
        "{verdict:?}"
    );
}

/// The same hang through a `condition` rule's `when`, which runs in the same sandbox.
#[test]
fn a_condition_that_sleeps_does_not_hang_the_engine() {
    let rules = "[[rule]]\nid = \"fuzz.condition\"\ntitle = \"t\"\nseverity = \"error\"\n\
                 check = \"condition\"\n[rule.params]\n\
                 when = \"sleep(9223372036854775807) == ()\"\nmessage = \"slept\"\n";
    let verdict = check_or_hang(rules, &[])
        .expect("checking one record with a sleeping condition must return");
    assert!(
        !verdict.findings.is_empty() || !verdict.rule_errors.is_empty(),
        "{verdict:?}"
    );
}
