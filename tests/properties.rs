//! Properties of the engine and the readers, on generated records: prices are monotone, the
//! report does not depend on input order or on how the batch is run, records survive a
//! round trip through JSON, the two readers agree, a naive evaluator of the built-in
//! stateless rules agrees with the engine, and no input of any kind makes anything panic.

use crate::common::*;
use pactum::{
    Batch, Decimal, Engine, Pack, Partner, PartnerType, Record, RefData, read_batch,
    refdata::{CatalogItem, PriceRow},
};
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------------------
// Reference data the tests know row by row, and the engines built on it.

/// Reference data kept as plain rows, so a naive evaluator can scan them.
struct Fixture {
    prices: Vec<PriceRow>,
    catalog: Vec<CatalogItem>,
    sources: Vec<&'static str>,
    partners: Vec<Partner>,
}

/// The allowed discount of each partner type in [`discount_engine`]'s pack.
fn discount_of(t: PartnerType) -> Decimal {
    match t {
        PartnerType::Dealer => dec("0.05"),
        PartnerType::SystemsIntegrator => dec("0.1"),
        PartnerType::Distributor | PartnerType::SalesAgent => Decimal::ZERO,
    }
}

/// Prices over time and currencies with a gap (GAP-1 in February), a price too small for
/// cents (TINY-1), a priced sku missing from the catalog (NOCAT-1) and a catalog item that
/// is not genuine (SEAL-200-AM).
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| Fixture {
        prices: vec![
            price("SEAL-200", "90.00", "USD", "2026-01-01", Some("2026-03-31")),
            price("SEAL-200", "94.50", "USD", "2026-04-01", None),
            price("SEAL-200", "83.00", "EUR", "2025-01-01", None),
            price("PUMP-10", "1200.00", "USD", "2026-01-01", None),
            price("FILTER-5", "23.00", "EUR", "2026-01-01", None),
            price("GAP-1", "10.00", "USD", "2026-01-01", Some("2026-01-31")),
            price("GAP-1", "12.00", "USD", "2026-03-01", None),
            price("TINY-1", "0.0001", "USD", "2025-01-01", None),
            price("NOCAT-1", "5.00", "USD", "2025-06-01", Some("2026-12-31")),
        ],
        catalog: vec![
            item("SEAL-200", true, "Shaft seal kit"),
            item("PUMP-10", true, ""),
            item("FILTER-5", true, ""),
            item("GAP-1", true, ""),
            item("TINY-1", true, ""),
            item("SEAL-200-AM", false, "Aftermarket copy"),
        ],
        sources: vec!["oem", "P-DI"],
        partners: vec![
            partner("P-SI", PartnerType::SystemsIntegrator, "2025-01-01"),
            partner("P-DE", PartnerType::Dealer, "2025-01-01"),
            partner("P-SA", PartnerType::SalesAgent, "2025-01-01"),
            partner("P-DI", PartnerType::Distributor, "2025-01-01"),
        ],
    })
}

fn fixture_data() -> RefData {
    let f = fixture();
    let mut data = RefData::new();
    f.prices.iter().for_each(|p| data.add_price(p.clone()));
    f.catalog
        .iter()
        .for_each(|c| data.add_catalog_item(c.clone()));
    f.sources
        .iter()
        .for_each(|s| data.add_source(s, "approved"));
    f.partners.iter().for_each(|p| data.add_partner(p.clone()));
    data
}

/// The shipped pack, loaded once.
fn shipped_pack() -> Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(std_pack).clone()
}

/// The shipped pack with dealers allowed 5% below list and systems integrators 10%, on the
/// fixture data.
fn discount_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let dir = pack_copy(&[(
            "price.toml",
            r#"dealer = "0", systems_integrator = "0""#,
            r#"dealer = "0.05", systems_integrator = "0.1""#,
        )]);
        let pack = Pack::load(dir.path()).unwrap();
        Engine::new(pack, fixture_data()).unwrap()
    })
}

/// The shipped pack on the example data (installed base included, so the analytics rules
/// judge).
fn example_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::new(shipped_pack(), RefData::load(example_data_dir()).unwrap()).unwrap()
    })
}

// ---------------------------------------------------------------------------------------
// Generated records.

const FIXTURE_PARTNERS: &[&str] = &["P-SI", "P-DE", "P-SA", "P-DI", "P-XX"];
const EXAMPLE_PARTNERS: &[&str] = &[
    "P-DI-01", "P-DE-02", "P-DE-04", "P-SA-06", "P-SI-07", "P-SA-03", "P-DE-05", "P-DI-08",
    "P-DE-09", "P-DE-12", "P-DE-13", "P-DE-14", "P-XX",
];
const SKUS: &[&str] = &[
    "SEAL-200",
    "PUMP-10",
    "FILTER-5",
    "GAP-1",
    "TINY-1",
    "NOCAT-1",
    "SEAL-200-AM",
    "VALVE-3",
    "BEARING-7",
    "UNKNOWN-9",
];
const CURRENCIES: &[&str] = &["USD", "USD", "USD", "EUR", "GBP"];
const SOURCES: &[Option<&str>] = &[
    Some("oem"),
    Some("oem"),
    Some("P-DI"),
    Some("P-DI-01"),
    Some("MACHINE-SHOP"),
    None,
];
const KINDS: &[&str] = &[
    "sale",
    "sale",
    "sale",
    "service_order",
    "agreement",
    "purchase",
    "pipeline_update",
    "pipeline_update",
    "warranty_claim",
];
const DOC_KINDS: &[&str] = &["purchase_order", "service_report", "contract", "invoice"];
/// List prices of the fixture and the example data: generated prices cluster around the
/// floors they make.
const LISTS: &[&str] = &[
    "90.00", "94.50", "83.00", "1200.00", "23.00", "10.00", "12.00", "0.0001", "5.00", "310.00",
    "48.00", "25.00",
];

/// A unit price: anything in cents, or exactly at, just above or just below the floor of
/// one of the list prices under one of the discounts.
fn unit_price() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (0i64..200_000).prop_map(|c| Decimal::new(c, 2)),
        (select(LISTS), select(&["0", "0.05", "0.1"][..]), -1i64..=1).prop_map(
            |(list, discount, step)| {
                let floor = dec(list) * (Decimal::ONE - dec(discount));
                (floor + Decimal::new(step, 4)).max(Decimal::ZERO)
            }
        ),
    ]
}

/// A sale or service line as JSON, its price a decimal string.
fn line_value() -> impl Strategy<Value = Value> {
    (
        select(SKUS),
        1u32..10,
        unit_price(),
        select(CURRENCIES),
        select(SOURCES),
    )
        .prop_map(|(sku, qty, price, currency, source)| {
            let mut l = json!({"sku": sku, "qty": qty, "unit_price": price.to_string(), "currency": currency});
            if let Some(s) = source {
                l["source"] = s.into();
            }
            l
        })
}

fn document_value() -> impl Strategy<Value = Value> {
    (select(DOC_KINDS), any::<bool>(), any::<bool>()).prop_map(|(kind, signed, has_ref)| {
        let mut d = json!({"kind": kind, "signed": signed});
        if has_ref {
            d["ref"] = "D-1".into();
        }
        d
    })
}

/// One record as JSON, its id to be given by [`records`]: the parts are a kind, a day from
/// 2025-12-01, a partner index, a region, an opportunity, an agreement it names, lines,
/// documents and free attributes.
type Parts = (
    &'static str,
    i64,
    usize,
    Option<&'static str>,
    Option<u8>,
    Option<u8>,
    Vec<Value>,
    Vec<Value>,
    BTreeMap<String, i64>,
);

fn parts() -> impl Strategy<Value = Parts> {
    (
        select(KINDS),
        0i64..240,
        0usize..64,
        select(&[None, Some("US-NE"), Some("US-SE")][..]),
        proptest::option::of(0u8..6),
        proptest::option::of(0u8..6),
        proptest::collection::vec(line_value(), 0..4),
        proptest::collection::vec(document_value(), 0..3),
        proptest::collection::btree_map("[a-z]{1,6}", any::<i64>(), 0..3),
    )
}

fn record_value(i: usize, partners: &[&str], p: Parts) -> Value {
    let (kind, day, who, region, opportunity, agreement, lines, documents, attrs) = p;
    let date = d("2025-12-01").add_days(day);
    let mut v = json!({
        "id": format!("R-{i}"), "kind": kind, "date": date.to_string(),
        "partner": partners[who % partners.len()], "lines": lines, "documents": documents,
        "attrs": attrs,
    });
    if let Some(r) = region {
        v["region"] = r.into();
    }
    if let Some(o) = opportunity {
        v["opportunity"] = format!("OPP-{o}").into();
    }
    if let Some(a) = agreement {
        // The first records of a batch may be the agreements others name.
        v["agreement"] = format!("R-{a}").into();
    }
    v
}

/// Records with unique ids from `partners`, `len` of them.
fn records(
    partners: &'static [&'static str],
    len: std::ops::Range<usize>,
) -> impl Strategy<Value = Vec<Record>> {
    proptest::collection::vec(parts(), len).prop_map(move |all| {
        all.into_iter()
            .enumerate()
            .map(|(i, p)| record_of(record_value(i, partners, p)))
            .collect()
    })
}

/// One sale (with a purchase order) from a fixture partner, with 1 to 3 lines.
fn sale_value() -> impl Strategy<Value = Value> {
    (
        0i64..240,
        select(FIXTURE_PARTNERS),
        proptest::collection::vec(line_value(), 1..4),
    )
        .prop_map(|(day, who, lines)| {
            json!({
                "id": "S-1", "kind": "sale", "date": d("2025-12-01").add_days(day).to_string(),
                "partner": who, "lines": lines,
                "documents": [{"kind": "purchase_order", "signed": true}]
            })
        })
}

/// `(rule, record, line)` of every finding of `rules` when `record` is checked alone.
fn found(engine: &Engine, record: &Record, rules: &[&str]) -> Vec<(String, String, Option<usize>)> {
    let mut all: Vec<_> = engine
        .check(record)
        .findings
        .into_iter()
        .filter(|f| rules.contains(&&*f.rule))
        .map(|f| (f.rule.to_string(), f.record.unwrap_or_default(), f.line))
        .collect();
    all.sort();
    all
}

/// The price floor a naive reader of the fixture finds: a linear scan of the price rows.
fn naive_floor(record: &Record, sku: &str, currency: &str) -> Option<Decimal> {
    let f = fixture();
    let row = f.prices.iter().find(|p| {
        p.sku == sku
            && p.currency == currency
            && p.effective_from <= record.date
            && p.effective_to.is_none_or(|to| record.date <= to)
    })?;
    let discount = f
        .partners
        .iter()
        .find(|p| p.id == record.partner)
        .map_or(Decimal::ZERO, |p| discount_of(p.partner_type));
    Some(reference_floor(row.list_price, discount, currency))
}

/// The floor as an invoice writes it, worked out by hand: the discount amount in whole
/// minor units (cents; yen for JPY), halves rounded away from zero, taken off the list price.
fn reference_floor(list: Decimal, discount: Decimal, currency: &str) -> Decimal {
    let places = if currency == "JPY" { 0 } else { 2 };
    let unit = Decimal::new(1, places);
    let amount = list * discount;
    let units = amount / unit;
    let whole = units.trunc();
    let rest = units - whole;
    let rounded = if rest >= Decimal::new(5, 1) {
        whole + Decimal::ONE
    } else {
        whole
    };
    list - rounded * unit
}

fn set_price(sale: &mut Value, line: usize, price: Decimal) {
    sale["lines"][line]["unit_price"] = price.to_string().into();
}

// ---------------------------------------------------------------------------------------
// Prices.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The floor `price.min-list` judges by is the invoice's: list less the discount amount
    /// rounded half up to the currency's minor units, never the exact product.
    #[test]
    fn the_floor_is_list_less_the_discount_rounded_to_minor_units(
        cents in 0i64..100_000_000,
        per_mille in 0i64..1000,
        jpy in any::<bool>(),
    ) {
        let (list, currency) = if jpy {
            (Decimal::from(cents), "JPY")
        } else {
            (Decimal::new(cents, 2), "USD")
        };
        let discount = Decimal::new(per_mille, 3);
        let floor = pactum::price_floor(list, discount, pactum::Currency::new(currency).unwrap());
        prop_assert_eq!(floor, reference_floor(list, discount, currency));
        let places = if jpy { 0 } else { 2 };
        prop_assert_eq!(floor, floor.round_dp(places), "the floor is whole minor units");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Raising one line's price never adds a `price.min-list` finding, on any line.
    #[test]
    fn raising_a_price_never_adds_a_min_list_finding(
        sale in sale_value(),
        line in 0usize..3,
        raise in 1i64..10_000_000,
        scale in 0u32..5,
    ) {
        let e = discount_engine();
        let rules = ["price.min-list"];
        let n = sale["lines"].as_array().unwrap().len();
        let line = line % n;
        let before = found(e, &record_of(sale.clone()), &rules);
        let old = dec(sale["lines"][line]["unit_price"].as_str().unwrap());
        let mut raised = sale;
        set_price(&mut raised, line, old + Decimal::new(raise, scale));
        let after = found(e, &record_of(raised), &rules);
        prop_assert!(after.iter().all(|f| before.contains(f)), "{before:?} -> {after:?}");
    }

    /// Lowering a line's price below the floor in force (list price less the partner type's
    /// discount) always adds a `price.min-list` finding on that line.
    #[test]
    fn lowering_a_price_below_the_floor_always_adds_a_min_list_finding(
        sale in sale_value(),
        row in 0usize..64,
        days in 0i64..400,
        at in 0usize..3,
        per_mille in 0i64..1000,
    ) {
        let e = discount_engine();
        let rules = ["price.min-list"];
        // A line of a priced sku, on a date its price covers.
        let p = &fixture().prices[row % fixture().prices.len()];
        let end = p.effective_to.map_or(400, |to| p.effective_from.days_until(to));
        let date = p.effective_from.add_days(days % (end + 1));
        let mut sale = sale;
        sale["date"] = date.to_string().into();
        let lines = sale["lines"].as_array_mut().unwrap();
        let at = at % (lines.len() + 1);
        lines.insert(at, json!({"sku": p.sku, "qty": 1, "unit_price": "0", "currency": p.currency, "source": "oem"}));
        let floor = naive_floor(&record_of(sale.clone()), &p.sku, &p.currency).unwrap();
        prop_assert!(floor > Decimal::ZERO);
        let below = floor * Decimal::new(per_mille, 3);
        prop_assert!(below < floor);
        set_price(&mut sale, at, below);
        let r = record_of(sale.clone());
        let after = found(e, &r, &rules);
        prop_assert!(after.contains(&("price.min-list".to_owned(), "S-1".to_owned(), Some(at))), "{after:?}");
        // At the floor itself, the line is clean.
        set_price(&mut sale, at, floor);
        let at_floor = found(e, &record_of(sale), &rules);
        prop_assert!(at_floor.iter().all(|f| f.2 != Some(at)), "{at_floor:?}");
    }

    /// A price written as a JSON number reads, and is judged, as the same price written as a
    /// string, by both readers.
    #[test]
    fn a_price_as_a_string_or_a_number_gives_the_same_findings(sale in sale_value()) {
        let e = discount_engine();
        let as_string = record_of(sale.clone());
        // The prices unquoted in the JSON text: a number read from its text, not through a
        // `serde_json::Value` (which holds no more than an f64).
        let mut text = serde_json::to_string(&sale).unwrap();
        for l in sale["lines"].as_array().unwrap() {
            let price = l["unit_price"].as_str().unwrap();
            text = text.replace(
                &format!(r#""unit_price":"{price}""#),
                &format!(r#""unit_price":{price}"#),
            );
        }
        prop_assert!(!text.contains(r#""unit_price":""#), "{}", text);
        let as_number = Record::from_json_str(&text).unwrap();
        prop_assert_eq!(&as_number, &as_string);
        let by_value = Record::from_json_str_by_value(&text);
        prop_assert_eq!(by_value.as_ref(), Ok(&as_number));
        for (a, b) in as_number.lines.iter().zip(&as_string.lines) {
            prop_assert_eq!(a.unit_price.to_string(), b.unit_price.to_string());
        }
        prop_assert_eq!(e.check(&as_number), e.check(&as_string));
        // The typed reader, from text.
        let text = format!("{text}\n");
        let typed = read_batch(text.as_bytes()).unwrap();
        prop_assert_eq!(&typed.records, &vec![as_string]);
    }
}

// ---------------------------------------------------------------------------------------
// Whole batches: order, threads, streams, round trips.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The report does not depend on the order of the records.
    #[test]
    fn the_report_does_not_depend_on_input_order(
        (records, shuffled) in records(EXAMPLE_PARTNERS, 1..200)
            .prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
        as_of in proptest::option::of(0i64..300),
    ) {
        let e = example_engine();
        let as_of = as_of.map(|n| d("2025-12-01").add_days(n));
        let expected = e.run(&Batch::from_records(records), as_of).to_json();
        let report = e.run(&Batch::from_records(shuffled), as_of);
        prop_assert_eq!(report.to_json(), expected);
    }

    /// Writing a record to JSON and reading it back (as a value and as text) gives the same
    /// record and the same findings.
    #[test]
    fn a_record_written_to_json_reads_back_the_same(records in records(FIXTURE_PARTNERS, 1..20)) {
        let e = discount_engine();
        for r in &records {
            let back = Record::from_json(r.to_json());
            prop_assert_eq!(back.as_ref(), Ok(r));
            let text = serde_json::to_string(&r.to_json()).unwrap();
            let typed = read_batch(text.as_bytes()).unwrap();
            prop_assert_eq!(&typed.records, &vec![r.clone()]);
            prop_assert_eq!(e.check(&typed.records[0]), e.check(r));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// `run_parallel`, and `run_stream` over the same records written as JSON Lines (with a
    /// few unreadable lines among them), report what `run` reports.
    #[test]
    fn run_parallel_and_run_stream_equal_run(
        records in records(EXAMPLE_PARTNERS, 260..500),
        bad in proptest::collection::vec((any::<prop::sample::Index>(), 0usize..4), 0..5),
        as_of in proptest::option::of(0i64..300),
    ) {
        let e = example_engine();
        let mut lines: Vec<String> = records
            .iter()
            .map(|r| serde_json::to_string(&r.to_json()).unwrap())
            .collect();
        for (at, which) in bad {
            let text = ["{\"id\":\"BAD\"", "", "not json", "{\"kind\":\"sale\"}"][which];
            lines.insert(at.index(lines.len() + 1), text.to_owned());
        }
        let text = lines.join("\n");
        let batch = read_batch(text.as_bytes()).unwrap();
        prop_assert_eq!(batch.records.len(), records.len());
        let as_of = as_of.map(|n| d("2025-12-01").add_days(n));
        let expected = e.run(&batch, as_of).to_json();
        prop_assert_eq!(e.run_parallel(&batch, as_of).to_json(), expected.clone());
        let streamed = e.run_stream(text.as_bytes(), as_of).unwrap();
        prop_assert_eq!(streamed.to_json(), expected);
    }

    /// Batches from `pactum_testkit::generate` read whole, and `run`, `run_parallel` and
    /// `run_stream` agree on them.
    #[test]
    fn generated_batches_give_one_report_every_way(
        records in 200usize..600,
        partners in 4usize..30,
        skus in 1usize..40,
        violation_percent in 0u8..=30,
        seed in any::<u64>(),
    ) {
        let dir = tempfile::TempDir::new().unwrap();
        let options = pactum_testkit::GenerateOptions { records, partners, skus, violation_percent, seed };
        pactum_testkit::generate(&options, dir.path()).unwrap();
        let e = Engine::new(shipped_pack(), RefData::load(dir.path()).unwrap()).unwrap();
        let bytes = std::fs::read(dir.path().join("records.jsonl")).unwrap();
        let batch = read_batch(&bytes).unwrap();
        prop_assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
        prop_assert_eq!(batch.read(), records);
        let expected = e.run(&batch, None).to_json();
        prop_assert_eq!(&expected["summary"]["read"], &json!(records));
        prop_assert_eq!(e.run_parallel(&batch, None).to_json(), expected.clone());
        let file = std::fs::File::open(dir.path().join("records.jsonl")).unwrap();
        prop_assert_eq!(e.run_stream(file, None).unwrap().to_json(), expected);
    }
}

// ---------------------------------------------------------------------------------------
// A naive evaluator of the built-in stateless rules.

const STATELESS: [&str; 4] = [
    "price.min-list",
    "price.no-list-price",
    "parts.genuine",
    "docs.required",
];

/// What the built-in stateless rules of the shipped pack (with [`discount_engine`]'s
/// discounts) find, computed the obvious way over [`fixture`].
fn naive(record: &Record) -> Vec<(String, String, Option<usize>)> {
    let f = fixture();
    let mut out = Vec::new();
    let mut push = |rule: &str, line: Option<usize>| {
        out.push((rule.to_owned(), record.id.to_string(), line));
    };
    let kind = record.kind.as_str();
    for (i, l) in record.lines.iter().enumerate() {
        if kind == "sale" {
            match naive_floor(record, &l.sku, &l.currency) {
                None => push("price.no-list-price", Some(i)),
                Some(floor) if l.unit_price < floor => push("price.min-list", Some(i)),
                Some(_) => {}
            }
        }
        if kind == "sale" || kind == "service_order" {
            let genuine = f.catalog.iter().any(|c| c.sku == l.sku && c.genuine);
            let approved = l.source.as_deref().is_some_and(|s| f.sources.contains(&s));
            if !genuine || !approved {
                push("parts.genuine", Some(i));
            }
        }
    }
    let has = |doc: &str, signed: bool| {
        record
            .documents
            .iter()
            .any(|d| d.kind == doc && (d.signed || !signed))
    };
    let missing = match kind {
        "service_order" => !has("service_report", true),
        "agreement" => !has("contract", true),
        "sale" => !has("purchase_order", false),
        _ => false,
    };
    if missing {
        push("docs.required", None);
    }
    out.sort();
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The engine's built-in stateless rules find exactly what the naive evaluator finds.
    #[test]
    fn the_engine_agrees_with_a_naive_evaluator(records in records(FIXTURE_PARTNERS, 1..30)) {
        let e = discount_engine();
        for r in &records {
            prop_assert_eq!(found(e, r, &STATELESS), naive(r), "{:?}", r);
        }
    }
}

// ---------------------------------------------------------------------------------------
// The two readers agree.

/// A JSON value as text: scalars of every type, with numbers and strings chosen near the
/// edges of what a record field accepts, and small arrays and objects of them.
fn json_scalar() -> impl Strategy<Value = String> {
    let numbers = select(
        &[
            "0",
            "-0",
            "0.0",
            "1",
            "4",
            "-3",
            "1.5",
            "12.50",
            "90.00",
            "4294967296",
            "18446744073709551616",
            "-9223372036854775809",
            "12345678901234567890123456789",
            "1234567890123456789012345678901234567890",
            "0.00000000000000000000000000001",
            "1.5e2",
            "-1.5e2",
            "15e-1",
        ][..],
    )
    .prop_map(str::to_owned);
    let strings = prop_oneof![
        select(
            &[
                "",
                " ",
                "S-1",
                "sale",
                "service_order",
                "agreement",
                "2026-03-14",
                "2026-02-30",
                "99999-01-01",
                "0000-01-01",
                "USD",
                "usd",
                "EURO",
                "12.50",
                "12,50",
                "1e400",
                "-1",
                "1.",
                ".5",
                "+1",
                "true",
                "oem",
                "P-DE",
                "purchase_order",
                "contract",
                "é\u{1F600}",
                "a\"b\\c\n\t\u{0}",
            ][..]
        )
        .prop_map(str::to_owned),
        "[ -~]{0,8}",
        any::<String>(),
    ]
    .prop_map(|s| serde_json::to_string(&s).unwrap());
    prop_oneof![
        select(&["null", "true", "false"][..]).prop_map(str::to_owned),
        numbers,
        any::<i64>().prop_map(|n| n.to_string()),
        (any::<u32>(), 0u32..8).prop_map(|(n, s)| Decimal::new(i64::from(n), s).to_string()),
        strings,
    ]
}

fn json_value() -> impl Strategy<Value = String> {
    json_scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec((select(&["a", "b", "sku", "kind"][..]), inner), 0..4)
                .prop_map(|pairs| object(pairs.iter().map(|(k, v)| (*k, v.as_str())))),
        ]
    })
}

/// An object's text from its pairs, as given: a key may repeat.
fn object<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let fields: Vec<String> = pairs
        .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// Where an edit of a record applies.
#[derive(Debug, Clone)]
enum Target {
    Top,
    Line(usize),
    Document(usize),
}

/// One change to a good record.
#[derive(Debug, Clone)]
enum Edit {
    /// Sets a key (its first occurrence, or a new one) to a value.
    Set(Target, &'static str, String),
    /// Removes every occurrence of a key.
    Remove(Target, &'static str),
    /// Adds a key at the end, even when it is there already.
    Add(Target, &'static str, String),
}

const TOP_KEYS: &[&str] = &[
    "id",
    "kind",
    "date",
    "partner",
    "customer",
    "region",
    "opportunity",
    "stage",
    "asset",
    "agreement",
    "lines",
    "documents",
    "attrs",
    "channel",
];
const LINE_KEYS: &[&str] = &["sku", "qty", "unit_price", "currency", "source", "note"];
const DOCUMENT_KEYS: &[&str] = &["kind", "ref", "signed", "note"];

/// A record as ordered pairs of JSON text, so edits can break it in any way JSON allows.
struct Draft {
    top: Vec<(&'static str, String)>,
    lines: Vec<Vec<(&'static str, String)>>,
    documents: Vec<Vec<(&'static str, String)>>,
}

const LINES: &str = "@lines";
const DOCUMENTS: &str = "@documents";

impl Draft {
    /// A good sale with two lines and a document.
    fn good() -> Draft {
        let s = |t: &str| serde_json::to_string(t).unwrap();
        let line = |sku: &str, price: &str| {
            vec![
                ("sku", s(sku)),
                ("qty", "2".to_owned()),
                ("unit_price", price.to_owned()),
                ("currency", s("USD")),
                ("source", s("oem")),
            ]
        };
        Draft {
            top: vec![
                ("id", s("S-1")),
                ("kind", s("sale")),
                ("date", s("2026-03-14")),
                ("partner", s("P-DE")),
                ("customer", s("C-1")),
                ("lines", LINES.to_owned()),
                ("documents", DOCUMENTS.to_owned()),
                ("attrs", "{\"channel\":\"web\"}".to_owned()),
            ],
            lines: vec![line("SEAL-200", "\"90.00\""), line("PUMP-10", "1199.99")],
            documents: vec![vec![
                ("kind", s("purchase_order")),
                ("ref", s("PO-1")),
                ("signed", "true".to_owned()),
            ]],
        }
    }

    fn pairs(&mut self, target: &Target) -> Option<&mut Vec<(&'static str, String)>> {
        match target {
            Target::Top => Some(&mut self.top),
            Target::Line(i) => self.lines.get_mut(*i),
            Target::Document(i) => self.documents.get_mut(*i),
        }
    }

    fn apply(&mut self, edit: Edit) {
        match edit {
            Edit::Set(t, key, value) => {
                if let Some(pairs) = self.pairs(&t) {
                    match pairs.iter_mut().find(|(k, _)| *k == key) {
                        Some(pair) => pair.1 = value,
                        None => pairs.push((key, value)),
                    }
                }
            }
            Edit::Remove(t, key) => {
                if let Some(pairs) = self.pairs(&t) {
                    pairs.retain(|(k, _)| *k != key);
                }
            }
            Edit::Add(t, key, value) => {
                if let Some(pairs) = self.pairs(&t) {
                    pairs.push((key, value));
                }
            }
        }
    }

    fn text(&self) -> String {
        let list = |items: &[Vec<(&'static str, String)>]| {
            let objects: Vec<String> = items
                .iter()
                .map(|pairs| object(pairs.iter().map(|(k, v)| (*k, v.as_str()))))
                .collect();
            format!("[{}]", objects.join(","))
        };
        let (lines, documents) = (list(&self.lines), list(&self.documents));
        object(self.top.iter().map(|(k, v)| {
            let v = match v.as_str() {
                LINES => lines.as_str(),
                DOCUMENTS => documents.as_str(),
                other => other,
            };
            (*k, v)
        }))
    }
}

fn target() -> impl Strategy<Value = (Target, &'static str)> {
    prop_oneof![
        2 => select(TOP_KEYS).prop_map(|k| (Target::Top, k)),
        1 => (0usize..2, select(LINE_KEYS)).prop_map(|(i, k)| (Target::Line(i), k)),
        1 => select(DOCUMENT_KEYS).prop_map(|k| (Target::Document(0), k)),
    ]
}

fn edit(duplicates: bool) -> impl Strategy<Value = Edit> {
    let set = (target(), json_value()).prop_map(|((t, k), v)| Edit::Set(t, k, v));
    let remove = target().prop_map(|(t, k)| Edit::Remove(t, k));
    let add = (target(), json_value()).prop_map(move |((t, k), v)| {
        if duplicates {
            Edit::Add(t, k, v)
        } else {
            Edit::Set(t, k, v)
        }
    });
    prop_oneof![3 => set, 1 => remove, 1 => add]
}

/// What each reader makes of one line: the typed reader behind `read_batch`, and
/// the value reader it falls back to (always `Some`).
fn both_readers(text: &str) -> (Result<Record, String>, Option<Result<Record, String>>) {
    let batch = read_batch(text.as_bytes()).unwrap();
    assert_eq!(batch.read(), 1, "{text}");
    let typed = match (batch.records.first(), batch.rejected.first()) {
        (Some(r), _) => Ok(r.clone()),
        (None, Some(r)) => {
            assert_eq!(r.line, 1);
            Err(r.reason())
        }
        (None, None) => unreachable!(),
    };
    // A line of JSON Lines ends at `\n` or `\r\n`: a last `\r` is not part of the record.
    let line = text.strip_suffix('\r').unwrap_or(text);
    let value = Record::from_json_str_by_value(line).map_err(|e| e.to_string());
    (typed, Some(value))
}

/// A line ending in `\r` (the `\r\n` of a line of JSON Lines) is read without it by both:
/// a broken string is refused for the same reason, not one at the `\r`.
#[test]
fn the_readers_agree_on_a_line_ending_in_a_carriage_return() {
    for text in ["\"\r", "{\"id\":\"S-1\"}\r"] {
        let (typed, value) = both_readers(text);
        assert_eq!(Some(typed), value, "{text:?}");
    }
}

/// Whether `text` is a line both readers take as one record, not a JSON array, a blank line
/// or a line with a byte order mark (which only `read_batch` knows).
fn one_record_line(text: &str) -> bool {
    let start = text.trim_start_matches(|c: char| c.is_ascii_whitespace());
    !text.contains('\n')
        && !start.is_empty()
        && !start.starts_with('[')
        && !text.starts_with('\u{feff}')
}

/// Any single line: random text, a soup of JSON tokens, or a good record with edits.
fn any_line(duplicates: bool, edits: usize) -> impl Strategy<Value = String> {
    let tokens = proptest::collection::vec(
        select(
            &[
                "{",
                "}",
                "[",
                "]",
                ",",
                ":",
                "\"id\"",
                "\"S-1\"",
                "\"lines\"",
                "\"qty\"",
                "1",
                "-",
                "0",
                "1e400",
                "null",
                "true",
                "\"",
                "\\",
                "\\ud800",
                " ",
                "\r",
                "\t",
                "9999999999999999999999",
                "\"unit_price\"",
                "\"2026-02-30\"",
            ][..],
        ),
        0..24,
    )
    .prop_map(|t| t.concat());
    prop_oneof![
        1 => "[^\n]{0,40}",
        1 => tokens,
        4 => proptest::collection::vec(edit(duplicates), 0..=edits).prop_map(|edits| {
            let mut draft = Draft::good();
            for e in edits {
                draft.apply(e);
            }
            draft.text()
        }),
    ]
}

/// Whether `text` holds a whole JSON number (64-bit) where the typed reader wants an object
/// or a list (a record, `lines`, `documents` or their elements): a known bug, see
/// `bad_input::a_whole_number_where_an_object_or_list_belongs_is_named_by_both_readers`.
fn whole_number_in_a_container_place(value: &Value) -> bool {
    let whole = |v: &Value| v.as_i64().is_some() || v.as_u64().is_some();
    let in_list = |v: Option<&Value>| match v {
        Some(Value::Array(items)) => items.iter().any(whole),
        Some(v) => whole(v),
        None => false,
    };
    whole(value) || in_list(value.get("lines")) || in_list(value.get("documents"))
}

/// Whether `text` writes a number with an exponent: the value reader quotes it as
/// serde_json re-spells it, a known bug (see
/// `bad_input::a_number_with_an_exponent_is_quoted_as_written_by_both_readers`).
fn has_an_exponent(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(2)
        .any(|w| w[0].is_ascii_digit() && (w[1] == b'e' || w[1] == b'E'))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The two readers agree on any line that is wrong in at most one place: both accept it as
    /// the same record, or both reject it for the same reason; text that is not JSON the
    /// typed reader rejects too. Known disagreements (whole numbers where an object belongs,
    /// exponents quoted in reasons) are left to the test below.
    #[test]
    fn the_readers_agree_on_lines_with_one_problem(text in any_line(false, 1)) {
        prop_assume!(one_record_line(&text));
        let (typed, value) = both_readers(&text);
        match value {
            None => prop_assert!(typed.is_err(), "{text}: {typed:?}"),
            Some(value) => {
                let v = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
                prop_assume!(!whole_number_in_a_container_place(&v) && !has_an_exponent(&text));
                prop_assert_eq!(typed, value, "{}", text);
            }
        }
    }

    /// The two readers agree on every line: the property as it should hold.
    #[test]
    fn the_readers_agree_on_every_line(text in any_line(true, 4)) {
        prop_assume!(one_record_line(&text));
        let (typed, value) = both_readers(&text);
        match value {
            None => prop_assert!(typed.is_err(), "{text}: {typed:?}"),
            Some(value) => prop_assert_eq!(typed, value, "{}", text),
        }
    }
}

// ---------------------------------------------------------------------------------------
// No input makes anything panic.

/// Bytes: random, or fragments of the formats the loaders read, strung together.
fn bytes(fragments: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        proptest::collection::vec(select(fragments), 0..60).prop_map(|f| f.concat().into_bytes()),
    ]
}

const JSON_BITS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\n",
    "\r\n",
    " ",
    "\u{feff}",
    "\"id\":",
    "\"S-1\"",
    "\"S-2\"",
    "\"kind\":",
    "\"sale\"",
    "\"service_order\"",
    "\"date\":",
    "\"2026-03-14\"",
    "\"0000-01-01\"",
    "\"9999-12-31\"",
    "\"partner\":",
    "\"P-DE-04\"",
    "\"P-SA-06\"",
    "\"lines\":",
    "\"documents\":",
    "\"sku\":",
    "\"SEAL-200\"",
    "\"qty\":",
    "4",
    "0",
    "-1",
    "\"unit_price\":",
    "79228162514264337593543950335",
    "1e400",
    "\"currency\":",
    "\"USD\"",
    "\"source\":",
    "\"oem\"",
    "\"opportunity\":",
    "\"agreement\":",
    "\"attrs\":",
    "null",
    "true",
    "\"",
    "\\ud800",
    "\\",
];

const CSV_BITS: &[&str] = &[
    ",",
    "\n",
    "\r\n",
    "\"",
    " ",
    "\u{feff}",
    "sku",
    "list_price",
    "currency",
    "effective_from",
    "effective_to",
    "genuine",
    "description",
    "source",
    "name",
    "id",
    "type",
    "region",
    "status",
    "contract_signed",
    "nda_expires",
    "certified_until",
    "partner",
    "assets",
    "SEAL-200",
    "90.00",
    "1e400",
    "-1",
    "79228162514264337593543950335",
    "USD",
    "usd",
    "2026-01-01",
    "2026-02-30",
    "0000-01-01",
    "9999-12-31",
    "true",
    "maybe",
    "dealer",
    "sales_agent",
    "active",
    "P-DE-04",
    "US-NE",
    "18446744073709551616",
    "0",
];

const TOML_BITS: &[&str] = &[
    "[[rule]]\n",
    "[rule.select]\n",
    "[rule.params]\n",
    "[[rule.params.require]]\n",
    "\n",
    " ",
    "=",
    "\"",
    "'",
    "\"\"\"",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\u{feff}",
    "id = ",
    "\"x.y\"",
    "\"x.y\"\n",
    "title = \"t\"\n",
    "severity = \"error\"\n",
    "severity = \"eror\"\n",
    "check = ",
    "\"condition\"\n",
    "\"script\"\n",
    "\"min-list-price\"\n",
    "\"peer-outlier\"\n",
    "when = \"record.lines.len() > 1\"\n",
    "when = \"record.(\"\n",
    "message = \"m ${record.id}\"\n",
    "file = \"scripts/partner_active.rhai\"\n",
    "file = \"../x.rhai\"\n",
    "kinds = [\"sale\"]\n",
    "kinds = [\"sael\"]\n",
    "max_gap_days = 99999999999999999999\n",
    "lead_days = -1\n",
    "allowed_discount = { dealer = \"1e400\" }\n",
    "threshold = \"0\"\n",
    "min_group = 1\n",
    "currency = \"USD\"\n",
    "peers = [\"region\"]\n",
    "direction = \"high\"\n",
];

/// The example records, read once.
fn example_batch() -> &'static Batch {
    static BATCH: OnceLock<Batch> = OnceLock::new();
    BATCH.get_or_init(|| {
        batch_of(&std::fs::read_to_string(root().join("examples/records.jsonl")).unwrap())
    })
}

/// Non-blank lines of JSON Lines input, as `read_batch` counts them.
fn non_blank_lines(input: &[u8]) -> usize {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    input
        .split(|b| *b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any bytes are records, rejected lines or an input error; never a panic. Whatever is
    /// read is counted, checked and reported, and the stream counts the same.
    #[test]
    fn read_batch_never_panics(input in bytes(JSON_BITS)) {
        let Ok(batch) = read_batch(&input) else { return Ok(()) };
        let stripped = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&input);
        if stripped.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
            prop_assert_eq!(batch.read(), non_blank_lines(&input));
        }
        let e = example_engine();
        let report = e.run(&batch, None);
        prop_assert_eq!(report.summary().read, batch.read());
        let _ = report.to_text();
        let streamed = e.run_stream(&input[..], None).unwrap();
        prop_assert_eq!(streamed.summary().read, batch.read());
    }

    /// Any bytes as any reference file load or fail with located problems; never a panic.
    /// What loads can be checked against.
    #[test]
    fn refdata_load_never_panics(input in bytes(CSV_BITS), file in 0usize..5) {
        let files = example_csvs();
        let dir = tempfile::TempDir::new().unwrap();
        for (name, text) in &files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        std::fs::write(dir.path().join(&files[file].0), &input).unwrap();
        match RefData::load(dir.path()) {
            Ok(data) => {
                let e = Engine::new(shipped_pack(), data).unwrap();
                let report = e.run(example_batch(), None);
                prop_assert_eq!(report.summary().read, example_batch().read());
                let _ = report.to_text();
            }
            Err(e) => {
                prop_assert!(!e.diagnostics().is_empty());
                let _ = e.to_string();
            }
        }
    }

    /// Any bytes as a rule file (or the manifest, or a script) load or fail with located
    /// problems; never a panic.
    #[test]
    fn pack_load_never_panics(input in bytes(TOML_BITS), file in 0usize..4) {
        let dir = pack_copy(&[]);
        let name = ["fuzz.toml", "price.toml", "pack.toml", "scripts/partner_active.rhai"][file];
        std::fs::write(dir.path().join(name), &input).unwrap();
        match Pack::load(dir.path()) {
            Ok(pack) => {
                let e = Engine::new(pack, fixture_data()).unwrap();
                let report = e.run(example_batch(), None);
                prop_assert_eq!(report.summary().read, example_batch().read());
            }
            Err(e) => {
                prop_assert!(!e.diagnostics().is_empty());
                let _ = e.to_string();
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Issue 11: a key given twice, at any level, is rejected by both readers alike.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_key_given_twice_anywhere_is_rejected_by_both_readers(
        (target, key) in target(),
        value in json_value(),
    ) {
        let mut draft = Draft::good();
        // Give the key once (set), then again (add).
        draft.apply(Edit::Set(target.clone(), key, "null".to_owned()));
        draft.apply(Edit::Add(target, key, value));
        let text = draft.text();
        let (typed, value) = both_readers(&text);
        prop_assert_eq!(Some(&typed), value.as_ref(), "{}", text);
        let reason = typed.err().unwrap_or_default();
        prop_assert!(reason.contains("given twice"), "{}: {}", text, reason);
    }
}
