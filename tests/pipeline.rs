//! `pipeline.cadence` and `pipeline.registered-before-sale` of the shipped pack: the
//! findings' `expected` and `actual`, partner-level findings (no record, no line), the
//! as-of date of a report, and where the reporting window starts. The boundaries, with the
//! findings' messages, are held by the pack's cases (`rules/tests/pipeline.toml`).

use crate::common::*;
use pactum::{PartnerType, RefData};
use serde_json::json;

const CADENCE: &str = "pipeline.cadence";
const BEFORE: &str = "pipeline.registered-before-sale";

/// Reference data holding only the given partners.
fn partners(list: &[(&str, PartnerType, &str)]) -> RefData {
    let mut data = refdata_without_partners();
    for (id, t, contract) in list {
        data.add_partner(partner(id, *t, contract));
    }
    data
}

fn refdata_without_partners() -> RefData {
    let mut data = RefData::new();
    data.add_source("oem", "The OEM");
    data
}

/// A record of no interest to the pipeline rules, to set the batch's first date.
fn purchase(id: &str, partner: &str, date: &str) -> pactum::Record {
    record_of(json!({"id": id, "kind": "purchase", "date": date, "partner": partner}))
}

fn agent() -> RefData {
    partners(&[("P-SA", PartnerType::SalesAgent, "2025-01-01")])
}

#[test]
fn a_gap_of_exactly_30_days_passes_and_31_fails() {
    let e = engine(agent());
    let records = vec![
        update("U-1", "P-SA", "2026-01-01", "OPP-1"),
        update("U-2", "P-SA", "2026-01-31", "OPP-1"), // 30 days later
        update("U-3", "P-SA", "2026-03-03", "OPP-1"), // 31 days later
    ];
    let report = run(&e, records, Some("2026-03-03"));
    let f = of_rule(&report, CADENCE);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].partner, "P-SA");
    assert_eq!(f[0].record, None, "a partner-level finding names no record");
    assert_eq!(f[0].line, None);
    assert_eq!(f[0].expected, "at most 30 days between updates");
    assert_eq!(f[0].actual, "31 days (2026-01-31 to 2026-03-03)");
}

#[test]
fn the_trailing_gap_to_the_as_of_date_counts() {
    let e = engine(agent());
    let records = || vec![update("U-1", "P-SA", "2026-01-01", "OPP-1")];
    assert!(of_rule(&run(&e, records(), Some("2026-01-31")), CADENCE).is_empty());
    let late = run(&e, records(), Some("2026-02-01"));
    let f = of_rule(&late, CADENCE);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].actual, "31 days (2026-01-01 to 2026-02-01)");
    assert_eq!(late.as_of(), Some(d("2026-02-01")));
}

#[test]
fn as_of_defaults_to_the_latest_record_date() {
    let e = engine(partners(&[
        ("P-SA", PartnerType::SalesAgent, "2025-01-01"),
        ("P-DE", PartnerType::Dealer, "2025-01-01"),
    ]));
    let records = vec![
        update("U-1", "P-SA", "2026-01-01", "OPP-1"),
        purchase("PU-1", "P-DE", "2026-02-01"),
    ];
    let report = run(&e, records, None);
    assert_eq!(report.as_of(), Some(d("2026-02-01")));
    assert_eq!(flagged(&report, CADENCE), ["P-SA"]);
}

#[test]
fn the_window_starts_at_the_batch_first_date_when_the_contract_is_older() {
    let data = || {
        partners(&[
            ("P-SA", PartnerType::SalesAgent, "2025-01-01"),
            ("P-DE", PartnerType::Dealer, "2025-01-01"),
        ])
    };
    let batch = |first: &str| {
        vec![
            purchase("PU-1", "P-DE", first),
            update("U-1", "P-SA", "2026-01-31", "OPP-1"),
        ]
    };
    // From 2026-01-01 to the first update is 30 days: fine. The contract date (2025) is
    // not where the window starts, or every batch would open with a year-long gap.
    assert!(
        of_rule(
            &run(&engine(data()), batch("2026-01-01"), Some("2026-01-31")),
            CADENCE
        )
        .is_empty()
    );
    let report = run(&engine(data()), batch("2025-12-31"), Some("2026-01-31"));
    let f = of_rule(&report, CADENCE);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].actual, "31 days (2025-12-31 to 2026-01-31)");
    assert!(
        f[0].message
            .contains("from 2025-12-31 (start of the reporting window)"),
        "{}",
        f[0].message
    );
}

#[test]
fn the_window_starts_at_the_contract_when_it_is_signed_during_the_batch() {
    let e = engine(partners(&[
        ("P-SA-1", PartnerType::SalesAgent, "2026-02-01"),
        ("P-SA-2", PartnerType::SalesAgent, "2026-02-01"),
        ("P-DE", PartnerType::Dealer, "2025-01-01"),
    ]));
    let records = vec![
        purchase("PU-1", "P-DE", "2026-01-01"),
        update("U-1", "P-SA-1", "2026-03-03", "OPP-1"), // 30 days after the contract
        update("U-2", "P-SA-2", "2026-03-04", "OPP-2"), // 31 days after the contract
    ];
    let report = run(&e, records, Some("2026-03-04"));
    assert_eq!(flagged(&report, CADENCE), ["P-SA-2"]);
    assert_eq!(
        of_rule(&report, CADENCE)[0].actual,
        "31 days (2026-02-01 to 2026-03-04)"
    );
}

#[test]
fn only_active_sales_agents_and_distributors_are_judged() {
    let mut data = partners(&[
        ("P-DE", PartnerType::Dealer, "2025-01-01"),
        ("P-SI", PartnerType::SystemsIntegrator, "2025-01-01"),
        ("P-SA", PartnerType::SalesAgent, "2025-01-01"),
        ("P-DI", PartnerType::Distributor, "2025-01-01"),
    ]);
    let mut suspended = partner("P-SA-X", PartnerType::SalesAgent, "2025-01-01");
    suspended.status = "suspended".to_owned();
    data.add_partner(suspended);
    // Half a year and not one pipeline update from anyone.
    let records = vec![
        purchase("PU-1", "P-DE", "2026-01-01"),
        purchase("PU-2", "P-SI", "2026-06-30"),
    ];
    let report = run(&engine(data), records, None);
    assert_eq!(flagged(&report, CADENCE), ["P-DI", "P-SA"]);
    assert!(
        of_rule(&report, CADENCE)
            .iter()
            .all(|f| f.actual == "180 days (2026-01-01 to 2026-06-30)")
    );
}

#[test]
fn an_opportunity_first_reported_7_days_before_the_sale_passes_6_fails() {
    let e = engine(agent());
    let records = vec![
        update("U-7", "P-SA", "2026-03-07", "OPP-7"),
        update("U-6", "P-SA", "2026-03-08", "OPP-6"),
        opp_sale("S-7", "P-SA", "2026-03-14", Some("OPP-7")),
        opp_sale("S-6", "P-SA", "2026-03-14", Some("OPP-6")),
    ];
    let report = run(&e, records, None);
    assert_eq!(flagged(&report, BEFORE), ["S-6"]);
    let f = of_rule(&report, BEFORE);
    assert_eq!(f[0].expected, "opportunity first reported by 2026-03-07");
    assert_eq!(f[0].actual, "first reported 2026-03-08");
}

#[test]
fn a_sale_without_an_opportunity_or_with_one_never_reported_fails() {
    let e = engine(agent());
    let records = vec![
        opp_sale("S-1", "P-SA", "2026-03-14", None),
        opp_sale("S-2", "P-SA", "2026-03-14", Some("OPP-GHOST")),
        // Reported only after the sale.
        opp_sale("S-3", "P-SA", "2026-03-14", Some("OPP-LATE")),
        update("U-1", "P-SA", "2026-03-16", "OPP-LATE"),
    ];
    let report = run(&e, records, None);
    assert_eq!(flagged(&report, BEFORE), ["S-1", "S-2", "S-3"]);
    let actual: Vec<&str> = of_rule(&report, BEFORE)
        .iter()
        .map(|f| f.actual.as_str())
        .collect();
    assert_eq!(
        actual,
        [
            "no opportunity named",
            "never reported",
            "first reported 2026-03-16"
        ]
    );
    assert!(
        of_rule(&report, BEFORE)[2]
            .message
            .contains("2 days after the sale S-3")
    );
}

/// A sale naming `opportunity`.
fn opp_sale(id: &str, partner: &str, date: &str, opportunity: Option<&str>) -> pactum::Record {
    let mut v =
        json!({"id": id, "kind": "sale", "date": date, "partner": partner, "documents": [po()]});
    if let Some(o) = opportunity {
        v["opportunity"] = o.into();
    }
    record_of(v)
}
