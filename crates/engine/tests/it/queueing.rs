//! The engine against queueing theory: M/M/1 and M/M/c mean time in system and its 99th
//! percentile within 5 % of the closed forms, and Little's law within 2 %.

use scalelab_engine::Simulation;

use crate::common::mmc;

struct Measured {
    mean_ms: f64,
    p99_ms: f64,
    /// Little's law, its two sides measured by different means: the number in the
    /// system sampled every millisecond, and the arrival rate times the mean time in
    /// the system taken from the requests' own traces.
    little_l: f64,
    little_lambda_w: f64,
    /// The server's busy share and mean number held, as the engine integrates them.
    busy_share: f64,
    mean_in_system: f64,
}

fn measure(rps: f64, c: u32, service_ms: f64, duration_s: u32, seed: u64) -> Measured {
    let (d, s) = mmc(rps, c, service_ms, duration_s, seed);
    let mut sim = Simulation::new(&d, &s).expect("valid");
    // Every request traced, for the time each spent in the system.
    sim.set_trace_sampling(1);
    let (mut samples, mut in_system) = (0u64, 0u64);
    let (mut traced, mut traced_us) = (0u64, 0u64);
    let mut t = 0;
    while t < sim.duration_us() {
        t += 1000;
        sim.advance(t, u64::MAX);
        samples += 1;
        in_system += sim.node_in_system(1);
        for tr in sim.take_traces() {
            traced += 1;
            traced_us += tr.end_us - tr.start_us;
        }
    }
    sim.run_to_end();
    let m = sim.snapshot();
    assert_eq!(m.totals.failed, 0, "no request may fail in these runs");
    let span_s = sim.duration_us() as f64 / 1e6;
    let lambda = m.totals.created as f64 / span_s;
    Measured {
        mean_ms: m.totals.mean_ms,
        p99_ms: m.totals.p99_ms,
        little_l: in_system as f64 / samples as f64,
        little_lambda_w: lambda * (traced_us as f64 / traced.max(1) as f64) / 1e6,
        busy_share: m.nodes[1].mean_utilisation,
        mean_in_system: m.nodes[1].mean_in_system,
    }
}

pub fn within(got: f64, want: f64, tol: f64, what: &str) {
    let err = (got - want).abs() / want;
    assert!(
        err <= tol,
        "{what}: measured {got:.4}, theory {want:.4}, error {:.2}% > {:.0}%",
        err * 100.0,
        tol * 100.0
    );
}

/// Erlang C: probability that an arrival waits in an M/M/c queue.
pub fn erlang_c(c: u32, a: f64) -> f64 {
    let rho = a / c as f64;
    let mut term = 1.0;
    let mut sum = 0.0;
    for k in 0..c {
        if k > 0 {
            term *= a / k as f64;
        }
        sum += term;
    }
    let last = term * a / c as f64 / (1.0 - rho);
    last / (sum + last)
}

/// Mean and 99th percentile (seconds) of the time in an M/M/c system (FCFS).
pub fn mmc_theory(lambda: f64, mu: f64, c: u32) -> (f64, f64) {
    let a = lambda / mu;
    let pw = erlang_c(c, a);
    let theta = c as f64 * mu - lambda;
    let mean = pw / theta + 1.0 / mu;
    // P(T > t) for T = W + S, W = 0 w.p. 1 - pw else Exp(theta), S ~ Exp(mu).
    let tail = |t: f64| {
        let waited = if (theta - mu).abs() < 1e-12 {
            (1.0 + mu * t) * (-mu * t).exp()
        } else {
            (theta * (-mu * t).exp() - mu * (-theta * t).exp()) / (theta - mu)
        };
        (1.0 - pw) * (-mu * t).exp() + pw * waited
    };
    let (mut lo, mut hi) = (0.0, 100.0 / mu);
    for _ in 0..200 {
        let mid = (lo + hi) / 2.0;
        if tail(mid) > 0.01 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (mean, (lo + hi) / 2.0)
}

fn check(rho: f64, c: u32, service_ms: f64, duration_s: u32, seed: u64) {
    let mu = 1000.0 / service_ms;
    let lambda = rho * c as f64 * mu;
    let (mean_s, p99_s) = mmc_theory(lambda, mu, c);
    let m = measure(lambda, c, service_ms, duration_s, seed);
    within(m.mean_ms, mean_s * 1000.0, 0.05, "mean time in system (ms)");
    within(m.p99_ms, p99_s * 1000.0, 0.05, "p99 time in system (ms)");
    within(
        m.little_l,
        m.little_lambda_w,
        0.03,
        "Little's law: L sampled vs lambda * W from the traces",
    );
    // The engine's own integrals: the busy share is the offered load, and the mean
    // number held agrees with the count sampled every millisecond.
    within(m.busy_share, rho, 0.02, "busy share vs rho");
    within(
        m.mean_in_system,
        m.little_l,
        0.02,
        "mean number held: integral vs sampled",
    );
}

#[test]
fn closed_forms_are_right() {
    // M/M/1 reduces to the textbook formulas.
    let (mean, p99) = mmc_theory(500.0, 1000.0, 1);
    assert!((mean - 0.002).abs() < 1e-12);
    assert!((p99 - 100f64.ln() / 500.0).abs() < 1e-9);
}

#[test]
fn mm1_at_utilisation_one_half() {
    check(0.5, 1, 1.0, 1800, 11);
}

#[test]
fn mm1_at_utilisation_four_fifths() {
    check(0.8, 1, 1.0, 3600, 12);
}

#[test]
fn mmc_with_four_servers_at_utilisation_four_fifths() {
    check(0.8, 4, 4.0, 3600, 13);
}

#[test]
fn mmc_with_sixteen_servers_at_utilisation_four_fifths() {
    check(0.8, 16, 16.0, 3600, 14);
}

#[test]
fn mmc_with_sixteen_servers_near_saturation() {
    check(0.95, 16, 16.0, 3600, 15);
}

#[test]
fn mm1_near_saturation() {
    check(0.95, 1, 1.0, 3600, 16);
}

/// An overloaded server (twice the requests it can serve) and clients that give up
/// after 500 ms: every request either succeeds within its 500 ms or ends as a timeout
/// at its deadline; none is late, none is forgotten.
#[test]
fn every_client_gives_up_at_its_deadline() {
    use scalelab_engine::{Cause, Outcome};
    let (duration_s, service_ms, rps) = (20, 10.0, 200.0);
    let (d, mut s) = mmc(rps, 1, service_ms, duration_s, 5);
    s.client_timeout_ms = 500;
    let mut sim = Simulation::new(&d, &s).expect("valid");
    // Every request traced: each timeout must end exactly 500 ms after it started.
    sim.set_trace_sampling(1);
    let mut timed_out = 0;
    while !sim.is_finished() {
        sim.advance(sim.now_us() + 1_000_000, u64::MAX);
        for t in sim.take_traces() {
            if t.outcome == Outcome::Failed(Cause::Timeout) {
                assert_eq!(
                    t.end_us - t.start_us,
                    500_000,
                    "a timeout at the wrong time"
                );
                timed_out += 1;
            }
        }
    }
    let m = sim.snapshot();
    let t = &m.totals;
    let timeouts = t
        .by_cause
        .iter()
        .find(|(c, _)| *c == Cause::Timeout)
        .map_or(0, |(_, n)| *n);
    assert!(
        t.max_ms <= 500.0,
        "a request succeeded after its client gave up: {} ms",
        t.max_ms
    );
    // Nothing else fails here: what did not succeed timed out.
    assert_eq!(t.created, t.ok + timeouts + t.in_flight, "{t:?}");
    assert_eq!(timed_out, timeouts, "every timeout was traced");
    // The server finishes at most about 1000 / service_ms requests per second, so
    // about half of those sent must have timed out.
    let capacity = duration_s as f64 * 1000.0 / service_ms;
    assert!(
        (t.ok as f64) < capacity * 1.1,
        "{} succeeded, more than the server can serve",
        t.ok
    );
    assert!(
        timeouts as f64 > (t.created as f64 - capacity * 1.1),
        "only {timeouts} timeouts of {} requests",
        t.created
    );
}

/// Requests created in each window of a run of Users sending `traffic` to a server
/// that is never the bottleneck.
fn created_in(
    traffic: scalelab_engine::Traffic,
    duration_s: u32,
    windows: &[(f64, f64)],
) -> Vec<u64> {
    let (d, mut s) = mmc(1.0, 1024, 0.001, duration_s, 11);
    s.default_traffic = Some(traffic);
    s.windows = windows
        .iter()
        .map(|&(from_s, to_s)| scalelab_engine::Window {
            name: format!("{from_s}-{to_s}"),
            from_s,
            to_s,
        })
        .collect();
    let mut sim = Simulation::new(&d, &s).expect("valid");
    sim.run_to_end();
    sim.snapshot()
        .windows
        .iter()
        .map(|w| w.totals.created)
        .collect()
}

/// Within five standard deviations of a Poisson count with mean `expected`.
fn poisson_close(got: u64, expected: f64) -> bool {
    (got as f64 - expected).abs() <= 5.0 * expected.sqrt().max(1.0)
}

#[test]
fn arrivals_follow_a_ramp_and_a_spike() {
    use scalelab_engine::{Profile, Traffic};
    // From 0 to 2,000 per second over 100 s: the rate at t is 20·t, so the first half
    // expects 20·50²/2 = 25,000 requests and the second 75,000.
    let ramp = Traffic {
        profile: Profile::Ramp { from_rps: 0.0 },
        rps: 2000.0,
    };
    let got = created_in(ramp, 100, &[(0.0, 50.0), (50.0, 100.0), (0.0, 1.0)]);
    assert!(poisson_close(got[0], 25_000.0), "{got:?}");
    assert!(poisson_close(got[1], 75_000.0), "{got:?}");
    // The first second expects only 10.
    assert!(poisson_close(got[2], 10.0), "{got:?}");
    // 100 per second, a hundred times more from 40 s for 10 s, then nothing from 80 s.
    let spike = |at_s, len_s, factor| Traffic {
        profile: Profile::Spike {
            at_s,
            len_s,
            factor,
        },
        rps: 100.0,
    };
    let got = created_in(
        spike(40, 10, 100.0),
        100,
        &[(0.0, 40.0), (40.0, 50.0), (50.0, 100.0)],
    );
    assert!(poisson_close(got[0], 4_000.0), "{got:?}");
    assert!(poisson_close(got[1], 100_000.0), "{got:?}");
    assert!(poisson_close(got[2], 5_000.0), "{got:?}");
    let got = created_in(spike(80, 50, 0.0), 100, &[(0.0, 80.0), (80.0, 100.0)]);
    assert!(poisson_close(got[0], 8_000.0), "{got:?}");
    assert_eq!(got[1], 0, "requests during a spike of factor 0");
}
