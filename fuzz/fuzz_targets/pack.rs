//! Rule packs: the bytes as a rule file beside a valid `pack.toml`, then as `pack.toml`
//! beside a valid rule file. A pack that loads checks a few example records.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;

/// A manifest with small limits, so conditions in a fuzzed rule file stay fast.
const MANIFEST: &str = r#"name = "fuzz"
version = "0.0.0"
description = "fuzz"
[limits]
max_operations = 10000
max_string_size = 1024
max_array_size = 100
max_map_size = 100
"#;

/// A rule file with a built-in check, a condition and a script rule.
const RULES: &str = r#"[[rule]]
id = "price.min-list"
title = "t"
severity = "error"
check = "min-list-price"
[rule.select]
kinds = ["sale"]
[rule.params]
allowed_discount = { distributor = "0.05", dealer = "0" }

[[rule]]
id = "cond"
title = "t"
severity = "warning"
check = "condition"
[rule.params]
when = "line.unit_price < 12.00"
message = "${line.sku} at ${line.unit_price}"
each_line = true

[[rule]]
id = "script"
title = "t"
severity = "info"
check = "script"
[rule.params]
file = "scripts/s.rhai"
"#;

const SCRIPT: &str = r#"fn check(record) {
    let p = partner(record.partner);
    if p == () { return finding("unknown partner"); }
    if record.region != () && record.region != p.region { return finding("outside"); }
}
"#;

fn load(manifest: &[u8], rules: &[u8]) {
    let dir = common::scratch();
    common::write(&dir.path().join("pack.toml"), manifest);
    common::write(&dir.path().join("rules.toml"), rules);
    common::write(&dir.path().join("scripts/s.rhai"), SCRIPT.as_bytes());
    if let Ok(pack) = pactum::Pack::load(dir.path()) {
        common::check_samples(pack);
    }
}

fuzz_target!(|data: &[u8]| {
    load(MANIFEST.as_bytes(), data);
    load(data, RULES.as_bytes());
});
