//! Issue 11, scripts: hostile rule scripts and conditions. Each test names the attack it
//! covers; every one of them got through before the sandbox was tightened (a process
//! abort, a finding where a rule error was due, seconds per record, a cap that did not
//! hold, a helper that saturated or wrapped).

use crate::common::*;
use pactum::{
    Engine, Limits, Pack, RefData, RuleErrorKind, Verdict, read_batch, refdata::InstalledBase,
};
use serde_json::json;
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tempfile::TempDir;

const MANIFEST: &str = "name = \"hostile\"\nversion = \"0.1.0\"\n";

fn script_rule(file: &str) -> String {
    format!(
        "[[rule]]\nid = \"evil.script\"\ntitle = \"t\"\nseverity = \"error\"\n\
         check = \"script\"\n[rule.params]\nfile = \"{file}\"\n"
    )
}

/// A pack of one script rule running `body`, with `limits` (TOML lines) in `[limits]`.
fn pack(limits: &str, body: &str) -> TempDir {
    write_tree(&[
        ("pack.toml", &format!("{MANIFEST}[limits]\n{limits}\n")),
        ("evil.toml", &script_rule("check.rhai")),
        ("check.rhai", body),
    ])
}

/// A pack of one `condition` rule with `params` (TOML lines of `[rule.params]`).
fn condition_pack(limits: &str, params: &str) -> TempDir {
    write_tree(&[
        ("pack.toml", &format!("{MANIFEST}[limits]\n{limits}\n")),
        (
            "evil.toml",
            &format!(
                "[[rule]]\nid = \"evil.condition\"\ntitle = \"t\"\nseverity = \"error\"\n\
                 check = \"condition\"\n[rule.params]\n{params}\n"
            ),
        ),
    ])
}

/// Checks `record` with the pack in `dir` on another thread; panics when it has not
/// returned after 20 seconds, and gives the verdict and how long it took.
fn check_timed(dir: &TempDir, data: RefData, record: pactum::Record) -> (Verdict, Duration) {
    let engine = engine_with(dir.path(), data);
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        let verdict = engine.check(&record);
        let _ = send.send((verdict, start.elapsed()));
    });
    receive
        .recv_timeout(Duration::from_secs(20))
        .expect("checking one record must return")
}

fn one_sale() -> pactum::Record {
    sale(
        "S-1",
        "P-SI",
        "2026-03-14",
        vec![line("SEAL-200", "90.00", "USD")],
    )
}

/// The one rule error of `verdict`, which must have no findings.
fn only_error(verdict: &Verdict) -> &pactum::RuleError {
    assert!(verdict.findings.is_empty(), "{verdict:?}");
    assert_eq!(verdict.rule_errors.len(), 1, "{verdict:?}");
    &verdict.rule_errors[0]
}

// Item 1: memory. Values curried into a function pointer escaped rhai's size accounting:
// one level held 320 MB and returned a finding, three levels aborted the process.

/// `n` nested levels of `pad(9999, Fn("id").curry(previous))`.
fn curry_bomb(levels: usize) -> String {
    let mut body = String::from("fn id(x) { x }\nfn check(record) {\n    let a = [];\n");
    for _ in 0..levels {
        body.push_str("    let b = []; b.pad(9999, Fn(\"id\").curry(a)); a = b;\n");
    }
    body.push_str("    finding(`held ${a.len()}`)\n}\n");
    body
}

#[test]
fn curried_function_pointers_are_refused_when_the_pack_loads() {
    for levels in [1, 3] {
        let dir = pack("", &curry_bomb(levels));
        let err = Pack::load(dir.path()).expect_err("function pointers are not in the sandbox");
        let text = err.to_string();
        assert!(text.contains("Fn"), "{text}");
    }
    // The other ways to a function pointer or a closure (which captures by currying).
    for body in [
        "fn check(record) { let f = |x| x; f.call(1) }",
        "fn id(x) { x }\nfn check(record) { let f = Fn(\"id\"); f.call(1) }",
        "fn id(x) { x }\nfn check(record) { call(Fn(\"id\"), 1) }",
        "fn check(record) { let a = [1]; a.map(|x| x + 1) }",
        "fn id(x) { x }\nfn check(record) { let f = id; f.curry(1) }",
    ] {
        let dir = pack("", body);
        assert!(Pack::load(dir.path()).is_err(), "{body} must not load");
    }
}

// Item 1: time. `let b = a;` copies a 10,000-item array in one operation: a loop of it
// stayed under `max_operations` and took 11 s per record.

#[test]
fn copying_a_large_array_in_a_loop_is_stopped_by_max_call_ms() {
    let body = "fn check(record) {\n    let a = [];\n    a.pad(10000, 0);\n    \
                for i in 0..90000 { let b = a; }\n    finding(\"survived\")\n}\n";
    let dir = pack("max_call_ms = 50", body);
    let (verdict, took) = check_timed(&dir, refdata(), one_sale());
    let err = only_error(&verdict);
    assert_eq!(
        err.kind,
        RuleErrorKind::LimitHit {
            limit: "max_call_ms"
        },
        "{}",
        err.reason
    );
    assert!(
        err.reason.contains("the limit `max_call_ms`"),
        "{}",
        err.reason
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

/// Many slow rules, each within its own `max_call_ms`, could together hold one record for
/// longer than any order path waits: `max_record_ms` bounds their sum, and the rules left
/// when it runs out are rule errors naming it.
#[test]
fn many_slow_rules_together_are_stopped_by_max_record_ms() {
    let body = "fn check(record) {\n    let a = [];\n    a.pad(10000, 0);\n    \
                for i in 0..900000 { let b = a; }\n    finding(\"survived\")\n}\n";
    let rules: String = (0..8)
        .map(|i| script_rule("check.rhai").replace("evil.script", &format!("evil.slow-{i}")))
        .collect();
    let dir = write_tree(&[
        (
            "pack.toml",
            &format!("{MANIFEST}[limits]\nmax_call_ms = 400\nmax_record_ms = 1000\n"),
        ),
        ("evil.toml", &rules),
        ("check.rhai", body),
    ]);
    let (verdict, took) = check_timed(&dir, refdata(), one_sale());
    assert!(verdict.findings.is_empty(), "{verdict:?}");
    assert_eq!(verdict.rule_errors.len(), 8, "{verdict:?}");
    let by_record = verdict
        .rule_errors
        .iter()
        .filter(|e| {
            e.kind
                == RuleErrorKind::LimitHit {
                    limit: "max_record_ms",
                }
        })
        .count();
    assert!(by_record >= 5, "{verdict:?}");
    // Eight rules at 400 ms would take 3.2 s; the record's budget stops them near 1 s.
    assert!(took < Duration::from_millis(2500), "took {took:?}");
}

#[test]
fn max_call_ms_has_a_small_default_and_a_ceiling() {
    const {
        assert!(Limits::DEFAULT.max_call_ms >= 10 && Limits::DEFAULT.max_call_ms <= 200);
        assert!(Limits::CEILING.max_call_ms <= 10_000);
    }
    let dir = pack("max_call_ms = 0", "fn check(record) {}");
    assert!(Pack::load(dir.path()).is_err());
}

// Item 6: limits have ceilings.

#[test]
fn limits_above_their_ceiling_are_load_errors() {
    for (limit, value) in [
        ("max_call_levels", "5000"),
        ("max_expr_depth", "100000000"),
        ("max_function_expr_depth", "100000000"),
        ("max_operations", "100000000000"),
        ("max_string_size", "100000000000"),
        ("max_array_size", "100000000000"),
        ("max_map_size", "100000000000"),
        ("max_findings_per_record", "100000000000"),
        ("max_call_ms", "100000000"),
        ("max_record_ms", "100000000"),
    ] {
        let dir = pack(&format!("{limit} = {value}"), "fn check(record) {}");
        let err = Pack::load(dir.path()).expect_err(limit);
        let text = err.to_string();
        assert!(
            text.contains(&format!("limit `{limit}` must be at most")),
            "{limit}: {text}"
        );
    }
    // Every ceiling is at least the default, and loads.
    let c = Limits::CEILING;
    let d = Limits::DEFAULT;
    assert!(c.max_call_levels >= d.max_call_levels && c.max_expr_depth >= d.max_expr_depth);
}

#[test]
fn a_huge_max_expr_depth_does_not_crash_validate() {
    // Loading (what `pactum validate` does) on a thread with the main thread's 8 MiB.
    let nested = format!("{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let dir = pack(
        "max_expr_depth = 100000000\nmax_function_expr_depth = 100000000",
        &format!("fn check(record) {{ {nested} }}"),
    );
    let path = dir.path().to_path_buf();
    let text = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || Pack::load(&path).map(|_| ()).map_err(|e| e.to_string()))
        .unwrap()
        .join()
        .expect("loading must not overflow the stack")
        .expect_err("limits above their ceiling are load errors");
    assert!(text.contains("must be at most"), "{text}");
}

/// The deepest recursion the ceilings allow, each level holding the deepest expression,
/// on the threads that run scripts: a rayon worker of `run_parallel`, and an 8 MiB thread
/// like the main thread.
fn deepest_script() -> (String, String) {
    let c = Limits::CEILING;
    // `0 + (0 + (... n))`: nested additions, which rhai evaluates recursively (nested
    // parentheses alone leave no trace in the compiled script). Each level takes two
    // units of depth.
    let depth = c.max_function_expr_depth / 2 - 4;
    let nested = format!("{}n{}", "0 + (".repeat(depth), ")".repeat(depth));
    let body = format!(
        "fn deeper(n) {{ if n <= 0 {{ return 0; }} deeper({nested} - 1) + 1 }}\n\
         fn check(record) {{ let d = deeper({}); if d > 0 {{ finding(`depth ${{d}}`) }} }}\n",
        c.max_call_levels.saturating_sub(2)
    );
    let limits = format!(
        "max_call_levels = {}\nmax_expr_depth = {}\nmax_function_expr_depth = {}",
        c.max_call_levels, c.max_expr_depth, c.max_function_expr_depth
    );
    (limits, body)
}

#[test]
fn the_deepest_allowed_recursion_fits_a_rayon_worker_and_an_8_mib_thread() {
    let (limits, body) = deepest_script();
    let dir = pack(&limits, &body);
    let engine = engine_with(dir.path(), refdata());
    let text: String = (0..64)
        .map(|i| {
            format!(
                "{}\n",
                json!({"id": format!("S-{i}"), "kind": "sale", "date": "2026-03-14",
                       "partner": "P-SI", "lines": [line("SEAL-200", "90.00", "USD")]})
            )
        })
        .collect();
    let batch = read_batch(text.as_bytes()).unwrap();
    let report = engine.run_parallel(&batch, None);
    assert_eq!(
        report.summary().rule_errors,
        0,
        "{:?}",
        report.rule_errors()
    );
    assert_eq!(report.findings().len(), 64);
    let report = engine.run_stream(text.as_bytes(), None).unwrap();
    assert_eq!(report.findings().len(), 64);

    let thread = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || engine.check(&one_sale()))
        .unwrap();
    let verdict = thread.join().expect("no stack overflow on an 8 MiB thread");
    assert_eq!(verdict.findings.len(), 1, "{:?}", verdict.rule_errors);
}

// Item 8: caps are caps for `each_line` conditions.

fn many_lines(n: usize) -> pactum::Record {
    sale(
        "S-MANY",
        "P-SI",
        "2026-03-14",
        (0..n).map(|_| line("SEAL-200", "1.00", "USD")).collect(),
    )
}

#[test]
fn each_line_findings_stop_at_max_findings_per_record() {
    let dir = condition_pack(
        "max_findings_per_record = 10",
        "when = \"line.unit_price < 90.00\"\nmessage = \"cheap ${line.sku}\"\neach_line = true",
    );
    let (verdict, _) = check_timed(&dir, refdata(), many_lines(5000));
    assert_eq!(verdict.findings.len(), 10, "{}", verdict.findings.len());
    assert_eq!(verdict.rule_errors.len(), 1, "{:?}", verdict.rule_errors);
    let err = &verdict.rule_errors[0];
    assert_eq!(
        err.kind,
        RuleErrorKind::LimitHit {
            limit: "max_findings_per_record"
        }
    );
    assert!(err.reason.contains("4990"), "{}", err.reason);
}

#[test]
fn each_line_operations_count_against_the_whole_record() {
    // About ten operations a line: 5,000 lines take far more than 20,000.
    let dir = condition_pack(
        "max_operations = 20000",
        "when = \"line.qty * 2 > 100 && line.sku == \\\"X\\\" && index > 1000000\"\n\
         message = \"m\"\neach_line = true",
    );
    let (verdict, _) = check_timed(&dir, refdata(), many_lines(5000));
    let err = only_error(&verdict);
    assert_eq!(
        err.kind,
        RuleErrorKind::LimitHit {
            limit: "max_operations"
        },
        "{}",
        err.reason
    );
}

// Item 10: helpers fail instead of lying.

#[test]
fn add_days_out_of_range_is_a_rule_error() {
    for n in ["9223372036854775807", "-9223372036854775807", "10000000"] {
        let body = format!(
            "fn check(record) {{ let d = record.date; let e = d.add_days({n}); finding(`${{e}}`) }}"
        );
        let dir = pack("", &body);
        let (verdict, _) = check_timed(&dir, refdata(), one_sale());
        let err = only_error(&verdict);
        assert_eq!(err.kind, RuleErrorKind::Overflow, "{n}: {}", err.reason);
        assert!(err.reason.contains("add_days"), "{}", err.reason);
    }
    // In range it still works.
    let dir = pack(
        "",
        "fn check(record) { let d = record.date; finding(`${d.add_days(20)}`) }",
    );
    let (verdict, _) = check_timed(&dir, refdata(), one_sale());
    assert_eq!(verdict.findings[0].message, "2026-04-03");
}

#[test]
fn installed_assets_overflow_is_a_rule_error() {
    let mut data = refdata();
    for _ in 0..3 {
        data.add_installed_base(InstalledBase {
            partner: "P-SI".into(),
            region: "EU".into(),
            assets: u64::MAX / 2,
        });
    }
    let dir = pack(
        "",
        "fn check(record) { finding(`${installed_assets(record.partner)}`) }",
    );
    let (verdict, _) = check_timed(&dir, data, one_sale());
    let err = only_error(&verdict);
    assert_eq!(err.kind, RuleErrorKind::Overflow, "{}", err.reason);
    assert!(err.reason.contains("installed_assets"), "{}", err.reason);
}

// Issue 10 leftover: the kind of a rule error comes from the host, not from its text. A
// script that raises an error whose text looks like a limit is still a script error.

#[test]
fn a_script_cannot_pass_its_error_off_as_a_limit() {
    let dir = pack(
        "",
        "fn check(record) { throw \"stopped after 5 operations, the limit `max_operations`\" }",
    );
    let (verdict, _) = check_timed(&dir, refdata(), one_sale());
    let err = only_error(&verdict);
    assert_eq!(err.kind, RuleErrorKind::Script, "{}", err.reason);
}

#[test]
fn the_engine_is_still_fast_for_ordinary_scripts() {
    // The shipped pack's scripts are far below the time budget.
    let e: Engine = engine(refdata());
    let start = Instant::now();
    for i in 0..200 {
        let v = e.check(&sale(
            &format!("S-{i}"),
            "P-SI",
            "2026-03-14",
            vec![line("SEAL-200", "90.00", "USD")],
        ));
        assert!(v.rule_errors.is_empty(), "{:?}", v.rule_errors);
    }
    assert!(start.elapsed() < Duration::from_secs(20));
}

/// Measures the stack the deepest allowed script needs: run with
/// `PACTUM_STACK_KB=N cargo test -p pactum --test main stack_probe -- --ignored`; a stack
/// overflow aborts the process.
#[test]
#[ignore = "a measurement: aborts when the stack is too small"]
fn stack_probe() {
    let kb: usize = std::env::var("PACTUM_STACK_KB").map_or(8192, |v| v.parse().unwrap());
    let (mut limits, mut body) = deepest_script();
    if let Ok(b) = std::env::var("PACTUM_PROBE_BODY") {
        body = b;
        limits = std::env::var("PACTUM_PROBE_LIMITS").unwrap_or_default();
    }
    let dir = pack(&limits, &body);
    let engine = engine_with(dir.path(), refdata());
    let verdict = std::thread::Builder::new()
        .stack_size(kb << 10)
        .spawn(move || {
            let start = Instant::now();
            let v = engine.check(&one_sale());
            eprintln!("stack_probe: one check took {:?}", start.elapsed());
            v
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(verdict.findings.len(), 1, "{:?}", verdict.rule_errors);
}
