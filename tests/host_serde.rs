//! A host program's serde_json keeps its own number handling while pactum is linked: pactum
//! reads exact decimals from the number text itself and does not switch on serde_json's
//! `arbitrary_precision`, which is unified into every crate of the program and breaks
//! `1.5` in an untagged enum or a flattened map of `f64`.

use pactum::Record;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, PartialEq, Deserialize)]
#[serde(untagged)]
enum Amount {
    Number(f64),
    Text(String),
}

#[derive(Debug, PartialEq, Deserialize)]
struct Weights {
    name: String,
    #[serde(flatten)]
    rest: BTreeMap<String, f64>,
}

#[test]
fn an_untagged_enum_with_an_f64_variant_parses_a_decimal() {
    let amount: Amount = serde_json::from_str("1.5").unwrap();
    assert_eq!(amount, Amount::Number(1.5));
    let amounts: Vec<Amount> = serde_json::from_str(r#"[1.5, "x", 2]"#).unwrap();
    assert_eq!(
        amounts,
        [
            Amount::Number(1.5),
            Amount::Text("x".into()),
            Amount::Number(2.0)
        ]
    );
}

#[test]
fn a_flattened_map_of_f64_parses_a_decimal() {
    let w: Weights = serde_json::from_str(r#"{"name":"w","a":1.5,"b":2}"#).unwrap();
    assert_eq!(w.name, "w");
    assert_eq!(w.rest.get("a"), Some(&1.5));
    assert_eq!(w.rest.get("b"), Some(&2.0));
}

#[test]
fn while_pactum_still_reads_prices_exactly_from_the_same_serde_json() {
    // The same program, the same serde_json: pactum keeps every digit of a JSON number.
    let record = Record::from_json_str(
        r#"{"id":"S-1","kind":"sale","date":"2026-03-14","partner":"P-1",
        "lines":[{"sku":"A","qty":1,"unit_price":1199.9999999999999999,"currency":"USD"}]}"#,
    )
    .unwrap();
    assert_eq!(
        record.lines[0].unit_price.to_string(),
        "1199.9999999999999999"
    );
    // And a host that reads `1.5` itself gets the float it asked for.
    let amount: Amount = serde_json::from_str("1.5").unwrap();
    assert_eq!(amount, Amount::Number(1.5));
}
