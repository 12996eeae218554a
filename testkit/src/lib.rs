//! Test support for pactum, not part of its API: the batch generator behind
//! `pactum generate`, the pipeline benchmarks and the load tests.
//!
//! Realistic batches for benchmarks and load tests: N records over P partners, with a
//! chosen share of policy violations, and the reference data they refer to.
//!
//! The output is deterministic for a given seed: the same options give the same bytes.

use std::fmt::Write as _;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerateOptions {
    /// Records to write.
    pub records: usize,
    /// Partners they come from (at least 1).
    pub partners: usize,
    /// Parts on the price list and in the catalog (at least 1).
    pub skus: usize,
    /// Out of 100 records, how many carry a violation (0 to 100).
    pub violation_percent: u8,
    /// Seed of the pseudo-random sequence.
    pub seed: u64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        GenerateOptions {
            records: 10_000,
            partners: 100,
            skus: 200,
            violation_percent: 5,
            seed: 1,
        }
    }
}

/// SplitMix64: a small, fast, well-mixed generator; good enough to pick records, and
/// reproducible everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

const TYPES: [&str; 4] = ["distributor", "dealer", "systems_integrator", "sales_agent"];
const REGIONS: usize = 10;

/// Whether partner `i` is a distributor or sales agent, who report their pipeline.
fn reports(i: usize) -> bool {
    matches!(i % TYPES.len(), 0 | 3)
}

fn partner_id(i: usize) -> String {
    format!("GP-{i:05}")
}

fn sku(i: usize) -> String {
    format!("GS-{i:06}")
}

/// List price of sku `i` in cents: from 5.00 to 2,004.99, fixed per sku.
fn list_cents(i: usize) -> u64 {
    500 + (i as u64).wrapping_mul(7919) % 200_000
}

fn cents(c: u64) -> String {
    format!("{}.{:02}", c / 100, c % 100)
}

/// Writes `records.jsonl` and the five reference CSV files into `dir` (created if needed).
pub fn generate(options: &GenerateOptions, dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let partners = options.partners.max(1);
    let skus = options.skus.max(1);
    let mut csv =
        String::from("id,type,region,status,contract_signed,nda_expires,certified_until\n");
    for i in 0..partners {
        let t = TYPES.get(i % TYPES.len()).copied().unwrap_or("dealer");
        let _ = writeln!(
            csv,
            "{},{t},R-{},active,2025-01-01,2029-12-31,2029-12-31",
            partner_id(i),
            i % REGIONS
        );
    }
    fs::write(dir.join("partners.csv"), csv)?;
    let mut prices = String::from("sku,list_price,currency,effective_from,effective_to\n");
    let mut catalog = String::from("sku,genuine,description\n");
    for i in 0..skus {
        let _ = writeln!(
            prices,
            "{},{},USD,2025-01-01,",
            sku(i),
            cents(list_cents(i))
        );
        let _ = writeln!(catalog, "{},true,Generated part {i}", sku(i));
    }
    fs::write(dir.join("price_list.csv"), prices)?;
    fs::write(dir.join("catalog.csv"), catalog)?;
    fs::write(
        dir.join("approved_sources.csv"),
        "source,name\noem,The OEM\n",
    )?;
    let mut base = String::from("partner,region,assets\n");
    let mut rng = Rng(options.seed);
    for i in 0..partners {
        let _ = writeln!(
            base,
            "{},R-{},{}",
            partner_id(i),
            i % REGIONS,
            10 + rng.below(200)
        );
    }
    fs::write(dir.join("installed_base.csv"), base)?;
    let mut out = BufWriter::new(fs::File::create(dir.join("records.jsonl"))?);
    // Each reporting partner registers its opportunity on the first day, so its sales
    // (a week later or more) name a registered opportunity.
    let opening = (0..partners).filter(|i| reports(*i)).take(options.records);
    let opened = opening.clone().count();
    for i in opening {
        let update = serde_json::json!({
            "id": format!("GR-{i}"), "kind": "pipeline_update", "date": "2026-01-01",
            "partner": partner_id(i), "opportunity": format!("OPP-{i}"), "stage": "qualified"
        });
        writeln!(out, "{update}")?;
    }
    for n in opened..options.records {
        let line = record(&mut rng, n, options, partners, skus);
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// One record as a JSON line. Pipeline updates come often enough that reporting partners
/// keep their cadence; a violation is one of: a price below list, a part from an
/// unapproved source, a missing or unsigned document.
fn record(
    rng: &mut Rng,
    n: usize,
    options: &GenerateOptions,
    partners: usize,
    skus: usize,
) -> String {
    let p = (rng.below(partners as u64)) as usize;
    // From the second week, so registered opportunities are a week old.
    let day = 7 + rng.below(353);
    let date = format!("2026-{:02}-{:02}", 1 + day / 30, 1 + day % 28);
    let violate = rng.below(100) < u64::from(options.violation_percent);
    let roll = rng.below(100);
    let (kind, id) = match roll {
        0..60 => ("sale", format!("GS-{n}")),
        60..75 => ("purchase", format!("GU-{n}")),
        75..90 => ("pipeline_update", format!("GP-{n}")),
        _ => ("service_order", format!("GO-{n}")),
    };
    let mut lines = Vec::new();
    if kind != "pipeline_update" {
        for k in 0..(1 + rng.below(3)) {
            let s = rng.below(skus as u64) as usize;
            let list = list_cents(s);
            let below = violate && k == 0 && rng.below(2) == 0;
            let price = if below { list - list / 10 } else { list };
            let source = if violate && k == 0 && !below {
                "MACHINE-SHOP"
            } else {
                "oem"
            };
            lines.push(serde_json::json!({
                "sku": sku(s), "qty": 1 + rng.below(9), "unit_price": cents(price),
                "currency": "USD", "source": source
            }));
        }
    }
    let document = match kind {
        "sale" => Some(("purchase_order", true)),
        "service_order" => Some(("service_report", !violate)),
        _ => None,
    };
    let documents: Vec<serde_json::Value> = document
        .into_iter()
        .map(
            |(k, signed)| serde_json::json!({"kind": k, "ref": format!("D-{n}"), "signed": signed}),
        )
        .collect();
    let mut value = serde_json::json!({
        "id": id, "kind": kind, "date": date, "partner": partner_id(p),
        "customer": format!("C-{}", rng.below(5_000)),
        "lines": lines, "documents": documents
    });
    let opportunity = match kind {
        "pipeline_update" => Some(format!("OPP-{p}")),
        "sale" if reports(p) && !violate => Some(format!("OPP-{p}")),
        _ => None,
    };
    if let (Some(o), Some(map)) = (opportunity, value.as_object_mut()) {
        map.insert("opportunity".into(), o.into());
        if kind == "pipeline_update" {
            map.insert("stage".into(), "proposal".into());
        }
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_bytes_and_every_record_reads() {
        let dir = tempfile::tempdir().unwrap();
        let options = GenerateOptions {
            records: 500,
            partners: 20,
            skus: 30,
            violation_percent: 10,
            seed: 7,
        };
        generate(&options, &dir.path().join("a")).unwrap();
        generate(&options, &dir.path().join("b")).unwrap();
        let a = fs::read(dir.path().join("a/records.jsonl")).unwrap();
        assert_eq!(a, fs::read(dir.path().join("b/records.jsonl")).unwrap());
        let batch = pactum::read_batch(&a).unwrap();
        assert_eq!(batch.records.len() + batch.rejected.len(), 500);
        assert!(pactum::RefData::load(dir.path().join("a")).is_ok());
    }
}

/// Copies of the shipped rule pack to edit in tests, shared by the library's and the CLI's
/// test binaries.
pub mod fixtures {
    use std::path::{Path, PathBuf};
    use tempfile::TempDir;

    /// The keys of a gate's decision record (DESIGN.md, the order-entry gate), sorted:
    /// what every host's answer to a decision must carry, no more.
    pub const DECISION_KEYS: [&str; 10] = [
        "as_of",
        "data",
        "decision_id",
        "findings",
        "pack",
        "record",
        "rule_errors",
        "rules_evaluated",
        "rules_skipped",
        "verdict",
    ];

    /// The shipped standard pack's folder (`rules/` at the repository's root).
    pub fn pack_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map_or_else(|| PathBuf::from("rules"), |root| root.join("rules"))
    }

    /// Copies the shipped pack into a temporary folder, applying `(file, from, to)` text
    /// replacements; each must match, so a change to the shipped pack fails loudly here.
    ///
    /// # Panics
    ///
    /// When the copy cannot be made or a replacement does not match: it is for tests.
    #[expect(
        clippy::panic,
        reason = "test support: a broken fixture must stop the test"
    )]
    pub fn pack_copy(edits: &[(&str, &str, &str)]) -> TempDir {
        let dir = TempDir::new().unwrap_or_else(|e| panic!("temporary folder: {e}"));
        copy_dir(&pack_dir(), dir.path());
        for (file, from, to) in edits {
            let path = dir.path().join(file);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(text.contains(from), "{file} no longer contains {from:?}");
            std::fs::write(&path, text.replacen(from, to, 1))
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        dir
    }

    /// A copy of the shipped pack at `<tmp>/rules` beside the example data at
    /// `<tmp>/examples/data`, where the pack's `[tests] data` expects it (as in a
    /// checkout), after the `(file, from, to)` replacements in the pack's files.
    ///
    /// # Panics
    ///
    /// When the copy cannot be made or a replacement does not match: it is for tests.
    #[expect(
        clippy::panic,
        reason = "test support: a broken fixture must stop the test"
    )]
    pub fn checkout_copy(edits: &[(&str, &str, &str)]) -> TempDir {
        let pack = pack_copy(edits);
        let dir = TempDir::new().unwrap_or_else(|e| panic!("temporary folder: {e}"));
        let data = dir.path().join("examples").join("data");
        let made = std::fs::rename(pack.path(), dir.path().join("rules"))
            .and_then(|()| std::fs::create_dir_all(&data));
        made.unwrap_or_else(|e| panic!("{}: {e}", dir.path().display()));
        copy_dir(&pack_dir().with_file_name("examples").join("data"), &data);
        dir
    }

    /// Copies `from` into the existing folder `to`, subfolders (scripts, test cases) included.
    #[expect(
        clippy::panic,
        reason = "test support: a broken fixture must stop the test"
    )]
    fn copy_dir(from: &Path, to: &Path) {
        let entries = std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            let Some(name) = path.file_name() else {
                continue;
            };
            let target = to.join(name);
            let done = if path.is_dir() {
                std::fs::create_dir(&target).map(|()| copy_dir(&path, &target))
            } else {
                std::fs::copy(&path, &target).map(drop)
            };
            done.unwrap_or_else(|e| panic!("{}: {e}", target.display()));
        }
    }

    /// The 1-based number of the first line of `dir/file` containing `needle`.
    ///
    /// # Panics
    ///
    /// When the file cannot be read or has no such line: it is for tests.
    #[expect(
        clippy::panic,
        reason = "test support: a broken fixture must stop the test"
    )]
    pub fn line_of(dir: &Path, file: &str, needle: &str) -> usize {
        let text =
            std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i + 1)
            .unwrap_or_else(|| panic!("{needle:?} not in {file}"))
    }
}
