//! The analyst's view: a scorecard per partner (its metrics, peer group, score and findings
//! by rule) and a table per region, from what the aggregate rules measured.

use crate::outcome::{Analytics, PartnerScore, money, shown};
use crate::refdata::{PartnerType, RefData};
use crate::text::escape as esc;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

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

/// A card for every partner in `partners.csv` and every other partner the report names;
/// `counts` gives the findings per partner and rule.
pub(crate) fn cards(
    data: &RefData,
    counts: &BTreeMap<String, BTreeMap<Arc<str>, usize>>,
    analytics: &Analytics,
) -> Vec<PartnerCard> {
    let mut cards: BTreeMap<String, PartnerCard> = BTreeMap::new();
    let mut card = |id: &str| {
        cards.entry(id.to_owned()).or_insert_with(|| {
            let p = data.partner(id);
            PartnerCard {
                partner: id.to_owned(),
                partner_type: p.map(|p| p.partner_type),
                region: p.map(|p| p.region.clone()),
                status: p.map(|p| p.status.clone()),
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
    cards.into_values().collect()
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
    let _ = writeln!(t, "\nPartner scorecard:");
    let _ = writeln!(
        t,
        "  {:<10} {:<19} {:<8} {:<10} findings by rule",
        "partner", "type", "region", "status"
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
        let _ = writeln!(
            t,
            "  {:<10} {:<19} {:<8} {:<10} {findings}",
            esc(&c.partner),
            c.partner_type.map_or("-", |p| p.as_str()),
            esc(c.region.as_deref().unwrap_or("-")),
            esc(c.status.as_deref().unwrap_or("not in partners.csv")),
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
}
