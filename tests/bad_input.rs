//! Every kind of bad input, through both record readers (the typed one behind `read_batch`
//! and the stream, and `Record::from_json` over a parsed value), the streaming `pactum check`,
//! reference data and rule packs: each names its place (line, field or column) and gives the
//! right exit status, and a bad record never stops the batch (`read = checked + rejected`).

use crate::common::*;
use pactum::{
    Batch, CurrencyError, Engine, Kind, Pack, Record, RecordError, RecordErrorKind, RefData,
    Report, read_batch,
};
use serde_json::Value;
use std::path::Path;
use std::sync::OnceLock;

/// A clean sale against the example data: a dealer selling at list price with a signed
/// purchase order (no rule of the shipped pack flags it).
const GOOD: &str = r#"{"id":"S-1","kind":"sale","date":"2026-01-05","partner":"P-DE-04","lines":[{"sku":"SEAL-200","qty":4,"unit_price":"90.00","currency":"USD","source":"oem"}],"documents":[{"kind":"purchase_order","ref":"PO-1","signed":true}]}"#;

/// [`GOOD`] with another id.
fn good(id: &str) -> String {
    GOOD.replace("\"S-1\"", &format!("\"{id}\""))
}

/// [`GOOD`] with its line's `unit_price` written as `price` (raw JSON text).
fn priced(id: &str, price: &str) -> String {
    good(id).replace(
        r#""unit_price":"90.00""#,
        &format!(r#""unit_price":{price}"#),
    )
}

/// [`GOOD`] dated `date`.
fn dated(id: &str, date: &str) -> String {
    good(id).replace("2026-01-05", date)
}

/// The shipped pack on the example data, built once.
fn example_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| engine(RefData::load(example_data_dir()).unwrap()))
}

/// What the value reader (the one the typed reader falls back to) makes of one line of
/// text.
fn by_value(text: &str) -> Result<Record, String> {
    Record::from_json_str_by_value(text).map_err(|e| e.to_string())
}

/// One line both readers must accept, as the same record.
fn read_by_both(text: &str) -> Record {
    let batch = read_batch(text.as_bytes()).unwrap();
    assert!(batch.rejected.is_empty(), "{:?}", batch.rejected);
    assert_eq!(batch.records.len(), 1);
    let typed = batch.records.into_iter().next().unwrap();
    assert_eq!(by_value(text).as_ref(), Ok(&typed));
    typed
}

/// One line both readers must reject, for the same reason, which is returned.
fn rejected_by_both(text: &str) -> String {
    let batch = read_batch(text.as_bytes()).unwrap();
    assert!(batch.records.is_empty(), "accepted: {text}");
    assert_eq!(batch.rejected.len(), 1);
    assert_eq!(batch.rejected[0].line, 1);
    let typed = batch.rejected[0].reason();
    assert_eq!(by_value(text), Err(typed.clone()));
    typed
}

/// Asserts the counts of a batch and that they add up.
fn assert_counts(batch: &Batch, records: usize, rejected: usize) {
    assert_eq!(
        (batch.records.len(), batch.rejected.len()),
        (records, rejected),
        "{:?}",
        batch.rejected
    );
    assert_eq!(batch.read(), records + rejected);
}

/// Asserts a report's counts and that they add up.
fn assert_summary(report: &Report, read: usize, checked: usize, rejected: usize) {
    let s = report.summary();
    assert_eq!((s.read, s.checked, s.rejected), (read, checked, rejected));
    assert_eq!(s.read, s.checked + s.rejected + s.deferred);
}

/// `(line, reason)` of every rejected record.
fn rejects(batch: &Batch) -> Vec<(usize, String)> {
    batch
        .rejected
        .iter()
        .map(|r| (r.line, r.reason()))
        .collect()
}

/// `pactum check --format json FILE` with extra arguments; the report is parsed when the
/// command printed one.
fn check_file(file: &Path, extra: &[&str]) -> (CliOut, Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra);
    args.push(file.to_str().unwrap());
    let out = run_cli(&args);
    let report = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    (out, report)
}

/// `pactum check --format json` over `bytes` written to a file.
fn check_bytes(bytes: &[u8]) -> (CliOut, Value) {
    let dir = tempfile::TempDir::new().unwrap();
    let file = dir.path().join("records.jsonl");
    std::fs::write(&file, bytes).unwrap();
    check_file(&file, &[])
}

/// `(read, checked, rejected)` of a JSON report.
fn counts(report: &Value) -> (u64, u64, u64) {
    let s = &report["summary"];
    let n = |k: &str| {
        s[k].as_u64()
            .unwrap_or_else(|| panic!("no {k} in {report}"))
    };
    assert_eq!(n("read"), n("checked") + n("rejected"));
    (n("read"), n("checked"), n("rejected"))
}

/// `(line, reason)` of every rejected record of a JSON report.
fn report_rejects(report: &Value) -> Vec<(usize, String)> {
    report["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap() as usize,
                r["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Whole inputs: empty, blank, BOM, CRLF, invalid UTF-8.

#[test]
fn an_empty_input_is_an_empty_batch_and_the_cli_says_no_records_read() {
    let batch = read_batch(b"").unwrap();
    assert_counts(&batch, 0, 0);
    let report = example_engine().run(&batch, None);
    assert_summary(&report, 0, 0, 0);
    assert!(report.findings().is_empty() && report.rule_errors().is_empty());
    assert_eq!(report.as_of(), None);
    let streamed = example_engine().run_stream(&b""[..], None).unwrap();
    assert_eq!(streamed.to_json(), report.to_json());

    // Issue 11: nothing to judge is said out loud, not read as a clean run.
    let (out, json) = check_bytes(b"");
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        json.is_null() && out.stderr.contains("no records read"),
        "{}",
        out.stderr
    );
    // With a date the batch-level rules judge the empty batch; the text report shows it
    // without a crash on "no dates at all".
    let dir = temp_files(&[("empty.jsonl", "")]);
    let file = dir.path().join("empty.jsonl");
    let text = run_cli(&["check", "--as-of", "2026-03-31", file.to_str().unwrap()]);
    assert_eq!(text.code, 1, "{}", text.stderr);
    assert!(
        text.stdout.contains("0 read, 0 checked, 0 rejected")
            && text.stdout.contains("pipeline.cadence"),
        "{}",
        text.stdout
    );
}

#[test]
fn blank_lines_are_not_records_and_do_not_shift_line_numbers() {
    let blank = "\n\n   \n\t\r\n\r\n";
    assert_counts(&read_batch(blank.as_bytes()).unwrap(), 0, 0);
    // Only blank lines: no records read (issue 11), exit 2.
    let (out, _) = check_bytes(blank.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("no records read"), "{}", out.stderr);

    // Lines keep their numbers in the file, blanks included.
    let input = format!("\n\n{}\n  \n{{\"id\":\"S-9\"\n\n", good("S-3"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 1, 1);
    assert_eq!(batch.lines, [3]);
    assert_eq!(batch.rejected[0].line, 5);
    let (out, json) = check_bytes(input.as_bytes());
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (2, 1, 1));
    assert_eq!(report_rejects(&json)[0].0, 5);
}

#[test]
fn a_utf8_byte_order_mark_is_skipped_at_the_start_only() {
    let input = format!("\u{feff}{}\n{}\n", good("S-1"), good("S-2"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 2, 0);
    assert_eq!(batch.records[0], read_by_both(&good("S-1")));
    let (out, json) = check_bytes(input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(counts(&json), (2, 2, 0));

    // Before a JSON array too.
    let array = format!("\u{feff}[\n{},\n{}\n]", good("S-1"), good("S-2"));
    let batch = read_batch(array.as_bytes()).unwrap();
    assert_counts(&batch, 2, 0);
    assert_eq!(batch.lines, [2, 3]);
    let (out, json) = check_bytes(array.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(counts(&json), (2, 2, 0));

    // A mark anywhere else is not whitespace: that line alone is rejected, at its place.
    let input = format!(
        "{}\n\u{feff}{}\n{}\n",
        good("S-1"),
        good("S-2"),
        good("S-3")
    );
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 2, 1);
    assert_eq!(
        rejects(&batch),
        [(2, "not valid JSON: expected value (column 1)".to_owned())]
    );
    let (_, json) = check_bytes(input.as_bytes());
    assert_eq!(counts(&json), (3, 2, 1));
    assert_eq!(report_rejects(&json), rejects(&batch));
}

#[test]
fn crlf_line_ends_read_like_lf() {
    let lf = format!("{}\n{{\"id\":\"S-2\",\n{}\n", good("S-1"), good("S-3"));
    let crlf = lf.replace('\n', "\r\n");
    let (a, b) = (
        read_batch(lf.as_bytes()).unwrap(),
        read_batch(crlf.as_bytes()).unwrap(),
    );
    assert_counts(&b, 2, 1);
    assert_eq!(a.records, b.records);
    assert_eq!(b.lines, [1, 3]);
    assert_eq!(rejects(&a), rejects(&b));
    assert_eq!(b.rejected[0].line, 2);
    assert!(
        b.rejected[0].reason().starts_with("not valid JSON: "),
        "{:?}",
        b.rejected
    );
    // The value reader takes the carriage return as JSON whitespace: same record.
    assert_eq!(by_value(&format!("{GOOD}\r")).unwrap(), a.records[0]);
    // A JSON array with CRLF line ends.
    let array = format!("[\r\n{},\r\n{}\r\n]\r\n", good("S-1"), good("S-3"));
    let c = read_batch(array.as_bytes()).unwrap();
    assert_eq!(c.records, a.records);
    assert_eq!(c.lines, [2, 3]);

    let (out, json) = check_bytes(crlf.as_bytes());
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (3, 2, 1));
    assert_eq!(report_rejects(&json), rejects(&b));
}

#[test]
fn invalid_utf8_on_one_line_rejects_that_line_and_names_the_byte() {
    let mut input = format!("{}\n", good("S-1")).into_bytes();
    // `{"id":"S-2","kind":"sale` then a stray 0xFF: byte 25 of the line.
    let bad = good("S-2");
    let at = bad.find("sale").unwrap() + 4;
    input.extend_from_slice(&bad.as_bytes()[..at]);
    input.push(0xFF);
    input.extend_from_slice(&bad.as_bytes()[at..]);
    input.push(b'\n');
    input.extend_from_slice(good("S-3").as_bytes());
    let batch = read_batch(&input).unwrap();
    assert_counts(&batch, 2, 1);
    assert_eq!(batch.lines, [1, 3]);
    let expected = format!("not valid UTF-8 text (bad byte at column {})", at + 1);
    assert_eq!(rejects(&batch), [(2, expected.clone())]);
    let report = example_engine().run(&batch, None);
    assert_summary(&report, 3, 2, 1);

    let (out, json) = check_bytes(&input);
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (3, 2, 1));
    assert_eq!(report_rejects(&json), [(2, expected)]);

    // In a JSON array (read as one document) bad UTF-8 makes the whole input unreadable,
    // with its place: exit 2.
    let mut array = b"[\n".to_vec();
    array.extend_from_slice(&input);
    array.extend_from_slice(b"\n]");
    let err = read_batch(&array).unwrap_err();
    assert_eq!((err.line, err.column), (3, at + 1));
    assert_eq!(err.message, "not valid UTF-8 text");
    let (out, _) = check_bytes(&array);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains(&format!("line 3, column {}: not valid UTF-8 text", at + 1)),
        "{}",
        out.stderr
    );
}

#[test]
fn a_json_array_that_is_not_valid_json_exits_2_with_its_place() {
    let input = format!("[\n{},\n{{\"id\":\n", good("S-1"));
    let err = read_batch(input.as_bytes()).unwrap_err();
    assert_eq!(err.line, 4);
    assert!(
        err.message.starts_with("not a valid JSON array of records"),
        "{err}"
    );
    let (out, json) = check_bytes(input.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(json.is_null());
    assert!(
        out.stderr.contains("records.jsonl: line 4, column ")
            && out.stderr.contains(": not a valid JSON array of records"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_input_error_column_counts_from_1() {
    let err = read_batch(format!("[\n{},\n{{\"id\":\n", good("S-1")).as_bytes()).unwrap_err();
    assert_eq!(err.line, 4);
    assert!(err.column >= 1, "{err}");
}

// ---------------------------------------------------------------------------------------
// Big and deep records.

/// A clean sale carrying a string attribute of `len` bytes.
fn huge(id: &str, len: usize) -> String {
    let blob = "x".repeat(len);
    good(id).replacen('{', &format!("{{\"attrs\":{{\"blob\":\"{blob}\"}},"), 1)
}

const TEN_MB: usize = 10 << 20;

#[test]
fn a_10_mb_line_is_read_whole_by_both_readers() {
    let line = huge("S-2", TEN_MB);
    let record = read_by_both(&line);
    assert_eq!(record.attrs["blob"].as_str().map(str::len), Some(TEN_MB));
    let input = format!("{}\n{line}\n{{\"id\":\n{}\n", good("S-1"), good("S-4"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 3, 1);
    assert_eq!(batch.lines, [1, 2, 4]);
    assert_eq!(batch.rejected[0].line, 3);
    let report = example_engine().run(&batch, None);
    assert_summary(&report, 4, 3, 1);
    assert!(report.findings().is_empty(), "{:?}", report.findings());
}

#[test]
fn the_cli_stream_grows_its_block_for_a_10_mb_line() {
    // A long line in the middle, a bad line after it: its number must survive the block
    // growing past the default 4 MB.
    let line = huge("S-2", TEN_MB);
    let input = format!("{}\n{line}\n{{\"id\":\n{}\n", good("S-1"), good("S-4"));
    let (out, json) = check_bytes(input.as_bytes());
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (4, 3, 1));
    let rejected = report_rejects(&json);
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0].0, 3);
    assert_eq!(
        rejected,
        rejects(&read_batch(input.as_bytes()).unwrap()),
        "the stream and the batch agree"
    );
    // The long line last, with no line end, and two of them back to back.
    let input = format!("{}\n{}\n{line}", good("S-1"), huge("S-3", TEN_MB + 7));
    let (out, json) = check_bytes(input.as_bytes());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(counts(&json), (3, 3, 0));
}

#[test]
fn a_10_mb_line_of_garbage_is_rejected_with_a_short_reason() {
    let garbage = format!("{{\"id\":\"S-2\",{}", "@".repeat(TEN_MB));
    let input = format!("{}\n{garbage}\n{}\n", good("S-1"), good("S-3"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 2, 1);
    assert_eq!(
        rejects(&batch),
        [(
            2,
            "not valid JSON: key must be a string (column 13)".to_owned()
        )]
    );
    let (out, json) = check_bytes(input.as_bytes());
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(report_rejects(&json), rejects(&batch));
}

#[test]
fn the_stream_numbers_lines_across_block_boundaries() {
    // About 6 MB of 1 KB lines: the stream cuts it into blocks; every rejected line must
    // keep its number in the file, as `read_batch` gives it.
    let pad = "p".repeat(1000);
    let mut input = String::new();
    for i in 1..=6000 {
        if i % 997 == 0 || i == 4097 {
            input.push_str(&format!("{{\"id\":\"B-{i}\",\"kind\":\"sale\"}}\n"));
        } else if i % 1500 == 0 {
            input.push_str("\r\n");
        } else {
            let r = good(&format!("S-{i}"));
            input.push_str(&r.replacen('{', &format!("{{\"pad\":\"{pad}\","), 1));
            input.push('\n');
        }
    }
    let batch = read_batch(input.as_bytes()).unwrap();
    let expected: Vec<usize> = (1..=6000).filter(|i| i % 997 == 0 || *i == 4097).collect();
    assert_eq!(
        batch.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
        expected
    );
    // A smaller pack keeps the check quick: the price rules only.
    let pack = write_tree(&[
        (
            "pack.toml",
            "name = \"p\"\nversion = \"1\"\ndescription = \"\"\n",
        ),
        (
            "price.toml",
            &std::fs::read_to_string(pack_dir().join("price.toml")).unwrap(),
        ),
    ]);
    let e = engine_with(pack.path(), RefData::load(example_data_dir()).unwrap());
    let streamed = e.run_stream(input.as_bytes(), None).unwrap();
    assert_eq!(streamed.rejected(), batch.rejected.as_slice());
    assert_eq!(streamed.to_json(), e.run(&batch, None).to_json());
    assert_summary(
        &streamed,
        6000 - 4,
        6000 - 4 - expected.len(),
        expected.len(),
    );
}

/// `depth` nested arrays.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

#[test]
fn json_nested_10000_deep_is_rejected_not_a_stack_overflow() {
    let deep = nested(10_000);
    // In `attrs`, in an unknown field, as a whole object: both readers reject.
    let in_attrs = good("S-2").replacen('{', &format!("{{\"attrs\":{{\"x\":{deep}}},"), 1);
    let unknown = good("S-3").replacen('{', &format!("{{\"x\":{deep},"), 1);
    let objects = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    for text in [&in_attrs, &unknown, &objects] {
        let batch = read_batch(text.as_bytes()).unwrap();
        assert_counts(&batch, 0, 1);
        let reason = &batch.rejected[0].reason();
        assert!(
            reason.starts_with("not valid JSON: recursion limit exceeded (column "),
            "{reason}"
        );
        let err = serde_json::from_str::<Value>(text).unwrap_err();
        assert!(err.to_string().starts_with("recursion limit exceeded"));
    }
    // Beside good records, in a batch and through the CLI.
    let input = format!("{}\n{in_attrs}\n{objects}\n{}\n", good("S-1"), good("S-4"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 2, 2);
    assert_eq!(
        batch.rejected.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 3]
    );
    let (out, json) = check_bytes(input.as_bytes());
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (4, 2, 2));
    assert_eq!(report_rejects(&json), rejects(&batch));
    // A JSON array 10,000 deep (the array input format): no crash either.
    let batch = read_batch(deep.as_bytes());
    assert!(
        batch.is_err() || batch.as_ref().is_ok_and(|b| b.records.is_empty()),
        "{batch:?}"
    );
}

#[test]
fn json_nested_10000_deep_anywhere_in_a_record_is_rejected_by_both_readers() {
    let deep = nested(10_000);
    let in_line = good("S-2").replace(
        r#""source":"oem""#,
        &format!(r#""source":"oem","note":{deep}"#),
    );
    let in_document = good("S-2").replace(r#""signed":true"#, &format!(r#""x":{deep}"#));
    let as_id = good("S-2").replace(r#""S-2""#, &deep);
    for text in [&in_line, &in_document, &as_id] {
        let batch = read_batch(text.as_bytes()).unwrap();
        assert_counts(&batch, 0, 1);
        let reason = &batch.rejected[0].reason();
        assert!(
            reason.starts_with("not valid JSON: recursion limit exceeded"),
            "{reason}"
        );
    }
}

#[test]
fn attrs_nested_as_deep_as_json_allows_are_read_and_checked() {
    // 120 levels: under serde_json's limit of 128, so the record is read, and the scripts
    // (which see `attrs`) run on it without a crash.
    let text = good("S-2").replacen('{', &format!("{{\"attrs\":{{\"x\":{}}},", nested(120)), 1);
    let record = read_by_both(&text);
    let report = example_engine().run(&Batch::from_records(vec![record]), None);
    assert_summary(&report, 1, 1, 0);
    assert!(
        report.rule_errors().is_empty(),
        "{:?}",
        report.rule_errors()
    );
    assert!(report.findings().is_empty(), "{:?}", report.findings());
}

// ---------------------------------------------------------------------------------------
// Numbers and prices.

#[test]
fn a_40_digit_price_is_rejected_naming_the_field() {
    let digits = "1234567890123456789012345678901234567890";
    for price in [digits.to_owned(), format!("\"{digits}\"")] {
        let reason = rejected_by_both(&priced("S-1", &price));
        assert!(
            reason.starts_with("field `lines[0].unit_price`: "),
            "{reason}"
        );
        assert!(reason.contains(digits), "{reason}");
    }
    // Beside a good record: the batch goes on.
    let input = format!("{}\n{}\n", priced("S-1", digits), good("S-2"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 1, 1);
    assert_eq!(batch.rejected[0].line, 1);
    let (out, json) = check_bytes(input.as_bytes());
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (2, 1, 1));
}

#[test]
fn a_40_digit_price_is_rejected_for_its_digits_not_as_not_a_number() {
    let digits = "1234567890123456789012345678901234567890";
    let reason = rejected_by_both(&priced("S-1", digits));
    assert_eq!(
        reason,
        format!(
            "field `lines[0].unit_price`: `{digits}` has more digits than can be held exactly (28 significant digits always fit)"
        )
    );
}

#[test]
fn the_most_digits_a_price_holds_are_read_exactly() {
    // 28 places after the point, and 29 digits below 2^96: both fit exactly.
    for price in [
        "1.2345678901234567890123456789",
        "12345678901234567890123456789",
    ] {
        let r = read_by_both(&priced("S-1", price));
        assert_eq!(r.lines[0].unit_price.to_string(), price);
    }
    // One place more is reported as digits that cannot be held.
    let reason = rejected_by_both(&priced("S-1", "0.00000000000000000000000000001"));
    assert_eq!(
        reason,
        "field `lines[0].unit_price`: `0.00000000000000000000000000001` has more digits than can be held exactly (28 significant digits always fit)"
    );
}

#[test]
fn a_price_with_an_exponent_is_read_exactly() {
    for price in ["1.5e2", "1.5E2", "15e1", "1500e-1", "\"1.5e2\""] {
        let r = read_by_both(&priced("S-1", price));
        assert_eq!(r.lines[0].unit_price, dec("150"), "{price}");
    }
    // Judged as the number it is: 150 is above SEAL-200's list price (clean), 8.1e1 = 81
    // below it.
    let r = read_by_both(&priced("S-1", "1.5e2"));
    assert!(example_engine().check(&r).is_clean());
    let r = read_by_both(&priced("S-1", "8.1e1"));
    let f = check_rule(example_engine(), &r, "price.min-list");
    assert_eq!(f.len(), 1);
    assert_eq!(
        (f[0].expected.as_str(), f[0].actual.as_str()),
        ("90.00", "81.00")
    );
    // An exponent out of range is a reason, never an infinity or a crash.
    let reason = rejected_by_both(&priced("S-1", "\"1e400\""));
    assert_eq!(
        reason,
        "field `lines[0].unit_price`: `1e400` is out of the range a price can hold exactly"
    );
}

#[test]
fn a_number_with_an_exponent_is_quoted_the_same_by_both_readers() {
    // A rejected record's reason always comes from the value reader, which quotes a JSON
    // number with serde_json's spelling of its exponent (`1e+400` for `1e400`).
    let reason = rejected_by_both(&priced("S-1", "1e400"));
    assert_eq!(
        reason,
        "field `lines[0].unit_price`: `1e+400` is out of the range a price can hold exactly"
    );
    let reason = rejected_by_both(&good("S-1").replace(r#""qty":4"#, r#""qty":1e2"#));
    assert_eq!(
        reason,
        "field `lines[0].qty`: expected a whole number other than 0, but found `1e+2`"
    );
}

#[test]
fn negative_prices_are_rejected_and_zero_is_a_price() {
    for (price, shown) in [("-3", "-3"), ("\"-0.01\"", "-0.01"), ("-1.5e2", "-150")] {
        let reason = rejected_by_both(&priced("S-1", price));
        assert_eq!(
            reason,
            format!("field `lines[0].unit_price`: a price cannot be negative, but found `{shown}`")
        );
    }
    for zero in ["0", "-0", "\"-0.00\"", "0.0"] {
        let r = read_by_both(&priced("S-1", zero));
        assert!(r.lines[0].unit_price.is_zero());
    }
    // The second line's price is named as such.
    let two = good("S-1").replace(
        r#"}],"documents""#,
        r#"},{"sku":"PUMP-10","qty":1,"unit_price":"-1200.00","currency":"USD","source":"oem"}],"documents""#,
    );
    assert_eq!(
        rejected_by_both(&two),
        "field `lines[1].unit_price`: a price cannot be negative, but found `-1200.00`"
    );
}

#[test]
fn quantities_must_be_whole_and_not_zero() {
    for (qty, found) in [
        ("0", "`0`"),
        ("-0", "`-0`"),
        ("-4294967296", "`-4294967296`"),
        ("1.5", "`1.5`"),
        ("4294967296", "`4294967296`"),
        ("\"4\"", "a string"),
        ("true", "a boolean"),
    ] {
        let text = good("S-1").replace(r#""qty":4"#, &format!(r#""qty":{qty}"#));
        assert_eq!(
            rejected_by_both(&text),
            format!(
                "field `lines[0].qty`: expected a whole number other than 0, but found {found}"
            )
        );
    }
}

#[test]
fn a_return_is_a_sale_line_below_zero_and_nothing_else_may_have_one() {
    let sale = read_by_both(&good("S-1").replace(r#""qty":4"#, r#""qty":-4"#));
    assert_eq!(sale.lines[0].qty.get(), -4);
    assert!(sale.lines[0].qty.is_return());
    let purchase = good("P-1")
        .replace(r#""kind":"sale""#, r#""kind":"purchase""#)
        .replace(r#""qty":4"#, r#""qty":-4"#);
    assert_eq!(
        rejected_by_both(&purchase),
        "field `lines[0].qty`: a quantity below 0 (a return) is allowed only on a sale, but found `-4` on a purchase"
    );
}

#[test]
fn credit_notes_and_claims_name_what_they_refer_to() {
    let credit = good("CN-1").replace(r#""kind":"sale""#, r#""kind":"credit_note""#);
    assert_eq!(
        rejected_by_both(&credit),
        "missing required field `invoice`"
    );
    let credit = read_by_both(&credit.replace(r#""kind""#, r#""invoice":"S-1","kind""#));
    assert_eq!(credit.kind, Kind::CreditNote);
    assert_eq!(credit.invoice.as_deref(), Some("S-1"));
    let claim = good("CL-1").replace(r#""kind":"sale""#, r#""kind":"claim","invoice":"S-1""#);
    assert_eq!(
        rejected_by_both(&claim),
        "missing required field `agreement`"
    );
    let claim = read_by_both(&claim.replace(r#""kind""#, r#""agreement":"SPA-1","kind""#));
    assert_eq!(claim.kind, Kind::Claim);
}

#[test]
fn an_order_date_is_not_after_the_invoice_date() {
    let ordered = |day: &str| {
        good("S-1").replace(
            r#""kind":"sale""#,
            &format!(r#""kind":"sale","order_date":"{day}""#),
        )
    };
    // GOOD is dated 2026-01-05.
    let sale = read_by_both(&ordered("2026-01-02"));
    assert_eq!(sale.order_date, Some(d("2026-01-02")));
    assert_eq!(
        read_by_both(&ordered("2026-01-05")).order_date,
        Some(d("2026-01-05"))
    );
    assert_eq!(
        rejected_by_both(&ordered("2026-01-06")),
        "field `order_date`: the order date 2026-01-06 is after the record's date 2026-01-05; an order comes before its invoice"
    );
}

// ---------------------------------------------------------------------------------------
// Duplicate ids.

#[test]
fn duplicate_ids_in_a_batch_identical_copies_once_different_records_none() {
    let other = good("S-1").replace("\"qty\":4", "\"qty\":5");
    let input = format!(
        "{}\n{}\n{}\n{}\n{other}\n",
        good("S-1"),
        good("S-2"),
        good("S-1"),
        good("S-2").replace("\"qty\":4", "\"qty\":5")
    );
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 0, 5);
    let input = format!("{}\n{}\n{}\n", good("S-1"), good("S-2"), good("S-1"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 2, 1);
    assert_eq!(
        rejects(&batch),
        [(
            3,
            "record id `S-1` repeats the identical record on line 1; checked once".to_owned()
        )]
    );
    let report = example_engine().run(&batch, None);
    assert_summary(&report, 3, 2, 1);

    let input = format!("{}\n{}\n{other}\n", good("S-1"), good("S-2"));
    let batch = read_batch(input.as_bytes()).unwrap();
    assert_counts(&batch, 1, 2);
    let reason =
        "record id `S-1` is used by 2 different records (lines 1, 3); none of them was checked";
    assert_eq!(
        rejects(&batch),
        [(1, reason.to_owned()), (3, reason.to_owned())]
    );
    assert_summary(&example_engine().run(&batch, None), 3, 1, 2);
}

#[test]
fn duplicate_ids_in_the_cli_stream_the_first_is_checked_and_the_second_rejected() {
    let other = good("S-1").replace("\"qty\":4", "\"qty\":5");
    let input = format!(
        "{}\n{}\n{other}\n{}\n",
        good("S-1"),
        good("S-2"),
        good("S-2")
    );
    let (out, json) = check_bytes(input.as_bytes());
    // A rejected record is never a pass: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (4, 2, 2));
    assert_eq!(
        report_rejects(&json),
        [
            (
                3,
                "record id `S-1` was already used by a different record on line 1, which was checked; this one was not".to_owned()
            ),
            (
                4,
                "record id `S-2` repeats the identical record on line 2; checked once".to_owned()
            )
        ]
    );
    // The library's stream says the same.
    let report = example_engine().run_stream(input.as_bytes(), None).unwrap();
    assert_eq!(
        report.rejected().iter().map(|r| r.line).collect::<Vec<_>>(),
        [3, 4]
    );
    assert_summary(&report, 4, 2, 2);
}

#[test]
fn the_stream_calls_an_identical_record_in_other_spacing_a_copy() {
    let spaced = good("S-1").replace("\",\"", "\", \"");
    assert_eq!(read_by_both(&spaced), read_by_both(&good("S-1")));
    let input = format!("{}\n{spaced}\n", good("S-1"));
    let report = example_engine().run_stream(input.as_bytes(), None).unwrap();
    assert_eq!(
        report.rejected()[0].reason(),
        "record id `S-1` repeats the identical record on line 1; checked once"
    );
}

// ---------------------------------------------------------------------------------------
// Dates.

#[test]
fn dates_out_of_range_or_not_on_the_calendar_are_rejected_naming_the_field() {
    for (date, why) in [
        ("99999-01-01", ""),
        ("2026-13-01", ": there is no such month"),
        ("2026-02-30", ": there is no such day"),
        ("2026-00-10", ": there is no such month"),
        ("2026-1-01", ""),
        ("-001-01-01", ""),
    ] {
        assert_eq!(
            rejected_by_both(&dated("S-1", date)),
            format!("field `date`: expected a date like `2026-03-14`, but found `{date}`{why}")
        );
    }
    for text in [
        good("S-1").replace(r#""date":"2026-01-05","#, ""),
        good("S-1").replace(r#""2026-01-05""#, "20260105"),
    ] {
        let reason = rejected_by_both(&text);
        assert!(
            reason == "missing required field `date`"
                || reason == "field `date`: expected a string, but found a number",
            "{reason}"
        );
    }
}

#[test]
fn the_calendar_ends_year_0_and_9999_are_dates_the_engine_handles() {
    // Year 0000 (proleptic Gregorian) and 9999 are real dates: read, and checked without a
    // crash in any date arithmetic (cadence windows, lead times, as-of).
    let first = read_by_both(&dated("S-1", "0000-01-01"));
    let last = read_by_both(&dated("S-2", "9999-12-31"));
    assert_eq!(first.date.to_string(), "0000-01-01");
    let update = update("U-1", "P-SA-06", "9999-12-31", "OPP-1");
    let sale = record(
        &good("S-3")
            .replace("P-DE-04", "P-SA-06")
            .replace("2026-01-05", "0000-01-08")
            .replace(r#""lines""#, r#""opportunity":"OPP-1","lines""#),
    );
    let batch = Batch::from_records(vec![first, last, update, sale]);
    // As of the first day, the three records dated after it are deferred.
    for (report, checked) in [
        (example_engine().run(&batch, None), 4),
        (
            example_engine().run_parallel(&batch, Some(d("9999-12-31"))),
            4,
        ),
        (example_engine().run(&batch, Some(d("0000-01-01"))), 1),
    ] {
        assert_summary(&report, 4, checked, 0);
        assert!(!report.findings().is_empty());
        let _ = report.to_text();
    }
    let input = format!(
        "{}\n{}\n",
        dated("S-1", "0000-01-01"),
        dated("S-2", "9999-12-31")
    );
    let (out, json) = check_bytes(input.as_bytes());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(counts(&json), (2, 2, 0));
    assert_eq!(json["as_of"], "9999-12-31");
}

// ---------------------------------------------------------------------------------------
// Other fields of the wrong type: the reason names the field.

#[test]
fn fields_of_the_wrong_type_are_named() {
    let cases = [
        (
            good("S-1").replace(r#""partner":"P-DE-04""#, r#""partner":7"#),
            "field `partner`: expected a string, but found a number",
        ),
        (
            good("S-1").replace(r#""partner":"P-DE-04""#, r#""partner":" ""#),
            "missing required field `partner`",
        ),
        (
            good("S-1").replacen('{', r#"{"region":["US"],"#, 1),
            "field `region`: expected a string, but found a list",
        ),
        (
            good("S-1").replace(r#""USD""#, r#""usd""#),
            "field `lines[0].currency`: expected a three-letter ISO 4217 code like `USD`, but found `usd`",
        ),
        (
            good("S-1").replace(r#""signed":true"#, r#""signed":"yes""#),
            "field `documents[0].signed`: expected true or false, but found a string",
        ),
        (
            good("S-1").replace(r#""lines":["#, r#""lines":[null,"#),
            "field `lines[0]`: expected an object, but found null",
        ),
        (
            good("S-1").replacen('{', r#"{"attrs":[1],"#, 1),
            "field `attrs`: expected an object, but found a list",
        ),
        (
            good("S-1").replace(r#""documents":["#, r#""documents":{"a":1},"x":["#),
            "field `documents`: expected a list, but found an object",
        ),
        (
            "\"S-1\"".to_owned(),
            "expected a record object, but found a string",
        ),
        (
            "1.5".to_owned(),
            "expected a record object, but found a number",
        ),
        (
            good("S-1").replace(r#""lines":["#, r#""lines":[1.5,"#),
            "field `lines[0]`: expected an object, but found a number",
        ),
        (
            "null".to_owned(),
            "expected a record object, but found null",
        ),
    ];
    for (text, reason) in cases {
        assert_eq!(rejected_by_both(&text), reason, "{text}");
    }
}

#[test]
fn a_whole_number_where_an_object_or_list_belongs_is_named_by_both_readers() {
    let cases = [
        (
            "42".to_owned(),
            "expected a record object, but found a number",
        ),
        (
            "-1".to_owned(),
            "expected a record object, but found a number",
        ),
        (
            good("S-1").replace(r#""lines":[{"sku""#, r#""lines":[7,{"sku""#),
            "field `lines[0]`: expected an object, but found a number",
        ),
        (
            good("S-1").replace(r#""documents":["#, r#""documents":5,"x":["#),
            "field `documents`: expected a list, but found a number",
        ),
    ];
    for (text, reason) in cases {
        assert_eq!(rejected_by_both(&text), reason, "{text}");
    }
}

#[test]
fn a_price_that_is_not_a_number_is_never_called_out_of_range() {
    for bad in ["12e", "1e5.5", "e5", "1-e2"] {
        assert_eq!(
            rejected_by_both(&priced("S-1", &format!("\"{bad}\""))),
            format!(
                "field `lines[0].unit_price`: expected a decimal number like `12.50`, but found `{bad}`"
            )
        );
    }
}

#[test]
fn a_record_with_two_problems_gets_the_same_reason_from_both_readers() {
    rejected_by_both(r#"{"lines":[{"qty":0}]}"#);
}

#[test]
fn a_key_given_twice_is_rejected_the_same_by_both_readers() {
    // Issue 11: a key given twice is refused (it used to keep its last value).
    let head = r#"{"id":"S","kind":"sale","date":"2026-01-01","partner":"P""#;
    for (text, field) in [
        (format!(r#"{head},"x":1,"x":2}}"#), "`x`"),
        (
            format!(r#"{head},"lines":[{{"qty":0}}],"lines":[]}}"#),
            "`lines`",
        ),
        (format!(r#"{head},"attrs":1,"attrs":{{}}}}"#), "`attrs`"),
    ] {
        let reason = rejected_by_both(&text);
        assert!(
            reason.contains(field) && reason.contains("given twice"),
            "{reason}"
        );
    }
}

#[test]
fn a_lone_surrogate_escape_is_not_valid_json_to_both_readers() {
    for text in [
        good("S-1").replace(r#""S-1""#, r#""\ud800""#),
        good("S-1").replace(r#""source":"oem""#, r#""source":"oem","note":"\udc00""#),
    ] {
        assert!(serde_json::from_str::<Value>(&text).is_err());
        let batch = read_batch(text.as_bytes()).unwrap();
        assert_counts(&batch, 0, 1);
        assert!(
            batch.rejected[0].reason().starts_with("not valid JSON"),
            "{:?}",
            batch.rejected
        );
    }
}

// ---------------------------------------------------------------------------------------
// A missing or unreadable input file.

#[test]
fn a_missing_input_file_exits_2_with_a_message() {
    let dir = tempfile::TempDir::new().unwrap();
    let missing = dir.path().join("nope.jsonl");
    let (out, json) = check_file(&missing, &[]);
    assert_eq!(out.code, 2);
    assert!(json.is_null() && out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(&format!(
            "error: cannot read records from `{}`: ",
            missing.display()
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("No such file"), "{}", out.stderr);
}

#[test]
fn a_directory_given_as_the_input_file_exits_2_with_a_message() {
    let dir = tempfile::TempDir::new().unwrap();
    let (out, _) = check_file(dir.path(), &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr.contains(&format!(
            "error: {}: cannot read the records: ",
            dir.path().display()
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("Is a directory"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------
// Reference data.

/// The example data in a temporary folder, with `file` replaced by `text` (or removed when
/// `None`).
fn data_with(file: &str, text: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    for (name, original) in example_csvs() {
        if name == file {
            if let Some(t) = text {
                std::fs::write(dir.path().join(&name), t).unwrap();
            }
        } else {
            std::fs::write(dir.path().join(&name), original).unwrap();
        }
    }
    dir
}

fn example_csv(file: &str) -> String {
    std::fs::read_to_string(example_data_dir().join(file)).unwrap()
}

/// `(file name, line, column, message)` of every problem of a failed load.
fn problems(e: &pactum::LoadError) -> Vec<(String, usize, usize, String)> {
    e.diagnostics()
        .iter()
        .map(|d| {
            let l = d.location();
            (
                l.file()
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                l.line(),
                l.column(),
                d.message().to_owned(),
            )
        })
        .collect()
}

/// `pactum check --data DIR` over the example records.
fn check_with_data(dir: &Path) -> CliOut {
    run_cli(&["check", "--data", dir.to_str().unwrap()])
}

#[test]
fn a_reference_file_missing_a_column_exits_2_naming_it() {
    let partners = example_csv("partners.csv").replacen(",status", "", 1);
    let dir = data_with("partners.csv", Some(&partners));
    let e = RefData::load(dir.path()).unwrap_err();
    assert_eq!(
        problems(&e),
        [(
            "partners.csv".to_owned(),
            1,
            1,
            "missing column `status`; the header has `id`, `type`, `region`, `contract_signed`, `nda_expires`, `certified_until`, `status_since`, `jurisdiction`".to_owned()
        )]
    );
    let out = check_with_data(dir.path());
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr.contains(&format!(
            "{}:1:1: missing column `status`",
            dir.path().join("partners.csv").display()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn extra_columns_and_quoted_commas_are_fine() {
    // An extra column at the front and one at the end, and a description with a comma.
    let catalog: String = example_csv("catalog.csv")
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("row,{l},owner\n")
            } else if l.starts_with("SEAL-200,") {
                format!("{i},SEAL-200,true,\"Shaft seal kit, with \"\"O\"\" ring\",x\n")
            } else {
                format!("{i},{l},x\n")
            }
        })
        .collect();
    let dir = data_with("catalog.csv", Some(&catalog));
    let data = RefData::load(dir.path()).unwrap();
    let item = data.catalog_item("SEAL-200").unwrap();
    assert!(item.genuine);
    assert_eq!(item.description, "Shaft seal kit, with \"O\" ring");
    let original = RefData::load(example_data_dir()).unwrap();
    assert_eq!(
        data.catalog_item("PUMP-10"),
        original.catalog_item("PUMP-10")
    );
    assert_eq!(
        data.catalog_item("SEAL-200-AM"),
        original.catalog_item("SEAL-200-AM")
    );
    let out = check_with_data(dir.path());
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn a_reference_file_with_only_its_header_has_no_rows() {
    for (file, header) in [
        (
            "price_list.csv",
            "sku,list_price,currency,effective_from,effective_to\n",
        ),
        ("catalog.csv", "sku,genuine,description"),
        ("approved_sources.csv", "source,name\r\n"),
        (
            "partners.csv",
            "id,type,region,status,contract_signed,nda_expires,certified_until\n\n",
        ),
        ("installed_base.csv", "partner,region,assets\n"),
    ] {
        let dir = data_with(file, Some(header));
        let data = RefData::load(dir.path()).unwrap_or_else(|e| panic!("{file}: {e}"));
        match file {
            "price_list.csv" => assert!(data.prices_of("SEAL-200").is_empty()),
            "catalog.csv" => assert!(data.catalog_item("SEAL-200").is_none()),
            "approved_sources.csv" => assert!(!data.is_approved_source("oem")),
            "partners.csv" => assert!(data.partners().is_empty()),
            _ => assert!(data.installed_base().is_empty()),
        }
        // Checking the example records against it works, and finds more.
        let e = engine(data);
        let text = std::fs::read_to_string(root().join("examples/records.jsonl")).unwrap();
        let report = e.run(&batch_of(&text), None);
        assert_eq!(report.summary().rejected, 0);
        let out = check_with_data(dir.path());
        assert_eq!(out.code, 1, "{file}: {}", out.stderr);
    }
    // The optional file may be missing altogether.
    let dir = data_with("installed_base.csv", None);
    assert!(RefData::load(dir.path()).is_ok());
}

#[test]
fn a_bad_reference_row_exits_2_naming_file_line_and_column() {
    // Line 4 of price_list.csv (`SEAL-200,83.00,EUR,...`) gets a price that is not one,
    // line 3 of partners.csv a bad date in `nda_expires` (column 6), line 4 of catalog.csv a
    // missing field.
    let prices = example_csv("price_list.csv").replacen("83.00", "abc", 1);
    let partners = example_csv("partners.csv").replacen("2028-06-01", "2028-06-31", 1);
    let catalog = example_csv("catalog.csv").replacen("FILTER-5,true,", "FILTER-5,", 1);
    let dir = data_with("price_list.csv", Some(&prices));
    std::fs::write(dir.path().join("partners.csv"), &partners).unwrap();
    std::fs::write(dir.path().join("catalog.csv"), &catalog).unwrap();
    let e = RefData::load(dir.path()).unwrap_err();
    let found = problems(&e);
    let expect = [
        (
            "price_list.csv",
            4,
            2,
            "column `list_price`: expected a decimal number like `12.50`, but found `abc`",
        ),
        (
            "catalog.csv",
            4,
            3,
            "expected 3 fields as in the header, but found 2",
        ),
        (
            "partners.csv",
            3,
            6,
            "column `nda_expires`: expected a date like `2026-03-14`, but found `2028-06-31`: there is no such day",
        ),
    ];
    for (file, line, column, message) in expect {
        assert!(
            found.contains(&(file.to_owned(), line, column, message.to_owned())),
            "{file}:{line}:{column}: {message} not in {found:?}"
        );
    }
    assert_eq!(found.len(), 3, "{found:?}");
    let out = check_with_data(dir.path());
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    for (file, line, column, message) in expect {
        let place = format!(
            "{}:{line}:{column}: {message}",
            dir.path().join(file).display()
        );
        assert!(out.stderr.contains(&place), "{place} not in {}", out.stderr);
    }
    assert!(out.stderr.contains("3 problems found"), "{}", out.stderr);
}

#[test]
fn an_empty_or_missing_reference_file_exits_2_naming_it() {
    let dir = data_with("catalog.csv", Some(""));
    let e = RefData::load(dir.path()).unwrap_err();
    let found = problems(&e);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1), ("catalog.csv", 1));
    assert!(found[0].3.starts_with("the file is empty"), "{found:?}");
    let dir = data_with("approved_sources.csv", None);
    let e = RefData::load(dir.path()).unwrap_err();
    assert!(
        problems(&e)[0]
            .3
            .starts_with("required reference file `approved_sources.csv` is missing"),
        "{e}"
    );
    assert_eq!(check_with_data(dir.path()).code, 2);
    let out = run_cli(&["check", "--data", "no/such/folder"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("reference data folder `no/such/folder` does not exist"),
        "{}",
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Rule packs.

/// `pactum validate DIR`.
fn validate(dir: &Path) -> CliOut {
    run_cli(&["validate", dir.to_str().unwrap()])
}

#[test]
fn a_pack_with_an_empty_rule_file_fails_validation_at_its_place() {
    let pack = pack_copy(&[]);
    std::fs::write(pack.path().join("empty.toml"), "").unwrap();
    let e = Pack::load(pack.path()).unwrap_err();
    assert_eq!(
        problems(&e),
        [(
            "empty.toml".to_owned(),
            1,
            1,
            "a rule file must define at least one `[[rule]]`".to_owned()
        )]
    );
    let out = validate(pack.path());
    assert_eq!(out.code, 2);
    let place = format!(
        "{}:1:1: a rule file must",
        pack.path().join("empty.toml").display()
    );
    assert!(out.stderr.contains(&place), "{}", out.stderr);
    assert!(out.stderr.contains("1 problem found"), "{}", out.stderr);
    // Comments only count as empty too.
    std::fs::write(pack.path().join("empty.toml"), "# nothing yet\n\n").unwrap();
    assert_eq!(problems(&Pack::load(pack.path()).unwrap_err()).len(), 1);
}

#[test]
fn a_rule_file_that_is_not_toml_fails_validation_at_its_place() {
    let pack = pack_copy(&[]);
    let text = "[[rule]]\nid = \"x.y\"\ntitle = this is not toml\n";
    std::fs::write(pack.path().join("broken.toml"), text).unwrap();
    let e = Pack::load(pack.path()).unwrap_err();
    let found = problems(&e);
    assert_eq!(found.len(), 1, "{found:?}");
    let (file, line, column, _) = &found[0];
    assert_eq!((file.as_str(), *line, *column), ("broken.toml", 3, 9));
    let out = validate(pack.path());
    assert_eq!(out.code, 2);
    let place = format!("{}:3:9: ", pack.path().join("broken.toml").display());
    assert!(out.stderr.contains(&place), "{}", out.stderr);
    // Binary junk, not even UTF-8: still a located problem, never a crash.
    std::fs::write(pack.path().join("broken.toml"), b"\xff\xfe\x00rule").unwrap();
    let e = Pack::load(pack.path()).unwrap_err();
    assert_eq!(problems(&e).len(), 1, "{e}");
    assert_eq!(problems(&e)[0].0, "broken.toml");
    assert_eq!(validate(pack.path()).code, 2);
}

#[test]
fn a_rule_naming_a_script_that_does_not_exist_fails_validation_at_its_place() {
    let pack = pack_copy(&[(
        "partner.toml",
        "file = \"scripts/partner_active.rhai\"",
        "file = \"scripts/nope.rhai\"",
    )]);
    let line = line_of(pack.path(), "partner.toml", "scripts/nope.rhai");
    let e = Pack::load(pack.path()).unwrap_err();
    assert_eq!(
        problems(&e),
        [(
            "partner.toml".to_owned(),
            line,
            8,
            format!(
                "script `scripts/nope.rhai` does not exist in `{}`",
                pack.path().display()
            )
        )]
    );
    let out = validate(pack.path());
    assert_eq!(out.code, 2);
    let place = format!(
        "{}:{line}:8: script `scripts/nope.rhai` does not exist",
        pack.path().join("partner.toml").display()
    );
    assert!(out.stderr.contains(&place), "{}", out.stderr);
    // The same pack given to `check` stops before any record: exit 2, no report.
    let out = run_cli(&["check", "--rules", pack.path().to_str().unwrap()]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
}

// ---------------------------------------------------------------------------------------
// Totals too large to hold.

#[test]
fn an_overflowing_total_is_one_rule_error_whichever_way_the_batch_is_run() {
    let max = "79228162514264337593543950335";
    let text = format!(
        "{}\n{}\n",
        priced("S-1", max).replace("\"qty\":4", "\"qty\":2"),
        priced("S-2", max).replace("\"qty\":4", "\"qty\":2")
    );
    let batch = batch_of(&text);
    let e = example_engine();
    let (run, parallel) = (e.run(&batch, None), e.run_parallel(&batch, None));
    assert_eq!(
        parallel.rule_errors().len(),
        1,
        "{:?}",
        parallel.rule_errors()
    );
    assert_eq!(run.rule_errors(), parallel.rule_errors());
    assert_eq!(run.to_json(), parallel.to_json());
}

#[test]
fn an_overflowing_total_is_a_rule_error_never_a_crash_or_a_pass() {
    let max = "79228162514264337593543950335";
    let text = format!("{}\n", priced("S-1", max).replace("\"qty\":4", "\"qty\":2"));
    let batch = batch_of(&text);
    let e = example_engine();
    for report in [e.run(&batch, None), e.run_parallel(&batch, None)] {
        assert_summary(&report, 1, 1, 0);
        let errors = report.rule_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(&*errors[0].rule, "aftermarket.sales-per-asset");
        assert_eq!(
            errors[0].reason,
            "the total of partner P-DE-04 is too large to hold exactly; it was not judged"
        );
        assert_eq!(errors[0].kind, pactum::RuleErrorKind::Overflow);
    }
    let (out, json) = check_bytes(text.as_bytes());
    // A warning rule could not run: not a failure at the default `--fail-on error`.
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(json["summary"]["rule_errors"], 1);
}

// ---------------------------------------------------------------------------------------
// Records built in Rust are refused for what the reader refuses, with the same error.

/// [`GOOD`] built in Rust, with its line's quantity, price and currency given.
fn good_built(qty: i64, unit_price: &str, currency: &str) -> Result<Record, RecordError> {
    Record::builder("S-1", Kind::Sale, d("2026-01-05"), "P-DE-04")
        .line_from("SEAL-200", qty, dec(unit_price), currency, "oem")
        .document("purchase_order", Some("PO-1"), true)
        .build()
}

/// The reader's error for [`GOOD`] with `from` replaced by `to`.
fn read_error(from: &str, to: &str) -> RecordError {
    Record::from_json_str(&GOOD.replace(from, to)).unwrap_err()
}

#[test]
fn a_record_built_in_rust_is_the_record_the_reader_reads() {
    let built = good_built(4, "90.00", "USD").unwrap();
    assert_eq!(built, read_by_both(GOOD));
    assert!(example_engine().check(&built).is_clean());
}

#[test]
fn a_record_built_in_rust_is_refused_as_the_reader_refuses_it() {
    let cases = [
        (
            good_built(0, "90.00", "USD"),
            read_error(r#""qty":4"#, r#""qty":0"#),
            "lines[0].qty",
            "field `lines[0].qty`: expected a whole number other than 0, but found `0`",
        ),
        (
            good_built(4, "-1", "USD"),
            read_error(r#""unit_price":"90.00""#, r#""unit_price":"-1""#),
            "lines[0].unit_price",
            "field `lines[0].unit_price`: a price cannot be negative, but found `-1`",
        ),
        (
            good_built(4, "90.00", "usd"),
            read_error(r#""USD""#, r#""usd""#),
            "lines[0].currency",
            "field `lines[0].currency`: expected a three-letter ISO 4217 code like `USD`, but found `usd`",
        ),
        (
            good_built(4, "90.00", "ZZZ"),
            read_error(r#""USD""#, r#""ZZZ""#),
            "lines[0].currency",
            "field `lines[0].currency`: `ZZZ` is not an ISO 4217 currency code",
        ),
    ];
    for (built, read, field, message) in cases {
        let built = built.unwrap_err();
        assert_eq!(built, read);
        assert_eq!(built.field(), Some(field));
        assert_eq!(built.to_string(), message);
    }
    // The three faults of the issue together: the first, in the reader's order, is named.
    let all = Record::builder("S-1", Kind::Sale, d("2026-01-05"), "P-DE-04")
        .line("SEAL-200", 0, dec("-1"), "usd")
        .build()
        .unwrap_err();
    assert!(matches!(all.kind(), RecordErrorKind::NotPositive { .. }));
}

#[test]
fn a_currency_outside_iso_4217_is_rejected_naming_the_field() {
    for (code, kind) in [
        ("ZZZ", "unknown"),
        ("usd", "not a code"),
        ("US", "not a code"),
    ] {
        let text = good("S-1").replace(r#""USD""#, &format!("\"{code}\""));
        let reason = rejected_by_both(&text);
        assert!(
            reason.starts_with("field `lines[0].currency`: "),
            "{reason}"
        );
        let error = Record::from_json_str(&text).unwrap_err();
        match (error.kind(), kind) {
            (RecordErrorKind::Currency(CurrencyError::Unknown { found }), "unknown")
            | (RecordErrorKind::Currency(CurrencyError::NotACode { found }), "not a code") => {
                assert_eq!(found, code)
            }
            other => panic!("{other:?}"),
        }
    }
    // A record in a real currency other than the one of the price list reads fine.
    read_by_both(&good("S-1").replace(r#""USD""#, r#""JPY""#));
}

#[test]
fn record_errors_carry_the_field_and_what_is_wrong() {
    let e = Record::from_json_str(&GOOD.replace(r#""date":"2026-01-05","#, "")).unwrap_err();
    assert_eq!(
        (e.field(), e.kind()),
        (Some("date"), &RecordErrorKind::Missing)
    );
    let e = Record::from_json_str("not json").unwrap_err();
    assert_eq!(e.field(), None);
    assert!(
        matches!(e.kind(), RecordErrorKind::Json { column: 2, .. }),
        "{e:?}"
    );
    let batch = read_batch(format!("{GOOD}\n{GOOD}").as_bytes()).unwrap();
    assert_eq!(batch.rejected[0].error.duplicate_id(), Some("S-1"));
    assert_eq!(
        batch.rejected[0].error.field(),
        Some("id"),
        "{:?}",
        batch.rejected[0]
    );
}
