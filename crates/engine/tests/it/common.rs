//! Builders shared by the integration tests.

use scalelab_engine::{
    Diagram, Kind, ParamValue, Profile, Region, RequestKind, RequestMix, Scenario, Simulation,
    Traffic,
};

pub fn num(x: f64) -> ParamValue {
    ParamValue::Num(x)
}

pub fn text(s: &str) -> ParamValue {
    ParamValue::Text(s.to_string())
}

/// A steady `rps` requests per second.
pub fn steady(rps: f64) -> Traffic {
    Traffic {
        profile: Profile::Constant,
        rps,
    }
}

pub fn set(d: &mut Diagram, id: &str, key: &str, v: ParamValue) {
    d.set_param(id, key, v)
        .unwrap_or_else(|e| panic!("{id}.{key}: {e}"));
}

/// Users sending `rps` straight to one web server with `workers` workers and an exact
/// mean service time, and a scenario without network latency: an M/M/c queue.
pub fn mmc(
    rps: f64,
    workers: u32,
    service_ms: f64,
    duration_s: u32,
    seed: u64,
) -> (Diagram, Scenario) {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 100.0, 0.0);
    d.connect(&u, &w).unwrap();
    set(&mut d, &w, "workers", num(workers as f64));
    set(&mut d, &w, "service_ms", num(service_ms));
    set(&mut d, &w, "max_queue", num(10_000.0));
    let s = Scenario {
        duration_s,
        seed,
        default_traffic: Some(steady(rps)),
        client_timeout_ms: 60_000,
        latency_scale: 0.0,
        mix: RequestMix::only(RequestKind::ApiRead),
        ..Scenario::default()
    };
    (d, s)
}

/// Users -> DNS -> LB -> two web servers -> database, all in one data center.
pub fn two_servers(rps: f64) -> (Diagram, Scenario) {
    let mut d = Diagram::new();
    let dc = d.add_data_center(Region::NorthAmerica, 0.0, 0.0, 500.0, 500.0);
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let dns = d.add_node(Kind::Dns, 0.0, 0.0);
    let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
    let w1 = d.add_node(Kind::WebServer, 0.0, 0.0);
    let w2 = d.add_node(Kind::WebServer, 0.0, 0.0);
    let db = d.add_node(Kind::Database, 0.0, 0.0);
    set(&mut d, &db, "size", text("large"));
    for (a, b) in [
        (&u, &dns),
        (&dns, &lb),
        (&lb, &w1),
        (&lb, &w2),
        (&w1, &db),
        (&w2, &db),
    ] {
        d.connect(a, b).unwrap();
    }
    for id in [&lb, &w1, &w2, &db] {
        d.set_node_dc(id, Some(&dc));
    }
    (
        d,
        Scenario {
            duration_s: 60,
            default_traffic: Some(steady(rps)),
            ..Scenario::default()
        },
    )
}

/// Runs until simulated time `t_s`.
pub fn advance_to(sim: &mut Simulation, t_s: f64) {
    sim.advance((t_s * 1e6) as u64, u64::MAX);
}

/// Users → web server → message queue → worker pool with `workers` workers, without
/// network latency and with a web server that never queues: jobs arrive at the queue
/// as a Poisson stream of `rate` per second, each `job_ms` of exponential work.
pub fn job_pipeline(
    rate: f64,
    workers: u32,
    job_ms: f64,
    max_depth: u32,
    duration_s: u32,
    seed: u64,
) -> (Diagram, Scenario) {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    let q = d.add_node(Kind::MessageQueue, 0.0, 0.0);
    let p = d.add_node(Kind::WorkerPool, 0.0, 0.0);
    set(&mut d, &w, "workers", num(1024.0));
    set(&mut d, &w, "service_ms", num(0.01));
    set(&mut d, &q, "max_depth", num(max_depth as f64));
    set(&mut d, &p, "instances", num(1.0));
    set(&mut d, &p, "workers", num(workers as f64));
    for (a, b) in [(&u, &w), (&w, &q), (&q, &p)] {
        d.connect(a, b).unwrap();
    }
    let s = Scenario {
        duration_s,
        seed,
        job_ms,
        client_timeout_ms: 60_000,
        latency_scale: 0.0,
        mix: RequestMix::only(RequestKind::BackgroundJob),
        default_traffic: Some(steady(rate)),
        ..Scenario::default()
    };
    (d, s)
}
