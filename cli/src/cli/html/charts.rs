//! The report's four charts as inline SVG, assembled by hand: linear scales with round
//! ticks, axes, and the marks.
//!
//! Why not plotters' SVG backend: without its `ttf` feature (which needs the system's
//! fontconfig, which a clean CI machine does not have) it does write labels as SVG `<text>`,
//! laid out by a rough width estimate, but it cannot put a class, an id, a `data-` attribute
//! or a `<title>` on a mark. The browser test counts marks by class (one `dot` per partner
//! with assets, one `band` per peer group), the page's tooltips are `<title>`s, and a screen
//! reader needs the chart's own `<title>` and `<desc>`: with plotters each of those would
//! be patched into its output afterwards. The charts here are a scatter, strips, boxes and
//! timelines, a few hundred lines of SVG, so they are written directly.
//!
//! Every text from input goes through [`esc`]; every number drawn is a position computed
//! here (a float is fine for a position; the tables beside the charts show the exact
//! figures from the report).

use super::esc;
use pactum::Date;
use std::fmt::Write as _;

/// A linear map from a domain of values to a range of pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Linear {
    d0: f64,
    d1: f64,
    r0: f64,
    r1: f64,
}

impl Linear {
    /// The scale of `domain` onto `range`, its domain widened to round ends (at most about
    /// `ticks` ticks between them); an empty or inverted domain is widened to one unit.
    pub(super) fn nice(domain: (f64, f64), range: (f64, f64), ticks: usize) -> Linear {
        let (mut lo, mut hi) = domain;
        if !lo.is_finite() || !hi.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        if hi < lo {
            (lo, hi) = (hi, lo);
        }
        if hi - lo < f64::EPSILON * lo.abs().max(1.0) {
            (lo, hi) = (lo - 0.5, hi + 0.5);
        }
        let step = nice_step(hi - lo, ticks);
        Linear {
            d0: (lo / step).floor() * step,
            d1: (hi / step).ceil() * step,
            r0: range.0,
            r1: range.1,
        }
    }

    /// The pixel of `value` (outside the domain: outside the range, proportionally).
    pub(super) fn map(&self, value: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span == 0.0 {
            return self.r0;
        }
        self.r0 + (value - self.d0) / span * (self.r1 - self.r0)
    }

    /// The pixel of `value`, held inside the range.
    pub(super) fn clamped(&self, value: f64) -> f64 {
        let (a, b) = if self.r0 <= self.r1 {
            (self.r0, self.r1)
        } else {
            (self.r1, self.r0)
        };
        self.map(value).clamp(a, b)
    }

    /// Round values from the domain's start to its end, about `count` of them.
    pub(super) fn ticks(&self, count: usize) -> Vec<f64> {
        let step = nice_step(self.d1 - self.d0, count);
        let first = (self.d0 / step).ceil() as i64;
        let last = (self.d1 / step).floor() as i64;
        // A scale made by `nice` has a few dozen ticks at most; the cap guards the cast.
        (first..=last.min(first.saturating_add(200)))
            .map(|i| i as f64 * step)
            .collect()
    }

    /// A tick's label: as many decimals as the tick step needs.
    pub(super) fn label(&self, value: f64, count: usize) -> String {
        let step = nice_step(self.d1 - self.d0, count);
        let decimals = if step >= 1.0 {
            0
        } else {
            (-step.log10()).ceil().clamp(0.0, 6.0) as usize
        };
        let text = format!("{value:.decimals$}");
        // `-0` reads oddly on an axis.
        if text
            .trim_start_matches('-')
            .chars()
            .all(|c| c == '0' || c == '.')
        {
            text.trim_start_matches('-').to_owned()
        } else {
            text
        }
    }
}

/// A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `count` parts.
pub(super) fn nice_step(span: f64, count: usize) -> f64 {
    let raw = span / count.max(1) as f64;
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    // A hair of slack: a span made of round steps (0.3 = 6 x 0.05) is not exact in floats.
    let fraction = raw / power * (1.0 - 1e-9);
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

/// The colour of a partner type, and the order the legend lists them in.
pub(super) const TYPES: [(&str, &str, &str); 5] = [
    ("distributor", "Distributor", "#1f5f8b"),
    ("dealer", "Dealer", "#c0701c"),
    ("systems_integrator", "Systems integrator", "#6b4c9a"),
    ("sales_agent", "Sales agent", "#2e7d4f"),
    ("", "Not in partners.csv", "#7a7a7a"),
];

fn colour(partner_type: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(t, _, _)| *t == partner_type)
        .map_or("#7a7a7a", |(_, _, c)| c)
}

/// Opens an `<svg>` with its id, size, `<title>` and `<desc>` (the text fallback).
fn open(svg: &mut String, id: &str, width: f64, height: f64, title: &str, desc: &str) {
    let _ = write!(
        svg,
        r#"<svg id="{id}" class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

/// A horizontal axis at `y` from `x0` to `x1` with ticks, labels and a caption.
fn x_axis(
    svg: &mut String,
    scale: &Linear,
    y: f64,
    top: f64,
    caption: &str,
    labels: &[(f64, String)],
) {
    let _ = write!(
        svg,
        r#"<g class="axis x-axis"><line x1="{:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}"/>"#,
        scale.r0, scale.r1
    );
    for (value, text) in labels {
        let x = scale.map(*value);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{x:.1}" y1="{top:.1}" x2="{x:.1}" y2="{y:.1}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            y + 16.0,
            esc(text)
        );
    }
    let _ = write!(
        svg,
        r#"<text class="caption" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text></g>"#,
        (scale.r0 + scale.r1) / 2.0,
        y + 36.0,
        esc(caption)
    );
}

/// A vertical axis at `x` with ticks, labels and a caption written upwards.
fn y_axis(svg: &mut String, scale: &Linear, x: f64, right: f64, caption: &str, count: usize) {
    let _ = write!(
        svg,
        r#"<g class="axis y-axis"><line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}"/>"#,
        scale.r0, scale.r1
    );
    for value in scale.ticks(count) {
        let y = scale.map(value);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{x:.1}" y1="{y:.1}" x2="{right:.1}" y2="{y:.1}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            x - 6.0,
            y + 4.0,
            scale.label(value, count)
        );
    }
    let cy = (scale.r0 + scale.r1) / 2.0;
    let _ = write!(
        svg,
        r#"<text class="caption" x="{:.1}" y="{cy:.1}" text-anchor="middle" transform="rotate(-90 {:.1} {cy:.1})">{}</text></g>"#,
        x - 44.0,
        x - 44.0,
        esc(caption)
    );
}

fn tick_labels(scale: &Linear, count: usize) -> Vec<(f64, String)> {
    scale
        .ticks(count)
        .into_iter()
        .map(|v| (v, scale.label(v, count)))
        .collect()
}

/// The most outliers the scatter labels, and the most flagged partners a strip labels: more
/// labels overlap into a smudge.
const MAX_LABELS: usize = 12;
const MAX_STRIP_LABELS: usize = 3;

/// One partner in the scatter.
#[derive(Debug, Clone)]
pub(super) struct Dot {
    pub partner: String,
    /// Its type's name (`dealer`), empty when it is not in `partners.csv`.
    pub partner_type: String,
    /// OEM purchases per installed asset.
    pub x: f64,
    /// Resales per installed asset.
    pub y: f64,
    /// Flagged by an aggregate rule: labelled with its id.
    pub outlier: bool,
}

/// (a) OEM purchases per installed asset (x) against resales per installed asset (y), a
/// `circle.dot` per partner coloured by type, outliers labelled, and a legend.
pub(super) fn scatter(dots: &[Dot], currency: &str) -> String {
    let (width, height) = (640.0, 440.0);
    let (left, right, top, bottom) = (72.0, 616.0, 56.0, 376.0);
    let max_x = dots.iter().map(|d| d.x).fold(0.0, f64::max);
    let max_y = dots.iter().map(|d| d.y).fold(0.0, f64::max);
    let min_x = dots.iter().map(|d| d.x).fold(0.0, f64::min);
    let min_y = dots.iter().map(|d| d.y).fold(0.0, f64::min);
    let xs = Linear::nice((min_x, max_x), (left, right), 6);
    let ys = Linear::nice((min_y, max_y), (bottom, top), 6);
    let outliers: Vec<&str> = dots
        .iter()
        .filter(|d| d.outlier)
        .map(|d| d.partner.as_str())
        .collect();
    let desc = format!(
        "{} partners with installed assets; outliers: {}.",
        dots.len(),
        if outliers.is_empty() {
            "none".to_owned()
        } else {
            outliers.join(", ")
        }
    );
    let mut svg = String::new();
    open(
        &mut svg,
        "chart-scatter",
        width,
        height,
        "OEM purchases against resales, per installed asset",
        &desc,
    );
    legend(&mut svg, dots, left, 20.0);
    x_axis(
        &mut svg,
        &xs,
        bottom,
        top,
        &format!("OEM purchases per installed asset ({currency})"),
        &tick_labels(&xs, 6),
    );
    y_axis(
        &mut svg,
        &ys,
        left,
        right,
        &format!("Resales per installed asset ({currency})"),
        6,
    );
    // Many dots are drawn smaller, and past a dozen outliers only the farthest out (from the
    // origin, in axis units) are labelled: the rest keep their tooltip.
    let radius = if dots.len() > 200 { 3.5 } else { 6.0 };
    let far = |d: &Dot| {
        let (x, y) = (xs.map(d.x) - xs.r0, ys.r0 - ys.map(d.y));
        x * x + y * y
    };
    let mut ranked: Vec<&Dot> = dots.iter().filter(|d| d.outlier).collect();
    ranked.sort_by(|a, b| far(b).total_cmp(&far(a)));
    let labelled: Vec<&str> = ranked
        .iter()
        .take(MAX_LABELS)
        .map(|d| d.partner.as_str())
        .collect();
    svg.push_str(r#"<g class="marks">"#);
    for d in dots {
        let (x, y) = (xs.map(d.x), ys.map(d.y));
        let _ = write!(
            svg,
            r#"<circle class="dot{}" data-partner="{}" data-type="{}" cx="{x:.1}" cy="{y:.1}" r="{radius}" fill="{}"><title>{}: {:.2} purchases, {:.2} resales per asset</title></circle>"#,
            if d.outlier { " outlier" } else { "" },
            esc(&d.partner),
            esc(&d.partner_type),
            colour(&d.partner_type),
            esc(&d.partner),
            d.x,
            d.y
        );
        if d.outlier && labelled.contains(&d.partner.as_str()) {
            // Labels sit right of the dot, or left of it near the right edge.
            let (lx, anchor) = if x > right - 90.0 {
                (x - 10.0, "end")
            } else {
                (x + 10.0, "start")
            };
            let _ = write!(
                svg,
                r#"<text class="label" x="{lx:.1}" y="{:.1}" text-anchor="{anchor}">{}</text>"#,
                y + 4.0,
                esc(&d.partner)
            );
        }
    }
    svg.push_str("</g></svg>");
    svg
}

/// The legend of partner types, those present only.
fn legend(svg: &mut String, dots: &[Dot], x0: f64, y: f64) {
    svg.push_str(r#"<g class="legend">"#);
    let mut x = x0;
    for (t, name, c) in TYPES {
        if !dots.iter().any(|d| d.partner_type == t) {
            continue;
        }
        let _ = write!(
            svg,
            r#"<circle class="key" cx="{:.1}" cy="{y:.1}" r="5" fill="{c}"/><text x="{:.1}" y="{:.1}">{name}</text>"#,
            x + 5.0,
            x + 14.0,
            y + 4.0
        );
        x += 24.0 + 7.0 * name.len() as f64;
    }
    svg.push_str("</g>");
}

/// One peer group of the sales rule in the strip plot.
#[derive(Debug, Clone)]
pub(super) struct Strip {
    pub group: String,
    pub median: Option<f64>,
    /// Per-asset values outside `[low, high]` are flagged; `None` is open on that side.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Its partners: id, sales per asset, flagged.
    pub members: Vec<(String, f64, bool)>,
}

/// (b) Per peer group, a row of `circle.member`s (sales per asset), the `line.median` and
/// the `rect.band` of values in line with peers (outside it a partner is flagged).
pub(super) fn strips(strips: &[Strip], currency: &str) -> String {
    let (left, right, top, row) = (190.0, 700.0, 16.0, 48.0);
    let bottom = top + row * strips.len().max(1) as f64;
    let (width, height) = (724.0, bottom + 48.0);
    let values = strips.iter().flat_map(|s| {
        s.members
            .iter()
            .map(|m| m.1)
            .chain(s.median)
            .chain(s.low)
            .chain(s.high)
    });
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let xs = Linear::nice((lo, hi), (left, right), 8);
    let desc = strips
        .iter()
        .map(|s| {
            format!(
                "{}: {} partners, median {}",
                s.group,
                s.members.len(),
                s.median.map_or("none".to_owned(), |m| format!("{m:.2}"))
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    let mut svg = String::new();
    open(
        &mut svg,
        "chart-strips",
        width,
        height,
        "Sales per installed asset, per peer group",
        &desc,
    );
    x_axis(
        &mut svg,
        &xs,
        bottom,
        top,
        &format!("Sales per installed asset ({currency})"),
        &tick_labels(&xs, 8),
    );
    for (i, s) in strips.iter().enumerate() {
        let y0 = top + row * i as f64;
        let cy = y0 + row / 2.0;
        let _ = write!(
            svg,
            r#"<g class="strip" data-group="{}"><text class="group" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            esc(&s.group),
            left - 10.0,
            cy + 4.0,
            esc(&s.group)
        );
        let x0 = s.low.map_or(left, |v| xs.clamped(v));
        let x1 = s.high.map_or(right, |v| xs.clamped(v));
        let _ = write!(
            svg,
            r#"<rect class="band" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}: in line with peers from {} to {}</title></rect>"#,
            y0 + 6.0,
            (x1 - x0).max(0.0),
            row - 12.0,
            esc(&s.group),
            s.low.map_or("any".to_owned(), |v| format!("{v:.2}")),
            s.high.map_or("any".to_owned(), |v| format!("{v:.2}"))
        );
        if let Some(m) = s.median {
            let x = xs.map(m);
            let _ = write!(
                svg,
                r#"<line class="median" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}"><title>median {m:.2}</title></line>"#,
                y0 + 4.0,
                y0 + row - 4.0
            );
        }
        let label = s.members.iter().filter(|m| m.2).count() <= MAX_STRIP_LABELS;
        for (partner, value, flagged) in &s.members {
            let x = xs.map(*value);
            let _ = write!(
                svg,
                r#"<circle class="member{}" data-partner="{}" cx="{x:.1}" cy="{cy:.1}" r="5"><title>{}: {value:.2}</title></circle>"#,
                if *flagged { " flagged" } else { "" },
                esc(partner),
                esc(partner)
            );
            if *flagged && label {
                let _ = write!(
                    svg,
                    r#"<text class="label" x="{x:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                    y0 + 4.0,
                    esc(partner)
                );
            }
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

/// One partner's realised prices as a percentage of list: min, quartiles, max.
#[derive(Debug, Clone)]
pub(super) struct PriceBox {
    pub partner: String,
    pub lines: u64,
    /// Minimum, first quartile, median, third quartile, maximum (whole percent).
    pub q: [f64; 5],
}

/// (c) Per partner a `g.box` (whiskers from min to max, the box from the first to the third
/// quartile, the median), against a `line.list` at 100 % of list.
pub(super) fn boxes(boxes: &[PriceBox]) -> String {
    let (left, right, top, row) = (120.0, 700.0, 16.0, 30.0);
    let bottom = top + row * boxes.len().max(1) as f64;
    let (width, height) = (724.0, bottom + 48.0);
    let lo = boxes.iter().map(|b| b.q[0]).fold(100.0, f64::min);
    let hi = boxes.iter().map(|b| b.q[4]).fold(100.0, f64::max);
    let xs = Linear::nice((lo.min(80.0), hi.max(110.0)), (left, right), 8);
    let below: Vec<&str> = boxes
        .iter()
        .filter(|b| b.q[0] < 100.0)
        .map(|b| b.partner.as_str())
        .collect();
    let desc = format!(
        "{} partners with priced sale lines; some lines below list: {}.",
        boxes.len(),
        if below.is_empty() {
            "none".to_owned()
        } else {
            below.join(", ")
        }
    );
    let mut svg = String::new();
    open(
        &mut svg,
        "chart-prices",
        width,
        height,
        "Realised price as a percentage of list, per partner",
        &desc,
    );
    let labels: Vec<(f64, String)> = xs
        .ticks(8)
        .into_iter()
        .map(|v| (v, format!("{} %", xs.label(v, 8))))
        .collect();
    x_axis(
        &mut svg,
        &xs,
        bottom,
        top,
        "Realised unit price, % of list",
        &labels,
    );
    let list = xs.map(100.0);
    let _ = write!(
        svg,
        r#"<line class="list" x1="{list:.1}" y1="{top:.1}" x2="{list:.1}" y2="{bottom:.1}"><title>list price</title></line>"#
    );
    for (i, b) in boxes.iter().enumerate() {
        let cy = top + row * i as f64 + row / 2.0;
        let [min, q1, med, q3, max] = b.q.map(|v| xs.map(v));
        let _ = write!(
            svg,
            r#"<g class="box{}" data-partner="{}"><title>{}: {} lines; min {}, quartiles {}, {}, {}, max {} (% of list)</title><text class="group" x="{:.1}" y="{:.1}" text-anchor="end">{}</text><line class="whisker" x1="{min:.1}" y1="{cy:.1}" x2="{max:.1}" y2="{cy:.1}"/><rect x="{q1:.1}" y="{:.1}" width="{:.1}" height="16"/><line class="mid" x1="{med:.1}" y1="{:.1}" x2="{med:.1}" y2="{:.1}"/></g>"#,
            if b.q[0] < 100.0 { " below" } else { "" },
            esc(&b.partner),
            esc(&b.partner),
            b.lines,
            b.q[0],
            b.q[1],
            b.q[2],
            b.q[3],
            b.q[4],
            left - 10.0,
            cy + 4.0,
            esc(&b.partner),
            cy - 8.0,
            (q3 - q1).max(1.5),
            cy - 8.0,
            cy + 8.0
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One reporting partner's pipeline updates under a cadence rule.
#[derive(Debug, Clone)]
pub(super) struct Timeline {
    pub partner: String,
    pub start: Date,
    pub as_of: Date,
    pub reports: Vec<Date>,
    /// The gaps longer than the limit.
    pub gaps: Vec<(Date, Date)>,
}

/// (d) Per partner a `line.span` from its start to the as-of date, a `line.report` tick per
/// pipeline update and a `rect.gap` over each gap longer than the limit.
pub(super) fn timelines(lines: &[Timeline], max_gap_days: Option<i64>) -> String {
    let (left, right, top, row) = (120.0, 700.0, 16.0, 34.0);
    let bottom = top + row * lines.len().max(1) as f64;
    let (width, height) = (724.0, bottom + 48.0);
    let first = lines.iter().map(|t| t.start).min();
    let last = lines.iter().map(|t| t.as_of).max();
    let origin = first.unwrap_or(Date::MIN);
    let days = |d: Date| origin.days_until(d) as f64;
    let span = last.map_or(1.0, |l| days(l).max(1.0));
    let xs = Linear {
        d0: 0.0,
        d1: span,
        r0: left,
        r1: right,
    };
    // A tick on the first of each month in the span.
    let mut months = Vec::new();
    if let (Some(first), Some(last)) = (first, last) {
        let (mut y, mut m) = (first.year(), first.month());
        for _ in 0..240 {
            let Some(d) = Date::new(y, m, 1) else { break };
            if d > last {
                break;
            }
            if d >= first {
                months.push((days(d), format!("{y}-{m:02}")));
            }
            (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        }
        // Too many months crowd the axis: keep every n-th.
        let keep = months.len().div_ceil(8).max(1);
        months = months.into_iter().step_by(keep).collect();
    }
    let gaps: usize = lines.iter().map(|t| t.gaps.len()).sum();
    let desc = format!(
        "{} reporting partners; {gaps} gaps over {}.",
        lines.len(),
        max_gap_days.map_or("the limit".to_owned(), |d| format!("{d} days"))
    );
    let mut svg = String::new();
    open(
        &mut svg,
        "chart-pipeline",
        width,
        height,
        "Pipeline updates per reporting partner, gaps over the limit shaded",
        &desc,
    );
    x_axis(&mut svg, &xs, bottom, top, "Date", &months);
    for (i, t) in lines.iter().enumerate() {
        let y0 = top + row * i as f64;
        let cy = y0 + row / 2.0;
        let _ = write!(
            svg,
            r#"<g class="timeline" data-partner="{}"><text class="group" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            esc(&t.partner),
            left - 10.0,
            cy + 4.0,
            esc(&t.partner)
        );
        for (from, to) in &t.gaps {
            let (x0, x1) = (xs.clamped(days(*from)), xs.clamped(days(*to)));
            let _ = write!(
                svg,
                r#"<rect class="gap" x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}: no update from {from} to {to}, {} days</title></rect>"#,
                y0 + 5.0,
                (x1 - x0).max(1.0),
                row - 10.0,
                esc(&t.partner),
                from.days_until(*to)
            );
        }
        let _ = write!(
            svg,
            r#"<line class="span" x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}"><title>{}: from {} to {}</title></line>"#,
            xs.clamped(days(t.start)),
            xs.clamped(days(t.as_of)),
            esc(&t.partner),
            t.start,
            t.as_of
        );
        for d in &t.reports {
            let x = xs.clamped(days(*d));
            let _ = write!(
                svg,
                r#"<line class="report" x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}"><title>update {d}</title></line>"#,
                cy - 8.0,
                cy + 8.0
            );
        }
        svg.push_str("</g>");
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_steps_are_one_two_or_five_times_a_power_of_ten() {
        assert_eq!(nice_step(100.0, 5), 20.0);
        assert_eq!(nice_step(100.0, 10), 10.0);
        assert_eq!(nice_step(7.0, 6), 2.0);
        assert_eq!(nice_step(0.3, 6), 0.05);
        assert_eq!(nice_step(0.0, 6), 1.0);
        assert_eq!(nice_step(f64::NAN, 6), 1.0);
    }

    #[test]
    fn a_nice_scale_has_round_ends_and_maps_them_onto_the_range() {
        let s = Linear::nice((3.0, 97.0), (0.0, 500.0), 5);
        assert_eq!((s.d0, s.d1), (0.0, 100.0));
        assert_eq!(s.map(0.0), 0.0);
        assert_eq!(s.map(50.0), 250.0);
        assert_eq!(s.map(100.0), 500.0);
        assert_eq!(s.ticks(5), vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        assert_eq!(s.label(40.0, 5), "40");
    }

    #[test]
    fn an_inverted_range_maps_upwards_as_a_y_axis_does() {
        let s = Linear::nice((0.0, 10.0), (400.0, 0.0), 5);
        assert_eq!(s.map(0.0), 400.0);
        assert_eq!(s.map(10.0), 0.0);
        assert_eq!(s.clamped(20.0), 0.0);
        assert_eq!(s.clamped(-5.0), 400.0);
    }

    #[test]
    fn an_empty_domain_is_widened_and_small_steps_get_decimals() {
        let s = Linear::nice((5.0, 5.0), (0.0, 100.0), 4);
        assert!(s.d0 < 5.0 && s.d1 > 5.0);
        assert_eq!(s.map(5.0), 50.0);
        let t = Linear::nice((0.0, 0.3), (0.0, 100.0), 6);
        assert_eq!(t.label(0.05, 6), "0.05");
        assert_eq!(t.label(-0.0, 6), "0.00");
        let weird = Linear::nice((f64::INFINITY, f64::NAN), (0.0, 100.0), 4);
        assert_eq!((weird.d0, weird.d1), (0.0, 1.0));
    }

    #[test]
    fn marks_carry_classes_and_escaped_ids() {
        let dots = [
            Dot {
                partner: "<script>".into(),
                partner_type: "dealer".into(),
                x: 1.0,
                y: 2.0,
                outlier: true,
            },
            Dot {
                partner: "P-2".into(),
                partner_type: "distributor".into(),
                x: 3.0,
                y: 4.0,
                outlier: false,
            },
        ];
        let svg = scatter(&dots, "USD");
        assert_eq!(svg.matches(r#"<circle class="dot"#).count(), 2);
        assert_eq!(svg.matches(r#"<text class="label""#).count(), 1);
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;"));
        assert!(svg.starts_with(r#"<svg id="chart-scatter""#));
        let strip = Strip {
            group: "US-NE, dealer".into(),
            median: Some(10.0),
            low: None,
            high: Some(20.0),
            members: vec![("P-1".into(), 5.0, false), ("P-2".into(), 30.0, true)],
        };
        let svg = strips(&[strip.clone(), strip], "USD");
        assert_eq!(svg.matches(r#"<rect class="band""#).count(), 2);
        assert_eq!(svg.matches(r#"<line class="median""#).count(), 2);
        assert_eq!(svg.matches(r#"<circle class="member"#).count(), 4);
    }

    #[test]
    fn past_a_dozen_outliers_only_the_farthest_are_labelled() {
        let dots: Vec<Dot> = (0..20)
            .map(|i| Dot {
                partner: format!("P-{i}"),
                partner_type: "dealer".into(),
                x: f64::from(i),
                y: f64::from(i),
                outlier: true,
            })
            .collect();
        let svg = scatter(&dots, "USD");
        assert_eq!(svg.matches(r#"<circle class="dot outlier""#).count(), 20);
        assert_eq!(svg.matches(r#"<text class="label""#).count(), MAX_LABELS);
        assert!(svg.contains(">P-19</text>") && !svg.contains(">P-0</text>"));
    }

    #[test]
    fn a_timeline_has_a_tick_per_report_and_a_band_per_gap() {
        let d = |s: &str| s.parse::<Date>().unwrap();
        let t = Timeline {
            partner: "P-SA-03".into(),
            start: d("2026-01-01"),
            as_of: d("2026-06-30"),
            reports: vec![d("2026-01-10"), d("2026-02-01"), d("2026-05-01")],
            gaps: vec![(d("2026-02-01"), d("2026-05-01"))],
        };
        let svg = timelines(&[t], Some(30));
        assert_eq!(svg.matches(r#"<line class="report""#).count(), 3);
        assert_eq!(svg.matches(r#"<rect class="gap""#).count(), 1);
        assert!(svg.contains(">2026-03<"), "{svg}");
    }
}
