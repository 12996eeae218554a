//! `docs.required` and `docs.agreement-on-file` of the shipped pack.

use crate::common::*;
use pactum::Record;
use serde_json::{Value, json};

const REQUIRED: &str = "docs.required";
const ON_FILE: &str = "docs.agreement-on-file";

fn with_docs(id: &str, kind: &str, date: &str, documents: Value) -> Record {
    record_of(
        json!({"id": id, "kind": kind, "date": date, "partner": "P-DE", "documents": documents}),
    )
}

fn doc(kind: &str, signed: bool) -> Value {
    json!({"kind": kind, "ref": "D-1", "signed": signed})
}

fn required(record: &Record) -> Vec<pactum::Finding> {
    check_rule(&engine(refdata()), record, REQUIRED)
}

#[test]
fn a_service_order_needs_a_signed_service_report() {
    let unsigned = required(&with_docs(
        "SO-1",
        "service_order",
        "2026-03-14",
        json!([doc("service_report", false)]),
    ));
    assert_eq!(unsigned.len(), 1);
    assert_eq!(
        unsigned[0].message,
        "service order SO-1 carries a service_report that is not signed; every service order needs a signed service_report"
    );
    assert_eq!(
        (unsigned[0].expected.as_str(), unsigned[0].actual.as_str()),
        ("signed service_report", "unsigned service_report")
    );
    assert_eq!(unsigned[0].line, None);

    let missing = required(&with_docs(
        "SO-2",
        "service_order",
        "2026-03-14",
        json!([doc("purchase_order", true)]),
    ));
    assert_eq!(missing.len(), 1);
    assert_eq!(
        missing[0].message,
        "service order SO-2 carries no service_report; every service order needs a signed service_report"
    );
    assert_eq!(missing[0].actual, "none");

    assert!(
        required(&with_docs(
            "SO-3",
            "service_order",
            "2026-03-14",
            json!([doc("service_report", true)])
        ))
        .is_empty()
    );
}

#[test]
fn signed_defaults_to_false() {
    let r = with_docs(
        "SO-1",
        "service_order",
        "2026-03-14",
        json!([{"kind": "service_report", "ref": "SR-1"}]),
    );
    assert_eq!(required(&r)[0].actual, "unsigned service_report");
}

#[test]
fn a_sale_needs_a_purchase_order_signed_or_not() {
    assert!(
        required(&with_docs(
            "S-1",
            "sale",
            "2026-03-14",
            json!([doc("purchase_order", false)])
        ))
        .is_empty()
    );
    let missing = required(&with_docs("S-2", "sale", "2026-03-14", json!([])));
    assert_eq!(missing.len(), 1);
    assert_eq!(
        (missing[0].expected.as_str(), missing[0].actual.as_str()),
        ("purchase_order", "none")
    );
}

#[test]
fn an_agreement_needs_a_signed_contract() {
    assert!(
        required(&with_docs(
            "AG-1",
            "agreement",
            "2026-03-14",
            json!([doc("contract", true)])
        ))
        .is_empty()
    );
    let unsigned = required(&with_docs(
        "AG-2",
        "agreement",
        "2026-03-14",
        json!([doc("contract", false)]),
    ));
    assert_eq!(unsigned[0].actual, "unsigned contract");
    let missing = required(&with_docs(
        "AG-3",
        "agreement",
        "2026-03-14",
        json!([doc("purchase_order", true)]),
    ));
    assert_eq!(missing[0].actual, "none");
}

#[test]
fn other_kinds_need_no_documents() {
    for kind in ["purchase", "pipeline_update", "return"] {
        assert!(
            required(&with_docs("R-1", kind, "2026-03-14", json!([]))).is_empty(),
            "{kind}"
        );
    }
}

fn relying_sale(id: &str, date: &str, agreement: Option<&str>) -> Record {
    let mut v =
        json!({"id": id, "kind": "sale", "date": date, "partner": "P-DE", "documents": [po()]});
    if let Some(a) = agreement {
        v["agreement"] = a.into();
    }
    record_of(v)
}

#[test]
fn a_sale_finds_its_agreement_on_file() {
    let records = vec![
        // Same day as the sale: fine, dates are inclusive.
        with_docs(
            "AG-1",
            "agreement",
            "2026-03-14",
            json!([doc("contract", true)]),
        ),
        relying_sale("S-1", "2026-03-14", Some("AG-1")),
        // Dated after the sale.
        relying_sale("S-2", "2026-03-14", Some("AG-2")),
        with_docs(
            "AG-2",
            "agreement",
            "2026-03-15",
            json!([doc("contract", true)]),
        ),
        // Not on file at all.
        relying_sale("S-3", "2026-03-14", Some("AG-404")),
        // On file, but its contract is not signed.
        with_docs(
            "AG-4",
            "agreement",
            "2026-01-10",
            json!([doc("contract", false)]),
        ),
        relying_sale("S-4", "2026-03-14", Some("AG-4")),
        // Names no agreement: nothing to find.
        relying_sale("S-5", "2026-03-14", None),
    ];
    let report = run(&engine(refdata()), records, None);
    assert_eq!(flagged(&report, ON_FILE), ["S-2", "S-3", "S-4"]);
    let f = of_rule(&report, ON_FILE);
    assert_eq!(
        f[0].message,
        "sale S-2 on 2026-03-14 relies on agreement AG-2, which is dated 2026-03-15, after the sale"
    );
    assert_eq!(f[0].actual, "agreement dated 2026-03-15");
    assert_eq!(
        f[0].expected,
        "agreement AG-2 on file by 2026-03-14 with a signed contract"
    );
    assert_eq!(
        f[1].message,
        "sale S-3 relies on agreement AG-404, but no agreement AG-404 is on file"
    );
    assert_eq!(f[1].actual, "no agreement on file");
    assert_eq!(
        f[2].message,
        "sale S-4 relies on agreement AG-4, which carries no signed contract"
    );
    assert_eq!(f[2].actual, "agreement without a signed contract");
}

#[test]
fn an_agreement_found_later_in_the_input_still_counts() {
    // The agreement comes after the sale in the input but is dated before it.
    let records = vec![
        relying_sale("S-1", "2026-03-14", Some("AG-1")),
        with_docs(
            "AG-1",
            "agreement",
            "2026-03-01",
            json!([doc("contract", true)]),
        ),
    ];
    assert!(of_rule(&run(&engine(refdata()), records, None), ON_FILE).is_empty());
}
