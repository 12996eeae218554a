//! `parts.genuine` of the shipped pack: several bad lines in one record, each with its line,
//! reason and evidence. The single-line boundaries (copy, unapproved or missing source,
//! unknown sku, service orders judged, purchases not) are `rules/tests/parts.toml`'s.

use crate::common::*;
use serde_json::{Value, json};

const RULE: &str = "parts.genuine";

fn part(sku: &str, source: Option<&str>) -> Value {
    let mut l = line(sku, "100.00", "USD");
    match source {
        Some(s) => l["source"] = s.into(),
        None => {
            l.as_object_mut().unwrap().remove("source");
        }
    }
    l
}

fn of_kind(kind: &str, lines: Vec<Value>) -> pactum::Record {
    record_of(json!({
        "id": "R-1", "kind": kind, "date": "2026-03-14", "partner": "P-DE",
        "lines": lines, "documents": [po()]
    }))
}

#[test]
fn each_bad_line_is_reported_with_its_reason() {
    let e = engine(refdata());
    let r = of_kind(
        "sale",
        vec![
            part("SEAL-200", Some("oem")),         // 0: genuine, from the OEM
            part("NOPE-1", Some("oem")),           // 1: not in the catalog
            part("SEAL-200-AM", Some("oem")),      // 2: in the catalog, not genuine
            part("SEAL-200", Some("ACME-SUPPLY")), // 3: genuine, unapproved source
            part("SEAL-200", None),                // 4: genuine, no source named
        ],
    );
    let f = check_rule(&e, &r, RULE);
    let lines: Vec<Option<usize>> = f.iter().map(|f| f.line).collect();
    assert_eq!(lines, [Some(1), Some(2), Some(3), Some(4)]);
    assert_eq!(f[0].message, "NOPE-1 is not in the OEM catalog");
    assert_eq!(f[0].actual, "non-genuine part from `oem`");
    assert_eq!(
        f[1].message,
        "SEAL-200-AM (Aftermarket copy) is not a genuine OEM part"
    );
    assert_eq!(
        f[2].message,
        "SEAL-200 was bought from `ACME-SUPPLY`, which is not an approved source"
    );
    assert_eq!(f[2].actual, "genuine part from `ACME-SUPPLY`");
    assert_eq!(
        f[3].message,
        "the line names no source SEAL-200 was bought from"
    );
    assert_eq!(f[3].actual, "genuine part from no named source");
    assert!(
        f.iter()
            .all(|f| f.expected == "genuine OEM part from an approved source")
    );
}
