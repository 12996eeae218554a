//! What the charts draw, from the report's scorecard and analytics: the marks of each
//! chart, and a finding's amount as the page shows it. The sections read the report's
//! plain fields (summary, findings, scorecard) directly.

use super::charts::{Dot, PriceBox, Strip, Timeline};
use pactum::analytics::{Measure, PeerGroup};
use pactum::{Decimal, Finding, Report};

/// A finding's money at stake, two places, half to even (as the JSON report shows it).
pub(super) fn amount(f: &Finding) -> Option<String> {
    f.amount.map(|a| {
        // `round_dp` rounds half to even.
        let mut a = a.round_dp(2);
        a.rescale(2);
        a.to_string()
    })
}

/// A figure for drawing: a position needs no exact decimal.
fn num(text: Option<&str>) -> Option<f64> {
    text.and_then(|t| t.parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

fn dec(d: Option<Decimal>) -> Option<f64> {
    num(d.map(|d| d.to_string()).as_deref())
}

/// (a) A dot per partner with installed assets; a measure the pack has no rule for (or a
/// partner with no line of it) is drawn at 0.
pub(super) fn dots(report: &Report) -> Vec<Dot> {
    report
        .scorecard()
        .iter()
        .filter(|c| c.assets.is_some())
        .map(|c| Dot {
            partner: c.partner.clone(),
            partner_type: c.partner_type.map_or("", |t| t.as_str()).to_owned(),
            x: num(c.purchases_per_asset.as_deref()).unwrap_or(0.0),
            y: num(c.sales_per_asset.as_deref()).unwrap_or(0.0),
            outlier: c.outlier,
        })
        .collect()
}

/// (b) The judged peer groups of the first rule measuring sales, as strips (those with a
/// flagged partner first), and its groups not judged.
pub(super) fn strips(report: &Report) -> (Vec<Strip>, Vec<&PeerGroup>) {
    let a = report.analytics();
    let Some(rule) = a
        .groups
        .iter()
        .find(|g| g.measure == Measure::Sales)
        .map(|g| &g.rule)
    else {
        return (Vec::new(), Vec::new());
    };
    let (judged, unjudged): (Vec<&PeerGroup>, Vec<&PeerGroup>) = a
        .groups
        .iter()
        .filter(|g| g.rule == *rule)
        .partition(|g| g.judged);
    let scores: Vec<_> = a.scores.iter().filter(|s| s.rule == *rule).collect();
    let strips = judged
        .iter()
        .map(|g| {
            // The group's members: in a fallback group (`dealer`, `US-NE`), partners judged
            // in their own groups too.
            let ids: std::collections::HashSet<&str> =
                g.members.iter().map(String::as_str).collect();
            let members: Vec<_> = scores
                .iter()
                .filter(|s| ids.contains(s.partner.as_str()))
                .collect();
            Strip {
                group: g.group.clone(),
                median: dec(g.median),
                low: dec(g.band_low),
                high: dec(g.band_high),
                members: members
                    .iter()
                    .map(|s| {
                        (
                            s.partner.clone(),
                            dec(Some(s.per_asset)).unwrap_or(0.0),
                            s.flagged && s.group == g.group,
                        )
                    })
                    .collect(),
            }
        })
        .collect::<Vec<Strip>>();
    let mut strips = strips;
    // A stable sort: the report's order within each kind.
    strips.sort_by_key(|s| !s.members.iter().any(|m| m.2));
    (strips, unjudged)
}

/// (c) A box per partner with priced sale lines, the lowest prices first (by lowest line,
/// then median, then partner).
pub(super) fn boxes(report: &Report) -> Vec<PriceBox> {
    let mut boxes: Vec<PriceBox> = report
        .analytics()
        .prices
        .iter()
        .filter_map(|p| {
            let q = |x: f64| p.quantile(x).map(f64::from);
            Some(PriceBox {
                partner: p.partner.clone(),
                lines: p.lines,
                q: [q(0.0)?, q(0.25)?, q(0.5)?, q(0.75)?, q(1.0)?],
            })
        })
        .collect();
    boxes.sort_by(|a, b| {
        a.q[0]
            .total_cmp(&b.q[0])
            .then(a.q[2].total_cmp(&b.q[2]))
            .then_with(|| a.partner.cmp(&b.partner))
    });
    boxes
}

/// (d) A timeline per partner a cadence rule judged, the longest time in gaps first (then
/// by partner), and the limit when the rules agree on one.
pub(super) fn timelines(report: &Report) -> (Vec<Timeline>, Option<i64>) {
    let pipelines = &report.analytics().pipelines;
    let limit = pipelines.first().map(|p| p.max_gap_days);
    let same = pipelines.iter().all(|p| Some(p.max_gap_days) == limit);
    let mut lines: Vec<Timeline> = pipelines
        .iter()
        .map(|p| Timeline {
            partner: p.partner.clone(),
            start: p.start,
            as_of: p.as_of,
            reports: p.reports.clone(),
            gaps: p.gaps.clone(),
        })
        .collect();
    let in_gaps = |t: &Timeline| -> i64 { t.gaps.iter().map(|(a, b)| a.days_until(*b)).sum() };
    lines.sort_by(|a, b| {
        in_gaps(b)
            .cmp(&in_gaps(a))
            .then_with(|| a.partner.cmp(&b.partner))
    });
    (lines, limit.filter(|_| same))
}
