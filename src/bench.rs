//! Benchmark modes of the page, used by `cargo xtask bench`:
//! `?bench=engine` times the engine on the standard workload in WebAssembly;
//! `?bench=anim` loads a busy diagram and records per-frame script time;
//! `?bench=drag` loads a 60-node, 80-edge diagram for the drag benchmark (the script
//! drives the pointer); `?bench=busy` runs that diagram with about 10,000 requests in
//! flight and records per-frame script time;
//! `?bench=determinism` runs the example diagram and scenario to the end and shows the
//! metrics JSON, which a browser test compares with the native CLI's.

use leptos::prelude::*;
use scalelab_engine::{Diagram, Kind, ParamValue, Region, Scenario, Simulation};
use wasm_bindgen::{JsCast, JsValue};

/// The benchmark asked for in the page's query string, if any.
pub fn mode() -> Option<String> {
    let search = window().location().search().ok()?;
    search
        .trim_start_matches('?')
        .split('&')
        .find_map(|kv| kv.strip_prefix("bench=").map(str::to_string))
}

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// Runs the standard workload five times (the first ones also warm up the
/// WebAssembly compiler's optimising tier) and reports the best as JSON.
fn engine_bench() -> String {
    let (diagram, scenario) = scalelab_engine::bench_workload();
    let mut best: Option<(u64, f64)> = None;
    for _ in 0..5 {
        let Ok(mut sim) = Simulation::new(&diagram, &scenario) else {
            return r#"{"error":"the benchmark workload does not validate"}"#.into();
        };
        // As natively: no traces, only the simulation.
        sim.set_trace_sampling(0);
        let start = now_ms();
        sim.run_to_end();
        let ms = now_ms() - start;
        let events = sim.events_processed();
        if best.is_none_or(|(_, b)| ms < b) {
            best = Some((events, ms));
        }
    }
    let (events, ms) = best.unwrap_or((0, 0.0));
    format!(
        r#"{{"events":{events},"ms":{ms:.3},"events_per_s":{:.0}}}"#,
        events as f64 / (ms / 1000.0).max(1e-9)
    )
}

/// A measurement page: shows "Running…", then, once painted, the result of `compute`.
#[component]
fn ResultPage(title: &'static str, testid: &'static str, compute: fn() -> String) -> impl IntoView {
    let result = RwSignal::new(None::<String>);
    set_timeout(
        move || result.set(Some(compute())),
        std::time::Duration::from_millis(50),
    );
    view! {
        <main class="panel">
            <h2>{title}</h2>
            {move || match result.get() {
                Some(r) => view! { <pre data-testid=testid>{r}</pre> }.into_any(),
                None => view! { <p>"Running…"</p> }.into_any(),
            }}
        </main>
    }
}

/// The engine benchmark page.
#[component]
pub fn EngineBench() -> impl IntoView {
    view! { <ResultPage title="Engine benchmark (WebAssembly)" testid="bench-result" compute=engine_bench/> }
}

/// Appends one frame's script time (ms), drawn dots and the requests in flight in the
/// engine to the arrays the benchmark script reads.
pub fn record_frame(script_ms: f64, dots: usize, in_flight: u64) {
    let w: JsValue = window().into();
    for (key, value) in [
        ("__scalelabFrames", script_ms),
        ("__scalelabDots", dots as f64),
        ("__scalelabInFlight", in_flight as f64),
    ] {
        let array = js_sys::Reflect::get(&w, &key.into())
            .ok()
            .and_then(|a| a.dyn_into::<js_sys::Array>().ok())
            .unwrap_or_else(|| {
                let a = js_sys::Array::new();
                let _ = js_sys::Reflect::set(&w, &key.into(), &a);
                a
            });
        array.push(&value.into());
    }
}

/// A busy diagram for the animation benchmark: users in Asia send 12,500 requests per
/// second across the ocean to a data center in North America, so about two thousand
/// requests are on the wires at any moment.
pub fn anim_workload() -> (Diagram, Scenario) {
    let mut d = Diagram::default();
    let dc = d.add_data_center(Region::NorthAmerica, 560.0, 0.0, 440.0, 1040.0);
    let users = d.add_node(Kind::Users, 0.0, 480.0);
    let _ = d.set_param(&users, "region", ParamValue::Text("asia".into()));
    let dns = d.add_node(Kind::Dns, 240.0, 480.0);
    let lb = d.add_node(Kind::LoadBalancer, 608.0, 480.0);
    let _ = d.connect(&users, &dns);
    let _ = d.connect(&dns, &lb);
    for i in 0..8 {
        let web = d.add_node(Kind::WebServer, 832.0, 48.0 + i as f64 * 120.0);
        let _ = d.set_param(&web, "size", ParamValue::Text("xlarge".into()));
        let _ = d.connect(&lb, &web);
        d.set_node_dc(&web, Some(&dc));
    }
    d.set_node_dc(&lb, Some(&dc));
    let mut scenario = Scenario {
        duration_s: 600,
        ..Scenario::default()
    };
    scenario.set_rps(&users, 12_500.0);
    (d, scenario)
}

/// The example files of `examples/`, run to the end: metrics (with the per-second
/// series) as JSON, or the reason they could not run.
fn determinism_run() -> String {
    let diagram = Diagram::from_json(include_str!("../examples/diagram.json"));
    let scenario = Scenario::from_json(include_str!("../examples/scenario.json"));
    match (diagram, scenario) {
        (Ok(d), Ok(s)) => match scalelab_engine::run_to_end(&d, &s) {
            Ok(m) => m.to_json_pretty(true),
            Err(findings) => format!("the example does not run: {findings:?}"),
        },
        (Err(e), _) | (_, Err(e)) => format!("the example does not parse: {e}"),
    }
}

/// The determinism check page.
#[component]
pub fn DeterminismRun() -> impl IntoView {
    view! { <ResultPage title="Determinism check (WebAssembly)" testid="determinism-result" compute=determinism_run/> }
}

/// Requests per second of each Users node in `?bench=busy`: with the lesson workload
/// that keeps about 10,000 requests in flight.
pub const BUSY_RPS: f64 = 15_000.0;

/// A lesson-sized system: 60 components and 80 connections in columns (users, DNS,
/// balancers, two columns of web servers, session stores and caches, databases with
/// replicas, object storage and CDNs) inside one North American data center, with
/// users in Asia and Europe. Each Users node sends `rps` requests per second.
pub fn lesson_workload(rps: f64) -> (Diagram, Scenario) {
    let mut d = Diagram::default();
    let col = |i: usize| 48.0 + i as f64 * 256.0;
    let row = |j: usize| 64.0 + j as f64 * 96.0;
    let dc = d.add_data_center(Region::NorthAmerica, col(2) - 32.0, 0.0, 1504.0, 1312.0);
    let mut users = Vec::new();
    for j in 0..4 {
        let u = d.add_node(Kind::Users, col(0), row(2 + j * 2));
        let region = if j % 2 == 0 { "asia" } else { "europe" };
        let _ = d.set_param(&u, "region", ParamValue::Text(region.into()));
        let _ = d.set_param(&u, "users", ParamValue::Num(100_000.0));
        users.push(u);
    }
    let dns: Vec<String> = (0..2)
        .map(|j| d.add_node(Kind::Dns, col(1), row(3 + j * 4)))
        .collect();
    let cdns: Vec<String> = (0..2)
        .map(|j| d.add_node(Kind::Cdn, col(1), row(j * 11)))
        .collect();
    let lbs: Vec<String> = (0..4)
        .map(|j| d.add_node(Kind::LoadBalancer, col(2), row(1 + j * 3)))
        .collect();
    let webs: Vec<String> = (0..24)
        .map(|i| d.add_node(Kind::WebServer, col(3 + i / 12), row(i % 12)))
        .collect();
    let sessions: Vec<String> = (0..4)
        .map(|j| d.add_node(Kind::SessionStore, col(5), row(j)))
        .collect();
    let caches: Vec<String> = (0..6)
        .map(|j| d.add_node(Kind::Cache, col(5), row(5 + j)))
        .collect();
    let primaries: Vec<String> = (0..5)
        .map(|j| d.add_node(Kind::Database, col(6), row(j * 2 + 1)))
        .collect();
    let replicas: Vec<String> = (0..5)
        .map(|j| d.add_node(Kind::Database, col(7), row(j * 2 + 1)))
        .collect();
    let storage: Vec<String> = (0..4)
        .map(|j| d.add_node(Kind::ObjectStorage, col(6 + j % 2), row(11 + j / 2)))
        .collect();
    let mut wire = |a: &str, b: &str| {
        let _ = d.connect(a, b);
    };
    for (j, u) in users.iter().enumerate() {
        wire(u, &dns[j % 2]);
    }
    for (j, l) in lbs.iter().enumerate() {
        wire(&dns[j / 2], l);
    }
    for (i, w) in webs.iter().enumerate() {
        wire(&lbs[i / 6], w);
        wire(w, &caches[i % 6]);
    }
    for (j, c) in caches.iter().enumerate() {
        wire(c, &primaries[j % 5]);
    }
    for (p, r) in primaries.iter().zip(&replicas) {
        wire(p, r);
    }
    for (j, s) in sessions.iter().enumerate() {
        wire(&webs[j * 6], s);
    }
    for (j, s) in storage.iter().enumerate() {
        wire(&webs[j * 6 + 1], s);
    }
    wire(&users[0], &cdns[0]);
    wire(&users[1], &cdns[1]);
    wire(&cdns[0], &storage[0]);
    wire(&cdns[1], &storage[1]);
    wire(&cdns[0], &lbs[0]);
    for (id, x) in d
        .nodes
        .iter()
        .map(|n| (n.id.clone(), n.x))
        .collect::<Vec<_>>()
    {
        if x >= col(2) {
            d.set_node_dc(&id, Some(&dc));
        }
    }
    for r in &replicas {
        let _ = d.set_param(r, "role", ParamValue::Text("replica".into()));
    }
    for w in &webs {
        let _ = d.set_param(w, "size", ParamValue::Text("xlarge".into()));
    }
    let mut scenario = Scenario {
        duration_s: 600,
        ..Scenario::default()
    };
    for u in &users {
        scenario.set_rps(u, rps);
    }
    (d, scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lesson_workload_has_60_nodes_and_80_valid_edges() {
        let (d, s) = lesson_workload(1000.0);
        assert_eq!(d.nodes.len(), 60);
        assert_eq!(d.edges.len(), 80);
        assert!(Simulation::new(&d, &s).is_ok());
    }
}
