//! The report a compliance manager reads (issue 16): the money at stake on each finding and
//! in totals, the order by money, and the JSON report against its committed JSON Schema.

use crate::common::{dec, example_data_dir, root, std_pack};
use pactum::{Decimal, Engine, RefData, Report, read_batch};
use serde_json::Value;
use std::collections::BTreeMap;

fn example_report(extra: &str) -> Report {
    let engine = Engine::new(std_pack(), RefData::load(example_data_dir()).unwrap()).unwrap();
    let mut input = std::fs::read(root().join("examples/records.jsonl")).unwrap();
    input.extend_from_slice(extra.as_bytes());
    engine.run(&read_batch(&input).unwrap(), None)
}

fn json_of(report: &Report) -> Value {
    let mut out = Vec::new();
    report.write_json(&mut out).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// Acceptance: the JSON report validates against docs/report.schema.json, with rejected
/// records listed too (a line that is not JSON, a record with a bad date) and a credit note
/// whose invoice is not in the batch.
#[test]
fn the_json_report_validates_against_its_schema() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft202012::new(&schema).unwrap();
    let report = example_report(
        "not json\n{\"id\": \"X-1\", \"kind\": \"sale\", \"date\": \"2026-13-01\", \"partner\": \"P-DE-02\"}\n\
         {\"id\":\"CN-X9\",\"kind\":\"credit_note\",\"date\":\"2026-05-20\",\"partner\":\"P-SI-07\",\"invoice\":\"S-9999\",\"lines\":[{\"sku\":\"SEAL-200\",\"qty\":1,\"unit_price\":\"1.00\",\"currency\":\"USD\"}]}\n",
    );
    let json = json_of(&report);
    assert_eq!(json["summary"]["rejected"], 2);
    assert_eq!(json["unmatched_credit_notes"][0]["credit_note"], "CN-X9");
    let problems: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(problems.is_empty(), "{problems:#?}");
    // The schema is strict: a key it does not know is an error, so it cannot fall behind.
    let mut drifted = json.clone();
    drifted["violations"][0]["surprise"] = Value::from(1);
    assert!(!validator.is_valid(&drifted));
}

/// The money at stake per partner in the example data, worked out by hand from
/// examples/records.jsonl and examples/data.
#[test]
fn money_at_stake_per_partner_is_right_by_hand() {
    let report = example_report("");
    let json = json_of(&report);
    let cards: BTreeMap<&str, &Value> = json["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["partner"].as_str().unwrap(), c))
        .collect();
    let money = |p: &str| cards[p]["money_at_stake"].as_str().unwrap().to_owned();
    let below = |p: &str| cards[p]["money_below_list"].as_str().unwrap().to_owned();

    // P-SI-07, the undercutting integrator, 10% below list (systems integrators may give
    // no discount):
    //   S-0702 SEAL-200  40 x (90.00 - 81.00)     = 360.00
    //          FILTER-5  30 x (25.00 - 22.50)     =  75.00
    //   S-0703 SEAL-200  30 x (90.00 - 81.00)     = 270.00
    //   S-0704 SEAL-200  30 x (94.50 - 85.05)     = 283.50
    //   S-0705 PUMP-10    6 x (1200.00 - 1080.00) = 720.00
    //   360 + 75 + 270 + 283.50 + 720 = 1708.50 below list on its invoices; and the credit
    //   note CN-0706 (20 x 9.45) takes S-0706's 20 SEAL-200 from 94.50 to a net 85.05:
    //   20 x (94.50 - 85.05) = 189.00. 1708.50 + 189.00 = 1897.50.
    assert_eq!(money("P-SI-07"), "1897.50");
    assert_eq!(below("P-SI-07"), "1897.50");
    let min_list: Decimal = report
        .findings()
        .iter()
        .filter(|f| f.partner == "P-SI-07" && &*f.rule == "price.min-list")
        .filter_map(|f| f.amount)
        .sum();
    assert_eq!(min_list, dec("1708.50"));

    // P-DE-02, the non-genuine dealer: the line's value of each non-genuine part or part
    // from an unapproved source:
    //   SO-0201 SEAL-200-AM  2 x 70.00 = 140.00
    //   SO-0202 BEARING-7    2 x 48.00 =  96.00
    //   S-0201  SEAL-200-AM  6 x 94.50 = 567.00    140 + 96 + 567 = 803.00
    assert_eq!(money("P-DE-02"), "803.00");
    assert_eq!(below("P-DE-02"), "0.00");

    // P-DI-01, the distributor of the special pricing agreement: its rejected claim lines
    // (units claimed x the debit per unit) and one sale below the floor:
    //   CL-0111 PUMP-10   2 x 200.00 = 400.00 (S-0110's line, claimed before by CL-0110)
    //   CL-0112 PUMP-10   2 x 250.00 = 500.00 (6 units claimed in all, the agreement's 5)
    //   CL-0113 PUMP-10   2 x 200.00 = 400.00 (no such sale)
    //   CL-0114 SEAL-200 12 x   8.00 =  96.00 (unknown agreement)
    //   CL-0115 SEAL-200 12 x   8.00 =  96.00 (claimed before by CL-0114)
    //   claims: 400 + 500 + 400 + 96 + 96 = 1492.00
    //   S-0111 PUMP-10    2 x (1200.00 - 1050.00) = 300.00 below list
    //   1492.00 + 300.00 = 1792.00
    assert_eq!(money("P-DI-01"), "1792.00");
    assert_eq!(below("P-DI-01"), "300.00");

    // P-SI-20, the EU integrator, sells in EUR: 30 x (83.00 - 74.70) = 249.00 EUR, at
    // 1.08 USD a euro = 268.92 USD.
    assert_eq!(money("P-SI-20"), "268.92");
    // P-DE-13 used another partner's special price: 1 x (1200.00 - 1000.00) = 200.00.
    assert_eq!(money("P-DE-13"), "200.00");

    // The total is the partners' sum, and the rules' sum: 1897.50 + 803 + 1792 + 268.92
    // + 200 = 4961.42.
    let summary = &json["summary"];
    assert_eq!(summary["money_at_stake"], "4961.42");
    assert_eq!(summary["currency"], "USD");
    assert_eq!(summary["money_by_rule"]["price.min-list"], "2477.42");
    assert_eq!(summary["money_by_rule"]["claim.valid"], "1492.00");
    assert_eq!(summary["money_by_rule"]["parts.genuine"], "803.00");
    assert_eq!(summary["money_by_rule"]["price.net-below-list"], "189.00");
}

/// Partners and rules come most money at stake first, then most findings.
#[test]
fn partners_and_rules_are_sorted_by_money_then_count() {
    let report = example_report("");
    let order: Vec<&str> = report
        .scorecard()
        .iter()
        .take(5)
        .map(|c| c.partner.as_str())
        .collect();
    assert_eq!(
        order,
        ["P-SI-07", "P-DI-01", "P-DE-02", "P-SI-20", "P-DE-13"]
    );
    // Past the money, by findings: no card with more findings follows one with fewer.
    let rest: Vec<usize> = report
        .scorecard()
        .iter()
        .skip(5)
        .map(|c| c.findings.values().sum())
        .collect();
    assert!(rest.windows(2).all(|w| w[0] >= w[1]), "{rest:?}");
    let text = report.to_text();
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {text}"))
    };
    assert!(at("  money at stake: 4961.42 USD") < at("By rule"));
    assert!(at("price.min-list  ") < at("claim.valid  "));
    assert!(at("claim.valid  ") < at("parts.genuine  "));
    assert!(at("\nP-SI-07 (") < at("\nP-DI-01 ("));
    assert!(at("\nP-DI-01 (") < at("\nP-DE-02 ("));
    assert!(
        text.contains("P-SI-07 (systems_integrator, US-NE): 10 findings, 1897.50 USD at stake")
    );
    assert!(text.contains("expected: 90.00; actual: 81.00; at stake: 360.00 USD"));
}

/// Each finding names the rule's title, its date, and the customer and sku where they
/// apply.
#[test]
fn findings_carry_title_date_customer_and_sku() {
    let report = example_report("");
    let f = report
        .findings()
        .iter()
        .find(|f| f.record.as_deref() == Some("S-0702") && f.line == Some(1))
        .unwrap();
    assert_eq!(&*f.title, "Resale at or above list price");
    assert_eq!(f.sku.as_deref(), Some("FILTER-5"));
    assert_eq!(f.amount, Some(dec("75.00")));
    let json = json_of(&report);
    let v = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["record"] == "S-0702" && v["line"] == 1)
        .unwrap();
    assert_eq!(v["date"], "2026-03-14");
    assert_eq!(v["sku"], "FILTER-5");
    assert_eq!(v["amount"], "75.00");
    assert!(v["customer"].is_string(), "{v}");
    // A partner-level finding has neither a sku nor a customer.
    let cadence = json["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == "pipeline.cadence")
        .unwrap();
    assert!(cadence.get("sku").is_none() && cadence.get("customer").is_none());
}

/// The charts' data: realised prices as a share of list per partner (credit notes netted),
/// pipeline timelines with their gaps, and the peer groups' outlier bands.
#[test]
fn the_analytics_carry_price_profiles_pipelines_and_bands() {
    let report = example_report("");
    let a = report.analytics();
    let profile = |p: &str| a.prices.iter().find(|x| x.partner == p).unwrap();
    // P-SI-07: S-0702's two lines, S-0703, S-0704's seal and S-0705's pump at 90% of list;
    // S-0706 sold at list, then netted by CN-0706 to 85.05 of 94.50: 90% too. Its other
    // sale, at list, is the one line at 100%.
    let si = profile("P-SI-07");
    assert_eq!(si.lines, 7);
    assert_eq!(si.percent_of_list.get(&90), Some(&6));
    assert_eq!(si.percent_of_list.get(&100), Some(&1));
    assert_eq!(si.quantile(0.5), Some(90));
    assert_eq!(si.quantile(1.0), Some(100));
    // P-DE-13 sold PUMP-10 at 1,000.00 under an agreement issued to another partner: no
    // agreement price applies to it, so the line counts against list, 1000 / 1200 = 83%.
    assert_eq!(profile("P-DE-13").percent_of_list.get(&83), Some(&1));

    // The sales agent that hides its pipeline: the three gaps pipeline.cadence found.
    let agent = a.pipelines.iter().find(|p| p.partner == "P-SA-03").unwrap();
    let gaps: Vec<(String, String)> = agent
        .gaps
        .iter()
        .map(|(from, to)| (from.to_string(), to.to_string()))
        .collect();
    let found: Vec<String> = report
        .findings()
        .iter()
        .filter(|f| &*f.rule == "pipeline.cadence")
        .map(|f| f.actual.to_string())
        .collect();
    assert_eq!(gaps.len(), found.len());
    for ((from, to), actual) in gaps.iter().zip(&found) {
        assert!(actual.contains(&format!("({from} to {to})")), "{actual}");
    }
    assert_eq!(agent.max_gap_days, 30);
    assert!(agent.reports.windows(2).all(|w| w[0] < w[1]));

    // A judged group of the sales rule (flagging high values) has an upper bound alone:
    // median + 3.5 x MAD / 0.6745; every partner above it is flagged, none below. The
    // genuine-parts rule flags low values: a lower bound alone.
    for g in a.groups.iter().filter(|g| g.judged) {
        let (Some(median), Some(mad)) = (g.median, g.mad) else {
            panic!("{g:?}");
        };
        let reach = dec("3.5") * mad / dec("0.6745");
        if g.rule.as_ref() == "parts.genuine-ratio" {
            assert_eq!((g.band_low, g.band_high), (Some(median - reach), None));
            continue;
        }
        assert_eq!((g.band_low, g.band_high), (None, Some(median + reach)));
        for s in a
            .scores
            .iter()
            .filter(|s| s.rule == g.rule && s.group == g.group)
        {
            assert_eq!(s.flagged, s.per_asset > median + reach, "{s:?}");
        }
    }
}

/// Money is counted once: a credit note on a line already invoiced below the floor adds
/// only its own shortfall, a second credit note on a line already netted below adds its
/// money to the first's finding, and a returned non-genuine part puts no money at stake.
#[test]
fn money_is_counted_once_across_invoices_credit_notes_and_returns() {
    let money = |extra: &str| {
        let json = json_of(&example_report(extra));
        let card = |p: &str| {
            json["partners"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["partner"] == p)
                .unwrap()["money_at_stake"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        (card("P-SI-07"), card("P-DE-02"))
    };
    assert_eq!(money(""), ("1897.50".to_owned(), "803.00".to_owned()));
    // S-0702 sold 40 SEAL-200 at 81.00 against a floor of 90.00 (360.00 found on the
    // invoice); a credit of 1.00 a unit takes it to 80.00: 40 x (81.00 - 80.00) = 40.00
    // more, not 40 x (90.00 - 80.00) = 400.00.
    let rebate = r#"{"id":"CN-X1","kind":"credit_note","date":"2026-03-20","partner":"P-SI-07","invoice":"S-0702","lines":[{"sku":"SEAL-200","qty":40,"unit_price":"1.00","currency":"USD"}]}"#;
    assert_eq!(money(&format!("{rebate}\n")).0, "1937.50");
    // A second credit on S-0706 after CN-0706 (20 x 20.00): net 85.05 - 20.00 = 65.05, so
    // 20 x (94.50 - 65.05) = 589.00 in all below the floor, not 189.00.
    let deeper = r#"{"id":"CN-X2","kind":"credit_note","date":"2026-05-25","partner":"P-SI-07","invoice":"S-0706","lines":[{"sku":"SEAL-200","qty":20,"unit_price":"20.00","currency":"USD"}]}"#;
    assert_eq!(money(&format!("{deeper}\n")).0, "2297.50");
    // P-DE-02 takes back 6 of S-0201's non-genuine seals: still 803.00.
    let back = r#"{"id":"S-X3","kind":"sale","date":"2026-05-02","partner":"P-DE-02","customer":"C-17","lines":[{"sku":"SEAL-200-AM","qty":-6,"unit_price":"94.50","currency":"USD","source":"JOES-MACHINE-SHOP"}],"documents":[{"kind":"purchase_order","ref":"PO-X3","signed":true}]}"#;
    assert_eq!(money(&format!("{back}\n")).1, "803.00");
}
