//! Policies users write in Rhai: `condition` and `script` rules in a pack written to a
//! temporary folder, the sandbox and its limits, load errors with their places, rule errors
//! at run time, threads, and the script API over reference data.

use crate::common::*;
use pactum::{Batch, Engine, Pack, RefData, RuleErrorKind, Severity, Verdict, read_batch};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use tempfile::TempDir;

const MANIFEST: &str = "name = \"user\"\nversion = \"0.1.0\"\n";

/// A rule file with one script rule running `file`.
fn script_rule(id: &str, severity: &str, file: &str) -> String {
    format!(
        "[[rule]]\nid = \"{id}\"\ntitle = \"A user policy\"\nseverity = \"{severity}\"\n\
         check = \"script\"\n[rule.params]\nfile = \"{file}\"\n"
    )
}

/// A pack whose one rule, `user.script` (error), runs `body` as `scripts/check.rhai`.
fn script_pack(body: &str) -> TempDir {
    write_tree(&[
        ("pack.toml", MANIFEST),
        (
            "user.toml",
            &script_rule("user.script", "error", "scripts/check.rhai"),
        ),
        ("scripts/check.rhai", body),
    ])
}

/// Checks one record with a pack whose only rule runs `body`.
fn check_with(body: &str, record: &pactum::Record) -> Verdict {
    let pack = script_pack(body);
    engine_with(pack.path(), refdata()).check(record)
}

/// A one-line SEAL-200 sale by `P-SI` on 2026-03-14.
fn seal_sale(id: &str) -> pactum::Record {
    sale(
        id,
        "P-SI",
        "2026-03-14",
        vec![line("SEAL-200", "90.00", "USD")],
    )
}

/// Every problem of a pack that must fail to load, as `(file name, line, column, message)`.
fn load_errors(dir: &std::path::Path) -> Vec<(String, usize, usize, String)> {
    let err = Pack::load(dir).expect_err("the pack must not load");
    err.diagnostics()
        .iter()
        .map(|d| {
            let loc = d.location();
            let name = loc.file().file_name().unwrap().to_string_lossy();
            (
                name.into_owned(),
                loc.line(),
                loc.column(),
                d.message().to_owned(),
            )
        })
        .collect()
}

// Conditions

const FLOOR: &str = r#"[[rule]]
id = "price.floor-12"
title = "No filter below 12.00"
severity = "warning"
check = "condition"
[rule.select]
kinds = ["sale"]
[rule.params]
when = "line.unit_price < 12.00"
message = "line ${line.index} of ${record.id} sells ${line.sku} at ${line.unit_price}"
expected = "at least 12.00"
actual = "${line.unit_price}"
each_line = true
"#;

#[test]
fn a_condition_compares_decimals_exactly_line_by_line() {
    let pack = write_tree(&[("pack.toml", MANIFEST), ("floor.toml", FLOOR)]);
    let e = engine_with(pack.path(), refdata());
    // 11.999 would pass a float comparison rounded to cents; here it is below 12.00.
    let r = sale(
        "S-1",
        "P-SI",
        "2026-03-14",
        vec![
            line("FILTER-5", "12.00", "EUR"),
            line("FILTER-5", "11.999", "EUR"),
        ],
    );
    let v = e.check(&r);
    assert!(v.rule_errors.is_empty(), "{:?}", v.rule_errors);
    assert_eq!(v.findings.len(), 1);
    let f = &v.findings[0];
    assert_eq!(&*f.rule, "price.floor-12");
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.line, Some(1));
    assert_eq!(f.message, "line 1 of S-1 sells FILTER-5 at 11.999");
    assert_eq!(
        (f.expected.as_str(), f.actual.as_str()),
        ("at least 12.00", "11.999")
    );
    // 12.00 and 12 (JSON numbers, read exactly) are not below 12.00.
    let r = record(
        r#"{"id":"S-2","kind":"sale","date":"2026-03-14","partner":"P-SI",
            "lines":[{"sku":"FILTER-5","qty":1,"unit_price":12.00,"currency":"EUR"},
                     {"sku":"FILTER-5","qty":1,"unit_price":12,"currency":"EUR"}]}"#,
    );
    assert!(e.check(&r).is_clean());
}

#[test]
fn a_condition_sees_the_index_of_each_line() {
    let rule = FLOOR
        .replace("line.unit_price < 12.00", "index == 1")
        .replace("${line.index}", "${index}");
    let pack = write_tree(&[("pack.toml", MANIFEST), ("floor.toml", &rule)]);
    let e = engine_with(pack.path(), refdata());
    let r = sale(
        "S-1",
        "P-SI",
        "2026-03-14",
        vec![
            line("FILTER-5", "20.00", "EUR"),
            line("FILTER-5", "11.999", "EUR"),
        ],
    );
    let messages: Vec<(Option<usize>, String)> = e
        .check(&r)
        .findings
        .into_iter()
        .map(|f| (f.line, f.message.into()))
        .collect();
    assert_eq!(
        messages,
        [(Some(1), "line 1 of S-1 sells FILTER-5 at 11.999".to_owned())]
    );
}

// Scripts

const MANY: &str = r#"
fn check(record) {
    switch record.id {
        "S-MANY" => [
            finding("first"),
            finding("second", 12.50, record.date),
            line_finding(0, `line 0 sells ${record.lines[0].sku}`, "genuine", record.lines[0].source)
        ],
        "S-ONE" => finding(`only ${record.id}`, "x", "y"),
        _ => ()
    }
}
"#;

#[test]
fn a_script_returns_an_array_a_single_finding_or_unit() {
    let pack = script_pack(MANY);
    let e = engine_with(pack.path(), refdata());
    let many = e.check(&seal_sale("S-MANY"));
    assert!(many.rule_errors.is_empty(), "{:?}", many.rule_errors);
    let got: Vec<(&str, Option<usize>, &str, &str)> = many
        .findings
        .iter()
        .map(|f| {
            (
                f.message.as_str(),
                f.line,
                f.expected.as_str(),
                f.actual.as_str(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("first", None, "", ""),
            ("second", None, "12.50", "2026-03-14"),
            ("line 0 sells SEAL-200", Some(0), "genuine", "oem"),
        ]
    );
    assert!(many.findings.iter().all(|f| &*f.rule == "user.script"
        && f.record.as_deref() == Some("S-MANY")
        && f.partner == "P-SI"));

    let one = e.check(&seal_sale("S-ONE"));
    assert_eq!(one.findings.len(), 1);
    assert_eq!(one.findings[0].message, "only S-ONE");
    assert_eq!(
        (
            one.findings[0].expected.as_str(),
            one.findings[0].actual.as_str()
        ),
        ("x", "y")
    );
    assert!(e.check(&seal_sale("S-NONE")).is_clean());
}

// The sandbox: each limit is one rule error per record, and the batch goes on.

/// Runs a pack of `bad.rule` (running `body`) and the built-in `parts.genuine` over three
/// sales (S-2 sells a non-genuine part) and one unreadable line, and checks that `bad.rule`
/// failed on each record with a reason naming `limit`, while the rest of the report stands.
fn limit_stops_each_record(body: &str, limit: &str, what: &str) {
    let genuine = "[[rule]]\nid = \"parts.genuine\"\ntitle = \"Genuine parts\"\n\
                   severity = \"error\"\ncheck = \"genuine-parts\"\n[rule.select]\nkinds = [\"sale\"]\n";
    let pack = write_tree(&[
        ("pack.toml", MANIFEST),
        (
            "bad.toml",
            &script_rule("bad.rule", "error", "scripts/bad.rhai"),
        ),
        ("parts.toml", genuine),
        ("scripts/bad.rhai", body),
    ]);
    let e = engine_with(pack.path(), refdata());
    let lines: Vec<String> = [
        ("S-1", "SEAL-200"),
        ("S-2", "SEAL-200-AM"),
        ("S-3", "PUMP-10"),
    ]
    .iter()
    .map(|(id, sku)| {
        json!({"id": id, "kind": "sale", "date": "2026-03-14", "partner": "P-DE",
                   "lines": [line(sku, "100.00", "USD")], "documents": [po()]})
        .to_string()
    })
    .collect();
    let text = format!("{}\n{{\"id\": \"S-4\", \"kind\":\n", lines.join("\n"));
    let batch = read_batch(text.as_bytes()).unwrap();
    let report = e.run(&batch, None);

    let errors: Vec<(&str, Option<&str>)> = report
        .rule_errors()
        .iter()
        .map(|r| (&*r.rule, r.record.as_deref()))
        .collect();
    assert_eq!(
        errors,
        [
            ("bad.rule", Some("S-1")),
            ("bad.rule", Some("S-2")),
            ("bad.rule", Some("S-3"))
        ]
    );
    for err in report.rule_errors() {
        assert!(err.reason.contains(limit), "{}", err.reason);
        assert!(err.reason.contains(what), "{}", err.reason);
        assert!(
            matches!(err.kind, RuleErrorKind::LimitHit { limit: l } if l.contains(limit)),
            "{:?}",
            err.kind
        );
        assert_eq!(err.severity, Severity::Error);
    }
    let s = report.summary();
    assert_eq!(s.rule_errors, 3);
    assert_eq!(
        pairs(&report),
        [("parts.genuine".to_owned(), "S-2".to_owned())]
    );
    assert_eq!((s.read, s.checked, s.rejected), (4, 3, 1));
    assert_eq!(s.read, s.checked + s.rejected);
    // A rule that could not run is failing at its severity, never a pass.
    assert_eq!(report.worst(), Some(Severity::Error));
}

#[test]
fn an_infinite_loop_is_stopped_by_max_operations() {
    limit_stops_each_record(
        "fn check(record) { loop {} }",
        "max_operations",
        "stopped after 100000 operations",
    );
}

#[test]
fn unbounded_recursion_is_stopped_by_max_call_levels() {
    limit_stops_each_record(
        "fn deeper(n) { deeper(n + 1) }\nfn check(record) { deeper(0) }",
        "max_call_levels",
        "nested deeper than 32",
    );
}

#[test]
fn a_huge_string_is_stopped_by_max_string_size() {
    limit_stops_each_record(
        "fn check(record) { let s = \"xxxxxxxx\"; loop { s += s; } }",
        "max_string_size",
        "string grew past its limit",
    );
}

#[test]
fn a_huge_array_is_stopped_by_max_array_size() {
    limit_stops_each_record(
        "fn check(record) { let a = [1]; loop { a += a; } }",
        "max_array_size",
        "array/blob grew past its limit",
    );
}

#[test]
fn an_endless_script_over_10000_records_gives_10000_rule_errors() {
    let pack = script_pack("fn check(record) { loop {} }");
    let e = engine_with(pack.path(), refdata());
    let records = (0..10_000)
        .map(|i| {
            record_of(json!({"id": format!("U-{i:05}"), "kind": "pipeline_update",
                             "date": "2026-03-14", "partner": "P-SA"}))
        })
        .collect();
    let report = e.run(&Batch::from_records(records), None);
    let s = report.summary();
    assert_eq!((s.read, s.checked, s.rejected), (10_000, 10_000, 0));
    assert_eq!(s.rule_errors, 10_000);
    assert_eq!(s.violations, 0);
    assert!(
        report
            .rule_errors()
            .iter()
            .all(|r| r.reason.contains("max_operations"))
    );
}

// Limits in pack.toml

/// A fine script needing a few hundred operations: a 100-iteration loop.
const SUM: &str = "fn check(record) {\n    let n = 0;\n    for i in 0..100 { n += i; }\n    \
                   if n != 4950 { return finding(`wrong sum ${n}`); }\n}\n";

fn pack_with_limits(limits: &str, body: &str) -> TempDir {
    write_tree(&[
        ("pack.toml", &format!("{MANIFEST}[limits]\n{limits}\n")),
        (
            "user.toml",
            &script_rule("user.script", "error", "scripts/check.rhai"),
        ),
        ("scripts/check.rhai", body),
    ])
}

#[test]
fn limits_can_be_lowered_in_pack_toml() {
    assert!(check_with(SUM, &seal_sale("S-1")).is_clean());

    let pack = pack_with_limits("max_operations = 50", SUM);
    assert_eq!(Pack::load(pack.path()).unwrap().limits().max_operations, 50);
    let v = engine_with(pack.path(), refdata()).check(&seal_sale("S-1"));
    assert!(v.findings.is_empty());
    assert_eq!(v.rule_errors.len(), 1);
    assert!(
        v.rule_errors[0]
            .reason
            .contains("stopped after 50 operations, the limit `max_operations`"),
        "{}",
        v.rule_errors[0].reason
    );

    // Three findings where two are allowed: a rule error, not two of the three.
    let three = "fn check(record) { [finding(\"a\"), finding(\"b\"), finding(\"c\")] }";
    let pack = pack_with_limits("max_findings_per_record = 2", three);
    let v = engine_with(pack.path(), refdata()).check(&seal_sale("S-1"));
    assert!(v.findings.is_empty());
    assert_eq!(v.rule_errors.len(), 1);
    assert!(
        v.rule_errors[0].reason.contains("max_findings_per_record"),
        "{}",
        v.rule_errors[0].reason
    );
}

#[test]
fn a_zero_limit_and_an_unknown_limit_are_load_errors() {
    // 0 means "unlimited" to rhai: a pack must not switch the sandbox off.
    let pack = pack_with_limits("max_operations = 0", SUM);
    let errors = load_errors(pack.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "pack.toml");
    assert_eq!(
        errors[0].3,
        "limit `max_operations` must be at least 1, but is 0"
    );

    let pack = pack_with_limits("max_loops = 5", SUM);
    let errors = load_errors(pack.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1, errors[0].2),
        ("pack.toml", 4, 1)
    );
    assert!(
        errors[0].3.starts_with("unknown field `max_loops`"),
        "{}",
        errors[0].3
    );
}

// Load errors

#[test]
fn validate_shows_a_script_syntax_error_at_its_file_line_and_column() {
    let pack = script_pack("fn check(record) {\n    let x = 1;\n    let = 5;\n}\n");
    let out = run_cli(&["validate", pack.path().to_str().unwrap()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    // Line 3, column 9: the `=` where a variable name should be.
    let place = format!("{}:3:9", pack.path().join("scripts/check.rhai").display());
    assert!(
        out.stderr
            .contains(&format!("{place}: rhai: Expecting name of a variable")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("1 problem found"), "{}", out.stderr);

    // Through the library: the `;` that ends an unfinished sum.
    let pack = script_pack("fn check(record) {\n    let x = 1 +;\n}\n");
    let errors = load_errors(pack.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(
        (errors[0].0.as_str(), errors[0].1, errors[0].2),
        ("check.rhai", 2, 16)
    );
}

#[test]
fn a_misspelt_variable_in_a_script_is_a_load_error() {
    let pack =
        script_pack("fn check(record) {\n    if recrod.id == \"S-1\" { finding(\"x\") }\n}\n");
    let errors = load_errors(pack.path());
    assert_eq!(
        errors,
        [(
            "check.rhai".to_owned(),
            2,
            8,
            "rhai: Undefined variable: recrod".to_owned()
        )]
    );
}

/// A rule file with one condition rule whose params are `params`.
fn condition_rule(params: &str) -> String {
    format!(
        "[[rule]]\nid = \"user.cond\"\ntitle = \"A condition\"\nseverity = \"error\"\n\
         check = \"condition\"\n[rule.params]\n{params}"
    )
}

#[test]
fn a_misspelt_variable_in_a_condition_is_a_load_error() {
    let rule = condition_rule("when = 'recrod.id == \"S-1\"'\nmessage = \"m\"\n");
    let pack = write_tree(&[("pack.toml", MANIFEST), ("cond.toml", &rule)]);
    let when = line_of(pack.path(), "cond.toml", "when =");
    let errors = load_errors(pack.path());
    // Column 9: just after `when = '`.
    assert_eq!(
        errors,
        [(
            "cond.toml".to_owned(),
            when,
            9,
            "rhai: Undefined variable: recrod".to_owned()
        )]
    );
    // `line` exists only with `each_line = true`.
    let rule = condition_rule("when = 'line.qty > 1'\nmessage = \"m\"\n");
    let pack = write_tree(&[("pack.toml", MANIFEST), ("cond.toml", &rule)]);
    assert_eq!(
        load_errors(pack.path())[0].3,
        "rhai: Undefined variable: line"
    );
}

#[test]
fn a_condition_error_after_escaped_quotes_points_at_the_word() {
    let rule = condition_rule(
        "when = \"line.sku == \\\"X\\\" && lien.qty > 1\"\nmessage = \"m\"\neach_line = true\n",
    );
    let pack = write_tree(&[("pack.toml", MANIFEST), ("cond.toml", &rule)]);
    let text = std::fs::read_to_string(pack.path().join("cond.toml")).unwrap();
    let when_line = text.lines().find(|l| l.starts_with("when")).unwrap();
    let column = when_line.find("lien").unwrap() + 1; // 30
    let errors = load_errors(pack.path());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].2, column, "{errors:?}");
}

#[test]
fn a_condition_error_in_a_multiline_string_points_at_its_line() {
    let rule = condition_rule(
        "when = \"\"\"\nrecord.id == \"S-1\" &&\n  recrod.kind == \"sale\"\"\"\"\nmessage = \"m\"\n",
    );
    let pack = write_tree(&[("pack.toml", MANIFEST), ("cond.toml", &rule)]);
    let at = line_of(pack.path(), "cond.toml", "recrod");
    let errors = load_errors(pack.path());
    assert_eq!(errors.len(), 1);
    assert_eq!((errors[0].1, errors[0].2), (at, 3), "{errors:?}");
}

#[test]
fn a_script_without_check_and_a_script_calling_eval_are_load_errors() {
    let pack = script_pack("fn chekc(record) { }\n");
    let errors = load_errors(pack.path());
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].0, "check.rhai");
    assert!(
        errors[0].3.contains("must define `fn check(record)`"),
        "{errors:?}"
    );

    // `eval` would run text the loader never compiled: refused at load, not at run time.
    let pack = script_pack("fn check(record) { eval(\"1\") }\n");
    let errors = load_errors(pack.path());
    assert_eq!(
        errors,
        [(
            "check.rhai".to_owned(),
            1,
            20,
            "rhai: reserved keyword 'eval' is disabled".to_owned()
        )]
    );
}

#[test]
fn a_missing_script_or_one_outside_the_pack_is_a_load_error_at_the_rule() {
    for (file, says) in [
        ("scripts/nowhere.rhai", "does not exist"),
        (
            "../outside.rhai",
            "must be a `.rhai` file inside the pack folder",
        ),
    ] {
        // The pack is a subfolder, so the file a `..` path names exists: only the path
        // itself is wrong.
        let root = write_tree(&[
            ("pack/pack.toml", MANIFEST),
            ("pack/user.toml", &script_rule("user.script", "error", file)),
            ("outside.rhai", "fn check(record) {}"),
        ]);
        let pack = root.path().join("pack");
        let at = line_of(&pack, "user.toml", "file =");
        let errors = load_errors(&pack);
        assert_eq!(errors.len(), 1, "{errors:?}");
        // Column 8: the path's opening quote after `file = `.
        assert_eq!(
            (errors[0].0.as_str(), errors[0].1, errors[0].2),
            ("user.toml", at, 8),
            "{errors:?}"
        );
        assert!(errors[0].3.contains(says), "{errors:?}");
    }
}

#[test]
fn every_problem_in_a_pack_is_reported_in_one_run() {
    let pack = write_tree(&[
        ("pack.toml", MANIFEST),
        (
            "a.toml",
            &script_rule("user.script", "error", "scripts/check.rhai"),
        ),
        (
            "b.toml",
            "[[rule]]\nid = \"user.other\"\ntitle = \"T\"\nseverty = \"error\"\ncheck = \"genuine-parts\"\n",
        ),
        (
            "scripts/check.rhai",
            "fn check(record) {\n    let y = z;\n}\n",
        ),
    ]);
    let errors = load_errors(pack.path());
    let places: Vec<(&str, usize, usize)> = errors
        .iter()
        .map(|(f, l, c, _)| (f.as_str(), *l, *c))
        .collect();
    assert_eq!(
        places,
        [("check.rhai", 2, 13), ("b.toml", 4, 1)],
        "{errors:?}"
    );
    assert!(errors[1].3.contains("unknown field `severty`"));

    let out = run_cli(&["validate", pack.path().to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("Undefined variable: z"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("unknown field `severty`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("2 problems found"), "{}", out.stderr);
}

#[test]
fn a_script_may_return_up_to_max_findings_per_record() {
    let body = "fn check(record) { let a = []; for i in 0..300 { a.push(finding(`f${i}`)); } a }";
    let v = check_with(body, &seal_sale("S-1"));
    assert!(v.rule_errors.is_empty(), "{:?}", v.rule_errors);
    assert_eq!(v.findings.len(), 300);
}

// Rule errors at run time

/// Three rules that fail on every record, each in its own way.
fn failing_pack(severity: &str) -> TempDir {
    let rules = [
        (
            "unknown-fn",
            "fn check(record) { no_such_function(record.id) }",
        ),
        (
            "bad-line",
            "fn check(record) { line_finding(5, \"m\", (), ()) }",
        ),
        ("returns-int", "fn check(record) { 42 }"),
    ];
    let mut files = vec![("pack.toml".to_owned(), MANIFEST.to_owned())];
    for (name, body) in rules {
        let file = format!("scripts/{name}.rhai");
        files.push((
            format!("{name}.toml"),
            script_rule(&format!("user.{name}"), severity, &file),
        ));
        files.push((file, body.to_owned()));
    }
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_tree(&refs)
}

#[test]
fn script_errors_at_run_time_are_rule_errors_never_a_pass() {
    let pack = failing_pack("error");
    let e = engine_with(pack.path(), refdata());
    let v = e.check(&seal_sale("S-1"));
    assert!(v.findings.is_empty());
    let reasons: BTreeMap<&str, &str> = v
        .rule_errors
        .iter()
        .map(|r| (&*r.rule, r.reason.as_str()))
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons["user.unknown-fn"].contains("Function not found: no_such_function"));
    assert_eq!(
        reasons["user.bad-line"],
        "a finding's `line` is 5, but the record has 1 lines"
    );
    assert!(reasons["user.returns-int"].starts_with("`check` returned `42`"));
    let kinds: BTreeMap<&str, RuleErrorKind> =
        v.rule_errors.iter().map(|r| (&*r.rule, r.kind)).collect();
    assert_eq!(kinds["user.unknown-fn"], RuleErrorKind::Script);
    assert_eq!(kinds["user.bad-line"], RuleErrorKind::BadResult);
    assert_eq!(kinds["user.returns-int"], RuleErrorKind::BadResult);
    assert!(!v.is_clean());
}

#[test]
fn pactum_check_fails_on_rule_errors_and_lists_them_in_json() {
    let pack = failing_pack("error");
    let records = pack.path().join("records.jsonl");
    let lines = [seal_sale("S-1").to_json(), seal_sale("S-2").to_json()];
    let text: Vec<String> = lines.iter().map(Value::to_string).collect();
    std::fs::write(&records, text.join("\n")).unwrap();
    let (rules, file) = (pack.path().to_str().unwrap(), records.to_str().unwrap());
    let args = ["check", "--rules", rules, "--data", "examples/data"];

    let out = run_cli(&[&args[..], &["--format", "json", file]].concat());
    assert_eq!(out.code, 1, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["rule_errors"], 6);
    assert_eq!(report["summary"]["violations"], 0);
    let listed = report["rule_errors"].as_array().unwrap();
    assert_eq!(listed.len(), 6);
    for e in listed {
        // (serde_json's `Value` sorts the keys.)
        let keys: Vec<&str> = e.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["reason", "record", "rule"]);
        assert!(e["rule"].as_str().unwrap().starts_with("user."));
        assert!(["S-1", "S-2"].contains(&e["record"].as_str().unwrap()));
        assert!(!e["reason"].as_str().unwrap().is_empty());
    }

    // Warning rules that cannot run fail only `--fail-on warning`.
    let pack = failing_pack("warning");
    let rules = pack.path().to_str().unwrap();
    let args = ["check", "--rules", rules, "--data", "examples/data", file];
    assert_eq!(run_cli(&args).code, 0);
    assert_eq!(
        run_cli(&[&args[..], &["--fail-on", "warning"]].concat()).code,
        1
    );
}

// Threads

#[test]
fn one_engine_shared_by_four_threads_gives_the_single_threaded_results() {
    let engine = Engine::new(std_pack(), RefData::load(example_data_dir()).unwrap()).unwrap();
    let text = std::fs::read(root().join("examples/records.jsonl")).unwrap();
    let batch = read_batch(&text).unwrap();
    let check_all = || -> Vec<Verdict> { batch.records.iter().map(|r| engine.check(r)).collect() };
    let single = check_all();
    // The scripts must have run and found something, or the comparison proves little.
    assert!(
        single
            .iter()
            .flat_map(|v| &v.findings)
            .any(|f| f.rule.starts_with("partner."))
    );
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..4).map(|_| s.spawn(check_all)).collect();
        for t in threads {
            assert_eq!(t.join().unwrap(), single);
        }
    });
}

// The script API over reference data

const API: &str = r#"
fn check(record) {
    let d = record.date;
    let p = partner(record.partner);
    let am = catalog("SEAL-200-AM");
    [
        finding("list_price", list_price("SEAL-200", "USD", d), list_price("SEAL-200", "USD", date("2026-04-01"))),
        finding("no list_price", list_price("FILTER-5", "USD", d) == (), list_price("NOPE", "USD", d) == ()),
        finding("catalog", am.genuine, am.description),
        finding("not in catalog", catalog("NOPE") == (), catalog("SEAL-200").genuine),
        finding("sources", is_approved_source("P-DI"), is_approved_source("P-DE")),
        finding("assets", installed_assets("P-SI"), installed_assets("nobody")),
        finding("partner", `${p.id} ${p.type} ${p.region} ${p.status}`,
                `${p.contract_signed} ${p.nda_expires} ${p.certified_until}`),
        finding("no partner", partner("nobody") == (), ()),
        finding("days", days_between(date("2026-03-01"), d), days_between(d, date("2026-03-01"))),
        finding("add_days", d.add_days(-14), d.add_days(18)),
        finding("date parts", `${d.year}/${d.month}/${d.day}`, d > date("2026-03-13") && d == date("2026-03-14")),
        finding("amount", record.lines[0].amount, record.lines[0].qty),
        finding("attrs", record.attrs.rate == 0.1, record.attrs.rate),
        finding("big attr", record.attrs.big == decimal("1234567890.12345"), record.attrs.big),
        finding("int attr", record.attrs.n + 1, record.attrs.channel)
    ]
}
"#;

#[test]
fn scripts_read_reference_data_dates_and_exact_attrs() {
    let mut data = refdata();
    for assets in [60, 15] {
        data.add_installed_base(pactum::refdata::InstalledBase {
            partner: "P-SI".to_owned(),
            region: "US-NE".to_owned(),
            assets,
        });
    }
    let pack = script_pack(API);
    let e = engine_with(pack.path(), data);
    // JSON numbers in attrs are serde_json's numbers (pactum does not turn on its
    // `arbitrary_precision` for the host): exact decimals up to the 15 significant digits an
    // f64 always holds, never floats in scripts.
    let r = record(
        r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-SI",
            "lines":[{"sku":"SEAL-200","qty":3,"unit_price":"11.999","currency":"USD","source":"oem"}],
            "attrs":{"rate":0.1,"big":1234567890.12345,"n":7,"channel":"web"}}"#,
    );
    let v = e.check(&r);
    assert!(v.rule_errors.is_empty(), "{:?}", v.rule_errors);
    let got: BTreeMap<&str, (&str, &str)> = v
        .findings
        .iter()
        .map(|f| (f.message.as_str(), (f.expected.as_str(), f.actual.as_str())))
        .collect();
    let want: BTreeMap<&str, (&str, &str)> = [
        ("list_price", ("90.00", "94.50")),
        ("no list_price", ("true", "true")),
        ("catalog", ("false", "Aftermarket copy")),
        ("not in catalog", ("true", "true")),
        ("sources", ("true", "false")),
        ("assets", ("75", "0")),
        (
            "partner",
            (
                "P-SI systems_integrator US-NE active",
                "2025-01-01 2030-12-31 2030-12-31",
            ),
        ),
        ("no partner", ("true", "")),
        ("days", ("13", "-13")),
        ("add_days", ("2026-02-28", "2026-04-01")),
        ("date parts", ("2026/3/14", "true")),
        ("amount", ("35.997", "3")),
        ("attrs", ("true", "0.1")),
        ("big attr", ("true", "1234567890.12345")),
        ("int attr", ("8", "web")),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
}
