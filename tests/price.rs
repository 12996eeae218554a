//! `price.min-list` and `price.no-list-price` of the shipped pack, where the pack's own cases
//! (`rules/tests/price.toml`) cannot reach: prices read from JSON numbers, a finding's
//! `expected` and `actual`, edited packs (discounts) and reference data built in code.
//! The boundaries themselves (at list, a cent and a tenth of a cent below, the day a price
//! changes, other currencies, unpriced skus) are held by the pack's cases.

use crate::common::*;
use pactum::{PartnerType, RefData};

const MIN: &str = "price.min-list";
const NONE: &str = "price.no-list-price";

#[test]
fn a_json_number_a_hair_below_list_fails_exactly() {
    // A number, not a string: through an f64 it would round to 1200 and pass.
    let r = record(
        r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-SI",
            "lines":[{"sku":"PUMP-10","qty":1,"unit_price":1199.9999999999999999,"currency":"USD","source":"oem"}],
            "documents":[{"kind":"purchase_order","signed":true}]}"#,
    );
    assert_eq!(r.lines[0].unit_price, dec("1199.9999999999999999"));
    let f = check_rule(&engine(refdata()), &r, MIN);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].expected, "1200.00");
    assert_eq!(f[0].actual, "1199.9999999999999999");
}

#[test]
fn a_json_number_equal_to_list_passes() {
    let r = record(
        r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-SI",
            "lines":[{"sku":"PUMP-10","qty":1,"unit_price":1200.00,"currency":"USD","source":"oem"}]}"#,
    );
    assert!(check_rule(&engine(refdata()), &r, MIN).is_empty());
}

#[test]
fn price_ranges_loaded_from_csv_are_inclusive_too() {
    let dir = temp_files(&[
        (
            "price_list.csv",
            "sku,list_price,currency,effective_from,effective_to\n\
             SEAL-200,90.00,USD,2026-01-01,2026-03-31\n\
             SEAL-200,94.50,USD,2026-04-01,\n",
        ),
        (
            "catalog.csv",
            "sku,genuine,description\nSEAL-200,true,Shaft seal kit\n",
        ),
        ("approved_sources.csv", "source,name\noem,The OEM\n"),
        (
            "partners.csv",
            "id,type,region,status,contract_signed,nda_expires,certified_until\n\
             P-SI,systems_integrator,US-NE,active,2025-01-01,2030-01-01,2030-01-01\n",
        ),
    ]);
    let e = engine(RefData::load(dir.path()).unwrap());
    let at = |date: &str, p: &str| {
        check_rule(
            &e,
            &sale("S-1", "P-SI", date, vec![line("SEAL-200", p, "USD")]),
            MIN,
        )
    };
    assert!(at("2026-03-31", "90.00").is_empty());
    assert_eq!(at("2026-04-01", "90.00")[0].expected, "94.50");
    // The open-ended row holds years later.
    assert_eq!(at("2031-01-01", "94.49")[0].expected, "94.50");
}

#[test]
fn the_finding_reads_like_a_sentence_with_the_evidence() {
    let e = engine(refdata());
    let r = sale(
        "S-1001",
        "P-SI",
        "2026-03-14",
        vec![
            line("PUMP-10", "1200.00", "USD"),
            line("SEAL-200", "81.00", "USD"),
        ],
    );
    let f = check_rule(&e, &r, MIN);
    assert_eq!(f.len(), 1);
    assert_eq!(
        f[0].message,
        "sold SEAL-200 at 81.00 USD, 10% below the list price of 90.00 USD in force on 2026-03-14"
    );
    assert_eq!(
        (f[0].expected.as_str(), f[0].actual.as_str()),
        ("90.00", "81.00")
    );
    assert_eq!(f[0].record.as_deref(), Some("S-1001"));
    assert_eq!(f[0].line, Some(1), "the second line is the cheap one");
    assert_eq!(f[0].partner, "P-SI");
    assert_eq!(f[0].severity, pactum::Severity::Error);
}

#[test]
fn an_allowed_discount_for_a_partner_type_moves_the_floor() {
    let pack = pack_copy(&[("price.toml", r#"dealer = "0""#, r#"dealer = "0.05""#)]);
    let e = engine_with(pack.path(), refdata());
    let at = |partner: &str, p: &str| {
        check_rule(
            &e,
            &sale(
                "S-1",
                partner,
                "2026-03-14",
                vec![line("PUMP-10", p, "USD")],
            ),
            MIN,
        )
    };
    // 5% below 1200.00 is 1140.00; 5.01% below is 1139.88.
    assert!(at("P-DE", "1140.00").is_empty());
    let f = at("P-DE", "1139.88");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].expected.as_str(), f[0].actual.as_str()),
        ("1140.00", "1139.88")
    );
    assert!(
        f[0].message
            .contains("a dealer may sell at most 5% below list, so the floor is 1140.00 USD"),
        "{}",
        f[0].message
    );
    // Other partner types keep a discount of 0.
    assert_eq!(at("P-SI", "1140.00")[0].expected, "1200.00");
}

#[test]
fn no_list_price_for_an_unknown_sku() {
    let e = engine(refdata());
    let r = sale(
        "S-1",
        "P-SI",
        "2026-03-14",
        vec![
            line("SEAL-200", "90.00", "USD"),
            line("NOPE-1", "5.00", "USD"),
        ],
    );
    let f = check_rule(&e, &r, NONE);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].line, Some(1));
    assert_eq!(
        f[0].message,
        "no list price for NOPE-1 in USD on 2026-03-14: the sku is not on the price list at all"
    );
    assert_eq!(f[0].expected, "a list price in USD in force on 2026-03-14");
    assert_eq!(f[0].actual, "none");
}

#[test]
fn no_list_price_before_the_first_price_and_in_a_gap_between_ranges() {
    let e = engine(refdata());
    let at = |date: &str| {
        check_rule(
            &e,
            &sale("S-1", "P-SI", date, vec![line("GAP-1", "99.00", "USD")]),
            NONE,
        )
    };
    // GAP-1 is priced 2026-01-01..2026-01-31 and from 2026-03-01.
    for date in ["2025-12-31", "2026-02-01", "2026-02-15", "2026-02-28"] {
        let f = at(date);
        assert_eq!(f.len(), 1, "{date}");
        assert_eq!(
            f[0].message,
            format!(
                "no list price for GAP-1 in USD on {date}: its USD prices cover only 2026-01-01..2026-01-31, 2026-03-01.."
            )
        );
    }
    for date in ["2026-01-01", "2026-01-31", "2026-03-01", "2027-01-01"] {
        assert!(at(date).is_empty(), "{date}");
    }
}

#[test]
fn a_partner_missing_from_partners_csv_gets_no_discount() {
    let mut data = refdata();
    data.add_partner(partner("P-OTHER", PartnerType::Dealer, "2025-01-01"));
    let pack = pack_copy(&[("price.toml", r#"dealer = "0""#, r#"dealer = "0.05""#)]);
    let e = engine_with(pack.path(), data);
    let at = |partner: &str| {
        check_rule(
            &e,
            &sale(
                "S-1",
                partner,
                "2026-03-14",
                vec![line("PUMP-10", "1140.00", "USD")],
            ),
            MIN,
        )
    };
    assert!(
        at("P-OTHER").is_empty(),
        "a known dealer gets the dealer discount"
    );
    assert_eq!(at("P-UNKNOWN")[0].expected, "1200.00");
}

/// One engine for every property case: building it reads the pack from disk.
fn shared_engine() -> &'static pactum::Engine {
    static ENGINE: std::sync::OnceLock<pactum::Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| engine(refdata()))
}

proptest::proptest! {
    /// A price is flagged exactly when it is below 1200.00, and raising it never adds a
    /// price finding.
    #[test]
    fn raising_a_price_never_adds_a_price_finding(cents in 0u64..300_000, raise in 0u64..50_000) {
        let e = shared_engine();
        let at = |c: u64| {
            let p = pactum::Decimal::new(i64::try_from(c).unwrap(), 2).to_string();
            let r = sale("S-1", "P-SI", "2026-03-14", vec![line("PUMP-10", &p, "USD")]);
            e.check(&r).findings.iter().filter(|f| f.rule.starts_with("price.")).count()
        };
        let before = at(cents);
        proptest::prop_assert_eq!(before, usize::from(cents < 120_000));
        proptest::prop_assert!(at(cents + raise) <= before);
    }
}
