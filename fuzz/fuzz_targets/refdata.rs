//! Reference data: the first byte picks one of the five CSV files, the rest is its
//! content; the other four are the examples. When the folder loads, the shipped pack
//! checks a few example records against it.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let pick = usize::from(pick) % common::REF_FILES.len();
    let dir = common::scratch();
    for (i, (name, example)) in common::REF_FILES
        .iter()
        .zip(common::example_files())
        .enumerate()
    {
        let bytes = if i == pick { content } else { example };
        common::write(&dir.path().join(name), bytes);
    }
    if let Ok(refdata) = pactum::RefData::load(dir.path()) {
        if let Ok(engine) = pactum::Engine::new(common::std_pack().clone(), refdata) {
            let batch = pactum::Batch::from_records(common::sample_records().to_vec());
            let report = engine.run(&batch, None);
            std::hint::black_box(report.to_text());
        }
    }
});
