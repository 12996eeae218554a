//! Safe reload (issue 12, item 4): an `EngineHandle` swaps in a new engine only when its pack
//! loads and passes its own test cases; decisions in flight finish on the engine they
//! started with and name its pack hash; a gate keeps its history across a reload.

use crate::common::*;
use pactum::gate::{EngineHandle, Gate, ReloadError, Ruling};
use pactum::{Decision, Pack, RefData, Severity};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tempfile::TempDir;

const MIN_LIST: &str = "price.min-list";
const REGISTERED: &str = "pipeline.registered-before-sale";

/// A copy of the shipped pack at `<tmp>/rules`, with the example data at
/// `<tmp>/examples/data` where the pack's `[tests] data` expects it.
fn pack_copy() -> TempDir {
    pactum_testkit::fixtures::checkout_copy(&[])
}

fn rules(tmp: &TempDir) -> PathBuf {
    tmp.path().join("rules")
}

fn data(tmp: &TempDir) -> PathBuf {
    tmp.path().join("examples").join("data")
}

/// Replaces `from` by `to` in the pack's file `file` (which must contain it).
fn edit(tmp: &TempDir, file: &str, from: &str, to: &str) {
    let path = rules(tmp).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// The shipped pack with `price.min-list` at `warning` instead of `error`: its cases still
/// pass (they do not pin severities), and its decisions differ from the shipped pack's.
fn softer_pack() -> TempDir {
    let tmp = pack_copy();
    edit(
        &tmp,
        "price.toml",
        "severity = \"error\"\ncheck = \"min-list-price\"",
        "severity = \"warning\"\ncheck = \"min-list-price\"",
    );
    tmp
}

/// A systems integrator's sale 10% below list price (`price.min-list` fires).
const UNDERCUT: &str = r#"{"id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-SI-07",
    "lines": [{"sku": "SEAL-200", "qty": 4, "unit_price": "81.00", "currency": "USD", "source": "oem"}],
    "documents": [{"kind": "purchase_order"}]}"#;

fn min_list(d: &Decision) -> Vec<Severity> {
    d.findings
        .iter()
        .filter(|f| &*f.rule == MIN_LIST)
        .map(|f| f.severity)
        .collect()
}

fn decide_one(handle: &EngineHandle) -> Decision {
    let engine = handle.current();
    Gate::new(&engine).decide_json(&engine, UNDERCUT)
}

/// Attack: a reload with a broken script. The handle keeps deciding with the old pack (the
/// decision's `pack.hash` stays the old one) and the error names the script's problem.
#[test]
fn a_reload_with_a_broken_script_keeps_the_old_pack_and_reports_the_problem() {
    let tmp = pack_copy();
    let handle = EngineHandle::load(rules(&tmp), data(&tmp)).unwrap();
    let old = handle.current().pack().hash().to_owned();

    std::fs::write(
        rules(&tmp).join("scripts").join("partner_active.rhai"),
        "let x = ;\n",
    )
    .unwrap();
    let err = handle.reload(rules(&tmp), data(&tmp)).unwrap_err();
    let ReloadError::Load(load) = &err else {
        panic!("expected a load error, got {err}");
    };
    assert!(
        load.diagnostics()
            .iter()
            .any(|d| d.location().file().ends_with("partner_active.rhai")),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("the new rule pack was not loaded"),
        "{err}"
    );
    assert!(err.failed_cases().is_empty());

    let d = decide_one(&handle);
    assert_eq!(d.pack.hash, old);
    assert_eq!(min_list(&d), [Severity::Error]);
}

/// A reload with a good changed pack changes the hash in the next decision, and its report
/// says what was replaced by what.
#[test]
fn a_reload_with_a_good_changed_pack_changes_the_hash_of_the_next_decision() {
    let tmp = pack_copy();
    let handle = EngineHandle::load(rules(&tmp), data(&tmp)).unwrap();
    let before = decide_one(&handle);

    edit(
        &tmp,
        "price.toml",
        "severity = \"error\"\ncheck = \"min-list-price\"",
        "severity = \"warning\"\ncheck = \"min-list-price\"",
    );
    let report = handle.reload(rules(&tmp), data(&tmp)).unwrap();
    assert!(report.changed());
    assert_eq!(report.previous.hash, before.pack.hash);
    assert!(report.cases > 0, "the pack's cases ran");

    let after = decide_one(&handle);
    assert_eq!(after.pack.hash, report.pack.hash);
    assert_ne!(after.pack.hash, before.pack.hash);
    assert_eq!(min_list(&after), [Severity::Warning]);
    assert_eq!(after.verdict, Ruling::Accept);
}

/// Attack: a pack that loads but breaks one of its own test cases (a sales agent may now
/// sell 5% below list). The reload is refused naming the case; the old engine stays.
#[test]
fn a_reload_whose_pack_tests_fail_is_refused_naming_the_case() {
    let tmp = pack_copy();
    let handle = EngineHandle::load(rules(&tmp), data(&tmp)).unwrap();
    let old = handle.current().pack().hash().to_owned();

    edit(
        &tmp,
        "price.toml",
        "sales_agent = \"0\"",
        "sales_agent = \"0.05\"",
    );
    let err = handle.reload(rules(&tmp), data(&tmp)).unwrap_err();
    let case = "the shipped pack allows no discount: one cent below list is flagged for every partner type";
    assert_eq!(err.failed_cases(), [case], "{err}");
    assert!(err.to_string().contains(&format!("`{case}`")), "{err}");
    assert!(matches!(err, ReloadError::Tests(_)));
    assert_eq!(decide_one(&handle).pack.hash, old);
}

/// Attack: the pack and the data both broken. Every problem of both is returned at once.
#[test]
fn a_reload_reports_the_problems_of_the_pack_and_of_the_data_together() {
    let tmp = pack_copy();
    let handle = EngineHandle::load(rules(&tmp), data(&tmp)).unwrap();
    edit(
        &tmp,
        "pack.toml",
        "name = \"standard\"",
        "nmae = \"standard\"",
    );
    std::fs::write(data(&tmp).join("price_list.csv"), "sku,nonsense\nX,1\n").unwrap();
    let err = handle.reload(rules(&tmp), data(&tmp)).unwrap_err();
    let ReloadError::Load(load) = &err else {
        panic!("expected a load error, got {err}");
    };
    let files: Vec<_> = load
        .diagnostics()
        .iter()
        .map(|d| d.location().file().to_path_buf())
        .collect();
    assert!(files.iter().any(|f| f.ends_with("pack.toml")), "{err}");
    assert!(files.iter().any(|f| f.ends_with("price_list.csv")), "{err}");
}

/// A pack kept in memory (a host's database) reloads too, with the same hash as the same
/// files in a folder; a broken one in memory is refused.
#[test]
fn a_reload_from_files_in_memory_swaps_in_the_same_hash_as_the_folder() {
    let tmp = softer_pack();
    let handle = EngineHandle::load(pack_dir(), example_data_dir()).unwrap();
    let folder = Pack::load(rules(&tmp)).unwrap();

    let mut files = Vec::new();
    for name in [
        "pack.toml",
        "analytics.toml",
        "claims.toml",
        "docs.toml",
        "partner.toml",
        "parts.toml",
        "pipeline.toml",
        "price.toml",
    ] {
        files.push((
            PathBuf::from(name),
            std::fs::read_to_string(rules(&tmp).join(name)).unwrap(),
        ));
    }
    for entry in std::fs::read_dir(rules(&tmp).join("scripts")).unwrap() {
        let path = entry.unwrap().path();
        let name = PathBuf::from("scripts").join(path.file_name().unwrap());
        files.push((name, std::fs::read_to_string(&path).unwrap()));
    }
    let data = RefData::load(example_data_dir()).unwrap();

    let mut broken = files.clone();
    broken[0].1.push_str("\nnot toml at all\n");
    let err = handle
        .reload_from_files("from-db", broken, data.clone())
        .unwrap_err();
    assert!(matches!(err, ReloadError::Load(_)), "{err}");
    assert_eq!(decide_one(&handle).pack.hash, std_pack().hash());

    let report = handle.reload_from_files("from-db", files, data).unwrap();
    assert_eq!(report.pack.hash, folder.hash());
    assert_eq!(decide_one(&handle).pack.hash, folder.hash());
}

/// Attack: reloads racing decisions. Deciders on several threads share one gate while
/// another thread reloads back and forth between two packs: every decision's `pack.hash` is
/// one of the two, and its findings and verdict are that pack's (never a mix).
#[test]
fn concurrent_decisions_during_reloads_each_belong_to_one_pack() {
    let a = pack_copy();
    let b = softer_pack();
    let handle = Arc::new(EngineHandle::load(rules(&a), data(&a)).unwrap());
    let hash_a = Pack::load(rules(&a)).unwrap().hash().to_owned();
    let hash_b = Pack::load(rules(&b)).unwrap().hash().to_owned();
    assert_ne!(hash_a, hash_b);
    let gate = Arc::new(Mutex::new(Gate::new(&handle.current())));
    let done = Arc::new(AtomicBool::new(false));

    let deciders: Vec<_> = (0..3)
        .map(|t| {
            let (handle, gate, done) = (handle.clone(), gate.clone(), done.clone());
            std::thread::spawn(move || {
                let mut decisions = Vec::new();
                let mut i = 0;
                while !done.load(Ordering::Relaxed) || i < 50 {
                    let order = UNDERCUT.replace("\"S-1\"", &format!("\"S-{t}-{i}\""));
                    let engine = handle.current();
                    let d = gate.lock().unwrap().decide_json(&engine, &order);
                    assert_eq!(d.pack.hash, engine.pack().hash());
                    decisions.push(d);
                    i += 1;
                }
                decisions
            })
        })
        .collect();
    for round in 0..6 {
        let next = if round % 2 == 0 { &b } else { &a };
        let report = handle.reload(rules(next), data(next)).unwrap();
        assert!(report.changed());
    }
    done.store(true, Ordering::Relaxed);

    let mut seen = (0, 0);
    for decider in deciders {
        for d in decider.join().unwrap() {
            if d.pack.hash == hash_a {
                seen.0 += 1;
                assert_eq!(min_list(&d), [Severity::Error], "{d:?}");
                assert_eq!(d.verdict, Ruling::Hold, "{d:?}");
            } else {
                assert_eq!(d.pack.hash, hash_b, "a hash of neither pack");
                seen.1 += 1;
                assert_eq!(min_list(&d), [Severity::Warning], "{d:?}");
                assert_eq!(d.verdict, Ruling::Accept, "{d:?}");
            }
        }
    }
    assert!(
        seen.0 > 0 && seen.1 > 0,
        "decisions under both packs: {seen:?}"
    );
    assert_eq!(
        handle.current().pack().hash(),
        hash_a,
        "six reloads end on pack a"
    );
}

/// The gate keeps its history across a reload: a sale decided after the reload still sees
/// the opportunity registered before it, and its decision names the new pack.
#[test]
fn a_gate_keeps_its_history_across_a_reload() {
    let b = softer_pack();
    let handle = EngineHandle::load(pack_dir(), example_data_dir()).unwrap();
    let engine = handle.current();
    let mut gate = Gate::new(&engine);
    gate.decide_json(
        &engine,
        r#"{"id": "U-1", "kind": "pipeline_update", "date": "2026-03-01", "partner": "P-SA-06",
            "opportunity": "OPP-9", "stage": "qualified"}"#,
    );
    drop(engine);

    let report = handle.reload(rules(&b), data(&b)).unwrap();
    let engine = handle.current();
    let sale = r#"{"id": "S-1", "kind": "sale", "date": "2026-03-04", "partner": "P-SA-06",
        "opportunity": "OPP-9", "documents": [{"kind": "purchase_order"}],
        "lines": [{"sku": "SEAL-200", "qty": 1, "unit_price": "90.00", "currency": "USD", "source": "oem"}]}"#;
    let d = gate.decide_json(&engine, sale);
    assert_eq!(d.pack.hash, report.pack.hash);
    assert!(d.findings.iter().any(|f| &*f.rule == REGISTERED), "{d:?}");
    assert_eq!(d.verdict, Ruling::Hold);
    assert_eq!(gate.remembered(), 2);
}

/// `GateService`, what every host wraps: decisions from several threads while another
/// thread reloads back and forth between two packs. Every decision names one of the two
/// packs, none is lost, and every decided record joins the one history.
#[test]
fn a_gate_service_decides_from_many_threads_through_reloads() {
    let shipped = pack_copy();
    let softer = softer_pack();
    let service = pactum::GateService::load(rules(&shipped), data(&shipped)).unwrap();
    let first = service.pack().hash;
    let hashes = [
        first.clone(),
        Pack::load(rules(&softer)).unwrap().hash().to_owned(),
    ];
    let done = AtomicBool::new(false);
    let decisions: Vec<Decision> = std::thread::scope(|s| {
        let reloader = s.spawn(|| {
            let mut n = 0;
            while !done.load(Ordering::Relaxed) && n < 20 {
                let tmp = if n % 2 == 0 { &softer } else { &shipped };
                service.reload(rules(tmp), data(tmp)).unwrap();
                n += 1;
            }
        });
        let workers: Vec<_> = (0..4)
            .map(|t| {
                let service = &service;
                s.spawn(move || {
                    (0..50)
                        .map(|i| {
                            service.decide_json(&format!(
                                r#"{{"id":"S-{t}-{i}","kind":"sale","date":"2026-03-14","partner":"P-DE-04","lines":[{{"sku":"SEAL-200","qty":1,"unit_price":"10.00","currency":"USD"}}]}}"#
                            ))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let all = workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect();
        done.store(true, Ordering::Relaxed);
        reloader.join().unwrap();
        all
    });
    assert_eq!(decisions.len(), 200);
    assert_eq!(service.remembered(), 200);
    for d in &decisions {
        assert!(hashes.contains(&d.pack.hash), "{}", d.pack.hash);
        // Under either pack the sale far below list price is held.
        assert!(
            d.findings.iter().any(|f| &*f.rule == MIN_LIST),
            "{}",
            d.to_json_line()
        );
    }
}
