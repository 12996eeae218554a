//! Batches: order independence, rejected records, duplicates, JSON arrays, threads.

use crate::common::*;
use pactum::{Batch, Engine, Record, RefData, read_batch};

/// The shipped pack on the example data, and the example records.
fn example() -> (Engine, Vec<Record>) {
    let e = engine(RefData::load(example_data_dir()).unwrap());
    let text = std::fs::read_to_string(root().join("examples/records.jsonl")).unwrap();
    (e, batch_of(&text).records)
}

/// Deterministic permutations of `n` items: reversed, rotated, odd/even interleaved, and a
/// Fisher-Yates shuffle driven by a fixed linear congruential generator.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    let id: Vec<usize> = (0..n).collect();
    let mut reversed = id.clone();
    reversed.reverse();
    let mut by_one = id.clone();
    by_one.rotate_left(1);
    let mut by_third = id.clone();
    by_third.rotate_left(n / 3);
    let odd_even: Vec<usize> = id
        .iter()
        .copied()
        .filter(|i| i % 2 == 1)
        .chain(id.iter().copied().filter(|i| i % 2 == 0))
        .collect();
    let mut lcg = id.clone();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..n).rev() {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        lcg.swap(i, (state >> 33) as usize % (i + 1));
    }
    vec![reversed, by_one, by_third, odd_even, lcg]
}

#[test]
fn the_order_of_the_input_never_changes_the_report() {
    let (e, records) = example();
    let expected = run(&e, records.clone(), None).to_json();
    // The example batch has findings of at least the seven core rules, so this is not a
    // vacuous check.
    assert!(expected["summary"]["by_rule"].as_object().unwrap().len() >= 7);
    for perm in permutations(records.len()) {
        assert_ne!(perm, (0..records.len()).collect::<Vec<_>>());
        let shuffled: Vec<Record> = perm.iter().map(|i| records[*i].clone()).collect();
        assert_eq!(run(&e, shuffled, None).to_json(), expected);
    }
}

#[test]
fn the_order_of_input_lines_never_changes_the_report() {
    let (e, _) = example();
    let text = std::fs::read_to_string(root().join("examples/records.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let expected = e.run(&batch_of(&text), Some(d("2026-07-31"))).to_json();
    for perm in permutations(lines.len()) {
        let shuffled: Vec<&str> = perm.iter().map(|i| lines[*i]).collect();
        let report = e.run(&batch_of(&shuffled.join("\n")), Some(d("2026-07-31")));
        assert_eq!(report.to_json(), expected);
    }
}

#[test]
fn a_session_fed_in_any_order_agrees_with_run() {
    let (e, mut records) = example();
    let report = run(&e, records.clone(), None);
    records.reverse();
    let mut session = e.session();
    for r in &records {
        session.push(r);
    }
    let outcome = session.finish(report.as_of());
    assert_eq!(outcome.checked, records.len());
    assert_eq!(outcome.findings, report.findings());
}

const GOOD: &str = r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-DE","lines":[{"sku":"SEAL-200","qty":1,"unit_price":"90.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order"}]}"#;

#[test]
fn rejected_records_are_counted_and_reported_with_their_lines() {
    let input = [
        GOOD,                                                                 // 1
        r#"{"id":"S-2","kind":"sale","#,                                      // 2
        r#"{"id":"S-3","kind":"sale","date":"2026-03-14"}"#,                  // 3
        r#"{"id":"S-4","kind":"sale","date":"2026-02-30","partner":"P-DE"}"#, // 4
        &GOOD
            .replace("S-1", "S-5")
            .replace(r#""90.00""#, r#""12,50""#), // 5
        &GOOD
            .replace("S-1", "S-6")
            .replace(r#""qty":1"#, r#""qty":0"#), // 6
        "",                          // 7: blank, not a record
        &GOOD.replace("S-1", "S-8"), // 8
    ]
    .join("\n");
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_eq!(batch.lines, [1, 8]);
    let rejected: Vec<(usize, String)> = batch
        .rejected
        .iter()
        .map(|r| (r.line, r.reason()))
        .collect();
    assert_eq!(rejected.len(), 5);
    assert_eq!(
        rejected.iter().map(|r| r.0).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    assert!(
        rejected[0].1.starts_with("not valid JSON"),
        "{}",
        rejected[0].1
    );
    assert_eq!(rejected[1].1, "missing required field `partner`");
    assert_eq!(
        rejected[2].1,
        "field `date`: expected a date like `2026-03-14`, but found `2026-02-30`: there is no such day"
    );
    assert_eq!(
        rejected[3].1,
        "field `lines[0].unit_price`: expected a decimal number like `12.50`, but found `12,50`"
    );
    assert_eq!(
        rejected[4].1,
        "field `lines[0].qty`: expected a whole number other than 0, but found `0`"
    );

    let report = engine(refdata()).run(&batch, None);
    let s = report.summary();
    assert_eq!((s.read, s.checked, s.rejected), (7, 2, 5));
    assert_eq!(s.read, s.checked + s.rejected);
    assert_eq!(report.rejected(), batch.rejected.as_slice());
    let json = report.to_json();
    assert_eq!(json["rejected"][2]["line"], 4);
    assert!(
        report
            .to_text()
            .contains("line 5: field `lines[0].unit_price`")
    );
}

#[test]
fn an_identical_duplicate_is_checked_once_and_its_copy_reported() {
    let input = format!("{GOOD}\n{}\n{GOOD}\n", GOOD.replace("S-1", "S-2"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_eq!(
        batch
            .records
            .iter()
            .map(|r| r.id.as_str())
            .collect::<Vec<_>>(),
        ["S-1", "S-2"]
    );
    assert_eq!(batch.rejected.len(), 1);
    assert_eq!(batch.rejected[0].line, 3);
    assert_eq!(
        batch.rejected[0].reason(),
        "record id `S-1` repeats the identical record on line 1; checked once"
    );
    assert_eq!(batch.read(), 3);
}

#[test]
fn different_records_sharing_an_id_are_all_set_aside_whatever_the_order() {
    let other = GOOD.replace("90.00", "10.00");
    for input in [format!("{GOOD}\n{other}"), format!("{other}\n{GOOD}")] {
        let batch = read_batch(input.as_bytes()).unwrap();
        assert!(batch.records.is_empty());
        let lines: Vec<usize> = batch.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2]);
        for r in &batch.rejected {
            assert_eq!(
                r.reason(),
                "record id `S-1` is used by 2 different records (lines 1, 2); none of them was checked"
            );
        }
        let s = engine(refdata()).run(&batch, None).summary();
        assert_eq!((s.read, s.checked, s.rejected, s.violations), (2, 0, 2, 0));
    }
}

#[test]
fn records_made_in_code_get_the_same_duplicate_handling() {
    let a = record(GOOD);
    let batch = Batch::from_records(vec![a.clone(), a]);
    assert_eq!((batch.records.len(), batch.rejected.len()), (1, 1));
    assert_eq!(batch.rejected[0].line, 2);
}

#[test]
fn a_json_array_reads_like_json_lines() {
    let lines = format!("{GOOD}\n{}", GOOD.replace("S-1", "S-2"));
    let array = format!("[\n  {GOOD},\n  {}\n]\n", GOOD.replace("S-1", "S-2"));
    let from_lines = read_batch(lines.as_bytes()).unwrap();
    let from_array = read_batch(array.as_bytes()).unwrap();
    assert_eq!(from_array.records, from_lines.records);
    assert_eq!(from_array.lines, [2, 3]);
    let e = engine(refdata());
    assert_eq!(
        e.run(&from_array, None).to_json(),
        e.run(&from_lines, None).to_json()
    );
}

#[test]
fn a_bad_element_of_a_json_array_is_rejected_on_its_own_line() {
    let array = format!("[\n{GOOD},\n{{\"id\":\"S-9\",\"kind\":\"sale\"}}\n]");
    let batch = read_batch(array.as_bytes()).unwrap();
    assert_eq!(batch.records.len(), 1);
    assert_eq!(batch.rejected[0].line, 3);
    assert_eq!(batch.rejected[0].reason(), "missing required field `date`");
    // An array that is not valid JSON as a whole cannot be read at all.
    let err = read_batch(format!("[\n{GOOD},\n").as_bytes()).unwrap_err();
    assert_eq!(err.line, 3);
}

#[test]
fn one_engine_serves_several_threads_with_identical_results() {
    let (e, records) = example();
    let expected = run(&e, records.clone(), None).to_json();
    let expected_checks: Vec<_> = records.iter().map(|r| e.check(r)).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let (e, records) = (&e, &records);
                s.spawn(move || {
                    let mut mine = records.clone();
                    mine.rotate_left(t * 7);
                    let checks: Vec<_> = records.iter().map(|r| e.check(r)).collect();
                    (run(e, mine, None).to_json(), checks)
                })
            })
            .collect();
        for h in handles {
            let (json, checks) = h.join().unwrap();
            assert_eq!(json, expected);
            assert_eq!(checks, expected_checks);
        }
    });
}

/// A generated batch of 20,000 records (60 partners, 50 skus: several 1 MiB stream
/// blocks) with `violation_percent` of them breaking a rule: its folder (kept while the
/// batch is used), the shipped pack's engine over its reference data, and its JSON Lines.
fn generated_batch(violation_percent: u8, seed: u64) -> (tempfile::TempDir, Engine, Vec<u8>) {
    let dir = tempfile::TempDir::new().unwrap();
    let options = pactum_testkit::GenerateOptions {
        records: 20_000,
        partners: 60,
        skus: 50,
        violation_percent,
        seed,
    };
    pactum_testkit::generate(&options, dir.path()).unwrap();
    let engine = engine_with(&pack_dir(), RefData::load(dir.path()).unwrap());
    let bytes = std::fs::read(dir.path().join("records.jsonl")).unwrap();
    (dir, engine, bytes)
}

/// A batch large enough for many shards (`run_parallel` cuts at 1,024 records at least) and
/// several stream blocks (1 MiB each): every way of running gives the same report, the
/// shards' batch-level state (cadence, registrations, agreements, analytics) merged exactly.
#[test]
fn parallel_and_streamed_runs_equal_the_sequential_run_on_a_large_batch() {
    let (_dir, engine, bytes) = generated_batch(10, 42);
    let batch = read_batch(&bytes).unwrap();
    let sequential = engine.run(&batch, None).to_json();
    assert_eq!(sequential["summary"]["read"], 20_000);
    assert!(sequential["summary"]["violations"].as_u64().unwrap() > 100);
    assert_eq!(engine.run_parallel(&batch, None).to_json(), sequential);
    assert_eq!(
        engine.run_stream(bytes.as_slice(), None).unwrap().to_json(),
        sequential
    );
}

/// The stream judges a block while it parses the next: ids repeated across blocks are
/// still caught in line order (the first record checked, the later ones set aside), and
/// past the listing cap the first rejected lines are the ones listed.
#[test]
fn a_stream_judging_one_block_behind_rejects_repeats_across_blocks_in_line_order() {
    let (_dir, engine, bytes) = generated_batch(10, 7);
    let text = String::from_utf8(bytes.clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(bytes.len() > 3 << 20, "the batch spans several blocks");
    // Line 5 again, far past the first block (a copy), a record that reuses line 10's id
    // with other content (a clash) near the end, and a line that is not JSON between.
    let copy = lines[4].to_string();
    let id = serde_json::from_str::<serde_json::Value>(lines[9]).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let clash = lines[20].replacen(
        &format!(
            "\"id\":\"{}\"",
            serde_json::from_str::<serde_json::Value>(lines[20]).unwrap()["id"]
                .as_str()
                .unwrap()
        ),
        &format!("\"id\":\"{id}\""),
        1,
    );
    assert_ne!(clash, lines[20]);
    let mut input = String::new();
    for (i, line) in lines.iter().enumerate() {
        input.push_str(line);
        input.push('\n');
        match i {
            9_000 => input.push_str(&format!("{copy}\n")),
            12_000 => input.push_str("{not json\n"),
            18_000 => input.push_str(&format!("{clash}\n")),
            _ => {}
        }
    }
    let mut read = pactum::ReadOptions::default();
    read.max_rejected_listed = 2;
    let streamed = engine
        .run_stream_with(input.as_bytes(), None, &read)
        .unwrap();
    // Lines are numbered from 1, each insert shifting the ones after it.
    assert_eq!(
        streamed
            .rejected()
            .iter()
            .map(|r| r.line)
            .collect::<Vec<_>>(),
        vec![9_002, 12_003]
    );
    assert_eq!(streamed.summary().rejected_not_listed, 1);
    assert_eq!(streamed.summary().read, 20_003);
    let plain = engine.run(&read_batch(&bytes).unwrap(), None).to_json();
    let streamed = streamed.to_json();
    assert_eq!(streamed["violations"], plain["violations"]);
    assert_eq!(streamed["rule_errors"], plain["rule_errors"]);
}

/// A stream that hands out each block's findings as it goes hands out, with what its
/// report keeps, exactly the findings and rule errors of the run that keeps them all; its
/// summary, worst severity and scorecard count both. Blocks come in input order, each in
/// report order.
#[test]
fn a_stream_handing_out_blocks_finds_what_a_kept_run_finds() {
    let (_dir, engine, bytes) = generated_batch(30, 11);
    assert!(bytes.len() > 3 << 20, "the batch spans several blocks");
    let kept = engine.run_stream(bytes.as_slice(), None).unwrap();
    let mut blocks = Vec::new();
    let streamed = engine
        .run_stream_each(
            bytes.as_slice(),
            None,
            &pactum::ReadOptions::default(),
            |block| {
                blocks.push(block.clone());
                Ok(())
            },
        )
        .unwrap();
    assert!(blocks.len() > 1, "one hand-out per block");
    for block in &blocks {
        assert!(
            block
                .findings
                .is_sorted_by(|a, b| a.report_order(b).is_le())
        );
    }
    let mut all: Vec<pactum::Finding> = blocks
        .iter()
        .flat_map(|b| b.findings.iter().cloned())
        .chain(streamed.findings().iter().cloned())
        .collect();
    assert!(
        all.len() > streamed.findings().len() * 2,
        "most were handed out"
    );
    all.sort_by(pactum::Finding::report_order);
    assert_eq!(all, kept.findings());
    let errors = blocks.iter().map(|b| b.rule_errors.len()).sum::<usize>();
    assert_eq!(
        errors + streamed.rule_errors().len(),
        kept.rule_errors().len()
    );
    assert_eq!(streamed.summary(), kept.summary());
    assert_eq!(streamed.worst(), kept.worst());
    assert_eq!(streamed.scorecard(), kept.scorecard());
}

/// An error from the receiver of the blocks stops the stream with that error.
#[test]
fn a_stream_stops_at_the_first_block_its_receiver_refuses() {
    let engine = engine_with(&pack_dir(), RefData::load(example_data_dir()).unwrap());
    let input = std::fs::read(root().join("examples/records.jsonl")).unwrap();
    let mut calls = 0;
    let result = engine.run_stream_each(
        input.as_slice(),
        None,
        &pactum::ReadOptions::default(),
        |_| {
            calls += 1;
            Err(std::io::Error::other("the disk is full"))
        },
    );
    let error = result.err().unwrap().to_string();
    assert!(error.contains("the disk is full"), "{error}");
    assert_eq!(calls, 1);
}

#[test]
fn records_dated_after_the_as_of_date_are_deferred_and_judged_by_nothing() {
    let (e, records) = example();
    let as_of = d("2026-03-31");
    let (before, after): (Vec<Record>, Vec<Record>) =
        records.iter().cloned().partition(|r| r.date <= as_of);
    assert!(!before.is_empty() && !after.is_empty());
    let scoped = run(&e, records.clone(), Some("2026-03-31"));
    let summary = scoped.summary();
    assert_eq!(summary.deferred, after.len());
    assert_eq!(summary.checked, before.len());
    assert_eq!(
        summary.read,
        summary.checked + summary.rejected + summary.deferred
    );
    // What a run as of the date finds is what a run over the earlier records alone finds:
    // the later ones count in no rule and no peer comparison.
    let alone = run(&e, before, Some("2026-03-31"));
    assert_eq!(scoped.findings(), alone.findings());
    assert!(scoped.findings().iter().all(|f| {
        f.record
            .as_ref()
            .is_none_or(|id| !after.iter().any(|r| r.id == *id))
    }));
    // Every way of running agrees.
    let text = std::fs::read_to_string(root().join("examples/records.jsonl")).unwrap();
    let batch = batch_of(&text);
    let streamed = e.run_stream(text.as_bytes(), Some(as_of)).unwrap();
    assert_eq!(streamed.summary(), summary);
    assert_eq!(e.run_parallel(&batch, Some(as_of)).summary(), summary);
    assert!(scoped.to_text().contains(&format!(
        "deferred: {} (dated after the as-of date; judged by nothing)",
        after.len()
    )));
    // Without an as-of date nothing is deferred.
    assert_eq!(run(&e, records, None).summary().deferred, 0);
}
