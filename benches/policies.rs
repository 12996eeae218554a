#![allow(
    clippy::panic,
    reason = "a bench that cannot set up has nothing to measure"
)]

//! Policies on the compiled path against the same policies on rhai and in hand-written
//! Rust, in one run (one group per comparison, so ratios are within a run):
//! - `line_decision`: the line decision (list price, genuine part, approved source) in four
//!   forms, passing and failing: hand-written Rust (`rust`), the built-in checks that make
//!   it (`built_in`), an `each_line` condition and a script looping over the lines, each
//!   compiled and on rhai;
//! - `partner_scripts`: each `partner.*` script of the standard pack, compiled, on rhai and
//!   written in Rust, passing and failing;
//! - `partner_pack`: the four scripts together on one record (the partner looked up once
//!   on the compiled path).
//!
//! The rhai side is the same text with one construct outside the compiled subset that
//! changes nothing (a helper never called, `${record.customer ?? ""}` (the records have no
//! customer) at the end of the message), which keeps the rule on rhai.

use criterion::{Criterion, criterion_group, criterion_main};
use pactum::{Engine, Pack, Partner, Record, RefData, Verdict};
use std::hint::black_box;
use std::path::Path;

const SCRIPTS: [&str; 4] = [
    "partner_active",
    "partner_certified",
    "partner_contract_current",
    "partner_territory",
];

const BUILT_IN: &str = r#"
[[rule]]
id = "price.min-list"
title = "t"
severity = "error"
check = "min-list-price"
[rule.params]
allowed_discount = { distributor = "0", dealer = "0", systems_integrator = "0", sales_agent = "0" }

[[rule]]
id = "price.no-list-price"
title = "t"
severity = "error"
check = "list-price-exists"

[[rule]]
id = "parts.genuine"
title = "t"
severity = "error"
check = "genuine-parts"
"#;

const WHEN: &str = "list_price(line.sku, line.currency, record.date) == () || line.unit_price < list_price(line.sku, line.currency, record.date) || catalog(line.sku) == () || !catalog(line.sku).genuine || line.source == () || !is_approved_source(line.source)";
const MESSAGE: &str =
    "${line.sku} at ${line.unit_price}, list ${list_price(line.sku, line.currency, record.date)}";

/// The line decision as a script: one finding per line that fails it.
const LINE_SCRIPT: &str = r#"
fn check(record) {
    let out = [];
    for line in record.lines {
        let list = list_price(line.sku, line.currency, record.date);
        let item = catalog(line.sku);
        if list == () || line.unit_price < list || item == () || !item.genuine || line.source == () || !is_approved_source(line.source) {
            out.push(line_finding(line.index, `${line.sku} at ${line.unit_price}, list ${list}`, (), ()));
        }
    }
    out
}
"#;

/// The line decision in hand-written Rust: the message of each line that fails it.
fn line_decision(record: &Record, data: &RefData, out: &mut Vec<String>) {
    for line in &record.lines {
        let list = data.list_price(&line.sku, line.currency.as_str(), record.date);
        let genuine = data.catalog_item(&line.sku).is_some_and(|c| c.genuine);
        let approved = line
            .source
            .as_deref()
            .is_some_and(|s| data.is_approved_source(s));
        let priced = list.is_some_and(|p| *line.unit_price >= p.list_price);
        if !priced || !genuine || !approved {
            let list = list.map(|p| p.list_price.to_string()).unwrap_or_default();
            out.push(format!("{} at {}, list {list}", line.sku, *line.unit_price));
        }
    }
}

/// Each `partner.*` script in hand-written Rust: its finding's message, if any.
fn partner_rust(name: &str, record: &Record, data: &RefData) -> Option<String> {
    let p: &Partner = match (data.partner(&record.partner), name) {
        (None, "partner_active") => {
            return Some(format!(
                "record {} is from partner {}, who is not in partners.csv",
                record.id, record.partner
            ));
        }
        (None, _) => return None,
        (Some(p), _) => p,
    };
    let (id, on) = (&record.id, record.date);
    match name {
        "partner_active" => match p.status_since {
            _ if p.status == "active" => None,
            None => Some(format!(
                "record {id} on {on} is from partner {}, whose status is {}",
                p.id, p.status
            )),
            Some(since) => (on >= since).then(|| {
                format!(
                    "record {id} on {on} is from partner {}, whose status is {} since {since}",
                    p.id, p.status
                )
            }),
        },
        "partner_certified" => match p.certified_until {
            None => Some(format!(
                "{} {id} on {on}: partner {} has never been certified",
                record.kind.as_str(),
                p.id
            )),
            Some(last) => (on > last).then(|| {
                format!(
                    "{} {id} on {on}: partner {}'s certification ran out on {last}, {} days before",
                    record.kind.as_str(),
                    p.id,
                    last.days_until(on)
                )
            }),
        },
        "partner_contract_current" => match (p.contract_signed, p.nda_expires) {
            (None, _) => Some(format!(
                "record {id} on {on}: partner {} has no signed contract on file",
                p.id
            )),
            (Some(signed), _) if on < signed => Some(format!(
                "record {id} is dated {on}, {} days before partner {}'s contract was signed on {signed}",
                on.days_until(signed),
                p.id
            )),
            (_, None) => Some(format!(
                "record {id} on {on}: partner {} ({}) has no NDA on file",
                p.id, p.partner_type
            )),
            (_, Some(nda)) if on > nda => Some(format!(
                "record {id} is dated {on}, {} days after partner {}'s NDA expired on {nda}",
                nda.days_until(on),
                p.id
            )),
            _ => None,
        },
        _ => match &record.region {
            Some(region) if *region != p.region => Some(format!(
                "{} {id} on {on} is in {region}, outside partner {}'s territory {}",
                record.kind.as_str(),
                p.id,
                p.region
            )),
            _ => None,
        },
    }
}

fn data() -> RefData {
    RefData::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/data"))
        .unwrap_or_else(|e| panic!("{e}"))
}

fn condition(message: &str) -> String {
    format!(
        "[[rule]]\nid = \"line.decision\"\ntitle = \"t\"\nseverity = \"error\"\ncheck = \"condition\"\n[rule.params]\nwhen = '''{WHEN}'''\nmessage = '''{message}'''\neach_line = true\n"
    )
}

fn script_rule(file: &str) -> String {
    format!(
        "[[rule]]\nid = \"partner.x\"\ntitle = \"t\"\nseverity = \"error\"\ncheck = \"script\"\n[rule.params]\nfile = \"{file}\"\n"
    )
}

/// The rule of the standard pack's script `name`, with its parameters as the pack gives them.
fn partner_rule(name: &str, file: &str) -> String {
    let rule = script_rule(file).replace("partner.x", name);
    if name == "partner_contract_current" {
        format!("{rule}nda_exempt_types = []\n")
    } else {
        rule
    }
}

fn engine(dir: &Path, rules: &str, script: Option<&str>) -> Engine {
    let write = |name: &str, text: &str| {
        std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
    };
    write("pack.toml", "name = \"bench\"\nversion = \"1\"\n");
    write("rules.toml", rules);
    if let Some(script) = script {
        write("s.rhai", script);
    }
    let pack = Pack::load(dir).unwrap_or_else(|e| panic!("{e}"));
    Engine::new(pack, data()).unwrap_or_else(|e| panic!("{e}"))
}

/// A one-line sale of a SEAL-200 (list 90.00 USD) bought from the OEM.
fn sale(partner: &str, date: &str, region: &str, price: &str) -> Record {
    let json = serde_json::json!({
        "id": "S-1", "kind": "sale", "date": date, "partner": partner, "region": region,
        "lines": [{"sku": "SEAL-200", "qty": 1, "unit_price": price, "currency": "USD", "source": "oem"}],
        "documents": [{"kind": "purchase_order", "ref": "PO-1", "signed": true}]
    });
    Record::from_json(json).unwrap_or_else(|e| panic!("{e}"))
}

fn run(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: String,
    engine: &Engine,
    record: &Record,
    expected: usize,
) {
    let mut out = Verdict::default();
    engine.check_into(record, &mut out);
    assert_eq!(
        (out.findings.len(), out.rule_errors.len()),
        (expected, 0),
        "{name}"
    );
    group.bench_function(name, |bench| {
        bench.iter(|| {
            out.clear();
            engine.check_into(black_box(record), &mut out);
        })
    });
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn bench_line_decision(c: &mut Criterion) {
    let dirs = [tempdir(), tempdir(), tempdir(), tempdir(), tempdir()];
    let [a, b, d, e, f] = &dirs;
    let built_in = engine(a.path(), BUILT_IN, None);
    let compiled = engine(b.path(), &condition(MESSAGE), None);
    let interpreted = engine(
        d.path(),
        &condition(&format!("{MESSAGE}${{record.customer ?? \"\"}}")),
        None,
    );
    let script = engine(e.path(), &script_rule("s.rhai"), Some(LINE_SCRIPT));
    let script_rhai = engine(
        f.path(),
        &script_rule("s.rhai"),
        Some(&format!("{LINE_SCRIPT}\nfn rhai_only() {{}}\n")),
    );
    let data = data();
    let mut group = c.benchmark_group("line_decision");
    for (price, expected) in [("90.00", 0), ("81.00", 1)] {
        let record = sale("P-DE-04", "2026-03-14", "US-NE", price);
        let label = if expected == 0 { "passing" } else { "failing" };
        let mut found = Vec::new();
        line_decision(&record, &data, &mut found);
        assert_eq!(found.len(), expected);
        group.bench_function(format!("rust/{label}"), |bench| {
            bench.iter(|| {
                found.clear();
                line_decision(black_box(&record), &data, &mut found);
            })
        });
        for (name, engine) in [
            ("built_in", &built_in),
            ("condition_compiled", &compiled),
            ("condition_rhai", &interpreted),
            ("script_compiled", &script),
            ("script_rhai", &script_rhai),
        ] {
            run(
                &mut group,
                format!("{name}/{label}"),
                engine,
                &record,
                expected,
            );
        }
    }
    group.finish();
}

fn source(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/rules/scripts/{name}.rhai",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

fn bench_partner_scripts(c: &mut Criterion) {
    let mut group = c.benchmark_group("partner_scripts");
    let passing = sale("P-DE-04", "2026-03-14", "US-NE", "90.00");
    let failing = sale("P-DE-04", "2027-12-31", "EU-W", "90.00");
    let data = data();
    for name in SCRIPTS {
        let source = source(name);
        let (a, b) = (tempdir(), tempdir());
        let compiled = engine(a.path(), &partner_rule(name, "s.rhai"), Some(&source));
        let interpreted = engine(
            b.path(),
            &partner_rule(name, "s.rhai"),
            Some(&format!("{source}\nfn rhai_only() {{}}\n")),
        );
        for (label, record) in [("passing", &passing), ("failing", &failing)] {
            let expected = compiled.check(record).findings.len();
            if label == "passing" {
                assert_eq!(expected, 0, "{name}");
            }
            let verdict = compiled.check(record);
            let rust = partner_rust(name, record, &data);
            assert_eq!(
                rust.as_deref(),
                verdict.findings.first().map(|f| f.message.as_str()),
                "{name}"
            );
            group.bench_function(format!("{name}/rust/{label}"), |bench| {
                bench.iter(|| partner_rust(name, black_box(record), &data))
            });
            for (side, engine) in [("compiled", &compiled), ("rhai", &interpreted)] {
                run(
                    &mut group,
                    format!("{name}/{side}/{label}"),
                    engine,
                    record,
                    expected,
                );
            }
        }
    }
    group.finish();
}

/// The four scripts together, as the standard pack runs them on a record.
fn bench_partner_pack(c: &mut Criterion) {
    let mut group = c.benchmark_group("partner_pack");
    let passing = sale("P-DE-04", "2026-03-14", "US-NE", "90.00");
    let (a, b) = (tempdir(), tempdir());
    let pack = |dir: &Path, extra: &str| {
        let mut rules = String::new();
        std::fs::create_dir_all(dir.join("scripts")).unwrap_or_else(|e| panic!("{e}"));
        for name in SCRIPTS {
            let file = format!("scripts/{name}.rhai");
            std::fs::write(dir.join(&file), format!("{}{extra}", source(name)))
                .unwrap_or_else(|e| panic!("{e}"));
            rules.push_str(&partner_rule(name, &file));
        }
        engine(dir, &rules, None)
    };
    let compiled = pack(a.path(), "");
    let interpreted = pack(b.path(), "\nfn rhai_only() {}\n");
    let data = data();
    group.bench_function("rust/passing", |bench| {
        bench.iter(|| {
            SCRIPTS
                .iter()
                .filter_map(|name| partner_rust(name, black_box(&passing), &data))
                .count()
        })
    });
    for (side, engine) in [("compiled", &compiled), ("rhai", &interpreted)] {
        run(&mut group, format!("{side}/passing"), engine, &passing, 0);
    }
    group.finish();
}

criterion_group!(
    benches,
    bench_line_decision,
    bench_partner_scripts,
    bench_partner_pack
);
criterion_main!(benches);
