//! The C API called in-process, function by function: its results, its error cases, and
//! that it answers exactly what the library answers.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests: a failed step must stop the test loudly"
)]

mod common;

use common::{BROKEN_SCRIPT, line_of, pack_copy, root};
use pactum::GateService;
use pactum_c::{
    PACTUM_ERR_ARGUMENT, PACTUM_ERR_REFUSED, PACTUM_OK, PactumEngine, pactum_check_batch,
    pactum_decide, pactum_engine_free, pactum_engine_new, pactum_reload, pactum_string_free,
};
use serde_json::Value;
use std::ffi::{CStr, CString, c_char};
use std::path::Path;
use std::ptr;

const SALE_BELOW_LIST: &str = r#"{"id":"S-0702","kind":"sale","date":"2026-03-14","partner":"P-SI-07","customer":"C-88","lines":[{"sku":"SEAL-200","qty":40,"unit_price":"81.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"PO-7702","signed":true}]}"#;
const CLEAN_UPDATE: &str = r#"{"id":"PU-SA-06-01","kind":"pipeline_update","date":"2026-01-08","partner":"P-SA-06","opportunity":"OPP-601","stage":"qualified"}"#;

fn c(text: impl AsRef<Path>) -> CString {
    CString::new(text.as_ref().to_str().unwrap()).unwrap()
}

/// Copies a string the library returned, then frees it with `pactum_string_free`.
fn take(s: *mut c_char) -> String {
    assert!(!s.is_null(), "the library returned NULL");
    // SAFETY: a non-NULL string from the library is NUL-terminated and not yet freed.
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    // SAFETY: freed once, here.
    unsafe { pactum_string_free(s) };
    text
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// An engine on `rules` and `data`, or the error message.
fn engine_new(rules: &Path, data: &Path) -> Result<Engine, String> {
    let mut error: *mut c_char = ptr::null_mut();
    let (rules, data) = (c(rules), c(data));
    // SAFETY: NUL-terminated strings and a writable pointer.
    let engine = unsafe { pactum_engine_new(rules.as_ptr(), data.as_ptr(), &mut error) };
    if engine.is_null() {
        Err(take(error))
    } else {
        assert!(error.is_null(), "a successful load leaves *error NULL");
        Ok(Engine(engine))
    }
}

/// An engine freed when dropped.
struct Engine(*mut PactumEngine);

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: from `pactum_engine_new`, freed once, with no call in progress.
        unsafe { pactum_engine_free(self.0) };
    }
}

impl Engine {
    fn shipped() -> Engine {
        engine_new(&root().join("rules"), &root().join("examples/data")).unwrap()
    }

    fn decide(&self, record: &[u8]) -> Value {
        // SAFETY: a live engine and `record.len()` readable bytes.
        let out = unsafe { pactum_decide(self.0, record.as_ptr().cast(), record.len()) };
        json(&take(out))
    }

    fn check(&self, input: &[u8], as_of: Option<&str>) -> String {
        let as_of = as_of.map(|d| CString::new(d).unwrap());
        let as_of_ptr = as_of.as_ref().map_or(ptr::null(), |d| d.as_ptr());
        // SAFETY: a live engine, `input.len()` readable bytes, NULL or a C string.
        let out =
            unsafe { pactum_check_batch(self.0, input.as_ptr().cast(), input.len(), as_of_ptr) };
        take(out)
    }

    fn reload(&self, rules: &Path, data: &Path) -> Result<(), (i32, String)> {
        let mut error: *mut c_char = ptr::null_mut();
        let (rules, data) = (c(rules), c(data));
        // SAFETY: a live engine, NUL-terminated strings and a writable pointer.
        let code = unsafe { pactum_reload(self.0, rules.as_ptr(), data.as_ptr(), &mut error) };
        if code == PACTUM_OK {
            assert!(error.is_null(), "a successful reload leaves *error NULL");
            Ok(())
        } else {
            Err((code, take(error)))
        }
    }
}

fn verdict(decision: &Value) -> &str {
    decision["verdict"].as_str().unwrap()
}

fn rules_found(decision: &Value) -> Vec<&str> {
    decision["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect()
}

/// The decision records of the example data's stories: a sale below list price is held for
/// `price.min-list`, a clean pipeline update accepted, garbage rejected.
#[test]
fn decisions_tell_the_stories_of_the_example_data() {
    let engine = Engine::shipped();
    let held = engine.decide(SALE_BELOW_LIST.as_bytes());
    assert_eq!(verdict(&held), "hold", "{held}");
    assert_eq!(rules_found(&held), ["price.min-list"]);
    assert_eq!(held["record"], "S-0702");

    let accepted = engine.decide(CLEAN_UPDATE.as_bytes());
    assert_eq!(verdict(&accepted), "accept", "{accepted}");
    assert!(rules_found(&accepted).is_empty());
}

/// A decision is the library's decision record: the same ten keys, in order, and the same
/// content as `GateService` gives for the same records (modulo `decision_id`).
#[test]
fn a_decision_is_the_gate_services_decision_record() {
    let engine = Engine::shipped();
    let service = GateService::load(root().join("rules"), root().join("examples/data")).unwrap();
    for record in [SALE_BELOW_LIST, CLEAN_UPDATE, "{\"id\": 1}", "not json"] {
        let mut ours = engine.decide(record.as_bytes());
        let mut theirs = json(&service.decide_json(record).to_json_line());
        let keys: Vec<&String> = ours.as_object().unwrap().keys().collect();
        let expected: Vec<&String> = theirs.as_object().unwrap().keys().collect();
        assert_eq!(keys, expected);
        assert_eq!(keys.len(), 10);
        ours["decision_id"] = Value::Null;
        theirs["decision_id"] = Value::Null;
        assert_eq!(ours, theirs);
    }
}

/// Bytes that are not a record are a `reject` decision with the reason, never an error:
/// not UTF-8, not JSON, JSON that is not a record, nothing at all.
#[test]
fn unreadable_records_are_rejected() {
    let engine = Engine::shipped();
    for bytes in [&b"\xff\xfe\x00garbage"[..], b"{\"id\":", b"[1, 2]", b""] {
        let d = engine.decide(bytes);
        assert_eq!(verdict(&d), "reject", "{d}");
        assert_eq!(d["record"], Value::Null);
        assert_eq!(d["rule_errors"][0]["rule"], "input", "{d}");
    }
}

/// A NULL engine or record is the caller's mistake: an `{"error"}` object, not a decision.
#[test]
fn null_arguments_to_decide_give_an_error_object() {
    let engine = Engine::shipped();
    // SAFETY: NULL is allowed for either pointer.
    let out = take(unsafe { pactum_decide(ptr::null_mut(), c"{}".as_ptr(), 2) });
    assert_eq!(json(&out)["error"], "invalid argument: `engine` is NULL");
    // SAFETY: as above.
    let out = take(unsafe { pactum_decide(engine.0, ptr::null(), 0) });
    let value = json(&out);
    assert_eq!(value["error"], "invalid argument: `record_json` is NULL");
    assert!(value.get("verdict").is_none());
}

/// A pack that does not load gives NULL and an error listing every problem, each with its
/// file, line and column; `error` may be NULL.
#[test]
fn a_broken_pack_gives_null_and_every_problem_with_its_place() {
    let tmp = pack_copy(&[
        BROKEN_SCRIPT,
        (
            "price.toml",
            "severity = \"error\"\ncheck = \"min-list-price\"",
            "severity = \"fatal\"\ncheck = \"min-list-price\"",
        ),
    ]);
    let rules = tmp.path().join("rules");
    let error = engine_new(&rules, &root().join("examples/data"))
        .err()
        .unwrap();
    assert!(
        error.starts_with("cannot load the rule pack and data: "),
        "{error}"
    );
    let script = rules.join("scripts/partner_active.rhai");
    let script_line = line_of(&script, "let p = partner(record.partner;");
    assert!(
        error.contains(&format!("{}:{script_line}:", script.display())),
        "{error}"
    );
    let price = rules.join("price.toml");
    let price_line = line_of(&price, "severity = \"fatal\"");
    assert!(
        error.contains(&format!("{}:{price_line}:", price.display())),
        "{error}"
    );

    let (r, d) = (c(&rules), c(root().join("examples/data")));
    // SAFETY: NUL-terminated strings; `error` may be NULL.
    let engine = unsafe { pactum_engine_new(r.as_ptr(), d.as_ptr(), ptr::null_mut()) };
    assert!(engine.is_null());
}

/// NULL folders give NULL and say which argument was NULL.
#[test]
fn null_folders_give_null_and_say_which() {
    let mut error: *mut c_char = ptr::null_mut();
    let data = c(root().join("examples/data"));
    // SAFETY: NULL is allowed; `error` is writable.
    let engine = unsafe { pactum_engine_new(ptr::null(), data.as_ptr(), &mut error) };
    assert!(engine.is_null());
    assert_eq!(take(error), "invalid argument: `rules_dir` is NULL");
}

/// The batch report is `pactum check --format json`'s, byte for byte: the library's
/// `Report::write_json` on the same stream.
#[test]
fn the_batch_report_is_the_check_commands_json_report() {
    let engine = Engine::shipped();
    let input = std::fs::read(root().join("examples/records.jsonl")).unwrap();
    let service = GateService::load(root().join("rules"), root().join("examples/data")).unwrap();
    for as_of in [None, Some("2026-04-01")] {
        let ours = engine.check(&input, as_of);
        let date = as_of.map(|d| d.parse().unwrap());
        let mut theirs = Vec::new();
        service
            .check(&input[..], date)
            .unwrap()
            .write_json(&mut theirs)
            .unwrap();
        assert_eq!(ours, String::from_utf8(theirs).unwrap());
        let report = json(&ours);
        assert_eq!(report["summary"]["read"], 83);
        assert_eq!(report["as_of"], as_of.unwrap_or("2026-06-30"));
    }
}

/// The batch's error cases are `{"error"}` objects: a bad date, an unreadable JSON array,
/// an empty batch with no date, NULL pointers. An empty batch with a date is a report.
#[test]
fn batch_errors_are_error_objects() {
    let engine = Engine::shipped();
    let error = |text: &str| json(text)["error"].as_str().map(str::to_owned);
    let bad_date = engine.check(b"", Some("30/06/2026"));
    assert!(
        error(&bad_date)
            .unwrap()
            .starts_with("invalid argument: `as_of`: expected a date"),
        "{bad_date}"
    );
    let array = engine.check(b"[{\"id\": ", None);
    assert!(
        error(&array).unwrap().starts_with("line 1, column "),
        "{array}"
    );
    let empty = engine.check(b"", None);
    assert!(
        error(&empty).unwrap().starts_with("no records read"),
        "{empty}"
    );
    let dated = engine.check(b"", Some("2026-06-30"));
    assert_eq!(json(&dated)["summary"]["read"], 0, "{dated}");
    // SAFETY: NULL is allowed for the pointers.
    let out = take(unsafe { pactum_check_batch(engine.0, ptr::null(), 0, ptr::null()) });
    assert_eq!(error(&out).unwrap(), "invalid argument: `jsonl` is NULL");
    // SAFETY: as above.
    let out = take(unsafe { pactum_check_batch(ptr::null_mut(), c"".as_ptr(), 0, ptr::null()) });
    assert_eq!(error(&out).unwrap(), "invalid argument: `engine` is NULL");
}

/// A refused reload returns `PACTUM_ERR_REFUSED` with every problem and its place; the pack
/// in force keeps deciding. A good changed pack then reloads: the next decision names its
/// hash and follows it, and the history of decisions stayed.
#[test]
fn a_refused_reload_keeps_the_pack_and_a_good_one_swaps_it() {
    let engine = Engine::shipped();
    let data = root().join("examples/data");
    let before = engine.decide(SALE_BELOW_LIST.as_bytes());

    let broken = pack_copy(&[BROKEN_SCRIPT]);
    let (code, error) = engine
        .reload(&broken.path().join("rules"), &data)
        .unwrap_err();
    assert_eq!(code, PACTUM_ERR_REFUSED);
    let script = broken.path().join("rules/scripts/partner_active.rhai");
    let line = line_of(&script, "let p = partner(record.partner;");
    assert!(error.contains("the one in use is kept"), "{error}");
    assert!(
        error.contains(&format!("{}:{line}:", script.display())),
        "{error}"
    );
    let kept = engine.decide(SALE_BELOW_LIST.as_bytes());
    assert_eq!(kept["pack"], before["pack"]);
    assert_eq!(verdict(&kept), "hold");

    // The sales agent's update, remembered before the reload, is in the history after it.
    let update = r#"{"id":"U-1","kind":"pipeline_update","date":"2026-03-01","partner":"P-SA-06","opportunity":"OPP-9","stage":"qualified"}"#;
    assert_eq!(verdict(&engine.decide(update.as_bytes())), "accept");

    let softer = pack_copy(&[(
        "price.toml",
        "severity = \"error\"\ncheck = \"min-list-price\"",
        "severity = \"warning\"\ncheck = \"min-list-price\"",
    )]);
    engine
        .reload(
            &softer.path().join("rules"),
            &softer.path().join("examples/data"),
        )
        .unwrap();
    let after = engine.decide(SALE_BELOW_LIST.as_bytes());
    assert_ne!(after["pack"]["hash"], before["pack"]["hash"]);
    assert_eq!(verdict(&after), "accept", "{after}");
    assert_eq!(after["findings"][0]["severity"], "warning");

    let sale = r#"{"id":"S-9","kind":"sale","date":"2026-03-04","partner":"P-SA-06","opportunity":"OPP-9","lines":[{"sku":"SEAL-200","qty":1,"unit_price":"90.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"PO-9","signed":true}]}"#;
    let d = engine.decide(sale.as_bytes());
    assert_eq!(
        rules_found(&d),
        ["pipeline.registered-before-sale"],
        "the update decided before the reload is remembered: {d}"
    );
}

/// NULL arguments to a reload return `PACTUM_ERR_ARGUMENT` and change nothing.
#[test]
fn null_arguments_to_reload_are_refused() {
    let engine = Engine::shipped();
    let rules = c(root().join("rules"));
    let mut error: *mut c_char = ptr::null_mut();
    // SAFETY: NULL is allowed for the folders; `error` is writable.
    let code = unsafe { pactum_reload(engine.0, rules.as_ptr(), ptr::null(), &mut error) };
    assert_eq!(code, PACTUM_ERR_ARGUMENT);
    assert_eq!(take(error), "invalid argument: `data_dir` is NULL");
    // SAFETY: a NULL engine and a NULL `error` are allowed.
    let code = unsafe {
        pactum_reload(
            ptr::null_mut(),
            rules.as_ptr(),
            rules.as_ptr(),
            ptr::null_mut(),
        )
    };
    assert_eq!(code, PACTUM_ERR_ARGUMENT);
}

/// Freeing NULL is a no-op for both free functions.
#[test]
fn freeing_null_does_nothing() {
    // SAFETY: NULL is allowed.
    unsafe { pactum_string_free(ptr::null_mut()) };
    // SAFETY: NULL is allowed.
    unsafe { pactum_engine_free(ptr::null_mut()) };
    assert_eq!(
        verdict(&Engine::shipped().decide(CLEAN_UPDATE.as_bytes())),
        "accept"
    );
}

/// Many threads decide, check and reload on one engine at once; every answer is whole.
#[test]
fn one_engine_serves_many_threads() {
    let engine = Engine::shipped();
    let shared = SendPtr(engine.0);
    let input = std::fs::read(root().join("examples/records.jsonl")).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let engine = Engine(shared.get());
                for _ in 0..10 {
                    assert_eq!(verdict(&engine.decide(SALE_BELOW_LIST.as_bytes())), "hold");
                    assert_eq!(verdict(&engine.decide(CLEAN_UPDATE.as_bytes())), "accept");
                }
                // Borrowed: the scope's owner frees it.
                std::mem::forget(engine);
            });
        }
        s.spawn(|| {
            let engine = Engine(shared.get());
            let report = json(&engine.check(&input, None));
            assert_eq!(report["summary"]["read"], 83);
            engine
                .reload(&root().join("rules"), &root().join("examples/data"))
                .unwrap();
            std::mem::forget(engine);
        });
    });
}

/// An engine pointer handed to other threads (the C contract allows it).
#[derive(Clone, Copy)]
struct SendPtr(*mut PactumEngine);

// SAFETY: the C API is thread-safe for every call but `pactum_engine_free`, which only the
// owner makes, after the threads have joined.
unsafe impl Send for SendPtr {}
// SAFETY: as above.
unsafe impl Sync for SendPtr {}

impl SendPtr {
    fn get(&self) -> *mut PactumEngine {
        self.0
    }
}
