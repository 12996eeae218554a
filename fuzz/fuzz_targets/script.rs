//! Rhai policies run against records. The first byte picks the shape: a script rule
//! (`fn check(record) { BODY }`), a `condition` rule, or an `each_line` condition; the
//! rest is the policy text, then optionally a line `---` and records (JSON Lines) to run
//! it on; without records, or when none read, the example records of each kind are used.
//! The pack has small limits and `max_call_ms = 100`: a script error, a broken limit or a
//! policy that does not compile is fine; a panic, an abort, an out-of-memory or a hang
//! (run with `-timeout=10`) is not.
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
max_call_ms = 100
"#;

const SCRIPT_RULE: &str = r#"[[rule]]
id = "fuzz.script"
title = "fuzzed script"
severity = "error"
check = "script"
[rule.params]
file = "check.rhai"
"#;

/// A TOML basic string holding `text`.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn condition_rule(when: &str, each_line: bool) -> String {
    format!(
        "[[rule]]\nid = \"fuzz.condition\"\ntitle = \"fuzzed condition\"\nseverity = \"error\"\n\
         check = \"condition\"\n[rule.params]\nwhen = {}\nmessage = \"${{record.id}} {}\"\n\
         each_line = {each_line}\n",
        toml_string(when),
        if each_line { "${line.sku} ${index}" } else { "" },
    )
}

fuzz_target!(|data: &[u8]| {
    let Some((&shape, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (policy, records) = match text.split_once("\n---\n") {
        Some((policy, records)) => (policy, Some(records)),
        None => (&*text, None),
    };
    let dir = common::scratch();
    common::write(&dir.path().join("pack.toml"), MANIFEST.as_bytes());
    match shape % 3 {
        0 => {
            let script = format!("fn check(record) {{\n{policy}\n}}\n");
            common::write(&dir.path().join("rules.toml"), SCRIPT_RULE.as_bytes());
            common::write(&dir.path().join("check.rhai"), script.as_bytes());
        }
        n => {
            let rule = condition_rule(policy, n == 2);
            common::write(&dir.path().join("rules.toml"), rule.as_bytes());
        }
    }
    let Ok(pack) = pactum::Pack::load(dir.path()) else {
        return;
    };
    let batch = records.and_then(|r| pactum::read_batch(r.as_bytes()).ok());
    match batch {
        Some(batch) if !batch.records.is_empty() => common::check_records(pack, &batch.records),
        _ => common::check_samples(pack),
    }
});
