//! Every bound pactum puts on untrusted input, in one place.
//!
//! Rule packs come from policy teams, not from the engine's authors: a script may loop
//! forever, recurse without end or build a string the size of the machine. Each limit below
//! turns such a script into a rule error in the report (never a pass, never a hang) while
//! the rest of the batch goes on. A pack may change any of them in `pack.toml`:
//!
//! ```toml
//! [limits]
//! max_operations = 200000
//! ```

use serde::Deserialize;

/// Bounds on what one script call may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Operations (roughly, expression evaluations) one call of a rule on one record may
    /// take. Stops infinite loops. 100,000 is two orders of magnitude above what the
    /// standard pack's scripts need on a 50-line record, and small enough that a script
    /// stuck in `loop {}` costs a few milliseconds per record.
    pub max_operations: u64,
    /// Nested function calls. Stops runaway recursion well before the native stack does.
    pub max_call_levels: usize,
    /// Nesting depth of expressions at the top level of a script or condition, checked
    /// when the pack loads. Stops a pathological script from exhausting the parser's stack.
    pub max_expr_depth: usize,
    /// Nesting depth of expressions inside functions, checked when the pack loads.
    pub max_function_expr_depth: usize,
    /// Bytes in one string a script builds. A finding's message needs a few hundred.
    pub max_string_size: usize,
    /// Items in one array a script builds.
    pub max_array_size: usize,
    /// Entries in one object map a script builds. rhai counts the entries of maps nested
    /// inside an array or map together, so a script returning 1,000 findings (maps of four
    /// entries) needs 4,000.
    pub max_map_size: usize,
    /// Findings one call of a rule may return on one record. More is a rule error: a rule
    /// that floods the report has a bug. An `each_line` condition keeps the first ones and
    /// reports one rule error saying how many it dropped.
    pub max_findings_per_record: usize,
    /// Milliseconds of wall-clock time one rule may take on one record (all its lines and
    /// messages included), checked between operations. Stops scripts whose operations are
    /// each expensive (copying a 10,000-item array), which `max_operations` alone lets run
    /// for seconds. The shipped scripts take microseconds; 200 ms leaves a debug build on a
    /// loaded machine ten times the time it needs to reach `max_operations` (so a plain
    /// `loop {}` is still stopped by the operation limit), and stops an expensive runaway
    /// after a fifth of a second. Time the OS takes the thread away for is not charged
    /// (see `docs/scripting.md`).
    pub max_call_ms: u64,
    /// Milliseconds of wall-clock time all the script and condition rules together may take
    /// on one record. Each rule still has its `max_call_ms`; this bounds their sum, so a
    /// pack of many slow rules cannot hold one record for longer than this (the rules left
    /// when it runs out are rule errors). 1,000 ms is five rules at their default limit.
    pub max_record_ms: u64,
}

impl Limits {
    /// The default limits, documented field by field.
    pub const DEFAULT: Limits = Limits {
        max_operations: 100_000,
        max_call_levels: 32,
        max_expr_depth: 64,
        max_function_expr_depth: 32,
        max_string_size: 64 * 1024,
        max_array_size: 10_000,
        max_map_size: 10_000,
        max_findings_per_record: 1_000,
        max_call_ms: 200,
        max_record_ms: 1_000,
    };

    /// The largest value each limit may be set to in `pack.toml`; more is a load error.
    ///
    /// The stack limits are measured (`hostile_scripts::the_deepest_allowed_recursion_*`):
    /// the deepest recursion they allow, each level evaluating the deepest expression, runs
    /// on a thread with 8 MiB of stack (the main thread's default, and what the worker
    /// threads of [`Engine::run_parallel`](crate::Engine::run_parallel) and
    /// [`Engine::run_stream`](crate::Engine::run_stream) are given). The size limits keep
    /// one value a script holds to a few megabytes; the time limits keep a record to
    /// seconds.
    pub const CEILING: Limits = Limits {
        max_operations: 100_000_000,
        max_call_levels: 256,
        max_expr_depth: 256,
        max_function_expr_depth: 128,
        max_string_size: 16 * 1024 * 1024,
        max_array_size: 1_000_000,
        max_map_size: 1_000_000,
        max_findings_per_record: 1_000_000,
        max_call_ms: 2_000,
        max_record_ms: 5_000,
    };

    /// The limit names as written in `pack.toml`, with their values in `self`.
    pub(crate) fn named(&self) -> [(&'static str, u64); 10] {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        [
            ("max_operations", self.max_operations),
            ("max_call_levels", n(self.max_call_levels)),
            ("max_expr_depth", n(self.max_expr_depth)),
            ("max_function_expr_depth", n(self.max_function_expr_depth)),
            ("max_string_size", n(self.max_string_size)),
            ("max_array_size", n(self.max_array_size)),
            ("max_map_size", n(self.max_map_size)),
            ("max_findings_per_record", n(self.max_findings_per_record)),
            ("max_call_ms", self.max_call_ms),
            ("max_record_ms", self.max_record_ms),
        ]
    }

    /// What is wrong with these limits as a pack wrote them: a 0 (which rhai reads as "no
    /// limit", and a pack cannot switch the sandbox off) or a value above its ceiling.
    pub(crate) fn problems(&self) -> Vec<String> {
        self.named()
            .into_iter()
            .zip(Limits::CEILING.named())
            .filter_map(|((name, value), (_, ceiling))| {
                if value == 0 {
                    Some(format!("limit `{name}` must be at least 1, but is 0"))
                } else if value > ceiling {
                    Some(format!(
                        "limit `{name}` must be at most {ceiling}, but is {value}"
                    ))
                } else {
                    None
                }
            })
            .collect()
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}
