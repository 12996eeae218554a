//! The counters of `GET /metrics`, in Prometheus' text format: atomics, no lock on the
//! decision path.

use pactum::Decision;
use pactum::gate::{PackStamp, Ruling};
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The upper bounds of the decision latency histogram, in seconds: a decision takes tens of
/// microseconds, a slow one (a script at its operation limit) milliseconds.
const BUCKETS: [f64; 14] = [
    0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
    1.0,
];

/// What the server has done since it started.
#[derive(Debug, Default)]
pub struct Metrics {
    accept: AtomicU64,
    hold: AtomicU64,
    reject: AtomicU64,
    rule_errors: AtomicU64,
    /// Per bucket of [`BUCKETS`], the decisions that took at most its bound and more than
    /// the one before (made cumulative when written).
    buckets: [AtomicU64; BUCKETS.len()],
    /// Decisions slower than the last bucket.
    over: AtomicU64,
    nanos: AtomicU64,
    checks: AtomicU64,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
}

impl Metrics {
    /// Counts one decision that took `elapsed`.
    pub fn decided(&self, decision: &Decision, elapsed: Duration) {
        let counter = match decision.verdict {
            Ruling::Accept => &self.accept,
            Ruling::Hold => &self.hold,
            _ => &self.reject,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        let errors = u64::try_from(decision.rule_errors.len()).unwrap_or(u64::MAX);
        self.rule_errors.fetch_add(errors, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .zip(&self.buckets)
            .find(|(bound, _)| seconds <= **bound)
            .map_or(&self.over, |(_, slot)| slot);
        slot.fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Counts one batch checked.
    pub fn checked(&self) {
        self.checks.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one reload, swapped in or refused.
    pub fn reloaded(&self, ok: bool) {
        let counter = if ok {
            &self.reloads_ok
        } else {
            &self.reloads_failed
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// How many decisions had each verdict: accept, hold, reject.
    pub fn decisions(&self) -> [u64; 3] {
        [&self.accept, &self.hold, &self.reject].map(|c| c.load(Ordering::Relaxed))
    }

    /// The Prometheus text exposition (format 0.0.4) of the counters, with the pack in
    /// force as an info metric.
    pub fn render(&self, pack: &PackStamp) -> String {
        let mut out = String::with_capacity(2048);
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP pactum_decisions_total Decisions made by POST /v1/decide, by verdict."
        );
        let _ = writeln!(out, "# TYPE pactum_decisions_total counter");
        for (verdict, counter) in [
            ("accept", &self.accept),
            ("hold", &self.hold),
            ("reject", &self.reject),
        ] {
            let _ = writeln!(
                out,
                "pactum_decisions_total{{verdict=\"{verdict}\"}} {}",
                load(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP pactum_rule_errors_total Rule errors in decisions: rules that could not judge a record, and unreadable records."
        );
        let _ = writeln!(out, "# TYPE pactum_rule_errors_total counter");
        let _ = writeln!(out, "pactum_rule_errors_total {}", load(&self.rule_errors));
        let _ = writeln!(
            out,
            "# HELP pactum_decision_seconds Time to decide one record, from the body read to the decision made."
        );
        let _ = writeln!(out, "# TYPE pactum_decision_seconds histogram");
        let mut cumulative = 0u64;
        for (bound, slot) in BUCKETS.iter().zip(&self.buckets) {
            cumulative = cumulative.saturating_add(load(slot));
            let _ = writeln!(
                out,
                "pactum_decision_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative = cumulative.saturating_add(load(&self.over));
        let _ = writeln!(
            out,
            "pactum_decision_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        #[expect(
            clippy::cast_precision_loss,
            reason = "a sum of seconds for a monitoring graph: 2^53 ns is 104 days of decisions"
        )]
        let sum = load(&self.nanos) as f64 / 1e9;
        let _ = writeln!(out, "pactum_decision_seconds_sum {sum}");
        let _ = writeln!(out, "pactum_decision_seconds_count {cumulative}");
        let _ = writeln!(
            out,
            "# HELP pactum_checks_total Batches checked by POST /v1/check."
        );
        let _ = writeln!(out, "# TYPE pactum_checks_total counter");
        let _ = writeln!(out, "pactum_checks_total {}", load(&self.checks));
        let _ = writeln!(
            out,
            "# HELP pactum_reloads_total Reloads asked for by POST /v1/reload, by result."
        );
        let _ = writeln!(out, "# TYPE pactum_reloads_total counter");
        let _ = writeln!(
            out,
            "pactum_reloads_total{{result=\"ok\"}} {}",
            load(&self.reloads_ok)
        );
        let _ = writeln!(
            out,
            "pactum_reloads_total{{result=\"failed\"}} {}",
            load(&self.reloads_failed)
        );
        let _ = writeln!(
            out,
            "# HELP pactum_pack_info The rule pack in force (always 1)."
        );
        let _ = writeln!(out, "# TYPE pactum_pack_info gauge");
        let _ = writeln!(
            out,
            "pactum_pack_info{{name=\"{}\",version=\"{}\",hash=\"{}\"}} 1",
            label(&pack.name),
            label(&pack.version),
            label(&pack.hash)
        );
        out
    }
}

/// A label value escaped as the text format wants: backslash, double quote and newline.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
