#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! One sale record of three lines through the built-in stateless rules of the shipped
//! pack, beside a hand-written function doing the same checks and lookups on the same data.
//! The ratio of the two is the figure that matters; absolute times vary with the machine.

mod common;

use common::sale;
use criterion::{Criterion, criterion_group, criterion_main};
use pactum::{Decimal, Engine, Pack, Record, RefData, Verdict, pack::Check};
use std::hint::black_box;

/// The shipped pack; with `built_in_only`, without its script rules.
fn engine(built_in_only: bool) -> Engine {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut pack = Pack::load(format!("{root}/rules")).unwrap_or_else(|e| panic!("{e}"));
    if built_in_only {
        pack.retain_rules(|r| !matches!(r.check, Check::Script(_) | Check::Condition(_)));
    }
    let data = RefData::load(format!("{root}/examples/data")).unwrap_or_else(|e| panic!("{e}"));
    Engine::new(pack, data).unwrap_or_else(|e| panic!("{e}"))
}

/// The same checks as the stateless standard rules, written by hand against the same
/// reference data: list price in force, floor (no discount), genuine catalog part, approved
/// source, purchase order present. Returns the number of violations.
fn hand_written(data: &RefData, record: &Record) -> usize {
    let mut violations = 0;
    for line in &record.lines {
        match data.list_price(&line.sku, &line.currency, record.date) {
            Some(p) if line.unit_price < p.list_price * (Decimal::ONE - Decimal::ZERO) => {
                violations += 1
            }
            Some(_) => {}
            None => violations += 1,
        }
        let genuine = data.catalog_item(&line.sku).is_some_and(|c| c.genuine);
        let approved = line
            .source
            .as_deref()
            .is_some_and(|s| data.is_approved_source(s));
        if !genuine || !approved {
            violations += 1;
        }
    }
    if !record.documents.iter().any(|d| d.kind == "purchase_order") {
        violations += 1;
    }
    violations
}

fn bench_sale(c: &mut Criterion) {
    let built_in = engine(true);
    let full = engine(false);
    let passing = sale("90.00");
    let failing = sale("81.00");
    for e in [&built_in, &full] {
        assert!(e.check(&passing).is_clean());
        assert_eq!(e.check(&failing).findings.len(), 1);
    }
    assert_eq!(hand_written(built_in.data(), &passing), 0);
    assert_eq!(hand_written(built_in.data(), &failing), 1);

    // The built-in rules, then the whole shipped pack (with its four script rules), each
    // beside the hand-written baseline in the same group so the ratio is the figure.
    for (group_name, engine) in [
        ("sale_3_lines", &built_in),
        ("sale_3_lines_full_pack", &full),
    ] {
        let mut group = c.benchmark_group(group_name);
        let mut out = Verdict::default();
        for (label, record, expected) in [("passing", &passing, 0), ("failing", &failing, 1)] {
            group.bench_function(format!("pactum/{label}"), |b| {
                b.iter(|| {
                    out.clear();
                    engine.check_into(black_box(record), &mut out);
                    assert_eq!(out.findings.len(), expected);
                })
            });
            group.bench_function(format!("hand_written/{label}"), |b| {
                b.iter(|| assert_eq!(hand_written(engine.data(), black_box(record)), expected))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_sale);
criterion_main!(benches);
