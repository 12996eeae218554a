#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! Policies on the compiled path against the same policies on rhai, in one run: each
//! `partner.*` script of the standard pack, and the line decision (list price, genuine
//! part, approved source) as an `each_line` condition beside the built-in checks that make
//! it, passing and failing. The rhai side is the same text with one construct outside the
//! compiled subset that changes nothing (a helper never called, `${record.customer ?? ""}` (the records have no customer) at the end
//! of the message), which keeps the rule on rhai.

use criterion::{Criterion, criterion_group, criterion_main};
use pactum::{Engine, Pack, Record, RefData, Verdict};
use std::hint::black_box;
use std::path::Path;

const SCRIPTS: [&str; 4] = [
    "partner_active",
    "partner_certified",
    "partner_contract_current",
    "partner_territory",
];

const BUILT_IN: &str = r#"
[[rule]]
id = "price.min-list"
title = "t"
severity = "error"
check = "min-list-price"
[rule.params]
allowed_discount = { distributor = "0", dealer = "0", systems_integrator = "0", sales_agent = "0" }

[[rule]]
id = "price.no-list-price"
title = "t"
severity = "error"
check = "list-price-exists"

[[rule]]
id = "parts.genuine"
title = "t"
severity = "error"
check = "genuine-parts"
"#;

const WHEN: &str = "list_price(line.sku, line.currency, record.date) == () || line.unit_price < list_price(line.sku, line.currency, record.date) || catalog(line.sku) == () || !catalog(line.sku).genuine || line.source == () || !is_approved_source(line.source)";
const MESSAGE: &str =
    "${line.sku} at ${line.unit_price}, list ${list_price(line.sku, line.currency, record.date)}";

fn condition(message: &str) -> String {
    format!(
        "[[rule]]\nid = \"line.decision\"\ntitle = \"t\"\nseverity = \"error\"\ncheck = \"condition\"\n[rule.params]\nwhen = '''{WHEN}'''\nmessage = '''{message}'''\neach_line = true\n"
    )
}

fn script_rule(file: &str) -> String {
    format!(
        "[[rule]]\nid = \"partner.x\"\ntitle = \"t\"\nseverity = \"error\"\ncheck = \"script\"\n[rule.params]\nfile = \"{file}\"\n"
    )
}

fn engine(dir: &Path, rules: &str, script: Option<&str>) -> Engine {
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("pack.toml", "name = \"bench\"\nversion = \"1\"\n");
    write("rules.toml", rules);
    if let Some(script) = script {
        write("s.rhai", script);
    }
    let pack = Pack::load(dir).unwrap_or_else(|e| panic!("{e}"));
    let data = RefData::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data"))
        .unwrap_or_else(|e| panic!("{e}"));
    Engine::new(pack, data).unwrap_or_else(|e| panic!("{e}"))
}

/// A one-line sale of a SEAL-200 (list 90.00 USD) bought from the OEM.
fn sale(partner: &str, date: &str, region: &str, price: &str) -> Record {
    let json = serde_json::json!({
        "id": "S-1", "kind": "sale", "date": date, "partner": partner, "region": region,
        "lines": [{"sku": "SEAL-200", "qty": 1, "unit_price": price, "currency": "USD", "source": "oem"}],
        "documents": [{"kind": "purchase_order", "ref": "PO-1", "signed": true}]
    });
    Record::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

fn run(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: String,
    engine: &Engine,
    record: &Record,
    expected: usize,
) {
    let mut out = Verdict::default();
    engine.check_into(record, &mut out);
    assert_eq!(
        (out.findings.len(), out.rule_errors.len()),
        (expected, 0),
        "{name}"
    );
    group.bench_function(name, |bench| {
        bench.iter(|| {
            out.clear();
            engine.check_into(black_box(record), &mut out);
        })
    });
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn bench_line_decision(c: &mut Criterion) {
    let dirs = [tempdir(), tempdir(), tempdir()];
    let [a, b, d] = &dirs;
    let built_in = engine(a.path(), BUILT_IN, None);
    let compiled = engine(b.path(), &condition(MESSAGE), None);
    let interpreted = engine(
        d.path(),
        &condition(&format!("{MESSAGE}${{record.customer ?? \"\"}}")),
        None,
    );
    let mut group = c.benchmark_group("line_decision");
    for (price, expected) in [("90.00", 0), ("81.00", 1)] {
        let record = sale("P-DE-04", "2026-03-14", "US-NE", price);
        let label = if expected == 0 { "passing" } else { "failing" };
        for (name, engine) in [
            ("built_in", &built_in),
            ("condition_compiled", &compiled),
            ("condition_rhai", &interpreted),
        ] {
            run(
                &mut group,
                format!("{name}/{label}"),
                engine,
                &record,
                expected,
            );
        }
    }
    group.finish();
}

fn bench_partner_scripts(c: &mut Criterion) {
    let mut group = c.benchmark_group("partner_scripts");
    let passing = sale("P-DE-04", "2026-03-14", "US-NE", "90.00");
    let failing = sale("P-DE-04", "2027-12-31", "EU-W", "90.00");
    for name in SCRIPTS {
        let source = std::fs::read_to_string(format!(
            "{}/rules/scripts/{name}.rhai",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = (tempdir(), tempdir());
        let compiled = engine(a.path(), &script_rule("s.rhai"), Some(&source));
        let interpreted = engine(
            b.path(),
            &script_rule("s.rhai"),
            Some(&format!("{source}\nfn rhai_only() {{}}\n")),
        );
        for (label, record) in [("passing", &passing), ("failing", &failing)] {
            let expected = compiled.check(record).findings.len();
            if label == "passing" {
                assert_eq!(expected, 0, "{name}");
            }
            for (side, engine) in [("compiled", &compiled), ("rhai", &interpreted)] {
                run(
                    &mut group,
                    format!("{name}/{side}/{label}"),
                    engine,
                    record,
                    expected,
                );
            }
        }
    }
    group.finish();
}

criterion_group!(benches, bench_line_decision, bench_partner_scripts);
criterion_main!(benches);
