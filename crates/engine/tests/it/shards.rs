//! Sharded database: resharding moves most keys by modulo and few by consistent
//! hashing (and costs copy work in proportion), hot keys heat one shard, cross-shard
//! reads cost more. Each test would fail if the behaviour were faked.

use scalelab_engine::goals::{evaluate, Goal, Op};
use scalelab_engine::metrics::ShardMetrics;
use scalelab_engine::{
    run_to_end, Action, Diagram, KeyPopularity, Kind, Metrics, RequestKind, RequestMix, Scenario,
    ScheduledEvent, Simulation,
};

use crate::common::{advance_to, num, set, steady, text};

const DB: &str = "shards-1";

/// Users → a fast web server → a sharded database of large shards (far from busy).
fn diagram(strategy: &str, shard_key: &str, vnodes: u32) -> Diagram {
    let mut d = Diagram::new();
    let u = d.add_node(Kind::Users, 0.0, 0.0);
    let w = d.add_node(Kind::WebServer, 0.0, 0.0);
    let s = d.add_node(Kind::ShardedDatabase, 0.0, 0.0);
    assert_eq!(s, DB);
    set(&mut d, &u, "users", num(20_000.0));
    set(&mut d, &w, "workers", num(400.0));
    set(&mut d, &w, "service_ms", num(1.0));
    set(&mut d, &w, "max_queue", num(10_000.0));
    set(&mut d, &s, "strategy", text(strategy));
    set(&mut d, &s, "shard_key", text(shard_key));
    set(&mut d, &s, "vnodes", num(vnodes as f64));
    set(&mut d, &s, "size", text("large"));
    d.connect(&u, &w).unwrap();
    d.connect(&w, &s).unwrap();
    d
}

fn scenario(rps: f64, duration_s: u32, keys: KeyPopularity) -> Scenario {
    Scenario {
        default_traffic: Some(steady(rps)),
        duration_s,
        mix: RequestMix::only(RequestKind::ApiRead),
        keys,
        ..Scenario::default()
    }
}

fn reshard_at(s: &mut Scenario, at_s: f64, shards: u32) {
    s.events.push(ScheduledEvent {
        at_s,
        action: Action::Reshard {
            node: DB.into(),
            shards,
        },
    });
}

fn shard_metrics(m: &Metrics) -> &ShardMetrics {
    m.node(DB).unwrap().shards.as_ref().unwrap()
}

/// The share of the key space a 4 → 5 resharding moves, with every moved key copied.
fn moved_share(strategy: &str, vnodes: u32) -> f64 {
    let d = diagram(strategy, "key", vnodes);
    let mut s = scenario(200.0, 30, KeyPopularity::Uniform { keys: 10_000 });
    reshard_at(&mut s, 5.0, 5);
    let m = run_to_end(&d, &s).unwrap();
    let sh = shard_metrics(&m);
    assert_eq!(sh.shards, 5);
    assert_eq!(sh.keys, 10_000);
    assert_eq!(
        sh.keys_copied, sh.keys_moved,
        "{strategy}: copying finished"
    );
    assert_eq!(sh.keys_to_copy, 0);
    let said = format!(
        "resharding {DB} from 4 to 5 shards moves {} of 10,000 keys",
        scalelab_engine::format::thousands(sh.keys_moved as f64)
    );
    assert!(
        m.markers
            .iter()
            .any(|k| k.text == said && k.at_us == 5_000_000),
        "{said}: {:#?}",
        m.markers
    );
    sh.keys_moved as f64 / sh.keys as f64
}

#[test]
fn resharding_4_to_5_moves_most_keys_by_modulo_and_a_fifth_by_consistent_hashing() {
    // Modulo: k % 4 == k % 5 exactly when k % 20 < 4, so 16 keys in 20 move: 80 %
    // exactly for 10,000 keys.
    let modulo = moved_share("modulo", 64);
    assert!((modulo - 0.80).abs() < 0.001, "modulo moved {modulo}");
    // Consistent hashing: only the keys landing on the new shard's points move. With V
    // points per shard the new shard's share of a ring of 5V random points is
    // Beta(V, 4V): mean 1/5, standard deviation sqrt(0.2 × 0.8 / (5V + 1)), i.e. a
    // relative spread of about 0.9/sqrt(V). Sampling 10,000 keys adds
    // sqrt(0.2 × 0.8 / 10,000) = 0.004. Three standard deviations:
    //   V = 64:  sqrt(0.16/321 + 0.16/10,000) = 0.0227 → ±0.068
    //   V = 512: sqrt(0.16/2561 + 0.16/10,000) = 0.0089 → ±0.027
    let v64 = moved_share("consistent", 64);
    assert!(
        (v64 - 0.20).abs() < 0.068,
        "consistent hashing (64) moved {v64}"
    );
    let v512 = moved_share("consistent", 512);
    assert!(
        (v512 - 0.20).abs() < 0.027,
        "consistent hashing (512) moved {v512}"
    );
}

/// The busiest shard's load over the quietest's, and the goal result for ≤ 1.25.
fn imbalance(shard_key: &str, keys: KeyPopularity) -> (f64, scalelab_engine::GoalResult) {
    let d = diagram("modulo", shard_key, 64);
    let s = scenario(1000.0, 20, keys);
    let m = run_to_end(&d, &s).unwrap();
    let sh = shard_metrics(&m);
    // The figure is the parts' own counts: max / min of what each shard served.
    let served: Vec<u64> = m.node(DB).unwrap().parts.iter().map(|p| p.served).collect();
    assert_eq!(served.len(), 4);
    let (max, min) = (*served.iter().max().unwrap(), *served.iter().min().unwrap());
    let expected = max as f64 / min as f64;
    let measured = sh.imbalance.unwrap();
    assert!((measured - expected).abs() < 1e-9, "{measured} {expected}");
    let goal = Goal::metric(scalelab_engine::goals::Metric::ShardImbalance, Op::Le, 1.25);
    let result = evaluate(&d, &m, &[goal]).remove(0);
    assert_eq!(result.measured, Some(measured));
    (measured, result)
}

#[test]
fn zipf_keys_make_the_hottest_shard_hotter_than_uniform_keys() {
    let (uniform, ok) = imbalance("key", KeyPopularity::Uniform { keys: 10_000 });
    let (zipf, hot) = imbalance(
        "key",
        KeyPopularity::Zipf {
            keys: 10_000,
            s: 1.0,
        },
    );
    assert!(uniform < 1.1, "uniform keys spread evenly: {uniform}");
    assert!(zipf > 1.3, "the most popular key heats its shard: {zipf}");
    assert!(ok.pass && !hot.pass, "{uniform} {zipf} {ok:?} {hot:?}");
    // Key 0 (the most popular) lives on shard 1 under modulo; it is named.
    assert!(
        hot.reason
            .starts_with("Shard 1 of Sharded database 1 served 1.4× the quietest (shard ")
            && hot.reason.contains("celebrity")
            && hot.reason.contains("key 0 alone"),
        "{}",
        hot.reason
    );
    // Sharding by user id spreads the same hot keys evenly again.
    let (by_user, _) = imbalance(
        "user_id",
        KeyPopularity::Zipf {
            keys: 10_000,
            s: 1.0,
        },
    );
    assert!(by_user < 1.1, "{by_user}");
}

/// Reads' p95, the sum of the shards' reads, and the reads users made.
fn cross_run(share: f64) -> (f64, u64, u64) {
    let mut d = diagram("consistent", "key", 64);
    set(&mut d, DB, "cross_shard_share", num(share));
    let s = scenario(500.0, 20, KeyPopularity::Uniform { keys: 10_000 });
    let m = run_to_end(&d, &s).unwrap();
    assert_eq!(m.totals.failed, 0);
    let node = m.node(DB).unwrap();
    let shard_reads = node.parts.iter().map(|p| p.reads).sum();
    (m.totals.p95_ms, shard_reads, m.totals.ok)
}

#[test]
fn cross_shard_reads_ask_every_shard_and_cost_more() {
    let (single_p95, single_reads, single_ok) = cross_run(0.0);
    let (cross_p95, cross_reads, cross_ok) = cross_run(1.0);
    assert_eq!(single_reads, single_ok, "one shard per read");
    assert_eq!(
        cross_reads,
        4 * cross_ok,
        "every one of the 4 shards per read"
    );
    // Three more shards, each a query (2.7 ms on average) and a round trip (0.5 ms),
    // on top of the same network time to the user (10 ms) and the same first shard.
    assert!(
        cross_p95 > 1.5 * single_p95 && cross_p95 > single_p95 + 8.0,
        "p95 {cross_p95} ms vs {single_p95} ms"
    );
}

/// A 4 → 5 resharding at 5 s copying 1000 keys per second, of a read-only workload (so
/// every write a shard serves is copy work). Returns the final metrics and, per
/// simulated second, the writes each shard served in that second.
fn copy_run(strategy: &str) -> (Metrics, Vec<Vec<f64>>) {
    let mut d = diagram(strategy, "key", 64);
    set(&mut d, DB, "reshard_keys_per_s", num(1000.0));
    let mut s = scenario(1000.0, 25, KeyPopularity::Uniform { keys: 10_000 });
    reshard_at(&mut s, 5.0, 5);
    let mut sim = Simulation::new(&d, &s).unwrap();
    let mut per_second = Vec::new();
    for t in 1..=25 {
        advance_to(&mut sim, t as f64);
        let m = sim.snapshot();
        per_second.push(
            m.node(DB)
                .unwrap()
                .parts
                .iter()
                .map(|p| p.write_qps)
                .collect(),
        );
    }
    sim.run_to_end();
    (sim.snapshot(), per_second)
}

/// When the "finished resharding" marker came, in seconds after the resharding.
fn copy_seconds(m: &Metrics) -> f64 {
    let done = m
        .markers
        .iter()
        .find(|k| k.text.starts_with(&format!("{DB} finished resharding")))
        .unwrap_or_else(|| panic!("{:#?}", m.markers));
    done.at_us as f64 / 1e6 - 5.0
}

#[test]
fn resharding_copy_load_is_larger_and_longer_by_modulo() {
    let (modulo, modulo_seconds) = copy_run("modulo");
    let (consistent, consistent_seconds) = copy_run("consistent");
    for (m, per_second) in [
        (&modulo, &modulo_seconds),
        (&consistent, &consistent_seconds),
    ] {
        let sh = shard_metrics(m);
        assert_eq!(m.totals.failed, 0);
        assert_eq!(sh.keys_copied, sh.keys_moved);
        // The marker gives the count with its separators.
        let said = format!(
            "{DB} finished resharding: {} moved keys copied in ",
            scalelab_engine::format::thousands(sh.keys_copied as f64)
        );
        assert!(
            m.markers.iter().any(|k| k.text.starts_with(&said)),
            "{said} in {:?}",
            m.markers
        );
        let parts = &m.node(DB).unwrap().parts;
        // Every query a shard served is one user read or one half of a key copy.
        let served: u64 = parts.iter().map(|p| p.served).sum();
        assert_eq!(served, m.totals.ok + 2 * sh.keys_copied);
        let writes: u64 = parts.iter().map(|p| p.writes).sum();
        assert_eq!(writes, sh.keys_copied);
        // Copying runs at the resharding speed: moved keys / 1000 per second.
        let expected = sh.keys_moved as f64 / 1000.0;
        let took = copy_seconds(m);
        assert!(
            (took - expected).abs() < 0.1,
            "{took} s for {expected} s of keys"
        );
        // No copy work before the resharding, and copy work in the second after it.
        assert!(per_second[..5].iter().flatten().all(|w| *w == 0.0));
        assert!(
            per_second[5].iter().sum::<f64>() > 900.0,
            "{:?}",
            per_second[5]
        );
    }
    let (m_sh, c_sh) = (shard_metrics(&modulo), shard_metrics(&consistent));
    assert!(m_sh.keys_copied > 3 * c_sh.keys_copied);
    let busy_seconds = |per_second: &Vec<Vec<f64>>| {
        per_second
            .iter()
            .filter(|s| s.iter().sum::<f64>() > 0.0)
            .count()
    };
    let (m_busy, c_busy) = (
        busy_seconds(&modulo_seconds),
        busy_seconds(&consistent_seconds),
    );
    assert!(
        m_busy >= 8 && c_busy <= 3,
        "{m_busy} vs {c_busy} seconds of copying"
    );
    // Modulo copies between every pair of shards: each shard takes writes. Consistent
    // hashing only copies to the new shard.
    let writes =
        |m: &Metrics| -> Vec<u64> { m.node(DB).unwrap().parts.iter().map(|p| p.writes).collect() };
    assert!(
        writes(&modulo).iter().all(|w| *w > 0),
        "{:?}",
        writes(&modulo)
    );
    let c = writes(&consistent);
    assert!(
        c[..4].iter().all(|w| *w == 0) && c[4] == c_sh.keys_copied,
        "{c:?}"
    );
    // The keys-moved goal explains the difference.
    let goal = Goal::metric(scalelab_engine::goals::Metric::KeysMoved, Op::Le, 3000.0);
    let d = diagram("modulo", "key", 64);
    let r = evaluate(&d, &modulo, std::slice::from_ref(&goal)).remove(0);
    assert!(
        !r.pass && r.reason.contains("consistent hashing"),
        "{}",
        r.reason
    );
    assert_eq!(r.measured, Some(8000.0));
    let r = evaluate(&d, &consistent, &[goal]).remove(0);
    assert!(r.pass, "{r:?}");
}

#[test]
fn parts_are_labelled_as_shards_and_spares_are_idle_until_used() {
    let d = diagram("consistent", "user_id", 64);
    let mut s = scenario(300.0, 10, KeyPopularity::Uniform { keys: 1000 });
    reshard_at(&mut s, 5.0, 6);
    let mut sim = Simulation::new(&d, &s).unwrap();
    advance_to(&mut sim, 4.0);
    let m = sim.snapshot();
    let parts = &m.node(DB).unwrap().parts;
    let labels: Vec<&str> = parts.iter().map(|p| p.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "Shard 1",
            "Shard 2",
            "Shard 3",
            "Shard 4",
            "Shard 5 (not in use)",
            "Shard 6 (not in use)"
        ]
    );
    assert!(parts[4..].iter().all(|p| p.served == 0));
    assert_eq!(shard_metrics(&m).keys, 20_000, "user ids are the keys");
    sim.run_to_end();
    let m = sim.snapshot();
    assert!(m.node(DB).unwrap().parts.iter().all(|p| p.served > 0));
    assert_eq!(m.node(DB).unwrap().parts[5].label, "Shard 6");
    // Four shards for half of the run and six for the other half: the cost as it ran
    // is five shards' price (a database of that size each), the settings' is four.
    let shard_price = Kind::Database.monthly_cost(&d.node(DB).unwrap().params);
    let others: f64 = d
        .nodes
        .iter()
        .filter(|n| n.id != DB)
        .map(|n| n.kind.monthly_cost(&n.params))
        .sum();
    assert_eq!(
        Kind::ShardedDatabase.monthly_cost(&d.node(DB).unwrap().params),
        4.0 * shard_price
    );
    assert!(
        (m.cost_per_month - others - 5.0 * shard_price).abs() < 1e-6,
        "{} vs {others} + 5 × {shard_price}",
        m.cost_per_month
    );
}

#[test]
fn a_failing_goal_names_the_overflowing_database_and_its_shard() {
    // One small shard, far more reads than it can serve: its queue overflows.
    let mut d = diagram("modulo", "key", 64);
    set(&mut d, DB, "shards", num(1.0));
    set(&mut d, DB, "size", text("small"));
    set(&mut d, DB, "max_queue", num(50.0));
    let i = d.node_index(DB).unwrap();
    d.nodes[i].name = "Messages database".into();
    let m = run_to_end(
        &d,
        &scenario(3000.0, 10, KeyPopularity::Uniform { keys: 1000 }),
    )
    .unwrap();
    let db = m.node(DB).unwrap();
    let shard_failures: u64 = db.parts.iter().map(|p| p.failed).sum();
    assert!(shard_failures > 0, "the shard overflowed");
    assert!(
        db.failed >= shard_failures,
        "the database counts its shards' failures"
    );
    // Its load is its busiest shard's: the coordinator itself does no work.
    let shard = &db.parts[0];
    assert!(
        shard.mean_utilisation > 0.9 && db.mean_utilisation < 0.1,
        "{db:?}"
    );
    assert_eq!(db.busiest_mean_utilisation(), shard.mean_utilisation);
    assert_eq!(
        db.busiest_utilisation(),
        shard.utilisation.max(db.utilisation)
    );
    assert_eq!(db.queued(), db.queue_len + shard.queue_len);
    // With several parts the busiest one counts, wherever it is, and every queue.
    let mut many = db.clone();
    many.parts = vec![shard.clone(); 3];
    for (p, (now, mean, queue)) in
        many.parts
            .iter_mut()
            .zip([(0.2, 0.3, 1), (0.98, 0.97, 0), (0.5, 0.4, 7)])
    {
        (p.utilisation, p.mean_utilisation, p.queue_len) = (now, mean, queue);
    }
    assert_eq!(many.busiest_utilisation(), 0.98);
    assert_eq!(many.busiest_mean_utilisation(), 0.97);
    assert_eq!(many.queued(), db.queue_len + 8);
    let check = |metric, value| evaluate(&d, &m, &[Goal::metric(metric, Op::Le, value)]).remove(0);
    let result = check(scalelab_engine::goals::Metric::ErrorRate, 0.01);
    assert!(!result.pass);
    assert!(
        result.reason.contains("Messages database")
            && result.reason.to_lowercase().contains("shard 1"),
        "{}",
        result.reason
    );
    // Latency too: the time went to the saturated shard, not to the network.
    let result = check(scalelab_engine::goals::Metric::P95Ms, 20.0);
    assert!(!result.pass);
    assert!(
        result
            .reason
            .starts_with("Shard 1 of Messages database was"),
        "{}",
        result.reason
    );
}
