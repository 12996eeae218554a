//! The sandboxed rhai engine every script and condition is compiled and run in: no `eval`,
//! no blocking `sleep`, no output, strict variables, and every [`Limits`] bound wired in.
//!
//! One function, kept apart so the whole sandbox can be read (and audited) in one place;
//! the compiler and the host both start from it.

use crate::limits::Limits;
use rhai::EvalAltResult;

/// A rhai engine in the sandbox, with `limits` applied.
pub(super) fn sandboxed(limits: &Limits) -> rhai::Engine {
    let mut engine = rhai::Engine::new_raw();
    engine.register_global_module(rhai::packages::Package::as_shared_module(
        &rhai::packages::StandardPackage::new(),
    ));
    engine.disable_symbol("eval");
    // The standard package's `sleep` blocks the thread in one operation, which no
    // operation limit can stop: in the sandbox it fails at once (a rule error).
    engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> {
        Err("`sleep` is not available to rules".into())
    });
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.set_strict_variables(true);
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine
}
