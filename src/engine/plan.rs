//! The compiled plan: which rules a record of each kind must go through, resolved once when
//! the engine is built, so checking a record walks only the rules that can apply to it.

use crate::pack::Rule;
use crate::record::Kind;

/// Rule indices (into the pack's rules) by what they need.
#[derive(Debug, Default)]
pub(super) struct Plan {
    /// Stateless rules for each standard kind, in `Kind::KNOWN` order.
    known: [Vec<usize>; 7],
    /// Stateless rules for the other kinds some selector names.
    named: Vec<(String, Vec<usize>)>,
    /// Stateless rules for any other kind: those that select every kind.
    rest: Vec<usize>,
    /// Rules that gather state over the batch (judged at `finish`).
    pub stateful: Vec<usize>,
}

fn slot(kind: &Kind) -> Option<usize> {
    match kind {
        Kind::Sale => Some(0),
        Kind::Purchase => Some(1),
        Kind::PipelineUpdate => Some(2),
        Kind::ServiceOrder => Some(3),
        Kind::Agreement => Some(4),
        Kind::CreditNote => Some(5),
        Kind::Claim => Some(6),
        Kind::Other(_) => None,
    }
}

impl Plan {
    pub(super) fn new(rules: &[Rule]) -> Plan {
        let mut plan = Plan::default();
        let named: Vec<&String> = rules
            .iter()
            .flat_map(|r| r.select.kinds.iter())
            .filter_map(|k| {
                if let Kind::Other(name) = k {
                    Some(name)
                } else {
                    None
                }
            })
            .collect();
        for name in named {
            if !plan.named.iter().any(|(n, _)| n == name) {
                plan.named.push((name.clone(), Vec::new()));
            }
        }
        for (i, rule) in rules.iter().enumerate() {
            if !rule.check.is_stateless() {
                plan.stateful.push(i);
                continue;
            }
            let takes =
                |kind: &Kind| rule.select.kinds.is_empty() || rule.select.kinds.contains(kind);
            for (k, list) in Kind::KNOWN.iter().zip(plan.known.iter_mut()) {
                if takes(&Kind::from_name(k)) {
                    list.push(i);
                }
            }
            for (name, list) in &mut plan.named {
                if takes(&Kind::Other(name.clone())) {
                    list.push(i);
                }
            }
            if rule.select.kinds.is_empty() {
                plan.rest.push(i);
            }
        }
        plan
    }

    /// The stateless rules that may apply to a record of `kind`, in pack order.
    pub(super) fn stateless_for(&self, kind: &Kind) -> &[usize] {
        match (slot(kind), kind) {
            (Some(s), _) => self.known.get(s).map_or(&[], Vec::as_slice),
            (None, Kind::Other(name)) => self
                .named
                .iter()
                .find(|(n, _)| n == name)
                .map_or(self.rest.as_slice(), |(_, l)| l.as_slice()),
            (None, _) => &self.rest,
        }
    }
}
