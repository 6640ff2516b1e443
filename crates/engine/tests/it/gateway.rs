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
