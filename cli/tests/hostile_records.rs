//! Issue 11 through the command line: records a partner writes to slip past `pactum check`
//! (an empty input read as clean, an endless line, a violating sale under a near-miss kind).

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

/// `pactum check ARGS -` from the repository's root, `input` on standard input.
fn check(args: &[&str], input: &[u8]) -> Out {
    let args: Vec<&str> = ["check"]
        .into_iter()
        .chain(args.iter().copied())
        .chain(["-"])
        .collect();
    pactum_bytes(&root(), &args, Some(input))
}

// Attack: an empty input (or only blank lines) read as a clean batch, exit 0.
#[test]
fn no_records_and_no_as_of_exits_2_saying_so() {
    for input in [&b""[..], b"\n\n  \n"] {
        let out = check(&["--format", "json"], input);
        assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("no records read"), "{}", out.stderr);
    }
}

// An empty input as of a date: the partners that filed nothing are late.
#[test]
fn no_records_as_of_a_date_still_judges_cadence() {
    let out = check(&["--format", "json", "--as-of", "2026-03-31"], b"");
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert!(
        report["summary"]["by_rule"]["pipeline.cadence"].as_u64() > Some(0),
        "{}",
        report["summary"]
    );
}

// Attack: an endless line (`/dev/zero`), here 40 MiB against a 1 MiB limit.
#[test]
fn a_line_past_max_line_bytes_is_rejected_and_reading_goes_on() {
    let good = r#"{"id":"S-1","kind":"sale","date":"2026-01-05","partner":"P-DE-04","lines":[{"sku":"SEAL-200","qty":4,"unit_price":"90.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"PO-1","signed":true}]}"#;
    let mut input = vec![0u8; 40 << 20];
    input.push(b'\n');
    input.extend_from_slice(good.as_bytes());
    let out = check(&["--format", "json", "--max-line-bytes", "1048576"], &input);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["checked"], 1);
    assert_eq!(report["summary"]["rejected"], 1);
    let reason = report["rejected"][0]["reason"].as_str().unwrap();
    assert!(reason.contains("longer than the limit"), "{reason}");
}

// Attack: the issue's violating sale under `"kind": "Sale"` passed with exit 0.
#[test]
fn a_violating_sale_under_a_near_miss_kind_exits_1() {
    let sale = r#"{"id":"S-9","kind":"Sale","date":"2026-01-05","partner":"P-DE-04","lines":[{"sku":"SEAL-200","qty":4,"unit_price":"1.00","currency":"USD","source":"X-99"}]}"#;
    let out = check(&["--format", "text"], sale.as_bytes());
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("did you mean `sale`?"),
        "{}",
        out.stdout
    );
}
