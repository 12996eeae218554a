//! Shared helpers: reference data built in code, the shipped pack, records from JSON, and
//! findings boiled down to what a test asserts on.

use pactum::{
    Batch, Date, Decimal, Engine, Finding, Pack, Partner, PartnerType, Record, RefData, Report,
    read_batch,
    refdata::{CatalogItem, PriceRow},
};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The crate's root folder.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped standard pack's folder.
pub fn pack_dir() -> PathBuf {
    root().join("rules")
}

/// The example reference data folder.
pub fn example_data_dir() -> PathBuf {
    root().join("examples").join("data")
}

/// The shipped standard pack.
pub fn std_pack() -> Pack {
    Pack::load(pack_dir()).unwrap_or_else(|e| panic!("the shipped pack must load: {e}"))
}

pub fn d(s: &str) -> Date {
    s.parse()
        .unwrap_or_else(|e| panic!("bad test date {s}: {e}"))
}

pub fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|e| panic!("bad test decimal {s}: {e}"))
}

/// An active partner in US-NE whose contract was signed on `contract_signed`, with an NDA
/// and certification far in the future.
pub fn partner(id: &str, partner_type: PartnerType, contract_signed: &str) -> Partner {
    Partner {
        id: id.to_owned(),
        partner_type,
        region: "US-NE".to_owned(),
        status: "active".to_owned(),
        contract_signed: Some(d(contract_signed)),
        nda_expires: Some(d("2030-12-31")),
        certified_until: Some(d("2030-12-31")),
        status_since: None,
        jurisdiction: None,
    }
}

pub fn price(sku: &str, list: &str, currency: &str, from: &str, to: Option<&str>) -> PriceRow {
    PriceRow {
        sku: sku.to_owned(),
        list_price: dec(list),
        currency: currency.to_owned(),
        effective_from: d(from),
        effective_to: to.map(d),
        line: 0,
    }
}

pub fn item(sku: &str, genuine: bool, description: &str) -> CatalogItem {
    CatalogItem {
        sku: sku.to_owned(),
        genuine,
        description: description.to_owned(),
    }
}

/// The fixture most tests share:
/// - partners (all active, contract 2025-01-01): `P-SI` systems integrator, `P-DE` dealer,
///   `P-SA` sales agent, `P-DI` distributor;
/// - prices: SEAL-200 90.00 USD through 2026-03-31 then 94.50 USD; PUMP-10 1200.00 USD;
///   FILTER-5 only in EUR (23.00); GAP-1 10.00 USD in January 2026, then 12.00 USD from
///   2026-03-01 (nothing in February);
/// - catalog: the four priced skus genuine, SEAL-200-AM not genuine;
/// - approved sources: `oem` and the distributor `P-DI`.
pub fn refdata() -> RefData {
    let mut data = RefData::new();
    for (id, t) in [
        ("P-SI", PartnerType::SystemsIntegrator),
        ("P-DE", PartnerType::Dealer),
        ("P-SA", PartnerType::SalesAgent),
        ("P-DI", PartnerType::Distributor),
    ] {
        data.add_partner(partner(id, t, "2025-01-01"));
    }
    data.add_price(price(
        "SEAL-200",
        "90.00",
        "USD",
        "2026-01-01",
        Some("2026-03-31"),
    ));
    data.add_price(price("SEAL-200", "94.50", "USD", "2026-04-01", None));
    data.add_price(price("PUMP-10", "1200.00", "USD", "2026-01-01", None));
    data.add_price(price("FILTER-5", "23.00", "EUR", "2026-01-01", None));
    data.add_price(price(
        "GAP-1",
        "10.00",
        "USD",
        "2026-01-01",
        Some("2026-01-31"),
    ));
    data.add_price(price("GAP-1", "12.00", "USD", "2026-03-01", None));
    for sku in ["SEAL-200", "PUMP-10", "FILTER-5", "GAP-1"] {
        data.add_catalog_item(item(sku, true, ""));
    }
    data.add_catalog_item(item("SEAL-200-AM", false, "Aftermarket copy"));
    data.add_source("oem", "The OEM");
    data.add_source("P-DI", "Authorised distributor");
    data
}

/// The shipped pack bound to `data`.
pub fn engine(data: RefData) -> Engine {
    engine_with(&pack_dir(), data)
}

/// The pack in `dir` bound to `data`.
pub fn engine_with(dir: &Path, data: RefData) -> Engine {
    let pack = Pack::load(dir).unwrap_or_else(|e| panic!("pack {} must load: {e}", dir.display()));
    Engine::new(pack, data).unwrap_or_else(|e| panic!("engine: {e}"))
}

/// A record from JSON text (numbers keep their exact digits).
pub fn record(text: &str) -> Record {
    Record::from_json_str(text).unwrap_or_else(|e| panic!("unreadable test record {text}: {e}"))
}

/// A record from a JSON value.
pub fn record_of(value: Value) -> Record {
    Record::from_json(value).unwrap_or_else(|e| panic!("unreadable test record: {e}"))
}

/// A sale line of one unit bought from the OEM.
pub fn line(sku: &str, unit_price: &str, currency: &str) -> Value {
    json!({"sku": sku, "qty": 1, "unit_price": unit_price, "currency": currency, "source": "oem"})
}

/// A signed purchase order, as every sale needs.
pub fn po() -> Value {
    json!({"kind": "purchase_order", "ref": "PO-1", "signed": true})
}

/// A sale carrying a signed purchase order.
pub fn sale(id: &str, partner: &str, date: &str, lines: Vec<Value>) -> Record {
    record_of(json!({
        "id": id, "kind": "sale", "date": date, "partner": partner,
        "lines": lines, "documents": [po()]
    }))
}

/// A pipeline update of `opportunity`.
pub fn update(id: &str, partner: &str, date: &str, opportunity: &str) -> Record {
    record_of(json!({
        "id": id, "kind": "pipeline_update", "date": date, "partner": partner,
        "opportunity": opportunity, "stage": "qualified"
    }))
}

/// The findings of one rule when `record` is checked on its own (stateless rules).
pub fn check_rule(engine: &Engine, record: &Record, rule: &str) -> Vec<Finding> {
    engine
        .check(record)
        .findings
        .into_iter()
        .filter(|f| &*f.rule == rule)
        .collect()
}

/// Runs records made in code as one batch.
pub fn run(engine: &Engine, records: Vec<Record>, as_of: Option<&str>) -> Report {
    engine.run(&Batch::from_records(records), as_of.map(d))
}

/// Reads JSON Lines text that must hold no bad record.
pub fn batch_of(text: &str) -> Batch {
    let batch = read_batch(text.as_bytes()).unwrap_or_else(|e| panic!("input: {e}"));
    assert!(
        batch.rejected.is_empty(),
        "unexpected rejects: {:?}",
        batch.rejected
    );
    batch
}

/// Every finding as `(rule, record id or partner id)`, in report order.
pub fn pairs(report: &Report) -> Vec<(String, String)> {
    report
        .findings()
        .iter()
        .map(|f| {
            (
                f.rule.to_string(),
                f.record.clone().unwrap_or_else(|| f.partner.clone()),
            )
        })
        .collect()
}

/// The findings of one rule in a report.
pub fn of_rule<'r>(report: &'r Report, rule: &str) -> Vec<&'r Finding> {
    report
        .findings()
        .iter()
        .filter(|f| &*f.rule == rule)
        .collect()
}

/// What one rule flagged: record ids, or partner ids for partner-level findings.
pub fn flagged(report: &Report, rule: &str) -> Vec<String> {
    pairs(report)
        .into_iter()
        .filter(|(r, _)| r == rule)
        .map(|(_, who)| who)
        .collect()
}

pub use pactum_testkit::fixtures::{line_of, pack_copy};

/// Writes `(file name, contents)` pairs into a new temporary folder.
pub fn temp_files(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// The example reference data, written as CSV, ready for `RefData::load`.
pub fn example_csvs() -> Vec<(String, String)> {
    [
        "price_list.csv",
        "catalog.csv",
        "approved_sources.csv",
        "partners.csv",
        "installed_base.csv",
        "special_prices.csv",
        "fx_rates.csv",
    ]
    .iter()
    .map(|f| {
        (
            f.to_string(),
            std::fs::read_to_string(example_data_dir().join(f)).unwrap(),
        )
    })
    .collect()
}

/// Writes `(path, contents)` pairs into a new temporary folder, creating subfolders
/// (`scripts/x.rhai`), so a test can build a whole rule pack.
pub fn write_tree(files: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// What a run of the `pactum` binary gave.
pub struct CliOut {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The `pactum` binary of the workspace member `pactum-cli`, which cargo puts beside the
/// `deps` folder this test binary is in. `cargo test` from the root builds it with the rest
/// of the workspace; `cargo test -p pactum` alone does not (build it with
/// `cargo build -p pactum-cli`).
fn pactum_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(Path::parent).unwrap();
    let bin = dir.join(format!("pactum{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "no `pactum` binary at {}: run the whole workspace's tests (`cargo test`)",
        bin.display()
    );
    bin
}

/// Runs the `pactum` binary from the crate's folder (so its defaults resolve), no stdin.
pub fn run_cli(args: &[&str]) -> CliOut {
    let out = std::process::Command::new(pactum_bin())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    CliOut {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Every file of the pack folder `dir` (scripts and test cases included), by path relative
/// to it: a pack to load with `Pack::from_files`.
pub fn pack_files(dir: &Path) -> Vec<(PathBuf, String)> {
    fn collect(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect(root, &path, out);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                out.push((path.strip_prefix(root).unwrap().to_path_buf(), text));
            }
        }
    }
    let mut out = Vec::new();
    collect(dir, dir, &mut out);
    out
}
