//! Issue 11, records a partner writes to slip past the rules: near-miss kinds and misspelt
//! arrays, duplicate keys, quadratic JSON arrays, endless lines, floods of rejected lines,
//! rejected records explained by id, and an empty batch judged as of a date.

use crate::common::*;
use pactum::{Engine, Record, RefData, explain::ExplainError, read_batch};
use serde_json::Value;
use std::io::Read;
use std::sync::OnceLock;

/// A clean sale against the example data (no rule of the shipped pack flags it).
const GOOD: &str = r#"{"id":"S-1","kind":"sale","date":"2026-01-05","partner":"P-DE-04","lines":[{"sku":"SEAL-200","qty":4,"unit_price":"90.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"PO-1","signed":true}]}"#;

/// The issue's violating sale: 1.00 against a list price of 90.00, from an unapproved
/// source, with no purchase order.
const BAD_SALE: &str = r#"{"id":"S-9","kind":"sale","date":"2026-01-05","partner":"P-DE-04","lines":[{"sku":"SEAL-200","qty":4,"unit_price":"1.00","currency":"USD","source":"X-99"}]}"#;

fn example_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| engine(RefData::load(example_data_dir()).unwrap()))
}

/// The reason both readers give for rejecting `text`; panics when either accepts it.
fn rejected_by_both(text: &str) -> String {
    let batch = read_batch(text.as_bytes()).unwrap();
    assert!(batch.records.is_empty(), "accepted: {text}");
    let typed = batch.rejected[0].reason();
    let value = Record::from_json_str_by_value(text).map_err(|e| e.to_string());
    assert_eq!(value, Err(typed.clone()), "{text}");
    typed
}

fn with_kind(kind: &str) -> String {
    BAD_SALE.replace(
        r#""kind":"sale""#,
        &format!(r#""kind":{}"#, serde_json::to_string(kind).unwrap()),
    )
}

// ---------------------------------------------------------------------------------------
// Attack: a near-miss `kind` (case, whitespace, invisible characters, confusables).

#[test]
fn near_miss_kinds_are_rejected_with_a_did_you_mean_naming_kind() {
    let cases = [
        ("Sale", "sale"),
        ("SALE", "sale"),
        ("sale ", "sale"),
        (" sale", "sale"),
        ("sa le", "sale"),
        ("sale\u{200b}", "sale"),
        ("\u{feff}sale", "sale"),
        ("sa\u{ad}le", "sale"),
        ("s\u{2060}ale", "sale"),
        ("\u{455}ale", "sale"),         // Cyrillic dze
        ("s\u{430}le", "sale"),         // Cyrillic a
        ("sal\u{3b5}", "sale"),         // Greek epsilon
        ("\u{ff53}\u{ff41}le", "sale"), // fullwidth s, a
        ("Purchase", "purchase"),
        ("pipeline-update", "pipeline_update"),
        ("PipelineUpdate", "pipeline_update"),
        ("service order", "service_order"),
        ("AGREEMENT", "agreement"),
        ("sael", "sale"),
    ];
    for (kind, known) in cases {
        let reason = rejected_by_both(&with_kind(kind));
        assert!(
            reason.starts_with("field `kind`: ")
                && reason.contains(&format!("did you mean `{known}`?")),
            "{kind:?}: {reason}"
        );
    }
}

#[test]
fn a_violating_sale_under_a_near_miss_kind_never_passes() {
    for kind in ["Sale", "SALE", "sale ", "sale\u{200b}", "\u{455}ale"] {
        let batch = read_batch(with_kind(kind).as_bytes()).unwrap();
        let report = example_engine().run(&batch, None);
        assert!(report.worst().is_some(), "{kind:?} passed clean");
    }
}

#[test]
fn unknown_kinds_unlike_any_known_one_are_read_and_counted() {
    let text = format!(
        "{GOOD}\n{}\n{}",
        GOOD.replace("S-1", "W-1")
            .replace(r#""sale""#, r#""warranty_claim""#),
        GOOD.replace("S-1", "W-2")
            .replace(r#""sale""#, r#""rebate""#)
    );
    let batch = read_batch(text.as_bytes()).unwrap();
    assert_eq!((batch.records.len(), batch.rejected.len()), (3, 0));
    let report = example_engine().run(&batch, None);
    let json = report.to_json();
    assert_eq!(json["summary"]["unknown_kinds"], 2, "{}", json["summary"]);
    // The existing keys keep their order; the new ones come after.
    let mut written = Vec::new();
    report.write_json(&mut written).unwrap();
    let written = String::from_utf8(written).unwrap();
    let summary = &written[written.find("\"summary\"").unwrap()..];
    let at = |key: &str| summary.find(&format!("\"{key}\":")).unwrap();
    let order = [
        "read",
        "checked",
        "rejected",
        "violations",
        "rule_errors",
        "by_rule",
        "by_severity",
        "unknown_kinds",
        "rejected_not_listed",
    ];
    assert!(order.windows(2).all(|w| at(w[0]) < at(w[1])), "{summary}");
    let text = report.to_text();
    assert!(text.contains("unknown kinds: 2"), "{text}");
    assert!(
        text.contains("`rebate`") && text.contains("`warranty_claim`"),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------
// Attack: the lines or documents of a known kind under a misspelt key (they went to attrs).

#[test]
fn misspelt_lines_and_documents_on_a_known_kind_are_rejected() {
    let cases = [
        ("Lines", "lines"),
        ("LINES", "lines"),
        ("line", "lines"),
        ("items", "lines"),
        ("line_items", "lines"),
        ("lines ", "lines"),
        ("l\u{456}nes", "lines"),
        ("Documents", "documents"),
        ("document", "documents"),
        ("docs", "documents"),
    ];
    for (key, known) in cases {
        let list = if known == "lines" {
            "lines"
        } else {
            "documents"
        };
        let text = GOOD.replacen(
            &format!("\"{list}\""),
            &serde_json::to_string(key).unwrap(),
            1,
        );
        let reason = rejected_by_both(&text);
        assert!(
            reason.contains(&format!("did you mean `{known}`?")) && reason.contains("field `"),
            "{key:?}: {reason}"
        );
    }
    // An unknown kind may call its fields what it likes.
    let other = GOOD
        .replace(r#""sale""#, r#""warranty_claim""#)
        .replace(r#""lines""#, r#""items""#);
    assert_eq!(read_batch(other.as_bytes()).unwrap().records.len(), 1);
}

#[test]
fn a_currency_outside_iso_4217_is_rejected() {
    let reason = rejected_by_both(&GOOD.replace("USD", "ZZZ"));
    assert!(reason.contains("field `lines[0].currency`"), "{reason}");
}

// ---------------------------------------------------------------------------------------
// Attack: a key given twice, the last one winning.

#[test]
fn a_key_given_twice_is_rejected_naming_the_key_and_both_columns() {
    let text = r#"{"id":"S-1","kind":"sale","date":"2026-01-05","partner":"P-DE-04","lines":[{"sku":"SEAL-200","qty":4,"unit_price":"1.00","unit_price":"95.00","currency":"USD","source":"oem"}]}"#;
    let first = text.find(r#""unit_price""#).unwrap() + 1;
    let second = text.rfind(r#""unit_price""#).unwrap() + 1;
    let reason = rejected_by_both(text);
    assert_eq!(
        reason,
        format!(
            "field `lines[0].unit_price`: the key is given twice (columns {first} and {second}); a record must give each key once"
        )
    );
    let batch = read_batch(text.as_bytes()).unwrap();
    assert_eq!(batch.rejected[0].id(), Some("S-1"));
    for (text, field) in [
        (
            GOOD.replace(r#""kind":"sale""#, r#""kind":"sale","kind":"memo""#),
            "`kind`",
        ),
        (
            GOOD.replace(r#""signed":true"#, r#""signed":false,"signed":true"#),
            "`documents[0].signed`",
        ),
        (
            GOOD.replace(r#""partner""#, r#""attrs":{"a":{"b":1,"b":2}},"partner""#),
            "`attrs.a.b`",
        ),
        (
            GOOD.replace(r#""source":"oem""#, r#""source":"oem","note":1,"note":2"#),
            "`lines[0].note`",
        ),
        (
            GOOD.replace(r#""id":"S-1""#, r#""id":"S-1","x":1,"x":1"#),
            "`x`",
        ),
        (
            GOOD.replace(r#""id":"S-1""#, r#""id":"S-1","q\u0074y":1,"qty":1"#),
            "`qty`",
        ),
    ] {
        let reason = rejected_by_both(&text);
        assert!(
            reason.contains(field) && reason.contains("given twice"),
            "{text}: {reason}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Attack: a JSON array big enough that a scan from byte 0 per element takes minutes.

#[test]
fn a_json_array_reads_in_linear_time() {
    let n = 3_000;
    let lines: Vec<String> = (0..n)
        .map(|i| GOOD.replace("S-1", &format!("S-{i}")))
        .collect();
    let jsonl = lines.join("\n");
    let array = format!("[\n{}\n]", lines.join(",\n"));
    let time = |bytes: &[u8]| {
        let start = std::time::Instant::now();
        let batch = read_batch(bytes).unwrap();
        assert_eq!(batch.records.len(), n);
        start.elapsed()
    };
    // Warm up, then take the best of three of each.
    time(jsonl.as_bytes());
    let best = |bytes: &[u8]| (0..3).map(|_| time(bytes)).min().unwrap();
    let (lines_took, array_took) = (best(jsonl.as_bytes()), best(array.as_bytes()));
    assert!(
        array_took < lines_took * 4 + std::time::Duration::from_millis(50),
        "array {array_took:?} against lines {lines_took:?}"
    );
}

// ---------------------------------------------------------------------------------------
// Attack: an endless line (`/dev/zero`) and floods of rejected lines.

#[test]
fn an_endless_line_is_rejected_without_buffering_it() {
    let mut options = pactum::ReadOptions::default();
    options.max_line_bytes = 1 << 20;
    let input = std::io::repeat(b'x')
        .take(40 << 20)
        .chain(std::io::Cursor::new(format!("\n{GOOD}\n").into_bytes()));
    let report = example_engine()
        .run_stream_with(input, None, &options)
        .unwrap();
    let summary = report.summary();
    assert_eq!((summary.read, summary.checked, summary.rejected), (2, 1, 1));
    assert_eq!(report.rejected()[0].line, 1);
    assert!(
        report.rejected()[0]
            .reason()
            .contains("longer than the limit of 1048576 bytes"),
        "{}",
        report.rejected()[0].reason()
    );
    assert_eq!(pactum::ReadOptions::default().max_line_bytes, 16 << 20);
}

#[test]
fn rejected_lines_past_the_cap_are_counted_not_kept() {
    let mut text = String::new();
    for i in 0..2_500 {
        text.push_str(&format!("not json {i}\n"));
    }
    text.push_str(GOOD);
    let report = example_engine().run_stream(text.as_bytes(), None).unwrap();
    assert_eq!(report.rejected().len(), 1_000);
    let json = report.to_json();
    let summary = &json["summary"];
    assert_eq!(
        (&summary["read"], &summary["checked"]),
        (&Value::from(2_501), &Value::from(1))
    );
    assert_eq!(summary["rejected"], 2_500);
    assert_eq!(summary["rejected_not_listed"], 1_500);
    assert!(report.worst().is_some());
    assert!(report.to_text().contains("1500 more not listed"));
}

// ---------------------------------------------------------------------------------------
// Rejected records carry their id; explain names any of them.

#[test]
fn a_rejected_record_is_explained_by_its_id() {
    let bad = GOOD.replace(r#""qty":4"#, r#""qty":0"#);
    let batch = read_batch(format!("{bad}\n").as_bytes()).unwrap();
    assert_eq!(batch.rejected[0].id(), Some("S-1"));
    match example_engine().explain(&batch, "price.min-list", "S-1", None) {
        Err(ExplainError::RejectedRecord { record, line }) => {
            assert_eq!((record.as_str(), line), ("S-1", 1));
        }
        other => panic!("{other:?}"),
    }
    let unreadable = read_batch(b"{\"id\":").unwrap();
    assert_eq!(unreadable.rejected[0].id(), None);
}

// ---------------------------------------------------------------------------------------
// Nothing to judge: an empty batch as of a date still judges the batch-level rules.

#[test]
fn an_empty_batch_as_of_a_date_still_judges_cadence() {
    let report = example_engine()
        .run_stream(&b""[..], Some(d("2026-03-31")))
        .unwrap();
    let late = flagged(&report, "pipeline.cadence");
    assert!(!late.is_empty(), "{:?}", report.findings());
}

/// The same, where the scan dominates: many tiny elements (each rejected alike in both
/// forms), so a scan from byte 0 per element shows as a multiple of the JSON Lines time.
#[test]
fn a_json_array_of_many_small_elements_reads_in_linear_time() {
    let n = 150_000;
    let items = vec!["0"; n];
    let jsonl = items.join("\n");
    let array = format!("[{}]", items.join(",\n"));
    let time = |bytes: &[u8]| {
        let start = std::time::Instant::now();
        let batch = read_batch(bytes).unwrap();
        assert_eq!(batch.rejected.len(), n);
        start.elapsed()
    };
    let (lines_took, array_took) = (time(jsonl.as_bytes()), time(array.as_bytes()));
    assert!(
        array_took < lines_took * 3 + std::time::Duration::from_millis(100),
        "array {array_took:?} against lines {lines_took:?}"
    );
}
