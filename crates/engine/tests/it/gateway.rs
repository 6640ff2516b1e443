//! The API gateway's token bucket refuses exactly the traffic above each user's rate.

use scalelab_engine::{run_to_end, Cause, Diagram, Kind, Scenario};

use crate::common::{num, set, steady};

fn gateway(rate: f64, burst: f64, users: f64) -> Diagram {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let g = d.add_node(Kind::ApiGateway, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    set(&mut d, &u, "users", num(users));
    set(&mut d, &g, "rate_per_user", num(rate));
    set(&mut d, &g, "burst", num(burst));
    set(&mut d, &w, "size", crate::common::text("xlarge"));
    d.connect(&u, &g).unwrap();
    d.connect(&g, &w).unwrap();
    d
}

fn limited(m: &scalelab_engine::Metrics) -> u64 {
    m.totals
        .by_cause
        .iter()
        .filter(|(c, _)| *c == Cause::RateLimited)
        .map(|(_, n)| *n)
        .sum()
}

#[test]
fn one_user_gets_exactly_the_rate_plus_the_burst() {
    // One user sends 50 a second, allowed 20 a second with a burst of 10, for 100 s.
    // Arrivals are so frequent that the bucket never overflows: it accepts the initial
    // burst plus everything the rate refills, minus the fraction of a token left over.
    let (rate, burst, duration) = (20.0, 10.0, 100u32);
    let d = gateway(rate, burst, 1.0);
    let s = Scenario {
        duration_s: duration,
        default_traffic: Some(steady(50.0)),
        ..Scenario::default()
    };
    let m = run_to_end(&d, &s).unwrap();
    let accepted = m.nodes[2].served as f64;
    let expected = rate * duration as f64 + burst;
    assert!(
        accepted <= expected && accepted >= expected - 1.0,
        "accepted {accepted}, expected {expected}"
    );
    assert_eq!(limited(&m) + m.nodes[2].served, m.totals.requests);
}

#[test]
fn users_within_their_allowance_are_never_refused() {
    // 100 users sending 200 a second in all: 2 each, against an allowance of 5.
    let d = gateway(5.0, 10.0, 100.0);
    let s = Scenario {
        duration_s: 60,
        default_traffic: Some(steady(200.0)),
        ..Scenario::default()
    };
    assert_eq!(limited(&run_to_end(&d, &s).unwrap()), 0);
}

#[test]
fn too_many_requests_in_flight_is_not_called_rate_limiting() {
    use scalelab_engine::trace::Cause as C;
    assert_ne!(C::Overloaded.sentence(), C::RateLimited.sentence());
    assert!(C::RateLimited.sentence().contains("gateway"));
    assert!(C::Overloaded.sentence().contains("lower the traffic"));
}

/// Users → the first of `n` gateways, each gateway → its own web server, and the
/// gateways connected to each other as `links` (indices) say.
fn gateways(n: usize, links: &[(usize, usize)]) -> (Diagram, Vec<String>) {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let g: Vec<String> = (0..n)
        .map(|i| d.add_node(Kind::ApiGateway, 200.0, 100.0 * i as f64))
        .collect();
    for (i, gi) in g.iter().enumerate() {
        let w = d.add_node(Kind::WebServer, 400.0, 100.0 * i as f64);
        set(&mut d, &w, "size", crate::common::text("xlarge"));
        d.connect(gi, &w).unwrap();
    }
    d.connect(&u, &g[0]).unwrap();
    for &(a, b) in links {
        d.connect(&g[a], &g[b]).unwrap();
    }
    (d, g)
}

/// The warnings about loops, as (node, message).
fn loops(d: &Diagram) -> Vec<(String, String)> {
    d.validate()
        .into_iter()
        .filter(|f| f.message.contains("get its own requests back"))
        .map(|f| {
            assert_eq!(f.severity, scalelab_engine::Severity::Warning);
            (f.node.unwrap(), f.message)
        })
        .collect()
}

#[test]
fn gateways_passing_requests_to_each_other_are_warned_about_and_pass_requests_round() {
    let (d, g) = gateways(2, &[(0, 1), (1, 0)]);
    let name = |i: usize| d.node(&g[i]).unwrap().name.clone();
    assert_eq!(
        loops(&d),
        [(
            g[0].clone(),
            format!(
                "{} can get its own requests back through {}: a request may pass it more than once, which adds work and waiting, and one that goes round too often fails for having no route; remove a connection that closes the loop.",
                name(0),
                name(1)
            )
        )]
    );
    // What the warning says: some requests pass the first gateway twice or more.
    let s = Scenario {
        duration_s: 20,
        default_traffic: Some(steady(50.0)),
        ..Scenario::default()
    };
    let passes = |d: &Diagram| {
        let m = run_to_end(d, &s).unwrap();
        (m.nodes[1].served, m.totals.requests)
    };
    let (served, requests) = passes(&d);
    assert!(
        served > requests + requests / 10,
        "{served} passes for {requests} requests"
    );
    // One way only: no loop, no warning, no request lost.
    let (one_way, _) = gateways(2, &[(0, 1)]);
    assert_eq!(loops(&one_way), []);
    let (served, requests) = passes(&one_way);
    assert_eq!(served, requests);
}

#[test]
fn a_loop_through_several_gateways_is_found_once_and_two_paths_to_one_gateway_are_not_a_loop() {
    // 0 → 1 → 2 → 0: found from gateway 0, through gateway 2.
    let (d, g) = gateways(3, &[(0, 1), (1, 2), (2, 0)]);
    let found = loops(&d);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, g[0]);
    let through = d.node(&g[2]).unwrap().name.clone();
    assert!(
        found[0].1.contains(&format!("through {through}:")),
        "{found:?}"
    );
    // 0 → 1 → 2 and 0 → 2: two ways to gateway 2, no way back.
    let (d, _) = gateways(3, &[(0, 1), (1, 2), (0, 2)]);
    assert_eq!(loops(&d), []);
    // A connection given twice (a file may hold it) still closes one loop.
    let (mut d, g) = gateways(2, &[(0, 1), (1, 0)]);
    let again = d
        .edges
        .iter()
        .find(|e| e.from == g[1] && e.to == g[0])
        .unwrap()
        .clone();
    d.edges.push(again);
    assert_eq!(loops(&d).len(), 1);
    // Two separate loops, each found.
    let (d, _) = gateways(4, &[(0, 1), (1, 0), (0, 2), (2, 3), (3, 2)]);
    assert_eq!(loops(&d).len(), 2);
}
