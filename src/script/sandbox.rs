//! The sandboxed rhai engine every script and condition is compiled and run in: no `eval`,
//! no blocking `sleep`, no output, no function pointers or closures, strict variables, and
//! every [`Limits`] bound wired in, with the per-rule budget of operations and time.
//!
//! One file, kept apart so the whole sandbox can be read (and audited) in one place;
//! the compiler and the host both start from it.

use crate::limits::Limits;
use rhai::{Dynamic, EvalAltResult};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Variables one call may hold at once, across all its call levels (a fixed bound, not a
/// pack limit): with the size limits it bounds the memory a script holds, because every
/// value it can name is one of them, and each is at most `max_array_size` items,
/// `max_map_size` entries and `max_string_size` bytes.
pub(super) const MAX_VARIABLES: usize = 256;

/// The token `on_progress` stops a call with when its time is up.
pub(super) const TIME_UP: &str = "max_call_ms";
/// The token `on_progress` stops a call with when the record's time is up (the rules
/// before it on the record spent the rest of `max_record_ms`).
pub(super) const RECORD_TIME_UP: &str = "max_record_ms";
/// The token `on_progress` stops a call with when the rule's operations on the record
/// (all its evaluations together) pass `max_operations`.
pub(super) const OPERATIONS: &str = "max_operations";

/// What the rule running on this thread may still spend: set by [`Budget::start`] before a
/// rule runs on a record, read by the progress callback between operations. Per thread,
/// because one engine is shared by every thread that checks records.
#[derive(Clone, Copy)]
struct Budget {
    /// The time left, in nanoseconds; `None` when no rule is running.
    left: Option<u64>,
    /// When the time was last looked at.
    seen: Option<Instant>,
    /// Operations of the rule's earlier evaluations on this record (each line of an
    /// `each_line` condition, each message template).
    spent: u64,
    /// Operations of the evaluation under way, as the callback last saw them.
    current: u64,
    /// Whether the record's budget, not the rule's own, is what `left` holds.
    record_bound: bool,
}

thread_local! {
    static BUDGET: Cell<Budget> = const {
        Cell::new(Budget { left: None, seen: None, spent: 0, current: 0, record_bound: false })
    };
    /// The time, in nanoseconds, the script rules may still spend on the record being
    /// checked on this thread; `None` outside a record.
    static RECORD: Cell<Option<u64>> = const { Cell::new(None) };
}

/// The time budget of all the script rules on one record, on this thread, until dropped.
pub(crate) struct RecordBudget(());

impl RecordBudget {
    /// Starts the record's budget: `max_record_ms` for its script and condition rules.
    pub(crate) fn start(limits: &Limits) -> RecordBudget {
        RECORD.with(|r| r.set(Some(limits.max_record_ms.saturating_mul(1_000_000))));
        RecordBudget(())
    }
}

impl Drop for RecordBudget {
    fn drop(&mut self) {
        RECORD.with(|r| r.set(None));
    }
}

/// The time, in nanoseconds, the script rules may still spend on the record being checked
/// on this thread; `None` outside a record's budget.
pub(super) fn record_time_left() -> Option<u64> {
    RECORD.with(Cell::get)
}

/// The budget of one rule on one record, on this thread, until dropped; it holds the time
/// the rule started with, so that what it spent comes off the record's budget.
pub(super) struct Call(u64);

impl Call {
    /// Starts the budget: `max_call_ms` of time, and no operations spent.
    pub(super) fn start(limits: &Limits) -> Call {
        let own = limits.max_call_ms.saturating_mul(1_000_000);
        let record = RECORD.with(Cell::get);
        let left = record.map_or(own, |r| r.min(own));
        BUDGET.with(|b| {
            b.set(Budget {
                left: Some(left),
                seen: Some(Instant::now()),
                spent: 0,
                current: 0,
                record_bound: record.is_some_and(|r| r < own),
            });
        });
        Call(left)
    }

    /// Before each evaluation of the call: what the last one spent stays spent.
    pub(super) fn next(&self) {
        BUDGET.with(|b| {
            let mut budget = b.get();
            budget.spent = budget.spent.saturating_add(budget.current);
            budget.current = 0;
            b.set(budget);
        });
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        let left = BUDGET.with(|b| {
            let left = b.get().left;
            b.set(Budget {
                left: None,
                seen: None,
                spent: 0,
                current: 0,
                record_bound: false,
            });
            left
        });
        let spent = self.0.saturating_sub(left.unwrap_or(0));
        RECORD.with(|r| r.set(r.get().map(|record| record.saturating_sub(spent))));
    }
}

/// The longest gap between two looks at the clock that is charged in full. A gap is
/// [`EVERY`] operations, microseconds for ordinary ones and a few milliseconds for four
/// copies of the largest value the ceilings allow; a longer gap is a thread the OS put
/// aside (a loaded machine), and only this much of it counts, so a busy machine does not
/// fail ordinary rules. A script still pays for its own time: all of its gaps count.
const GAP: Duration = Duration::from_millis(50);

/// How often, in operations, the clock is looked at: every operation would cost a
/// quarter of a cheap script's time, and four keeps the gaps short.
const EVERY: u64 = 4;

/// The progress callback: stops the evaluation when the rule's operations on the record
/// pass `max_operations`, or (looked at every [`EVERY`] operations) when its time is up.
fn progress(max_operations: u64, ops: u64) -> Option<Dynamic> {
    BUDGET.with(|b| {
        let mut budget = b.get();
        budget.current = ops;
        if budget.spent.saturating_add(ops) > max_operations {
            b.set(budget);
            return Some(Dynamic::from(OPERATIONS));
        }
        let mut stop = None;
        if let (Some(left), Some(seen)) = (budget.left, budget.seen) {
            if ops % EVERY == 0 {
                let now = Instant::now();
                let gap = now.saturating_duration_since(seen).min(GAP);
                let gap = u64::try_from(gap.as_nanos()).unwrap_or(u64::MAX);
                budget.seen = Some(now);
                budget.left = Some(left.saturating_sub(gap));
                if gap >= left {
                    let token = if budget.record_bound {
                        RECORD_TIME_UP
                    } else {
                        TIME_UP
                    };
                    stop = Some(Dynamic::from(token));
                }
            }
        }
        b.set(budget);
        stop
    })
}

/// A rhai engine in the sandbox, with `limits` applied.
pub(super) fn sandboxed(limits: &Limits) -> rhai::Engine {
    let mut engine = rhai::Engine::new_raw();
    engine.register_global_module(rhai::packages::Package::as_shared_module(
        &rhai::packages::StandardPackage::new(),
    ));
    engine.disable_symbol("eval");
    // Function pointers carry curried values that rhai's size accounting does not see:
    // `pad(9999, Fn("id").curry(a))` copies `a` 9,999 times, and three levels of it took
    // gigabytes. Closures capture by currying. Rules do not need them: all are refused
    // when the pack loads.
    engine.disable_symbol("Fn");
    engine.disable_symbol("curry");
    engine.disable_symbol("call");
    engine.set_allow_anonymous_fn(false);
    // The standard package's `sleep` blocks the thread in one operation, which no
    // operation limit can stop: in the sandbox it fails at once (a rule error).
    engine.register_fn("sleep", |_: rhai::INT| -> Result<(), Box<EvalAltResult>> {
        Err("`sleep` is not available to rules".into())
    });
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine.set_strict_variables(true);
    engine.set_max_operations(limits.max_operations);
    let max_operations = limits.max_operations;
    engine.on_progress(move |ops| progress(max_operations, ops));
    engine.set_max_variables(MAX_VARIABLES);
    engine.set_max_call_levels(limits.max_call_levels);
    engine.set_max_expr_depths(limits.max_expr_depth, limits.max_function_expr_depth);
    engine.set_max_string_size(limits.max_string_size);
    engine.set_max_array_size(limits.max_array_size);
    engine.set_max_map_size(limits.max_map_size);
    engine
}
