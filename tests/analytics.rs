//! The aggregate rules `aftermarket.sales-per-asset` and `parts.genuine-ratio`: a metric per
//! installed asset, per partner, against its peers, by the modified z-score.

use crate::common::*;
use pactum::{Engine, PartnerType, Record, RefData, Report, refdata::InstalledBase};
use serde_json::json;

/// Reference data with one partner per `(id, type, region, assets)`.
fn peers(partners: &[(&str, PartnerType, &str, u64)]) -> RefData {
    let mut data = refdata();
    for (id, t, region, assets) in partners {
        let mut p = partner(id, *t, "2025-01-01");
        p.region = (*region).to_owned();
        data.add_partner(p);
        data.add_installed_base(InstalledBase {
            partner: (*id).to_owned(),
            region: (*region).to_owned(),
            assets: *assets,
        });
    }
    data
}

/// A record of `kind` with one line of `value` in `currency` from `source`.
fn worth(id: &str, kind: &str, partner: &str, value: &str, currency: &str, source: &str) -> Record {
    record_of(json!({
        "id": id, "kind": kind, "date": "2026-03-02", "partner": partner,
        "lines": [{"sku": "PUMP-10", "qty": 1, "unit_price": value, "currency": currency, "source": source}],
        "documents": [po()]
    }))
}

fn dealers(n: usize, region: &str, assets: u64) -> Vec<(String, PartnerType, String, u64)> {
    (1..=n)
        .map(|i| {
            (
                format!("P-{region}-{i}"),
                PartnerType::Dealer,
                region.to_owned(),
                assets,
            )
        })
        .collect()
}

fn data_of(partners: &[(String, PartnerType, String, u64)]) -> RefData {
    let borrowed: Vec<(&str, PartnerType, &str, u64)> = partners
        .iter()
        .map(|(id, t, r, a)| (id.as_str(), *t, r.as_str(), *a))
        .collect();
    peers(&borrowed)
}

/// Sales per asset for six dealers of 10 assets each, one value per dealer.
fn sales_report(per_asset: &[&str]) -> (Engine, Report) {
    let partners = dealers(per_asset.len(), "EU", 10);
    let engine = engine(data_of(&partners));
    let records = partners
        .iter()
        .zip(per_asset)
        .map(|((id, ..), v)| {
            let total = dec(v) * dec("10");
            worth(
                &format!("S-{id}"),
                "sale",
                id,
                &total.to_string(),
                "USD",
                "oem",
            )
        })
        .collect();
    let report = run(&engine, records, None);
    (engine, report)
}

#[test]
fn four_times_the_median_is_flagged_and_twenty_percent_above_is_not() {
    // Median 10; MAD 0.5; z(12) = 0.6745 x 2 / 0.5 = 2.70; z(40) = 0.6745 x 30 / 0.5 = 40.47.
    let (_, report) = sales_report(&["9", "10", "10", "10", "12", "40"]);
    assert_eq!(
        flagged(&report, "aftermarket.sales-per-asset"),
        vec!["P-EU-6"]
    );
    let f = of_rule(&report, "aftermarket.sales-per-asset")[0];
    assert_eq!(f.record, None);
    assert_eq!(f.actual, "40.47");
    assert_eq!(
        f.message,
        "P-EU-6 sold 40.00 USD of parts per installed asset; the median of 6 dealers in EU is 10.00: modified z-score 40.47, above the limit of 3.50"
    );
    let twelve = report
        .analytics()
        .scores
        .iter()
        .find(|s| s.partner == "P-EU-5")
        .unwrap();
    assert_eq!(twelve.score.unwrap().round_dp(2), dec("2.70"));
    assert!(!twelve.flagged);
}

#[test]
fn a_dealer_buying_a_fifth_of_the_median_from_the_oem_is_flagged() {
    let partners = dealers(5, "EU", 10);
    let engine = engine(data_of(&partners));
    // OEM purchases per asset 20, 21, 19, 20 and 4 (a fifth of the median of 20). Parts
    // bought elsewhere do not count towards the genuine ratio.
    let mut records: Vec<Record> = partners
        .iter()
        .zip(["200", "210", "190", "200", "40"])
        .map(|((id, ..), v)| worth(&format!("PU-{id}"), "purchase", id, v, "USD", "oem"))
        .collect();
    records.push(worth(
        "PU-X",
        "purchase",
        "P-EU-5",
        "900",
        "USD",
        "JOES-MACHINE-SHOP",
    ));
    let report = run(&engine, records, None);
    assert_eq!(flagged(&report, "parts.genuine-ratio"), vec!["P-EU-5"]);
    let f = of_rule(&report, "parts.genuine-ratio")[0];
    assert!(f.message.starts_with("P-EU-5 bought 4.00 USD of parts from the OEM or its distributors per installed asset; the median of 5 dealers in EU is 20.00"), "{}", f.message);
    assert_eq!(f.actual, "-10.79");
}

#[test]
fn peers_by_type_keep_types_apart() {
    // Four dealers and four distributors in one region: the distributors buy ten times as
    // much per asset, which is normal for them and must not make a dealer an outlier.
    let mut partners = dealers(4, "EU", 10);
    for i in 1..=4 {
        partners.push((
            format!("P-DIST-{i}"),
            PartnerType::Distributor,
            "EU".to_owned(),
            10,
        ));
    }
    let engine = engine(data_of(&partners));
    let values = ["200", "210", "190", "200", "2000", "2100", "1900", "2000"];
    let records = partners
        .iter()
        .zip(values)
        .map(|((id, ..), v)| worth(&format!("PU-{id}"), "purchase", id, v, "USD", "oem"))
        .collect();
    let report = run(&engine, records, None);
    assert!(flagged(&report, "parts.genuine-ratio").is_empty());
    let groups: Vec<&str> = report
        .analytics()
        .groups
        .iter()
        .filter(|g| &*g.rule == "parts.genuine-ratio")
        .map(|g| g.group.as_str())
        .collect();
    assert_eq!(groups, ["EU, dealer", "EU, distributor"]);
}

#[test]
fn small_groups_and_groups_without_spread_are_not_judged_and_say_why() {
    let (_, small) = sales_report(&["1", "1", "100"]);
    let g = &small.analytics().groups[0];
    assert!(!g.judged);
    assert_eq!(
        g.note.as_deref(),
        Some("too small to judge: 3 partners, fewer than 4")
    );
    assert!(flagged(&small, "aftermarket.sales-per-asset").is_empty());

    // Four partners at 10 and one far above: the MAD is 0, so there is no score at all.
    let (_, flat) = sales_report(&["10", "10", "10", "10", "500"]);
    let g = flat
        .analytics()
        .groups
        .iter()
        .find(|g| &*g.rule == "aftermarket.sales-per-asset")
        .unwrap();
    assert!(!g.judged);
    assert!(
        g.note
            .as_deref()
            .unwrap()
            .contains("median absolute deviation is 0")
    );
    assert!(flagged(&flat, "aftermarket.sales-per-asset").is_empty());
}

#[test]
fn partners_without_assets_or_reference_rows_are_left_out_and_listed() {
    let mut partners = dealers(4, "EU", 10);
    partners.push(("P-NONE".to_owned(), PartnerType::Dealer, "EU".to_owned(), 0));
    let engine = engine(data_of(&partners));
    let records = vec![
        worth("S-1", "sale", "P-NONE", "100", "USD", "oem"),
        worth("S-2", "sale", "P-GHOST", "100", "USD", "oem"),
        worth("S-3", "sale", "P-EU-1", "100", "EUR", "oem"),
    ];
    let report = run(&engine, records, None);
    let left: Vec<(&str, &str)> = report
        .analytics()
        .left_out
        .iter()
        .filter(|l| &*l.rule == "aftermarket.sales-per-asset")
        .map(|l| (l.partner.as_str(), l.reason.as_str()))
        .collect();
    assert!(
        left.contains(&("P-NONE", "no installed assets in installed_base.csv")),
        "{left:?}"
    );
    assert!(
        left.contains(&("P-GHOST", "not in partners.csv")),
        "{left:?}"
    );
    // The EUR line is not added to a USD metric; it is counted in the evidence.
    let eu1 = report
        .analytics()
        .scores
        .iter()
        .find(|s| s.partner == "P-EU-1" && &*s.rule == "aftermarket.sales-per-asset")
        .unwrap();
    assert_eq!((eu1.total, eu1.other_currency_lines), (dec("0"), 1));
}

#[test]
fn the_report_carries_the_scorecard_and_the_region_table() {
    let (_, report) = sales_report(&["9", "10", "10", "10", "12", "40"]);
    let json = report.to_json();
    let card = json["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["partner"] == "P-EU-6")
        .unwrap();
    let m = &card["metrics"]["aftermarket.sales-per-asset"];
    assert_eq!(
        (
            m["per_asset"].as_str(),
            m["median"].as_str(),
            m["score"].as_str()
        ),
        (Some("40.00"), Some("10.00"), Some("40.47"))
    );
    assert_eq!(card["findings"]["aftermarket.sales-per-asset"], 1);
    let region = json["regions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "aftermarket.sales-per-asset")
        .unwrap();
    assert_eq!(
        (
            region["region"].as_str(),
            region["assets"].as_u64(),
            region["per_asset"].as_str()
        ),
        (Some("EU"), Some(60), Some("15.17"))
    );
    let text = report.to_text();
    assert!(
        text.contains("Peer comparison, aftermarket.sales-per-asset"),
        "{text}"
    );
    assert!(text.contains("Partner scorecard ("), "{text}");
    assert!(text.contains("<< outlier"), "{text}");
}

#[test]
fn the_example_data_shows_both_stories() {
    let pack = std_pack();
    let data = RefData::load(example_data_dir()).unwrap();
    let engine = Engine::new(pack, data).unwrap();
    let input = std::fs::read(root().join("examples/records.jsonl")).unwrap();
    let report = engine.run(&pactum::read_batch(&input).unwrap(), None);
    // P-DE-05, the only dealer of US-SE, sold 6,530 USD of "oem" parts after buying none
    // from the OEM: judged among all dealers since issue 15 (its region alone is too small).
    // P-SI-07, the only systems integrator, is judged among the partners of US-NE.
    assert_eq!(
        flagged(&report, "aftermarket.sales-per-asset"),
        vec!["P-DE-05", "P-SI-07"]
    );
    assert_eq!(
        flagged(&report, "parts.genuine-ratio"),
        vec!["P-DE-02", "P-DE-05"]
    );
}

proptest::proptest! {
    /// Scaling every partner's sales by one factor moves the median and the MAD by the same
    /// factor: no score, and so no finding, changes.
    #[test]
    fn scaling_every_partner_by_one_factor_changes_no_finding(
        values in proptest::collection::vec(1u32..5_000, 6),
        factor in 2u32..50,
    ) {
        let partners = dealers(values.len(), "EU", 7);
        let engine = engine(data_of(&partners));
        let batch = |k: u32| -> Vec<Record> {
            partners.iter().zip(&values).map(|((id, ..), v)| {
                worth(&format!("S-{id}"), "sale", id, &(v * k).to_string(), "USD", "oem")
            }).collect()
        };
        let base = run(&engine, batch(1), None);
        let scaled = run(&engine, batch(factor), None);
        proptest::prop_assert_eq!(
            flagged(&base, "aftermarket.sales-per-asset"),
            flagged(&scaled, "aftermarket.sales-per-asset")
        );
    }
}

#[test]
fn an_amount_with_no_rate_is_left_out_and_listed_in_the_text_and_json_reports() {
    let partners = dealers(4, "EU", 10);
    let mut data = data_of(&partners);
    data.add_fx_rate(pactum::refdata::FxRate {
        currency: "EUR".parse().unwrap(),
        rate: dec("1.10"),
        effective_from: d("2026-03-01"),
        effective_to: None,
        line: 2,
    });
    let engine = engine(data);
    let records = vec![
        // Converted: 100 EUR x 1.10 = 110 USD.
        worth("S-1", "sale", "P-EU-1", "100", "EUR", "oem"),
        worth("S-2", "sale", "P-EU-1", "5", "USD", "oem"),
        // No CAD rate: left out, never counted as 0 silently.
        worth("S-3", "sale", "P-EU-2", "1000", "CAD", "oem"),
        worth("S-4", "sale", "P-EU-2", "400", "CAD", "oem"),
    ];
    let report = run(&engine, records, None);
    let score = |id: &str| {
        report
            .analytics()
            .scores
            .iter()
            .find(|s| s.partner == id && &*s.rule == "aftermarket.sales-per-asset")
            .unwrap()
    };
    assert_eq!(
        (score("P-EU-1").total, score("P-EU-1").other_currency_lines),
        (dec("115.00"), 0)
    );
    assert_eq!(
        (score("P-EU-2").total, score("P-EU-2").other_currency_lines),
        (dec("0"), 2)
    );
    let reason = "2 lines, 1400.00 CAD on 2026-03-02 left out of its total: no rate to USD in fx_rates.csv on their dates";
    let left: Vec<(&str, &str)> = report
        .analytics()
        .left_out
        .iter()
        .filter(|l| &*l.rule == "aftermarket.sales-per-asset" && l.partner.starts_with("P-EU"))
        .map(|l| (l.partner.as_str(), l.reason.as_str()))
        .collect();
    assert_eq!(left, [("P-EU-2", reason)]);
    let text = report.to_text();
    assert!(
        text.contains(&format!("left out: P-EU-2 ({reason})")),
        "{text}"
    );
    let json = report.to_json();
    let listed = json["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["partner"] == "P-EU-2" && l["reason"] == reason);
    assert!(listed, "{json}");
}

#[test]
fn a_partner_too_few_in_its_group_is_judged_in_the_first_fallback_group_large_enough() {
    // Five dealers in EU; one systems integrator in EU, the only one of its type: judged
    // among the six partners of EU (its type's group of one is too small as well).
    let mut partners = dealers(5, "EU", 10);
    partners.push((
        "P-SI".to_owned(),
        PartnerType::SystemsIntegrator,
        "EU".to_owned(),
        10,
    ));
    let engine = engine(data_of(&partners));
    let mut records: Vec<Record> = ["90", "100", "100", "110", "100"]
        .iter()
        .enumerate()
        .map(|(i, v)| {
            worth(
                &format!("S-{i}"),
                "sale",
                &format!("P-EU-{}", i + 1),
                v,
                "USD",
                "oem",
            )
        })
        .collect();
    records.push(worth("S-SI", "sale", "P-SI", "5000", "USD", "oem"));
    let report = run(&engine, records, None);
    let f = of_rule(&report, "aftermarket.sales-per-asset");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].partner, "P-SI");
    assert!(
        f[0].message.contains("the median of 6 partners in EU (its own group, EU, systems_integrator, has 1, fewer than 4)"),
        "{}",
        f[0].message
    );
    let si = report
        .analytics()
        .scores
        .iter()
        .find(|s| s.partner == "P-SI" && &*s.rule == "aftermarket.sales-per-asset")
        .unwrap();
    assert_eq!(si.group, "EU", "the group that judged it");
    let own = report
        .analytics()
        .groups
        .iter()
        .find(|g| g.group == "EU, systems_integrator" && &*g.rule == "aftermarket.sales-per-asset")
        .unwrap();
    assert!(!own.judged);
    assert_eq!(
        own.note.as_deref(),
        Some("too small to judge: 1 partner, fewer than 4; judged in `EU`")
    );
}

#[test]
fn with_no_fallback_group_large_enough_a_partner_is_not_judged_and_says_why() {
    // Three dealers in EU, the only partners: every group is too small.
    let partners = dealers(3, "EU", 10);
    let engine = engine(data_of(&partners));
    let records = vec![worth("S-1", "sale", "P-EU-1", "5000", "USD", "oem")];
    let report = run(&engine, records, None);
    assert!(of_rule(&report, "aftermarket.sales-per-asset").is_empty());
    let own = report
        .analytics()
        .groups
        .iter()
        .find(|g| g.group == "EU, dealer" && &*g.rule == "aftermarket.sales-per-asset")
        .unwrap();
    assert_eq!(
        own.note.as_deref(),
        Some("too small to judge: 3 partners, fewer than 4")
    );
}

#[test]
fn a_fallback_that_repeats_the_peers_or_names_no_key_is_refused_at_its_place() {
    let load = |fallback: &str| {
        let rule = format!(
            "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"peer-outlier\"\n[rule.params]\npeers = [\"region\", \"partner_type\"]\nfallback = {fallback}\ndirection = \"high\"\nthreshold = \"3.5\"\nmin_group = 4\n"
        );
        let files = [
            ("pack.toml", "name = \"m\"\nversion = \"1\"\n".to_owned()),
            ("a.toml", rule),
        ];
        pactum::Pack::from_files("mem", files.map(|(p, t)| (std::path::PathBuf::from(p), t)))
    };
    assert!(load("[[\"partner_type\"], [\"region\"]]").is_ok());
    assert!(load("[]").is_ok());
    for (fallback, column, message) in [
        (
            "[[\"partner_type\", \"region\"]]",
            13,
            "each fallback must differ from `peers` and from the fallbacks before it",
        ),
        (
            "[[\"region\"], [\"region\"]]",
            25,
            "each fallback must differ from `peers` and from the fallbacks before it",
        ),
        (
            "[[\"regoin\"]]",
            14,
            "expected peers by `region`, `partner_type`, but found `regoin`",
        ),
    ] {
        let e = load(fallback).unwrap_err();
        let [d] = e.diagnostics() else {
            panic!("{fallback}: {e}")
        };
        assert_eq!(d.code(), pactum::codes::PACK_BAD_PARAM, "{fallback}");
        assert_eq!(
            (d.location().line(), d.location().column()),
            (8, column),
            "{fallback}"
        );
        assert!(
            d.message().starts_with(message),
            "{fallback}: {}",
            d.message()
        );
    }
}
