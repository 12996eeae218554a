//! Ship-and-debit claims (`claim.valid`): the 901 reject reason codes in the findings and
//! both reports, and the claim money rejected in the scorecard. The boundaries of each code
//! are the pack's own test cases (rules/tests/claims.toml).

use crate::common::*;
use pactum::refdata::SpecialPrice;
use pactum::{Currency, Finding, Record, RefData, Report};
use serde_json::json;

/// The example data with SPA-T1: P-DI-01 may resell PUMP-10 (list 1200.00 USD) to C-9 at
/// 1000.00 USD in March 2026, 10 units claimed at most, each claim within 30 days.
fn data() -> RefData {
    let mut data = RefData::load(example_data_dir()).unwrap();
    data.add_special_price(SpecialPrice {
        agreement: "SPA-T1".into(),
        partner: "P-DI-01".into(),
        customer: "C-9".into(),
        sku: "PUMP-10".into(),
        price: dec("1000.00"),
        currency: Currency::new("USD").unwrap(),
        valid_from: d("2026-03-01"),
        valid_to: d("2026-03-31"),
        max_qty: Some(10),
        claim_days: Some(30),
        line: 2,
    });
    data
}

fn resale(id: &str, customer: &str, qty: i64) -> Record {
    record_of(json!({
        "id": id, "kind": "sale", "date": "2026-03-10", "partner": "P-DI-01",
        "customer": customer, "agreement": "SPA-T1",
        "lines": [{"sku": "PUMP-10", "qty": qty, "unit_price": "1000.00", "currency": "USD", "source": "oem"}],
        "documents": [po()]
    }))
}

fn claim(id: &str, invoice: &str, date: &str, qty: i64, debit: &str) -> Record {
    record_of(json!({
        "id": id, "kind": "claim", "date": date, "partner": "P-DI-01",
        "agreement": "SPA-T1", "invoice": invoice,
        "lines": [{"sku": "PUMP-10", "qty": qty, "unit_price": debit, "currency": "USD"}]
    }))
}

fn claim_findings(report: &Report) -> Vec<&Finding> {
    report
        .findings()
        .iter()
        .filter(|f| &*f.rule == "claim.valid")
        .collect()
}

#[test]
fn each_problem_of_a_claim_line_is_a_finding_with_its_901_code() {
    let e = engine(data());
    // CL-2 claims the invoice CL-1 claimed (28), to another customer (26), a cent over the
    // debit allowed (06), and takes the units claimed to 12, past the cap of 10 (04).
    let records = vec![
        resale("S-1", "C-9", 6),
        resale("S-2", "C-8", 6),
        claim("CL-1", "S-1", "2026-03-20", 6, "200.00"),
        claim("CL-2", "S-2", "2026-03-21", 6, "200.01"),
        claim("CL-3", "S-1", "2026-03-22", 1, "10.00"),
    ];
    let report = run(&e, records, None);
    let codes = |record: &str| -> Vec<&str> {
        claim_findings(&report)
            .iter()
            .filter(|f| f.record.as_deref() == Some(record))
            .map(|f| f.code.as_deref().unwrap())
            .collect()
    };
    assert_eq!(codes("CL-1"), Vec::<&str>::new());
    // In report order: by message, which starts with the code.
    assert_eq!(codes("CL-2"), ["04", "06", "26"]);
    assert_eq!(codes("CL-3"), ["04", "28"]);
    let over = claim_findings(&report)
        .into_iter()
        .find(|f| f.code.as_deref() == Some("04") && f.record.as_deref() == Some("CL-2"))
        .unwrap();
    assert_eq!(
        over.message.as_str(),
        "claim CL-2 line 1 (6 x PUMP-10) is rejected, reason 04: this line brings the units claimed under SPA-T1 for PUMP-10 to 12, past the cap of 10"
    );
    assert_eq!(over.line, Some(0));
    assert_eq!(over.date, d("2026-03-21"));
}

#[test]
fn both_reports_show_the_code_and_the_scorecard_the_claim_money_rejected() {
    let e = engine(data());
    let records = vec![
        resale("S-1", "C-9", 2),
        claim("CL-1", "S-1", "2026-03-20", 2, "150.00"),
        claim("CL-9", "S-404", "2026-03-20", 3, "100.00"),
    ];
    let report = run(&e, records, None);
    let json = report.to_json();
    let violations = json["violations"].as_array().unwrap();
    let missing = violations.iter().find(|v| v["record"] == "CL-9").unwrap();
    assert_eq!(missing["code"], "38");
    assert_eq!(missing["rule"], "claim.valid");
    // A finding without a code has no `code` key.
    assert!(
        violations
            .iter()
            .all(|v| v["rule"] == "claim.valid" || v.get("code").is_none())
    );
    let card = json["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["partner"] == "P-DI-01")
        .unwrap();
    // CL-9: 3 units at 100.00 rejected; CL-1 passes and counts nothing.
    assert_eq!(card["claims_rejected"], json!({"USD": "300.00"}));
    let text = report.to_text();
    assert!(text.contains("; code: 38"), "{text}");
    assert!(text.contains("claim money rejected: 300.00 USD"), "{text}");
}

#[test]
fn a_claim_is_judged_the_same_whether_its_sale_comes_before_or_after_it() {
    let e = engine(data());
    let records = vec![
        claim("CL-1", "S-1", "2026-04-10", 2, "150.00"),
        resale("S-1", "C-9", 2),
    ];
    let mut reversed = records.clone();
    reversed.reverse();
    let one = run(&e, records, None);
    let other = run(&e, reversed, None);
    assert_eq!(one.to_json(), other.to_json());
    // A day past the 30 days after the resale on 2026-03-10.
    let codes: Vec<_> = claim_findings(&one)
        .iter()
        .map(|f| f.code.clone().unwrap())
        .collect();
    assert_eq!(codes, ["29"]);
}

#[test]
fn explain_lists_a_claim_lines_reject_reasons() {
    let e = engine(data());
    let text = [
        serde_json::to_string(&resale("S-1", "C-8", 2).to_json()).unwrap(),
        serde_json::to_string(&claim("CL-1", "S-1", "2026-03-20", 2, "150.00").to_json()).unwrap(),
    ]
    .join("\n");
    let batch = batch_of(&text);
    let explained = e.explain(&batch, "claim.valid", "CL-1", None).unwrap();
    let steps = serde_json::to_string(&explained).unwrap();
    assert!(
        steps.contains("26 the resale S-1 was to C-8, but agreement SPA-T1 is for C-9"),
        "{steps}"
    );
}
