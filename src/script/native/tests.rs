//! The compiled path against rhai, construct by construct, and differential property
//! tests over generated records for every shipped script, scripts with loops and `params`,
//! a set of conditions, and generated expressions in the subset: wherever
//! the compiled path answers, rhai must give exactly the same findings (message, expected,
//! actual, line); wherever rhai fails (an error or a limit), the compiled path must bail.

use super::super::host::{ScriptError, ScriptFinding};
use super::super::{Compiler, Condition, Host, Params, Prepared, Script};
use crate::limits::Limits;
use crate::record::Record;
use crate::refdata::{CatalogItem, InstalledBase, Partner, PartnerType, PriceRow, RefData};
use proptest::prelude::*;
use std::path::Path;
use std::sync::Arc;

const SCRIPTS: [(&str, &str); 4] = [
    (
        "partner_active.rhai",
        include_str!("../../../rules/scripts/partner_active.rhai"),
    ),
    (
        "partner_certified.rhai",
        include_str!("../../../rules/scripts/partner_certified.rhai"),
    ),
    (
        "partner_contract_current.rhai",
        include_str!("../../../rules/scripts/partner_contract_current.rhai"),
    ),
    (
        "partner_territory.rhai",
        include_str!("../../../rules/scripts/partner_territory.rhai"),
    ),
];

fn data() -> Arc<RefData> {
    let mut d = RefData::new();
    let partner =
        |id: &str, status: &str, signed: Option<&str>, nda: Option<&str>, cert: Option<&str>| {
            Partner {
                id: id.into(),
                partner_type: PartnerType::Dealer,
                region: "US-NE".into(),
                status: status.into(),
                contract_signed: signed.and_then(|s| s.parse().ok()),
                nda_expires: nda.and_then(|s| s.parse().ok()),
                certified_until: cert.and_then(|s| s.parse().ok()),
                status_since: None,
                jurisdiction: None,
            }
        };
    d.add_partner(partner(
        "P-1",
        "active",
        Some("2026-01-01"),
        None,
        Some("2026-06-30"),
    ));
    d.add_partner(Partner {
        status_since: "2026-03-14".parse().ok(),
        jurisdiction: Some("EU".into()),
        ..partner(
            "P-2",
            "suspended",
            Some("2025-01-01"),
            Some("2026-03-31"),
            None,
        )
    });
    d.add_partner(partner("P-3", "active", None, None, Some("2026-03-14")));
    d.add_partner(partner(
        "P-4",
        "terminated",
        Some("2026-03-14"),
        Some("2026-03-14"),
        Some("2026-12-31"),
    ));
    for (sku, genuine) in [("A", true), ("B", false)] {
        d.add_catalog_item(CatalogItem {
            sku: sku.into(),
            genuine,
            description: format!("part {sku}"),
        });
        d.add_price(PriceRow {
            sku: sku.into(),
            list_price: "12.00".parse().unwrap_or_default(),
            currency: "USD".into(),
            effective_from: "2026-01-01".parse().unwrap_or(crate::date::Date::MIN),
            effective_to: None,
            line: 2,
        });
    }
    d.add_source("S-OK", "approved");
    d.add_installed_base(InstalledBase {
        partner: "P-1".into(),
        region: "US-NE".into(),
        assets: 7,
    });
    Arc::new(d)
}

struct Both {
    native: Option<Vec<ScriptFinding>>,
    rhai: Result<Vec<ScriptFinding>, ScriptError>,
}

fn same(a: &[ScriptFinding], b: &[ScriptFinding]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            (&x.message, &x.expected, &x.actual, x.line)
                == (&y.message, &y.expected, &y.actual, y.line)
        })
}

impl Both {
    /// The compiled path answered only where rhai succeeds, and answered as rhai.
    fn agree(&self) -> Result<(), String> {
        match (&self.native, &self.rhai) {
            (None, _) => Ok(()),
            (Some(n), Ok(r)) if same(n, r) => Ok(()),
            (n, r) => Err(format!("compiled {n:?}, rhai {r:?}")),
        }
    }
}

fn record(json: &serde_json::Value) -> Record {
    Record::from_json_str(&json.to_string()).unwrap()
}

fn script(source: &str, limits: &Limits) -> Script {
    Compiler::new(limits)
        .script(Path::new("t.rhai"), Arc::from(source))
        .map_err(|e| e.message)
        .unwrap()
}

fn run_script(s: &Script, r: &Record, data: &Arc<RefData>, limits: &Limits) -> Both {
    let host = Host::new(limits, data);
    let native = s.native.as_ref().ok().and_then(|body| {
        super::run_script(
            body,
            r,
            data,
            limits,
            &s.params,
            &mut super::Memo::default(),
        )
    });
    let rhai = host.run_script(s, &Prepared::new(r, limits));
    Both { native, rhai }
}

fn condition(when: &str, message: &str, expected: Option<&str>, each_line: bool) -> Condition {
    condition_with(when, message, expected, each_line, Params::default())
}

fn condition_with(
    when: &str,
    message: &str,
    expected: Option<&str>,
    each_line: bool,
    params: Params,
) -> Condition {
    let c = Compiler::new(&Limits::DEFAULT);
    let t = |text: &str| c.template(text, each_line).map_err(|e| e.message).unwrap();
    Compiler::condition(
        when.into(),
        c.expression(when, each_line)
            .map_err(|e| e.message)
            .unwrap(),
        t(message),
        expected.map(t),
        None,
        each_line,
        params,
    )
}

/// A shipped script with the parameters the standard pack gives it (and a type exempt
/// from NDAs, so both sides of the exemption run).
fn shipped(name: &str, source: &str, limits: &Limits) -> Script {
    let s = script(source, limits);
    if name != "partner_contract_current.rhai" {
        return s;
    }
    use super::super::params::Param;
    let mut values = std::collections::BTreeMap::new();
    values.insert(
        "nda_exempt_types".to_owned(),
        Param::List(vec![Param::Text("sales_agent".into())]),
    );
    s.with_params(Params::new(values))
        .map_err(|_| "params")
        .unwrap()
}

/// Parameters for the tests that read them: a text, a decimal, a date, a list, a table.
fn params() -> Params {
    use super::super::params::Param;
    let mut table = std::collections::BTreeMap::new();
    table.insert("max".to_owned(), Param::Int(2));
    let mut values = std::collections::BTreeMap::new();
    values.insert("region".to_owned(), Param::Text("US-NE".into()));
    values.insert(
        "floor".to_owned(),
        Param::Decimal("11.75".parse().unwrap_or_default()),
    );
    values.insert(
        "from".to_owned(),
        Param::Date("2026-03-01".parse().unwrap_or(crate::date::Date::MIN)),
    );
    values.insert(
        "regions".to_owned(),
        Param::List(vec![Param::Text("EU".into())]),
    );
    values.insert("limits".to_owned(), Param::Table(table));
    Params::new(values)
}

/// A sale with two lines and documents: a signed purchase order, an unsigned contract.
fn sale_with_documents(partner: &str, date: &str) -> Record {
    record(&serde_json::json!({
        "id": "S-2", "kind": "sale", "date": date, "partner": partner, "region": "EU",
        "lines": [
            {"sku": "A", "qty": 3, "unit_price": "11.50", "currency": "USD", "source": "S-OK"},
            {"sku": "B", "qty": 1, "unit_price": "12.00", "currency": "USD"}
        ],
        "documents": [
            {"kind": "purchase_order", "ref": "PO-1", "signed": true},
            {"kind": "contract", "signed": false}
        ]
    }))
}

fn run_condition(c: &Condition, r: &Record, data: &Arc<RefData>, limits: &Limits) -> Both {
    let host = Host::new(limits, data);
    let native = c.native.as_ref().ok().and_then(|n| {
        super::run_condition(n, r, data, limits, &c.params, &mut super::Memo::default())
    });
    let rhai = host.run_condition(c, &Prepared::new(r, limits));
    Both { native, rhai }
}

fn sale(partner: &str, date: &str, region: Option<&str>) -> Record {
    let mut json = serde_json::json!({
        "id": "S-1", "kind": "sale", "date": date, "partner": partner,
        "lines": [
            {"sku": "A", "qty": 3, "unit_price": "11.50", "currency": "USD", "source": "S-OK"},
            {"sku": "B", "qty": 2, "unit_price": "12.00", "currency": "USD"}
        ]
    });
    if let (Some(region), Some(map)) = (region, json.as_object_mut()) {
        map.insert("region".into(), region.into());
    }
    record(&json)
}

/// An expression judged both ways on the standard sale: the compiled answer, which must
/// exist and agree with rhai's.
fn expr(when: &str) -> Vec<ScriptFinding> {
    let c = condition(when, "${record.id}", None, false);
    assert!(c.compiled().is_ok(), "{when}: {:?}", c.compiled());
    let both = run_condition(
        &c,
        &sale("P-1", "2026-03-14", Some("US-NE")),
        &data(),
        &Limits::DEFAULT,
    );
    both.agree().unwrap();
    both.native
        .unwrap_or_else(|| panic!("{when}: the compiled path bailed"))
}

fn holds(when: &str) -> bool {
    !expr(when).is_empty()
}

#[test]
fn the_shipped_scripts_compile() {
    for (name, source) in SCRIPTS {
        assert_eq!(
            script(source, &Limits::DEFAULT).compiled(),
            Ok(()),
            "{name}"
        );
    }
}

#[test]
fn literals_comparisons_and_logic() {
    assert!(holds("1 < 2 && \"a\" < \"b\" && true != false"));
    assert!(holds("12 == 12.00 && 11.999 < 12 && 12.5 >= 12"));
    assert!(holds(
        "record.region != () && record.customer == () && () == ()"
    ));
    assert!(!holds("record.region == () || \"x\" == 1"));
    assert!(holds("!(record.id == \"S-2\")"));
    assert!(holds(
        "record.date == date(\"2026-03-14\") && record.date > date(\"2026-03-13\")"
    ));
}

#[test]
fn arithmetic_is_exact_and_checked() {
    assert!(holds("1 + 2 * 3 == 7 && 7 / 2 == 3 && -(3) == 0 - 3"));
    assert!(holds("decimal(\"0.1\") + decimal(\"0.2\") == 0.3"));
    assert!(holds("1.5 * 2 == 3 && 3 - 0.5 == 2.5 && 1.0 / 3 > 0.333"));
    // Overflow and division by zero are rhai's errors: the compiled path bails.
    for when in [
        "9223372036854775807 + 1 > 0",
        "1 / 0 == 0",
        "decimal(\"x\") == 1",
    ] {
        let c = condition(when, "m", None, false);
        let both = run_condition(
            &c,
            &sale("P-1", "2026-03-14", None),
            &data(),
            &Limits::DEFAULT,
        );
        assert!(both.native.is_none() && both.rhai.is_err(), "{when}");
    }
}

#[test]
fn getters_and_host_functions() {
    assert!(holds(
        "partner(record.partner).status == \"active\" && partner(\"P-9\") == ()"
    ));
    assert!(holds("partner(record.partner).certified_until.month == 6"));
    assert!(holds(
        "partner(\"P-2\").status_since == date(\"2026-03-14\") && partner(\"P-2\").jurisdiction == \"EU\""
    ));
    assert!(holds(
        "partner(record.partner).status_since == () && partner(record.partner).jurisdiction == ()"
    ));
    assert!(holds(
        "days_between(date(\"2026-01-01\"), record.date) == 72"
    ));
    assert!(holds("record.date.add_days(1) == add_days(record.date, 1)"));
    assert!(holds(
        "catalog(\"A\").genuine && catalog(\"Z\") == () && is_approved_source(\"S-OK\")"
    ));
    assert!(holds(
        "list_price(\"A\", \"USD\", record.date) == 12 && installed_assets(\"P-1\") == 7"
    ));
    assert!(holds(
        "!record.has_document(\"nda\", true) && record.kind == \"sale\""
    ));
    assert!(holds(
        "record.id.contains(\"-\") && record.id.starts_with(\"S\") && record.id.len() == 3"
    ));
}

#[test]
fn templates_print_as_rhai() {
    let c = condition(
        "true",
        "${record.id} on ${record.date}: ${partner(record.partner)} ${1.50 * 2} ${record.customer}|${true}",
        Some("${record.id.len()}"),
        false,
    );
    let both = run_condition(
        &c,
        &sale("P-1", "2026-03-14", None),
        &data(),
        &Limits::DEFAULT,
    );
    both.agree().unwrap();
    let found = both.native.unwrap();
    assert_eq!(
        found[0].message,
        "S-1 on 2026-03-14: partner P-1 3.00 |true"
    );
    assert_eq!(found[0].expected, "3");
}

#[test]
fn each_line_conditions_find_per_line() {
    let c = condition(
        "list_price(line.sku, line.currency, record.date) > line.unit_price || !catalog(line.sku).genuine",
        "line ${index}: ${line.sku} at ${line.unit_price}",
        Some("${list_price(line.sku, line.currency, record.date)}"),
        true,
    );
    assert_eq!(c.compiled(), Ok(()));
    let both = run_condition(
        &c,
        &sale("P-1", "2026-03-14", None),
        &data(),
        &Limits::DEFAULT,
    );
    both.agree().unwrap();
    let found = both.native.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[1].message.as_str(), found[1].line),
        ("line 1: B at 12.00", Some(1))
    );
}

#[test]
fn scripts_return_findings_lists_and_units() {
    let limits = Limits::DEFAULT;
    let r = sale("P-1", "2026-03-14", None);
    for source in [
        "fn check(record) { [finding(\"a\", 1, ()), (), line_finding(1, \"b\", record.date, 2.50)] }",
        "fn check(record) { let x = 1; if x > 0 { let x = 2; finding(`${x}`) } else { finding(\"no\") } }",
        "fn check(record) { let p = partner(record.partner); }",
        "fn check(r) { if r.id == \"S-1\" { return finding(r.id); } finding(\"never\") }",
    ] {
        let s = script(source, &limits);
        assert_eq!(s.compiled(), Ok(()), "{source}");
        let both = run_script(&s, &r, &data(), &limits);
        both.agree().unwrap();
        assert!(both.native.is_some(), "{source}");
    }
}

#[test]
fn what_is_outside_the_subset_stays_on_rhai_with_the_reason() {
    let limits = Limits::DEFAULT;
    let why = |source: &str| script(source, &limits).compiled().err().map(str::to_owned);
    assert!(
        why("fn check(record) { for l in record.lines { for d in record.documents {} } }")
            .unwrap()
            .contains("loop inside a loop")
    );
    assert!(
        why("fn check(record) { for (l, i) in record.lines {} }")
            .unwrap()
            .contains("counter")
    );
    assert!(
        why("fn check(record) { for x in [1, 2] { return x; } }")
            .unwrap()
            .contains("`lines` or `documents`")
    );
    assert!(
        why("fn check(record) { while true {} }")
            .unwrap()
            .contains("while")
    );
    assert!(
        why("fn check(record) { record = 1; }")
            .unwrap()
            .contains("assignment to `record`")
    );
    assert!(
        why("fn f() { 1 } fn check(record) { f() }")
            .unwrap()
            .contains("own function")
    );
    assert_eq!(why("fn check(record, params) { }"), None);
    assert!(
        why("fn check(record) { record.lines[0].sku }")
            .unwrap()
            .contains("indexing")
    );
    assert!(
        why("fn check(record) { let m = #{a: 1}; }")
            .unwrap()
            .contains("map")
    );
}

#[test]
fn loops_over_lines_and_documents_run_compiled() {
    let limits = Limits::DEFAULT;
    let records = [
        sale("P-1", "2026-03-14", None),
        sale_with_documents("P-2", "2026-03-14"),
        record(&serde_json::json!({
            "id": "S-3", "kind": "sale", "date": "2026-03-14", "partner": "P-1", "lines": []
        })),
    ];
    for source in [
        "fn check(record) { let out = []; for line in record.lines { if line.qty > 2 || line.source == () { out.push(line_finding(line.index, `${line.sku} x ${line.qty}`, (), line.amount)); } } out }",
        "fn check(record) { let n = 0; for d in record.documents { if d.signed { n += 1; } } if n == 0 { finding(`none of ${record.id}`) } else { finding(`${n} signed`, d_count(record), ()) } } fn d_count(r) { 0 }",
        "fn check(record) { let n = 0; let kinds = \"\"; for d in record.documents { if d.signed { n += 1; } kinds += d.kind; kinds += d.ref ?? \"-\"; } finding(`${n}: ${kinds}`) }",
        "fn check(record) { let n = 0; for d in record.documents { if d.signed { n += 1; } else { n = n * 10; } } if n > 0 { finding(`${n} signed`) } }",
        "fn check(record) { for line in record.lines { if line.source == () { return line_finding(line.index, \"no source\", (), ()); } } }",
        "fn check(record) { let total = 0.0; for line in record.lines { total += line.amount; } if total > 40 { finding(`total ${total}`, 40, total) } }",
    ] {
        let s = script(source, &limits);
        let compiles = !source.contains("d_count") && !source.contains("??");
        assert_eq!(
            s.compiled().is_ok(),
            compiles,
            "{source}: {:?}",
            s.compiled()
        );
        for r in &records {
            let both = run_script(&s, r, &data(), &limits);
            both.agree().unwrap();
            assert_eq!(both.native.is_some(), compiles, "{source}");
        }
    }
    // Too many findings for the limit: rhai words the error.
    let few = Limits {
        max_findings_per_record: 1,
        ..Limits::DEFAULT
    };
    let s = script(
        "fn check(record) { let out = []; for line in record.lines { out.push(line_finding(line.index, \"x\", (), ())); } out }",
        &few,
    );
    let both = run_script(&s, &records[0], &data(), &few);
    assert!(both.native.is_none() && both.rhai.is_err());
}

#[test]
fn params_are_read_compiled() {
    let limits = Limits::DEFAULT;
    let r = sale_with_documents("P-1", "2026-03-14");
    let s = script(
        "fn check(record, params) { if record.region != params.region && record.date >= params.from { finding(`${record.region} not ${params.region}, max ${params.limits.max}`, params.floor, ()) } }",
        &limits,
    )
    .with_params(params())
    .map_err(|_| "params")
    .unwrap();
    assert_eq!(s.compiled(), Ok(()));
    let both = run_script(&s, &r, &data(), &limits);
    both.agree().unwrap();
    assert_eq!(both.native.unwrap()[0].message, "EU not US-NE, max 2");
    let c = condition_with(
        "line.unit_price < params.floor && index < params.limits.max",
        "${line.sku} under ${params.floor} in ${params.region}",
        None,
        true,
        params(),
    );
    assert_eq!(c.compiled(), Ok(()));
    let both = run_condition(&c, &r, &data(), &limits);
    both.agree().unwrap();
    assert_eq!(both.native.unwrap().len(), 1);
    // `contains` and `in` over a short list of texts answer as rhai does; over a longer
    // list, or one holding other values, rhai decides.
    use super::super::params::Param;
    let text = |t: &str| Param::Text(t.into());
    let mut values = std::collections::BTreeMap::new();
    values.insert(
        "regions".to_owned(),
        Param::List(vec![text("EU"), text("US")]),
    );
    values.insert("long".to_owned(), Param::List(vec![text("EU"); 5]));
    values.insert(
        "mixed".to_owned(),
        Param::List(vec![Param::Int(1), text("EU")]),
    );
    let lists = Params::new(values);
    for (when, compiled) in [
        ("params.regions.contains(\"EU\")", true),
        ("\"EU\" in params.regions", true),
        ("\"US-NE\" in params.regions", true),
        ("!(\"US\" in params.regions)", true),
        ("\"EU\" in params.long", false),
        ("\"EU\" in params.mixed", false),
        ("1 in params.regions", false),
    ] {
        let c = condition_with(when, "m", None, false, lists.clone());
        let both = run_condition(&c, &r, &data(), &limits);
        both.agree().unwrap_or_else(|e| panic!("{when}: {e}"));
        assert_eq!(both.native.is_some(), compiled, "{when}");
        assert!(both.rhai.is_ok(), "{when}");
    }
}

#[test]
fn a_partner_is_looked_up_once_per_record() {
    let limits = Limits::DEFAULT;
    let r = sale("P-1", "2026-03-14", None);
    let data = data();
    let mut memo = super::Memo::default();
    for (name, source) in SCRIPTS {
        let s = shipped(name, source, &limits);
        let body = s.native.as_ref().unwrap();
        super::run_script(body, &r, &data, &limits, &s.params, &mut memo).unwrap();
    }
    assert_eq!(
        memo.partner.map(|p| p.map(|p| p.id.as_str())),
        Some(Some("P-1"))
    );
    // A remembered answer is used as is: an unknown partner stays unknown.
    let mut memo = super::Memo {
        partner: Some(None),
    };
    let s = script(SCRIPTS[0].1, &limits);
    let found = super::run_script(
        s.native.as_ref().unwrap(),
        &r,
        &data,
        &limits,
        &s.params,
        &mut memo,
    )
    .unwrap();
    assert!(found[0].message.contains("not in partners.csv"));
}

#[test]
fn a_partner_the_engine_looked_up_is_read_as_rhai_reads_it() {
    let data = data();
    let s = script(SCRIPTS[0].1, &Limits::DEFAULT);
    let body = s.native.as_ref().unwrap();
    for id in ["P-1", "P-4", "P-9"] {
        let r = sale(id, "2026-03-14", None);
        let run = |limits: &Limits| {
            let mut memo = super::Memo::knowing(data.partner(id));
            super::run_script(body, &r, &data, limits, &s.params, &mut memo)
        };
        let rhai = run_script(&s, &r, &data, &Limits::DEFAULT).rhai.unwrap();
        assert!(same(&run(&Limits::DEFAULT).unwrap(), &rhai), "{id}");
        // The id is still a string rhai holds to `max_string_size`: over it, rhai decides.
        let short = Limits {
            max_string_size: 2,
            ..Limits::DEFAULT
        };
        assert!(run(&short).is_none(), "{id}");
        assert!(run_script(&s, &r, &data, &short).rhai.is_err(), "{id}");
    }
}

#[test]
fn comparisons_read_in_place_answer_as_rhai() {
    let data = data();
    let sides = [
        "()",
        "\"active\"",
        "\"US-NE\"",
        "p.status",
        "p.region",
        "p.id",
        "p.nda_expires",
        "p.certified_until",
        "p.contract_signed",
        "p.status_since",
        "p.jurisdiction",
        "record.region",
        "record.customer",
        "record.id",
        "record.partner",
        "record.date",
        "s",
        "u",
        "d",
    ];
    let short = Limits {
        max_string_size: 6,
        ..Limits::DEFAULT
    };
    let mut compiled = 0;
    for a in sides {
        for b in sides {
            for op in ["==", "!=", "<"] {
                let source = format!(
                    "fn check(record) {{ let p = partner(record.partner); let s = \"US-NE\"; let u = (); let d = record.date; if {a} {op} {b} {{ return finding(\"yes\"); }} }}"
                );
                for limits in [Limits::DEFAULT, short] {
                    let s = script(&source, &limits);
                    for id in ["P-2", "P-3"] {
                        for region in [None, Some("US-NE"), Some("EU")] {
                            let r = sale(id, "2026-03-14", region);
                            let both = run_script(&s, &r, &data, &limits);
                            both.agree().unwrap_or_else(|e| panic!("{source}: {e}"));
                            compiled += usize::from(both.native.is_some());
                        }
                    }
                }
            }
        }
    }
    assert!(compiled > 5_000, "{compiled}");
}

#[test]
fn repeated_lookups_are_made_once_per_run() {
    let c = condition(
        "list_price(line.sku, line.currency, record.date) == () || line.unit_price < list_price(line.sku, line.currency, record.date) || catalog(line.sku) == () || !catalog(line.sku).genuine",
        "${line.sku}: ${list_price(line.sku, line.currency, record.date)}",
        None,
        true,
    );
    let native = c.native.as_ref().unwrap();
    assert_eq!((native.when.memo.len(), native.message.memo.len()), (2, 0));
    let r = sale("P-1", "2026-03-14", None);
    let both = run_condition(&c, &r, &data(), &Limits::DEFAULT);
    both.agree().unwrap();
    assert_eq!(both.native.unwrap().len(), 2);
    // A lookup on a variable a loop changes is not shared.
    let s = script(
        "fn check(record) { let n = 0; for line in record.lines { if catalog(line.sku) != () && catalog(line.sku).genuine { n += 1; } } finding(`${n}`) }",
        &Limits::DEFAULT,
    );
    assert!(s.native.as_ref().unwrap().memo.is_empty());
    let both = run_script(&s, &r, &data(), &Limits::DEFAULT);
    both.agree().unwrap();
    assert_eq!(both.native.unwrap()[0].message, "1");
}

#[test]
fn bad_results_and_errors_bail_to_rhai() {
    let limits = Limits::DEFAULT;
    let r = sale("P-1", "2026-03-14", None);
    for source in [
        "fn check(record) { 42 }",
        "fn check(record) { line_finding(5, \"m\", (), ()) }",
        "fn check(record) { finding(record.customer) }",
        "fn check(record) { date(\"2026-02-30\") }",
        "fn check(record) { partner(()).id }",
        "fn check(record) { record.date < 3 }",
    ] {
        let both = run_script(&script(source, &limits), &r, &data(), &limits);
        assert!(both.native.is_none(), "{source}");
    }
    let c = condition("line.qty", "m", None, true);
    assert!(run_condition(&c, &r, &data(), &limits).native.is_none());
}

#[test]
fn the_operation_bound_keeps_limits_rhais() {
    // Below the bound the compiled path bails, and rhai decides (here: within the limit).
    let s = script(SCRIPTS[0].1, &Limits::DEFAULT);
    let r = sale("P-2", "2026-03-14", None);
    for max in [1, 5, 10, 20, 40, 80, 160, 320, 640, 1280] {
        let limits = Limits {
            max_operations: max,
            ..Limits::DEFAULT
        };
        run_script(&s, &r, &data(), &limits).agree().unwrap();
    }
    let limits = Limits {
        max_operations: 1,
        ..Limits::DEFAULT
    };
    assert!(run_script(&s, &r, &data(), &limits).native.is_none());
}

/// The conditions of the differential test.
const CONDITIONS: [(&str, &str, bool); 6] = [
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
        "line.amount > 1000 || line.qty * 2 > 100",
        "${line.amount} for ${line.qty}",
        true,
    ),
    (
        "record.region == () || partner(record.partner) == () || record.region != partner(record.partner).region",
        "${record.kind} ${record.id} in ${record.region}",
        false,
    ),
    (
        "partner(record.partner) != () && partner(record.partner).contract_signed != () && days_between(partner(record.partner).contract_signed, record.date) < 30",
        "${record.id}: ${days_between(partner(record.partner).contract_signed, record.date)} days",
        false,
    ),
    (
        "line.unit_price < params.floor || line.qty > params.limits.max && record.region != params.region",
        "${line.sku} under ${params.floor} or over ${params.limits.max} in ${params.region}",
        true,
    ),
];

/// Scripts of the differential test beyond the shipped ones: loops, assignments, `push`
/// and `params` (bound to [`params`]).
const MORE_SCRIPTS: [&str; 3] = [
    "fn check(record) { let out = []; for line in record.lines { let list = list_price(line.sku, line.currency, record.date); let item = catalog(line.sku); if list == () || line.unit_price < list || item == () || !item.genuine || line.source == () || !is_approved_source(line.source) { out.push(line_finding(line.index, `${line.sku} at ${line.unit_price}, list ${list}`, (), line.amount)); } } out }",
    "fn check(record) { let total = 0; let n = 0; for line in record.lines { total += line.amount; n += line.qty; } if n > 50 || total > 100 { finding(`${n} units, ${total}`, 50, n) } }",
    "fn check(record, params) { let p = partner(record.partner); if p != () && p.region != params.region && record.date >= params.from { return finding(`${p.id} in ${p.region}, not ${params.region}`, params.limits.max, ()); } for line in record.lines { if line.unit_price < params.floor { return line_finding(line.index, `${line.sku} under ${params.floor}`, (), ()); } } }",
];

fn generated() -> impl Strategy<Value = serde_json::Value> {
    let partner = prop::sample::select(vec!["P-1", "P-2", "P-3", "P-4", "P-9", ""]);
    let day = prop::sample::select(vec![
        "2024-12-31",
        "2025-01-01",
        "2026-01-01",
        "2026-03-13",
        "2026-03-14",
        "2026-03-15",
        "2026-03-31",
        "2026-04-01",
        "2026-06-30",
        "2026-07-01",
        "2027-01-01",
        "9999-12-31",
        "0001-01-01",
    ]);
    let region = prop::option::of(prop::sample::select(vec!["US-NE", "US-W", "EU", ""]));
    let price = prop::sample::select(vec![
        "0",
        "0.01",
        "11.99",
        "12",
        "12.00",
        "12.001",
        "1000",
        "79228162514264337593543950335",
        "7922816251426433759354395033.5",
    ]);
    let qty = prop::sample::select(vec![0u64, 1, 2, 49, 51, 4_294_967_295]);
    let line = (
        prop::sample::select(vec!["A", "B", "Z"]),
        qty,
        price,
        prop::sample::select(vec!["USD", "EUR"]),
        prop::option::of(prop::sample::select(vec!["S-OK", "S-BAD"])),
    )
        .prop_map(|(sku, qty, price, currency, source)| {
            let mut l = serde_json::json!({"sku": sku, "qty": qty, "unit_price": price, "currency": currency});
            if let (Some(s), Some(m)) = (source, l.as_object_mut()) {
                m.insert("source".into(), s.into());
            }
            l
        });
    (
        partner,
        day,
        region,
        prop::collection::vec(line, 0..4),
        prop::sample::select(vec!["sale", "service"]),
    )
        .prop_map(|(partner, date, region, lines, kind)| {
            let mut r = serde_json::json!({
                "id": "R-7", "kind": kind, "date": date, "partner": partner, "lines": lines
            });
            if let (Some(region), Some(m)) = (region, r.as_object_mut()) {
                m.insert("region".into(), region.into());
            }
            r
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn compiled_and_rhai_agree(json in generated(), max_operations in prop::sample::select(vec![30u64, 200, 100_000])) {
        let Ok(r) = Record::from_json_str(&json.to_string()) else {
            return Ok(());
        };
        let data = data();
        let limits = Limits { max_operations, ..Limits::DEFAULT };
        for (name, source) in SCRIPTS {
            let both = run_script(&shipped(name, source, &limits), &r, &data, &limits);
            prop_assert!(both.agree().is_ok(), "{}: {:?}", name, both.agree());
            if max_operations == 100_000 {
                prop_assert!(both.native.is_some(), "{} bailed on {}", name, json);
            }
        }
        for source in MORE_SCRIPTS {
            let s = script(source, &limits).with_params(params()).map_err(|_| "params");
            prop_assert!(s.is_ok());
            let s = s.unwrap_or_else(|_| script(source, &limits));
            prop_assert_eq!(s.compiled(), Ok(()));
            let both = run_script(&s, &r, &data, &limits);
            prop_assert!(both.agree().is_ok(), "{}: {:?}", source, both.agree());
        }
        for (when, message, each) in CONDITIONS {
            let c = condition_with(when, message, Some("${record.date}"), each, params());
            prop_assert_eq!(c.compiled(), Ok(()));
            let both = run_condition(&c, &r, &data, &limits);
            prop_assert!(both.agree().is_ok(), "{}: {:?}", when, both.agree());
        }
    }
}

/// A small expression in the compiled subset over a line's record, printed as rhai source.
fn expression() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(vec![
        "record.date",
        "record.region",
        "record.partner",
        "record.id",
        "index",
        "line.qty",
        "line.unit_price",
        "line.amount",
        "line.sku",
        "line.source",
        "\"US-NE\"",
        "\"A\"",
        "1",
        "12",
        "0.5",
        "9223372036854775807",
        "()",
        "true",
        "date(\"2026-03-14\")",
        "list_price(line.sku, line.currency, record.date)",
        "catalog(line.sku)",
        "partner(record.partner)",
        "params.floor",
        "params.region",
    ])
    .prop_map(str::to_owned);
    leaf.prop_recursive(3, 24, 3, |inner| {
        let op = prop::sample::select(vec!["==", "!=", "<", ">=", "+", "-", "*", "/", "&&", "||"]);
        let getter = prop::sample::select(vec![
            ".region",
            ".genuine",
            ".len()",
            ".year",
            ".contains(\"A\")",
            ".is_empty()",
        ]);
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, op, b)| format!("({a} {op} {b})")),
            inner.clone().prop_map(|a| format!("!({a})")),
            inner.clone().prop_map(|a| format!("-({a})")),
            (inner.clone(), getter).prop_map(|(a, g)| format!("({a}){g}")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("days_between({a}, {b})")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Generated expressions in the subset, as an `each_line` condition and its message:
    /// compiled, and wherever the compiled path answers, rhai answers the same.
    #[test]
    fn generated_expressions_agree(
        json in generated(),
        when in expression(),
        shown in expression(),
        max_operations in prop::sample::select(vec![30u64, 100_000]),
    ) {
        let Ok(r) = Record::from_json_str(&json.to_string()) else {
            return Ok(());
        };
        let compiler = Compiler::new(&Limits::DEFAULT);
        let (Ok(_), Ok(_)) = (
            compiler.expression(&when, true),
            compiler.template(&format!("${{{shown}}}"), true),
        ) else {
            return Ok(());
        };
        let c = condition_with(&when, &format!("${{{shown}}}"), None, true, params());
        prop_assert_eq!(c.compiled(), Ok(()), "{}", when);
        let limits = Limits { max_operations, ..Limits::DEFAULT };
        let both = run_condition(&c, &r, &data(), &limits);
        prop_assert!(both.agree().is_ok(), "{} / {}: {:?}", when, shown, both.agree());
    }
}
