//! Issue 11, hostile packs and hostile text: pack loading and its diagnostics take linear
//! time, the pack folder is a boundary symlinks cannot cross, every pack-loading problem
//! has a stable code, and text reports never pass a control character from the input to
//! the terminal.

use crate::common::*;
use pactum::{Batch, Engine, LoadError, Pack};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const MANIFEST: &str = "name = \"big\"\nversion = \"1\"\n";

/// A pack in memory with `n` rules; `bad` makes every rule's severity wrong.
fn big_pack(n: usize, bad: bool) -> Vec<(PathBuf, String)> {
    let severity = if bad { "fatal" } else { "warning" };
    let mut rules = String::new();
    for i in 0..n {
        rules.push_str(&format!(
            "[[rule]]\nid = \"r.{i}\"\ntitle = \"Rule {i}\"\nseverity = \"{severity}\"\ncheck = \"list-price-exists\"\n\n"
        ));
    }
    vec![
        (PathBuf::from("pack.toml"), MANIFEST.to_owned()),
        (PathBuf::from("rules.toml"), rules),
    ]
}

fn time_load(n: usize, bad: bool) -> (Duration, Result<Pack, LoadError>) {
    let files = big_pack(n, bad);
    let start = Instant::now();
    let result = Pack::from_files("big", files);
    (start.elapsed(), result)
}

/// Attack: a pack of 20,000 rules (quadratic line/column scans took ~20 s in release).
/// Ten times the rules must cost about ten times the time, not a hundred.
#[test]
fn twenty_thousand_rules_load_in_linear_time() {
    let (small, p) = time_load(2_000, false);
    assert_eq!(p.unwrap().rules().len(), 2_000);
    let (large, p) = time_load(20_000, false);
    assert_eq!(p.unwrap().rules().len(), 20_000);
    assert!(
        large < small * 30 + Duration::from_millis(500),
        "2,000 rules: {small:?}, 20,000 rules: {large:?}"
    );
}

/// Attack: a pack with 20,000 problems; every diagnostic's line and column come from one
/// line index, not a scan from byte 0.
#[test]
fn twenty_thousand_problems_are_reported_in_linear_time() {
    let (small, e) = time_load(2_000, true);
    assert_eq!(e.unwrap_err().diagnostics().len(), 2_000);
    let (large, e) = time_load(20_000, true);
    let e = e.unwrap_err();
    assert_eq!(e.diagnostics().len(), 20_000);
    let last = e.diagnostics().last().unwrap();
    // Rule i starts at line 6 i + 1; its severity is on the 4th line of it.
    assert_eq!(last.location().line(), 6 * 19_999 + 4);
    assert_eq!(last.location().column(), 12);
    assert!(
        large < small * 30 + Duration::from_millis(500),
        "2,000 problems: {small:?}, 20,000 problems: {large:?}"
    );
}

/// Line and column stay right after multi-byte characters and CRLF line ends.
#[test]
fn locations_count_characters_not_bytes() {
    let rules = "# é è\r\n[[rule]]\r\nid = \"a\"\r\ntitle = \"ééé\"\r\nseverity = \"fatal\"\r\ncheck = \"list-price-exists\"\r\n";
    let e = Pack::from_files(
        "mem",
        vec![
            (PathBuf::from("pack.toml"), MANIFEST.to_owned()),
            (PathBuf::from("a.toml"), rules.to_owned()),
        ],
    )
    .unwrap_err();
    let d = e.diagnostics().first().unwrap();
    assert_eq!((d.location().line(), d.location().column()), (5, 12));
}

// ----- The pack folder is a boundary -----

const SECRET: &str = "root:x:0:0:TOP-SECRET-CONTENTS";

/// A pack folder inside a temp dir, with a secret file beside (outside) it.
fn pack_with_secret() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = write_tree(&[
        ("secret/passwd", SECRET),
        (
            "secret/evil.rhai",
            "fn check(record) { [] } // TOP-SECRET-CONTENTS",
        ),
        ("pack/pack.toml", MANIFEST),
        (
            "pack/ok.toml",
            "[[rule]]\nid = \"ok\"\ntitle = \"Ok\"\nseverity = \"warning\"\ncheck = \"list-price-exists\"\n",
        ),
    ]);
    let pack = tmp.path().join("pack");
    let secret = tmp.path().join("secret");
    (tmp, pack, secret)
}

fn script_rule(path: &str) -> String {
    format!(
        "[[rule]]\nid = \"s\"\ntitle = \"S\"\nseverity = \"warning\"\ncheck = \"script\"\n[rule.params]\nfile = \"{path}\"\n"
    )
}

/// The load fails, with the `outside-pack` code, without quoting the target.
fn assert_refused(dir: &Path) {
    let e = Pack::load(dir).expect_err("a link out of the pack must not load");
    let text = e.to_string();
    assert!(!text.contains("TOP-SECRET"), "{text}");
    assert!(
        e.diagnostics()
            .iter()
            .any(|d| d.code() == "pactum::pack::outside-pack"),
        "{text}"
    );
    for d in e.diagnostics() {
        if let Some(source) = e.source(d.location().file()) {
            assert!(!source.contains("TOP-SECRET"), "{text}");
        }
    }
}

/// Attack: a rule file that is a symlink to a file outside the pack (`/etc/passwd` was
/// echoed line by line in the diagnostics).
#[cfg(unix)]
#[test]
fn a_rule_file_linked_out_of_the_pack_is_refused_unread() {
    let (_tmp, pack, secret) = pack_with_secret();
    std::os::unix::fs::symlink(secret.join("passwd"), pack.join("passwd.toml")).unwrap();
    assert_refused(&pack);
    std::fs::remove_file(pack.join("passwd.toml")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", pack.join("passwd.toml")).unwrap();
    let e = Pack::load(&pack).unwrap_err();
    assert!(!e.to_string().contains("root:"), "{e}");
    assert!(e.source(&pack.join("passwd.toml")).is_none());
}

/// Attack: the manifest itself linked out of the pack.
#[cfg(unix)]
#[test]
fn a_manifest_linked_out_of_the_pack_is_refused_unread() {
    let (_tmp, pack, secret) = pack_with_secret();
    std::fs::remove_file(pack.join("pack.toml")).unwrap();
    std::os::unix::fs::symlink(secret.join("passwd"), pack.join("pack.toml")).unwrap();
    assert_refused(&pack);
}

/// Attack: a script path through a folder linked to somewhere outside the pack (a link to
/// `/` let a script load a file from anywhere).
#[cfg(unix)]
#[test]
fn a_script_through_a_linked_folder_is_refused_unread() {
    let (_tmp, pack, secret) = pack_with_secret();
    std::os::unix::fs::symlink(&secret, pack.join("scripts")).unwrap();
    std::fs::write(pack.join("s.toml"), script_rule("scripts/evil.rhai")).unwrap();
    assert_refused(&pack);
}

/// Attack: a script file that is itself a symlink out of the pack.
#[cfg(unix)]
#[test]
fn a_script_file_linked_out_of_the_pack_is_refused_unread() {
    let (_tmp, pack, secret) = pack_with_secret();
    std::fs::create_dir(pack.join("scripts")).unwrap();
    std::os::unix::fs::symlink(secret.join("evil.rhai"), pack.join("scripts/x.rhai")).unwrap();
    std::fs::write(pack.join("s.toml"), script_rule("scripts/x.rhai")).unwrap();
    assert_refused(&pack);
}

/// Links that stay inside the pack are fine, and so is a pack folder reached through a
/// link.
#[cfg(unix)]
#[test]
fn links_inside_the_pack_still_load() {
    let (tmp, pack, _secret) = pack_with_secret();
    std::fs::create_dir(pack.join("real")).unwrap();
    std::fs::write(pack.join("real/a.rhai"), "fn check(record) { [] }").unwrap();
    std::os::unix::fs::symlink(pack.join("real"), pack.join("scripts")).unwrap();
    std::fs::write(pack.join("s.toml"), script_rule("scripts/a.rhai")).unwrap();
    let via = tmp.path().join("via");
    std::os::unix::fs::symlink(&pack, &via).unwrap();
    assert_eq!(Pack::load(&via).unwrap().rules().len(), 2);
}

// ----- Stable codes for every pack-loading problem -----

fn codes_of(files: &[(&str, &str)]) -> Vec<&'static str> {
    let mut all = vec![("pack.toml", MANIFEST)];
    all.extend_from_slice(files);
    let files = all
        .iter()
        .map(|(p, t)| (PathBuf::from(p), (*t).to_owned()))
        .collect::<Vec<_>>();
    let e = Pack::from_files("mem", files).unwrap_err();
    e.diagnostics().iter().map(|d| d.code()).collect()
}

const RULE: &str =
    "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"list-price-exists\"\n";

/// Issue 10 leftover: typical pack problems carry stable codes, not `pactum::invalid`.
#[test]
fn pack_problems_have_stable_codes() {
    let code = |files: &[(&str, &str)]| codes_of(files);
    assert_eq!(
        code(&[("a.toml", &RULE.replace("title", "titel"))]),
        ["pactum::pack::unknown-key"]
    );
    assert_eq!(code(&[("a.toml", "[[rule]\n")]), ["pactum::pack::syntax"]);
    assert_eq!(
        code(&[(
            "a.toml",
            &RULE.replace("list-price-exists", "list-price-exist")
        )]),
        ["pactum::pack::unknown-check-kind"]
    );
    assert_eq!(
        code(&[("a.toml", &RULE.replace("warning", "fatal"))]),
        ["pactum::pack::bad-value"]
    );
    let days = "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"pipeline-cadence\"\n[rule.params]\nmax_gap_days = 0\nupdate_kind = \"opportunity_update\"\n";
    assert_eq!(code(&[("a.toml", days)]), ["pactum::pack::bad-param"]);
    assert_eq!(
        code(&[
            ("a.toml", &script_rule("scripts/a.rhai")),
            ("scripts/a.rhai", "let = ;")
        ]),
        ["pactum::script::compile"]
    );
    assert_eq!(
        code(&[("a.toml", &script_rule("scripts/b.rhai"))]),
        ["pactum::pack::missing-script"]
    );
    assert_eq!(
        code(&[("a.toml", &script_rule("../b.rhai"))]),
        ["pactum::pack::outside-pack"]
    );
    let when = "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"condition\"\n[rule.params]\nwhen = \"record.\"\nmessage = \"m\"\n";
    assert_eq!(code(&[("a.toml", when)]), ["pactum::script::compile"]);
    assert_eq!(
        code(&[("a.toml", RULE), ("b.toml", RULE)]),
        ["pactum::pack::duplicate-rule-id"]
    );
    let e = Pack::from_files("mem", vec![(PathBuf::from("a.toml"), RULE.to_owned())]).unwrap_err();
    let codes: Vec<_> = e.diagnostics().iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["pactum::pack::missing-manifest"]);
    let e = Pack::load("/nonexistent/pack/folder").unwrap_err();
    let codes: Vec<_> = e.diagnostics().iter().map(|d| d.code()).collect();
    assert_eq!(codes, ["pactum::pack::missing-folder"]);
}

/// No pack-loading diagnostic of the whole bad-pack corpus is left without a code.
#[test]
fn no_pack_problem_is_left_uncoded() {
    let cases: &[&[(&str, &str)]] = &[
        &[("a.toml", "x = 1\n")],
        &[("a.toml", "rule = 1\n")],
        &[("a.toml", "rule = [1]\n")],
        &[("a.toml", &RULE.replace("\"a\"", "\"A b\""))],
        &[(
            "a.toml",
            &format!("{RULE}[rule.select]\nkinds = [\"sael\"]\n"),
        )],
        &[(
            "a.toml",
            &format!("{RULE}[rule.select]\npartner_types = [\"delaer\"]\n"),
        )],
        &[("a.toml", &format!("{RULE}[rule.params]\nx = 1\n"))],
        &[("a.toml", &script_rule("scripts/a.txt"))],
    ];
    for files in cases {
        let codes = codes_of(files);
        assert!(!codes.is_empty());
        assert!(
            codes.iter().all(|c| *c != "pactum::invalid"),
            "{files:?}: {codes:?}"
        );
    }
    let manifest = Pack::from_files(
        "mem",
        vec![
            (
                PathBuf::from("pack.toml"),
                "name = \"\"\nversion = \"1\"\nx = 2\n".to_owned(),
            ),
            (PathBuf::from("a.toml"), RULE.to_owned()),
        ],
    )
    .unwrap_err();
    for d in manifest.diagnostics() {
        assert_ne!(d.code(), "pactum::invalid", "{d}");
    }
}

// ----- Text output is safe for a terminal -----

/// Every character of `text` a terminal would act on or hide: control characters but the
/// newline, bidi overrides and isolates, invisible format characters.
fn unsafe_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}' | '\u{2028}' | '\u{2029}' | '\u{feff}')
        })
        .collect()
}

const ESC_CLEAR: &str = "\u{1b}[2J\u{1b}[H";
const OSC8: &str = "\u{1b}]8;;https://evil.example/\u{7}click\u{1b}]8;;\u{7}";
const FORGED: &str = "\r\nP-XX-99 (dealer, US-NE): 0 findings\r\n";

/// Attack: record ids, skus, partner ids and regions with ESC sequences, OSC 8 hyperlinks,
/// CR/LF and bidi overrides, rendered by `Report::to_text`.
#[test]
fn report_text_escapes_control_characters_from_records() {
    let id = format!("SO-1{ESC_CLEAR}{FORGED}");
    let sku = format!("SKU{OSC8}\u{202e}kcab");
    let partner = format!("P-EVIL{ESC_CLEAR}\n  error   forged");
    let text = serde_json::json!({
        "kind": "sale", "id": id, "partner": partner, "date": "2026-01-05",
        "region": "US\u{1b}[31m\r", "source": "S\u{9b}31m",
        "lines": [{"sku": sku, "qty": 1, "unit_price": "1.00", "currency": "USD"}]
    })
    .to_string();
    let batch = pactum::read_batch(format!("{text}\nnot json \u{1b}[2J\r\n").as_bytes()).unwrap();
    assert_eq!(batch.rejected.len(), 1, "{:?}", batch.rejected);
    let engine = engine(refdata());
    let report = engine.run(&batch, None);
    assert!(!report.findings().is_empty());
    let out = report.to_text();
    assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{out}");
    assert!(out.contains("\\u{1b}[2J"), "{out}");
    assert!(out.contains("\\u{202e}"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("P-XX-99")), "{out}");
    assert!(
        !out.lines()
            .any(|l| l.trim_start().starts_with("error   forged")),
        "{out}"
    );
}

/// Attack: a pack whose name, rule titles and script messages carry ESC sequences and
/// CR/LF; `Report::to_text`, `Explanation::to_text` and the test runner's text escape them.
#[test]
fn pack_titles_and_script_messages_are_escaped() {
    let tmp = write_tree(&[
        (
            "pack.toml",
            "name = \"evil\\u001b[2J\"\nversion = \"1\\r\\nforged\"\n",
        ),
        (
            "a.toml",
            "[[rule]]\nid = \"a\"\ntitle = \"A\\u001b]8;;http://x\\u0007\"\nseverity = \"warning\"\ncheck = \"script\"\n[rule.params]\nfile = \"a.rhai\"\n",
        ),
        (
            "a.rhai",
            "fn check(record) { finding(\"bad\\r\\nP-XX (dealer): 0 findings\\u001b[2J\") }",
        ),
        (
            "tests/a.toml",
            "[[case]]\nname = \"case\\u001b[2J\\nforged\"\nrecords = [{ kind = \"sale\", id = \"S\\u001b[1\", partner = \"P\", date = \"2026-01-01\", lines = [] }]\nexpect = []\n",
        ),
    ]);
    let pack = Pack::load(tmp.path()).unwrap();
    let engine = Engine::new(pack.clone(), refdata()).unwrap();
    let rec = record(
        r#"{"kind":"sale","id":"S-1\u001b[2J","partner":"P","date":"2026-01-01","lines":[]}"#,
    );
    let batch = Batch::from_records(vec![rec]);
    let report = engine.run(&batch, None);
    assert_eq!(report.findings().len(), 1);
    let out = report.to_text();
    assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{out}");
    assert!(!out.lines().any(|l| l.starts_with("P-XX")), "{out}");
    let explanation = engine.explain(&batch, "a", "S-1\u{1b}[2J", None).unwrap();
    let out = explanation.to_text();
    assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{out}");
    if let Ok(tests) = pactum::testing::run_tests(&pack) {
        let out = tests.to_text();
        assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{out}");
    }
}

/// Load errors' `Display` (one line per problem) never lets the quoted input forge a line.
#[test]
fn diagnostics_text_escapes_quoted_input() {
    let rule = RULE.replace(
        "\"warning\"",
        "\"warn\\u001b[2J\\r\\nmem/a.toml:1:1: forged\"",
    );
    let e = Pack::from_files(
        "mem",
        vec![
            (PathBuf::from("pack.toml"), MANIFEST.to_owned()),
            (PathBuf::from("a.toml"), rule),
        ],
    )
    .unwrap_err();
    let out = e.to_string();
    assert_eq!(unsafe_chars(&out), Vec::<char>::new(), "{out}");
    assert_eq!(out.lines().count(), 2, "{out}");
}
