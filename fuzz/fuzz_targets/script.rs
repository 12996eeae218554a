//! Rhai scripts: the bytes (UTF-8, lossily) as the body of `fn check(record) { ... }` in a
//! pack with small limits. A script that compiles is run on a few example records and must
//! return: a script error or a broken limit is a rule error, never a panic or a hang (run
//! with `-timeout=10`).
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

const MANIFEST: &str = r#"name = "fuzz"
version = "0.0.0"
description = "fuzz"
[limits]
max_operations = 10000
max_call_levels = 16
max_string_size = 1024
max_array_size = 100
max_map_size = 100
max_findings_per_record = 50
"#;

const RULES: &str = r#"[[rule]]
id = "fuzz.script"
title = "fuzzed script"
severity = "error"
check = "script"
[rule.params]
file = "check.rhai"
"#;

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    let script = format!("fn check(record) {{\n{body}\n}}\n");
    let dir = common::scratch();
    common::write(&dir.path().join("pack.toml"), MANIFEST.as_bytes());
    common::write(&dir.path().join("rules.toml"), RULES.as_bytes());
    common::write(&dir.path().join("check.rhai"), script.as_bytes());
    if let Ok(pack) = pactum::Pack::load(dir.path()) {
        common::check_samples(pack);
    }
});
