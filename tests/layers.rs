//! Layered packs (issue 12, item 5): a company pack `extends` the vendor's standard pack,
//! changes its rules by id (`[override."id"]`) and adds its own, without touching the
//! vendor's files; `pactum test` reports the vendor cases the layer changes as their own
//! kind of result.

use crate::common::*;
use pactum::Pack;
use pactum::codes;
use pactum::testing::{CaseKind, run_pack_tests, run_tests};
use std::path::Path;
use tempfile::TempDir;

/// The company's rule: no sale line above 50 units.
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
expected = "at most 50"
actual = "${line.qty}"
each_line = true
"#;

/// The company's own case for its rule.
const QTY_CASE: &str = r#"[[case]]
name = "60 units on one line is over the cap, 50 is not"
rules = ["company.qty-cap"]
expect = [{ rule = "company.qty-cap", record = "S-60" }]
clean = ["S-50"]

[[case.records]]
id = "S-60"
kind = "sale"
date = "2026-03-14"
partner = "P-SI-07"
lines = [{ sku = "SEAL-200", qty = 60, unit_price = "90.00", currency = "USD", source = "oem" }]
documents = [{ kind = "purchase_order", signed = true }]

[[case.records]]
id = "S-50"
kind = "sale"
date = "2026-03-14"
partner = "P-SI-07"
lines = [{ sku = "SEAL-200", qty = 50, unit_price = "90.00", currency = "USD", source = "oem" }]
documents = [{ kind = "purchase_order", signed = true }]
"#;

fn manifest(base: &Path, rest: &str) -> String {
    format!(
        "name = \"acme\"\nversion = \"0.1.0\"\nextends = '{}'\n{rest}",
        base.display()
    )
}

const RAISE: &str = "[override.\"price.no-list-price\"]\nseverity = \"error\"\n";

/// The acceptance layer: over `base`, raise `price.no-list-price` to an error and add the
/// 50-unit cap, with a case of its own.
fn acme(base: &Path) -> TempDir {
    write_tree(&[
        ("pack.toml", &manifest(base, RAISE)),
        ("acme.toml", QTY_CAP),
        ("tests/acme.toml", QTY_CASE),
    ])
}

fn codes_of(e: &pactum::LoadError) -> Vec<&'static str> {
    e.diagnostics().iter().map(|d| d.code()).collect()
}

#[test]
fn acceptance_a_layer_raises_a_vendor_severity_and_adds_a_company_rule() {
    let vendor_before = Pack::load(pack_dir()).unwrap();
    let layer = acme(&pack_dir());
    let pack = Pack::load(layer.path()).unwrap();
    let base = pack.base().unwrap();
    assert_eq!((base.name(), base.version()), ("standard", "1.0.0"));
    assert_eq!(base.hash(), vendor_before.hash());
    assert_eq!(pack.rules().len(), vendor_before.rules().len() + 1);
    let raised = pack
        .rules()
        .iter()
        .find(|r| r.id == "price.no-list-price")
        .unwrap();
    assert_eq!(raised.severity, pactum::Severity::Error);
    assert_eq!(pack.own_rules(), ["company.qty-cap"]);
    assert_eq!(pack.overrides().len(), 1);
    assert_eq!(pack.overrides()[0].describe(), "severity warning -> error");
    assert_ne!(pack.hash(), base.hash());
    assert_ne!(pack.hash(), pack.own_hash());

    let report = run_tests(&pack).unwrap();
    assert!(report.all_passed(), "{}", report.to_text());
    assert_eq!(report.base.as_deref(), Some("standard 1.0.0"));
    let own: Vec<_> = report.cases.iter().filter(|c| !c.from_base).collect();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0].kind, CaseKind::Passed);
    // The vendor's price cases that expect `price.no-list-price` now see it as an error.
    let changed: Vec<_> = report
        .cases
        .iter()
        .filter(|c| c.kind == CaseKind::ChangedByLayer)
        .collect();
    assert!(!changed.is_empty(), "{}", report.to_text());
    assert_eq!(report.changed(), changed.len());
    for c in &changed {
        assert!(c.from_base);
        for change in &c.changes {
            let finding = change.finding.as_ref().unwrap();
            // A vendor case with a line of more than 50 units meets the company's cap.
            if finding.rule == "company.qty-cap" {
                assert_eq!(change.cause, "rule `company.qty-cap` added by the layer");
                continue;
            }
            assert_eq!(finding.rule, "price.no-list-price");
            assert_eq!(
                (change.base, change.layer),
                (
                    Some(pactum::Severity::Warning),
                    Some(pactum::Severity::Error)
                )
            );
            assert!(
                change.cause.contains("override of `price.no-list-price`")
                    && change.cause.contains("severity warning -> error"),
                "{}",
                change.cause
            );
        }
    }
    let text = report.to_text();
    assert!(text.contains("CHANGED BY LAYER  base  "), "{text}");
    assert!(text.contains("changed by the layer, 0 failed"), "{text}");
    let json = serde_json::to_value(&report).unwrap();
    assert!(json.to_string().contains("\"changed-by-layer\""));
    // The vendor's files are untouched.
    assert_eq!(Pack::load(pack_dir()).unwrap().hash(), vendor_before.hash());
    assert_eq!(
        run_pack_tests(layer.path()).unwrap().cases.len(),
        report.cases.len()
    );
}

#[test]
fn a_new_layer_rule_firing_on_a_vendor_case_is_changed_by_the_layer_not_a_failure() {
    // A cap of 0 units fires on every vendor sale.
    let cap = QTY_CAP.replace("line.qty > 50", "line.qty > 0");
    let layer = write_tree(&[
        ("pack.toml", &manifest(&pack_dir(), "")),
        ("acme.toml", &cap),
    ]);
    let report = run_pack_tests(layer.path()).unwrap();
    assert!(report.all_passed(), "{}", report.to_text());
    let change = report
        .cases
        .iter()
        .flat_map(|c| &c.changes)
        .find(|c| {
            c.finding
                .as_ref()
                .is_some_and(|f| f.rule == "company.qty-cap")
        })
        .unwrap();
    assert_eq!(change.base, None);
    assert_eq!(change.cause, "rule `company.qty-cap` added by the layer");
}

#[test]
fn disabling_a_vendor_rule_changes_its_cases_and_removes_it() {
    let layer = write_tree(&[(
        "pack.toml",
        &manifest(
            &pack_dir(),
            "[override.\"price.no-list-price\"]\ndisable = true\n",
        ),
    )]);
    let pack = Pack::load(layer.path()).unwrap();
    assert!(pack.rules().iter().all(|r| r.id != "price.no-list-price"));
    let report = run_tests(&pack).unwrap();
    assert!(report.all_passed(), "{}", report.to_text());
    assert!(report.changed() > 0);
    let text = report.to_text();
    assert!(
        text.contains("warning -> none (override of `price.no-list-price`"),
        "{text}"
    );
}

#[test]
fn a_vendor_case_that_fails_against_the_vendor_pack_alone_is_a_failure() {
    let data = format!("data = '{}'", example_data_dir().display());
    // A broken vendor pack: its min-list rule allows a 50% discount, so its cases fail.
    let vendor = pack_copy(&[
        ("pack.toml", "data = \"../examples/data\"", &data),
        (
            "price.toml",
            "systems_integrator = \"0\"",
            "systems_integrator = \"0.5\"",
        ),
    ]);
    let layer = write_tree(&[("pack.toml", &manifest(vendor.path(), RAISE))]);
    let report = run_pack_tests(layer.path()).unwrap();
    assert!(!report.all_passed());
    let failed = report
        .cases
        .iter()
        .find(|c| c.kind == CaseKind::Failed)
        .unwrap();
    assert!(failed.from_base);
    assert!(
        failed
            .problems
            .iter()
            .any(|p| p.contains("against the base pack standard 1.0.0 alone too")),
        "{:?}",
        failed.problems
    );
}

#[test]
fn overriding_a_rule_the_base_does_not_have_is_an_error_with_a_hint() {
    let layer = write_tree(&[(
        "pack.toml",
        &manifest(
            &pack_dir(),
            "[override.\"price.no-list-prize\"]\nseverity = \"error\"\n",
        ),
    )]);
    let e = Pack::load(layer.path()).unwrap_err();
    let d = &e.diagnostics()[0];
    assert_eq!(d.code(), codes::PACK_UNKNOWN_OVERRIDE);
    assert_eq!(d.help(), Some("did you mean `price.no-list-price`?"));
    assert_eq!(d.location().file(), layer.path().join("pack.toml"));
    assert_eq!(d.location().line(), 4);
}

#[test]
fn override_keys_are_checked_like_a_rule() {
    let cases = [
        // An unknown key.
        ("severty = \"error\"", codes::PACK_UNKNOWN_KEY),
        // A severity that does not exist.
        ("severity = \"fatal\"", codes::PACK_BAD_VALUE),
        // Params re-validated by the check kind: not a fraction.
        (
            "params = { allowed_discount = { dealer = \"1.5\" } }",
            codes::PACK_BAD_PARAM,
        ),
        // A record kind that is a typo.
        ("select = { kinds = [\"sael\"] }", codes::PACK_BAD_VALUE),
        // Nothing changed.
        ("", codes::PACK_BAD_VALUE),
    ];
    for (body, code) in cases {
        let layer = write_tree(&[(
            "pack.toml",
            &manifest(
                &pack_dir(),
                &format!("[override.\"price.min-list\"]\n{body}\n"),
            ),
        )]);
        let e = Pack::load(layer.path()).unwrap_err();
        assert_eq!(codes_of(&e), [code], "{body}: {e}");
    }
    // Good params replace the base rule's.
    let layer = write_tree(&[(
        "pack.toml",
        &manifest(
            &pack_dir(),
            "[override.\"price.min-list\"]\nparams = { allowed_discount = { dealer = \"0.1\" } }\nselect = { kinds = [\"sale\"], regions = [\"EU\"] }\n",
        ),
    )]);
    let pack = Pack::load(layer.path()).unwrap();
    assert_eq!(pack.overrides()[0].describe(), "select, params");
    let rule = pack
        .rules()
        .iter()
        .find(|r| r.id == "price.min-list")
        .unwrap();
    assert_eq!(rule.select.regions, ["EU"]);
}

#[test]
fn a_layer_rule_with_a_base_rule_id_is_a_duplicate_pointing_at_both() {
    let dup = QTY_CAP.replace("company.qty-cap", "price.min-list");
    let layer = write_tree(&[
        ("pack.toml", &manifest(&pack_dir(), "")),
        ("acme.toml", &dup),
    ]);
    let e = Pack::load(layer.path()).unwrap_err();
    assert_eq!(codes_of(&e), [codes::DUPLICATE_RULE_ID]);
    let text = e.to_string();
    assert!(text.contains("acme.toml"), "{text}");
    assert!(text.contains("price.toml"), "{text}");
}

#[test]
fn extends_cycles_missing_bases_and_overrides_without_a_base_are_errors() {
    let me = write_tree(&[(
        "pack.toml",
        "name = \"a\"\nversion = \"1\"\nextends = \".\"\n",
    )]);
    let e = Pack::load(me.path()).unwrap_err();
    assert_eq!(codes_of(&e), [codes::PACK_EXTENDS_CYCLE]);
    // Two packs naming each other.
    let a = TempDir::new().unwrap();
    let b = TempDir::new().unwrap();
    for (dir, other) in [(&a, &b), (&b, &a)] {
        std::fs::write(dir.path().join("pack.toml"), manifest(other.path(), "")).unwrap();
    }
    let e = Pack::load(a.path()).unwrap_err();
    assert!(codes_of(&e).contains(&codes::PACK_EXTENDS_CYCLE), "{e}");
    let gone = write_tree(&[("pack.toml", &manifest(Path::new("no-such-pack"), ""))]);
    let e = Pack::load(gone.path()).unwrap_err();
    assert_eq!(codes_of(&e), [codes::PACK_EXTENDS_MISSING]);
    let lone = write_tree(&[
        (
            "pack.toml",
            &format!("name = \"x\"\nversion = \"1\"\n{RAISE}"),
        ),
        ("acme.toml", QTY_CAP),
    ]);
    let e = Pack::load(lone.path()).unwrap_err();
    assert_eq!(codes_of(&e), [codes::PACK_BAD_VALUE]);
    assert!(e.to_string().contains("no `extends`"), "{e}");
}

#[test]
fn a_deep_chain_of_layers_is_bounded() {
    let mut dirs: Vec<TempDir> = Vec::new();
    let mut base = pack_dir();
    for _ in 0..pactum::pack::MAX_EXTENDS_DEPTH {
        let d = write_tree(&[("pack.toml", &manifest(&base, ""))]);
        base = d.path().to_path_buf();
        dirs.push(d);
    }
    let e = Pack::load(&base).unwrap_err();
    assert!(codes_of(&e).contains(&codes::PACK_EXTENDS_TOO_DEEP), "{e}");
    // One layer less loads.
    assert!(Pack::load(dirs[1].path()).is_ok());
}

#[test]
fn the_layered_hash_covers_the_base_files_and_the_layer_files() {
    let data = format!("data = '{}'", example_data_dir().display());
    let vendor = pack_copy(&[("pack.toml", "data = \"../examples/data\"", &data)]);
    let layer = acme(vendor.path());
    let first = Pack::load(layer.path()).unwrap();
    // One byte of a vendor script.
    let script = vendor.path().join("scripts/partner_active.rhai");
    let text = std::fs::read_to_string(&script).unwrap();
    std::fs::write(&script, format!("{text} ")).unwrap();
    let second = Pack::load(layer.path()).unwrap();
    assert_ne!(first.hash(), second.hash());
    assert_eq!(first.own_hash(), second.own_hash());
    // One byte of the layer.
    std::fs::write(layer.path().join("acme.toml"), format!("{QTY_CAP}\n")).unwrap();
    let third = Pack::load(layer.path()).unwrap();
    assert_ne!(second.hash(), third.hash());
    assert_ne!(second.own_hash(), third.own_hash());
    assert_eq!(second.base().unwrap().hash(), third.base().unwrap().hash());
}

#[test]
fn limits_come_from_the_layer_if_given_else_from_the_base() {
    let vendor = write_tree(&[
        (
            "pack.toml",
            "name = \"v\"\nversion = \"1\"\n[limits]\nmax_operations = 1234\n",
        ),
        ("acme.toml", QTY_CAP),
    ]);
    let layer = write_tree(&[("pack.toml", &manifest(vendor.path(), ""))]);
    assert_eq!(
        Pack::load(layer.path()).unwrap().limits().max_operations,
        1234
    );
    let layer = write_tree(&[(
        "pack.toml",
        &manifest(vendor.path(), "[limits]\nmax_operations = 99\n"),
    )]);
    assert_eq!(
        Pack::load(layer.path()).unwrap().limits().max_operations,
        99
    );
}

#[test]
fn a_layer_in_memory_extends_a_pack_given_to_it() {
    let base = Pack::load(pack_dir()).unwrap();
    let files = [
        (
            "pack.toml",
            format!("name = \"acme\"\nversion = \"1\"\n{RAISE}"),
        ),
        ("acme.toml", QTY_CAP.to_owned()),
    ]
    .map(|(p, t)| (std::path::PathBuf::from(p), t));
    let pack = Pack::from_files_extending("acme-db", files.clone(), &base).unwrap();
    assert_eq!(pack.base().unwrap().hash(), base.hash());
    assert_eq!(pack.rules().len(), base.rules().len() + 1);
    // The same layer from memory without a base: `extends` cannot be resolved.
    let mut files = files.to_vec();
    files[0].1 = format!("name = \"acme\"\nversion = \"1\"\nextends = \"../rules\"\n{RAISE}");
    let e = Pack::from_files("acme-db", files).unwrap_err();
    assert_eq!(codes_of(&e), [codes::PACK_EXTENDS_MISSING]);
}

#[test]
fn extends_is_relative_to_the_layer_folder() {
    let layer = TempDir::new().unwrap();
    let acme = layer.path().join("acme");
    std::fs::create_dir(&acme).unwrap();
    // `../../rules` style: up from the layer to the root, then down to the vendor's pack.
    let ups = acme.components().count() - 1;
    let relative = format!(
        "{}{}",
        "../".repeat(ups),
        pack_dir().strip_prefix("/").unwrap().display()
    );
    std::fs::write(
        acme.join("pack.toml"),
        format!("name = \"acme\"\nversion = \"1\"\nextends = \"{relative}\"\n{RAISE}"),
    )
    .unwrap();
    let pack = Pack::load(&acme).unwrap();
    assert_eq!(pack.base().unwrap().name(), "standard");
}

#[test]
fn problems_in_the_base_name_the_base_files() {
    let data = format!("data = '{}'", example_data_dir().display());
    let vendor = pack_copy(&[
        ("pack.toml", "data = \"../examples/data\"", &data),
        (
            "price.toml",
            "severity = \"warning\"",
            "severity = \"warnung\"",
        ),
    ]);
    let layer = acme(vendor.path());
    let e = Pack::load(layer.path()).unwrap_err();
    let first = &e.diagnostics()[0];
    assert_eq!(first.location().file(), vendor.path().join("price.toml"));
    assert_eq!(first.help(), Some("did you mean `warning`?"));
    // The base's text is kept for rendering, and the layer says why it stops.
    assert!(e.source(&vendor.path().join("price.toml")).is_some());
    let last = e.diagnostics().last().unwrap();
    assert_eq!(last.code(), codes::PACK_EXTENDS_MISSING);
    assert_eq!(last.location().file(), layer.path().join("pack.toml"));
}

#[test]
fn a_base_case_naming_a_rule_the_layer_disabled_is_changed_by_the_layer() {
    let vendor = write_tree(&[
        ("pack.toml", "name = \"v\"\nversion = \"1\"\n"),
        ("acme.toml", QTY_CAP),
        (
            "tests/cap.toml",
            "[[case]]\nname = \"50 units are fine\"\nrules = [\"company.qty-cap\"]\nclean = [\"S-50\"]\n[[case.records]]\nid = \"S-50\"\nkind = \"sale\"\ndate = \"2026-03-14\"\npartner = \"P-1\"\nlines = [{ sku = \"A\", qty = 50, unit_price = \"1.00\", currency = \"USD\", source = \"oem\" }]\n",
        ),
    ]);
    let layer = write_tree(&[(
        "pack.toml",
        &manifest(
            vendor.path(),
            "[override.\"company.qty-cap\"]\ndisable = true\n",
        ),
    )]);
    let report = run_pack_tests(layer.path()).unwrap();
    assert!(report.all_passed(), "{}", report.to_text());
    let case = &report.cases[0];
    assert_eq!(case.kind, CaseKind::ChangedByLayer);
    assert!(
        case.changes[0]
            .cause
            .contains("`company.qty-cap` is not in the pack"),
        "{}",
        report.to_text()
    );
}
