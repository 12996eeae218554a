//! Reference data of many partners loads in bounded memory per partner (issue 11: a
//! million partners took 3.2 GB). A test binary of its own: it counts every allocation of
//! the process, so nothing else may run beside it.
//!
//! Measured by this test (Linux, 200,000 generated partners with one installed-base row
//! each): see the figures in `src/refdata/load.rs`'s module documentation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use pactum::RefData;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use std::alloc::System;
use std::io::Write;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const PARTNERS: usize = 200_000;

/// The most heap bytes, per partner, that loaded reference data may keep (a partner row
/// and its installed-base row), and that loading it may hold at its peak. A partner row
/// carries `status_since` and `jurisdiction` since issue 15 (32 bytes more than before).
const RETAINED_PER_PARTNER: usize = 372;
const PEAK_PER_PARTNER: usize = 500;

/// The process's peak resident set so far, in bytes (Linux).
fn peak_rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Reference data with `PARTNERS` partners, each with one installed-base row, written a
/// line at a time (so writing it does not raise the peak this test measures).
fn write_data(dir: &std::path::Path) {
    let file = |name: &str| std::io::BufWriter::new(std::fs::File::create(dir.join(name)).unwrap());
    let mut partners = file("partners.csv");
    let mut base = file("installed_base.csv");
    writeln!(
        partners,
        "id,type,region,status,contract_signed,nda_expires,certified_until"
    )
    .unwrap();
    writeln!(base, "partner,region,assets").unwrap();
    let types = ["distributor", "dealer", "systems_integrator", "sales_agent"];
    for i in 0..PARTNERS {
        let t = types[i % types.len()];
        writeln!(
            partners,
            "P-{i:07},{t},R-{},active,2025-01-01,2029-12-31,2029-12-31",
            i % 50
        )
        .unwrap();
        writeln!(base, "P-{i:07},R-{},{}", i % 50, 10 + i % 200).unwrap();
    }
    partners.flush().unwrap();
    base.flush().unwrap();
    std::fs::write(
        dir.join("price_list.csv"),
        "sku,list_price,currency,effective_from,effective_to\nA,1.00,USD,2025-01-01,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("catalog.csv"),
        "sku,genuine,description\nA,true,A part\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("approved_sources.csv"),
        "source,name\noem,The OEM\n",
    )
    .unwrap();
}

#[test]
fn a_partner_costs_bounded_memory_to_load_and_keep() {
    let dir = tempfile::TempDir::new().unwrap();
    write_data(dir.path());
    let rss_before = peak_rss();
    let region = Region::new(GLOBAL);
    let data = RefData::load(dir.path()).unwrap();
    let stats = region.change();
    let rss_after = peak_rss();
    assert_eq!(data.partners().len(), PARTNERS);
    let retained = (stats.bytes_allocated as isize - stats.bytes_deallocated as isize
        + stats.bytes_reallocated) as usize;
    let retained_per = retained / PARTNERS;
    eprintln!(
        "{PARTNERS} partners: {retained_per} heap bytes kept per partner, {} allocations per partner",
        stats.allocations / PARTNERS
    );
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        let peak_per = after.saturating_sub(before) / PARTNERS;
        eprintln!("{PARTNERS} partners: peak resident set grew {peak_per} bytes per partner");
        assert!(
            peak_per <= PEAK_PER_PARTNER,
            "{peak_per} bytes per partner at the peak"
        );
    }
    assert!(
        retained_per <= RETAINED_PER_PARTNER,
        "{retained_per} bytes kept per partner"
    );
    drop(data);
}
