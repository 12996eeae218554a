#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! Safe reload (issue 12): `EngineHandle::reload` of the shipped pack and the example data,
//! the whole of it (load and validate the pack, load the data, run the pack's test cases,
//! build the engine, swap), beside `EngineHandle::current`, what every decision pays.

use criterion::{Criterion, criterion_group, criterion_main};
use pactum::gate::EngineHandle;
use std::hint::black_box;

fn bench_reload(c: &mut Criterion) {
    let root = env!("CARGO_MANIFEST_DIR");
    let (rules, data) = (format!("{root}/rules"), format!("{root}/examples/data"));
    let handle = EngineHandle::load(&rules, &data).unwrap_or_else(|e| panic!("{e}"));
    let mut group = c.benchmark_group("reload");
    group.sample_size(20);
    group.bench_function("reload the shipped pack (load, test cases, swap)", |b| {
        b.iter(|| {
            handle
                .reload(black_box(&rules), black_box(&data))
                .unwrap_or_else(|e| panic!("{e}"))
        });
    });
    group.bench_function("current (taken once per decision)", |b| {
        b.iter(|| black_box(handle.current()));
    });
    group.finish();
}

criterion_group!(benches, bench_reload);
criterion_main!(benches);
