//! `docs.required` and `docs.agreement-on-file` of the shipped pack, where the pack's own
//! cases (`rules/tests/docs.toml`, which hold each boundary with the finding's message)
//! cannot reach: the `expected` and `actual` of each finding, kinds the cases do not use,
//! and the input order of a batch.

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
fn each_finding_states_what_was_expected_and_what_was_found() {
    let records = vec![
        with_docs(
            "SO-1",
            "service_order",
            "2026-03-14",
            json!([doc("service_report", false)]),
        ),
        // `signed` defaults to false.
        with_docs(
            "SO-2",
            "service_order",
            "2026-03-14",
            json!([{"kind": "service_report", "ref": "SR-1"}]),
        ),
        with_docs(
            "SO-3",
            "service_order",
            "2026-03-14",
            json!([doc("purchase_order", true)]),
        ),
        with_docs("S-1", "sale", "2026-03-14", json!([])),
        with_docs(
            "AG-1",
            "agreement",
            "2026-03-14",
            json!([doc("contract", false)]),
        ),
        relying_sale("S-2", "2026-03-14", Some("AG-2")),
        with_docs(
            "AG-2",
            "agreement",
            "2026-03-15",
            json!([doc("contract", true)]),
        ),
        relying_sale("S-3", "2026-03-14", Some("AG-404")),
        relying_sale("S-4", "2026-03-14", Some("AG-1")),
    ];
    let report = run(&engine(refdata()), records, None);
    let shown = |rule: &str| -> Vec<(String, String, String)> {
        of_rule(&report, rule)
            .iter()
            .map(|f| {
                assert_eq!(f.line, None, "{f:?}");
                (
                    f.record.clone().unwrap(),
                    f.expected.to_string(),
                    f.actual.to_string(),
                )
            })
            .collect()
    };
    let row = |r: &str, e: &str, a: &str| (r.to_owned(), e.to_owned(), a.to_owned());
    assert_eq!(
        shown(REQUIRED),
        [
            row("AG-1", "signed contract", "unsigned contract"),
            row("S-1", "purchase_order", "none"),
            row("SO-1", "signed service_report", "unsigned service_report"),
            row("SO-2", "signed service_report", "unsigned service_report"),
            row("SO-3", "signed service_report", "none"),
        ]
    );
    assert_eq!(
        shown(ON_FILE),
        [
            row(
                "S-2",
                "agreement AG-2 on file by 2026-03-14 with a signed contract",
                "agreement dated 2026-03-15"
            ),
            row(
                "S-3",
                "agreement AG-404 on file by 2026-03-14 with a signed contract",
                "no agreement on file"
            ),
            row(
                "S-4",
                "agreement AG-1 on file by 2026-03-14 with a signed contract",
                "agreement without a signed contract"
            ),
        ]
    );
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
