//! The standard benchmark workload, shared by the CLI (`scalelab-cli bench`) and the
//! browser's benchmark page so native and WebAssembly figures are comparable.

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
