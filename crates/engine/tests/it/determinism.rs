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

/// Users → load balancer → two web servers → a read-through cache and a sharded
/// database (consistent hashing by key, a fifth of reads cross-shard) that is resharded
/// twice while a shard and then the whole database fail and come back.
fn sharded_workload() -> (scalelab_engine::Diagram, Scenario) {
    use crate::common::{num, set, steady, text};
    use scalelab_engine::{Action, Diagram, KeyPopularity, Kind, ScheduledEvent};
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
    let c = d.add_node(Kind::Cache, 0.0, 0.0);
    let x = d.add_node(Kind::ShardedDatabase, 0.0, 0.0);
    set(&mut d, &c, "strategy", text("read_through"));
    set(&mut d, &c, "capacity", num(300.0));
    set(&mut d, &x, "strategy", text("consistent"));
    set(&mut d, &x, "shard_key", text("key"));
    set(&mut d, &x, "cross_shard_share", num(0.2));
    set(&mut d, &x, "reshard_keys_per_s", num(3000.0));
    d.connect(&u, &lb).unwrap();
    d.connect(&c, &x).unwrap();
    for _ in 0..2 {
        let w = d.add_node(Kind::WebServer, 0.0, 0.0);
        set(&mut d, &w, "size", text("large"));
        d.connect(&lb, &w).unwrap();
        d.connect(&w, &c).unwrap();
        d.connect(&w, &x).unwrap();
    }
    let mut s = Scenario {
        duration_s: 5,
        default_traffic: Some(steady(1500.0)),
        keys: KeyPopularity::Zipf { keys: 5000, s: 0.9 },
        ..Scenario::default()
    };
    let events = [
        (
            1.0,
            Action::Reshard {
                node: x.clone(),
                shards: 7,
            },
        ),
        (1.5, Action::KillNode(x.clone())),
        (2.0, Action::RestoreNode(x.clone())),
        (
            2.5,
            Action::Reshard {
                node: x.clone(),
                shards: 3,
            },
        ),
    ];
    for (at_s, action) in events {
        s.events.push(ScheduledEvent { at_s, action });
    }
    (d, s)
}

/// Runs the sharded workload whole or in uneven slices, killing one shard alone at 3 s
/// and restoring it at 3.4 s (parts are reached by their generated id).
fn sharded_run(d: &scalelab_engine::Diagram, s: &Scenario, sliced: bool) -> String {
    let mut sim = Simulation::new(d, s).unwrap();
    sim.set_trace_sampling(0);
    let mut actions: Vec<(u64, bool)> = vec![(3_000_000, true), (3_400_000, false)];
    let mut t = 0u64;
    let mut step = 1u64;
    while !sim.is_finished() {
        let next = actions.first().map(|a| a.0).unwrap_or(u64::MAX);
        if sliced {
            t = (t + 16_667).min(next);
            sim.advance(t, step);
            step = step % 97 + 13;
            let _ = sim.snapshot();
        } else {
            t = next;
            sim.advance(t, u64::MAX);
        }
        if sim.now_us() == next && !actions.is_empty() {
            // Everything due by then is handled before the shard's state changes.
            sim.advance(next, u64::MAX);
            let (_, kill) = actions.remove(0);
            assert!(if kill {
                sim.kill_node("shards-1 part 2")
            } else {
                sim.restore_node("shards-1 part 2")
            });
        }
    }
    serde_json::to_string(&sim.snapshot()).unwrap()
}

#[test]
fn a_sharded_database_run_is_the_same_however_sliced() {
    let (d, mut s) = sharded_workload();
    let whole = sharded_run(&d, &s, false);
    for needle in [
        "resharding shards-1 from 4 to 7 shards moves",
        "resharding shards-1 from 7 to 3 shards moves",
        "shards-1 part 2 was killed",
        "shards-1 finished resharding",
    ] {
        assert!(whole.contains(needle), "{needle}: {whole}");
    }
    assert_eq!(whole, sharded_run(&d, &s, false));
    assert_eq!(whole, sharded_run(&d, &s, true));
    s.seed += 1;
    assert_ne!(sharded_run(&d, &s, false), whole);
}

/// Users that send nothing draw no random numbers: adding them changes nothing for the
/// others.
#[test]
fn silent_users_leave_the_others_run_unchanged() {
    use scalelab_engine::{Kind, Profile, Traffic};
    let (d, s) = crate::common::two_servers(300.0);
    let before = run_to_end(&d, &s).unwrap();
    let (mut d2, mut s2) = (d.clone(), s.clone());
    let quiet = d2.add_node(Kind::Users, 0.0, 0.0);
    d2.connect(&quiet, "dns-1").unwrap();
    s2.traffic.insert(
        quiet,
        Traffic {
            profile: Profile::Constant,
            rps: 0.0,
        },
    );
    let after = run_to_end(&d2, &s2).unwrap();
    assert_eq!(after.totals.created, before.totals.created);
    assert_eq!(after.totals.p95_ms, before.totals.p95_ms);
    assert_eq!(after.totals.mean_ms, before.totals.mean_ms);
}
