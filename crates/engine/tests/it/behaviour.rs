//! Behaviour of components that would fail if the behaviour were faked: emergent cache
//! hit rates, health checks, database failover and GeoDNS failover.

use scalelab_engine::{
    run_to_end, Action, Cause, Diagram, KeyPopularity, Kind, ParamValue, Region, RequestKind,
    RequestMix, Scenario, ScheduledEvent, Simulation, Window,
};

use scalelab_engine::goals::{evaluate, Goal, Metric, Op};

use crate::common::{advance_to, num, set, steady, text, two_servers};

fn node_down(t: &scalelab_engine::Totals) -> u64 {
    t.by_cause
        .iter()
        .filter(|(c, _)| *c == Cause::NodeDown)
        .map(|(_, n)| *n)
        .sum()
}

fn cache_diagram(capacity: u32) -> Diagram {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    let c = d.add_node(Kind::Cache, 0.0, 0.0);
    let db = d.add_node(Kind::Database, 0.0, 0.0);
    set(&mut d, &w, "size", text("large"));
    set(&mut d, &c, "capacity", num(capacity as f64));
    set(&mut d, &c, "ttl_s", num(600.0));
    set(&mut d, &db, "size", text("xlarge"));
    for (a, b) in [(&u, &w), (&w, &c), (&w, &db)] {
        d.connect(a, b).unwrap();
    }
    d
}

fn cache_run(capacity: u32, zipf_s: f64) -> (f64, f64) {
    let d = cache_diagram(capacity);
    let s = Scenario {
        default_traffic: Some(steady(400.0)),
        duration_s: 30,
        mix: RequestMix::only(RequestKind::ApiRead),
        keys: KeyPopularity::Zipf {
            keys: 20_000,
            s: zipf_s,
        },
        ..Scenario::default()
    };
    let m = run_to_end(&d, &s).unwrap();
    let cache = m.node("cache-1").unwrap();
    let db = m.node("db-1").unwrap();
    (
        cache.hit_rate.unwrap(),
        db.reads as f64 / m.totals.requests as f64,
    )
}

#[test]
fn cache_hit_rate_rises_with_capacity() {
    let rates: Vec<(f64, f64)> = [50, 500, 5000].iter().map(|&c| cache_run(c, 1.0)).collect();
    assert!(
        rates[0].0 < rates[1].0 && rates[1].0 < rates[2].0,
        "{rates:?}"
    );
    assert!(rates[0].0 > 0.05 && rates[2].0 < 0.99, "{rates:?}");
    // Every miss is a database read (cache-aside): the two must add up.
    for (hit, db_share) in &rates {
        assert!((hit + db_share - 1.0).abs() < 0.01, "{rates:?}");
    }
}

#[test]
fn a_cache_wired_in_front_of_the_database_fills_and_serves() {
    // web → cache → database, with no direct web → database wire.
    let mut d = cache_diagram(5000);
    assert!(d.disconnect("web-1", "db-1"));
    d.connect("cache-1", "db-1").unwrap();
    let s = Scenario {
        default_traffic: Some(steady(400.0)),
        duration_s: 30,
        mix: RequestMix::only(RequestKind::ApiRead),
        keys: KeyPopularity::Zipf {
            keys: 20_000,
            s: 1.0,
        },
        ..Scenario::default()
    };
    let m = run_to_end(&d, &s).unwrap();
    let hit = m.node("cache-1").unwrap().hit_rate.unwrap();
    let db_reads = m.node("db-1").unwrap().reads as f64 / m.totals.requests as f64;
    assert!(hit > 0.3, "the cache warms up: hit rate {hit}");
    assert!(
        (hit + db_reads - 1.0).abs() < 0.01,
        "every miss reads the database: {hit} + {db_reads}"
    );
}

#[test]
fn a_cache_in_front_of_a_server_without_database_warms_up() {
    let mut d = cache_diagram(5000);
    d.remove_node("db-1");
    let s = Scenario {
        default_traffic: Some(steady(400.0)),
        duration_s: 30,
        mix: RequestMix::only(RequestKind::ApiRead),
        keys: KeyPopularity::Zipf {
            keys: 20_000,
            s: 1.0,
        },
        ..Scenario::default()
    };
    let hit = run_to_end(&d, &s)
        .unwrap()
        .node("cache-1")
        .unwrap()
        .hit_rate
        .unwrap();
    assert!(
        hit > 0.3,
        "cache-aside fills the cache from the server's own work: {hit}"
    );
}

#[test]
fn cache_hit_rate_rises_with_skew() {
    let rates: Vec<f64> = [0.6, 0.9, 1.2]
        .iter()
        .map(|&s| cache_run(500, s).0)
        .collect();
    assert!(rates[0] < rates[1] && rates[1] < rates[2], "{rates:?}");
}

#[test]
fn writes_invalidate_the_cache() {
    let d = cache_diagram(5000);
    let mut s = Scenario {
        default_traffic: Some(steady(400.0)),
        duration_s: 20,
        keys: KeyPopularity::Zipf { keys: 2000, s: 1.0 },
        ..Scenario::default()
    };
    s.mix = RequestMix::only(RequestKind::ApiRead);
    let reads_only = run_to_end(&d, &s)
        .unwrap()
        .node("cache-1")
        .unwrap()
        .hit_rate
        .unwrap();
    s.mix = RequestMix {
        api_read: 0.5,
        write: 0.5,
        ..RequestMix::only(RequestKind::ApiRead)
    };
    let with_writes = run_to_end(&d, &s)
        .unwrap()
        .node("cache-1")
        .unwrap()
        .hit_rate
        .unwrap();
    // A read hits only when the key's previous access was a read: a write in between
    // deletes it from the cache. Half the accesses being writes (on the same keys)
    // halves the hit rate of reads that would otherwise hit.
    let ratio = with_writes / reads_only;
    assert!(
        (0.45..=0.55).contains(&ratio),
        "hit rate {reads_only} without writes, {with_writes} with: ratio {ratio}"
    );
}

fn lb_run(health_checks: bool) -> (Vec<u64>, Vec<u64>, scalelab_engine::Metrics) {
    let (mut d, mut s) = two_servers(200.0);
    set(
        &mut d,
        "lb-1",
        "health_checks",
        ParamValue::Bool(health_checks),
    );
    set(&mut d, "lb-1", "check_interval_s", num(2.0));
    set(&mut d, "lb-1", "unhealthy_threshold", num(2.0));
    s.duration_s = 40;
    s.events.push(ScheduledEvent {
        at_s: 10.0,
        action: Action::KillNode("web-2".into()),
    });
    // Users whose session lived on web-2 are logged out later (that is tested
    // elsewhere); this window isolates requests sent to the dead server.
    s.windows.push(Window {
        name: "after detection".into(),
        from_s: 15.0,
        to_s: 45.0,
    });
    let lb = d.node_index("lb-1").unwrap();
    let w2 = d.node_index("web-2").unwrap();
    let mut sim = Simulation::new(&d, &s).unwrap();
    let mut sent_to_w2 = Vec::new();
    let mut served_by_w2 = Vec::new();
    for t in [9.9, 16.0, 25.0, 39.0] {
        advance_to(&mut sim, t);
        sent_to_w2.push(
            sim.lb_sent(lb)
                .into_iter()
                .find(|(b, _)| *b == w2)
                .unwrap()
                .1,
        );
        served_by_w2.push(sim.snapshot().nodes[w2].served);
    }
    sim.run_to_end();
    (sent_to_w2, served_by_w2, sim.snapshot())
}

#[test]
fn killed_server_gets_requests_until_health_checks_notice() {
    let (sent, served, m) = lb_run(true);
    // Before the kill it took about half; between the kill and detection (2 checks 2 s
    // apart: by 14 s) it still got requests; after detection none.
    assert!(sent[0] > 500, "{sent:?}");
    assert!(
        sent[1] > sent[0] + 50,
        "kept receiving until detected: {sent:?}"
    );
    assert_eq!(sent[2], sent[1], "nothing after detection: {sent:?}");
    assert_eq!(sent[3], sent[1], "{sent:?}");
    assert_eq!(
        served[1], served[3],
        "a dead server serves nothing: {served:?}"
    );
    let down: u64 = m
        .totals
        .by_cause
        .iter()
        .filter(|(c, _)| *c == Cause::NodeDown)
        .map(|(_, n)| *n)
        .sum();
    assert!(down > 50, "{:?}", m.totals.by_cause);
    let after = &m.window("after detection").unwrap().totals;
    assert!(after.ok > 4000);
    assert_eq!(
        node_down(after),
        0,
        "requests reached the dead server after detection"
    );
    let burst: u64 = m
        .series
        .iter()
        .filter(|p| (10..15).contains(&p.t_s))
        .map(|p| p.errors)
        .sum();
    assert!(burst >= down, "{burst} {down}");
    assert!(
        m.markers
            .iter()
            .any(|k| k.text == "lb-1 took web-2 out of rotation after 2 failed health checks"),
        "{:?}",
        m.markers
    );
}

/// The marker counts its probes in words that agree with the number.
#[test]
fn one_failed_probe_is_one_failed_health_check() {
    let (mut d, mut s) = two_servers(100.0);
    set(&mut d, "lb-1", "check_interval_s", num(1.0));
    set(&mut d, "lb-1", "unhealthy_threshold", num(1.0));
    s.duration_s = 6;
    s.events.push(ScheduledEvent {
        at_s: 2.0,
        action: Action::KillNode("web-2".into()),
    });
    let m = run_to_end(&d, &s).unwrap();
    let texts: Vec<&str> = m.markers.iter().map(|k| k.text.as_str()).collect();
    assert!(
        texts.contains(&"lb-1 took web-2 out of rotation after 1 failed health check"),
        "{texts:?}"
    );
}

#[test]
fn without_health_checks_the_dead_server_keeps_failing() {
    let (sent, _, m) = lb_run(false);
    assert!(sent[3] > sent[2] && sent[2] > sent[1], "{sent:?}");
    let after = node_down(&m.window("after detection").unwrap().totals);
    assert!(after > 1000, "{after}");
}

fn failover_run(lag_ms: f64) -> (scalelab_engine::Metrics, Vec<Option<String>>) {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    let p = d.add_node(Kind::Database, 0.0, 0.0);
    let r = d.add_node(Kind::Database, 0.0, 0.0);
    set(&mut d, &w, "size", text("large"));
    set(&mut d, &p, "promotion_s", num(5.0));
    set(&mut d, &p, "size", text("large"));
    set(&mut d, &r, "size", text("large"));
    set(&mut d, &r, "role", text("replica"));
    set(&mut d, &r, "replication_lag_ms", num(lag_ms));
    for (a, b) in [(&u, &w), (&w, &p), (&p, &r)] {
        d.connect(a, b).unwrap();
    }
    let s = Scenario {
        default_traffic: Some(steady(400.0)),
        duration_s: 40,
        mix: RequestMix {
            api_read: 0.5,
            write: 0.5,
            ..RequestMix::only(RequestKind::ApiRead)
        },
        events: vec![ScheduledEvent {
            at_s: 20.0,
            action: Action::KillNode(p.clone()),
        }],
        ..Scenario::default()
    };
    let mut sim = Simulation::new(&d, &s).unwrap();
    let mut roles = Vec::new();
    for t in [19.0, 24.0, 26.0] {
        advance_to(&mut sim, t);
        roles.push(sim.snapshot().nodes[3].role.clone());
    }
    sim.run_to_end();
    (sim.snapshot(), roles)
}

#[test]
fn primary_failure_promotes_a_replica_after_the_delay_and_counts_lost_writes() {
    let (m, roles) = failover_run(500.0);
    assert_eq!(
        roles,
        vec![
            Some("replica".into()),
            Some("replica".into()),
            Some("primary".into())
        ]
    );
    // Writes fail while nobody is primary (20 s to 25 s), then succeed again.
    let during: u64 = m
        .series
        .iter()
        .filter(|p| (20..25).contains(&p.t_s))
        .map(|p| p.errors)
        .sum();
    let after: u64 = m
        .series
        .iter()
        .filter(|p| p.t_s >= 26)
        .map(|p| p.errors)
        .sum();
    assert!(during > 500, "{during}");
    assert_eq!(after, 0);
    // About 200 writes/s acknowledged in the 0.5 s lag window are lost.
    let lost = m.totals.lost_writes;
    assert!((50..=200).contains(&lost), "lost {lost}");
    assert!(
        m.markers
            .iter()
            .any(|k| k.text.contains("db-2 promoted to primary")),
        "{:?}",
        m.markers
    );
    let promoted_at = m
        .markers
        .iter()
        .find(|k| k.text.contains("promoted to primary"))
        .unwrap()
        .at_us;
    assert_eq!(promoted_at, 25_000_000);
}

#[test]
fn a_shorter_lag_loses_fewer_writes() {
    let (long, _) = failover_run(500.0);
    let (short, _) = failover_run(20.0);
    assert!(
        short.totals.lost_writes * 5 < long.totals.lost_writes,
        "{} vs {}",
        short.totals.lost_writes,
        long.totals.lost_writes
    );
}

/// Visitors and a CDN are not placed (`docs/formats.md`): drawn inside a data center's
/// box, they do not go down with it (the visitors keep sending, the CDN keeps serving
/// static files from its edges), and the analysis does not count them among what the
/// data center takes down.
#[test]
fn visitors_and_a_cdn_drawn_in_a_data_center_do_not_go_down_with_it() {
    let mut d = Diagram::new();
    let na = d.add_data_center(Region::NorthAmerica, 0.0, 0.0, 1.0, 1.0);
    let eu = d.add_data_center(Region::Europe, 0.0, 0.0, 1.0, 1.0);
    let users = d.add_node(Kind::Users, 0.0, 0.0);
    let cdn = d.add_node(Kind::Cdn, 0.0, 0.0);
    let storage = d.add_node(Kind::ObjectStorage, 0.0, 0.0);
    let web = d.add_node(Kind::WebServer, 0.0, 0.0);
    set(&mut d, &web, "size", text("large"));
    for n in [&users, &cdn] {
        d.set_node_dc(n, Some(&na));
    }
    for n in [&storage, &web] {
        d.set_node_dc(n, Some(&eu));
    }
    d.connect(&users, &cdn).unwrap();
    d.connect(&users, &web).unwrap();
    d.connect(&cdn, &storage).unwrap();
    let s = Scenario {
        default_traffic: Some(steady(100.0)),
        duration_s: 20,
        mix: RequestMix {
            page_read: 0.0,
            api_read: 0.5,
            write: 0.0,
            static_asset: 0.5,
            upload: 0.0,
            background_job: 0.0,
        },
        events: vec![ScheduledEvent {
            at_s: 5.0,
            action: Action::KillDc(na.clone()),
        }],
        windows: vec![Window {
            name: "after".into(),
            from_s: 6.0,
            to_s: 20.0,
        }],
        ..Scenario::default()
    };
    let m = run_to_end(&d, &s).unwrap();
    let after = &m.window("after").unwrap().totals;
    // About 100 requests a second for 14 s, half of them static files through the CDN.
    assert!(after.created > 1200, "the visitors kept sending: {after:?}");
    assert_eq!(after.failed, 0, "{:?}", after.by_cause);
    let cdn_i = d.node_index(&cdn).unwrap();
    assert!(m.nodes[cdn_i].served > 1000, "{:?}", m.nodes[cdn_i]);
    // Only losing Europe, with the one web server, cuts the visitors off.
    let a = scalelab_engine::analyze(&d);
    let na_name = &d.data_center(&na).unwrap().name;
    let eu_name = &d.data_center(&eu).unwrap().name;
    let said: Vec<&str> = a
        .data_center_failures
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        !said.iter().any(|m| m.contains(na_name.as_str())),
        "{said:?}"
    );
    assert!(
        said.iter().any(|m| m.contains(eu_name.as_str())),
        "{said:?}"
    );
}

/// Every Users node sends `rps` API reads a second, steadily, for `duration_s`.
fn api_reads(rps: f64, duration_s: u32) -> Scenario {
    Scenario {
        default_traffic: Some(steady(rps)),
        duration_s,
        mix: RequestMix {
            page_read: 0.0,
            api_read: 1.0,
            write: 0.0,
            static_asset: 0.0,
            upload: 0.0,
            background_job: 0.0,
        },
        ..Scenario::default()
    }
}

/// A web server reads from the replicas in its own data center, and from a replica
/// elsewhere only when none is up there: a replica across the ocean takes no reads
/// until the local one dies.
#[test]
fn reads_stay_with_the_replicas_of_the_readers_data_center_while_one_is_up() {
    let mut d = Diagram::new();
    let na = d.add_data_center(Region::NorthAmerica, 0.0, 0.0, 1.0, 1.0);
    let eu = d.add_data_center(Region::Europe, 0.0, 0.0, 1.0, 1.0);
    let users = d.add_node(Kind::Users, 0.0, 0.0);
    let web = d.add_node(Kind::WebServer, 0.0, 0.0);
    let primary = d.add_node(Kind::Database, 0.0, 0.0);
    let near = d.add_node(Kind::Database, 0.0, 0.0);
    let far = d.add_node(Kind::Database, 0.0, 0.0);
    for r in [&near, &far] {
        set(&mut d, r, "role", text("replica"));
        d.connect(&primary, r).unwrap();
    }
    for n in [&web, &primary, &near] {
        d.set_node_dc(n, Some(&na));
    }
    d.set_node_dc(&far, Some(&eu));
    d.connect(&users, &web).unwrap();
    d.connect(&web, &primary).unwrap();
    let reads = |m: &scalelab_engine::Metrics, id: &str| m.node(id).unwrap().reads;
    let mut s = api_reads(100.0, 10);
    let m = run_to_end(&d, &s).unwrap();
    assert!(reads(&m, &near) > 800, "{:?}", m.node(&near));
    assert_eq!(reads(&m, &far), 0);
    // The local replica dies at 5 s: the one across the ocean takes the reads.
    s.events.push(ScheduledEvent {
        at_s: 5.0,
        action: Action::KillNode(near.clone()),
    });
    let m = run_to_end(&d, &s).unwrap();
    assert!(reads(&m, &far) > 400, "{:?}", m.node(&far));
    assert!(reads(&m, &near) < 600, "{:?}", m.node(&near));
    // Without data centers every replica is local: the reads are shared.
    let mut flat = d.clone();
    for n in [&web, &primary, &near, &far] {
        flat.set_node_dc(n, None);
    }
    s.events.clear();
    let m = run_to_end(&flat, &s).unwrap();
    let (a, b) = (reads(&m, &near), reads(&m, &far));
    assert!(a.abs_diff(b) <= 1, "{a} and {b}");
}

/// Readers in two data centers, two replicas in each: each data center's replicas
/// share its reads evenly (a single round-robin cursor for the whole cluster sent
/// most of them to the first replica of each).
#[test]
fn the_replicas_of_each_data_center_share_its_reads_evenly() {
    let mut d = Diagram::new();
    let na = d.add_data_center(Region::NorthAmerica, 0.0, 0.0, 1.0, 1.0);
    let eu = d.add_data_center(Region::Europe, 0.0, 0.0, 1.0, 1.0);
    let primary = d.add_node(Kind::Database, 0.0, 0.0);
    d.set_node_dc(&primary, Some(&na));
    let mut replicas = Vec::new();
    for dc in [&na, &na, &eu, &eu] {
        let r = d.add_node(Kind::Database, 0.0, 0.0);
        set(&mut d, &r, "role", text("replica"));
        d.set_node_dc(&r, Some(dc));
        d.connect(&primary, &r).unwrap();
        replicas.push(r);
    }
    for (dc, region) in [(&na, "north_america"), (&eu, "europe")] {
        let users = d.add_node(Kind::Users, 0.0, 0.0);
        set(&mut d, &users, "region", text(region));
        let web = d.add_node(Kind::WebServer, 0.0, 0.0);
        d.set_node_dc(&web, Some(dc));
        d.connect(&users, &web).unwrap();
        d.connect(&web, &primary).unwrap();
    }
    let s = api_reads(100.0, 20);
    let m = run_to_end(&d, &s).unwrap();
    let reads: Vec<u64> = replicas.iter().map(|r| m.node(r).unwrap().reads).collect();
    // About 2,000 reads in each data center, alternating between its two replicas.
    for pair in reads.chunks(2) {
        assert!(pair[0] > 900 && pair[0].abs_diff(pair[1]) <= 1, "{reads:?}");
    }
}

#[test]
fn data_center_outage_with_geodns_moves_traffic_to_the_other() {
    let mut d = Diagram::new();
    let na = d.add_data_center(Region::NorthAmerica, 0.0, 0.0, 1.0, 1.0);
    let eu = d.add_data_center(Region::Europe, 0.0, 0.0, 1.0, 1.0);
    let users_eu = d.add_node(Kind::Users, 0.0, 0.0);
    set(&mut d, &users_eu, "region", text("europe"));
    let dns = d.add_node(Kind::Dns, 0.0, 0.0);
    set(&mut d, &dns, "routing", text("geo"));
    set(&mut d, &dns, "ttl_s", num(10.0));
    set(&mut d, &dns, "health_check_s", num(5.0));
    d.connect(&users_eu, &dns).unwrap();
    let mut webs = Vec::new();
    for dc in [&na, &eu] {
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 0.0, 0.0);
        set(&mut d, &w, "size", text("large"));
        d.set_node_dc(&lb, Some(dc));
        d.set_node_dc(&w, Some(dc));
        d.connect(&dns, &lb).unwrap();
        d.connect(&lb, &w).unwrap();
        webs.push(d.node_index(&w).unwrap());
    }
    let s = Scenario {
        default_traffic: Some(steady(200.0)),
        duration_s: 60,
        mix: RequestMix::only(RequestKind::ApiRead),
        events: vec![ScheduledEvent {
            at_s: 20.0,
            action: Action::KillDc(eu.clone()),
        }],
        // DNS notices by 25 s; answers cached before that live at most 10 s more.
        windows: vec![Window {
            name: "after failover".into(),
            from_s: 35.0,
            to_s: 70.0,
        }],
        ..Scenario::default()
    };
    let mut sim = Simulation::new(&d, &s).unwrap();
    advance_to(&mut sim, 19.0);
    let m = sim.snapshot();
    let (na_before, eu_before) = (m.nodes[webs[0]].served, m.nodes[webs[1]].served);
    assert_eq!(na_before, 0, "GeoDNS sends European users to Europe");
    assert!(eu_before > 3000);
    // The mean latency before the outage is the short European path.
    let p50_before = m.totals.p50_ms;
    advance_to(&mut sim, 40.0);
    let na_mid = sim.snapshot().nodes[webs[0]].served;
    sim.run_to_end();
    let m = sim.snapshot();
    assert!(
        m.nodes[webs[1]].served <= eu_before + 400,
        "the dead data center serves nothing"
    );
    let na_after = m.nodes[webs[0]].served;
    assert!(
        na_after - na_mid > 3500,
        "North America took the traffic: {na_mid} -> {na_after}"
    );
    // Failures only until DNS notices (5 s checks) and cached answers expire.
    // (Users whose session was in Europe are logged out once; those are not NodeDown.)
    let after = &m.window("after failover").unwrap().totals;
    assert_eq!(node_down(after), 0, "{:?}", after.by_cause);
    assert!(after.ok > 4000);
    assert!(node_down(&m.totals) > 0);
    let last = m
        .series
        .iter()
        .filter(|p| (45..59).contains(&p.t_s))
        .map(|p| p.p50_ms)
        .fold(0.0, f64::max);
    assert!(
        last > p50_before + 50.0,
        "crossing the Atlantic costs latency: {p50_before} -> {last}"
    );
}

#[test]
fn stateful_servers_log_users_out_and_a_session_store_does_not() {
    let run = |stateless: bool| {
        let (mut d, mut s) = two_servers(200.0);
        if stateless {
            let store = d.add_node(Kind::SessionStore, 0.0, 0.0);
            for w in ["web-1", "web-2"] {
                set(&mut d, w, "sessions", text("store"));
                d.connect(w, &store).unwrap();
            }
        }
        set(&mut d, "lb-1", "check_interval_s", num(1.0));
        set(&mut d, "users-1", "users", num(500.0));
        s.duration_s = 30;
        s.events.push(ScheduledEvent {
            at_s: 10.0,
            action: Action::KillNode("web-2".into()),
        });
        run_to_end(&d, &s).unwrap()
    };
    let stateful = run(false);
    let stateless = run(true);
    assert!(
        stateful.totals.logged_out > 100,
        "{}",
        stateful.totals.logged_out
    );
    assert!(stateful.totals.logged_out <= 500);
    assert!(stateful
        .totals
        .by_cause
        .iter()
        .any(|(c, n)| *c == Cause::SessionLost && *n == stateful.totals.logged_out));
    assert_eq!(stateless.totals.logged_out, 0);
}

#[test]
fn per_second_series_show_the_cache_warming_and_a_dead_server() {
    // The cache starts cold: its hit rate second by second climbs.
    let d = cache_diagram(5000);
    let s = Scenario {
        default_traffic: Some(steady(400.0)),
        duration_s: 20,
        mix: RequestMix::only(RequestKind::ApiRead),
        keys: KeyPopularity::Zipf {
            keys: 20_000,
            s: 1.0,
        },
        ..Scenario::default()
    };
    let m = run_to_end(&d, &s).unwrap();
    let cache = &m.node_series[d.node_index("cache-1").unwrap()];
    assert_eq!(cache.id, "cache-1");
    assert!(cache.points.len() >= 20);
    let first = cache.points[0].hit_rate.unwrap();
    let last = cache.points[19].hit_rate.unwrap();
    assert!(first + 0.1 < last, "cold start: {first} then {last}");
    // The database's reads per second are the misses, and add up to its total.
    let db = &m.node_series[d.node_index("db-1").unwrap()];
    let per_second: u64 = db.points.iter().map(|p| p.reads).sum();
    let total = m.node("db-1").unwrap().reads;
    assert!(
        per_second <= total && per_second * 100 >= total * 95,
        "{per_second} of {total}"
    );
    let global: u64 = m.series.iter().map(|p| p.db_reads).sum();
    assert!(
        global.abs_diff(per_second) * 100 <= per_second * 2,
        "global {global} vs node {per_second}"
    );

    // A killed server is down from its kill on, and serves nothing while down.
    let (d, mut s) = two_servers(200.0);
    s.duration_s = 20;
    s.events.push(ScheduledEvent {
        at_s: 8.0,
        action: Action::KillNode("web-1".into()),
    });
    let m = run_to_end(&d, &s).unwrap();
    let web = &m.node_series[d.node_index("web-1").unwrap()];
    for p in &web.points {
        assert_eq!(p.up, p.t_s < 8, "second {}: {p:?}", p.t_s);
        if p.t_s >= 9 {
            assert_eq!(p.utilisation, 0.0, "second {}: {p:?}", p.t_s);
        }
    }
    assert!(web.points[3].utilisation > 0.0);
    let errors_after: u64 = m
        .series
        .iter()
        .filter(|p| p.t_s >= 8)
        .map(|p| p.errors)
        .sum();
    let node_down: u64 = m
        .series
        .iter()
        .flat_map(|p| p.by_cause.iter())
        .filter(|(c, _)| *c == Cause::NodeDown)
        .map(|(_, n)| *n)
        .sum();
    assert!(
        node_down > 0 && node_down <= errors_after,
        "{node_down} {errors_after}"
    );
}

/// Two servers behind a load balancer for 300 s at `rps`, each failing at random about
/// once a minute for `down_s` seconds.
fn failing_servers(rps: f64, down_s: f64) -> (Diagram, Scenario) {
    let (d, mut s) = two_servers(rps);
    s.duration_s = 300;
    s.random_failures = Some(scalelab_engine::RandomFailures {
        kinds: vec![Kind::WebServer],
        every_s: 60.0,
        down_s,
    });
    (d, s)
}

#[test]
fn the_end_of_a_random_failure_does_not_bring_back_a_server_killed_on_purpose() {
    let (d, s) = failing_servers(50.0, 20.0);
    // The first random failure of each server, and when it ends.
    let timeline = s.timeline(&d);
    let first = |id: &str| {
        let mine = |e: &&scalelab_engine::TimedAction| {
            e.random && matches!(&e.action, Action::KillNode(x) | Action::RestoreNode(x) if x == id)
        };
        let mut it = timeline.iter().filter(mine);
        let (down, up) = (it.next().unwrap(), it.next().unwrap());
        assert!(
            matches!(down.action, Action::KillNode(_)) && up.at_s < 290.0,
            "{timeline:?}"
        );
        (down.at_s, up.at_s)
    };
    let (w1, w2) = (d.nodes[3].id.clone(), d.nodes[4].id.clone());
    let mut sim = Simulation::new(&d, &s).unwrap();
    // web-1 is killed on purpose while a random failure has it down; web-2 before its
    // first random failure. Neither comes back when a random failure ends.
    let (down1, up1) = first(&w1);
    let (down2, up2) = first(&w2);
    let mut plan = [
        ((down1 + up1) / 2.0, w1.as_str()),
        (down2 / 2.0, w2.as_str()),
    ];
    plan.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (at, id) in plan {
        advance_to(&mut sim, at);
        sim.kill_node(id);
    }
    advance_to(&mut sim, up1.max(up2) + 1.0);
    assert!(!sim.node_up(3) && !sim.node_up(4));
    sim.run_to_end();
    assert!(!sim.node_up(3) && !sim.node_up(4));
    // A restore on purpose brings a server back, and random failures go on after it.
    let mut sim = Simulation::new(&d, &s).unwrap();
    advance_to(&mut sim, (down1 + up1) / 2.0);
    assert!(!sim.node_up(3));
    sim.restore_node(&w1);
    assert!(sim.node_up(3));
    advance_to(&mut sim, up1 + 0.5);
    assert!(sim.node_up(3));
}

#[test]
fn a_randomly_failed_server_serves_nothing_until_it_comes_back() {
    let (d, s) = failing_servers(200.0, 8.0);
    let timeline = s.timeline(&d);
    let kills: Vec<(f64, String)> = timeline
        .iter()
        .filter_map(|e| match &e.action {
            Action::KillNode(id) if e.random => Some((e.at_s, id.clone())),
            _ => None,
        })
        .collect();
    assert!(kills.len() >= 3, "{timeline:?}");
    let mut sim = Simulation::new(&d, &s).unwrap();
    for (at, id) in &kills {
        let i = d.node_index(id).unwrap();
        // From just after the failure to just before its end, the server serves
        // nothing (unless another failure of it was still running: then it is down
        // as well); a few seconds after it is back, it serves again.
        advance_to(&mut sim, at + 0.2);
        let served = sim.snapshot().nodes[i].served;
        advance_to(&mut sim, at + 7.8);
        assert_eq!(sim.snapshot().nodes[i].served, served, "{id} at {at} s");
        if at + 14.0 < 300.0
            && !kills
                .iter()
                .any(|(t, x)| x == id && *t > *at && *t < at + 14.0)
        {
            advance_to(&mut sim, at + 14.0);
            assert!(
                sim.snapshot().nodes[i].served > served,
                "{id} back after {at} s"
            );
        }
    }
    sim.run_to_end();
    let m = sim.snapshot();
    // Each failure shows on the charts, and costs requests.
    let marks: Vec<f64> = m.markers.iter().map(|k| k.at_us as f64 / 1e6).collect();
    for (at, _) in &kills {
        assert!(
            marks.iter().any(|t| (t - at).abs() < 1e-6),
            "{at} in {marks:?}"
        );
    }
    assert!(node_down(&m.totals) > 0);
}

#[test]
fn a_saturation_reason_counts_the_seconds_of_the_scenario_not_its_tail() {
    // Two servers far over their capacity for 10 s: their queues still drain after the
    // end, so the run's per-second series is longer than the scenario.
    let (d, mut s) = two_servers(20_000.0);
    s.duration_s = 10;
    let m = run_to_end(&d, &s).unwrap();
    let series = &m.node_series[d.node_index("web-1").unwrap()].points;
    assert!(series.len() > 10, "{} seconds", series.len());
    let result = evaluate(&d, &m, &[Goal::metric(Metric::P95Ms, Op::Le, 1.0)]).remove(0);
    assert!(!result.pass);
    let busy = result
        .reason
        .split("was fully busy for ")
        .nth(1)
        .and_then(|rest| rest.strip_suffix(" of 10 seconds, so requests waited in its queue; give it more capacity or add copies."))
        .unwrap_or_else(|| panic!("{}", result.reason));
    let busy: u32 = busy.parse().unwrap();
    assert!((8..=10).contains(&busy), "{}", result.reason);
}

/// Users in `region` behind a CDN with object storage in Virginia and in Frankfurt
/// (wired in that order), asking only for static files the edges rarely hold.
fn cdn_two_origins(region: &str) -> (Diagram, Scenario) {
    let mut d = Diagram::new();
    let va = d.add_data_center(Region::NorthAmerica, 0.0, 0.0, 300.0, 300.0);
    let fra = d.add_data_center(Region::Europe, 400.0, 0.0, 300.0, 300.0);
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    set(&mut d, &u, "region", text(region));
    let cdn = d.add_node(Kind::Cdn, 0.0, 0.0);
    set(&mut d, &cdn, "capacity", num(10.0));
    let s_va = d.add_node(Kind::ObjectStorage, 0.0, 0.0);
    let s_fra = d.add_node(Kind::ObjectStorage, 0.0, 0.0);
    d.set_node_dc(&s_va, Some(&va));
    d.set_node_dc(&s_fra, Some(&fra));
    for (a, b) in [(&u, &cdn), (&cdn, &s_va), (&cdn, &s_fra)] {
        d.connect(a, b).unwrap();
    }
    let s = Scenario {
        default_traffic: Some(steady(200.0)),
        duration_s: 20,
        mix: RequestMix::only(RequestKind::StaticAsset),
        keys: KeyPopularity::Uniform { keys: 10_000 },
        ..Scenario::default()
    };
    (d, s)
}

#[test]
fn a_cdn_fetches_misses_from_the_nearest_origin_that_is_up() {
    let served = |m: &scalelab_engine::Metrics, id: &str| m.node(id).unwrap().served;
    // From North America, every miss goes to Virginia.
    let (d, s) = cdn_two_origins("north_america");
    let m = run_to_end(&d, &s).unwrap();
    assert!(served(&m, "storage-1") as f64 > 0.9 * m.totals.requests as f64);
    assert_eq!(served(&m, "storage-2"), 0);
    let (d, mut s) = cdn_two_origins("europe");
    let m = run_to_end(&d, &s).unwrap();
    let (va, fra) = (served(&m, "storage-1"), served(&m, "storage-2"));
    // Nearly every request misses the small edge; all of them go to Frankfurt.
    assert!(
        fra as f64 > 0.9 * m.totals.requests as f64,
        "{fra} of {}",
        m.totals.requests
    );
    assert_eq!(va, 0, "misses from Europe crossed the Atlantic");
    // With Frankfurt down, Virginia answers, and nothing fails.
    s.events.push(ScheduledEvent {
        at_s: 0.0,
        action: Action::KillNode("storage-2".into()),
    });
    let m = run_to_end(&d, &s).unwrap();
    assert_eq!(served(&m, "storage-2"), 0);
    assert!(served(&m, "storage-1") as f64 > 0.9 * m.totals.requests as f64);
    assert_eq!(m.totals.failed, 0, "{:?}", m.totals.by_cause);
    // With both down, misses fail at the nearest, Frankfurt.
    s.events.push(ScheduledEvent {
        at_s: 0.0,
        action: Action::KillNode("storage-1".into()),
    });
    let m = run_to_end(&d, &s).unwrap();
    assert!(node_down(&m.totals) as f64 > 0.9 * m.totals.requests as f64);
    assert_eq!(m.node("storage-2").unwrap().failed, node_down(&m.totals));
}
