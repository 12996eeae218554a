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

// ---------------------------------------------------------------------------------------
// Issue 15: floors as an invoice computes them, agreements, credit notes, profiles.

const NET: &str = "price.net-below-list";

/// The shipped pack with `discount` for dealers, in `price.min-list` and
/// `price.net-below-list` both.
fn dealer_discount(discount: &str) -> tempfile::TempDir {
    let to = format!(r#"dealer = "{discount}""#);
    pack_copy(&[
        ("price.toml", r#"dealer = "0""#, &to),
        ("price.toml", r#"dealer = "0""#, &to),
    ])
}

#[test]
fn three_percent_off_94_50_is_91_66_as_an_invoice_says_so_91_66_passes_and_91_65_fails() {
    let pack = dealer_discount("0.03");
    let e = engine_with(pack.path(), refdata());
    let at = |p: &str| {
        check_rule(
            &e,
            &sale(
                "S-1",
                "P-DE",
                "2026-04-01",
                vec![line("SEAL-200", p, "USD")],
            ),
            MIN,
        )
    };
    // 94.50 x 3% = 2.835, rounded half up to 2.84: the floor is 91.66, not 91.665.
    assert!(at("91.66").is_empty());
    let f = at("91.65");
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].expected, "91.66");
    assert!(
        f[0].message.contains("so the floor is 91.66 USD"),
        "{}",
        f[0].message
    );
}

#[test]
fn a_yen_floor_is_rounded_to_whole_yen() {
    let pack = dealer_discount("0.03");
    let mut data = refdata();
    // 150 x 3% = 4.5 yen, rounded half up to 5: the floor is 145; 12345 x 3% = 370.35, so 11975.
    data.add_price(price("YEN-1", "150", "JPY", "2026-01-01", None));
    data.add_price(price("YEN-2", "12345", "JPY", "2026-01-01", None));
    let e = engine_with(pack.path(), data);
    let at = |sku: &str, p: &str| {
        check_rule(
            &e,
            &sale("S-1", "P-DE", "2026-04-01", vec![line(sku, p, "JPY")]),
            MIN,
        )
    };
    assert!(at("YEN-1", "145").is_empty());
    assert_eq!(at("YEN-1", "144")[0].expected, "145");
    assert!(at("YEN-2", "11975").is_empty());
    assert_eq!(at("YEN-2", "11974")[0].expected, "11975");
    assert_eq!(
        pactum::price_floor(
            dec("12345"),
            dec("0.03"),
            pactum::Currency::new("JPY").unwrap()
        ),
        dec("11975")
    );
    // A currency with no minor units keeps the exact discount amount.
    assert_eq!(
        pactum::price_floor(
            dec("94.50"),
            dec("0.03"),
            pactum::Currency::new("XAU").unwrap()
        ),
        dec("91.665")
    );
}

/// Reference data with SPA-1 (P-DE to C-1, SEAL-200 at 80.00 USD in the second quarter of
/// 2026) and an EU dealer and sales agent.
fn spa_data() -> RefData {
    let mut data = refdata();
    data.add_special_price(pactum::refdata::SpecialPrice {
        agreement: "SPA-1".to_owned(),
        partner: "P-DE".to_owned(),
        customer: "C-1".to_owned(),
        sku: "SEAL-200".to_owned(),
        price: dec("80.00"),
        currency: pactum::Currency::USD,
        valid_from: d("2026-04-01"),
        valid_to: d("2026-06-30"),
        max_qty: None,
        claim_days: None,
        line: 2,
    });
    for (id, t) in [
        ("P-EU-DE", PartnerType::Dealer),
        ("P-EU-SA", PartnerType::SalesAgent),
    ] {
        let mut p = partner(id, t, "2025-01-01");
        p.jurisdiction = Some("EU".to_owned());
        data.add_partner(p);
    }
    data
}

fn spa_sale(id: &str, partner: &str, customer: &str, date: &str, price: &str) -> pactum::Record {
    record_of(serde_json::json!({
        "id": id, "kind": "sale", "date": date, "partner": partner, "customer": customer,
        "agreement": "SPA-1", "lines": [line("SEAL-200", price, "USD")], "documents": [po()]
    }))
}

fn credit(
    id: &str,
    partner: &str,
    date: &str,
    invoice: &str,
    qty: i64,
    per_unit: &str,
    currency: &str,
) -> pactum::Record {
    record_of(serde_json::json!({
        "id": id, "kind": "credit_note", "date": date, "partner": partner, "invoice": invoice,
        "lines": [{"sku": "SEAL-200", "qty": qty, "unit_price": per_unit, "currency": currency}]
    }))
}

#[test]
fn explain_says_which_floor_was_used_list_with_its_discount_or_the_agreement() {
    let pack = dealer_discount("0.03");
    let e = engine_with(pack.path(), spa_data());
    let batch = pactum::Batch::from_records(vec![
        sale(
            "S-1",
            "P-DE",
            "2026-04-01",
            vec![line("SEAL-200", "91.65", "USD")],
        ),
        spa_sale("S-2", "P-DE", "C-1", "2026-05-01", "80.00"),
    ]);
    let x = e.explain(&batch, MIN, "S-1", None).unwrap();
    let text: Vec<&str> = x.steps.iter().map(|s| s.text.as_str()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("floor 94.50 - 2.84 (3% discount")
                && t.contains("= 91.66")
                && t.contains("below the floor, a finding")),
        "{text:?}"
    );
    let x = e.explain(&batch, MIN, "S-2", None).unwrap();
    let step = x
        .steps
        .iter()
        .find(|s| s.about.starts_with("line 1"))
        .unwrap();
    assert!(step.text.contains("agreement SPA-1"), "{}", step.text);
    assert!(
        step.text
            .contains("floor 80.00 USD (the agreement price, no discount on top)"),
        "{}",
        step.text
    );
    assert_eq!(step.facts["basis"], "agreement");
}

#[test]
fn an_agreement_out_of_its_dates_is_judged_against_list_and_is_not_misuse() {
    let e = engine(spa_data());
    let r = spa_sale("S-1", "P-DE", "C-1", "2026-07-01", "80.00");
    assert_eq!(check_rule(&e, &r, MIN)[0].expected, "94.50");
    assert!(check_rule(&e, &r, "price.agreement-misuse").is_empty());
    // In force on the order date, the agreement holds though the invoice is later.
    let ordered = record_of(serde_json::json!({
        "id": "S-2", "kind": "sale", "date": "2026-07-01", "order_date": "2026-06-30",
        "partner": "P-DE", "customer": "C-1", "agreement": "SPA-1",
        "lines": [line("SEAL-200", "80.00", "USD")], "documents": [po()]
    }));
    assert!(check_rule(&e, &ordered, MIN).is_empty());
}

#[test]
fn a_monitored_dealer_gets_info_margin_analysis_that_never_fails_the_run_an_agent_gets_an_error() {
    let e = engine(spa_data());
    let report = run(
        &e,
        vec![
            sale(
                "S-EU",
                "P-EU-DE",
                "2026-04-01",
                vec![line("SEAL-200", "85.05", "USD")],
            ),
            sale(
                "S-EU-2",
                "P-EU-DE",
                "2026-04-01",
                vec![line("SEAL-200", "94.50", "USD")],
            ),
            credit("CN-EU", "P-EU-DE", "2026-04-05", "S-EU-2", 1, "9.45", "USD"),
        ],
        None,
    );
    let mine: Vec<_> = report
        .findings()
        .iter()
        .filter(|f| f.rule.starts_with("price."))
        .collect();
    assert_eq!(mine.len(), 2, "{mine:?}");
    for f in &mine {
        assert_eq!(f.severity, pactum::Severity::Info, "{}", f.message);
        assert!(
            f.message.starts_with("internal margin analysis: "),
            "{}",
            f.message
        );
        assert!(!f.message.contains("sold "), "{}", f.message);
    }
    assert!(
        report.worst().is_none_or(|w| w < pactum::Severity::Warning)
            || report
                .findings()
                .iter()
                .any(|f| !f.rule.starts_with("price.")),
        "only info from the price rules"
    );
    let agent = check_rule(
        &e,
        &sale(
            "S-SA",
            "P-EU-SA",
            "2026-04-01",
            vec![line("SEAL-200", "85.05", "USD")],
        ),
        MIN,
    );
    assert_eq!(agent[0].severity, pactum::Severity::Error);
    assert!(
        agent[0]
            .message
            .starts_with("sold SEAL-200 at 85.05 USD, 10% below")
    );
}

#[test]
fn net_price_is_judged_on_the_credit_note_that_takes_it_below_the_rounded_floor() {
    let pack = dealer_discount("0.03");
    let e = engine_with(pack.path(), spa_data());
    // 3 x 94.50, floor 91.66 a unit: credits of 2.84 a unit in all leave 91.66 (clean);
    // one more cent on one unit leaves 91.6566... a unit (below).
    let report = run(
        &e,
        vec![
            sale(
                "S-1",
                "P-DE",
                "2026-04-01",
                vec![json_line("SEAL-200", 3, "94.50")],
            ),
            credit("CN-B", "P-DE", "2026-04-10", "S-1", 3, "2.00", "USD"),
            credit("CN-A", "P-DE", "2026-04-10", "S-1", 3, "0.84", "USD"),
            credit("CN-C", "P-DE", "2026-04-11", "S-1", 1, "0.01", "USD"),
            credit("CN-D", "P-DE", "2026-04-12", "S-1", 1, "5.00", "USD"),
        ],
        None,
    );
    let f = of_rule(&report, NET);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].record.as_deref(), Some("CN-C"));
    assert_eq!(f[0].date, d("2026-04-11"));
    assert_eq!(
        (f[0].expected.as_str(), f[0].actual.as_str()),
        ("91.66", "91.6567")
    );
    assert!(
        f[0].message.contains("so the floor is 91.66 USD"),
        "{}",
        f[0].message
    );
}

fn json_line(sku: &str, qty: i64, unit_price: &str) -> serde_json::Value {
    serde_json::json!({"sku": sku, "qty": qty, "unit_price": unit_price, "currency": "USD", "source": "oem"})
}

#[test]
fn unmatched_credit_notes_are_listed_in_the_json_and_text_reports() {
    let e = engine(spa_data());
    let report = run(
        &e,
        vec![
            sale(
                "S-1",
                "P-DE",
                "2026-04-01",
                vec![line("SEAL-200", "94.50", "USD")],
            ),
            credit("CN-LOST", "P-DE", "2026-04-10", "S-GONE", 1, "50.00", "USD"),
            credit("CN-EUR", "P-DE", "2026-04-10", "S-1", 1, "50.00", "EUR"),
        ],
        None,
    );
    assert!(of_rule(&report, NET).is_empty());
    let json = report.to_json();
    let listed = json["unmatched_credit_notes"].as_array().unwrap();
    let ids: Vec<(&str, &str)> = listed
        .iter()
        .map(|u| {
            (
                u["credit_note"].as_str().unwrap(),
                u["invoice"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(ids, [("CN-EUR", "S-1"), ("CN-LOST", "S-GONE")]);
    assert!(listed[0]["reason"].as_str().unwrap().contains(
        "line 1 credits SEAL-200 in EUR, which no sale S-1 of P-DE in the batch has: not netted"
    ));
    let text = report.to_text();
    assert!(text.contains("Unmatched credit notes"), "{text}");
    assert!(
        text.contains(
            "CN-LOST (P-DE) credits invoice S-GONE: line 1 credits SEAL-200 in USD, which no sale S-GONE of P-DE in the batch has: not netted"
        ),
        "{text}"
    );
}
