//! Rule parameters (`[rule.params]` keys beyond a policy's own) read by scripts and
//! conditions as `params`: typed values, exact decimals, checked at load against what the
//! policy does with them; and `explain` on policies, showing what they read and gave.

use crate::common::*;
use pactum::{Engine, Pack, Record};
use serde_json::json;

const MANIFEST: &str = "name = \"user\"\nversion = \"0.1.0\"\n";

/// A sale by `P-SI` on 2026-03-14 with one line of `qty` FILTER-5 at `price` EUR.
fn order(id: &str, qty: u32, price: &str) -> Record {
    record_of(json!({
        "id": id, "kind": "sale", "date": "2026-03-14", "partner": "P-SI",
        "region": "EU-W",
        "lines": [{"sku": "FILTER-5", "qty": qty, "unit_price": price, "currency": "EUR"}]
    }))
}

/// A pack of `files` (beside a manifest), loaded, or its diagnostics as
/// `(file, line, message)`.
fn load(files: &[(&str, &str)]) -> Result<Engine, Vec<(String, usize, String)>> {
    let mut all = vec![("pack.toml", MANIFEST)];
    all.extend_from_slice(files);
    let dir = write_tree(&all);
    match Pack::load(dir.path()) {
        Ok(pack) => Ok(Engine::new(pack, refdata()).expect("the engine builds")),
        Err(err) => Err(err
            .diagnostics()
            .iter()
            .map(|d| {
                let loc = d.location();
                let name = loc.file().file_name().unwrap().to_string_lossy();
                (name.into_owned(), loc.line(), d.message().to_owned())
            })
            .collect()),
    }
}

fn load_err(files: &[(&str, &str)]) -> Vec<(String, usize, String)> {
    match load(files) {
        Ok(_) => panic!("the pack must not load"),
        Err(errors) => errors,
    }
}

const CAP_RULE: &str = r#"[[rule]]
id = "user.cap"
title = "At most a cap of units per line"
severity = "error"
check = "script"
[rule.params]
file = "scripts/cap.rhai"
max_qty = 50
"#;

const CAP_SCRIPT: &str = r#"fn check(record, params) {
    let out = [];
    for line in record.lines {
        if line.qty > params.max_qty {
            out.push(line_finding(line.index, `qty ${line.qty} over the cap of ${params.max_qty}`,
                params.max_qty, line.qty));
        }
    }
    out
}
"#;

#[test]
fn a_script_reads_its_cap_from_params() {
    let e = load(&[("cap.toml", CAP_RULE), ("scripts/cap.rhai", CAP_SCRIPT)]).unwrap();
    let v = e.check(&order("S-1", 60, "20.00"));
    assert!(v.rule_errors.is_empty(), "{:?}", v.rule_errors);
    assert_eq!(v.findings.len(), 1);
    assert_eq!(v.findings[0].message, "qty 60 over the cap of 50");
    assert_eq!(
        (
            v.findings[0].expected.as_str(),
            v.findings[0].actual.as_str()
        ),
        ("50", "60")
    );
    assert!(e.check(&order("S-2", 50, "20.00")).is_clean());

    // The same script under another rule with another cap: the cap is the rule's.
    let forty = CAP_RULE
        .replace("user.cap", "user.cap-40")
        .replace("max_qty = 50", "max_qty = 40");
    let e = load(&[
        ("cap.toml", CAP_RULE),
        ("cap40.toml", &forty),
        ("scripts/cap.rhai", CAP_SCRIPT),
    ])
    .unwrap();
    let rules: Vec<String> = e
        .check(&order("S-3", 45, "20.00"))
        .findings
        .iter()
        .map(|f| f.rule.to_string())
        .collect();
    assert_eq!(rules, ["user.cap-40"]);
}

#[test]
fn a_script_that_changes_its_params_changes_them_for_one_record_only() {
    let script = "fn check(record, params) { params.max_qty -= 1; finding(`${params.max_qty}`) }";
    let e = load(&[("cap.toml", CAP_RULE), ("scripts/cap.rhai", script)]).unwrap();
    for id in ["S-1", "S-2"] {
        let v = e.check(&order(id, 1, "1.00"));
        assert_eq!(v.findings[0].message, "49");
    }
}

/// A condition rule with `params` text added to its `[rule.params]`.
fn condition(when: &str, params: &str) -> String {
    format!(
        "[[rule]]\nid = \"user.when\"\ntitle = \"A condition\"\nseverity = \"warning\"\n\
         check = \"condition\"\n[rule.params]\nwhen = '{when}'\nmessage = \"hit\"\n\
         each_line = true\n{params}"
    )
}

#[test]
fn conditions_see_typed_params_and_decimals_stay_exact() {
    let e = load(&[(
        "floor.toml",
        &condition("line.unit_price < params.floor", "floor = 12.50"),
    )])
    .unwrap();
    assert_eq!(e.check(&order("S-1", 1, "12.49")).findings.len(), 1);
    assert!(e.check(&order("S-2", 1, "12.50")).is_clean());
    // 0.1 + 0.2 is 0.3 exactly: the parameter is a decimal, not a float.
    let e = load(&[(
        "sum.toml",
        &condition(
            "params.a + params.b == params.c",
            "a = 0.1\nb = 0.2\nc = 0.3",
        ),
    )])
    .unwrap();
    assert_eq!(e.check(&order("S-3", 1, "1.00")).findings.len(), 1);

    let cases = [
        // A date.
        ("record.date >= params.from", "from = 2026-03-14", true),
        ("record.date >= params.from", "from = 2026-03-15", false),
        // Strings and arrays of them.
        (
            "record.region in params.regions",
            r#"regions = ["EU-W", "EU-N"]"#,
            true,
        ),
        (
            "record.region in params.regions",
            r#"regions = ["US-NE"]"#,
            false,
        ),
        ("record.partner == params.who", "who = \"P-SI\"", true),
        // Integers, and a table.
        (
            "line.qty >= params.limits.qty",
            "limits = { qty = 3 }",
            true,
        ),
        (
            "line.qty >= params.limits.qty",
            "limits = { qty = 4 }",
            false,
        ),
    ];
    for (when, params, fires) in cases {
        let e = load(&[("c.toml", &condition(when, params))])
            .unwrap_or_else(|errors| panic!("{when} with {params}: {errors:?}"));
        let found = !e.check(&order("S-4", 3, "1.00")).findings.is_empty();
        assert_eq!(found, fires, "{when} with {params}");
    }
}

#[test]
fn a_param_the_policy_reads_but_the_rule_lacks_is_a_load_error_at_the_read() {
    let script = "fn check(record, params) {\n    if record.lines.len() > params.max_qtty { finding(\"x\") }\n}\n";
    let errors = load_err(&[("cap.toml", CAP_RULE), ("scripts/cap.rhai", script)]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (file, line, message) = &errors[0];
    assert_eq!((file.as_str(), *line), ("cap.rhai", 2));
    assert!(message.contains("reads `params.max_qtty`"), "{message}");
    assert!(message.contains("did you mean `max_qty`?"), "{message}");

    let errors = load_err(&[(
        "c.toml",
        &condition("line.qty > params.cap", "max_qty = 50"),
    )]);
    assert!(errors[0].2.contains("reads `params.cap`"), "{errors:?}");
    assert_eq!(errors[0].0, "c.toml");
}

#[test]
fn a_param_of_the_wrong_type_is_a_load_error_where_it_is_used() {
    let cases = [
        (
            "line.qty > params.max_qty",
            "max_qty = \"50\"",
            "parameter `max_qty` is a string (`max_qty = \"50\"`), but is used with `>` and an integer here",
        ),
        (
            "record.date < params.from",
            "from = \"2026-01-01\"",
            "parameter `from` is a string",
        ),
        (
            "days_between(params.from, record.date) > 30",
            "from = \"2026-01-01\"",
            "but `days_between` takes a date here",
        ),
        (
            "line.unit_price * params.share > 1",
            "share = \"0.5\"",
            "is used with `*` and a decimal here",
        ),
        (
            "record.region in params.regions",
            "regions = 3",
            "but `in` needs an array, a string or a table",
        ),
        (
            "partner(record.partner).certified_until < params.cutoff",
            "cutoff = 30",
            "is used with `<` and a date here",
        ),
    ];
    for (when, params, said) in cases {
        let Err(errors) = load(&[("c.toml", &condition(when, params))]) else {
            panic!("{when} with {params} must not load");
        };
        assert_eq!(errors.len(), 1, "{when}: {errors:?}");
        let (file, line, message) = &errors[0];
        assert_eq!((file.as_str(), *line), ("c.toml", 7), "{when}");
        assert!(message.contains(said), "{when}: {message}");
    }
    // Numbers meet numbers, whatever their kind; a string may be added to anything.
    for (when, params) in [
        ("line.unit_price > params.cap", "cap = 12"),
        ("line.qty < params.cap", "cap = 12.5"),
        ("`${params.cap}` + line.qty == \"11\"", "cap = 1"),
    ] {
        load(&[("c.toml", &condition(when, params))])
            .unwrap_or_else(|e| panic!("{when} with {params}: {e:?}"));
    }
}

#[test]
fn params_a_script_cannot_take_and_values_no_policy_can_use_are_load_errors() {
    let one_arg = "fn check(record) { () }";
    let errors = load_err(&[("cap.toml", CAP_RULE), ("scripts/cap.rhai", one_arg)]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].0.as_str(), errors[0].1), ("cap.toml", 7));
    assert!(
        errors[0]
            .2
            .contains("gives the parameters `max_qty`, but `")
            && errors[0]
                .2
                .contains("scripts/cap.rhai` defines `fn check(record)`"),
        "{errors:?}"
    );

    let bad_values = [
        ("max_qty = 2026-01-01T10:00:00", "has a time of day"),
        ("max_qty = nan", "not a number"),
        ("max_qty = 99999999999999999999", "64 bits"),
    ];
    for (value, said) in bad_values {
        let rule = CAP_RULE.replace("max_qty = 50", value);
        let errors = load_err(&[("cap.toml", &rule), ("scripts/cap.rhai", CAP_SCRIPT)]);
        assert!(
            errors
                .iter()
                .any(|(f, l, m)| f == "cap.toml" && *l == 8 && m.contains(said)),
            "{value}: {errors:?}"
        );
    }

    // A near miss of an own key the rule leaves out is a typo, not a parameter.
    let rule = CAP_RULE.replace("file = ", "fiel = ");
    let errors = load_err(&[("cap.toml", &rule), ("scripts/cap.rhai", CAP_SCRIPT)]);
    assert!(
        errors
            .iter()
            .any(|(_, l, m)| *l == 7 && m.contains("`fiel` is not a key of this check")),
        "{errors:?}"
    );
    // With `file` given, a parameter may be named like it.
    let rule = CAP_RULE.replace("max_qty = 50", "max_qty = 50\nline = 2");
    load(&[("cap.toml", &rule), ("scripts/cap.rhai", CAP_SCRIPT)]).unwrap();
}

#[test]
fn explain_shows_what_a_script_read_and_returned() {
    let e = load(&[("cap.toml", CAP_RULE), ("scripts/cap.rhai", CAP_SCRIPT)]).unwrap();
    let batch = batch_of(
        &serde_json::to_string(&json!({
            "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-SI",
            "lines": [{"sku": "FILTER-5", "qty": 60, "unit_price": "20.00", "currency": "EUR"}]
        }))
        .unwrap(),
    );
    let x = e.explain(&batch, "user.cap", "S-1", None).unwrap();
    let text = x.to_text();
    for said in [
        "`check(record, params)` in",
        "params: max_qty = 50",
        "read: record.lines is 1 line",
        "read: record.lines[0].qty is 60",
        "gave: `check` returned [#{",
        "verdict: 1 finding, 0 rule errors",
    ] {
        assert!(text.contains(said), "{said}\n{text}");
    }
    let reads: Vec<(&str, &str)> = x
        .steps
        .iter()
        .filter(|s| s.about == "read")
        .map(|s| (s.facts["read"].as_str(), s.facts["value"].as_str()))
        .collect();
    assert_eq!(
        reads,
        [
            ("record.lines", "1 line"),
            ("record.lines[0].qty", "60"),
            ("record.lines[0].index", "0")
        ]
    );
}

#[test]
fn explain_shows_reference_lookups_and_what_a_condition_gave_on_each_line() {
    let when = "line.unit_price < params.floor && partner(record.partner).status == \"active\"";
    let e = load(&[("c.toml", &condition(when, "floor = 12.50"))]).unwrap();
    let batch = batch_of(
        &serde_json::to_string(&json!({
            "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-SI",
            "lines": [
                {"sku": "FILTER-5", "qty": 1, "unit_price": "20.00", "currency": "EUR"},
                {"sku": "FILTER-5", "qty": 1, "unit_price": "12.49", "currency": "EUR"}
            ]
        }))
        .unwrap(),
    );
    let text = e
        .explain(&batch, "user.when", "S-1", None)
        .unwrap()
        .to_text();
    for said in [
        "params: floor = 12.50",
        "read: record.lines[0].unit_price is 20.00",
        "gave: on line 1 the condition gave false",
        "read: record.lines[1].unit_price is 12.49",
        "read: record.partner is \"P-SI\"",
        "read: partner(\"P-SI\") is the",
        "read: partner(\"P-SI\").status is \"active\"",
        "gave: on line 2 the condition gave true",
        "verdict: 1 finding",
    ] {
        assert!(text.contains(said), "{said}\n{text}");
    }
}

/// `pack.toml` of a layer over the `user` pack with these override lines.
fn layer_over(overrides: &str) -> Vec<(std::path::PathBuf, String)> {
    vec![(
        "pack.toml".into(),
        format!("name = \"acme\"\nversion = \"1.0.0\"\nextends = \"user\"\n\n{overrides}"),
    )]
}

#[test]
fn a_layer_changes_a_policy_parameter_and_keeps_the_vendors_script() {
    let dir = write_tree(&[
        ("pack.toml", MANIFEST),
        ("cap.toml", CAP_RULE),
        ("scripts/cap.rhai", CAP_SCRIPT),
    ]);
    let base = Pack::load(dir.path()).unwrap();
    let layered = Pack::from_files_extending(
        "acme",
        layer_over("[override.\"user.cap\"]\nparams = { max_qty = 40 }\n"),
        &base,
    )
    .unwrap();
    let e = Engine::new(layered, refdata()).unwrap();
    let v = e.check(&order("S-1", 45, "20.00"));
    assert_eq!(v.findings[0].message, "qty 45 over the cap of 40");
    // The base pack still says 50.
    let e = Engine::new(base.clone(), refdata()).unwrap();
    assert!(e.check(&order("S-1", 45, "20.00")).is_clean());

    // A misspelt parameter is caught against the script, in the script's file.
    let err = Pack::from_files_extending(
        "acme",
        layer_over("[override.\"user.cap\"]\nparams = { max_qtty = 40 }\n"),
        &base,
    )
    .unwrap_err();
    let d = &err.diagnostics()[0];
    assert!(d.message().contains("reads `params.max_qty`"), "{err}");
    assert!(d.message().contains("did you mean `max_qtty`?"), "{err}");
    assert_eq!(d.location().file().file_name().unwrap(), "cap.rhai");

    // A condition's parameter, with the wrong type, is placed at the override.
    let dir = write_tree(&[
        ("pack.toml", MANIFEST),
        ("c.toml", &condition("line.qty > params.cap", "cap = 50")),
    ]);
    let base = Pack::load(dir.path()).unwrap();
    let err = Pack::from_files_extending(
        "acme",
        layer_over("[override.\"user.when\"]\nparams = { cap = \"40\" }\n"),
        &base,
    )
    .unwrap_err();
    let d = &err.diagnostics()[0];
    assert!(d.message().contains("parameter `cap` is a string"), "{err}");
    assert_eq!(d.location().line(), 6);
}
