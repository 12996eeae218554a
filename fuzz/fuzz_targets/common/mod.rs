//! What the fuzz targets share: the shipped pack and example data (loaded once per
//! process), a few example records, and a scratch folder per input.

#![allow(dead_code)] // each target uses its own part of this module

use pactum::{Engine, Pack, Record, RefData, read_batch};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

/// The pactum crate's root folder.
pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The five reference data files, in the order the `refdata` target picks them.
pub const REF_FILES: [&str; 5] = [
    "price_list.csv",
    "catalog.csv",
    "approved_sources.csv",
    "partners.csv",
    "installed_base.csv",
];

pub fn rules_dir() -> PathBuf {
    Path::new(ROOT).join("rules")
}

pub fn data_dir() -> PathBuf {
    Path::new(ROOT).join("examples").join("data")
}

/// The shipped pack, loaded once.
pub fn std_pack() -> &'static Pack {
    static PACK: OnceLock<Pack> = OnceLock::new();
    PACK.get_or_init(|| Pack::load(rules_dir()).expect("the shipped pack loads"))
}

/// The example reference data, loaded once.
pub fn example_data() -> &'static RefData {
    static DATA: OnceLock<RefData> = OnceLock::new();
    DATA.get_or_init(|| RefData::load(data_dir()).expect("the example data loads"))
}

/// The shipped pack bound to the example data, built once.
pub fn std_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::new(std_pack().clone(), example_data().clone()).expect("the engine builds")
    })
}

/// The bytes of the example reference files, read once, in [`REF_FILES`] order.
pub fn example_files() -> &'static [Vec<u8>; 5] {
    static FILES: OnceLock<[Vec<u8>; 5]> = OnceLock::new();
    FILES.get_or_init(|| {
        REF_FILES.map(|name| std::fs::read(data_dir().join(name)).expect("example file"))
    })
}

/// The first example record of each record kind: a handful that reach every rule.
pub fn sample_records() -> &'static [Record] {
    static RECORDS: OnceLock<Vec<Record>> = OnceLock::new();
    RECORDS.get_or_init(|| {
        let bytes = std::fs::read(Path::new(ROOT).join("examples/records.jsonl"))
            .expect("examples/records.jsonl");
        let batch = read_batch(&bytes).expect("the example records read");
        let mut out: Vec<Record> = Vec::new();
        for r in batch.records {
            if !out.iter().any(|o| o.kind == r.kind) {
                out.push(r);
            }
        }
        out
    })
}

/// A fresh scratch folder, in memory (`/dev/shm`) where there is one.
pub fn scratch() -> TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("pactum-fuzz")
            .tempdir_in(shm)
        {
            return dir;
        }
    }
    tempfile::Builder::new()
        .prefix("pactum-fuzz")
        .tempdir()
        .expect("a temporary folder")
}

pub fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create folder");
    }
    std::fs::write(path, bytes).expect("write scratch file");
}

/// Checks `records` with an engine over `pack` and the example data, rendering what comes
/// out; a rule that cannot run is a rule error in the verdict, which is fine.
pub fn check_samples(pack: Pack) {
    check_records(pack, sample_records());
}

/// Checks `records` one by one with an engine over `pack` and the example data.
pub fn check_records(pack: Pack, records: &[Record]) {
    let Ok(engine) = Engine::new(pack, example_data().clone()) else {
        return;
    };
    for record in records {
        let verdict = engine.check(record);
        std::hint::black_box(&verdict);
    }
}
