//! The metrics panel: live totals (throughput, latency percentiles, errors by cause,
//! cost) and small time-series charts drawn as SVG, with markers where failures
//! happened. The chart scaling is pure and tested natively.

use leptos::prelude::*;
use scalelab_engine::format::{fixed, percent, trimmed};
use scalelab_engine::order;
use scalelab_engine::Metrics;

use crate::editor::Editor;
use crate::run::Runner;
use crate::view_util::{format_money, format_ms, format_number};

const CHART_W: f64 = 240.0;
const CHART_H: f64 = 64.0;

/// A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `v`.
pub fn nice_max(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= v {
            return m * p;
        }
    }
    10.0 * p
}

/// SVG polyline points for `values` at times `ts` over [0, t_max] × [0, y_max].
pub fn polyline(ts: &[f64], values: &[f64], t_max: f64, y_max: f64, w: f64, h: f64) -> String {
    let mut out = String::with_capacity(values.len() * 12);
    for (t, v) in ts.iter().zip(values) {
        let x = if t_max > 0.0 { t / t_max * w } else { 0.0 };
        let y = h - (v / y_max).clamp(0.0, 1.0) * h;
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&format!("{},{}", fixed(x, 1), fixed(y, 1)));
    }
    out
}

/// What a chart draws: sample times, lines, failure-marker times and the time axis end.
#[derive(Clone, Default)]
struct ChartData {
    ts: Vec<f64>,
    lines: Vec<Line>,
    markers: Vec<f64>,
    t_max: f64,
}

#[derive(Clone)]
struct Line {
    values: Vec<f64>,
    class: &'static str,
}

/// A chart figure's inside as HTML: the caption, the SVG (axis, failure markers, one
/// polyline per line, scaled to `y_max`) and the scale under it. Built as text: a chart
/// shows and never takes input, and a string costs the page far less code than a view.
fn chart_html(caption: &str, label: &str, data: &ChartData, y_max: f64, scale: &str) -> String {
    use crate::view_util::escape;
    let (w, h) = (trimmed(CHART_W, 0), trimmed(CHART_H, 0));
    let mut svg = format!(
        "<figcaption>{}</figcaption><svg class=\"chart-svg\" viewBox=\"0 0 {w} {h}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{}\"><line class=\"axis\" x1=\"0\" x2=\"{w}\" y1=\"{h}\" y2=\"{h}\"></line>",
        escape(caption),
        escape(label)
    );
    for t in &data.markers {
        let x = if data.t_max > 0.0 {
            t / data.t_max * CHART_W
        } else {
            0.0
        };
        let x = trimmed(x, 1);
        svg.push_str(&format!(
            "<line class=\"marker\" x1=\"{x}\" x2=\"{x}\" y1=\"0\" y2=\"{h}\"></line>"
        ));
    }
    for l in &data.lines {
        svg.push_str(&format!(
            "<polyline class=\"series {}\" points=\"{}\"></polyline>",
            l.class,
            polyline(&data.ts, &l.values, data.t_max, y_max, CHART_W, CHART_H)
        ));
    }
    svg.push_str(&format!(
        "</svg><div class=\"chart-scale muted small\">{}</div>",
        escape(scale)
    ));
    svg
}

#[component]
fn Chart(
    title: &'static str,
    testid: &'static str,
    unit: &'static str,
    data: Signal<ChartData>,
) -> impl IntoView {
    let body = move || {
        data.with(|d| {
            let y_max = nice_max(
                d.lines
                    .iter()
                    .flat_map(|l| l.values.iter().copied())
                    .fold(0.0, f64::max),
            );
            let scale = if d.ts.is_empty() {
                "no data yet".to_string()
            } else {
                format!("max {} {unit}", format_number(y_max))
            };
            chart_html(title, title, d, y_max, &scale)
        })
    };
    view! { <figure class="chart" data-testid=testid inner_html=body></figure> }
}

/// Chart data from the run's per-second series: times, lines, marker times, t max.
fn chart_data(
    m: &Metrics,
    pick: impl Fn(&scalelab_engine::SecondPoint) -> Vec<f64>,
    classes: &[&'static str],
    duration_s: f64,
) -> ChartData {
    let ts: Vec<f64> = m.series.iter().map(|p| p.t_s as f64 + 1.0).collect();
    let mut lines: Vec<Line> = classes
        .iter()
        .map(|c| Line {
            values: Vec::with_capacity(ts.len()),
            class: c,
        })
        .collect();
    for p in &m.series {
        for (line, v) in lines.iter_mut().zip(pick(p)) {
            line.values.push(v);
        }
    }
    let markers = m.markers.iter().map(|mk| mk.at_us as f64 / 1e6).collect();
    ChartData {
        ts,
        lines,
        markers,
        t_max: duration_s.max(1.0),
    }
}

/// The inside of the chart of one node's utilisation (and hit rate, for caches and
/// CDNs) per simulated second, with the run's failure markers, as HTML.
pub fn node_chart_html(
    points: &[scalelab_engine::NodePoint],
    duration_s: f64,
    markers: Vec<f64>,
) -> String {
    let has_hits = points.iter().any(|p| p.hit_rate.is_some());
    let mut lines = vec![Line {
        values: points.iter().map(|p| p.utilisation).collect(),
        class: "util",
    }];
    if has_hits {
        lines.push(Line {
            values: points.iter().map(|p| p.hit_rate.unwrap_or(0.0)).collect(),
            class: "hits",
        });
    }
    let data = ChartData {
        ts: points.iter().map(|p| p.t_s as f64 + 1.0).collect(),
        lines,
        markers,
        t_max: duration_s.max(1.0),
    };
    let caption = if has_hits {
        "Utilisation and hit rate per second"
    } else {
        "Utilisation per second"
    };
    chart_html(caption, "Utilisation per second", &data, 1.0, "0 – 100%")
}

#[component]
pub fn MetricsPanel() -> impl IntoView {
    let runner = expect_context::<Runner>();
    // Every reader borrows the one snapshot; nothing clones the whole `Metrics`.
    let stat = move |f: fn(&Metrics) -> String| {
        move || {
            runner
                .metrics
                .with(|m| m.as_ref().map(f))
                .unwrap_or_else(|| "–".into())
        }
    };
    let duration = runner.duration_s;
    let chart = move |pick: fn(&scalelab_engine::SecondPoint) -> Vec<f64>,
                      classes: &'static [&'static str]| {
        Signal::derive(move || {
            let duration = duration.get();
            runner
                .metrics
                .with(|m| m.as_ref().map(|m| chart_data(m, pick, classes, duration)))
                .unwrap_or_default()
        })
    };
    let latency = chart(
        |p| vec![p.p50_ms, p.p95_ms, p.p99_ms],
        &["p50", "p95", "p99"],
    );
    let throughput = chart(|p| vec![p.throughput], &["tput"]);
    let errors = chart(|p| vec![p.errors as f64], &["errs"]);
    // The selected component's own numbers, next to the totals.
    let editor = expect_context::<Editor>();
    let selected = move || {
        let id = editor
            .selection
            .with(|s| s.single_node().map(str::to_string))?;
        let name = editor
            .diagram
            .with(|d| d.node(&id).map(|n| n.name.clone()))?;
        let (n, monitored) = runner.metrics.with(|m| {
            m.as_ref()
                .and_then(|m| m.node(&id).cloned().map(|n| (n, m.monitored)))
        })?;
        let mut parts = vec![if !n.up {
            "down".to_string()
        } else if monitored {
            format!("{}% busy", fixed(n.utilisation * 100.0, 0))
        } else {
            "up".to_string()
        }];
        // How loaded a component is takes a monitoring agent to know.
        if monitored {
            parts.push(format!("queue {}", n.queue_len));
            if let Some(h) = n.hit_rate {
                parts.push(format!("hit rate {}", percent(h)));
            }
        }
        Some(view! {
            <div class="kpi selected-kpi" data-testid="metric-selected">
                <span class="kpi-label">{name}</span>
                <span class="kpi-value">{parts.join(" · ")}</span>
            </div>
        })
    };
    let causes = move || {
        runner.metrics.with(|m| {
            m.as_ref().map(|m| {
                m.totals
                    .by_cause
                    .iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(c, n)| view! { <li><span>{c.label()}</span><strong>{format_number(*n as f64)}</strong></li> })
                    .collect_view()
            })
        })
    };
    let dashboard = move || {
        runner.metrics.with(|m| {
            m.as_ref()
                // No tip to add Monitoring in a chapter that does not offer it yet.
                .filter(|m| {
                    m.monitored
                        || editor
                            .palette
                            .with(|p| p.kinds.contains(&scalelab_engine::Kind::Monitoring))
                })
                .map(|m| editor.diagram.with(|d| dashboard_html(m, d)))
                .unwrap_or_default()
        })
    };
    // The finished run's fingerprint: the same files and seed give the same one here
    // and in `scalelab-cli run --digest`.
    let digest = move || {
        runner
            .final_metrics
            .with(|m| m.as_ref().map(|m| m.digest()))
            .map(|d| {
                view! {
                    <p class="muted small digest" title="The same diagram, scenario and seed always give the same fingerprint">
                        "Run fingerprint " <code data-testid="run-digest">{d}</code>
                    </p>
                }
            })
    };
    view! {
        <section class="metrics" data-testid="metrics-panel" aria-label="Metrics">
            <div class="stats-row">
                <div class="kpi"><span class="kpi-label">"Throughput"</span>
                    <span class="kpi-value" data-testid="metric-throughput">{stat(|m| format!("{} req/s", format_number(m.totals.throughput_rps)))}</span></div>
                <div class="kpi"><span class="kpi-label">"p50"</span>
                    <span class="kpi-value" data-testid="metric-p50">{stat(|m| format_ms(m.totals.p50_ms))}</span></div>
                <div class="kpi"><span class="kpi-label">"p95"</span>
                    <span class="kpi-value" data-testid="metric-p95">{stat(|m| format_ms(m.totals.p95_ms))}</span></div>
                <div class="kpi"><span class="kpi-label">"p99"</span>
                    <span class="kpi-value" data-testid="metric-p99">{stat(|m| format_ms(m.totals.p99_ms))}</span></div>
                <div class="kpi"><span class="kpi-label">"Errors"</span>
                    <span class="kpi-value" data-testid="metric-errors">{stat(|m| format_number(m.totals.failed as f64))}</span></div>
                <div class="kpi"><span class="kpi-label">"Error rate"</span>
                    <span class="kpi-value" data-testid="metric-error-rate">{stat(|m| percent(m.totals.error_rate))}</span></div>
                {selected}
                <div class="kpi" title="The monthly price of what this run used: the instances that ran (autoscaling included) and CDN traffic."><span class="kpi-label">"Cost"</span>
                    <span class="kpi-value" data-testid="metric-cost">{stat(|m| format!("{}/mo", format_money(m.cost_per_month)))}</span></div>
            </div>
            <div class="charts">
                <Chart title="Latency p50 / p95 / p99" testid="chart-latency" unit="ms" data=latency/>
                <Chart title="Throughput" testid="chart-throughput" unit="req/s" data=throughput/>
                <Chart title="Errors per second" testid="chart-errors" unit="" data=errors/>
                <div class="causes">
                    <div class="kpi-label">"Errors by cause"</div>
                    <ul data-testid="error-causes">{causes}</ul>
                </div>
            </div>
            <div class="dashboard" data-testid="dashboard" inner_html=dashboard></div>
            {digest}
        </section>
    }
}

/// The dashboards a Monitoring component unlocks: the busiest components (host level)
/// and the business numbers. Without monitoring, a line saying how to get them. HTML,
/// escaped; empty before a run.
pub fn dashboard_html(m: &Metrics, d: &scalelab_engine::Diagram) -> String {
    use crate::view_util::escape;
    if !m.monitored {
        return "<p class=\"muted small\" data-testid=\"dashboards-off\">Only what users see is measured. \
                Add a <strong>Monitoring</strong> component to see how busy each component is, \
                and the business numbers.</p>"
            .into();
    }
    // While the run goes on, how busy each component is now (and its queue); once it
    // has ended, how busy it was over the whole run: the moment the run ends (often a
    // quiet one) says little. Users and Monitoring never are busy.
    let finished = m.now_us >= m.duration_us;
    let busy = |n: &scalelab_engine::metrics::NodeMetrics| {
        if finished {
            n.busiest_mean_utilisation()
        } else {
            n.busiest_utilisation()
        }
    };
    let mut busiest: Vec<_> = m
        .nodes
        .iter()
        .filter(|n| (finished || n.up) && busy(n) > 0.0)
        .collect();
    // The busiest first.
    order::sort_by_key(&mut busiest, |n| !order::f64_key(busy(n)));
    let rows: String = busiest
        .iter()
        .take(3)
        .map(|n| {
            let name = d.node(&n.id).map_or(n.id.as_str(), |x| x.name.as_str());
            let pct = (busy(n) * 100.0).clamp(0.0, 100.0);
            let queue = if finished {
                String::new()
            } else {
                format!("queue {}", n.queued())
            };
            format!(
                "<li><span>{}</span><span class=\"bar\"><span style=\"width:{pct}%\"></span></span><strong>{pct}%</strong><span class=\"muted\">{queue}</span></li>",
                escape(name),
                pct = fixed(pct, 0),
            )
        })
        .collect();
    let title = if finished {
        "Busiest components over the run"
    } else {
        "Busiest components now"
    };
    let business = m.business.as_ref().map_or_else(String::new, |b| {
        format!(
            "<p class=\"small\" data-testid=\"business\">Active users <strong>{}</strong> · {} requests each</p>",
            format_number(b.active_users as f64),
            format_number(b.requests_per_user)
        )
    });
    format!(
        "<div class=\"kpi-label\">{title}</div><ul class=\"busiest\" data-testid=\"busiest\">{rows}</ul>{business}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dashboards_need_monitoring_and_then_show_the_busiest_component_first() {
        use scalelab_engine::{run_to_end, Diagram, Kind, Scenario};
        let mut d = Diagram::default();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let small = d.add_node(Kind::WebServer, 200.0, 0.0);
        let big = d.add_node(Kind::WebServer, 200.0, 100.0);
        d.set_param(
            &big,
            "size",
            scalelab_engine::ParamValue::Text("xlarge".into()),
        )
        .unwrap();
        d.connect(&u, &small).unwrap();
        d.connect(&u, &big).unwrap();
        let i = d.node_index(&small).unwrap();
        d.nodes[i].name = "<Small>".into();
        let mut s = Scenario {
            duration_s: 10,
            ..Scenario::default()
        };
        s.set_rps(&u, 300.0);
        let unwatched = run_to_end(&d, &s).unwrap();
        let off = dashboard_html(&unwatched, &d);
        assert!(
            off.contains("dashboards-off") && off.contains("Monitoring"),
            "{off}"
        );
        assert!(!off.contains("busiest"));

        d.add_node(Kind::Monitoring, 400.0, 0.0);
        let watched = run_to_end(&d, &s).unwrap();
        let on = dashboard_html(&watched, &d);
        // The small server carries as much as the big one with fewer workers: it comes
        // first, its name escaped.
        let first = on
            .find("&lt;Small&gt;")
            .expect("the small server is listed");
        let second = on.find("Web server 2").expect("the big server is listed");
        assert!(first < second, "{on}");
        assert!(!on.contains("Users 1"), "Users do no work: {on}");
        assert!(on.contains("data-testid=\"business\""), "{on}");

        // The run has ended: the figure is the mean over the run, not the last moment.
        let small_metrics = watched.nodes.iter().find(|n| n.id == small).unwrap();
        let mean = format!(
            "<strong>{:.0}%</strong>",
            small_metrics.mean_utilisation * 100.0
        );
        assert!(
            on.contains("over the run") && on.contains(&mean),
            "{mean} in {on}"
        );
        // During a run: the figure now, with the queue.
        let mut during = watched.clone();
        during.now_us = during.duration_us / 2;
        for n in &mut during.nodes {
            n.utilisation = if n.id == small { 0.42 } else { 0.0 };
        }
        let now = dashboard_html(&during, &d);
        assert!(
            now.contains("Busiest components now")
                && now.contains("<strong>42%</strong>")
                && now.contains("queue "),
            "{now}"
        );
    }

    #[test]
    fn a_node_chart_draws_each_line_and_failure_marker_and_escapes_its_words() {
        let point = |t_s, utilisation, hit_rate| scalelab_engine::NodePoint {
            t_s,
            utilisation,
            hit_rate,
            ..Default::default()
        };
        let plain = [point(0, 0.5, None), point(1, 1.0, None)];
        let html = node_chart_html(&plain, 4.0, vec![2.0]);
        assert_eq!(html.matches("<polyline").count(), 1, "{html}");
        // Second 1 ends at t = 1 s: a quarter of the way along a 4 s run, at half height.
        assert!(
            html.contains("class=\"series util\" points=\"60.0,32.0 120.0,0.0\""),
            "{html}"
        );
        assert_eq!(html.matches("class=\"marker\"").count(), 1, "{html}");
        assert!(
            html.contains("x1=\"120\""),
            "the marker at 2 s of 4 s: {html}"
        );
        assert!(html.contains("<figcaption>Utilisation per second</figcaption>"));

        let cache = [point(0, 0.2, Some(0.9)), point(1, 0.3, None)];
        let html = node_chart_html(&cache, 2.0, Vec::new());
        assert_eq!(html.matches("<polyline").count(), 2, "{html}");
        assert!(
            html.contains("series hits") && html.contains("and hit rate"),
            "{html}"
        );
        assert_eq!(html.matches("class=\"marker\"").count(), 0);

        let data = ChartData {
            ts: vec![1.0],
            lines: vec![Line {
                values: vec![3.0],
                class: "p95",
            }],
            markers: Vec::new(),
            t_max: 1.0,
        };
        let html = chart_html("p50 < p95 & \"p99\"", "label", &data, 5.0, "max <5>");
        assert!(
            html.contains("p50 &lt; p95 &amp; &quot;p99&quot;"),
            "{html}"
        );
        assert!(html.contains("max &lt;5&gt;"), "{html}");
    }

    #[test]
    fn nice_max_rounds_up_to_one_two_or_five() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(120.0), 200.0);
        assert_eq!(nice_max(2000.0), 2000.0);
    }

    #[test]
    fn polyline_scales_time_and_value_into_the_box() {
        let s = polyline(
            &[0.0, 5.0, 10.0],
            &[0.0, 50.0, 200.0],
            10.0,
            100.0,
            100.0,
            50.0,
        );
        // Values above the axis maximum are clipped to the top.
        assert_eq!(s, "0.0,50.0 50.0,25.0 100.0,0.0");
    }
}
