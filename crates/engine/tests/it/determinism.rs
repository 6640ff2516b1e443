//! Same inputs and seed give identical results, however the run is sliced; a different
//! seed gives different results.

use scalelab_engine::{bench::bench_workload_for, run_to_end, Scenario, Simulation};

fn json(d: &scalelab_engine::Diagram, s: &Scenario) -> String {
    serde_json::to_string(&run_to_end(d, s).expect("valid")).unwrap()
}

#[test]
fn same_seed_same_metrics_different_seed_differs() {
    let (d, mut s) = bench_workload_for(3);
    for t in s.traffic.values_mut() {
        t.rps = 2000.0;
    }
    let a = json(&d, &s);
    let b = json(&d, &s);
    assert_eq!(a, b);
    s.seed += 1;
    let c = json(&d, &s);
    assert_ne!(a, c);
}

#[test]
fn jobs_autoscaling_and_a_gateway_are_deterministic_however_sliced() {
    use scalelab_engine::{Kind, ParamValue, RequestMix};
    let (mut d, mut s) = crate::common::job_pipeline(300.0, 2, 30.0, 500, 40, 17);
    crate::common::set(&mut d, "workers-1", "autoscale", ParamValue::Bool(true));
    crate::common::set(&mut d, "queue-1", "durable", ParamValue::Bool(false));
    crate::common::set(&mut d, "workers-1", "warmup_s", crate::common::num(3.0));
    crate::common::set(
        &mut d,
        "workers-1",
        "check_interval_s",
        crate::common::num(2.0),
    );
    let g = d.add_node(Kind::ApiGateway, 0.0, 0.0);
    crate::common::set(&mut d, &g, "rate_per_user", crate::common::num(0.3));
    assert!(d.disconnect("users-1", "web-1"));
    d.connect("users-1", &g).unwrap();
    d.connect(&g, "web-1").unwrap();
    s.mix = RequestMix::default();
    s.mix.background_job = 0.3;
    s.latency_scale = 1.0;
    // The workers die, jobs pile up, then the queue dies with them.
    s.events.push(scalelab_engine::ScheduledEvent {
        at_s: 8.0,
        action: scalelab_engine::Action::KillNode("workers-1".into()),
    });
    s.events.push(scalelab_engine::ScheduledEvent {
        at_s: 12.0,
        action: scalelab_engine::Action::KillNode("queue-1".into()),
    });
    let whole = json(&d, &s);
    let mut sim = Simulation::new(&d, &s).unwrap();
    sim.set_trace_sampling(0);
    let mut t = 0u64;
    while !sim.is_finished() {
        t += 33_333;
        sim.advance(t, 211);
    }
    assert_eq!(serde_json::to_string(&sim.snapshot()).unwrap(), whole);
    let m = run_to_end(&d, &s).unwrap();
    assert!(
        m.jobs.completed > 100 && m.jobs.lost + m.jobs.rejected > 0,
        "{:?} {:?}",
        m.jobs,
        m.totals.by_cause
    );
    s.seed += 1;
    assert_ne!(json(&d, &s), whole);
}

#[test]
fn slicing_the_run_does_not_change_the_result() {
    let (d, mut s) = bench_workload_for(4);
    for t in s.traffic.values_mut() {
        t.rps = 1000.0;
    }
    s.events.push(scalelab_engine::ScheduledEvent {
        at_s: 2.0,
        action: scalelab_engine::Action::KillNode("web-1".into()),
    });
    let whole = json(&d, &s);
    let mut sim = Simulation::new(&d, &s).unwrap();
    sim.set_trace_sampling(0);
    let mut t = 0u64;
    let mut step = 1u64;
    while !sim.is_finished() {
        t += 16_667;
        sim.advance(t, step);
        step = step % 97 + 13;
        let _ = sim.snapshot();
    }
    assert_eq!(serde_json::to_string(&sim.snapshot()).unwrap(), whole);
}
