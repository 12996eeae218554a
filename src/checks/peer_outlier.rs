//! `peer-outlier`: a per-partner metric over the whole batch, per installed asset, against
//! the partner's peers, judged by the modified z-score. This is the article's aftermarket
//! analysis: no single sale gave the undercutting integrator away; its parts sales per
//! asset, beside its peers', did. A partner-level check, judged over the batch; what it
//! measured goes to the outcome's [`Analytics`], which its explanation reads.

use super::{At, CheckKind, Ctx, Env, ExplainCx, Finish, RuleRef, Step, step};
use crate::currency::Currency;
use crate::date::Date;
use crate::diag::did_you_mean;
use crate::finding::{Finding, RuleError, RuleErrorKind};
use crate::hash::FastMap;
use crate::money::parse_decimal;
use crate::outcome::{Analytics, LeftOut, Measure, PartnerScore, PeerGroup, Verdict, shown};
use crate::pack::{FileLoader, Rule};
use crate::record::{CompactString, Kind, Record};
use crate::refdata::{Partner, PartnerType, RefData, ticked};
use crate::stats::{Z_FACTOR, mad, median, modified_z};
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
    /// The currency the metric is in. `None` (the standard pack): the pack's
    /// `report_currency`, lines in other currencies converted with `fx_rates.csv` on their
    /// record's date. Given: only lines in it count, unless it is the report currency. A
    /// line that cannot be converted is left out of the total and listed, never counted
    /// as 0.
    pub currency: Option<String>,
    /// Only lines from this source count, when given (`oem`: bought from the OEM).
    pub source: Option<String>,
    /// Whether a line from an approved source that is itself a distributor in
    /// `partners.csv` counts as from `source` (parts bought through an authorised
    /// distributor are genuine OEM parts).
    pub via_distributors: bool,
    /// What makes partners peers.
    pub peers: Vec<PeerKey>,
    /// What makes partners peers for a partner whose own group is smaller than
    /// `min_group`, tried in order: the first whose group is large enough judges it
    /// (`partner_type` alone, say, for a dealer alone in its region). Empty, or none large
    /// enough: the partner is not judged, its own group listed as too small.
    pub fallback: Vec<Vec<PeerKey>>,
    /// Which side is flagged.
    pub direction: Direction,
    /// The modified z-score beyond which a partner is flagged (3.5 in the literature).
    pub threshold: Decimal,
    /// Groups with fewer partners are not judged.
    pub min_group: usize,
}

impl PeerOutlier {
    /// What `rule` (of this kind) measures.
    fn measure(&self, rule: &Rule) -> Measure {
        match (rule.select.kinds.as_slice(), self.source.as_deref()) {
            ([Kind::Sale], None) => Measure::Sales,
            ([Kind::Purchase], Some("oem")) => Measure::OemPurchases,
            _ => Measure::Other,
        }
    }

    /// The per-asset values a group with median `centre` and spread `mad` does not flag:
    /// `centre ± threshold x mad / 0.6745`, each side `None` when that side is not flagged
    /// (or the bound does not fit a decimal).
    fn band(&self, centre: Decimal, mad: Decimal) -> (Option<Decimal>, Option<Decimal>) {
        let reach = self
            .threshold
            .checked_mul(mad)
            .and_then(|r| r.checked_div(Z_FACTOR));
        let low = matches!(self.direction, Direction::Low | Direction::Both);
        let high = matches!(self.direction, Direction::High | Direction::Both);
        (
            reach.filter(|_| low).and_then(|r| centre.checked_sub(r)),
            reach.filter(|_| high).and_then(|r| centre.checked_add(r)),
        )
    }
}

/// `[rule.params]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    #[serde(default)]
    currency: Option<Spanned<String>>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    via_distributors: bool,
    peers: Vec<Spanned<String>>,
    #[serde(default)]
    fallback: Vec<Spanned<Vec<Spanned<String>>>>,
    direction: Spanned<String>,
    /// A decimal in quotes, such as `"3.5"`.
    threshold: Spanned<String>,
    min_group: Spanned<i64>,
}

/// The peer keys of `peers` (or `fallback`), sorted; a key that is not one reports itself.
fn peer_keys(keys: &[Spanned<String>], cx: &mut FileLoader<'_>, ok: &mut bool) -> Vec<PeerKey> {
    let mut peers = Vec::new();
    for key in keys {
        match key.get_ref().as_str() {
            "region" => peers.push(PeerKey::Region),
            "partner_type" => peers.push(PeerKey::PartnerType),
            other => {
                let known = ["region", "partner_type"];
                let message = format!("expected peers by {}, but found `{other}`", ticked(&known));
                cx.fail_with(
                    crate::diag::codes::PACK_BAD_PARAM,
                    key.span(),
                    message,
                    did_you_mean(other, known),
                );
                *ok = false;
            }
        }
    }
    peers.sort_unstable();
    peers.dedup();
    peers
}

impl CheckKind for PeerOutlier {
    type Params = Params;
    type State = Sums;
    const STATELESS: bool = false;
    const PARTNER_LEVEL: bool = true;

    fn load(p: Params, cx: &mut FileLoader<'_>) -> Option<Self> {
        let mut ok = true;
        if let Some(c) = p.currency.as_ref() {
            if !crate::money::is_currency_code(c.get_ref()) {
                let message = format!(
                    "expected a three-letter ISO 4217 code like `USD`, but found `{}`",
                    c.get_ref()
                );
                cx.fail_with(crate::diag::codes::PACK_BAD_PARAM, c.span(), message, None);
                ok = false;
            }
        }
        let peers = peer_keys(&p.peers, cx, &mut ok);
        let mut fallback: Vec<Vec<PeerKey>> = Vec::new();
        for level in &p.fallback {
            let keys = peer_keys(level.get_ref(), cx, &mut ok);
            if keys == peers || fallback.contains(&keys) {
                let message = "each fallback must differ from `peers` and from the fallbacks before it, such as `[[\"partner_type\"], [\"region\"]]`".to_owned();
                cx.fail_with(
                    crate::diag::codes::PACK_BAD_PARAM,
                    level.span(),
                    message,
                    None,
                );
                ok = false;
            }
            fallback.push(keys);
        }
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
            currency: p.currency.map(Spanned::into_inner),
            source,
            via_distributors: p.via_distributors,
            peers: ok.then_some(peers)?,
            fallback,
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
            sums.add(self, record, ctx.data);
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
                    "{} {} over {} installed assets = {} per asset ({} line(s) left out: see the report's left_out)",
                    shown(s.total),
                    self.currency
                        .as_deref()
                        .unwrap_or(cx.settings.report_currency().as_str()),
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

/// What a `peer-outlier` rule adds up while records stream by: per partner and currency,
/// the counted lines as they are and converted with `fx_rates.csv` (the report currency is
/// known only at `finish`, so both are kept; a partner deals in few currencies).
#[derive(Default)]
pub(crate) struct Sums {
    value: FastMap<CompactString, BTreeMap<Currency, Bucket>>,
    /// Partners whose total overflowed (reported as rule errors, never guessed).
    overflowed: Vec<CompactString>,
}

/// One partner's counted lines in one currency.
#[derive(Debug, Default, Clone, Copy)]
struct Bucket {
    /// Every line, in its currency; a return (a negative quantity) nets.
    all: Amounts,
    /// The lines with a rate to the report currency on their date, converted.
    converted: Decimal,
    /// The lines with no rate on their date, in their currency.
    missing: Amounts,
}

/// Lines added up: how many, their amount, their first and last dates.
#[derive(Debug, Default, Clone, Copy)]
struct Amounts {
    lines: usize,
    amount: Decimal,
    first: Option<Date>,
    last: Option<Date>,
}

impl Amounts {
    /// Adds `amount` of one line dated `on`; `None` on overflow.
    fn add(&mut self, amount: Decimal, on: Date) -> Option<()> {
        self.amount = self.amount.checked_add(amount)?;
        self.lines = self.lines.saturating_add(1);
        self.first = Some(self.first.map_or(on, |f| f.min(on)));
        self.last = Some(self.last.map_or(on, |l| l.max(on)));
        Some(())
    }

    /// Adds another's; `None` on overflow.
    fn absorb(&mut self, other: Amounts) -> Option<()> {
        self.amount = self.amount.checked_add(other.amount)?;
        self.lines = self.lines.saturating_add(other.lines);
        self.first = match (self.first, other.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.max(other.last);
        Some(())
    }
}

impl Bucket {
    /// Adds another shard's; `None` on overflow.
    fn absorb(&mut self, other: Bucket) -> Option<()> {
        self.all.absorb(other.all)?;
        self.missing.absorb(other.missing)?;
        self.converted = self.converted.checked_add(other.converted)?;
        Some(())
    }
}

impl Sums {
    /// Adds another shard's sums to these: the result is the same as one pass over both.
    fn merge(&mut self, other: Sums) {
        for (partner, buckets) in other.value {
            let mine = self.value.entry(partner.clone()).or_default();
            for (currency, b) in buckets {
                if mine.entry(currency).or_default().absorb(b).is_none() {
                    self.overflowed.push(partner.clone());
                }
            }
        }
        self.overflowed.extend(other.overflowed);
        self.overflowed.sort_unstable();
        self.overflowed.dedup();
    }

    fn add(&mut self, p: &PeerOutlier, record: &Record, data: &RefData) {
        let mut overflow = false;
        let buckets = self.value.entry(record.partner.clone()).or_default();
        for line in &record.lines {
            if let Some(s) = p.source.as_deref() {
                let from = line.source.as_deref();
                let via = p.via_distributors
                    && from.is_some_and(|f| {
                        data.is_approved_source(f)
                            && data
                                .partner(f)
                                .is_some_and(|d| d.partner_type == PartnerType::Distributor)
                    });
                if from != Some(s) && !via {
                    continue;
                }
            }
            let Some(amount) = line.unit_price.checked_mul(Decimal::from(line.qty)) else {
                overflow = true;
                continue;
            };
            let b = buckets.entry(line.currency).or_default();
            let rate = data.fx_rate(line.currency.as_str(), record.date);
            let ok = b.all.add(amount, record.date).and_then(|()| match rate {
                Some(r) => {
                    b.converted = b.converted.checked_add(amount.checked_mul(r)?)?;
                    Some(())
                }
                None => b.missing.add(amount, record.date),
            });
            overflow |= ok.is_none();
        }
        if overflow && !self.overflowed.contains(&record.partner) {
            self.overflowed.push(record.partner.clone());
        }
    }
}

/// A partner's total in the metric's currency, and the lines left out of it per currency
/// (in their currency): `None` on overflow.
fn total_of(
    buckets: Option<&BTreeMap<Currency, Bucket>>,
    target: &str,
    report: &str,
) -> Option<(Decimal, Vec<(Currency, Amounts)>)> {
    let mut total = Decimal::ZERO;
    let mut left = Vec::new();
    for (currency, b) in buckets.into_iter().flatten() {
        if currency.as_str() == target {
            total = total.checked_add(b.all.amount)?;
        } else if target == report {
            total = total.checked_add(b.converted)?;
            if b.missing.lines > 0 {
                left.push((*currency, b.missing));
            }
        } else {
            left.push((*currency, b.all));
        }
    }
    Some((total, left))
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

/// How a partner's lines left out of its total read: `2 lines, 1234.00 CAD from 2026-01-03
/// to 2026-03-14: no rate to USD in fx_rates.csv on their dates`.
fn left_words(currency: Currency, a: &Amounts, target: &str, converts: bool) -> String {
    let lines = if a.lines == 1 { "line" } else { "lines" };
    let dates = match (a.first, a.last) {
        (Some(f), Some(l)) if f == l => format!(" on {f}"),
        (Some(f), Some(l)) => format!(" from {f} to {l}"),
        _ => String::new(),
    };
    let why = if converts {
        let on = if a.lines == 1 {
            "its date"
        } else {
            "their dates"
        };
        format!("no rate to {target} in fx_rates.csv on {on}")
    } else {
        format!("the rule counts {target} only")
    };
    format!(
        "{} {lines}, {} {currency}{dates} left out of its total: {why}",
        a.lines,
        crate::outcome::money(a.amount, 2)
    )
}

/// A measured partner: its assets and total.
type Member<'p> = (&'p Partner, u64, Decimal);

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
    let measure = p.measure(rule);
    let report = fin.settings.report_currency();
    let target = p.currency.as_deref().unwrap_or(report.as_str());
    let mut assets: HashMap<&str, u64> = HashMap::new();
    for row in data.installed_base() {
        let a = assets.entry(row.partner.as_str()).or_default();
        *a = a.saturating_add(row.assets);
    }
    let overflow = |partner: &str| {
        RuleError::new(
            id,
            rule.severity,
            None,
            RuleErrorKind::Overflow,
            format!(
                "the total of partner {partner} is too large to hold exactly; it was not judged"
            ),
        )
    };
    for partner in &sums.overflowed {
        out.rule_errors.push(overflow(partner));
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
    let mut measured: Vec<Member<'_>> = Vec::new();
    let mut left_lines: HashMap<&str, usize> = HashMap::new();
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
        let buckets = sums.value.get(partner.id.as_str());
        let Some((total, left)) = total_of(buckets, target, report.as_str()) else {
            out.rule_errors.push(overflow(&partner.id));
            continue;
        };
        // An amount that cannot be converted is listed, never counted as 0 silently.
        for (currency, a) in &left {
            let words = left_words(*currency, a, target, target == report.as_str());
            analytics.left_out.push(left_out(&partner.id, &words));
            let n = left_lines.entry(partner.id.as_str()).or_default();
            *n = n.saturating_add(a.lines);
        }
        measured.push((partner, n, total));
    }
    let per_asset = |(_, n, total): &Member<'_>| total.checked_div(Decimal::from(*n));
    // Per level (`peers`, then each fallback), every measured partner's group there: the
    // population each group is judged over.
    let levels: Vec<&[PeerKey]> = std::iter::once(p.peers.as_slice())
        .chain(p.fallback.iter().map(Vec::as_slice))
        .collect();
    let mut population: Vec<BTreeMap<String, Vec<usize>>> = vec![BTreeMap::new(); levels.len()];
    for (level, groups) in levels.iter().zip(population.iter_mut()) {
        for (i, (partner, ..)) in measured.iter().enumerate() {
            groups
                .entry(group_name(level, partner))
                .or_default()
                .push(i);
        }
    }
    let empty = BTreeMap::new();
    let groups = population.first().unwrap_or(&empty);
    // Each partner is judged at the first level whose group is large enough; when none is,
    // in its own group, which is listed as too small.
    let mut judged_at: Vec<BTreeMap<String, Vec<usize>>> = vec![BTreeMap::new(); levels.len()];
    let mut level_of: Vec<usize> = Vec::with_capacity(measured.len());
    for (i, (partner, ..)) in measured.iter().enumerate() {
        let level = levels
            .iter()
            .zip(&population)
            .position(|(keys, groups)| {
                groups
                    .get(&group_name(keys, partner))
                    .is_some_and(|g| g.len() >= p.min_group)
            })
            .unwrap_or(0);
        level_of.push(level);
        if let (Some(keys), Some(at)) = (levels.get(level), judged_at.get_mut(level)) {
            at.entry(group_name(keys, partner)).or_default().push(i);
        }
    }
    let too_small = |n: usize| {
        let partners = if n == 1 { "partner" } else { "partners" };
        format!(
            "too small to judge: {n} {partners}, fewer than {}",
            p.min_group
        )
    };
    let judge = |group: &str,
                 population: &[usize],
                 scored: &[usize],
                 keys: &[PeerKey],
                 fell_back: bool,
                 out: &mut Verdict,
                 analytics: &mut Analytics| {
        let values: Vec<Decimal> = population
            .iter()
            .filter_map(|i| measured.get(*i).and_then(per_asset))
            .collect();
        let centre = median(&values);
        let spread = centre.and_then(|c| mad(&values, c));
        let note = if population.len() < p.min_group {
            Some(too_small(population.len()))
        } else if spread.is_none_or(|s| s.is_zero()) {
            Some("no spread to judge against: the median absolute deviation is 0".to_owned())
        } else {
            None
        };
        let judged = note.is_none();
        let (band_low, band_high) = match (judged, centre, spread) {
            (true, Some(c), Some(s)) => p.band(c, s),
            _ => (None, None),
        };
        analytics.groups.push(PeerGroup {
            rule: Arc::clone(id),
            measure,
            group: group.to_owned(),
            partners: population.len(),
            members: population
                .iter()
                .filter_map(|i| measured.get(*i))
                .map(|(partner, ..)| partner.id.clone())
                .collect(),
            median: centre,
            mad: spread,
            judged,
            band_low,
            band_high,
            note,
        });
        for member in scored.iter().filter_map(|i| measured.get(*i)) {
            let (partner, n, total) = *member;
            let x = per_asset(member).unwrap_or_default();
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
                // A partner judged in its fallback group says which group was too small.
                let small = fell_back.then(|| {
                    let own = group_name(&p.peers, partner);
                    let n = groups.get(&own).map_or(0, Vec::len);
                    format!("its own group, {own}, has {n}, fewer than {}", p.min_group)
                });
                let groups = (keys, population.len(), small.as_deref());
                let on = as_of.unwrap_or(Date::MIN);
                out.findings
                    .push(outlier(at, p, target, partner, x, c, z, groups, on));
            }
            analytics.scores.push(PartnerScore {
                rule: Arc::clone(id),
                measure,
                partner: partner.id.clone(),
                partner_type: partner.partner_type,
                region: partner.region.clone(),
                group: group.to_owned(),
                assets: n,
                total,
                per_asset: x,
                median: centre.filter(|_| judged),
                score,
                flagged,
                other_currency_lines: left_lines.get(partner.id.as_str()).copied().unwrap_or(0),
            });
        }
    };
    let none = BTreeMap::new();
    let own = judged_at.first().unwrap_or(&none);
    for (group, members) in groups {
        match own.get(group) {
            Some(scored) => judge(group, members, scored, &p.peers, false, out, analytics),
            None => {
                // Listed, not judged here: its partners are judged in a fallback group.
                let mut names: Vec<String> = Vec::new();
                for i in members {
                    let keys = level_of.get(*i).and_then(|l| levels.get(*l));
                    let found = keys
                        .zip(measured.get(*i))
                        .map(|(keys, (partner, ..))| group_name(keys, partner));
                    names.extend(found.filter(|n| !names.contains(n)));
                }
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                analytics.groups.push(PeerGroup {
                    rule: Arc::clone(id),
                    measure,
                    group: group.clone(),
                    partners: members.len(),
                    members: members
                        .iter()
                        .filter_map(|i| measured.get(*i))
                        .map(|(partner, ..)| partner.id.clone())
                        .collect(),
                    median: None,
                    mad: None,
                    judged: false,
                    band_low: None,
                    band_high: None,
                    note: Some(format!(
                        "{}; judged in {}",
                        too_small(members.len()),
                        ticked(&names)
                    )),
                });
            }
        }
    }
    for ((keys, at), everyone) in levels.iter().zip(&judged_at).zip(&population).skip(1) {
        for (group, scored) in at {
            let members = everyone.get(group).map_or(&[][..], Vec::as_slice);
            judge(group, members, scored, keys, true, out, analytics);
        }
    }
}

#[cold]
#[expect(clippy::too_many_arguments, reason = "the pieces of one sentence")]
fn outlier(
    at: &RuleRef<'_>,
    p: &PeerOutlier,
    currency: &str,
    partner: &Partner,
    x: Decimal,
    centre: Decimal,
    z: Decimal,
    (keys, n, small): (&[PeerKey], usize, Option<&str>),
    date: Date,
) -> Finding {
    let verb = match at.rule.select.kinds.as_slice() {
        [Kind::Sale] => "sold",
        [Kind::Purchase] => "bought",
        _ => "recorded",
    };
    let from = match p.source.as_deref() {
        None => String::new(),
        Some("oem") if p.via_distributors => " from the OEM or its distributors".to_owned(),
        Some("oem") => " from the OEM".to_owned(),
        Some(s) => format!(" from `{s}`"),
    };
    let (side, limit) = if z > Decimal::ZERO {
        ("above", shown(p.threshold))
    } else {
        ("below", shown(-p.threshold))
    };
    let small = small.map_or(String::new(), |s| format!(" ({s})"));
    let message = format!(
        "{} {verb} {} {currency} of parts{from} per installed asset; the median of {}{small} is {}: modified z-score {}, {side} the limit of {limit}",
        partner.id,
        shown(x),
        group_words(keys, partner, n),
        shown(centre),
        shown(z),
    );
    let expected = match p.direction {
        Direction::High => format!("modified z-score at most {}", shown(p.threshold)),
        Direction::Low => format!("modified z-score at least {}", shown(-p.threshold)),
        Direction::Both => format!("modified z-score within ±{}", shown(p.threshold)),
    };
    let at = At {
        rule: at,
        record: None,
        line: None,
        partner: &partner.id,
        date,
        customer: None,
        sku: None,
    };
    at.finding(message, expected, shown(z))
}
