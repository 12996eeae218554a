#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! The list-price floor written as a Rhai script rule, beside the same check as the
//! built-in `min-list-price`, on the same three-line sale and reference data. The ratio is
//! what a policy team pays for writing a rule in Rhai instead of asking for a built-in.

use criterion::{Criterion, criterion_group, criterion_main};
use pactum::{Engine, Pack, Record, RefData, Verdict};
use std::hint::black_box;
use std::path::Path;

const BUILT_IN: &str = r#"
[[rule]]
id = "price.min-list"
title = "Resale at or above list price"
severity = "error"
check = "min-list-price"
[rule.select]
kinds = ["sale"]
[rule.params]
allowed_discount = {}
"#;

const SCRIPTED: &str = r#"
[[rule]]
id = "price.min-list"
title = "Resale at or above list price"
severity = "error"
check = "script"
[rule.select]
kinds = ["sale"]
[rule.params]
file = "floor.rhai"
"#;

const SCRIPT: &str = r#"
fn check(record) {
    let found = [];
    for line in record.lines {
        let list = list_price(line.sku, line.currency, record.date);
        if list != () && line.unit_price < list {
            found.push(line_finding(line.index, `sold ${line.sku} at ${line.unit_price}`, list, line.unit_price));
        }
    }
    found
}
"#;

fn engine(dir: &Path, rules: &str) -> Engine {
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("pack.toml", "name = \"bench\"\nversion = \"1\"\n");
    write("rules.toml", rules);
    write("floor.rhai", SCRIPT);
    let pack = Pack::load(dir).unwrap_or_else(|e| panic!("{e}"));
    let data = RefData::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data"))
        .unwrap_or_else(|e| panic!("{e}"));
    Engine::new(pack, data).unwrap_or_else(|e| panic!("{e}"))
}

fn sale(price: &str) -> Record {
    let json = serde_json::json!({
        "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-DE-04",
        "lines": [
            {"sku": "SEAL-200", "qty": 4, "unit_price": price, "currency": "USD", "source": "oem"},
            {"sku": "FILTER-5", "qty": 10, "unit_price": "25.00", "currency": "USD", "source": "oem"},
            {"sku": "PUMP-10", "qty": 1, "unit_price": "1200.00", "currency": "USD", "source": "oem"}
        ],
        "documents": [{"kind": "purchase_order", "ref": "PO-1"}]
    });
    Record::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

fn bench_floor(c: &mut Criterion) {
    let (a, b) = (tempfile::tempdir(), tempfile::tempdir());
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e}")),
        b.unwrap_or_else(|e| panic!("{e}")),
    );
    let built_in = engine(a.path(), BUILT_IN);
    let scripted = engine(b.path(), SCRIPTED);
    let mut group = c.benchmark_group("price_floor_3_lines");
    for (price, expected) in [("90.00", 0), ("81.00", 1)] {
        let record = sale(price);
        assert_eq!(built_in.check(&record).findings.len(), expected);
        assert_eq!(scripted.check(&record).findings.len(), expected);
        let label = if expected == 0 { "passing" } else { "failing" };
        for (name, engine) in [("built_in", &built_in), ("script", &scripted)] {
            let mut out = Verdict::default();
            group.bench_function(format!("{name}/{label}"), |bench| {
                bench.iter(|| {
                    out.clear();
                    engine.check_into(black_box(&record), &mut out);
                    assert_eq!(out.findings.len(), expected);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_floor);
criterion_main!(benches);
