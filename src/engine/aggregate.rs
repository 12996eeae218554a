//! The `peer-outlier` check: a per-partner metric over the whole batch, per installed
//! asset, against the partner's peers, judged by the modified z-score. This is the
//! article's aftermarket analysis: no single sale gave the undercutting integrator away;
//! its parts sales per asset, beside its peers', did.

use super::{Verdict, money};
use crate::date::Date;
use crate::finding::{Finding, RuleError};
use crate::hash::FastMap;
use crate::pack::{Direction, PeerKey, PeerOutlier, Rule};
use crate::record::{Kind, Record};
use crate::refdata::{Partner, RefData};
use crate::stats::{mad, median, modified_z};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// What a `peer-outlier` rule adds up while records stream by.
#[derive(Default)]
pub(super) struct Sums {
    /// Per partner, the value of its counted lines.
    value: FastMap<String, Decimal>,
    /// Per partner, lines left out for being in another currency.
    other_currency: FastMap<String, usize>,
    /// Partners whose total overflowed (reported as rule errors, never guessed).
    overflowed: Vec<String>,
}

impl Sums {
    /// Adds another shard's sums to these: the result is the same as one pass over both.
    pub(super) fn merge(&mut self, other: Sums) {
        for (partner, v) in other.value {
            let sum = self.value.entry(partner.clone()).or_default();
            match sum.checked_add(v) {
                Some(s) => *sum = s,
                None => self.overflowed.push(partner),
            }
        }
        for (partner, n) in other.other_currency {
            *self.other_currency.entry(partner).or_default() += n;
        }
        self.overflowed.extend(other.overflowed);
        self.overflowed.sort_unstable();
        self.overflowed.dedup();
    }

    pub(super) fn add(&mut self, p: &PeerOutlier, record: &Record) {
        let mut total = Decimal::ZERO;
        let mut overflow = false;
        for line in &record.lines {
            if p.source
                .as_ref()
                .is_some_and(|s| line.source.as_ref() != Some(s))
            {
                continue;
            }
            if line.currency != p.currency {
                *self
                    .other_currency
                    .entry(record.partner.clone())
                    .or_default() += 1;
                continue;
            }
            match line
                .unit_price
                .checked_mul(Decimal::from(line.qty))
                .and_then(|v| total.checked_add(v))
            {
                Some(t) => total = t,
                None => overflow = true,
            }
        }
        let sum = self.value.entry(record.partner.clone()).or_default();
        match sum.checked_add(total) {
            Some(s) if !overflow => *sum = s,
            _ if self.overflowed.contains(&record.partner) => {}
            _ => self.overflowed.push(record.partner.clone()),
        }
    }
}

/// One partner's metric under one aggregate rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerScore {
    /// The rule.
    pub rule: Arc<str>,
    /// The partner.
    pub partner: String,
    /// Its type.
    pub partner_type: crate::refdata::PartnerType,
    /// Its region (`partners.csv`).
    pub region: String,
    /// Its peer group, such as `US-NE` or `dealer, US-NE`.
    pub group: String,
    /// Its installed assets.
    pub assets: u64,
    /// The value of its counted lines, in the rule's currency.
    pub total: Decimal,
    /// `total / assets`.
    pub per_asset: Decimal,
    /// The group's median per-asset value, when the group was judged.
    pub median: Option<Decimal>,
    /// Its modified z-score, when the group was judged.
    pub score: Option<Decimal>,
    /// Whether it was flagged.
    pub flagged: bool,
    /// Lines left out for being in another currency.
    pub other_currency_lines: usize,
}

/// A peer group under one aggregate rule, judged or not, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerGroup {
    /// The rule.
    pub rule: Arc<str>,
    /// The group, such as `US-NE`.
    pub group: String,
    /// Partners in it.
    pub partners: usize,
    /// Median per-asset value.
    pub median: Option<Decimal>,
    /// Median absolute deviation.
    pub mad: Option<Decimal>,
    /// Whether its partners were scored.
    pub judged: bool,
    /// Why it was not judged.
    pub note: Option<String>,
}

/// A partner an aggregate rule could not measure, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    /// The rule.
    pub rule: Arc<str>,
    /// The partner.
    pub partner: String,
    /// Why: no installed assets, or not in `partners.csv`.
    pub reason: String,
}

/// What the aggregate rules measured, for the scorecard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analytics {
    /// Every measured partner, per rule.
    pub scores: Vec<PartnerScore>,
    /// Every peer group, per rule.
    pub groups: Vec<PeerGroup>,
    /// Partners left out, per rule.
    pub left_out: Vec<LeftOut>,
}

fn group_name(keys: &[PeerKey], partner: &Partner) -> String {
    let parts: Vec<&str> = keys
        .iter()
        .map(|k| match k {
            PeerKey::PartnerType => partner.partner_type.as_str(),
            PeerKey::Region => partner.region.as_str(),
        })
        .collect();
    if parts.is_empty() {
        "all partners".to_owned()
    } else {
        parts.join(", ")
    }
}

/// "6 partners in US-NE", "5 dealers in US-NE", "4 dealers".
fn group_words(keys: &[PeerKey], partner: &Partner, n: usize) -> String {
    let who = if keys.contains(&PeerKey::PartnerType) {
        let t = partner.partner_type.as_str().replace('_', " ");
        if n == 1 { t } else { format!("{t}s") }
    } else if n == 1 {
        "partner".to_owned()
    } else {
        "partners".to_owned()
    };
    if keys.contains(&PeerKey::Region) {
        format!("{n} {who} in {}", partner.region)
    } else {
        format!("{n} {who}")
    }
}

/// Two places, half to even: how metrics and scores are shown (never how they are judged).
pub(crate) fn shown(d: Decimal) -> String {
    money(
        d.round_dp_with_strategy(2, RoundingStrategy::MidpointNearestEven),
        2,
    )
}

/// Judges a `peer-outlier` rule over the batch.
#[allow(
    clippy::too_many_arguments,
    reason = "one call site; a struct would only rename them"
)]
pub(super) fn finish(
    rule: &Rule,
    id: &Arc<str>,
    p: &PeerOutlier,
    sums: Sums,
    data: &RefData,
    as_of: Option<Date>,
    out: &mut Verdict,
    analytics: &mut Analytics,
) {
    let mut assets: HashMap<&str, u64> = HashMap::new();
    for row in data.installed_base() {
        let a = assets.entry(row.partner.as_str()).or_default();
        *a = a.saturating_add(row.assets);
    }
    for partner in &sums.overflowed {
        out.rule_errors.push(RuleError {
            rule: Arc::clone(id),
            severity: rule.severity,
            record: None,
            reason: format!(
                "the total of partner {partner} is too large to hold exactly; it was not judged"
            ),
        });
    }
    let left_out = |partner: &str, reason: &str| LeftOut {
        rule: Arc::clone(id),
        partner: partner.to_owned(),
        reason: reason.to_owned(),
    };
    let mut unknown: Vec<&String> = sums
        .value
        .keys()
        .filter(|k| data.partner(k).is_none())
        .collect();
    unknown.sort();
    for partner in unknown {
        analytics
            .left_out
            .push(left_out(partner, "not in partners.csv"));
    }
    // Every active selected partner is measured, with or without records: the dealer who
    // buys nothing from the OEM is the one the genuine-parts ratio is for.
    let mut groups: BTreeMap<String, Vec<(&Partner, u64, Decimal)>> = BTreeMap::new();
    for partner in data.partners() {
        if partner.status != "active"
            || !rule.select.matches_partner(partner)
            || sums.overflowed.contains(&partner.id)
        {
            continue;
        }
        let Some(n) = assets.get(partner.id.as_str()).copied().filter(|n| *n > 0) else {
            analytics.left_out.push(left_out(
                &partner.id,
                "no installed assets in installed_base.csv",
            ));
            continue;
        };
        let total = sums.value.get(&partner.id).copied().unwrap_or_default();
        groups
            .entry(group_name(&p.peers, partner))
            .or_default()
            .push((partner, n, total));
    }
    for (group, members) in groups {
        let per_asset: Vec<Option<Decimal>> = members
            .iter()
            .map(|(_, n, total)| total.checked_div(Decimal::from(*n)))
            .collect();
        let values: Vec<Decimal> = per_asset.iter().flatten().copied().collect();
        let centre = median(&values);
        let spread = centre.and_then(|c| mad(&values, c));
        let note = if members.len() < p.min_group {
            let n = members.len();
            let partners = if n == 1 { "partner" } else { "partners" };
            Some(format!(
                "too small to judge: {n} {partners}, fewer than {}",
                p.min_group
            ))
        } else if spread.is_none_or(|s| s.is_zero()) {
            Some("no spread to judge against: the median absolute deviation is 0".to_owned())
        } else {
            None
        };
        let judged = note.is_none();
        analytics.groups.push(PeerGroup {
            rule: Arc::clone(id),
            group: group.clone(),
            partners: members.len(),
            median: centre,
            mad: spread,
            judged,
            note,
        });
        for ((partner, n, total), x) in members.iter().zip(per_asset) {
            let x = x.unwrap_or_default();
            let score = match (judged, centre, spread) {
                (true, Some(c), Some(s)) => modified_z(x, c, s),
                _ => None,
            };
            let flagged = score.is_some_and(|z| match p.direction {
                Direction::High => z > p.threshold,
                Direction::Low => z < -p.threshold,
                Direction::Both => z.abs() > p.threshold,
            });
            if let (true, Some(z), Some(c)) = (flagged, score, centre) {
                out.findings
                    .push(outlier(rule, id, p, partner, x, c, z, members.len(), as_of));
            }
            analytics.scores.push(PartnerScore {
                rule: Arc::clone(id),
                partner: partner.id.clone(),
                partner_type: partner.partner_type,
                region: partner.region.clone(),
                group: group.clone(),
                assets: *n,
                total: *total,
                per_asset: x,
                median: centre.filter(|_| judged),
                score,
                flagged,
                other_currency_lines: sums.other_currency.get(&partner.id).copied().unwrap_or(0),
            });
        }
    }
}

#[cold]
#[allow(clippy::too_many_arguments, reason = "the pieces of one sentence")]
fn outlier(
    rule: &Rule,
    id: &Arc<str>,
    p: &PeerOutlier,
    partner: &Partner,
    x: Decimal,
    centre: Decimal,
    z: Decimal,
    n: usize,
    as_of: Option<Date>,
) -> Finding {
    let verb = match rule.select.kinds.as_slice() {
        [Kind::Sale] => "sold",
        [Kind::Purchase] => "bought",
        _ => "recorded",
    };
    let from = match p.source.as_deref() {
        None => String::new(),
        Some("oem") => " from the OEM".to_owned(),
        Some(s) => format!(" from `{s}`"),
    };
    let (side, limit) = if z > Decimal::ZERO {
        ("above", shown(p.threshold))
    } else {
        ("below", shown(-p.threshold))
    };
    let message = format!(
        "{} {verb} {} {} of parts{from} per installed asset; the median of {} is {}: modified z-score {}, {side} the limit of {limit}",
        partner.id,
        shown(x),
        p.currency,
        group_words(&p.peers, partner, n),
        shown(centre),
        shown(z),
    );
    let expected = match p.direction {
        Direction::High => format!("modified z-score at most {}", shown(p.threshold)),
        Direction::Low => format!("modified z-score at least {}", shown(-p.threshold)),
        Direction::Both => format!("modified z-score within ±{}", shown(p.threshold)),
    };
    Finding {
        rule: Arc::clone(id),
        severity: rule.severity,
        record: None,
        line: None,
        partner: partner.id.clone(),
        message,
        expected,
        actual: shown(z),
        date: as_of.unwrap_or(Date::MIN),
    }
}
