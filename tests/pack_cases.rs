//! The shipped pack's own test cases (`rules/tests/*.toml`), run through the Rust API and
//! the `pactum test` command, and shown to catch a pack that no longer does what they say.

use crate::common::*;
use pactum::testing::{TestReport, run_pack_tests};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use tempfile::TempDir;

/// Every rule of the shipped pack.
const RULES: [&str; 16] = [
    "price.min-list",
    "price.no-list-price",
    "price.agreement-misuse",
    "price.net-below-list",
    "parts.genuine",
    "pipeline.cadence",
    "pipeline.registered-before-sale",
    "docs.required",
    "docs.agreement-on-file",
    "partner.active",
    "partner.contract-current",
    "partner.certified",
    "partner.territory",
    "aftermarket.sales-per-asset",
    "parts.genuine-ratio",
    "claim.valid",
];

/// The cadence cases that expect a finding: with a longer allowed gap they must fail.
const CADENCE_FLAGGED: [&str; 3] = [
    "a pipeline update 31 days after the previous one is one day late and flagged",
    "30 days of silence up to the as-of date are fine; a reporting partner that files nothing at all is flagged on day 31",
    "the reporting window opens when the contract is signed: 30 days after signing is on time, 31 days is flagged",
];

/// A copy of the shipped pack, its test cases included, whose test data points at the
/// example data by absolute path (the shipped `../examples/data` is relative to `rules/`),
/// with `edits` applied as in [`pack_copy`].
fn runnable_copy(edits: &[(&str, &str, &str)]) -> TempDir {
    let data = format!("data = '{}'", example_data_dir().display());
    let mut all = vec![("pack.toml", "data = \"../examples/data\"", data.as_str())];
    all.extend_from_slice(edits);
    pack_copy(&all)
}

/// The shipped pack's cases, through the library.
fn shipped_report() -> TestReport {
    run_pack_tests(root().join("rules")).unwrap()
}

/// `pactum test DIR` with extra arguments.
fn pactum_test(dir: &Path, extra: &[&str]) -> CliOut {
    let dir = dir.to_str().unwrap();
    let mut args = vec!["test", dir];
    args.extend_from_slice(extra);
    run_cli(&args)
}

/// The names of the cases a text report marks `FAIL`.
fn failed_names(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("FAIL  "))
        .map(|l| l.rsplit_once("  (").map_or(l, |(name, _)| name).to_owned())
        .collect()
}

#[test]
fn the_shipped_cases_pass_through_the_library_and_cover_every_rule() {
    let report = shipped_report();
    report.assert_passed();
    assert!(
        report.uncovered.is_empty(),
        "rules no case fired: {:?}",
        report.uncovered
    );
    assert_eq!(report.pack, "standard 1.0.0");
    // Six files of cases, each found and read.
    let files: BTreeSet<String> = report
        .cases
        .iter()
        .map(|c| c.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected: BTreeSet<String> = [
        "analytics.toml",
        "claims.toml",
        "docs.toml",
        "partner.toml",
        "parts.toml",
        "pipeline.toml",
        "price.toml",
    ]
    .map(String::from)
    .into();
    assert_eq!(files, expected);
    // Case names are how a policy manager finds a case: no two alike.
    let names: BTreeSet<&str> = report.cases.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names.len(), report.cases.len(), "two cases share a name");
}

#[test]
fn the_pack_has_the_rules_the_cases_are_written_for() {
    // If a rule is added to the pack, it needs cases here too (and in RULES).
    let pack = std_pack();
    let ids: BTreeSet<&str> = pack.rules().iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, RULES.into());
}

#[test]
fn pactum_test_on_the_shipped_pack_exits_0_and_counts_every_case() {
    let n = shipped_report().cases.len();
    let out = run_cli(&["test", "rules"]);
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    assert_eq!(
        out.stdout.lines().last(),
        Some(format!("{n} passed, 0 failed").as_str())
    );
    assert!(
        !out.stdout.contains("never fired"),
        "a rule no case fires:\n{}",
        out.stdout
    );
    assert!(!out.stdout.contains("FAIL"), "{}", out.stdout);
    assert_eq!(
        out.stdout.lines().next(),
        Some(format!("pactum test: rule pack standard 1.0.0, {n} cases").as_str())
    );
}

#[test]
fn a_copy_of_the_pack_passes_like_the_original() {
    // The baseline for the tests that break a copy: the copy itself is sound.
    let copy = runnable_copy(&[]);
    let n = shipped_report().cases.len();
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        out.stdout.lines().last(),
        Some(format!("{n} passed, 0 failed").as_str())
    );
}

#[test]
fn removing_a_rule_file_fails_the_cases_that_expect_its_findings() {
    let copy = runnable_copy(&[]);
    std::fs::remove_file(copy.path().join("docs.toml")).unwrap();
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    for finding in [
        "docs.required on record SO-UNSIGNED",
        "docs.required on record SO-NO-REPORT",
        "docs.required on record AG-UNSIGNED",
        "docs.required on record S-NO-PO",
        "docs.agreement-on-file on record S-AG-2",
        "docs.agreement-on-file on record S-HANDSHAKE",
        "docs.agreement-on-file on record S-AG-3",
    ] {
        assert!(
            out.stdout.contains(&format!("missing:    {finding}")),
            "no `missing: {finding}` in:\n{}",
            out.stdout
        );
    }
    // Every missing finding is one of the removed rules'.
    let missing: Vec<&str> = out
        .stdout
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("missing:"))
        .collect();
    assert!(!missing.is_empty());
    for m in &missing {
        assert!(m.trim_start().starts_with("docs."), "{m}");
    }
    assert!(
        out.stdout
            .contains("FAIL  a service order with no service report at all is flagged")
    );
    // The other cases still pass.
    assert!(
        out.stdout
            .contains("ok    a sale at the list price is clean; one cent below is flagged")
    );
    assert!(out.stdout.lines().last().unwrap().ends_with(" failed"));
    assert!(!out.stdout.lines().last().unwrap().ends_with(" 0 failed"));
}

#[test]
fn a_longer_allowed_gap_fails_the_cadence_cases_that_expect_a_finding() {
    let copy = runnable_copy(&[("pipeline.toml", "max_gap_days = 30", "max_gap_days = 45")]);
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let expected: BTreeSet<String> = CADENCE_FLAGGED.map(String::from).into();
    assert_eq!(failed_names(&out.stdout), expected, "{}", out.stdout);
    assert!(
        out.stdout
            .contains("missing:    pipeline.cadence on partner P-SA-NEW")
    );
    // The on-time cases still pass: 45 days allows all the more.
    assert!(
        out.stdout
            .contains("ok    a pipeline update exactly 30 days after the previous one is on time")
    );
    let n = shipped_report().cases.len();
    assert_eq!(
        out.stdout.lines().last(),
        Some(format!("{} passed, 3 failed", n - 3).as_str())
    );
}

#[test]
fn json_output_lists_cases_with_their_differences_and_the_uncovered_rules() {
    let out = run_cli(&["test", "rules", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let cases = json["cases"].as_array().unwrap();
    assert_eq!(cases.len(), shipped_report().cases.len());
    for case in cases {
        assert_eq!(case["passed"], Value::Bool(true), "{case}");
        assert_eq!(case["missing"], Value::Array(vec![]), "{case}");
        assert_eq!(case["unexpected"], Value::Array(vec![]), "{case}");
        assert!(case["name"].is_string() && case["line"].is_u64(), "{case}");
    }
    assert_eq!(json["uncovered"], Value::Array(vec![]));

    // A failing copy: the differences are `{rule, record}` / `{rule, partner}` objects.
    let copy = runnable_copy(&[("pipeline.toml", "max_gap_days = 30", "max_gap_days = 45")]);
    let out = pactum_test(copy.path(), &["--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let failed: Vec<&Value> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == Value::Bool(false))
        .collect();
    assert_eq!(failed.len(), 3);
    let late = failed
        .iter()
        .find(|c| c["name"] == CADENCE_FLAGGED[0])
        .unwrap();
    assert_eq!(
        late["missing"],
        serde_json::json!([{"rule": "pipeline.cadence", "partner": "P-SA-NEW"}])
    );
    assert_eq!(late["unexpected"], Value::Array(vec![]));
    // With 45 days allowed, no case makes the cadence rule fire any more.
    assert_eq!(json["uncovered"], serde_json::json!(["pipeline.cadence"]));

    // A copy whose cases never make a rule fire lists it as uncovered (and still passes).
    let copy = runnable_copy(&[]);
    std::fs::remove_file(copy.path().join("tests").join("analytics.toml")).unwrap();
    let out = pactum_test(copy.path(), &["--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        json["uncovered"],
        serde_json::json!(["aftermarket.sales-per-asset", "parts.genuine-ratio"])
    );
}

#[test]
fn a_case_file_with_a_toml_mistake_is_refused_with_its_place() {
    let copy = runnable_copy(&[]);
    std::fs::write(
        copy.path().join("tests").join("typo.toml"),
        "[[case]]\nname = \"a misspelt key\"\nexpct = []\n\n[[case.records]]\nid = \"S-1\"\n",
    )
    .unwrap();
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("typo.toml:3:1"), "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown field `expct`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    // The library refuses it the same way, rather than reporting cases.
    let err = run_pack_tests(copy.path()).unwrap_err();
    assert!(err.to_string().contains("expct"), "{err}");
}

#[test]
fn assert_passed_panics_with_the_differences_on_a_failing_copy() {
    let copy = runnable_copy(&[]);
    std::fs::remove_file(copy.path().join("docs.toml")).unwrap();
    let report = run_pack_tests(copy.path()).unwrap();
    assert!(!report.all_passed());
    let panic = std::panic::catch_unwind(|| report.assert_passed()).unwrap_err();
    let message = panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap();
    assert!(message.contains("rule pack test cases failed"), "{message}");
    assert!(
        message.contains("missing:    docs.required on record SO-UNSIGNED"),
        "{message}"
    );
    assert!(message.contains("FAIL"), "{message}");
}

/// A sale of one SEAL-200 at `price` on 2026-03-14 by dealer P-DE-04, with a purchase order.
fn seal_sale(id: &str, price: &str) -> String {
    format!(
        "[[case.records]]\nid = \"{id}\"\nkind = \"sale\"\ndate = \"2026-03-14\"\npartner = \"P-DE-04\"\n\
         lines = [{{ sku = \"SEAL-200\", qty = 1, unit_price = \"{price}\", currency = \"USD\", source = \"oem\" }}]\n\
         documents = [{{ kind = \"purchase_order\" }}]\n"
    )
}

/// A runnable copy of the pack with one more case file, `extra.toml`, holding `cases`.
fn copy_with_cases(cases: &str) -> TempDir {
    let copy = runnable_copy(&[]);
    std::fs::write(copy.path().join("tests").join("extra.toml"), cases).unwrap();
    copy
}

#[test]
fn an_expectation_can_name_the_line_and_a_part_of_the_message() {
    let cases = format!(
        "[[case]]\nname = \"line and message hold\"\nrules = [\"price.min-list\"]\n\
         expect = [{{ rule = \"price.min-list\", record = \"S-2\", line = 0, message = \"below the list price of 90.00 USD\" }}]\n\n{}",
        seal_sale("S-2", "89.99")
    );
    let copy = copy_with_cases(&cases);
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("ok    line and message hold"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_wrong_line_or_message_fails_the_case_with_a_diff() {
    let cases = format!(
        "[[case]]\nname = \"wrong line\"\nrules = [\"price.min-list\"]\n\
         expect = [{{ rule = \"price.min-list\", record = \"S-2\", line = 1, message = \"above the list price\" }}]\n\n{}",
        seal_sale("S-2", "89.99")
    );
    let copy = copy_with_cases(&cases);
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("FAIL  wrong line"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("        mismatch:   price.min-list on record S-2\n          expected: line 1, message containing \"above the list price\"\n          found:    line 0, message \"sold SEAL-200 at 89.99 USD"),
        "{}",
        out.stdout
    );
    // Not also reported as missing: the finding came, with other details.
    assert!(
        !out.stdout
            .contains("missing:    price.min-list on record S-2")
    );

    // The JSON report carries the same difference.
    let out = pactum_test(copy.path(), &["--format", "json"]);
    let json: Value = serde_json::from_str(&out.stdout).unwrap();
    let case = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "wrong line")
        .unwrap();
    assert_eq!(case["mismatched"][0]["rule"], "price.min-list");
    assert_eq!(case["mismatched"][0]["record"], "S-2");
    assert_eq!(
        case["mismatched"][0]["wanted"],
        serde_json::json!({"line": 1, "message": "above the list price"})
    );
    assert_eq!(case["mismatched"][0]["found"][0]["line"], 0);
}

#[test]
fn an_expectation_can_name_the_severity_and_a_wrong_or_unknown_one_fails() {
    let case = |name: &str, severity: &str| {
        format!(
            "[[case]]\nname = \"{name}\"\nrules = [\"price.min-list\"]\n\
             expect = [{{ rule = \"price.min-list\", record = \"S-2\", severity = \"{severity}\" }}]\n\n{}",
            seal_sale("S-2", "89.99")
        )
    };
    let copy = copy_with_cases(&case("an error", "error"));
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    let copy = copy_with_cases(&case("not a warning", "warning"));
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("          expected: severity warning\n          found:    severity error"),
        "{}",
        out.stdout
    );

    let copy = copy_with_cases(&case("a typo", "eror"));
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("`severity` must be `info`, `warning` or `error`, but found `eror`"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_expected_code_never_passes_against_a_finding_without_one() {
    let cases = format!(
        "[[case]]\nname = \"a code\"\nrules = [\"price.min-list\"]\n\
         expect = [{{ rule = \"price.min-list\", record = \"S-2\", code = \"price.below-list\" }}]\n\n{}",
        seal_sale("S-2", "89.99")
    );
    let copy = copy_with_cases(&cases);
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains(
            "        mismatch:   price.min-list on record S-2\n          expected: code `price.below-list`\n          found:    no code\n"
        ),
        "{}",
        out.stdout
    );
}

#[test]
fn an_empty_message_or_a_code_with_spaces_is_a_problem_of_the_case() {
    let cases = format!(
        "[[case]]\nname = \"empty message\"\nrules = [\"price.min-list\"]\n\
         expect = [{{ rule = \"price.min-list\", record = \"S-2\", message = \"\" }}]\n\n{}\n\
         [[case]]\nname = \"spaced code\"\nrules = [\"price.min-list\"]\n\
         expect = [{{ rule = \"price.min-list\", record = \"S-2\", code = \"a code\" }}]\n\n{}",
        seal_sale("S-2", "89.99"),
        seal_sale("S-2", "89.99")
    );
    let copy = copy_with_cases(&cases);
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("problem:    expectation for `price.min-list`: `message` is empty"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("problem:    expectation for `price.min-list`: `code` must be a code"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_misspelt_expectation_key_is_refused_with_a_hint_and_a_code() {
    let cases = format!(
        "[[case]]\nname = \"typo\"\n\
         expect = [{{ rule = \"price.min-list\", record = \"S-2\", lien = 0 }}]\n\n{}",
        seal_sale("S-2", "89.99")
    );
    let copy = copy_with_cases(&cases);
    let out = pactum_test(copy.path(), &[]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("unknown field `lien`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `line`?"),
        "{}",
        out.stderr
    );
    let err = run_pack_tests(copy.path()).unwrap_err();
    let codes: Vec<&str> = err.diagnostics().iter().map(|d| d.code()).collect();
    assert_eq!(codes, [pactum::codes::TEST_UNKNOWN_KEY]);
}

/// A pack held in memory runs the test cases it was given, and never reads a folder on
/// disk that happens to bear its name.
#[test]
fn a_pack_in_memory_runs_its_own_cases_and_no_folder_of_its_name() {
    let files = pack_files(&pack_dir());
    // Named after the folder, so that `[tests] data = "../examples/data"` is found.
    let name = pack_dir().to_string_lossy().into_owned();
    let mem = pactum::Pack::from_files(&name, files.clone()).unwrap();
    let report = pactum::testing::run_tests(&mem).unwrap();
    assert!(report.all_passed(), "{}", report.to_text());
    assert_eq!(report.passed(), shipped_report().passed());

    // A folder with the pack's name holds a case that would fail: it is not read.
    let decoy = write_tree(&[(
        "tests/decoy.toml",
        "[[case]]\nname = \"decoy\"\nrecords = []\nexpect = [{ rule = \"price.min-list\", record = \"X\" }]\n",
    )]);
    let no_cases: Vec<_> = files
        .into_iter()
        .filter(|(p, _)| !p.starts_with("tests"))
        .collect();
    let named = decoy.path().to_string_lossy().into_owned();
    let mem = pactum::Pack::from_files(&named, no_cases).unwrap();
    let report = pactum::testing::run_tests(&mem).unwrap();
    assert_eq!(report.cases.len(), 0, "{}", report.to_text());
}
