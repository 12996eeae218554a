//! The gate (issue 12): records decided one at a time against the history of the records
//! before them, decision records, snapshots, and the pack and data hashes they carry.

use crate::common::*;
use pactum::gate::{Gate, GateError, Ruling};
use pactum::{Batch, Engine, Pack, Record, RefData, Severity};
use proptest::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;

const REGISTERED: &str = "pipeline.registered-before-sale";

/// A sales agent's sale of one seal at list price, naming `opportunity`.
fn agent_sale(id: &str, date: &str, opportunity: &str) -> Record {
    record_of(json!({
        "id": id, "kind": "sale", "date": date, "partner": "P-SA",
        "opportunity": opportunity, "lines": [line("SEAL-200", "90.00", "USD")],
        "documents": [po()]
    }))
}

fn rules_of(d: &pactum::Decision) -> Vec<&str> {
    d.findings.iter().map(|f| &*f.rule).collect()
}

/// Acceptance: a sale whose opportunity was first reported 3 days earlier in the history is
/// held for `registered-before-sale`; 10 days after, it is accepted.
#[test]
fn a_sale_three_days_after_registration_is_held_and_ten_days_after_accepted() {
    let e = engine(refdata());
    let mut gate = Gate::new(&e);
    gate.remember(&e, &update("U-1", "P-SA", "2026-03-01", "OPP-1"));
    let early = gate.decide(&e, &agent_sale("S-1", "2026-03-04", "OPP-1"));
    assert_eq!(early.verdict, Ruling::Hold, "{early:?}");
    assert_eq!(rules_of(&early), [REGISTERED]);
    assert_eq!(early.record.as_deref(), Some("S-1"));

    let mut gate = Gate::new(&e);
    gate.remember(&e, &update("U-1", "P-SA", "2026-03-01", "OPP-1"));
    let late = gate.decide(&e, &agent_sale("S-2", "2026-03-11", "OPP-1"));
    assert_eq!(late.verdict, Ruling::Accept, "{late:?}");
    assert!(late.findings.is_empty() && late.rule_errors.is_empty());
}

/// The batch-level rules that `Engine::check` cannot judge: an agreement not on file, and a
/// partner silent for longer than the cadence allows, are caught at decision time.
#[test]
fn agreements_and_cadence_are_judged_against_the_history() {
    let e = engine(refdata());
    let mut gate = Gate::new(&e);
    gate.remember(&e, &update("U-1", "P-SA", "2026-01-01", "OPP-1"));
    let mut sale = agent_sale("S-1", "2026-03-01", "OPP-1").to_json();
    sale["agreement"] = json!("AG-9");
    let d = gate.decide(&e, &record_of(sale));
    let rules = rules_of(&d);
    assert!(rules.contains(&"docs.agreement-on-file"), "{rules:?}");
    // 59 days since the last update: a cadence gap, ending on the sale's date.
    let gap: Vec<_> = d
        .findings
        .iter()
        .filter(|f| &*f.rule == "pipeline.cadence")
        .collect();
    assert_eq!(gap.len(), 1, "{d:?}");
    assert_eq!(gap[0].record, None);
    assert!(gap[0].actual.contains("59 days"), "{}", gap[0].actual);
    // The aggregate rule is listed as skipped, with the reason.
    assert!(!d.rules_skipped.is_empty());
    assert!(
        d.rules_skipped
            .iter()
            .all(|s| s.reason.contains("one record at a time")),
        "{:?}",
        d.rules_skipped
    );
    assert_eq!(
        d.rules_evaluated + d.rules_skipped.len(),
        e.pack().rules().len()
    );
}

/// A decision line has exactly the documented keys, a sortable unique id, and names the
/// pack (with its hash) and the data.
#[test]
fn a_decision_record_has_exactly_the_documented_keys() {
    let e = engine(refdata());
    let mut gate = Gate::new(&e);
    let a = gate.decide(&e, &agent_sale("S-1", "2026-03-04", "OPP-1"));
    let b = gate.decide(&e, &agent_sale("S-2", "2026-03-04", "OPP-1"));
    let v: Value = serde_json::from_str(&a.to_json_line()).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec![
        "decision_id",
        "record",
        "verdict",
        "findings",
        "rule_errors",
        "rules_evaluated",
        "rules_skipped",
        "pack",
        "data",
        "as_of",
    ];
    want.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(v["verdict"], "hold");
    assert_eq!(v["as_of"], "2026-03-04");
    assert_eq!(v["pack"]["name"], e.pack().name());
    assert_eq!(v["pack"]["hash"], e.pack().hash());
    assert!(v["data"].as_object().unwrap().contains_key("hash"));
    // The finding is in the report's violation shape.
    let report = run(&e, vec![agent_sale("S-1", "2026-03-04", "OPP-1")], None);
    let shape: Value = report.to_json();
    let of_rule = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == REGISTERED)
            .cloned()
            .unwrap()
    };
    assert_eq!(of_rule(&v["findings"]), of_rule(&shape["violations"]));
    assert_ne!(a.decision_id, b.decision_id);
    assert!(
        a.decision_id < b.decision_id,
        "UUIDv7 sort in decision order"
    );
}

/// Text that is not a record is rejected, with the reason, and joins no history.
#[test]
fn an_unreadable_record_is_rejected_with_the_reason() {
    let e = engine(refdata());
    let mut gate = Gate::new(&e);
    let d = gate.decide_json(&e, "{\"id\": \"S-1\", \"kind\": \"sale\"");
    assert_eq!(d.verdict, Ruling::Reject);
    assert_eq!(d.record, None);
    assert_eq!(d.rule_errors.len(), 1);
    assert!(
        d.rule_errors[0].reason.contains("cannot be read"),
        "{:?}",
        d.rule_errors
    );
    assert_eq!(gate.remembered(), 0);
    let d = gate.decide_bytes(&e, b"{\"id\": \"\xff\"}");
    assert_eq!((d.verdict, d.record), (Ruling::Reject, None));
}

/// `--fail-on warning` holds on a warning; the default holds on errors only.
#[test]
fn the_fail_on_severity_decides_hold() {
    let e = engine(refdata());
    let gate = Gate::new(&e).with_fail_on(Severity::Info);
    let mut gate = gate;
    let d = gate.decide(
        &e,
        &sale(
            "S-1",
            "P-DE",
            "2026-03-04",
            vec![line("SEAL-200", "90.00", "USD")],
        ),
    );
    assert_eq!(
        d.verdict,
        if d.findings.is_empty() {
            Ruling::Accept
        } else {
            Ruling::Hold
        }
    );
}

/// A snapshot restores to a gate that decides as the original does; a snapshot from
/// another pack says so, and can be restored across packs on purpose.
#[test]
fn a_snapshot_restores_the_history_and_names_its_pack() {
    let e = engine(refdata());
    let mut gate = Gate::new(&e);
    gate.remember(&e, &update("U-1", "P-SA", "2026-03-01", "OPP-1"));
    let bytes = gate.snapshot(&e).unwrap();
    let mut back = Gate::restore(&e, &bytes).unwrap();
    assert_eq!(back.remembered(), 1);
    let sale = agent_sale("S-1", "2026-03-04", "OPP-1");
    let (a, b) = (gate.decide(&e, &sale), back.decide(&e, &sale));
    assert_eq!((a.verdict, &a.findings), (b.verdict, &b.findings));
    let late = back.decide(&e, &agent_sale("S-2", "2026-03-11", "OPP-1"));
    assert_eq!(late.verdict, Ruling::Accept, "{late:?}");

    let edited = pack_copy(&[("pipeline.toml", "lead_days = 7", "lead_days = 8")]);
    let other = engine_with(edited.path(), refdata());
    match Gate::restore(&other, &bytes) {
        Err(e @ GateError::OtherPack { .. }) => {
            assert!(e.to_string().contains("restore_across_packs"))
        }
        other => panic!(
            "expected OtherPack, got {:?}",
            other.map(|g| g.remembered())
        ),
    }
    let mut across = Gate::restore_across_packs(&other, &bytes).unwrap();
    // Reported 7 days before: enough under the old pack, not under the new one (8 days).
    let d = across.decide(&other, &agent_sale("S-3", "2026-03-08", "OPP-1"));
    assert_eq!(rules_of(&d), [REGISTERED], "{d:?}");
    assert_eq!(across.remembered(), 2);
    assert!(Gate::restore(&e, b"{}").is_err());
    assert!(Gate::restore(&e, br#"{"format": "pactum-gate-history", "version": 99}"#).is_err());
}

/// A gate keeps its history when it is handed another engine (a reloaded pack).
#[test]
fn a_gate_keeps_its_history_across_engines() {
    let e = engine(refdata());
    let mut gate = Gate::new(&e);
    gate.remember(&e, &update("U-1", "P-SA", "2026-03-01", "OPP-1"));
    let edited = pack_copy(&[("pipeline.toml", "lead_days = 7", "lead_days = 2")]);
    let other = engine_with(edited.path(), refdata());
    let d = gate.decide(&other, &agent_sale("S-1", "2026-03-04", "OPP-1"));
    assert_eq!(d.verdict, Ruling::Accept, "{d:?}");
    assert_eq!(d.pack.hash, other.pack().hash());
}

/// Retention forgets opportunities first reported long before the latest date.
#[test]
fn retention_forgets_old_opportunities() {
    let e = engine(refdata());
    let mut gate = Gate::new(&e).with_retention(Some(30));
    gate.remember(&e, &update("U-1", "P-SA", "2026-01-01", "OPP-1"));
    gate.remember(&e, &update("U-2", "P-SA", "2026-03-01", "OPP-2"));
    let tracked = gate.tracked();
    let opps = tracked.iter().find(|(r, _)| r == REGISTERED).unwrap().1;
    assert_eq!(opps, 1, "{tracked:?}");
}

/// Acceptance: packs differing by one byte of one script have different hashes; the same
/// files have the same hash wherever they are (a copy in another folder, or in memory).
#[test]
fn the_pack_hash_changes_with_one_byte_and_not_with_the_folder() {
    let shipped = std_pack();
    let copy = pack_copy(&[]);
    let same = Pack::load(copy.path()).unwrap();
    assert_eq!(shipped.hash(), same.hash());
    assert!(shipped.hash().starts_with("sha256:"));
    let script = std::fs::read_dir(pack_dir().join("scripts"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let script = format!("scripts/{}", script.to_string_lossy());
    let text = std::fs::read_to_string(pack_dir().join(&script)).unwrap();
    let edited_dir = pack_copy(&[]);
    std::fs::write(edited_dir.path().join(&script), format!("{text} ")).unwrap();
    let edited = Pack::load(edited_dir.path()).unwrap();
    assert_ne!(shipped.hash(), edited.hash());
    // Decisions under the two packs carry the two hashes.
    let (a, b) = (engine(refdata()), engine_with(edited_dir.path(), refdata()));
    let s = agent_sale("S-1", "2026-03-04", "OPP-1");
    assert_ne!(
        Gate::new(&a).decide(&a, &s).pack.hash,
        Gate::new(&b).decide(&b, &s).pack.hash
    );
    // The same files from memory hash the same.
    let mem = Pack::from_files("standard", pack_files(&pack_dir())).unwrap();
    assert_eq!(mem.hash(), shipped.hash());
}

/// The data hash: the example data loaded from two folders hashes the same; one byte of
/// one file changes it; data built in code has none.
#[test]
fn the_data_hash_names_the_files_and_their_bytes() {
    let a = RefData::load(example_data_dir()).unwrap();
    let copy = temp_files(
        &example_csvs()
            .iter()
            .map(|(n, t)| (n.as_str(), t.as_str()))
            .collect::<Vec<_>>(),
    );
    let b = RefData::load(copy.path()).unwrap();
    assert!(a.hash().is_some());
    assert_eq!(a.hash(), b.hash());
    let partners = std::fs::read_to_string(copy.path().join("partners.csv")).unwrap();
    std::fs::write(copy.path().join("partners.csv"), format!("{partners}\n")).unwrap();
    let c = RefData::load(copy.path()).unwrap();
    assert_ne!(a.hash(), c.hash());
    assert_eq!(refdata().hash(), None);
}

// ---------------------------------------------------------------------------------------
// The gate against the batch.

fn event(i: usize, kind: u8, partner: usize, day: i64, opp: usize) -> Record {
    let partner = ["P-SA", "P-DI", "P-DE", "P-SI"][partner];
    let date = d("2026-01-01").add_days(day).to_string();
    let opp = format!("OPP-{opp}");
    let id = format!("R-{i:03}");
    match kind {
        0 => update(&id, partner, &date, &opp),
        1 => record_of(json!({
            "id": format!("AG-{}", i % 3), "kind": "agreement", "date": date, "partner": partner,
            "documents": [{"kind": "contract", "signed": i % 2 == 0}]
        })),
        2 => {
            let mut v = agent_sale(&id, &date, &opp).to_json();
            v["partner"] = json!(partner);
            v["agreement"] = json!(format!("AG-{}", i % 3));
            record_of(v)
        }
        _ => {
            let mut v = agent_sale(&id, &date, &opp).to_json();
            v["partner"] = json!(partner);
            record_of(v)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Records in date order through the gate: every finding the gate raised for a record
    /// is one `run` over the records so far raises as of that record's date.
    #[test]
    fn every_gate_finding_is_a_batch_finding_as_of_the_record_date(
        events in proptest::collection::vec((0u8..4, 0usize..4, 0i64..150, 0usize..6), 1..40),
    ) {
        let e = engine(refdata());
        let mut records: Vec<Record> = events
            .iter()
            .enumerate()
            .map(|(i, &(k, p, day, o))| event(i, k, p, day, o))
            .collect();
        records.sort_by_key(|r| r.date);
        // Agreement ids repeat on purpose; a batch with two records of one id rejects both,
        // so keep the first of each id.
        let mut seen = BTreeSet::new();
        records.retain(|r| seen.insert(r.id.clone()));
        let mut gate = Gate::new(&e);
        for (i, record) in records.iter().enumerate() {
            let decision = gate.decide(&e, record);
            let report = e.run(&Batch::from_records(records[..=i].to_vec()), Some(record.date));
            for f in &decision.findings {
                prop_assert!(report.findings().contains(f), "gate finding {f:?} is not in the batch's {:?}", report.findings());
            }
        }
    }
}

/// The engine a test decides with is `Send + Sync`; the gate moves between threads.
#[test]
fn the_gate_is_send() {
    fn send<T: Send>() {}
    send::<Gate>();
    let _ = |e: &Engine| Gate::new(e);
}

/// A snapshot taken with a new engine before any decision under it (right after a reload)
/// names the new engine's pack, so it restores under that engine, history intact.
#[test]
fn a_snapshot_right_after_an_engine_change_names_the_new_pack() {
    let old = engine(refdata());
    let edited_dir = pack_copy(&[("pipeline.toml", "lead_days = 7", "lead_days = 8")]);
    let new = engine_with(edited_dir.path(), refdata());
    assert_ne!(old.pack().hash(), new.pack().hash());
    let mut gate = Gate::new(&old);
    gate.remember(&old, &update("U-1", "P-SA", "2026-03-01", "OPP-1"));
    let bytes = gate.snapshot(&new).unwrap();
    let mut back = Gate::restore(&new, &bytes).unwrap();
    assert_eq!(back.remembered(), 1);
    // The opportunity registered under the old engine is still known: 8 days before.
    let sale = agent_sale("S-1", "2026-03-09", "OPP-1");
    assert!(back.decide(&new, &sale).findings.is_empty());
}
