//! Records: any bytes as a batch (JSON Lines or a JSON array), read, then checked by the
//! shipped pack over the example data, in one pass and as a stream.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let engine = common::std_engine();
    if let Ok(batch) = pactum::read_batch(data) {
        let report = engine.run(&batch, None);
        // Documented: every record read is either checked or rejected.
        assert_eq!(report.summary().read, batch.read());
        std::hint::black_box(report.to_text());
        std::hint::black_box(report.to_json());
        let mut jsonl = Vec::new();
        report.write_jsonl(&mut jsonl).expect("writing to a Vec");
    }
    if let Ok(report) = engine.run_stream(data, None) {
        std::hint::black_box(report.to_text());
    }
});
