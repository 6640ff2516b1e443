//! Any diagram a learner could wire from any components, with any settings the
//! inspector allows, under a short scenario with failures: the engine either refuses
//! it before simulating or runs it to the end without a panic, and every request it
//! created ends exactly once.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scalelab_engine::Simulation;

#[path = "../../crates/engine/tests/it/any_design.rs"]
mod any_design;

fuzz_target!(|data: &[u8]| {
    let (d, s, sampling) = any_design::design_from_bytes(data);
    // Refused before anything is simulated, or run to the end.
    let Ok(mut sim) = Simulation::new(&d, &s) else {
        return;
    };
    sim.set_trace_sampling(sampling);
    let mut t = 0;
    while !sim.is_finished() {
        t += 250_000;
        sim.advance(t, u64::MAX);
        let _ = sim.take_traces();
    }
    let m = sim.snapshot();
    let ended: u64 = m.totals.by_cause.iter().map(|(_, n)| n).sum();
    assert_eq!(m.totals.created, m.totals.ok + ended, "{d:?}\n{s:?}");
    assert_eq!(m.totals.failed, ended);
});
