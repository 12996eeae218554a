//! The `pactum` command line, run as a process: from the repository's root (so its
//! defaults find the example data), and from an empty folder as an installed binary is.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use pactum::{Pack, PartnerType, RefData, Severity};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

const SEVEN: [&str; 7] = [
    "price.min-list",
    "price.no-list-price",
    "parts.genuine",
    "pipeline.cadence",
    "pipeline.registered-before-sale",
    "docs.required",
    "docs.agreement-on-file",
];

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect()
}

fn set<'a>(names: &[&'a str]) -> BTreeSet<&'a str> {
    names.iter().copied().collect()
}

/// How many records `examples/records.jsonl` holds, and its latest date (the default
/// as-of date), computed so the tests keep up with the example data.
fn example_records() -> (usize, String) {
    let text = std::fs::read_to_string(root().join("examples/records.jsonl")).unwrap();
    let batch = batch_of(&text);
    let latest = batch.records.iter().map(|r| r.date).max().unwrap();
    (batch.records.len(), latest.to_string())
}

#[test]
fn check_with_defaults_finds_all_seven_standard_rules() {
    let out = pactum(&["check"], None);
    assert_eq!(out.code, 1, "{}", out.stderr);
    // A finding line reads `  error   price.min-list  S-0702 item 1  2026-03-14`.
    let found: BTreeSet<&str> = out
        .stdout
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let severity = words.next()?;
            let rule = words.next()?;
            ["error", "warning"].contains(&severity).then_some(rule)
        })
        .collect();
    // The pack may grow (the `partner.*` scripts); these seven must all be found.
    assert!(found.is_superset(&set(&SEVEN)), "{found:?}");
    let (n, latest) = example_records();
    assert!(
        out.stdout.contains(&format!("as of {latest}")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains(&format!("records: {n} read, {n} checked, 0 rejected")),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(
        "sold SEAL-200 at 81.00 USD, 10% below the list price of 90.00 USD in force on 2026-03-14"
    ));
}

#[test]
fn json_report_has_the_documented_shape() {
    let out = pactum(&["check", "--format", "json"], None);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    // DESIGN's five keys, then the analytics issue's scorecard, region table, peer groups
    // and the partners the aggregate rules left out; then the credit notes not netted, and
    // the price profiles and pipeline timelines the HTML report charts.
    assert_eq!(
        keys(&report),
        set(&[
            "as_of",
            "summary",
            "violations",
            "rejected",
            "rule_errors",
            "partners",
            "regions",
            "peer_groups",
            "left_out",
            "unmatched_credit_notes",
            "prices",
            "pipelines",
            "pack",
            "data"
        ])
    );
    let (n, latest) = example_records();
    assert_eq!(report["as_of"], latest.as_str());
    let summary = &report["summary"];
    assert_eq!(
        keys(summary),
        set(&[
            "read",
            "checked",
            "deferred",
            "rejected",
            "violations",
            "rule_errors",
            "by_rule",
            "by_severity",
            "unknown_kinds",
            "rejected_not_listed",
            "currency",
            "money_at_stake",
            "money_by_rule"
        ])
    );
    assert_eq!(summary["read"], n);
    assert_eq!(summary["checked"], n);
    assert_eq!(summary["rejected"], 0);
    // Every rule of the shipped pack runs on the example data.
    assert_eq!(summary["rule_errors"], 0);
    assert!(keys(&summary["by_rule"]).is_superset(&set(&SEVEN)));
    let violations = report["violations"].as_array().unwrap();
    assert_eq!(summary["violations"], violations.len());
    let always = set(&[
        "rule", "title", "severity", "record", "line", "date", "partner", "message", "expected",
        "actual",
    ]);
    for v in violations {
        // `code` only where the rule gives one (the 901 reject reason of a claim); `sku`
        // on a line, `customer` where the record names one, `amount` where money is at
        // stake.
        let mut expected = always.clone();
        if v["rule"] == "claim.valid" {
            expected.insert("code");
        }
        if !v["line"].is_null() {
            expected.insert("sku");
        }
        let priced = ["price.min-list", "price.net-below-list", "parts.genuine"];
        // A claim line rejected for several reasons carries its money on the first.
        if priced.iter().any(|r| v["rule"] == *r)
            || (v["rule"] == "claim.valid" && v["amount"].is_string())
        {
            expected.insert("amount");
        }
        if v["customer"].is_string() {
            expected.insert("customer");
        }
        assert_eq!(keys(v), expected, "{v}");
    }
    // A partner-level finding has a null record; a line finding a 0-based index.
    assert!(
        violations
            .iter()
            .any(|v| v["rule"] == "pipeline.cadence" && v["record"].is_null())
    );
    let cheap = violations
        .iter()
        .find(|v| v["record"] == "S-0702" && v["rule"] == "price.min-list")
        .unwrap();
    assert_eq!(
        (&cheap["line"], &cheap["expected"], &cheap["actual"]),
        (
            &Value::from(0),
            &Value::from("90.00"),
            &Value::from("81.00")
        )
    );
    let by_severity = &summary["by_severity"];
    // The EU reseller's margin analysis is `info`.
    let total: u64 = ["error", "warning", "info"]
        .iter()
        .map(|s| by_severity[s].as_u64().unwrap())
        .sum();
    assert_eq!(total, violations.len() as u64);
}

#[test]
fn jsonl_ends_with_the_summary() {
    let out = pactum(&["check", "--format", "jsonl"], None);
    assert_eq!(out.code, 1);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "summary");
    assert_eq!(last["as_of"], example_records().1.as_str());
    assert_eq!(
        lines.iter().filter(|l| l["type"] == "violation").count() as u64,
        last["violations"].as_u64().unwrap()
    );
}

/// JSON Lines are written as blocks are judged, so their order is the blocks' and not the
/// report's; the violations are those of the JSON report, each once.
#[test]
fn jsonl_lists_the_violations_of_the_json_report() {
    let lines = pactum(&["check", "--format", "jsonl"], None);
    let json: Value =
        serde_json::from_str(&pactum(&["check", "--format", "json"], None).stdout).unwrap();
    let key = |v: &Value| serde_json::to_string(v).unwrap();
    let mut streamed: Vec<String> = lines
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["type"] == "violation")
        .map(|mut l| {
            l.as_object_mut().unwrap().remove("type");
            key(&l)
        })
        .collect();
    let mut kept: Vec<String> = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(key)
        .collect();
    streamed.sort();
    kept.sort();
    assert!(!kept.is_empty());
    assert_eq!(streamed, kept);
}

/// One sale by a dealer of a genuine catalog part that has no list price: only a
/// `price.no-list-price` warning. (On a one-day batch no cadence gap can open.)
const ONLY_A_WARNING: &str = r#"{"id":"S-1","kind":"sale","date":"2026-03-10","partner":"P-DE-04","lines":[{"sku":"CONTROLLER-X","qty":1,"unit_price":"4800.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"PO-1","signed":true}]}"#;

#[test]
fn fail_on_sets_the_severity_that_fails_the_run() {
    let json = pactum(&["check", "--format", "json", "-"], Some(ONLY_A_WARNING));
    let report: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        report["summary"]["by_severity"],
        serde_json::json!({"warning": 1})
    );
    assert_eq!(report["violations"][0]["rule"], "price.no-list-price");
    assert_eq!(
        json.code, 0,
        "a warning does not fail the default --fail-on error"
    );
    assert_eq!(
        pactum(&["check", "--fail-on", "error", "-"], Some(ONLY_A_WARNING)).code,
        0
    );
    assert_eq!(
        pactum(
            &["check", "--fail-on", "warning", "-"],
            Some(ONLY_A_WARNING)
        )
        .code,
        1
    );
    assert_eq!(
        pactum(&["check", "--fail-on", "info", "-"], Some(ONLY_A_WARNING)).code,
        1
    );
}

#[test]
fn a_clean_batch_exits_0_even_with_fail_on_info() {
    let clean = ONLY_A_WARNING
        .replace("CONTROLLER-X", "PUMP-10")
        .replace("4800.00", "1200.00");
    let out = pactum(&["check", "--fail-on", "info", "-"], Some(&clean));
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("No findings."));
}

#[test]
fn records_are_read_from_stdin_with_a_dash() {
    let input = format!("{ONLY_A_WARNING}\nnot json\n");
    let out = pactum(&["check", "--format", "json", "-"], Some(&input));
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["read"], 2);
    assert_eq!(report["summary"]["checked"], 1);
    assert_eq!(report["rejected"][0]["line"], 2);
    assert_eq!(report["as_of"], "2026-03-10");
}

#[test]
fn as_of_moves_the_end_of_the_cadence_window() {
    let at = |date: &str| {
        let out = pactum(
            &["check", "--format", "json", "--as-of", date, "-"],
            Some(ONLY_A_WARNING),
        );
        let report: Value = serde_json::from_str(&out.stdout).unwrap();
        report["summary"]["by_rule"]["pipeline.cadence"]
            .as_u64()
            .unwrap_or(0)
    };
    assert_eq!(at("2026-04-09"), 0, "30 days after the batch's only date");
    // One gap for every active reporting partner of the example data.
    let data = RefData::load(example_data_dir()).unwrap();
    let reporting = data
        .partners()
        .iter()
        .filter(|p| p.status == "active")
        .filter(|p| [PartnerType::SalesAgent, PartnerType::Distributor].contains(&p.partner_type))
        .filter(|p| p.contract_signed.is_none_or(|c| c <= d("2026-03-10")))
        .count();
    assert!(reporting > 0);
    assert_eq!(at("2026-04-10"), reporting as u64);
}

#[test]
fn bad_usage_exits_2() {
    let missing = pactum(&["check", "no-such-records.jsonl"], None);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("cannot read records from `no-such-records.jsonl`"),
        "{}",
        missing.stderr
    );
    let bad_date = pactum(&["check", "--as-of", "2026-02-30"], None);
    assert_eq!(bad_date.code, 2);
    assert!(
        bad_date.stderr.contains("there is no such day"),
        "{}",
        bad_date.stderr
    );
    let flag = pactum(&["check", "--no-such-flag"], None);
    assert_eq!(flag.code, 2);
    assert!(flag.stderr.contains("--no-such-flag"), "{}", flag.stderr);
    assert_eq!(pactum(&["check", "--format", "xml"], None).code, 2);
    assert_eq!(pactum(&["frobnicate"], None).code, 2);
    assert!(pactum(&["check"], None).stderr.is_empty());
}

#[test]
fn validate_accepts_the_shipped_pack() {
    let out = pactum(&["validate", "rules"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("rules, no problems"), "{}", out.stdout);
    assert_eq!(pactum(&["validate"], None).code, 0);
    // The same pack through the library: the seven core rules with their documented
    // severities (only `price.no-list-price` is a warning).
    let pack = std_pack();
    for id in SEVEN {
        let rule = pack.rules().iter().find(|r| r.id == id).unwrap();
        let severity = if id == "price.no-list-price" {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert_eq!(rule.severity, severity, "{id}");
    }
}

/// The shipped pack with a misspelled key in one file and an unknown check kind in another.
fn broken_pack() -> tempfile::TempDir {
    pack_copy(&[
        ("price.toml", "severity = \"error\"", "severty = \"error\""),
        (
            "parts.toml",
            "check = \"genuine-parts\"",
            "check = \"genuine-partz\"",
        ),
    ])
}

#[test]
fn validate_reports_every_mistake_with_file_line_and_column() {
    let pack = broken_pack();
    let severty = line_of(pack.path(), "price.toml", "severty");
    let check = line_of(pack.path(), "parts.toml", "genuine-partz");
    let out = pactum(&["validate", pack.path().to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    let err = &out.stderr;
    // The key starts the line; the check kind's value starts after `check = `.
    assert!(
        err.contains(&format!("price.toml:{severty}:1: unknown field `severty`")),
        "{err}"
    );
    assert!(err.contains("did you mean `severity`?"), "{err}");
    assert!(
        err.contains(&format!(
            "parts.toml:{check}:9: unknown check kind `genuine-partz`"
        )),
        "{err}"
    );
    assert!(err.contains("did you mean `genuine-parts`?"), "{err}");
    assert!(err.contains("2 problems found"), "{err}");
}

#[test]
fn pack_load_lists_both_mistakes_with_locations_and_hints() {
    let pack = broken_pack();
    let err = Pack::load(pack.path()).unwrap_err();
    let found: Vec<(String, usize, usize, Option<&str>)> = err
        .diagnostics()
        .iter()
        .map(|d| {
            let loc = d.location();
            let file = loc
                .file()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (file, loc.line(), loc.column(), d.help())
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "parts.toml".to_owned(),
                line_of(pack.path(), "parts.toml", "genuine-partz"),
                9,
                Some("did you mean `genuine-parts`?")
            ),
            (
                "price.toml".to_owned(),
                line_of(pack.path(), "price.toml", "severty"),
                1,
                Some("did you mean `severity`?")
            ),
        ]
    );
}

#[test]
fn a_duplicate_rule_id_reports_both_places() {
    let pack = pack_copy(&[]);
    std::fs::write(
        pack.path().join("extra.toml"),
        "[[rule]]\nid = \"docs.required\"\ntitle = \"Again\"\nseverity = \"error\"\ncheck = \"genuine-parts\"\n",
    )
    .unwrap();
    let first = line_of(pack.path(), "docs.toml", "id = \"docs.required\"");
    let out = pactum(&["validate", pack.path().to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("extra.toml:2:6: duplicate rule id `docs.required`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(
            "first defined at {}:{first}:6",
            pack.path().join("docs.toml").display()
        )),
        "{}",
        out.stderr
    );

    let err = Pack::load(pack.path()).unwrap_err();
    assert_eq!(err.diagnostics().len(), 1);
    let (related, what) = err.diagnostics()[0].related().unwrap();
    assert_eq!(what, "first defined");
    assert_eq!((related.line(), related.column()), (first, 6));
    assert!(related.file().ends_with("docs.toml"));
}

#[test]
fn a_duplicate_rule_id_in_one_file_shows_both_lines() {
    let pack = pack_copy(&[]);
    let path = pack.path().join("price.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n[[rule]]\nid = \"price.min-list\"\ntitle = \"Again\"\nseverity = \"error\"\ncheck = \"genuine-parts\"\n");
    std::fs::write(&path, &text).unwrap();
    let first = line_of(pack.path(), "price.toml", "id = \"price.min-list\"");
    let second = text.lines().count() - 3;
    let out = pactum(&["validate", pack.path().to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains(&format!(
            "price.toml:{second}:6: duplicate rule id `price.min-list`"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("price.toml:{first}:6]")),
        "the first definition is shown: {}",
        out.stderr
    );
    assert!(out.stderr.contains("first defined"), "{}", out.stderr);
}

/// The example data in a temporary folder, less `drop`, with `edit` applied to price_list.csv.
fn data_copy(drop: &str, edit: (&str, &str)) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    for (name, text) in example_csvs() {
        if name == drop {
            continue;
        }
        let text = if name == "price_list.csv" {
            assert!(text.contains(edit.0));
            text.replacen(edit.0, edit.1, 1)
        } else {
            text
        };
        std::fs::write(dir.path().join(&name), text).unwrap();
    }
    dir
}

#[test]
fn bad_reference_data_exits_2_naming_file_line_and_column() {
    // A comma decimal must be quoted in CSV to stay one field.
    let data = data_copy("catalog.csv", ("PUMP-10,1200.00,", "PUMP-10,\"12,50\","));
    let row = line_of(data.path(), "price_list.csv", "\"12,50\"");
    let out = pactum(&["check", "--data", data.path().to_str().unwrap()], None);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout.is_empty(),
        "no report on bad data: {}",
        out.stdout
    );
    let err = &out.stderr;
    assert!(
        err.contains(&format!(
            "price_list.csv:{row}:2: column `list_price`: expected a decimal number like `12.50`, but found `12,50`"
        )),
        "{err}"
    );
    assert!(err.contains("catalog.csv"), "{err}");
    assert!(
        err.contains("required reference file `catalog.csv` is missing"),
        "{err}"
    );
    assert!(err.contains("2 problems found"), "{err}");

    let loaded = RefData::load(data.path()).unwrap_err();
    let bad_row = loaded
        .diagnostics()
        .iter()
        .find(|d| d.message().starts_with("column `list_price`"))
        .unwrap();
    assert_eq!(
        (bad_row.location().line(), bad_row.location().column()),
        (row, 2)
    );
}

#[test]
fn bad_rules_and_bad_data_are_reported_together() {
    let pack = broken_pack();
    let data = data_copy("partners.csv", ("", ""));
    let out = pactum(
        &[
            "check",
            "--rules",
            pack.path().to_str().unwrap(),
            "--data",
            data.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown field `severty`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("required reference file `partners.csv` is missing"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_rule_that_fails_to_run_is_counted_and_never_reads_as_a_pass() {
    let pack = pack_copy(&[]);
    std::fs::write(
        pack.path().join("broken.toml"),
        "[[rule]]\nid = \"x.broken\"\ntitle = \"Broken\"\nseverity = \"error\"\n\
         check = \"condition\"\n[rule.params]\nwhen = \"record.no_such_field > 0\"\nmessage = \"never\"\n",
    )
    .unwrap();
    let clean = ONLY_A_WARNING
        .replace("CONTROLLER-X", "PUMP-10")
        .replace("4800.00", "1200.00");
    let rules = pack.path().to_str().unwrap();
    let out = pactum(
        &["check", "--rules", rules, "--format", "json", "-"],
        Some(&clean),
    );
    assert_eq!(
        out.code, 1,
        "no findings, but a rule could not judge: {}",
        out.stdout
    );
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["violations"], 0);
    assert_eq!(report["summary"]["rule_errors"], 1);
    let error = &report["rule_errors"][0];
    assert_eq!(keys(error), set(&["rule", "record", "reason"]));
    assert_eq!(
        (&error["rule"], &error["record"]),
        (&Value::from("x.broken"), &Value::from("S-1"))
    );
    let text = pactum(&["check", "--rules", rules, "-"], Some(&clean));
    assert!(text.stdout.contains("rule errors: 1"), "{}", text.stdout);
    assert!(!text.stdout.contains("No findings."), "{}", text.stdout);
}

/// Every `(path, contents)` under `dir`, sorted, with `/`-separated relative paths.
fn tree(dir: &Path) -> Vec<(String, String)> {
    fn walk(base: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, files);
            } else {
                let relative = path.strip_prefix(base).unwrap();
                let name: Vec<_> = relative.iter().map(|c| c.to_str().unwrap()).collect();
                files.push((name.join("/"), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, dir, &mut files);
    files.sort();
    files
}

#[test]
fn from_an_empty_folder_the_embedded_pack_checks_a_records_file() {
    let empty = tempfile::tempdir().unwrap();
    let data = example_data_dir();
    let records = root().join("examples/records.jsonl");
    let (data, records) = (data.to_str().unwrap(), records.to_str().unwrap());
    for format in ["text", "json", "jsonl"] {
        let outside = pactum_in(
            empty.path(),
            &["check", "--format", format, "--data", data, records],
            None,
        );
        let inside = pactum(&["check", "--format", format], None);
        assert_eq!(outside.code, 1, "{}", outside.stderr);
        assert_eq!(outside.stdout, inside.stdout, "--format {format}");
        assert_eq!(outside.stderr, "");
    }
}

#[test]
fn from_an_empty_folder_missing_data_or_records_say_what_to_pass() {
    let empty = tempfile::tempdir().unwrap();
    let out = pactum_in(empty.path(), &["check"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pass --data DIR"), "{}", out.stderr);
    let data = example_data_dir();
    let out = pactum_in(
        empty.path(),
        &["check", "--data", data.to_str().unwrap()],
        None,
    );
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("pass the records file"),
        "{}",
        out.stderr
    );
    // Standard input needs no file.
    let records = std::fs::read_to_string(root().join("examples/records.jsonl")).unwrap();
    let out = pactum_in(
        empty.path(),
        &["check", "--data", data.to_str().unwrap(), "-"],
        Some(&records),
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn from_an_empty_folder_validate_and_test_say_to_name_a_pack_or_init_one() {
    let empty = tempfile::tempdir().unwrap();
    for command in ["validate", "test"] {
        let out = pactum_in(empty.path(), &[command], None);
        assert_eq!(out.code, 2);
        assert!(out.stderr.contains("pactum init DIR"), "{}", out.stderr);
    }
}

#[test]
fn a_rules_folder_wins_over_the_embedded_pack() {
    let pack = pack_copy(&[("pack.toml", "version = \"1.0.0\"", "version = \"9.9.9\"")]);
    let out = pactum(&["check", "--rules", pack.path().to_str().unwrap()], None);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("pactum check: rule pack standard 9.9.9,"),
        "{}",
        out.stdout
    );
    let folder = format!("\n  pack source: folder {}\n", pack.path().display());
    assert!(out.stdout.contains(&folder), "{}", out.stdout);
    let out = pactum(&["check"], None);
    assert!(
        out.stdout
            .starts_with("pactum check: rule pack standard 1.0.0,")
    );
    assert!(out.stdout.contains("\n  pack source: built into pactum\n"));
}

#[test]
fn init_writes_a_pack_that_validates_and_passes_its_tests() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("my-pack");
    let pack_arg = pack.to_str().unwrap();
    let out = pactum_in(dir.path(), &["init", "my-pack", "--example"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The pack as shipped, but for its test data, which it now holds itself.
    let written: Vec<(String, String)> = tree(&pack)
        .into_iter()
        .filter(|(p, _)| !p.starts_with("data/") && p != "records.jsonl")
        .collect();
    let mut shipped = tree(&pack_dir());
    for (path, text) in &mut shipped {
        if path == "pack.toml" {
            *text = text.replace("data = \"../examples/data\"", "data = \"data\"");
        }
    }
    assert_eq!(written, shipped);
    let data: Vec<_> = tree(&pack.join("data"));
    assert_eq!(data, tree(&example_data_dir()));

    let out = pactum_in(dir.path(), &["validate", "my-pack"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("no problems"));
    let out = pactum_in(dir.path(), &["test", "my-pack"], None);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // The written pack's cases are the shipped pack's, and all of them pass.
    let shipped_cases = pactum_in(&root(), &["test", "rules"], None);
    let last = |s: &str| s.lines().last().unwrap_or("").to_owned();
    assert!(
        last(&out.stdout).ends_with(" passed, 0 failed"),
        "{}",
        out.stdout
    );
    assert_eq!(last(&out.stdout), last(&shipped_cases.stdout));

    // The written pack and example checks like the repository's.
    let data = format!("{pack_arg}/data");
    let records = format!("{pack_arg}/records.jsonl");
    let out = pactum_in(
        dir.path(),
        &["check", "--rules", pack_arg, "--data", &data, &records],
        None,
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    let repository = pactum(&["check"], None).stdout;
    // The written manifest names its own test data, so the pack hash line differs.
    let unhashed = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with("  pack hash: "))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        unhashed(&out.stdout.replacen(
            &format!("pack source: folder {pack_arg}"),
            "pack source: built into pactum",
            1
        )),
        unhashed(&repository)
    );
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("p");
    assert_eq!(pactum_in(dir.path(), &["init", "p"], None).code, 0);
    std::fs::write(pack.join("price.toml"), "# mine").unwrap();
    let out = pactum_in(dir.path(), &["init", "p"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--force"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_to_string(pack.join("price.toml")).unwrap(),
        "# mine"
    );
    assert!(!pack.join("records.jsonl").exists());
    let out = pactum_in(dir.path(), &["init", "p", "--force"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_ne!(
        std::fs::read_to_string(pack.join("price.toml")).unwrap(),
        "# mine"
    );
}
