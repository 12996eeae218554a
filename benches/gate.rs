#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! The gate (issue 12): deciding one sale against a history of 100,000 generated records
//! (`PACTUM_BENCH_HISTORY` for another size), beside `Engine::check` on the same sale with
//! the same engine, in one group so the ratio is the figure. Then a snapshot of that
//! history and its restore. Before measuring, prints what the history holds and the heap
//! it takes (counted by the allocator), per tracked opportunity and partner.

use criterion::{Criterion, criterion_group, criterion_main};
use pactum::gate::Gate;
use pactum::{Engine, Pack, PartnerType, RefData, Verdict, read_batch};
use pactum_testkit::{GenerateOptions, generate};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::hint::black_box;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn history_size() -> usize {
    std::env::var("PACTUM_BENCH_HISTORY")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

fn bench_gate(c: &mut Criterion) {
    let n = history_size();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = GenerateOptions {
        records: n,
        partners: 1_000,
        skus: 2_000,
        violation_percent: 5,
        seed: 1,
    };
    generate(&options, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let input = std::fs::read(dir.path().join("records.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let batch = read_batch(&input).unwrap_or_else(|e| panic!("{e}"));
    let pack =
        Pack::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap_or_else(|e| panic!("{e}"));
    let data = RefData::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let engine = Engine::new(pack, data).unwrap_or_else(|e| panic!("{e}"));

    // The sale to decide: the latest sale by a sales agent naming an opportunity, so the
    // history-dependent rules all judge it.
    let mut records = batch.records;
    records.sort_by_key(|r| r.date);
    let sale = records
        .iter()
        .rev()
        .find(|r| {
            r.kind.as_str() == "sale"
                && r.opportunity.is_some()
                && engine
                    .data()
                    .partner(&r.partner)
                    .is_some_and(|p| p.partner_type == PartnerType::SalesAgent)
        })
        .unwrap_or_else(|| panic!("no sales agent sale in the generated batch"))
        .clone();

    let region = Region::new(GLOBAL);
    let mut gate = Gate::new(&engine);
    for record in &records {
        gate.remember(&engine, record);
    }
    let stats = region.change();
    let heap = stats
        .bytes_allocated
        .saturating_sub(stats.bytes_deallocated);
    let tracked = gate.tracked();
    let entries: usize = tracked.iter().map(|(_, n)| n).sum();
    eprintln!(
        "gate history: {} records, tracked {tracked:?}, heap {heap} bytes, {} bytes per tracked entry",
        gate.remembered(),
        heap / entries.max(1)
    );
    let decision = gate.decide(&engine, &sale);
    eprintln!(
        "decided {}: {:?}, {} findings, {} rules evaluated, {} skipped",
        sale.id,
        decision.verdict,
        decision.findings.len(),
        decision.rules_evaluated,
        decision.rules_skipped.len()
    );

    let mut group = c.benchmark_group("gate_one_sale");
    let mut out = Verdict::default();
    group.bench_function("engine_check", |b| {
        b.iter(|| {
            out.clear();
            engine.check_into(black_box(&sale), &mut out);
            out.findings.len()
        })
    });
    group.bench_function(format!("gate_decide_history_{n}"), |b| {
        b.iter(|| gate.decide(&engine, black_box(&sale)).findings.len())
    });
    group.finish();

    let snapshot = gate.snapshot(&engine).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("snapshot: {} bytes", snapshot.len());
    let mut group = c.benchmark_group("gate_snapshot");
    group.sample_size(10);
    group.bench_function(format!("snapshot_history_{n}"), |b| {
        b.iter(|| gate.snapshot(&engine).map(|s| s.len()).unwrap_or(0))
    });
    group.bench_function(format!("restore_history_{n}"), |b| {
        b.iter(|| {
            Gate::restore(&engine, black_box(&snapshot))
                .map(|g| g.remembered())
                .unwrap_or(0)
        })
    });
    group.finish();
}

criterion_group!(benches, bench_gate);
criterion_main!(benches);
