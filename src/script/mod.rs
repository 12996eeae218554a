//! Rhai policies: inline conditions and script rules, compiled once when the pack loads and
//! run in a sandbox.
//!
//! The sandbox: no `eval`, no module imports (rhai is built without modules), no clock (built
//! without time functions), no file system (rhai has none), `print` and `debug` go nowhere,
//! no floats (built with `no_float` and `decimal`: `12.00` in a script is an exact decimal),
//! and every call is bounded by [`Limits`](crate::Limits). A call that breaks a limit or fails is a
//! rule error, never a pass.

//!
//! The files: `compile.rs` turns policy text into [`Script`]s and [`Condition`]s when a pack
//! loads, `params.rs` types the rule's parameters and `uses.rs` checks the policy's uses of
//! them; `host.rs` runs them on records; `sandbox.rs` builds the one sandboxed rhai engine
//! both use; `api.rs` registers what scripts can call (listed in `docs/scripting.md`), and
//! `trace.rs` lists what a policy read, for explanations.

mod api;
mod compile;
mod host;
mod native;
mod params;
mod sandbox;
mod trace;
mod uses;

pub(crate) use compile::{CompileError, Compiler};
pub use compile::{Condition, Script};
pub(crate) use host::{Host, Prepared, ScriptError, ScriptFinding, Shared};
pub(crate) use params::{Params, from_toml as param_from_toml};
pub(crate) use trace::{Seen, Tracing};

#[cfg(test)]
mod tests {
    use super::host::ScriptFinding;
    use super::*;
    use crate::limits::Limits;
    use crate::record::Record;
    use crate::refdata::{Partner, PartnerType, RefData};
    use std::path::Path;
    use std::sync::Arc;

    fn host() -> (Compiler, Host) {
        let mut data = RefData::new();
        data.add_partner(Partner {
            id: "P-1".into(),
            partner_type: PartnerType::Dealer,
            region: "US-NE".into(),
            status: "active".into(),
            contract_signed: "2026-01-01".parse().ok(),
            nda_expires: None,
            certified_until: None,
            status_since: None,
            jurisdiction: None,
        });
        let limits = Limits::DEFAULT;
        (Compiler::new(&limits), Host::new(&limits, &Arc::new(data)))
    }

    fn record(price: &str) -> Prepared {
        let json = serde_json::json!({
            "id": "S-1", "kind": "sale", "date": "2026-03-14", "partner": "P-1",
            "lines": [{"sku": "A", "qty": 3, "unit_price": price, "currency": "USD"}],
            "attrs": {"n": 2, "x": 1.25}
        });
        Prepared::new(&Record::from_json(json).unwrap(), &Limits::DEFAULT)
    }

    fn script(body: &str) -> Result<Vec<ScriptFinding>, String> {
        script_typed(body).map_err(|e| e.reason)
    }

    fn script_typed(body: &str) -> Result<Vec<ScriptFinding>, ScriptError> {
        let (compiler, host) = host();
        let s = compiler
            .script(Path::new("t.rhai"), Arc::from(body))
            .map_err(|e| ScriptError {
                kind: crate::RuleErrorKind::Script,
                reason: e.message,
                kept: Vec::new(),
            })?;
        host.run_script(&s, &record("11.999"))
    }

    fn condition(when: &str, price: &str) -> Result<Vec<ScriptFinding>, String> {
        let (compiler, host) = host();
        let when_ast = compiler.expression(when, true).map_err(|e| e.message)?;
        let message = compiler
            .template("${line.sku} at ${line.unit_price}", true)
            .map_err(|e| e.message)?;
        let c = Compiler::condition(
            when.into(),
            when_ast,
            message,
            None,
            None,
            true,
            Params::default(),
        );
        host.run_condition(&c, &record(price)).map_err(|e| e.reason)
    }

    #[test]
    fn decimals_compare_exactly() {
        let below = condition("line.unit_price < 12.00", "11.999").unwrap();
        assert_eq!(below.len(), 1);
        assert_eq!(below[0].message, "A at 11.999");
        assert_eq!(below[0].line, Some(0));
        assert!(
            condition("line.unit_price < 12.00", "12.00")
                .unwrap()
                .is_empty()
        );
        assert!(
            condition("line.unit_price < 12", "12.000")
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            condition("line.amount == 35.997", "11.999").unwrap().len(),
            1
        );
        assert_eq!(
            condition("decimal(\"0.1\") + decimal(\"0.2\") == 0.3", "1")
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            condition("record.attrs.x == 1.25 && record.attrs.n == 2", "1")
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn scripts_see_records_dates_and_reference_data() {
        let found = script(
            r#"fn check(record) {
                let p = partner(record.partner);
                let days = days_between(p.contract_signed, record.date);
                [finding(`${p.id} ${p.type} ${days}`, p.region, record.date),
                 line_finding(0, record.lines[0].sku, (), ())]
            }"#,
        )
        .unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].message, "P-1 dealer 72");
        assert_eq!(
            (found[0].expected.as_str(), found[0].actual.as_str()),
            ("US-NE", "2026-03-14")
        );
        assert_eq!(found[1].line, Some(0));
        assert!(
            script("fn check(record) { if partner(\"nobody\") == () { return; } finding(\"x\") }")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn every_limit_is_a_rule_error() {
        let cases = [
            ("fn check(record) { loop {} }", "max_operations"),
            (
                "fn f(x) { f(x + 1) } fn check(record) { f(0) }",
                "max_call_levels",
            ),
            (
                "fn check(record) { let s = \"xxxxxxxx\"; loop { s += s; } }",
                "max_string_size",
            ),
            (
                "fn check(record) { let a = [1]; loop { a += a; } }",
                "max_array_size",
            ),
        ];
        for (body, limit) in cases {
            let err = script(body).unwrap_err();
            assert!(err.contains(limit), "{body}: {err}");
        }
    }

    #[test]
    fn bad_results_are_rule_errors() {
        assert!(
            script("fn check(record) { 42 }")
                .unwrap_err()
                .contains("returned `42`")
        );
        assert!(
            script("fn check(record) { #{expected: 1} }")
                .unwrap_err()
                .contains("no `message`")
        );
        assert!(
            script("fn check(record) { line_finding(5, \"m\", (), ()) }")
                .unwrap_err()
                .contains("has 1 lines")
        );
        assert!(
            script("fn check(record) { date(\"2026-02-30\") }")
                .unwrap_err()
                .contains("no such day")
        );
        assert!(
            condition("line.qty", "1")
                .unwrap_err()
                .contains("true or false")
        );
    }

    #[test]
    fn compile_errors_are_caught_at_load() {
        let (compiler, _) = host();
        let compile = |body: &str| {
            compiler
                .script(Path::new("t.rhai"), Arc::from(body))
                .err()
                .map(|e| (e.line, e.message))
        };
        let (line, message) = compile("fn check(record) {\n  let x = 1;\n  x + y\n}").unwrap();
        assert_eq!(line, 3);
        assert!(message.contains("y"), "{message}");
        assert!(
            compile("fn other(record) {}")
                .unwrap()
                .1
                .contains("fn check(record)")
        );
        assert!(compile("fn check(record) { eval(\"1\") }").is_some());
        assert!(compile("import \"x\" as y; fn check(record) {}").is_some());
        assert!(compiler.expression("recrod.id == \"x\"", false).is_err());
        assert!(compiler.expression("line.sku == \"x\"", false).is_err());
        assert!(compiler.expression("line.sku == \"x\"", true).is_ok());
    }

    #[test]
    fn the_sandbox_has_no_clock_and_no_output() {
        assert!(
            script("fn check(record) { timestamp() }")
                .unwrap_err()
                .contains("script error")
        );
        assert!(
            script("fn check(record) { print(\"hello\"); debug(1); }")
                .unwrap()
                .is_empty()
        );
    }
}
