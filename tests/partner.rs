//! The four `partner.*` policies of the shipped pack (Rhai scripts): each finding's
//! severity, `expected` and `actual`, with reference data built in each test, and the
//! example data. Both sides of each date boundary, with the findings' messages, are held by
//! the pack's cases (`rules/tests/partner.toml`).

use crate::common::*;
use pactum::{Batch, Engine, Finding, Pack, Partner, PartnerType, RefData, Severity, read_batch};
use serde_json::json;

const ACTIVE: &str = "partner.active";
const CONTRACT: &str = "partner.contract-current";
const CERTIFIED: &str = "partner.certified";
const TERRITORY: &str = "partner.territory";

/// `P-X`, an active US-NE dealer: contract signed 2025-03-10, NDA until 2026-06-30,
/// certified until 2026-03-31.
fn px() -> Partner {
    Partner {
        id: "P-X".to_owned(),
        partner_type: PartnerType::Dealer,
        region: "US-NE".to_owned(),
        status: "active".to_owned(),
        contract_signed: Some(d("2025-03-10")),
        nda_expires: Some(d("2026-06-30")),
        certified_until: Some(d("2026-03-31")),
        status_since: None,
        jurisdiction: None,
    }
}

/// The shipped pack, with the shared fixture plus `partner`.
fn engine_for(partner: Partner) -> Engine {
    let mut data = refdata();
    data.add_partner(partner);
    engine(data)
}

/// A record of `kind` by `partner` on `date`, in `region` when given.
fn rec(kind: &str, partner: &str, date: &str, region: Option<&str>) -> pactum::Record {
    let mut v = json!({"id": "R-1", "kind": kind, "date": date, "partner": partner});
    if let Some(region) = region {
        v["region"] = json!(region);
    }
    record_of(v)
}

/// The findings of `rule` on a record of `kind` by `P-X` (as given) on `date`.
fn of(partner: Partner, kind: &str, date: &str, rule: &str) -> Vec<Finding> {
    let e = engine_for(partner);
    let verdict = e.check(&rec(kind, "P-X", date, None));
    assert!(verdict.rule_errors.is_empty(), "{:?}", verdict.rule_errors);
    verdict
        .findings
        .into_iter()
        .filter(|f| &*f.rule == rule)
        .collect()
}

fn with_status(status: &str) -> Partner {
    Partner {
        status: status.to_owned(),
        ..px()
    }
}

// partner.active

#[test]
fn a_suspended_or_terminated_partner_is_reported() {
    for status in ["suspended", "terminated"] {
        let f = of(with_status(status), "purchase", "2026-01-15", ACTIVE);
        assert_eq!(f.len(), 1, "{status}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(f[0].record.as_deref(), Some("R-1"));
        assert_eq!(f[0].partner, "P-X");
        assert_eq!(
            (f[0].expected.as_str(), f[0].actual.as_str()),
            ("status active", format!("status {status}").as_str())
        );
    }
}

#[test]
fn a_partner_missing_from_partners_csv_is_reported_by_partner_active_only() {
    let e = engine(refdata());
    // A sale outside any territory, far past every date: only `partner.active` speaks.
    let verdict = e.check(&rec("sale", "P-NOBODY", "2040-01-01", Some("EU-W")));
    assert!(verdict.rule_errors.is_empty(), "{:?}", verdict.rule_errors);
    let partner_rules: Vec<&str> = verdict
        .findings
        .iter()
        .map(|f| &*f.rule)
        .filter(|r| r.starts_with("partner."))
        .collect();
    assert_eq!(partner_rules, [ACTIVE]);
    let f = verdict
        .findings
        .iter()
        .find(|f| &*f.rule == ACTIVE)
        .unwrap();
    assert_eq!(f.partner, "P-NOBODY");
    assert_eq!(f.actual, "not listed");
}

// partner.contract-current

#[test]
fn a_record_the_day_before_the_contract_shows_both_dates() {
    let before = of(px(), "sale", "2025-03-09", CONTRACT);
    assert_eq!(before.len(), 1);
    assert_eq!(
        (before[0].expected.as_str(), before[0].actual.as_str()),
        ("on or after 2025-03-10", "2025-03-09")
    );
}

#[test]
fn a_record_the_day_after_the_nda_shows_both_dates() {
    let after = of(px(), "pipeline_update", "2026-07-01", CONTRACT);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].severity, Severity::Error);
    assert_eq!(
        (after[0].expected.as_str(), after[0].actual.as_str()),
        ("on or before 2026-06-30", "2026-07-01")
    );
}

#[test]
fn no_contract_on_file_shows_as_none_on_file() {
    let unsigned = Partner {
        contract_signed: None,
        ..px()
    };
    let f = of(unsigned, "sale", "2026-01-15", CONTRACT);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].actual, "none on file");
}

/// The standard pack with `partner.contract-current`'s `nda_exempt_types` set to `types`
/// (a layer over it), bound to the fixture plus `partner`.
fn exempting(types: &str, partner: Partner) -> Engine {
    let manifest = format!(
        "name = \"exempt\"\nversion = \"1\"\n[override.\"{CONTRACT}\"]\nparams = {{ nda_exempt_types = {types} }}\n"
    );
    let pack = Pack::from_files_extending(
        "exempt",
        [(std::path::PathBuf::from("pack.toml"), manifest)],
        &std_pack(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut data = refdata();
    data.add_partner(partner);
    Engine::new(pack, data).unwrap()
}

#[test]
fn no_nda_on_file_is_a_finding_unless_the_partner_type_is_exempt() {
    let no_nda = Partner {
        nda_expires: None,
        ..px()
    };
    let f = of(no_nda.clone(), "sale", "2026-01-15", CONTRACT);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].expected.as_str(), f[0].actual.as_str()),
        ("an NDA on file", "none on file")
    );
    let contract = |e: &Engine| {
        let v = e.check(&rec("sale", "P-X", "2026-01-15", None));
        assert!(v.rule_errors.is_empty(), "{:?}", v.rule_errors);
        v.findings.iter().filter(|f| &*f.rule == CONTRACT).count()
    };
    assert_eq!(contract(&exempting("[\"dealer\"]", no_nda.clone())), 0);
    assert_eq!(contract(&exempting("[\"sales_agent\"]", no_nda.clone())), 1);
    assert_eq!(contract(&exempting("[]", no_nda)), 1);
    // An exempt type with an NDA on file is still held to its end date.
    assert_eq!(contract(&exempting("[\"dealer\"]", px())), 0);
    let expired = exempting("[\"dealer\"]", px());
    let v = expired.check(&rec("sale", "P-X", "2026-07-01", None));
    assert_eq!(
        v.findings.iter().filter(|f| &*f.rule == CONTRACT).count(),
        1
    );
}

#[test]
fn status_since_splits_a_partners_records_at_the_day_its_status_took_effect() {
    let gone = Partner {
        status: "terminated".to_owned(),
        status_since: Some(d("2026-02-01")),
        ..px()
    };
    assert!(of(gone.clone(), "sale", "2026-01-31", ACTIVE).is_empty());
    let f = of(gone.clone(), "sale", "2026-02-01", ACTIVE);
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].expected.as_str(), f[0].actual.as_str()),
        (
            "dated before 2026-02-01, while the partner was active",
            "status terminated since 2026-02-01"
        )
    );
    assert_eq!(gone.status_on(d("2026-01-31")), "active");
    assert_eq!(gone.status_on(d("2026-02-01")), "terminated");
    // Without the date, the status holds for every record, as before.
    let always = Partner {
        status_since: None,
        ..gone
    };
    assert_eq!(of(always, "sale", "2020-01-01", ACTIVE).len(), 1);
}

// partner.certified

#[test]
fn a_sale_or_service_order_after_certification_ran_out_is_a_warning_with_both_dates() {
    for kind in ["sale", "service_order"] {
        let f = of(px(), kind, "2026-04-01", CERTIFIED);
        assert_eq!(f.len(), 1, "{kind}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(
            (f[0].expected.as_str(), f[0].actual.as_str()),
            ("certified through 2026-04-01", "certified until 2026-03-31")
        );
    }
}

#[test]
fn a_partner_never_certified_is_reported() {
    let never = Partner {
        certified_until: None,
        ..px()
    };
    let f = of(never, "sale", "2026-01-15", CERTIFIED);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].actual, "never certified");
}

// partner.territory

/// The `partner.territory` findings on a record of `kind` by `P-X` (US-NE) in `region`.
fn territory(kind: &str, region: Option<&str>) -> Vec<Finding> {
    check_rule(
        &engine_for(px()),
        &rec(kind, "P-X", "2026-01-15", region),
        TERRITORY,
    )
}

#[test]
fn a_sale_or_service_order_in_another_region_is_reported_with_the_evidence() {
    for kind in ["sale", "service_order"] {
        let f = territory(kind, Some("US-SE"));
        assert_eq!(f.len(), 1, "{kind}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(
            (f[0].expected.as_str(), f[0].actual.as_str()),
            ("US-NE", "US-SE")
        );
    }
}

// The example data

#[test]
fn the_example_data_shows_each_partner_rule() {
    // What `pactum check` does with its defaults, through the library.
    let pack = Pack::load(root().join("rules")).unwrap();
    let data = RefData::load(example_data_dir()).unwrap();
    let engine = Engine::new(pack, data).unwrap();
    let text = std::fs::read(root().join("examples/records.jsonl")).unwrap();
    let batch: Batch = read_batch(&text).unwrap();
    let report = engine.run(&batch, None);
    assert!(
        report.rule_errors().is_empty(),
        "{:?}",
        report.rule_errors()
    );
    for rule in [ACTIVE, CONTRACT, CERTIFIED, TERRITORY] {
        assert!(!flagged(&report, rule).is_empty(), "{rule} found nothing");
    }
}
