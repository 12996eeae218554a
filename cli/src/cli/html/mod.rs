//! `pactum check --format html`: the report as one self-contained HTML page for a compliance
//! manager, readable offline and printable. Inline CSS ([`CSS`]), inline SVG charts
//! ([`charts`]) and a little inline JavaScript ([`JS`]) that sorts the tables and filters
//! the findings (by rule, severity and partner type; also from the URL fragment, as in
//! `report.html#rule=price.min-list&severity=error`, which also takes the findings' order,
//! `sort=amount&dir=desc`); no fonts, scripts or images from anywhere else.
//!
//! Rendered from the library's public API only (the report, and the engine for the pack's
//! name, hash and rule titles). Every text that came from input (ids, messages, group
//! names, titles) passes through [`esc`].

mod api;
mod charts;

use pactum::analytics::PartnerCard;
use pactum::{Engine, Finding, Report, Severity};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// The page's style sheet: a system font stack, a restrained palette, print rules.
const CSS: &str = include_str!("page.css");
/// The page's script: error capture (for the browser test), sorting and filtering.
const JS: &str = include_str!("page.js");

/// The most findings the table lists. A page with a million rows does not open; past this
/// the findings are counted and the JSON report (`--format json`) lists them all.
const MAX_ROWS: usize = 5_000;

/// The most rows (peer groups, partners) a strip, box or timeline chart draws: past this a
/// chart grows taller than any page; the chart draws the rows that matter most (flagged
/// groups, the lowest prices, the longest gaps) and its table lists them all.
const MAX_CHART_ROWS: usize = 40;

/// The first `MAX_CHART_ROWS` of `rows`, and a note saying so when some are left out.
fn drawn<'a, T>(rows: &'a [T], which: &str) -> (&'a [T], String) {
    match rows.get(..MAX_CHART_ROWS) {
        Some(first) if rows.len() > MAX_CHART_ROWS => (
            first,
            format!(
                " The chart draws the {MAX_CHART_ROWS} {which} of {}; the table lists all.",
                rows.len()
            ),
        ),
        _ => (rows, String::new()),
    }
}

/// `text` made safe inside HTML text and attribute values (double or single quoted): `&`,
/// `<`, `>`, `"` and `'` as character references, and the characters that would hide or
/// reorder text (control, bidi and invisible ones, [`pactum::text::is_unsafe`]) shown as
/// visible `\u{..}` escapes, as the text report shows them.
pub(crate) fn esc(text: &str) -> Cow<'_, str> {
    let plain = |c: char| !matches!(c, '&' | '<' | '>' | '"' | '\'') && !pactum::text::is_unsafe(c);
    if text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if pactum::text::is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Writes the page of `report`, judged by `engine`'s pack and data; `source` says where
/// the pack was loaded from.
pub(crate) fn write(
    report: &Report,
    engine: &Engine,
    source: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(page(report, engine, source).as_bytes())
}

/// The whole page.
pub(crate) fn page(report: &Report, engine: &Engine, source: &str) -> String {
    let view = View::of(report, engine);
    let mut h = String::with_capacity(64 * 1024 + report.findings().len().min(MAX_ROWS) * 600);
    let pack = engine.pack();
    let title = format!(
        "Channel compliance report: {} {}{}",
        pack.name(),
        pack.version(),
        report
            .as_of()
            .map_or(String::new(), |d| format!(", as of {d}"))
    );
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    header(&mut h, report, engine, source);
    summary(&mut h, report, &view);
    charts_section(&mut h, report, &view);
    findings(&mut h, report, &view);
    scorecard(&mut h, report, &view);
    problems(&mut h, report);
    let _ = write!(
        h,
        "<footer>Written by pactum {}. Self-contained: this file loads nothing from anywhere else.</footer>\n<script>\n{JS}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    h
}

/// What the sections share: rule titles and severities, partner types, currency.
struct View {
    /// Rule id → (title, severity).
    rules: BTreeMap<String, (String, Severity)>,
    /// Partner id → type name (`dealer`; empty when not in `partners.csv`).
    types: BTreeMap<String, String>,
    currency: String,
}

impl View {
    fn of(report: &Report, engine: &Engine) -> View {
        let rules = engine
            .pack()
            .rules()
            .iter()
            .map(|r| (r.id.clone(), (r.title.clone(), r.severity)))
            .collect();
        let types = report
            .scorecard()
            .iter()
            .map(|c| {
                (
                    c.partner.clone(),
                    c.partner_type.map_or("", |t| t.as_str()).to_owned(),
                )
            })
            .collect();
        View {
            rules,
            types,
            currency: report.summary().currency,
        }
    }

    fn title(&self, rule: &str) -> &str {
        self.rules.get(rule).map_or("", |(t, _)| t.as_str())
    }

    fn partner_type(&self, partner: &str) -> &str {
        self.types.get(partner).map_or("", String::as_str)
    }
}

fn header(h: &mut String, report: &Report, engine: &Engine, source: &str) {
    let pack = engine.pack();
    let pack_hash = pactum::gate::PackStamp::of(pack).hash;
    let data_hash = engine.data().hash().unwrap_or("none (data built in code)");
    let _ = write!(
        h,
        r#"<header><p class="kicker">pactum check</p><h1>Channel compliance report</h1><dl class="meta"><div><dt>Rule pack</dt><dd>{} {} <span class="muted">({})</span></dd></div><div><dt>As of</dt><dd>{}</dd></div><div><dt>Pack hash</dt><dd><code>{}</code></dd></div><div><dt>Data hash</dt><dd><code>{}</code></dd></div></dl></header>"#,
        esc(pack.name()),
        esc(pack.version()),
        esc(source),
        report
            .as_of()
            .map_or("no records".to_owned(), |d| d.to_string()),
        esc(&pack_hash),
        esc(data_hash)
    );
}

fn summary(h: &mut String, report: &Report, view: &View) {
    let s = report.summary();
    let count = |sev: Severity| s.by_severity.get(&sev).copied().unwrap_or(0);
    let _ = write!(
        h,
        r#"<section id="summary"><h2>Summary</h2><div class="tiles"><div class="tile money"><span class="figure">{}</span><span class="what">money at stake ({})</span></div><div class="tile"><span class="figure">{}</span><span class="what">findings: {} errors, {} warnings, {} info</span></div><div class="tile"><span class="figure">{}</span><span class="what">records read: {} checked, {} rejected{}</span></div><div class="tile"><span class="figure">{}</span><span class="what">rules that could not run</span></div></div>"#,
        esc(&thousands(&s.money_at_stake)),
        esc(&view.currency),
        thousands(&s.violations.to_string()),
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
        thousands(&s.read.to_string()),
        s.checked,
        s.rejected,
        if s.deferred > 0 {
            format!(", {} dated after the as-of date", s.deferred)
        } else {
            String::new()
        },
        s.rule_errors
    );
    // By rule, by money at stake, then by count.
    let mut rules: Vec<(&String, &usize, Option<&String>)> = s
        .by_rule
        .iter()
        .map(|(rule, n)| (rule, n, s.money_by_rule.get(rule)))
        .collect();
    rules.sort_by(|a, b| {
        decimal_key(b.2)
            .cmp(&decimal_key(a.2))
            .then(b.1.cmp(a.1))
            .then(a.0.cmp(b.0))
    });
    let _ = write!(
        h,
        r#"<table class="by-rule sortable"><caption>Findings by rule</caption><thead><tr><th data-sort="text">Rule</th><th data-sort="text">Title</th><th data-sort="text">Severity</th><th data-sort="num" class="num">Findings</th><th data-sort="num" class="num">Money at stake ({})</th></tr></thead><tbody>"#,
        esc(&view.currency)
    );
    for (rule, n, money) in rules {
        let severity = view.rules.get(rule).map_or("", |(_, s)| s.as_str());
        let _ = write!(
            h,
            r#"<tr><td><code>{}</code></td><td>{}</td><td><span class="sev {severity}">{severity}</span></td><td class="num">{n}</td><td class="num" data-value="{}">{}</td></tr>"#,
            esc(rule),
            esc(view.title(rule)),
            esc(money.map_or("0", String::as_str)),
            esc(&thousands(money.map_or("", String::as_str))),
        );
    }
    h.push_str("</tbody></table></section>\n");
}

/// A decimal `text` (`-1234567.50`) with its whole part grouped by thousands
/// (`-1,234,567.50`), for people; anything else as it is.
fn thousands(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text),
    };
    let (whole, fraction) = rest.split_at(rest.find('.').unwrap_or(rest.len()));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + whole.len() / 3);
    out.push_str(sign);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out.push_str(fraction);
    out
}

/// A money string's order: its decimal value, or below every value when absent or unread.
fn decimal_key(text: Option<&String>) -> Option<pactum::Decimal> {
    text.and_then(|t| t.parse().ok())
}

fn charts_section(h: &mut String, report: &Report, view: &View) {
    let cur = &view.currency;
    h.push_str(r#"<section id="charts"><h2>Peer comparison</h2><div class="charts">"#);

    // (a) The scatter.
    let dots = api::dots(report);
    figure(
        h,
        "a",
        "OEM purchases against resales per installed asset. A partner that resells far more than it buys from the OEM sources parts elsewhere; one that buys little and resells much undercuts its peers.",
        &charts::scatter(&dots, cur),
        &table(
            &[
                "Partner",
                "Type",
                &format!("OEM purchases per asset ({cur})"),
                &format!("Resales per asset ({cur})"),
                "Outlier",
            ],
            dots.iter().map(|d| {
                vec![
                    esc(&d.partner).into_owned(),
                    esc(&d.partner_type).into_owned(),
                    format!("{:.2}", d.x),
                    format!("{:.2}", d.y),
                    if d.outlier { "yes" } else { "" }.to_owned(),
                ]
            }),
            &[2, 3],
        ),
    );

    // (b) The strips.
    let (strips, unjudged) = api::strips(report);
    let mut numbers = table(
        &[
            "Peer group",
            "Partners",
            &format!("Median ({cur})"),
            "Flagged below",
            "Flagged above",
            "Members (sales per asset)",
        ],
        strips.iter().map(|s| {
            vec![
                esc(&s.group).into_owned(),
                s.members.len().to_string(),
                s.median.map_or(String::new(), |m| format!("{m:.2}")),
                s.low.map_or(String::new(), |m| format!("{m:.2}")),
                s.high.map_or(String::new(), |m| format!("{m:.2}")),
                s.members
                    .iter()
                    .map(|(p, v, f)| {
                        format!("{} {v:.2}{}", esc(p), if *f { " (flagged)" } else { "" })
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        }),
        &[1, 2, 3, 4],
    );
    if !unjudged.is_empty() {
        numbers.push_str("<p class=\"note\">Groups not judged: ");
        let notes: Vec<String> = unjudged
            .iter()
            .map(|g| {
                format!(
                    "{} ({})",
                    esc(&g.group),
                    esc(g.note.as_deref().unwrap_or("not judged"))
                )
            })
            .collect();
        numbers.push_str(&notes.join("; "));
        numbers.push_str("</p>");
    }
    let (shown, note) = drawn(&strips, "groups with flagged partners first");
    figure(
        h,
        "b",
        &format!(
            "Sales per installed asset within each judged peer group: the line is the group's median; a partner outside the shaded band is flagged.{note}"
        ),
        &charts::strips(shown, cur),
        &numbers,
    );

    // (c) The price boxes.
    let boxes = api::boxes(report);
    let (shown, note) = drawn(&boxes, "partners with the lowest prices");
    figure(
        h,
        "c",
        &format!(
            "Realised unit price as a percentage of the list price, per partner, the lowest first: whiskers from the lowest to the highest sale line, the box from the first to the third quartile, the median marked. Left of the 100 % line is below list.{note}"
        ),
        &charts::boxes(shown),
        &table(
            &[
                "Partner",
                "Sale lines",
                "Min %",
                "Q1 %",
                "Median %",
                "Q3 %",
                "Max %",
            ],
            boxes.iter().map(|b| {
                let mut row = vec![esc(&b.partner).into_owned(), b.lines.to_string()];
                row.extend(b.q.iter().map(|v| format!("{v:.0}")));
                row
            }),
            &[1, 2, 3, 4, 5, 6],
        ),
    );

    // (d) The pipeline timelines.
    let (lines, max_gap) = api::timelines(report);
    let (shown, note) = drawn(&lines, "partners with the longest gaps");
    figure(
        h,
        "d",
        &format!(
            "Pipeline updates per reporting partner (a tick each), from the start of its duty to the as-of date; shaded: gaps longer than {}.{note}",
            max_gap.map_or("the limit".to_owned(), |d| format!("{d} days"))
        ),
        &charts::timelines(shown, max_gap),
        &table(
            &["Partner", "From", "To", "Updates", "Gaps over the limit"],
            lines.iter().map(|t| {
                vec![
                    esc(&t.partner).into_owned(),
                    t.start.to_string(),
                    t.as_of.to_string(),
                    t.reports.len().to_string(),
                    t.gaps
                        .iter()
                        .map(|(a, b)| format!("{a} to {b} ({} days)", a.days_until(*b)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ]
            }),
            &[3],
        ),
    );
    h.push_str("</div></section>\n");
}

/// A chart with its caption and its numbers in a table below.
fn figure(h: &mut String, letter: &str, caption: &str, svg: &str, numbers: &str) {
    let heading = match letter {
        "a" => "OEM purchases against resales, per installed asset",
        "b" => "Sales per installed asset, per peer group",
        "c" => "Realised price as a percentage of list",
        _ => "Pipeline updates per reporting partner",
    };
    let _ = write!(
        h,
        r#"<figure class="chart-figure" id="figure-{letter}"><figcaption><h3>({letter}) {heading}</h3><p>{}</p></figcaption>{svg}<details><summary>The numbers</summary>{numbers}</details></figure>"#,
        esc(caption)
    );
}

/// A plain table of already escaped cells; `numeric` columns are right-aligned.
fn table(head: &[&str], rows: impl Iterator<Item = Vec<String>>, numeric: &[usize]) -> String {
    let mut t = String::from(r#"<table class="numbers sortable"><thead><tr>"#);
    for (i, c) in head.iter().enumerate() {
        let num = numeric.contains(&i);
        let _ = write!(
            t,
            r#"<th data-sort="{}"{}>{}</th>"#,
            if num { "num" } else { "text" },
            if num { r#" class="num""# } else { "" },
            esc(c)
        );
    }
    t.push_str("</tr></thead><tbody>");
    for row in rows {
        t.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let _ = write!(
                t,
                "<td{}>{cell}</td>",
                if numeric.contains(&i) {
                    r#" class="num""#
                } else {
                    ""
                }
            );
        }
        t.push_str("</tr>");
    }
    t.push_str("</tbody></table>");
    t
}

fn findings(h: &mut String, report: &Report, view: &View) {
    let all = report.findings();
    // Past the cap, the findings with the most money at stake, then the most severe, are
    // listed (in report order).
    let mut ranked: Vec<(usize, &Finding)> = all.iter().enumerate().collect();
    if all.len() > MAX_ROWS {
        ranked.sort_by(|(i, a), (j, b)| {
            b.amount
                .unwrap_or_default()
                .cmp(&a.amount.unwrap_or_default())
                .then(b.severity.cmp(&a.severity))
                .then(i.cmp(j))
        });
        ranked.truncate(MAX_ROWS);
        ranked.sort_by_key(|(i, _)| *i);
    }
    let shown: Vec<&Finding> = ranked.into_iter().map(|(_, f)| f).collect();
    // Filter choices: every rule, severity and type among the findings.
    let mut rules: Vec<&str> = shown.iter().map(|f| &*f.rule).collect();
    rules.sort_unstable();
    rules.dedup();
    let mut types: Vec<&str> = shown
        .iter()
        .map(|f| view.partner_type(&f.partner))
        .filter(|t| !t.is_empty())
        .collect();
    types.sort_unstable();
    types.dedup();
    let options = |h: &mut String, id: &str, label: &str, values: &[&str]| {
        let _ = write!(
            h,
            r#"<label>{label} <select id="filter-{id}" data-filter="{id}"><option value="">all</option>"#
        );
        for v in values {
            let _ = write!(h, r#"<option value="{0}">{0}</option>"#, esc(v));
        }
        h.push_str("</select></label>");
    };
    h.push_str(r#"<section id="findings-section"><h2>Findings by partner</h2><form class="filters" onsubmit="return false">"#);
    options(h, "rule", "Rule", &rules);
    options(h, "severity", "Severity", &["error", "warning", "info"]);
    options(h, "type", "Partner type", &types);
    let _ = write!(
        h,
        r#"<output id="shown" aria-live="polite">{} findings</output></form>"#,
        shown.len()
    );
    if all.len() > shown.len() {
        let _ = write!(
            h,
            r#"<p class="note">{} of {} findings are listed, those with the most money at stake, then the most severe; <code>--format json</code> lists them all.</p>"#,
            shown.len(),
            all.len()
        );
    }
    let _ = write!(
        h,
        r#"<table id="findings" class="findings sortable"><thead><tr><th data-sort="text" data-key="date">Date</th><th data-sort="sev" data-key="severity">Severity</th><th data-sort="text" data-key="rule">Rule</th><th data-sort="text" data-key="record">Record</th><th data-sort="text" data-key="sku">SKU</th><th data-sort="text" data-key="customer">Customer</th><th data-sort="text" data-key="finding">Finding</th><th data-sort="num" class="num" data-key="amount">At stake ({})</th></tr></thead>"#,
        esc(&view.currency)
    );
    // Grouped by partner, in the scorecard's order (by money at stake, then findings).
    let mut by_partner: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &shown {
        by_partner.entry(&f.partner).or_default().push(f);
    }
    let cards: BTreeMap<&str, &PartnerCard> = report
        .scorecard()
        .iter()
        .map(|c| (c.partner.as_str(), c))
        .collect();
    let mut order: Vec<&str> = report
        .scorecard()
        .iter()
        .map(|c| c.partner.as_str())
        .filter(|p| by_partner.contains_key(p))
        .collect();
    order.extend(by_partner.keys().filter(|p| !cards.contains_key(*p)));
    for partner in order {
        let Some(list) = by_partner.get(partner) else {
            continue;
        };
        let card = cards.get(partner);
        let place = card.map_or("not in partners.csv".to_owned(), |c| {
            [
                c.partner_type.map(|t| t.as_str().replace('_', " ")),
                c.region.clone(),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", ")
        });
        let money = card.map(|c| c.money_at_stake.clone()).unwrap_or_default();
        let _ = write!(
            h,
            r#"<tbody data-partner="{}"><tr class="partner-head"><th colspan="8" scope="rowgroup"><span class="pid">{}</span> <span class="muted">{}</span><span class="count">{} finding{}{}</span></th></tr>"#,
            esc(partner),
            esc(partner),
            esc(&place),
            list.len(),
            if list.len() == 1 { "" } else { "s" },
            if money.is_empty() || decimal_key(Some(&money)) == Some(pactum::Decimal::ZERO) {
                String::new()
            } else {
                format!(
                    " · {} {} at stake",
                    esc(&thousands(&money)),
                    esc(&view.currency)
                )
            }
        );
        let partner_type = view.partner_type(partner);
        for f in list {
            finding_row(h, f, partner_type);
        }
        h.push_str("</tbody>");
    }
    h.push_str("</table></section>\n");
}

fn finding_row(h: &mut String, f: &Finding, partner_type: &str) {
    let sev = f.severity.as_str();
    let record = match (&f.record, f.line) {
        (Some(r), Some(l)) => format!("{} <span class=\"muted\">item {}</span>", esc(r), l + 1),
        (Some(r), None) => esc(r).into_owned(),
        (None, _) => r#"<span class="muted">partner</span>"#.to_owned(),
    };
    let amount = api::amount(f);
    let _ = write!(
        h,
        r#"<tr class="finding" data-rule="{}" data-severity="{sev}" data-type="{}"><td>{}</td><td data-value="{}"><span class="sev {sev}">{sev}</span></td><td><code>{}</code><div class="muted small">{}</div></td><td>{record}</td><td>{}</td><td>{}</td><td><div class="msg">{}</div><div class="muted small">expected: {}; actual: {}{}</div></td><td class="num" data-value="{}">{}</td></tr>"#,
        esc(&f.rule),
        esc(partner_type),
        f.date,
        f.severity as u8,
        esc(&f.rule),
        esc(&f.title),
        esc(f.sku.as_deref().unwrap_or_default()),
        esc(f.customer.as_deref().unwrap_or_default()),
        esc(&f.message),
        esc(&f.expected),
        esc(&f.actual),
        f.code
            .as_deref()
            .map_or(String::new(), |c| format!("; code {}", esc(c))),
        esc(amount.as_deref().unwrap_or("0")),
        esc(&thousands(amount.as_deref().unwrap_or(""))),
    );
}

fn scorecard(h: &mut String, report: &Report, view: &View) {
    let cur = esc(&view.currency);
    let _ = write!(
        h,
        r#"<section id="scorecard"><h2>Partners</h2><table class="scorecard sortable"><thead><tr><th data-sort="text">Partner</th><th data-sort="text">Type</th><th data-sort="text">Region</th><th data-sort="text">Status</th><th data-sort="num" class="num">Findings</th><th data-sort="num" class="num">At stake ({cur})</th><th data-sort="num" class="num">Installed assets</th><th data-sort="num" class="num">Sales per asset</th><th data-sort="num" class="num">OEM purchases per asset</th><th data-sort="num" class="num" title="below the price floor: list less the allowed discount, or the agreement price">Below list ({cur})</th><th data-sort="text">Claims rejected</th><th data-sort="text">Outlier</th></tr></thead><tbody>"#
    );
    // The scorecard comes riskiest first: past the cap, the rest are in the JSON report.
    let cards = report.scorecard();
    for c in cards.iter().take(MAX_ROWS) {
        let n: usize = c.findings.values().sum();
        let cell = |v: &Option<String>| {
            let v = v.as_deref().unwrap_or("");
            format!(
                r#"<td class="num" data-value="{}">{}</td>"#,
                esc(v),
                esc(&thousands(v))
            )
        };
        let _ = write!(
            h,
            r#"<tr data-partner="{0}"{1}><td>{0}</td><td>{2}</td><td>{3}</td><td>{4}</td><td class="num">{n}</td>{5}{6}{7}{8}{9}<td>{10}</td><td>{11}</td></tr>"#,
            esc(&c.partner),
            if c.outlier { r#" class="outlier""# } else { "" },
            esc(c.partner_type.map_or("", |t| t.as_str())),
            esc(c.region.as_deref().unwrap_or("")),
            esc(c.status.as_deref().unwrap_or("")),
            cell(&Some(c.money_at_stake.clone())),
            cell(&c.assets.map(|a| a.to_string())),
            cell(&c.sales_per_asset),
            cell(&c.purchases_per_asset),
            cell(&Some(c.money_below_list.clone())),
            c.claims_rejected
                .iter()
                .map(|(cur, amount)| format!("{} {}", esc(&thousands(amount)), esc(cur)))
                .collect::<Vec<_>>()
                .join(", "),
            if c.outlier { "yes" } else { "" },
        );
    }
    h.push_str("</tbody></table>");
    if cards.len() > MAX_ROWS {
        let _ = write!(
            h,
            r#"<p class="note">The {MAX_ROWS} partners with the most money at stake, then the most findings, of {} are listed; <code>--format json</code> lists them all.</p>"#,
            cards.len()
        );
    }
    h.push_str("</section>\n");
}

/// Rejected records and rules that could not run, when there are any.
fn problems(h: &mut String, report: &Report) {
    let rejected = report.rejected();
    let errors = report.rule_errors();
    if rejected.is_empty() && errors.is_empty() {
        return;
    }
    h.push_str(r#"<section id="problems"><h2>Not judged</h2>"#);
    if !rejected.is_empty() {
        let _ = write!(
            h,
            r#"<table class="numbers"><caption>Records that could not be read ({})</caption><thead><tr><th class="num">Line</th><th>Record</th><th>Why</th></tr></thead><tbody>"#,
            report.summary().rejected
        );
        for r in rejected.iter().take(MAX_ROWS) {
            let _ = write!(
                h,
                r#"<tr class="rejected"><td class="num">{}</td><td>{}</td><td>{}</td></tr>"#,
                r.line,
                esc(r.id().unwrap_or("")),
                esc(&r.error.to_string())
            );
        }
        h.push_str("</tbody></table>");
    }
    if !errors.is_empty() {
        h.push_str(r#"<table class="numbers"><caption>Rules that could not run</caption><thead><tr><th>Rule</th><th>Record</th><th>Why</th></tr></thead><tbody>"#);
        for e in errors.iter().take(MAX_ROWS) {
            let _ = write!(
                h,
                r#"<tr class="rule-error"><td><code>{}</code></td><td>{}</td><td>{}</td></tr>"#,
                esc(&e.rule),
                esc(e.record.as_deref().unwrap_or("")),
                esc(&e.reason)
            );
        }
        h.push_str("</tbody></table>");
    }
    h.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn esc_escapes_markup_quotes_and_ampersands() {
        assert_eq!(
            esc("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"
        );
        assert_eq!(esc(r#"a "b" & c"#), "a &quot;b&quot; &amp; c");
        assert_eq!(esc("&amp;"), "&amp;amp;");
        assert_eq!(
            esc("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
    }

    #[test]
    fn esc_leaves_plain_text_borrowed_and_shows_hidden_characters() {
        assert!(matches!(esc("P-DE-02 Über-Teil"), Cow::Borrowed(_)));
        assert_eq!(esc("a\u{202e}b\u{1b}"), "a\\u{202e}b\\u{1b}");
        assert_eq!(esc(""), "");
    }

    #[test]
    fn money_is_grouped_by_thousands_for_people() {
        assert_eq!(thousands("4961.42"), "4,961.42");
        assert_eq!(thousands("-1234567.5"), "-1,234,567.5");
        assert_eq!(thousands("999.00"), "999.00");
        assert_eq!(thousands("100000"), "100,000");
        assert_eq!(thousands(""), "");
        assert_eq!(thousands("n/a"), "n/a");
    }

    #[test]
    fn a_chart_draws_at_most_its_row_cap_and_says_so() {
        let rows: Vec<usize> = (0..MAX_CHART_ROWS + 5).collect();
        let (shown, note) = drawn(&rows, "partners");
        assert_eq!(shown.len(), MAX_CHART_ROWS);
        assert!(note.contains(&format!("of {}", rows.len())), "{note}");
        let few = [1, 2, 3];
        assert_eq!(drawn(&few, "partners"), (&few[..], String::new()));
    }

    #[test]
    fn a_table_right_aligns_its_numeric_columns() {
        let t = table(
            &["A", "B"],
            [vec!["x".into(), "1".into()]].into_iter(),
            &[1],
        );
        assert!(t.contains(r#"<td class="num">1</td>"#), "{t}");
        assert!(t.contains("<td>x</td>"), "{t}");
    }
}
