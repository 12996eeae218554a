//! The analyst's view: a scorecard per partner (its metrics, peer group, score and findings
//! by rule) and a table per region, from what the aggregate rules measured.

use super::Tally;
use crate::outcome::{Analytics, Measure, PartnerScore, money, shown};
use crate::refdata::{PartnerType, RefData};
use crate::text::escape as esc;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One partner's line in the scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PartnerCard {
    /// The partner's id.
    pub partner: String,
    /// Its type; `None` when it is not in `partners.csv`.
    #[serde(rename = "type")]
    pub partner_type: Option<PartnerType>,
    /// Its region.
    pub region: Option<String>,
    /// Its status.
    pub status: Option<String>,
    /// The money at stake of its findings, in the report currency (two places).
    pub money_at_stake: String,
    /// Of that, the money below the price floor (the price rules' findings).
    pub money_below_list: String,
    /// Its installed assets (`installed_base.csv`); `None` when it has none listed.
    pub assets: Option<u64>,
    /// Its sales per installed asset, by the pack's first aggregate rule measuring sales.
    pub sales_per_asset: Option<String>,
    /// Its purchases from the OEM per installed asset, by the first aggregate rule
    /// measuring them.
    pub purchases_per_asset: Option<String>,
    /// Whether an aggregate rule flagged it as an outlier among its peers.
    pub outlier: bool,
    /// Per aggregate rule, what it measured.
    pub metrics: BTreeMap<String, Metric>,
    /// Findings per rule.
    pub findings: BTreeMap<String, usize>,
    /// Ship-and-debit claim money rejected, per currency (two places); absent when none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub claims_rejected: BTreeMap<String, String>,
}

/// One partner's metric under one aggregate rule, rounded for people (two places, half to
/// even); the judging used full precision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Metric {
    /// The peer group.
    pub group: String,
    /// Installed assets.
    pub assets: u64,
    /// The value of its counted lines.
    pub total: String,
    /// `total / assets`.
    pub per_asset: String,
    /// The group's median, when the group was judged.
    pub median: Option<String>,
    /// The modified z-score, when the group was judged.
    pub score: Option<String>,
    /// Whether it was flagged.
    pub flagged: bool,
}

/// One region under one aggregate rule: the article's "sales per asset by region".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RegionRow {
    /// The rule.
    pub rule: String,
    /// The region.
    pub region: String,
    /// Partners measured in it.
    pub partners: usize,
    /// Their installed assets.
    pub assets: u64,
    /// The value of their counted lines.
    pub total: String,
    /// `total / assets`.
    pub per_asset: String,
}

fn metric(s: &PartnerScore) -> Metric {
    Metric {
        group: s.group.clone(),
        assets: s.assets,
        total: shown(s.total),
        per_asset: shown(s.per_asset),
        median: s.median.map(shown),
        score: s.score.map(shown),
        flagged: s.flagged,
    }
}

/// A card for every partner in `partners.csv` and every other partner the report names,
/// most money at stake first, then most findings, then by id; `tally` gives the findings
/// and money per partner and rule, `price_rules` the rules whose money is below the floor.
pub(crate) fn cards(
    data: &RefData,
    tally: &Tally,
    analytics: &Analytics,
    price_rules: &[&str],
) -> Vec<PartnerCard> {
    let counts = &tally.by_partner;
    let mut assets: BTreeMap<&str, u64> = BTreeMap::new();
    for row in data.installed_base() {
        let n = assets.entry(&row.partner).or_default();
        *n = n.saturating_add(row.assets);
    }
    let mut cards: BTreeMap<String, PartnerCard> = BTreeMap::new();
    let mut card = |id: &str| {
        cards.entry(id.to_owned()).or_insert_with(|| {
            let p = data.partner(id);
            let money = tally.money.get(id);
            let below: Decimal = money.map_or(Decimal::ZERO, |m| {
                m.iter()
                    .filter(|(rule, _)| price_rules.contains(&&***rule))
                    .fold(Decimal::ZERO, |a, (_, b)| a.saturating_add(*b))
            });
            PartnerCard {
                partner: id.to_owned(),
                partner_type: p.map(|p| p.partner_type),
                region: p.map(|p| p.region.clone()),
                status: p.map(|p| p.status.clone()),
                money_at_stake: shown(tally.money_of(id)),
                money_below_list: shown(below),
                assets: assets.get(id).copied().filter(|n| *n > 0),
                sales_per_asset: None,
                purchases_per_asset: None,
                outlier: false,
                metrics: BTreeMap::new(),
                findings: BTreeMap::new(),
                claims_rejected: BTreeMap::new(),
            }
        });
    };
    for p in data.partners() {
        card(&p.id);
    }
    for partner in counts.keys() {
        card(partner);
    }
    for s in &analytics.scores {
        if let Some(c) = cards.get_mut(&s.partner) {
            c.metrics.insert(s.rule.to_string(), metric(s));
            c.outlier |= s.flagged;
            let per_asset = match s.measure {
                Measure::Sales => &mut c.sales_per_asset,
                Measure::OemPurchases => &mut c.purchases_per_asset,
                _ => continue,
            };
            if per_asset.is_none() {
                *per_asset = Some(shown(s.per_asset));
            }
        }
    }
    let mut rejected: BTreeMap<(&str, &str), Decimal> = BTreeMap::new();
    for c in &analytics.claims_rejected {
        let sum = rejected.entry((&c.partner, &c.currency)).or_default();
        *sum = sum.saturating_add(c.amount);
    }
    for ((partner, currency), amount) in rejected {
        if let Some(c) = cards.get_mut(partner) {
            c.claims_rejected
                .insert(currency.to_owned(), money(amount, 2));
        }
    }
    for (partner, by_rule) in counts {
        if let Some(c) = cards.get_mut(partner) {
            for (rule, n) in by_rule {
                *c.findings.entry(rule.to_string()).or_default() += n;
            }
        }
    }
    let mut cards: Vec<(Decimal, usize, PartnerCard)> = cards
        .into_values()
        .map(|c| {
            let n = c.findings.values().sum();
            (tally.money_of(&c.partner), n, c)
        })
        .collect();
    cards.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then(b.1.cmp(&a.1))
            .then_with(|| a.2.partner.cmp(&b.2.partner))
    });
    cards.into_iter().map(|(.., c)| c).collect()
}

/// Per aggregate rule and region: partners, assets, total and total per asset.
pub(crate) fn regions(analytics: &Analytics) -> Vec<RegionRow> {
    let mut sums: BTreeMap<(String, String), (usize, u64, Decimal)> = BTreeMap::new();
    for s in &analytics.scores {
        let e = sums
            .entry((s.rule.to_string(), s.region.clone()))
            .or_default();
        e.0 += 1;
        e.1 = e.1.saturating_add(s.assets);
        e.2 = e.2.checked_add(s.total).unwrap_or(e.2);
    }
    sums.into_iter()
        .map(|((rule, region), (partners, assets, total))| RegionRow {
            rule,
            region,
            partners,
            assets,
            total: shown(total),
            per_asset: total
                .checked_div(Decimal::from(assets))
                .map_or_else(|| "-".to_owned(), shown),
        })
        .collect()
}

/// The peer comparison of each aggregate rule, its region table, and the scorecard.
pub(crate) fn render(
    t: &mut String,
    currency: &str,
    cards: &[PartnerCard],
    analytics: &Analytics,
    regions: &[RegionRow],
) {
    let w = analytics
        .groups
        .iter()
        .map(|g| esc(&g.group).to_string().chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let mut rules: Vec<&str> = analytics.groups.iter().map(|g| &*g.rule).collect();
    rules.dedup();
    for rule in &rules {
        let _ = writeln!(t, "\nPeer comparison, {} (per installed asset):", esc(rule));
        let _ = writeln!(
            t,
            "  {:<w$} {:<10} {:>7} {:>12} {:>10} {:>8}",
            "group", "partner", "assets", "per asset", "median", "z-score"
        );
        for g in analytics.groups.iter().filter(|g| &*g.rule == *rule) {
            for s in analytics
                .scores
                .iter()
                .filter(|s| &*s.rule == *rule && s.group == g.group)
            {
                let median = s.median.map_or("-".to_owned(), shown);
                let score = s.score.map_or("-".to_owned(), shown);
                let flag = if s.flagged { "  << outlier" } else { "" };
                let _ = writeln!(
                    t,
                    "  {:<w$} {:<10} {:>7} {:>12} {:>10} {:>8}{flag}",
                    esc(&g.group),
                    esc(&s.partner),
                    s.assets,
                    shown(s.per_asset),
                    median,
                    score
                );
            }
            if let Some(note) = &g.note {
                let _ = writeln!(t, "  {:<w$} not judged: {}", esc(&g.group), esc(note));
            }
        }
        for l in analytics.left_out.iter().filter(|l| &*l.rule == *rule) {
            let _ = writeln!(t, "  left out: {} ({})", esc(&l.partner), esc(&l.reason));
        }
        let _ = writeln!(t, "  By region:");
        let _ = writeln!(
            t,
            "  {:<w$} {:>8} {:>7} {:>14} {:>12}",
            "region", "partners", "assets", "total", "per asset"
        );
        for r in regions.iter().filter(|r| r.rule == *rule) {
            let _ = writeln!(
                t,
                "  {:<w$} {:>8} {:>7} {:>14} {:>12}",
                esc(&r.region),
                r.partners,
                r.assets,
                r.total,
                r.per_asset
            );
        }
    }
    let _ = writeln!(
        t,
        "\nPartner scorecard (most money at stake, then most findings, first; per asset in {currency}):"
    );
    let _ = writeln!(
        t,
        "  {:<10} {:<19} {:<8} {:<10} {:>6} {:>10} {:>10} {:>11} {:>11}  findings by rule",
        "partner",
        "type",
        "region",
        "status",
        "assets",
        "sales",
        "oem parts",
        "below list",
        "at stake"
    );
    for c in cards {
        let findings: Vec<String> = c
            .findings
            .iter()
            .map(|(r, n)| format!("{} {n}", esc(r)))
            .collect();
        let findings = if findings.is_empty() {
            "none".to_owned()
        } else {
            findings.join(", ")
        };
        let flag = if c.outlier { "*" } else { "" };
        let _ = writeln!(
            t,
            "  {:<10} {:<19} {:<8} {:<10} {:>6} {:>10} {:>10} {:>11} {:>11}  {findings}",
            format!("{}{flag}", esc(&c.partner)),
            c.partner_type.map_or("-", |p| p.as_str()),
            esc(c.region.as_deref().unwrap_or("-")),
            esc(c.status.as_deref().unwrap_or("not in partners.csv")),
            c.assets.map_or("-".to_owned(), |n| n.to_string()),
            c.sales_per_asset.as_deref().unwrap_or("-"),
            c.purchases_per_asset.as_deref().unwrap_or("-"),
            c.money_below_list,
            c.money_at_stake,
        );
        if !c.claims_rejected.is_empty() {
            let money: Vec<String> = c
                .claims_rejected
                .iter()
                .map(|(currency, amount)| format!("{amount} {currency}"))
                .collect();
            let _ = writeln!(t, "  {:<10} claim money rejected: {}", "", money.join(", "));
        }
    }
    if cards.iter().any(|c| c.outlier) {
        let _ = writeln!(
            t,
            "  * an outlier among its peers (see the peer comparison)"
        );
    }
}
