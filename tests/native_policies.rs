//! The compiled path of policies (`src/script/native/`) against rhai, end to end: each
//! shipped partner script, and a set of conditions, run twice in one pack — once as
//! written (compiled) and once with a construct outside the compiled subset that changes
//! nothing (a helper function never called, `${record.customer ?? ""}` (the records have no customer) at the end of a message), which keeps it on
//! rhai — over generated records. Both must give the same findings (message, expected,
//! actual, line) and the same rule errors.

use crate::common::*;
use pactum::pack::Check;
use pactum::{Engine, Pack, Partner, PartnerType, RefData, Verdict};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::json;

const SCRIPTS: [&str; 4] = [
    "partner_active",
    "partner_certified",
    "partner_contract_current",
    "partner_territory",
];

/// Scripts beyond the shipped ones: the line decision looping over the lines, and one
/// reading its parameters (`region = "US-NE"`, `floor = 90.00` in the rule).
const MORE_SCRIPTS: [(&str, &str); 2] = [
    (
        "line_decision",
        "fn check(record) { let out = []; for line in record.lines { let list = list_price(line.sku, line.currency, record.date); let item = catalog(line.sku); if list == () || line.unit_price < list || item == () || !item.genuine || line.source == () || !is_approved_source(line.source) { out.push(line_finding(line.index, `${line.sku} at ${line.unit_price}, list ${list}`, (), ())); } } out }",
    ),
    (
        "with_params",
        "fn check(record, params) { let n = 0; for d in record.documents { if d.signed { n += 1; } } for line in record.lines { if line.unit_price < params.floor { return line_finding(line.index, `${line.sku} under ${params.floor} (${n} signed)`, params.floor, line.unit_price); } } if record.region != () && record.region != params.region { finding(`in ${record.region}, not ${params.region}`) } }",
    ),
];

/// Conditions: (when, message, each_line).
const CONDITIONS: [(&str, &str, bool); 4] = [
    (
        "list_price(line.sku, line.currency, record.date) == () || line.unit_price < list_price(line.sku, line.currency, record.date)",
        "${line.sku} at ${line.unit_price} in ${line.currency} on ${record.date}",
        true,
    ),
    (
        "catalog(line.sku) != () && !catalog(line.sku).genuine || line.source != () && !is_approved_source(line.source)",
        "line ${index} of ${record.id}: ${line.sku} from ${line.source}",
        true,
    ),
    (
        "line.amount * 1000000000000000 > 1 || record.region != ()",
        "${line.amount} for ${line.qty} in ${record.region}",
        true,
    ),
    (
        "line.unit_price < params.floor || record.region != () && record.region != params.region",
        "${line.sku} under ${params.floor} or outside ${params.region}",
        true,
    ),
];

fn toml_str(s: &str) -> String {
    format!("'''{s}'''")
}

/// A pack with every policy twice: `c.*` compiled, `i.*` kept on rhai.
fn pack() -> tempfile::TempDir {
    let mut files: Vec<(String, String)> = vec![(
        "pack.toml".into(),
        "name = \"twins\"\nversion = \"0.1.0\"\n".into(),
    )];
    let mut rules = String::new();
    for name in SCRIPTS {
        let source =
            std::fs::read_to_string(pack_dir().join(format!("scripts/{name}.rhai"))).unwrap();
        for (side, text) in [
            ("c", source.clone()),
            ("i", format!("{source}\nfn rhai_only() {{}}\n")),
        ] {
            files.push((format!("scripts/{side}/{name}.rhai"), text));
            // The standard pack's parameter, with a type to exempt so both sides of the
            // exemption run.
            let params = if name == "partner_contract_current" {
                "nda_exempt_types = [\"sales_agent\"]\n"
            } else {
                ""
            };
            rules.push_str(&format!(
                "[[rule]]\nid = \"{side}.{name}\"\ntitle = \"t\"\nseverity = \"error\"\ncheck = \"script\"\n[rule.params]\nfile = \"scripts/{side}/{name}.rhai\"\n{params}\n"
            ));
        }
    }
    for (name, source) in MORE_SCRIPTS {
        for (side, text) in [
            ("c", source.to_owned()),
            ("i", format!("{source}\nfn rhai_only() {{}}\n")),
        ] {
            files.push((format!("scripts/{side}/{name}.rhai"), text));
            rules.push_str(&format!(
                "[[rule]]\nid = \"{side}.{name}\"\ntitle = \"t\"\nseverity = \"error\"\ncheck = \"script\"\n[rule.params]\nfile = \"scripts/{side}/{name}.rhai\"\n{}\n",
                if source.contains("params") {
                    "region = \"US-NE\"\nfloor = 90.00\n"
                } else {
                    ""
                }
            ));
        }
    }
    for (n, (when, message, each)) in CONDITIONS.iter().enumerate() {
        for (side, message) in [
            ("c", (*message).to_owned()),
            ("i", format!("{message}${{record.customer ?? \"\"}}")),
        ] {
            rules.push_str(&format!(
                "[[rule]]\nid = \"{side}.cond{n}\"\ntitle = \"t\"\nseverity = \"error\"\ncheck = \"condition\"\n[rule.params]\nwhen = {}\nmessage = {}\nexpected = '${{record.date}}'\neach_line = {each}\nregion = \"US-NE\"\nfloor = 90.00\n\n",
                toml_str(when),
                toml_str(&message)
            ));
        }
    }
    files.push(("rules.toml".into(), rules));
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    write_tree(&borrowed)
}

fn data() -> RefData {
    let mut data = refdata();
    let mut add =
        |id: &str, status: &str, signed: Option<&str>, nda: Option<&str>, cert: Option<&str>| {
            let mut p = partner(id, PartnerType::Dealer, "2026-01-01");
            p.status = status.into();
            p.region = "US-NE".into();
            p.contract_signed = signed.map(d);
            p.nda_expires = nda.map(d);
            p.certified_until = cert.map(d);
            data.add_partner(p);
        };
    add(
        "P-1",
        "active",
        Some("2026-01-01"),
        None,
        Some("2026-06-30"),
    );
    add(
        "P-2",
        "suspended",
        Some("2025-01-01"),
        Some("2026-03-31"),
        None,
    );
    add("P-3", "active", None, None, Some("2026-03-14"));
    add(
        "P-4",
        "terminated",
        Some("2026-03-14"),
        Some("2026-03-14"),
        Some("2026-12-31"),
    );
    // Both sides of `status_since` and of the NDA exemption (P-1 and P-3 have no NDA).
    let mut edit = |id: &str, change: &dyn Fn(&mut Partner)| {
        let mut p = data.partner(id).unwrap().clone();
        change(&mut p);
        data.add_partner(p);
    };
    edit("P-2", &|p| p.status_since = Some(d("2026-03-14")));
    edit("P-4", &|p| {
        p.status_since = Some(d("2026-01-01"));
        p.jurisdiction = Some("EU".into());
    });
    edit("P-3", &|p| p.partner_type = PartnerType::SalesAgent);
    data
}

/// The side's findings and rule errors, named without the side.
fn side(v: &Verdict, prefix: &str) -> (Vec<String>, Vec<String>) {
    let findings = v
        .findings
        .iter()
        .filter_map(|f| {
            let rule = f.rule.strip_prefix(prefix)?;
            Some(format!(
                "{rule} {:?} {:?} {:?} {:?} {:?}",
                f.message, f.expected, f.actual, f.line, f.severity
            ))
        })
        .collect();
    let errors = v
        .rule_errors
        .iter()
        .filter_map(|e| {
            let rule = e.rule.strip_prefix(prefix)?;
            Some(format!(
                "{rule} {:?} {}",
                e.kind,
                e.reason.replace("scripts/i/", "scripts/c/")
            ))
        })
        .collect();
    (findings, errors)
}

fn agree(engine: &Engine, record: &pactum::Record) -> Result<usize, String> {
    let v = engine.check(record);
    let (c, i) = (side(&v, "c."), side(&v, "i."));
    if c != i {
        return Err(format!("compiled {c:#?}\nrhai {i:#?}"));
    }
    Ok(c.0.len())
}

fn generated() -> impl Strategy<Value = serde_json::Value> {
    let partner = prop::sample::select(vec!["P-1", "P-2", "P-3", "P-4", "P-SI", "P-9", ""]);
    let day = prop::sample::select(vec![
        "2025-01-01",
        "2026-01-01",
        "2026-03-13",
        "2026-03-14",
        "2026-03-15",
        "2026-03-31",
        "2026-04-01",
        "2026-06-30",
        "2026-07-01",
        "9999-12-31",
    ]);
    let region = prop::option::of(prop::sample::select(vec!["US-NE", "US-W", ""]));
    let line = (
        prop::sample::select(vec!["SEAL-200", "SEAL-200-AM", "GAP-1", "NOPE"]),
        prop::sample::select(vec![1u64, 2, 4_294_967_295]),
        prop::sample::select(vec![
            "89.99",
            "90.00",
            "94.50",
            "1",
            "79228162514264337593543950335",
        ]),
        prop::sample::select(vec!["USD", "EUR"]),
        prop::option::of(prop::sample::select(vec!["oem", "P-DI", "shady"])),
    )
        .prop_map(|(sku, qty, price, currency, source)| {
            let mut l = json!({"sku": sku, "qty": qty, "unit_price": price, "currency": currency});
            if let (Some(s), Some(m)) = (source, l.as_object_mut()) {
                m.insert("source".into(), s.into());
            }
            l
        });
    (partner, day, region, prop::collection::vec(line, 0..4)).prop_map(
        |(partner, date, region, lines)| {
            let mut r = json!({"id": "R-1", "kind": "sale", "date": date, "partner": partner, "lines": lines, "documents": [po()]});
            if let (Some(region), Some(m)) = (region, r.as_object_mut()) {
                m.insert("region".into(), region.into());
            }
            r
        },
    )
}

/// Every `c.*` rule runs compiled and every `i.*` rule on rhai.
fn sides(pack: &Pack) {
    for rule in pack.rules() {
        let compiled = match &rule.check {
            Check::Script(s) => s.compiled(),
            Check::Condition(c) => c.compiled(),
            _ => continue,
        };
        assert_eq!(
            compiled.is_ok(),
            rule.id.starts_with("c."),
            "{}: {compiled:?}",
            rule.id
        );
    }
}

#[test]
fn compiled_policies_judge_as_rhai_does() {
    let dir = pack();
    let pack = Pack::load(dir.path()).unwrap();
    sides(&pack);
    let engine = Engine::new(pack, data()).unwrap();
    let found = std::cell::Cell::new(0);
    let mut runner = TestRunner::new(Config::with_cases(300));
    runner
        .run(&generated(), |json| {
            let Ok(record) = pactum::Record::from_json(json) else {
                return Ok(());
            };
            found.set(found.get() + agree(&engine, &record).map_err(TestCaseError::fail)?);
            Ok(())
        })
        .unwrap();
    assert!(
        found.get() > 0,
        "the generated records made no findings at all"
    );
}

#[test]
fn the_example_data_judges_alike_both_ways() {
    let dir = pack();
    let engine = Engine::new(Pack::load(dir.path()).unwrap(), data()).unwrap();
    for (partner, date) in [
        ("P-1", "2026-07-01"),
        ("P-9", "2026-03-14"),
        ("P-4", "2026-03-15"),
    ] {
        let record = sale("S-1", partner, date, vec![line("SEAL-200", "80.00", "USD")]);
        assert!(agree(&engine, &record).unwrap() > 0, "{partner} {date}");
    }
}
