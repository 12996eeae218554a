//! `ReadOptions::progress` (issue 16): the records a stream has read, kept or rejected,
//! whatever the input's shape, so a progress bar ends on the summary's `read`.

use crate::common::*;
use pactum::{ReadOptions, ReadProgress};

fn counted(input: &str, max_line_bytes: usize) -> (u64, usize) {
    let engine = engine(refdata());
    let progress = ReadProgress::default();
    let mut options = ReadOptions::default();
    options.max_line_bytes = max_line_bytes;
    options.progress = Some(progress.clone());
    let report = engine
        .run_stream_with(input.as_bytes(), None, &options)
        .unwrap();
    (progress.records(), report.summary().read)
}

#[test]
fn every_record_read_is_counted_kept_or_rejected() {
    let good = r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-SI-07"}"#;
    let long = format!(
        r#"{{"id":"S-3","kind":"sale","date":"2026-03-14","partner":"P-SI-07","note":"{}"}}"#,
        "x".repeat(300)
    );
    let lines = format!("{good}\n\nnot json\n{long}\n{good}\n");
    assert_eq!(counted(&lines, 200), (4, 4));
    let array = format!("[{good},\n{}]", good.replace("S-1", "S-2"));
    assert_eq!(counted(&array, 200), (2, 2));
}
