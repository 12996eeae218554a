//! `pactum validate` and `pactum test` on a layered pack (issue 12, item 5): a company
//! layer over the shipped standard pack raises `price.no-list-price` to an error and adds a
//! 50-unit cap, without touching the vendor's files.

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
use std::process::Command;
use tempfile::TempDir;

const QTY_CAP: &str = r#"[[rule]]
id = "company.qty-cap"
title = "At most 50 units a line"
severity = "error"
check = "condition"
[rule.select]
kinds = ["sale"]
[rule.params]
when = "line.qty > 50"
message = "line ${line.index} of ${record.id} orders ${line.qty} units"
each_line = true
"#;

const QTY_CASE: &str = r#"[[case]]
name = "60 units on one line is over the cap"
rules = ["company.qty-cap"]
expect = [{ rule = "company.qty-cap", record = "S-60" }]

[[case.records]]
id = "S-60"
kind = "sale"
date = "2026-03-14"
partner = "P-SI-07"
lines = [{ sku = "SEAL-200", qty = 60, unit_price = "90.00", currency = "USD", source = "oem" }]
"#;

fn layer() -> TempDir {
    let dir = TempDir::new().unwrap();
    let manifest = format!(
        "name = \"acme\"\nversion = \"0.1.0\"\nextends = '{}'\n\n[override.\"price.no-list-price\"]\nseverity = \"error\"\n",
        pack_dir().display()
    );
    std::fs::write(dir.path().join("pack.toml"), manifest).unwrap();
    std::fs::write(dir.path().join("acme.toml"), QTY_CAP).unwrap();
    std::fs::create_dir(dir.path().join("tests")).unwrap();
    std::fs::write(dir.path().join("tests/acme.toml"), QTY_CASE).unwrap();
    dir
}

fn pactum(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pactum"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn acceptance_a_layered_pack_validates_and_tests_without_touching_the_vendor_files() {
    let vendor = std_pack().hash().to_owned();
    let layer = layer();
    let dir = layer.path().to_str().unwrap();

    let (code, out, err) = pactum(&["validate", dir]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("rule pack `acme` 0.1.0"), "{out}");
    assert!(out.contains("17 rules, no problems"), "{out}");
    assert!(
        out.contains("layered over `standard` 1.0.0") && out.contains("1 own rules, 1 overrides"),
        "{out}"
    );
    assert!(
        out.contains("override `price.no-list-price`: severity warning -> error"),
        "{out}"
    );

    let (code, out, err) = pactum(&["test", dir]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("CHANGED BY LAYER  base  "), "{out}");
    assert!(
        out.contains("changed:    price.no-list-price on record")
            && out.contains("warning -> error (override of `price.no-list-price`"),
        "{out}"
    );
    assert!(out.contains("changed by the layer, 0 failed"), "{out}");

    let (code, out, err) = pactum(&["test", dir, "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["base"], "standard 1.0.0");
    let cases = report["cases"].as_array().unwrap();
    let changed: Vec<&Value> = cases
        .iter()
        .filter(|c| c["kind"] == "changed-by-layer")
        .collect();
    assert!(!changed.is_empty());
    assert!(changed.iter().all(|c| c["from_base"] == true));
    let change = &changed[0]["changes"][0];
    assert!(
        change["cause"]
            .as_str()
            .unwrap()
            .contains("added by the layer")
            || change["layer"] == "error"
    );
    assert!(
        cases
            .iter()
            .any(|c| c["from_base"] == false && c["kind"] == "passed")
    );

    assert_eq!(
        std_pack().hash(),
        vendor,
        "the vendor's files are untouched"
    );
}

#[test]
fn a_layer_that_overrides_an_unknown_rule_fails_validate_with_a_hint() {
    let layer = layer();
    let manifest = layer.path().join("pack.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace("no-list-price\"]", "no-list-prise\"]"),
    )
    .unwrap();
    let (code, out, err) = pactum(&["validate", layer.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("which the base pack does not have"), "{err}");
    assert!(err.contains("did you mean `price.no-list-price`?"), "{err}");
}
