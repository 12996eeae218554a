#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! The list-price floor written as a Rhai script rule, beside the same check as the
//! built-in `min-list-price`, on the same three-line sale and reference data. The ratio is
//! what a policy team pays for writing a rule in Rhai instead of asking for a built-in.

mod common;

use common::sale;
use criterion::{Criterion, criterion_group, criterion_main};
use pactum::{Engine, Pack, RefData, Verdict};
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
