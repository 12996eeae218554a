#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! The aggregate pass (the two peer-outlier rules of the standard pack) over 1,000,000
//! records of 1,000 partners, beside the stateless pass (the built-in per-record rules)
//! over the same records. The ratio is the figure: what the analyst's view costs on top of
//! checking each record.

use criterion::{Criterion, criterion_group, criterion_main};
use pactum::{
    Date, Engine, Kind, Pack, Partner, PartnerType, Record, RefData, Verdict, pack::Check,
    refdata::InstalledBase,
};
use std::hint::black_box;

const PARTNERS: usize = 1_000;
const RECORDS: usize = 1_000_000;

fn data() -> RefData {
    let mut data = RefData::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data"))
        .unwrap_or_else(|e| panic!("{e}"));
    for (i, partner_type) in (0..PARTNERS).zip(PartnerType::ALL.into_iter().cycle()) {
        let id = format!("P-{i:04}");
        data.add_partner(Partner {
            id: id.clone(),
            partner_type,
            region: format!("R-{}", i % 20),
            status: "active".to_owned(),
            contract_signed: Date::new(2024, 1, 1),
            nda_expires: Date::new(2030, 1, 1),
            certified_until: Date::new(2030, 1, 1),
            status_since: None,
            jurisdiction: None,
        });
        data.add_installed_base(InstalledBase {
            partner: id,
            region: format!("R-{}", i % 20),
            assets: 10 + (i % 90) as u64,
        });
    }
    data
}

/// One million sales and purchases, two lines each, spread over the partners and a year.
fn records() -> Vec<Record> {
    let items = [
        ("SEAL-200", "90.00"),
        ("FILTER-5", "25.00"),
        ("PUMP-10", "1200.00"),
        ("VALVE-3", "310.00"),
    ];
    (0..RECORDS)
        .map(|i| {
            let line = |k: usize| {
                let (sku, price) = items
                    .get((i + k) % items.len())
                    .copied()
                    .unwrap_or(("SEAL-200", "90.00"));
                (sku, price)
            };
            let kind = if i % 3 == 0 {
                Kind::Purchase
            } else {
                Kind::Sale
            };
            let date = Date::new(2026, 1 + (i % 12) as i8, 1 + (i % 28) as i8).unwrap_or(Date::MIN);
            let qty = 1 + (i % 7) as i64;
            let price = |k: usize| line(k).1.parse().unwrap_or_default();
            Record::builder(
                format!("R-{i}"),
                kind,
                date,
                format!("P-{:04}", i % PARTNERS),
            )
            .line_from(line(0).0, qty, price(0), "USD", "oem")
            .line_from(line(1).0, qty, price(1), "USD", "oem")
            .document("purchase_order", None, true)
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect()
}

fn engine(keep: impl FnMut(&pactum::Rule) -> bool, data: RefData) -> Engine {
    let mut pack =
        Pack::load(concat!(env!("CARGO_MANIFEST_DIR"), "/rules")).unwrap_or_else(|e| panic!("{e}"));
    pack.retain_rules(keep);
    Engine::new(pack, data).unwrap_or_else(|e| panic!("{e}"))
}

fn bench_passes(c: &mut Criterion) {
    let records = records();
    let aggregate = engine(|r| matches!(r.check, Check::PeerOutlier(_)), data());
    let stateless = engine(
        |r| {
            matches!(
                r.check,
                Check::MinListPrice(_)
                    | Check::ListPriceExists(_)
                    | Check::GenuineParts(_)
                    | Check::RequiredDocuments(_)
            )
        },
        data(),
    );
    let mut group = c.benchmark_group("one_million_records");
    group.sample_size(10);
    group.bench_function("stateless_pass", |b| {
        b.iter(|| {
            let mut out = Verdict::default();
            for r in &records {
                stateless.check_into(black_box(r), &mut out);
            }
            assert!(out.rule_errors.is_empty());
            out.findings.len()
        })
    });
    group.bench_function("aggregate_pass", |b| {
        b.iter(|| {
            let mut session = aggregate.session();
            for r in &records {
                session.push(black_box(r));
            }
            let outcome = session.finish(None);
            assert_eq!(outcome.analytics.scores.len(), 2 * (PARTNERS + 11));
            outcome.findings.len()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_passes);
criterion_main!(benches);
