//! `pactum gate` (issue 12): decisions one line at a time on standard input, against a
//! history file, each answer one JSON decision record, flushed as it is made.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[expect(
    dead_code,
    reason = "the helpers are shared with the other test binary"
)]
mod common;

use common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

const UPDATE: &str = r#"{"id": "U-1", "kind": "pipeline_update", "date": "2026-03-01", "partner": "P-SA-06", "opportunity": "OPP-9", "stage": "qualified"}"#;

fn sale(id: &str, date: &str) -> String {
    format!(
        r#"{{"id": "{id}", "kind": "sale", "date": "{date}", "partner": "P-SA-06", "opportunity": "OPP-9", "lines": [{{"sku": "SEAL-200", "qty": 1, "unit_price": "90.00", "currency": "USD", "source": "oem"}}], "documents": [{{"kind": "purchase_order", "signed": true}}]}}"#
    )
}

/// Runs `pactum gate ARGS` from the checkout with `stdin`; exit code and output lines.
fn gate(args: &[&str], stdin: &str) -> (i32, Vec<Value>, String) {
    let args: Vec<&str> = ["gate"].into_iter().chain(args.iter().copied()).collect();
    let out = pactum_in(&root(), &args, Some(stdin));
    let lines = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.code, lines, out.stderr)
}

fn history(lines: &[&str]) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    for l in lines {
        writeln!(file, "{l}").unwrap();
    }
    file
}

fn rules(decision: &Value) -> Vec<&str> {
    decision["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

/// Acceptance: with the opportunity first reported 3 days before in the history, the sale
/// is held for `pipeline.registered-before-sale`; 10 days after, accepted. One line per
/// input line, in input order, exit 0.
#[test]
fn gate_holds_a_sale_registered_three_days_before_and_accepts_ten_days_after() {
    let h = history(&[UPDATE]);
    let path = h.path().to_str().unwrap();
    let input = format!(
        "{}\n\n{}\nnot json\n",
        sale("S-1", "2026-03-04"),
        sale("S-2", "2026-03-11")
    );
    let (code, lines, stderr) = gate(&["--history", path], &input);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(lines.len(), 3, "blank lines get no decision: {lines:?}");
    assert_eq!(lines[0]["record"], "S-1");
    assert_eq!(lines[0]["verdict"], "hold");
    assert!(
        rules(&lines[0]).contains(&"pipeline.registered-before-sale"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1]["record"], "S-2");
    assert_eq!(lines[1]["verdict"], "accept", "{}", lines[1]);
    assert_eq!(lines[2]["record"], Value::Null);
    assert_eq!(lines[2]["verdict"], "reject");
    let keys: Vec<&str> = lines[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, pactum_testkit::fixtures::DECISION_KEYS);
    // Without the history, the opportunity was never reported.
    let (_, lines, _) = gate(&[], &sale("S-2", "2026-03-11"));
    assert_eq!(lines[0]["verdict"], "hold");
}

/// Acceptance: decisions under packs differing by one byte of one script carry different
/// `pack.hash` values; the same pack gives the same hash from the binary and from a folder.
#[test]
fn gate_names_the_pack_hash_and_one_byte_changes_it() {
    let copy = pack_copy(&[]);
    let edited = pack_copy(&[]);
    let script = edited.path().join("scripts").join("partner_active.rhai");
    let text = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, format!("{text}\n")).unwrap();
    let s = sale("S-1", "2026-03-11");
    let (_, a, _) = gate(&["--rules", copy.path().to_str().unwrap()], &s);
    let (_, b, _) = gate(&["--rules", edited.path().to_str().unwrap()], &s);
    let (_, built_in, _) = gate(&[], &s);
    assert_ne!(a[0]["pack"]["hash"], b[0]["pack"]["hash"]);
    assert_eq!(a[0]["pack"]["hash"], std_pack().hash());
    assert_eq!(built_in[0]["pack"]["hash"], std_pack().hash());
    assert!(
        a[0]["data"]["hash"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );
}

/// Each decision is written (flushed) before the next line is read, so a host can pipe
/// one order at a time and wait for its answer.
#[test]
fn gate_answers_each_line_before_the_next_arrives() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .arg("gate")
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    for id in ["S-1", "S-2"] {
        writeln!(stdin, "{}", sale(id, "2026-03-11")).unwrap();
        stdin.flush().unwrap();
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["record"], id);
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

/// A pack or data that cannot load: exit 2, nothing decided.
#[test]
fn gate_exits_2_when_the_pack_or_data_cannot_load() {
    let (code, lines, stderr) = gate(&["--rules", "no-such-pack"], &sale("S-1", "2026-03-11"));
    assert_eq!(code, 2);
    assert!(lines.is_empty());
    assert!(stderr.contains("no-such-pack"), "{stderr}");
    let (code, _, _) = gate(&["--data", "no-such-data"], "");
    assert_eq!(code, 2);
    let (code, _, _) = gate(&["--history", "no-such-history.jsonl"], "");
    assert_eq!(code, 2);
}
