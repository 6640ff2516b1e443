//! The benchmark workloads: the standard engine workload (shared by `scalelab-cli bench`
//! and the browser's engine benchmark, so native and WebAssembly figures compare), and
//! the diagrams of the browser's animation and drag benchmarks. `scalelab-cli
//! bench-files` writes them all as files the benchmark pages load, so none of this code
//! is in the browser bundle.

use crate::catalog::ParamValue;
use crate::components::Kind;
use crate::diagram::Diagram;
use crate::region::Region;
use crate::scenario::{KeyPopularity, Scenario, Traffic};

/// Two data centers behind GeoDNS, each with a load balancer, four web servers, a cache
/// and a replicated database, plus a CDN over object storage; three user regions send
/// 60,000 requests per second in total for `duration_s` simulated seconds.
pub fn bench_workload_for(duration_s: u32) -> (Diagram, Scenario) {
    let mut d = Diagram::new();
    let num = ParamValue::Num;
    let text = |s: &str| ParamValue::Text(s.to_string());
    let dns = d.add_node(Kind::Dns, 200.0, 300.0);
    d.set_param(&dns, "routing", text("geo")).expect("valid");
    let cdn = d.add_node(Kind::Cdn, 200.0, 500.0);
    let storage = d.add_node(Kind::ObjectStorage, 400.0, 600.0);
    d.connect(&dns, &cdn).expect("valid");
    d.connect(&cdn, &storage).expect("valid");
    let mut users = Vec::new();
    for (i, region) in [Region::NorthAmerica, Region::Europe, Region::Asia]
        .into_iter()
        .enumerate()
    {
        let u = d.add_node(Kind::Users, 0.0, 100.0 + 200.0 * i as f64);
        d.set_param(&u, "region", text(region.key()))
            .expect("valid");
        d.set_param(&u, "users", num(20_000.0)).expect("valid");
        d.connect(&u, &dns).expect("valid");
        users.push(u);
    }
    for (k, region) in [Region::NorthAmerica, Region::Europe]
        .into_iter()
        .enumerate()
    {
        let x0 = 400.0 + 500.0 * k as f64;
        let dc = d.add_data_center(region, x0, 0.0, 450.0, 500.0);
        let lb = d.add_node(Kind::LoadBalancer, x0 + 20.0, 200.0);
        d.set_param(&lb, "algorithm", text("least_connections"))
            .expect("valid");
        let cache = d.add_node(Kind::Cache, x0 + 300.0, 100.0);
        d.set_param(&cache, "size", text("large")).expect("valid");
        d.set_param(&cache, "capacity", num(2000.0)).expect("valid");
        let db = d.add_node(Kind::Database, x0 + 300.0, 300.0);
        d.set_param(&db, "size", text("xlarge")).expect("valid");
        let replica = d.add_node(Kind::Database, x0 + 300.0, 400.0);
        d.set_param(&replica, "size", text("xlarge"))
            .expect("valid");
        d.set_param(&replica, "role", text("replica"))
            .expect("valid");
        d.connect(&db, &replica).expect("valid");
        d.connect(&dns, &lb).expect("valid");
        for id in [&lb, &cache, &db, &replica] {
            d.set_node_dc(id, Some(&dc));
        }
        for w in 0..4 {
            let web = d.add_node(Kind::WebServer, x0 + 150.0, 50.0 + 100.0 * w as f64);
            d.set_param(&web, "size", text("xlarge")).expect("valid");
            d.set_param(&web, "instances", num(4.0)).expect("valid");
            d.set_node_dc(&web, Some(&dc));
            d.connect(&lb, &web).expect("valid");
            d.connect(&web, &cache).expect("valid");
            d.connect(&web, &db).expect("valid");
            d.connect(&web, &storage).expect("valid");
        }
    }
    let mut s = Scenario {
        duration_s,
        seed: 42,
        keys: KeyPopularity::Zipf {
            keys: 100_000,
            s: 1.0,
        },
        ..Scenario::default()
    };
    for u in users {
        s.traffic.insert(
            u,
            Traffic {
                profile: Default::default(),
                rps: 20_000.0,
            },
        );
    }
    (d, s)
}

/// The standard benchmark: [`bench_workload_for`] over 20 simulated seconds.
pub fn bench_workload() -> (Diagram, Scenario) {
    bench_workload_for(20)
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

/// Requests per second of each Users node in `?bench=busy`: with the lesson workload
/// that keeps about 10,000 requests in flight.
pub const BUSY_RPS: f64 = 15_000.0;

/// Traffic of each Users node in the drag benchmark (the diagram is edited, not run).
pub const DRAG_RPS: f64 = 50.0;

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
    // Ten minutes, or shorter when the traffic would pass the run's work budget.
    let total_rps = rps * users.len() as f64;
    let hops = crate::budget::hops_per_request(&d, &crate::sim::build::successors(&d))
        .into_iter()
        .fold(1, u32::max) as f64;
    let duration_s =
        (600.0f64).min((crate::budget::MAX_WORK * 0.9 / (total_rps * (1.0 + hops))).floor());
    let mut scenario = Scenario {
        duration_s: duration_s.max(1.0) as u32,
        ..Scenario::default()
    };
    for u in &users {
        scenario.set_rps(u, rps);
    }
    (d, scenario)
}

/// Every browser benchmark workload by name (`?bench=NAME` loads
/// `bench/NAME.diagram.json` and `bench/NAME.scenario.json`).
pub fn browser_workloads() -> Vec<(&'static str, Diagram, Scenario)> {
    let (ed, es) = bench_workload();
    let (ad, as_) = anim_workload();
    let (bd, bs) = lesson_workload(BUSY_RPS);
    let (dd, ds) = lesson_workload(DRAG_RPS);
    vec![
        ("engine", ed, es),
        ("anim", ad, as_),
        ("busy", bd, bs),
        ("drag", dd, ds),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Simulation;

    #[test]
    fn the_lesson_workload_has_60_nodes_and_80_valid_edges() {
        let (d, s) = lesson_workload(1000.0);
        assert_eq!(d.nodes.len(), 60);
        assert_eq!(d.edges.len(), 80);
        assert!(Simulation::new(&d, &s).is_ok());
    }

    #[test]
    fn every_browser_workload_runs() {
        for (name, d, s) in browser_workloads() {
            assert!(Simulation::new(&d, &s).is_ok(), "{name}");
        }
    }
}
