//! Issue 16: records read as CSV give the report JSON Lines give; the progress bar writes
//! nothing where no one watches.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[expect(
    dead_code,
    reason = "the helpers are shared with the other test binaries"
)]
mod common;

use common::*;
use serde_json::Value;

fn json_report(args: &[&str]) -> Value {
    let out = pactum(args, None);
    assert_eq!(out.code, 1, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

#[test]
fn the_example_records_give_the_same_report_as_csv_and_as_json_lines() {
    let jsonl = json_report(&["check", "--format", "json", "examples/records.jsonl"]);
    let csv = json_report(&["check", "--format", "json", "examples/records.csv"]);
    // Nothing differs, not even a line number: the findings name records and their lines
    // of goods, never the input's lines, and no record of the examples is rejected.
    assert_eq!(csv, jsonl);
    assert_eq!(csv["summary"]["read"], 83);
    assert!(csv["violations"].as_array().unwrap().len() > 10);
}

#[test]
fn csv_on_standard_input_is_read_when_said_so() {
    let text = std::fs::read_to_string(root().join("examples/records.csv")).unwrap();
    let args = ["check", "--format", "json", "--input-format", "csv", "-"];
    let out = pactum(&args, Some(&text));
    assert_eq!(out.code, 1, "{}", out.stderr);
    let csv: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        csv,
        json_report(&["check", "--format", "json", "examples/records.jsonl"])
    );
    // Without `--input-format`, standard input is JSON: the CSV is all rejected.
    let out = pactum(&["check", "--format", "json", "-"], Some(&text));
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["summary"]["checked"], 0);
}

#[test]
fn a_rejected_csv_record_is_listed_with_its_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders.csv");
    std::fs::write(
        &file,
        "id,kind,date,partner,sku,qty,unit_price,currency,source\n\
         S-1,sale,2026-03-14,P-SI-07,SEAL-200,4,90.00,USD,oem\n\
         S-2,sale,2026-03-14,P-SI-07,SEAL-200,4,90.00,USD,oem\n\
         S-2,sale,2026-03-14,P-SI-07,FILTER-5,four,25.00,USD,oem\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let out = pactum(&["check", "--format", "json", file], None);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["read"], 2, "{}", out.stderr);
    assert_eq!(report["summary"]["rejected"], 1);
    let rejected = &report["rejected"][0];
    assert_eq!(rejected["line"], 4);
    assert_eq!(rejected["id"], "S-2");
    assert_eq!(
        rejected["reason"],
        "field `qty`: expected a whole number other than 0, but found `four`"
    );
    // `explain` reads the same file the same way.
    let out = pactum(
        &[
            "explain",
            "--rule",
            "price.min-list",
            "--record",
            "S-1",
            file,
        ],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("SEAL-200"), "{}", out.stdout);
}

#[test]
fn a_bad_csv_header_stops_the_run_naming_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("orders.csv");
    std::fs::write(&file, "id,kind,partner,sku\nS-1,sale,P-1,A\n").unwrap();
    let out = pactum(&["check", file.to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("orders.csv:line 1, column 5: the header has no `date` column"),
        "{}",
        out.stderr
    );
}

#[test]
fn no_progress_is_drawn_off_a_terminal_or_when_quiet() {
    for quiet in [false, true] {
        for file in ["examples/records.jsonl", "examples/records.csv"] {
            let mut args = vec!["check", "--format", "json", file];
            if quiet {
                args.push("--quiet");
            }
            let out = pactum(&args, None);
            assert_eq!(out.code, 1);
            assert_eq!(out.stderr, "", "{args:?}");
            assert!(!out.stdout.is_empty());
        }
    }
}
