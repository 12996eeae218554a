//! What a policy read and what it gave, for `explain`: while a [`Tracing`] is alive on a
//! thread, every record, line, document and partner field a script reads, every
//! reference-data lookup and every value a script or condition gives is noted in order.
//!
//! Off (the normal run) it costs one thread-local flag test per read.

use rhai::Dynamic;
use std::cell::{Cell, RefCell};

/// The most reads one explanation lists; later ones are counted, not kept.
const MAX_SEEN: usize = 200;

/// One thing a policy read or gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// A value it read: `record.partner` is `P-DE-04`.
    Read { what: String, value: String },
    /// What a call of the policy gave: `check` returned `()`; the condition on line 2 gave
    /// `true`.
    Gave { what: String, value: String },
    /// How many more reads there were past the list's bound.
    More(usize),
}

thread_local! {
    static ON: Cell<bool> = const { Cell::new(false) };
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
}

/// Notes what policies read and give on this thread until [`Tracing::finish`].
pub(crate) struct Tracing(());

impl Tracing {
    pub(crate) fn start() -> Tracing {
        SEEN.with(|s| s.borrow_mut().clear());
        ON.with(|on| on.set(true));
        Tracing(())
    }

    /// What was noted, in order, each read once.
    pub(crate) fn finish(self) -> Vec<Seen> {
        SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
    }
}

impl Drop for Tracing {
    fn drop(&mut self) {
        ON.with(|on| on.set(false));
    }
}

fn note(seen: impl FnOnce() -> Seen) {
    if !ON.with(Cell::get) {
        return;
    }
    let seen = seen();
    SEEN.with(|s| {
        let mut s = s.borrow_mut();
        if s.contains(&seen) {
            return;
        }
        if s.len() < MAX_SEEN {
            s.push(seen);
        } else if let Some(Seen::More(n)) = s.last_mut() {
            *n = n.saturating_add(1);
        } else {
            s.push(Seen::More(1));
        }
    });
}

/// Notes a value read, when tracing.
pub(super) fn read(what: impl FnOnce() -> String, value: impl FnOnce() -> Dynamic) {
    note(|| Seen::Read {
        what: what(),
        value: show(&value()),
    });
}

/// Notes a read whose value is already worded, when tracing.
pub(super) fn read_worded(what: impl FnOnce() -> String, value: impl FnOnce() -> String) {
    note(|| Seen::Read {
        what: what(),
        value: value(),
    });
}

/// Notes a value a policy gave, when tracing.
pub(super) fn gave(what: impl FnOnce() -> String, value: &Dynamic) {
    note(|| Seen::Gave {
        what: what(),
        value: show(value),
    });
}

/// A script value as text: dates as `2026-03-14` (rhai would print a custom type's name),
/// strings quoted, nothing as `()`.
pub(super) fn show(value: &Dynamic) -> String {
    if let Some(date) = value.read_lock::<crate::date::Date>() {
        return date.to_string();
    }
    if value.is_string() {
        return format!("{:?}", value.to_string());
    }
    value.to_string()
}
