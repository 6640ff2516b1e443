//! Autoscaling web servers and worker pools: instances are added while the load grows
//! and removed after it, never outside min..max, new instances take work only after
//! their warm-up, and the monthly price follows the instance-seconds.

use scalelab_engine::{run_to_end, Diagram, Kind, Metrics, ParamValue, Profile, Scenario, Traffic};

use crate::common::{num, set, steady};

fn autoscaled_web(warmup_s: f64) -> Diagram {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    set(&mut d, &w, "autoscale", ParamValue::Bool(true));
    set(&mut d, &w, "instances", num(2.0));
    set(&mut d, &w, "min_instances", num(2.0));
    set(&mut d, &w, "max_instances", num(12.0));
    set(&mut d, &w, "check_interval_s", num(5.0));
    set(&mut d, &w, "warmup_s", num(warmup_s));
    set(&mut d, &w, "max_queue", num(10_000.0));
    d.connect(&u, &w).unwrap();
    d
}

/// Quiet, a surge from 40 s to 100 s, quiet again.
fn surge() -> Scenario {
    let mut s = Scenario {
        duration_s: 180,
        client_timeout_ms: 30_000,
        ..Scenario::default()
    };
    s.traffic.insert(
        "users-1".into(),
        Traffic {
            profile: Profile::Spike {
                at_s: 40,
                len_s: 60,
                factor: 8.0,
            },
            rps: 150.0,
        },
    );
    s
}

fn instances(m: &Metrics, id: &str) -> Vec<u32> {
    m.node_series
        .iter()
        .find(|s| s.id == id)
        .unwrap()
        .points
        .iter()
        .map(|p| p.instances.unwrap())
        .collect()
}

#[test]
fn web_servers_scale_out_with_a_surge_and_back_in_after_it() {
    let m = run_to_end(&autoscaled_web(20.0), &surge()).unwrap();
    let inst = instances(&m, "web-1");
    assert!(inst.iter().all(|n| (2..=12).contains(n)), "{inst:?}");
    let before = inst[30];
    let peak = *inst[40..110].iter().max().unwrap();
    let after = inst[170];
    assert_eq!(before, 2, "{inst:?}");
    assert!(peak >= 6, "the surge needs more servers: {inst:?}");
    assert!(after < peak && after <= 3, "{inst:?}");
    // The most at once counts booting instances too.
    let most = m.nodes[1].instances_max.unwrap();
    assert!(most >= peak && most <= 12, "{most} vs {inst:?}");
}

#[test]
fn new_instances_take_work_only_after_their_warm_up() {
    let warmup = 20usize;
    let m = run_to_end(&autoscaled_web(warmup as f64), &surge()).unwrap();
    let inst = instances(&m, "web-1");
    // The surge starts at 40 s and the first check after it is at 45 s: no instance can
    // serve before 45 + 20 s. The series counts instances taking work.
    let first_growth = inst.iter().position(|&n| n > 2).unwrap();
    assert!(first_growth >= 45 + warmup - 1, "{first_growth}: {inst:?}");
    // A longer warm-up delays it further.
    let slow = instances(
        &run_to_end(&autoscaled_web(40.0), &surge()).unwrap(),
        "web-1",
    );
    let slow_growth = slow.iter().position(|&n| n > 2).unwrap();
    assert!(
        slow_growth >= first_growth + 19,
        "{slow_growth} vs {first_growth}"
    );
}

#[test]
fn the_monthly_price_follows_the_instance_seconds() {
    let m = run_to_end(&autoscaled_web(20.0), &surge()).unwrap();
    let inst = instances(&m, "web-1");
    // Booting instances are paid too, so the average paid is at least the average running.
    let avg_running = inst.iter().sum::<u32>() as f64 / inst.len() as f64;
    let per_instance = 20.0; // a small web server
    assert!(m.cost_per_month >= per_instance * avg_running * 0.98);
    assert!(m.cost_per_month < per_instance * 12.0);
    let fixed = {
        let mut d = autoscaled_web(20.0);
        set(&mut d, "web-1", "autoscale", ParamValue::Bool(false));
        set(&mut d, "web-1", "instances", num(12.0));
        run_to_end(&d, &surge()).unwrap()
    };
    assert_eq!(fixed.cost_per_month, per_instance * 12.0);
    assert!(m.cost_per_month < fixed.cost_per_month * 0.7);
}

#[test]
fn worker_pools_scale_with_their_backlog() {
    let (mut d, mut s) = crate::common::job_pipeline(0.0, 2, 100.0, 1_000_000, 120, 3);
    set(&mut d, "workers-1", "autoscale", ParamValue::Bool(true));
    set(&mut d, "workers-1", "min_instances", num(1.0));
    set(&mut d, "workers-1", "max_instances", num(10.0));
    set(&mut d, "workers-1", "warmup_s", num(5.0));
    set(&mut d, "workers-1", "check_interval_s", num(5.0));
    s.default_traffic = Some(Traffic {
        profile: Profile::Spike {
            at_s: 20,
            len_s: 30,
            factor: 10.0,
        },
        rps: 10.0,
    });
    let m = run_to_end(&d, &s).unwrap();
    let inst = instances(&m, "workers-1");
    assert!(inst.iter().all(|n| (1..=10).contains(n)), "{inst:?}");
    assert!(*inst.iter().max().unwrap() >= 5, "{inst:?}");
    assert!(inst[115] <= 2, "{inst:?}");
    assert_eq!(m.jobs.lost + m.jobs.rejected, 0);
    let _ = steady;
}

#[test]
fn a_maximum_below_the_minimum_is_refused_naming_both() {
    let mut d = autoscaled_web(0.0);
    let w = d.nodes[1].id.clone();
    set(&mut d, &w, "min_instances", num(5.0));
    set(&mut d, &w, "instances", num(5.0));
    set(&mut d, &w, "max_instances", num(3.0));
    let errors: Vec<String> = d
        .validate()
        .into_iter()
        .filter(|f| f.severity == scalelab_engine::Severity::Error)
        .map(|f| f.message)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("Maximum instances 3") && errors[0].contains("Minimum instances 5"),
        "{}",
        errors[0]
    );
    // Within range again, the diagram is accepted.
    set(&mut d, &w, "max_instances", num(5.0));
    assert!(d
        .validate()
        .iter()
        .all(|f| f.severity != scalelab_engine::Severity::Error));
}
