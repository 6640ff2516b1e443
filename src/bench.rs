//! Benchmark modes of the page, used by `cargo xtask bench` and a few browser tests.
//! `?bench=NAME` loads `bench/NAME.record`, the diagram and scenario as a record
//! (written by `scalelab-cli bench-files`, so no workload code is in the bundle):
//! `engine` times the engine on the standard workload; `anim` and `busy` run a busy
//! diagram and record per-frame script time; `drag` opens a 60-node, 80-edge diagram
//! for the drag benchmark (the script drives the pointer).

use leptos::prelude::*;
use scalelab_engine::format::fixed;
use scalelab_engine::link::{from_record, Record};
use scalelab_engine::{Diagram, Scenario, Simulation};
use wasm_bindgen::{JsCast, JsValue};

use crate::net::fetch_text;

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

/// Loads a benchmark workload written by `scalelab-cli bench-files`.
pub async fn load_workload(name: &str) -> Result<(Diagram, Scenario), String> {
    let safe = name.chars().all(|c| c.is_ascii_alphanumeric());
    if !safe {
        return Err(format!("there is no benchmark called {name}"));
    }
    let text = fetch_text(&format!("bench/{name}.record")).await?;
    match from_record(&text) {
        Ok(Record::Sandbox(d, s)) => Ok((d, s)),
        Ok(_) => Err(format!("bench/{name}.record is not a diagram and scenario")),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs the workload five times (the first ones also warm up the WebAssembly
/// compiler's optimising tier) and reports the best as JSON.
fn engine_bench(diagram: &Diagram, scenario: &Scenario) -> String {
    let mut best: Option<(u64, f64)> = None;
    for _ in 0..5 {
        let Ok(mut sim) = Simulation::new(diagram, scenario) else {
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
        r#"{{"events":{events},"ms":{},"events_per_s":{}}}"#,
        fixed(ms, 3),
        fixed(events as f64 / (ms / 1000.0).max(1e-9), 0)
    )
}

/// The engine benchmark page: "Running…", then the result as JSON.
#[component]
pub fn EngineBench() -> impl IntoView {
    let result = RwSignal::new(None::<String>);
    leptos::task::spawn_local(async move {
        match load_workload("engine").await {
            // Let the page paint "Running…" first.
            Ok((d, s)) => set_timeout(
                move || result.set(Some(engine_bench(&d, &s))),
                std::time::Duration::from_millis(50),
            ),
            Err(e) => result.set(Some(format!(r#"{{"error":"{}"}}"#, e.replace('"', "'")))),
        }
    });
    view! {
        <main class="panel">
            <h2>"Engine benchmark (WebAssembly)"</h2>
            {move || match result.get() {
                Some(r) => view! { <pre data-testid="bench-result">{r}</pre> }.into_any(),
                None => view! { <p>"Running…"</p> }.into_any(),
            }}
        </main>
    }
}

/// Appends one frame's script time (ms), drawn dots and requests in flight to the
/// arrays the benchmark script reads.
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
