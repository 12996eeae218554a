//! `peer-outlier`: a per-partner metric over the whole batch, per installed asset, against
//! the partner's peers, judged by the modified z-score. This is the article's aftermarket
//! analysis: no single sale gave the undercutting integrator away; its parts sales per
//! asset, beside its peers', did. A partner-level check, judged over the batch; what it
//! measured goes to the outcome's [`Analytics`], which its explanation reads.

use super::{CheckKind, Ctx, Env, ExplainCx, Finish, RuleRef, Step, step};
use crate::date::Date;
use crate::diag::did_you_mean;
use crate::finding::{Finding, RuleError, RuleErrorKind};
use crate::hash::FastMap;
use crate::money::parse_decimal;
use crate::outcome::{Analytics, LeftOut, PartnerScore, PeerGroup, Verdict, shown};
use crate::pack::{FileLoader, Rule};
use crate::record::{CompactString, Kind, Record};
use crate::refdata::{Partner, ticked};
use crate::stats::{mad, median, modified_z};
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use toml::Spanned;

/// What a partner is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum PeerKey {
    /// Partners of the same region (`partners.csv`).
    Region,
    /// Partners of the same type.
    PartnerType,
}

/// Which side of the group's centre is suspicious.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Direction {
    /// Far above the median.
    High,
    /// Far below the median.
    Low,
    /// Either.
    Both,
}

/// The parameters of a `peer-outlier` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerOutlier {
    /// Only lines in this currency count; the others are left out and counted.
    pub currency: String,
    /// Only lines from this source count, when given (`oem`: bought from the OEM).
    pub source: Option<String>,
    /// What makes partners peers.
    pub peers: Vec<PeerKey>,
    /// Which side is flagged.
    pub direction: Direction,
    /// The modified z-score beyond which a partner is flagged (3.5 in the literature).
    pub threshold: Decimal,
    /// Groups with fewer partners are not judged.
    pub min_group: usize,
}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    currency: Spanned<String>,
    #[serde(default)]
    source: Option<String>,
    peers: Vec<Spanned<String>>,
    direction: Spanned<String>,
    /// A decimal in quotes, such as `"3.5"`.
    threshold: Spanned<String>,
    min_group: Spanned<i64>,
}

impl CheckKind for PeerOutlier {
    type Params = Params;
    type State = Sums;
    const STATELESS: bool = false;
    const PARTNER_LEVEL: bool = true;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        let mut ok = true;
        if !crate::money::is_currency_code(p.currency.get_ref()) {
            let message = format!(
                "expected a three-letter ISO 4217 code like `USD`, but found `{}`",
                p.currency.get_ref()
            );
            cx.fail_with(
                crate::diag::codes::PACK_BAD_PARAM,
                p.currency.span(),
                message,
                None,
            );
            ok = false;
        }
        let mut peers = Vec::new();
        for key in &p.peers {
            match key.get_ref().as_str() {
                "region" => peers.push(PeerKey::Region),
                "partner_type" => peers.push(PeerKey::PartnerType),
                other => {
                    let known = ["region", "partner_type"];
                    let message =
                        format!("expected peers by {}, but found `{other}`", ticked(&known));
                    cx.fail_with(
                        crate::diag::codes::PACK_BAD_PARAM,
                        key.span(),
                        message,
                        did_you_mean(other, known),
                    );
                    ok = false;
                }
            }
        }
        peers.sort_unstable();
        peers.dedup();
        let direction = match p.direction.get_ref().as_str() {
            "high" => Some(Direction::High),
            "low" => Some(Direction::Low),
            "both" => Some(Direction::Both),
            other => {
                let known = ["high", "low", "both"];
                let message = format!(
                    "expected a direction of {}, but found `{other}`",
                    ticked(&known)
                );
                cx.fail_with(
                    crate::diag::codes::PACK_BAD_PARAM,
                    p.direction.span(),
                    message,
                    did_you_mean(other, known),
                );
                None
            }
        };
        let threshold = match parse_decimal(p.threshold.get_ref()) {
            Ok(t) if t > Decimal::ZERO => Some(t),
            Ok(t) => {
                cx.fail_with(
                    crate::diag::codes::PACK_BAD_PARAM,
                    p.threshold.span(),
                    format!("expected a threshold above 0 such as `3.5`, but found `{t}`"),
                    None,
                );
                None
            }
            Err(e) => {
                cx.fail_with(
                    crate::diag::codes::PACK_BAD_PARAM,
                    p.threshold.span(),
                    e,
                    None,
                );
                None
            }
        };
        let min_group = *p.min_group.get_ref();
        if !(3..=1_000_000).contains(&min_group) {
            // Below 3 partners a median and its deviation say nothing about an outlier.
            let message =
                format!("expected a minimum group size from 3 to 1000000, but found `{min_group}`");
            cx.fail_with(
                crate::diag::codes::PACK_BAD_PARAM,
                p.min_group.span(),
                message,
                None,
            );
            ok = false;
        }
        let source = p.source.filter(|s| !s.is_empty());
        Some(PeerOutlier {
            currency: p.currency.into_inner(),
            source,
            peers: ok.then_some(peers)?,
            direction: direction?,
            threshold: threshold?,
            min_group: usize::try_from(min_group).ok()?,
        })
    }

    fn judge(&self, _: &RuleRef<'_>, _: &Ctx<'_>, _: &mut Env<'_>, _: &mut Verdict) {
        // Batch-level: judged at `finish`.
    }

    /// Which records count is the selector's kinds; which partners are measured (types,
    /// regions) is decided at `finish`, over partners.csv.
    fn observe(&self, sums: &mut Sums, rule: &Rule, ctx: &Ctx<'_>) {
        let record = ctx.record;
        if rule.select.kinds.is_empty() || rule.select.kinds.contains(&record.kind) {
            sums.add(self, record);
        }
    }

    fn merge(&self, mine: &mut Sums, theirs: Sums) {
        mine.merge(theirs);
    }

    fn finish(
        &self,
        sums: Sums,
        at: &RuleRef<'_>,
        fin: &Finish<'_>,
        out: &mut Verdict,
        analytics: &mut Analytics,
    ) {
        finish(at, self, sums, fin, out, analytics);
    }

    /// The decision is the outcome's analytics: the partner's score and its group, as
    /// `finish` recorded them.
    fn explain(&self, cx: &ExplainCx<'_>) -> Vec<Step> {
        let (rule, rec, analytics) = (cx.rule, cx.ctx.record, &cx.outcome.analytics);
        let score = analytics
            .scores
            .iter()
            .find(|s| *s.rule == *rule.id && s.partner == rec.partner);
        let group = score.and_then(|s| {
            analytics
                .groups
                .iter()
                .find(|g| *g.rule == *rule.id && g.group == s.group)
        });
        let (Some(s), Some(g)) = (score, group) else {
            return vec![step(
                "metric",
                "the partner was not measured (see the report's left_out)",
                &[],
            )];
        };
        vec![
            step(
                "metric",
                format!(
                    "{} {} over {} installed assets = {} per asset ({} other-currency line(s) left out)",
                    shown(s.total),
                    self.currency,
                    s.assets,
                    shown(s.per_asset),
                    s.other_currency_lines
                ),
                &[
                    ("total", s.total.to_string()),
                    ("assets", s.assets.to_string()),
                    ("per_asset", s.per_asset.to_string()),
                ],
            ),
            step(
                "peer group",
                format!(
                    "{}: {} partners, median {}, MAD {}{}",
                    g.group,
                    g.partners,
                    g.median.map_or("-".to_owned(), shown),
                    g.mad.map_or("-".to_owned(), shown),
                    g.note
                        .as_ref()
                        .map_or(String::new(), |n| format!("; not judged: {n}"))
                ),
                &[("group", g.group.clone())],
            ),
            step(
                "score",
                match s.score {
                    Some(z) => format!(
                        "modified z-score 0.6745 x ({} - {}) / {} = {}; flagged {} {}: {}",
                        shown(s.per_asset),
                        g.median.map_or("-".to_owned(), shown),
                        g.mad.map_or("-".to_owned(), shown),
                        shown(z),
                        match self.direction {
                            Direction::High => "above",
                            Direction::Low => "below minus",
                            Direction::Both => "beyond plus or minus",
                        },
                        shown(self.threshold),
                        if s.flagged { "flagged" } else { "within" }
                    ),
                    None => "no score".to_owned(),
                },
                &[
                    ("score", s.score.map_or("-".to_owned(), |z| z.to_string())),
                    ("flagged", s.flagged.to_string()),
                ],
            ),
        ]
    }
}

/// What a `peer-outlier` rule adds up while records stream by.
#[derive(Default)]
pub(crate) struct Sums {
    /// Per partner, the value of its counted lines.
    value: FastMap<CompactString, Decimal>,
    /// Per partner, lines left out for being in another currency.
    other_currency: FastMap<CompactString, usize>,
    /// Partners whose total overflowed (reported as rule errors, never guessed).
    overflowed: Vec<CompactString>,
}

impl Sums {
    /// Adds another shard's sums to these: the result is the same as one pass over both.
    fn merge(&mut self, other: Sums) {
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

    fn add(&mut self, p: &PeerOutlier, record: &Record) {
        let mut total = Decimal::ZERO;
        let mut overflow = false;
        for line in &record.lines {
            if p.source
                .as_ref()
                .is_some_and(|s| line.source.as_deref() != Some(s.as_str()))
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

/// Judges a `peer-outlier` rule over the batch.
fn finish(
    at: &RuleRef<'_>,
    p: &PeerOutlier,
    sums: Sums,
    fin: &Finish<'_>,
    out: &mut Verdict,
    analytics: &mut Analytics,
) {
    let (rule, id, data, as_of) = (at.rule, at.id, fin.data, fin.as_of);
    let mut assets: HashMap<&str, u64> = HashMap::new();
    for row in data.installed_base() {
        let a = assets.entry(row.partner.as_str()).or_default();
        *a = a.saturating_add(row.assets);
    }
    for partner in &sums.overflowed {
        out.rule_errors.push(RuleError::new(
            id,
            rule.severity,
            None,
            RuleErrorKind::Overflow,
            format!(
                "the total of partner {partner} is too large to hold exactly; it was not judged"
            ),
        ));
    }
    let left_out = |partner: &str, reason: &str| LeftOut {
        rule: Arc::clone(id),
        partner: partner.to_owned(),
        reason: reason.to_owned(),
    };
    let mut unknown: Vec<&CompactString> = sums
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
            || sums.overflowed.iter().any(|o| *o == partner.id)
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
        let total = sums
            .value
            .get(partner.id.as_str())
            .copied()
            .unwrap_or_default();
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
                other_currency_lines: sums
                    .other_currency
                    .get(partner.id.as_str())
                    .copied()
                    .unwrap_or(0),
            });
        }
    }
}

#[cold]
#[expect(clippy::too_many_arguments, reason = "the pieces of one sentence")]
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
        message: message.into(),
        expected: expected.into(),
        actual: shown(z).into(),
        code: None,
        date: as_of.unwrap_or(Date::MIN),
    }
}
