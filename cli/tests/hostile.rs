//! Issue 11, hostile input at the command line: text output (`check`, `explain`, `test`,
//! `validate`) is safe for a terminal, a pack cannot make `validate` quote a file outside
//! it, and a pack with 20,000 problems is rendered in linear time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[expect(
    dead_code,
    reason = "the helpers are shared with the other test binaries"
)]
mod common;

use common::*;
use std::time::{Duration, Instant};

/// Characters a terminal would act on or that hide or reorder text; the newline is the
/// report's own.
fn unsafe_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|c| {
            (c.is_control() && *c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}'..='\u{200f}')
        })
        .collect()
}

fn write_tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::TempDir::new().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A sale of the example data that breaks price.min-list, with `id`, `sku` and `partner`.
fn sale(id: &str, sku: &str, partner: &str) -> String {
    serde_json::json!({
        "kind": "sale", "id": id, "partner": partner, "date": "2026-01-05",
        "lines": [{"sku": sku, "qty": 1, "unit_price": "1.00", "currency": "USD"}]
    })
    .to_string()
}

/// Attack: ESC sequences (clear screen), an OSC 8 hyperlink, CR/LF that forge report
/// lines and a bidi override, in a record id, a sku and a partner id, through `check
/// --format text`. JSON stays JSON.
#[test]
fn check_text_escapes_control_characters_and_forged_lines() {
    let input = format!(
        "{}\n{}\n{}\n",
        sale("SO-1\u{1b}[2J\u{1b}[H", "PUMP-10", "P-DE-02"),
        sale(
            "SO-2",
            "PUMP\u{1b}]8;;https://evil.example/\u{7}click\u{1b}]8;;\u{7}",
            "P-DE-02"
        ),
        sale(
            "SO-3\r\nP-XX-99 (dealer, US-NE): 0 findings",
            "X\u{202e}kcab",
            "P-EVIL\n  error   forged"
        ),
    );
    let out = pactum(&["check", "--format", "text", "-"], Some(&input));
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        unsafe_chars(&out.stdout),
        Vec::<char>::new(),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("SO-1\\u{1b}[2J"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("\\u{1b}]8;;https://evil.example/\\u{7}"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.lines().any(|l| l.starts_with("P-XX-99")),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("error   forged")),
        "{}",
        out.stdout
    );
    let json = pactum(&["check", "--format", "json", "-"], Some(&input));
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert!(
        value.to_string().contains("SO-1\\u001b[2J"),
        "JSON keeps its own escapes"
    );
}

/// Attack: the same through `explain`, whose text names the record and its partner.
#[test]
fn explain_text_escapes_the_record_it_names() {
    let id = "SO-1\u{1b}[2J\r\nforged";
    let input = format!("{}\n", sale(id, "PUMP-10", "P-DE-02\u{1b}[31m"));
    let out = pactum(
        &["explain", "--rule", "price.min-list", "--record", id, "-"],
        Some(&input),
    );
    assert_eq!(
        unsafe_chars(&out.stdout),
        Vec::<char>::new(),
        "{}",
        out.stdout
    );
    assert_eq!(
        unsafe_chars(&out.stderr),
        Vec::<char>::new(),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("SO-1\\u{1b}[2J"),
        "{}{}",
        out.stdout,
        out.stderr
    );
}

/// Attack: a pack whose rule file has an ESC sequence in a comment and in a bad value,
/// shown by `validate`'s source snippets and messages.
#[test]
fn validate_escapes_messages_and_source_snippets() {
    let pack = write_tree(&[
        ("pack.toml", "name = \"p\"\nversion = \"1\"\n"),
        (
            "a.toml",
            "# \u{1b}[2J\u{1b}]8;;https://evil.example/\u{7}link\u{1b}]8;;\u{7}\n[[rule]]\nid = \"a\"\ntitle = \"A\u{202e}\"\nseverity = \"warn\u{1b}[31m\\r\\nforged: 0 problems found\"\ncheck = \"list-price-exists\"\n",
        ),
    ]);
    let out = pactum(&["validate", pack.path().to_str().unwrap()], None);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(
        unsafe_chars(&out.stderr),
        Vec::<char>::new(),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("\\u{1b}[2J"),
        "the snippet shows the escape: {}",
        out.stderr
    );
    assert!(
        !out.stderr.lines().any(|l| l.starts_with("forged")),
        "{}",
        out.stderr
    );
}

/// Attack: `pactum test` prints case names and expectations from the pack's test files.
#[test]
fn test_text_escapes_case_names() {
    let pack = write_tree(&[
        (
            "a.toml",
            "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"list-price-exists\"\n",
        ),
        (
            "tests/a.toml",
            "[[case]]\nname = \"case \\u001b[2J\\r\\nok    forged\"\nrecords = [{ kind = \"sale\", id = \"S\\u001b[1m\", partner = \"P-DE-02\", date = \"2026-01-05\", lines = [{ sku = \"NOPE\\u001b[0m\", qty = 1, unit_price = \"1.00\", currency = \"USD\" }] }]\nexpect = []\n",
        ),
    ]);
    let manifest = format!(
        "name = \"p\\u001b[2J\"\nversion = \"1\"\n[tests]\ndata = {:?}\n",
        root().join("examples/data").display().to_string()
    );
    std::fs::write(pack.path().join("pack.toml"), manifest).unwrap();
    let out = pactum(&["test", pack.path().to_str().unwrap()], None);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    assert_eq!(
        unsafe_chars(&out.stdout),
        Vec::<char>::new(),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.lines().any(|l| l.starts_with("ok    forged")),
        "{}",
        out.stdout
    );
}

/// Attack: a rule file linked to a secret outside the pack; `validate` refuses it and
/// prints not a byte of it.
#[cfg(unix)]
#[test]
fn validate_never_quotes_a_file_outside_the_pack() {
    let tmp = write_tree(&[
        ("secret.txt", "root:x:0:0:TOP-SECRET\n[[rule]]\nid = 1\n"),
        ("pack/pack.toml", "name = \"p\"\nversion = \"1\"\n"),
    ]);
    let pack = tmp.path().join("pack");
    std::os::unix::fs::symlink(tmp.path().join("secret.txt"), pack.join("a.toml")).unwrap();
    let out = pactum(&["validate", pack.to_str().unwrap()], None);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains("TOP-SECRET"), "{}", out.stderr);
    assert!(
        out.stderr.contains("outside the rule pack folder"),
        "{}",
        out.stderr
    );
}

fn many_problems(n: usize) -> tempfile::TempDir {
    let mut rules = String::new();
    for i in 0..n {
        rules.push_str(&format!(
            "[[rule]]\nid = \"r.{i}\"\ntitle = \"R\"\nseverity = \"fatal\"\ncheck = \"list-price-exists\"\n"
        ));
    }
    write_tree(&[
        ("pack.toml", "name = \"p\"\nversion = \"1\"\n"),
        ("a.toml", &rules),
    ])
}

/// Attack: 20,000 problems in one file; each snippet is a window of the file, not the
/// whole file copied per problem.
#[test]
fn validate_renders_many_problems_in_linear_time() {
    let time = |n: usize| {
        let pack = many_problems(n);
        let start = Instant::now();
        let out = pactum(&["validate", pack.path().to_str().unwrap()], None);
        assert!(
            out.stderr.ends_with(&format!("{n} problems found\n")),
            "{}",
            out.stderr.len()
        );
        start.elapsed()
    };
    let small = time(2_000);
    let large = time(20_000);
    assert!(
        large < small * 30 + Duration::from_secs(1),
        "2,000 problems: {small:?}, 20,000: {large:?}"
    );
}

/// Attack: a valid pack whose name and version carry ESC and CR/LF; `validate`'s one-line
/// verdict stays one line.
#[test]
fn validate_ok_line_escapes_the_pack_name() {
    let pack = write_tree(&[
        (
            "pack.toml",
            "name = \"p\\u001b[2J\"\nversion = \"1\\r\\nrule pack `x` 2: 0 rules\"\n",
        ),
        (
            "a.toml",
            "[[rule]]\nid = \"a\"\ntitle = \"A\"\nseverity = \"warning\"\ncheck = \"list-price-exists\"\n",
        ),
    ]);
    let out = pactum(&["validate", pack.path().to_str().unwrap()], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        unsafe_chars(&out.stdout),
        Vec::<char>::new(),
        "{}",
        out.stdout
    );
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
}
