//! Checking a record that passes allocates nothing (built-in rules). A test binary of its
//! own, with one test: the counting allocator sees every thread of the process, so nothing
//! else may run beside it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pactum::{Engine, Pack, Record, RefData, Verdict, pack::Check};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn record(json: serde_json::Value) -> Record {
    Record::from_json(json).unwrap()
}

#[test]
fn a_passing_record_allocates_nothing_and_a_failing_one_does() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut pack = Pack::load(format!("{root}/rules")).unwrap();
    // The built-in per-record rules; script rules copy the record once for the scripts.
    pack.retain_rules(|r| !matches!(r.check, Check::Script(_) | Check::Condition(_)));
    let engine = Engine::new(
        pack,
        RefData::load(format!("{root}/examples/data")).unwrap(),
    )
    .unwrap();
    let sale = |price: &str| {
        record(serde_json::json!({
            "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-DE-04",
            "lines": [
                {"sku": "SEAL-200", "qty": 4, "unit_price": price, "currency": "USD", "source": "oem"},
                {"sku": "FILTER-5", "qty": 10, "unit_price": "25.00", "currency": "USD", "source": "oem"},
                {"sku": "PUMP-10", "qty": 1, "unit_price": "1200.00", "currency": "USD", "source": "P-DI-01"}
            ],
            "documents": [{"kind": "purchase_order", "ref": "PO-1"}]
        }))
    };
    let service = record(serde_json::json!({
        "id": "SO-1", "kind": "service_order", "date": "2026-03-14", "partner": "P-DE-04",
        "lines": [{"sku": "BEARING-7", "qty": 2, "unit_price": "48.00", "currency": "USD", "source": "oem"}],
        "documents": [{"kind": "service_report", "signed": true}]
    }));
    let (passing, failing) = (sale("90.00"), sale("81.00"));
    let mut out = Verdict::default();
    // Warm up: the first call may size the output's vectors.
    engine.check_into(&failing, &mut out);
    out.clear();

    let region = Region::new(GLOBAL);
    for _ in 0..100 {
        engine.check_into(&passing, &mut out);
        engine.check_into(&service, &mut out);
    }
    let stats = region.change();
    assert!(out.is_clean(), "{out:?}");
    assert_eq!(
        (stats.allocations, stats.reallocations),
        (0, 0),
        "{stats:?}"
    );

    // The counter works: a finding is built, so a failing record allocates.
    let region = Region::new(GLOBAL);
    engine.check_into(&failing, &mut out);
    assert!(region.change().allocations > 0);
    assert_eq!(out.findings.len(), 1);
}
