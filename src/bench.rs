//! Benchmark modes of the page, used by `cargo xtask bench`:
//! `?bench=engine` times the engine on the standard workload in WebAssembly;
//! `?bench=anim` loads a busy diagram and records per-frame script time;
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

/// Appends one frame's script time (ms) and drawn dots to the arrays the benchmark
/// script reads.
pub fn record_frame(script_ms: f64, dots: usize) {
    let w: JsValue = window().into();
    for (key, value) in [
        ("__scalelabFrames", script_ms),
        ("__scalelabDots", dots as f64),
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
