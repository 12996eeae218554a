#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! The whole pipeline on a generated batch (1,000,000 records by default; set
//! `PACTUM_BENCH_RECORDS` for another size): JSON Lines bytes in, parsed, checked by the
//! built-in rules of the standard pack (stateless and batch-level), the report written as
//! JSON. Once on one core, once on all: the ratio is what the second core buys.
//! Reading alone (`read_100000_records`): the records of a generated batch read line by line
//! by pactum's readers, and streamed through an engine with no rules (reading, the repeated-id
//! table, the report), beside two floors in the same run: parsing the same lines into
//! `serde_json::Value`s, and a plain scan for their line ends.
//! The whole standard pack end to end (`full_pack_*`), 5% and 30% of records breaking a rule.
//! It runs on mimalloc, as the `pactum` binary does.
//! And loading: the standard pack plus reference data with 100,000 price rows, beside the
//! floor of reading the same CSV files into string records with the csv crate.

use criterion::{Criterion, criterion_group, criterion_main};

// The allocator of the `pactum` binary: the figures are those of `pactum check`.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pactum::{Engine, Pack, RefData, pack::Check};
use pactum_testkit::{GenerateOptions, generate};
use std::hint::black_box;
use std::path::Path;

fn records() -> usize {
    std::env::var("PACTUM_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000)
}

fn built_in_engine(data: &Path) -> Engine {
    let mut pack =
        Pack::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap_or_else(|e| panic!("{e}"));
    pack.retain_rules(|r| !matches!(r.check, Check::Script(_) | Check::Condition(_)));
    Engine::new(pack, RefData::load(data).unwrap_or_else(|e| panic!("{e}")))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn bench_pipeline(c: &mut Criterion) {
    let n = records();
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
    let engine = built_in_engine(dir.path());
    let one_core = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let run = |engine: &Engine| {
        let report = engine
            .run_stream(black_box(input.as_slice()), None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.summary().read, n);
        let mut json = Vec::with_capacity(64 << 20);
        report
            .write_json(&mut json)
            .unwrap_or_else(|e| panic!("{e}"));
        json.len()
    };
    let mut group = c.benchmark_group(format!("pipeline_{n}_records"));
    group.sample_size(10);
    group.bench_function("one_core", |b| b.iter(|| one_core.install(|| run(&engine))));
    group.bench_function("all_cores", |b| b.iter(|| run(&engine)));
    group.finish();
}

/// Reading: see the module's documentation.
fn bench_read(c: &mut Criterion) {
    const N: usize = 100_000;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = GenerateOptions {
        records: N,
        partners: 100,
        skus: 200,
        violation_percent: 5,
        seed: 1,
    };
    generate(&options, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let input = std::fs::read(dir.path().join("records.jsonl")).unwrap_or_else(|e| panic!("{e}"));
    let text = std::str::from_utf8(&input).unwrap_or_else(|e| panic!("{e}"));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), N);
    let mut pack =
        Pack::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap_or_else(|e| panic!("{e}"));
    pack.retain_rules(|_| false);
    let no_rules = Engine::new(
        pack,
        RefData::load(dir.path()).unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group(format!("read_{N}_records"));
    group.sample_size(10);
    group.throughput(criterion::Throughput::Elements(N as u64));
    group.bench_function("floor_line_ends", |b| {
        b.iter(|| {
            let ends = memchr::memchr_iter(b'\n', black_box(&input)).count();
            assert_eq!(ends, N);
        })
    });
    // Each reader over every line, the result kept from the optimiser.
    type Reader = fn(&str);
    let readers: [(&str, Reader); 3] = [
        ("floor_serde_json_value", |line| {
            let value: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
            black_box(value);
        }),
        ("from_json_str", |line| {
            black_box(pactum::Record::from_json_str(line).unwrap_or_else(|e| panic!("{e}")));
        }),
        ("from_json_str_by_value", |line| {
            black_box(
                pactum::Record::from_json_str_by_value(line).unwrap_or_else(|e| panic!("{e}")),
            );
        }),
    ];
    for (name, read) in readers {
        group.bench_function(name, |b| {
            b.iter(|| {
                for line in &lines {
                    read(black_box(line));
                }
            })
        });
    }
    group.bench_function("stream_no_rules", |b| {
        b.iter(|| {
            let report = no_rules
                .run_stream(black_box(input.as_slice()), None)
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(report.summary().read, N);
            assert_eq!(report.summary().rejected, 0);
        })
    });
    group.finish();
}

/// The whole standard pack (scripts and conditions too) end to end, as `pactum check
/// --format json` runs it, with 5% and with 30% of the records breaking a rule: records per
/// second is `records / time`, the target 1,000,000 records/s.
fn bench_full_pack(c: &mut Criterion) {
    let n = records();
    let mut group = c.benchmark_group(format!("full_pack_{n}_records"));
    group.sample_size(10);
    for violation_percent in [5, 30] {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let options = GenerateOptions {
            records: n,
            partners: 100,
            skus: 200,
            violation_percent,
            seed: 1,
        };
        generate(&options, dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let input =
            std::fs::read(dir.path().join("records.jsonl")).unwrap_or_else(|e| panic!("{e}"));
        let pack = Pack::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules"))
            .unwrap_or_else(|e| panic!("{e}"));
        let data = RefData::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let engine = Engine::new(pack, data).unwrap_or_else(|e| panic!("{e}"));
        group.bench_function(format!("violations_{violation_percent}_percent"), |b| {
            b.iter(|| {
                let report = engine
                    .run_stream(black_box(input.as_slice()), None)
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(report.summary().read, n);
                let mut json = Vec::with_capacity(64 << 20);
                report
                    .write_json(&mut json)
                    .unwrap_or_else(|e| panic!("{e}"));
                json.len()
            })
        });
    }
    group.finish();
}

fn bench_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let options = GenerateOptions {
        records: 0,
        partners: 1_000,
        skus: 100_000,
        violation_percent: 0,
        seed: 1,
    };
    generate(&options, dir.path()).unwrap_or_else(|e| panic!("{e}"));
    let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let mut group = c.benchmark_group("load_100000_price_rows");
    group.sample_size(20);
    group.bench_function("pactum_pack_and_data", |b| {
        b.iter(|| {
            let pack = Pack::load(rules).unwrap_or_else(|e| panic!("{e}"));
            let data = RefData::load(dir.path()).unwrap_or_else(|e| panic!("{e}"));
            Engine::new(pack, data).unwrap_or_else(|e| panic!("{e}"))
        })
    });
    group.bench_function("csv_crate_read_only", |b| {
        b.iter(|| {
            let mut rows = 0;
            for file in [
                "price_list.csv",
                "catalog.csv",
                "approved_sources.csv",
                "partners.csv",
                "installed_base.csv",
            ] {
                let mut reader =
                    csv::Reader::from_path(dir.path().join(file)).unwrap_or_else(|e| panic!("{e}"));
                rows += reader.records().filter_map(Result::ok).count();
            }
            assert!(rows > 100_000);
            rows
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_pipeline,
    bench_full_pack,
    bench_read,
    bench_load
);
criterion_main!(benches);
