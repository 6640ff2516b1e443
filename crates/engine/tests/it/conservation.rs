//! Property test: every request users create ends exactly once, as a success or as
//! exactly one failure cause, in random small diagrams under random scenarios with
//! failures.

use proptest::prelude::*;
use scalelab_engine::{
    Action, Diagram, KeyPopularity, Kind, Profile, Region, RequestMix, Scenario, ScheduledEvent,
    Simulation, Traffic,
};

use crate::common::{num, set, text};

#[derive(Clone, Debug)]
pub(crate) struct Shape {
    dns: bool,
    geo: bool,
    webs: usize,
    lb_algo: usize,
    health_checks: bool,
    stateless: bool,
    cache: Option<usize>,
    replicas: usize,
    cdn: bool,
    storage: bool,
    second_dc: bool,
    queue: u32,
    workers: u32,
    rps: f64,
    profile: usize,
    duration_s: u32,
    timeout_ms: u32,
    kills: Vec<(usize, f64, Option<f64>)>,
    kill_dc: Option<f64>,
    seed: u64,
    /// A message queue and worker pool behind the web servers: (durable, autoscaled,
    /// maximum depth, work per job in ms).
    jobs: Option<(bool, bool, u32, f64)>,
    /// An API gateway in front, with this allowance per user.
    gateway: Option<f64>,
    sharded: Option<Sharded>,
}

/// A sharded database beside the database.
#[derive(Clone, Copy, Debug)]
struct Sharded {
    consistent: bool,
    by_user: bool,
    cross_share: f64,
    /// A resharding: when, to how many shards.
    reshard: Option<(f64, u32)>,
}

pub(crate) fn shape() -> impl Strategy<Value = Shape> {
    (
        (
            any::<bool>(),
            any::<bool>(),
            1usize..4,
            0usize..4,
            any::<bool>(),
            any::<bool>(),
            proptest::option::of(0usize..3),
        ),
        (
            0usize..3,
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            1u32..50,
            1u32..6,
        ),
        (10.0f64..1500.0, 0usize..4, 2u32..8, 20u32..2000),
        (
            proptest::collection::vec(
                (0usize..12, 0.0f64..8.0, proptest::option::of(0.0f64..4.0)),
                0..4,
            ),
            proptest::option::of(0.0f64..6.0),
            any::<u64>(),
        ),
        (
            proptest::option::of((any::<bool>(), any::<bool>(), 1u32..200, 1.0f64..300.0)),
            proptest::option::of(0.5f64..50.0),
            proptest::option::of(
                (
                    any::<bool>(),
                    any::<bool>(),
                    prop_oneof![Just(0.0f64), 0.0f64..1.0],
                    proptest::option::of((0.0f64..6.0, 1u32..9)),
                )
                    .prop_map(|(consistent, by_user, cross_share, reshard)| {
                        Sharded {
                            consistent,
                            by_user,
                            cross_share,
                            reshard,
                        }
                    }),
            ),
        ),
    )
        .prop_map(|(a, b, c, d, e)| Shape {
            dns: a.0,
            geo: a.1,
            webs: a.2,
            lb_algo: a.3,
            health_checks: a.4,
            stateless: a.5,
            cache: a.6,
            replicas: b.0,
            cdn: b.1,
            storage: b.2,
            second_dc: b.3,
            queue: b.4,
            workers: b.5,
            rps: c.0,
            profile: c.1,
            duration_s: c.2,
            timeout_ms: c.3,
            kills: d.0,
            kill_dc: d.1,
            seed: d.2,
            jobs: e.0,
            gateway: e.1,
            sharded: e.2,
        })
}

pub(crate) fn build(sh: &Shape) -> (Diagram, Scenario) {
    let mut d = Diagram::new();
    let dc1 = d.add_data_center(Region::NorthAmerica, 0.0, 0.0, 1.0, 1.0);
    let dc2 = d.add_data_center(Region::Europe, 0.0, 0.0, 1.0, 1.0);
    let u1 = d.add_node(Kind::Users, 0.0, 0.0);
    let u2 = d.add_node(Kind::Users, 0.0, 0.0);
    set(&mut d, &u2, "region", text("asia"));
    set(&mut d, &u1, "users", num(50.0));
    let db = d.add_node(Kind::Database, 0.0, 0.0);
    d.set_node_dc(&db, Some(&dc1));
    for _ in 0..sh.replicas {
        let r = d.add_node(Kind::Database, 0.0, 0.0);
        set(&mut d, &r, "role", text("replica"));
        set(&mut d, &r, "replication_lag_ms", num(200.0));
        set(&mut d, &db, "promotion_s", num(1.0));
        d.connect(&db, &r).unwrap();
    }
    let cache = sh.cache.map(|strategy| {
        let c = d.add_node(Kind::Cache, 0.0, 0.0);
        set(&mut d, &c, "capacity", num(50.0));
        set(&mut d, &c, "ttl_s", num(1.0));
        set(
            &mut d,
            &c,
            "strategy",
            text(["cache_aside", "read_through", "refresh_ahead"][strategy]),
        );
        if strategy > 0 {
            d.connect(&c, &db).unwrap();
        }
        c
    });
    let sharded = sh.sharded.map(|x_sh| {
        let x = d.add_node(Kind::ShardedDatabase, 0.0, 0.0);
        d.set_node_dc(&x, Some(&dc1));
        set(
            &mut d,
            &x,
            "strategy",
            text(if x_sh.consistent {
                "consistent"
            } else {
                "modulo"
            }),
        );
        set(
            &mut d,
            &x,
            "shard_key",
            text(if x_sh.by_user { "user_id" } else { "key" }),
        );
        set(&mut d, &x, "shards", num(3.0));
        set(&mut d, &x, "vnodes", num(8.0));
        set(&mut d, &x, "cross_shard_share", num(x_sh.cross_share));
        set(&mut d, &x, "reshard_keys_per_s", num(200.0));
        set(&mut d, &x, "max_queue", num(20.0));
        if let Some(c) = &cache {
            if sh.cache != Some(0) {
                d.connect(c, &x).unwrap();
            }
        }
        x
    });
    let store = sh
        .stateless
        .then(|| d.add_node(Kind::SessionStore, 0.0, 0.0));
    let storage = sh
        .storage
        .then(|| d.add_node(Kind::ObjectStorage, 0.0, 0.0));
    let queue = sh.jobs.map(|(durable, autoscale, depth, _)| {
        let q = d.add_node(Kind::MessageQueue, 0.0, 0.0);
        let p = d.add_node(Kind::WorkerPool, 0.0, 0.0);
        set(
            &mut d,
            &q,
            "durable",
            scalelab_engine::ParamValue::Bool(durable),
        );
        set(&mut d, &q, "max_depth", num(depth as f64));
        set(
            &mut d,
            &p,
            "autoscale",
            scalelab_engine::ParamValue::Bool(autoscale),
        );
        set(&mut d, &p, "check_interval_s", num(1.0));
        set(&mut d, &p, "warmup_s", num(1.0));
        d.connect(&q, &p).unwrap();
        q
    });
    let mut entries = Vec::new();
    let dcs: Vec<&String> = if sh.second_dc {
        vec![&dc1, &dc2]
    } else {
        vec![&dc1]
    };
    for dc in dcs {
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        set(
            &mut d,
            &lb,
            "algorithm",
            text(["round_robin", "least_connections", "random", "ip_hash"][sh.lb_algo]),
        );
        set(
            &mut d,
            &lb,
            "health_checks",
            scalelab_engine::ParamValue::Bool(sh.health_checks),
        );
        set(&mut d, &lb, "check_interval_s", num(1.0));
        d.set_node_dc(&lb, Some(dc));
        for _ in 0..sh.webs {
            let w = d.add_node(Kind::WebServer, 0.0, 0.0);
            set(&mut d, &w, "max_queue", num(sh.queue as f64));
            set(&mut d, &w, "workers", num(sh.workers as f64));
            d.set_node_dc(&w, Some(dc));
            d.connect(&lb, &w).unwrap();
            d.connect(&w, &db).unwrap();
            if let Some(x) = &sharded {
                d.connect(&w, x).unwrap();
            }
            if let Some(c) = &cache {
                d.connect(&w, c).unwrap();
            }
            if let Some(s) = &store {
                set(&mut d, &w, "sessions", text("store"));
                d.connect(&w, s).unwrap();
            }
            if let Some(s) = &storage {
                d.connect(&w, s).unwrap();
            }
            if let Some(q) = &queue {
                d.connect(&w, q).unwrap();
            }
        }
        entries.push(lb);
    }
    if let Some(rate) = sh.gateway {
        let g = d.add_node(Kind::ApiGateway, 0.0, 0.0);
        set(&mut d, &g, "rate_per_user", num(rate));
        set(&mut d, &g, "burst", num(3.0));
        for e in &entries {
            d.connect(&g, e).unwrap();
        }
        entries = vec![g];
    }
    let cdn = sh.cdn.then(|| {
        let c = d.add_node(Kind::Cdn, 0.0, 0.0);
        set(&mut d, &c, "capacity", num(20.0));
        match &storage {
            Some(s) => d.connect(&c, s).unwrap(),
            None => d.connect(&c, &entries[0]).unwrap(),
        }
        c
    });
    if sh.dns {
        let dns = d.add_node(Kind::Dns, 0.0, 0.0);
        set(
            &mut d,
            &dns,
            "routing",
            text(if sh.geo { "geo" } else { "simple" }),
        );
        set(&mut d, &dns, "ttl_s", num(2.0));
        set(&mut d, &dns, "health_check_s", num(1.0));
        d.connect(&u1, &dns).unwrap();
        d.connect(&u2, &dns).unwrap();
        for e in &entries {
            d.connect(&dns, e).unwrap();
        }
        if let Some(c) = &cdn {
            d.connect(&dns, c).unwrap();
        }
    } else {
        for u in [&u1, &u2] {
            d.connect(u, &entries[0]).unwrap();
            if let Some(c) = &cdn {
                d.connect(u, c).unwrap();
            }
        }
    }
    let mut s = Scenario {
        duration_s: sh.duration_s,
        seed: sh.seed,
        client_timeout_ms: sh.timeout_ms,
        keys: KeyPopularity::Zipf { keys: 500, s: 1.1 },
        mix: RequestMix {
            page_read: 0.3,
            api_read: 0.3,
            write: 0.2,
            static_asset: 0.15,
            upload: 0.05,
            background_job: if sh.jobs.is_some() { 0.1 } else { 0.0 },
        },
        job_ms: sh.jobs.map_or(0.0, |j| j.3),
        ..Scenario::default()
    };
    let profile = match sh.profile {
        0 => Profile::Constant,
        1 => Profile::Ramp { from_rps: 1.0 },
        2 => Profile::Daily,
        _ => Profile::Spike {
            at_s: 1,
            len_s: 1,
            factor: 5.0,
        },
    };
    s.traffic.insert(
        u1.clone(),
        Traffic {
            profile,
            rps: sh.rps,
        },
    );
    let ids: Vec<String> = d.nodes.iter().map(|n| n.id.clone()).collect();
    for (i, at, back) in &sh.kills {
        let id = ids[i % ids.len()].clone();
        s.events.push(ScheduledEvent {
            at_s: *at,
            action: Action::KillNode(id.clone()),
        });
        if let Some(b) = back {
            s.events.push(ScheduledEvent {
                at_s: at + b,
                action: Action::RestoreNode(id),
            });
        }
    }
    let reshard = sh.sharded.and_then(|x| x.reshard);
    if let (Some(x), Some((at, shards))) = (&sharded, reshard) {
        s.events.push(ScheduledEvent {
            at_s: at,
            action: Action::Reshard {
                node: x.clone(),
                shards,
            },
        });
    }
    if let Some(at) = sh.kill_dc {
        s.events.push(ScheduledEvent {
            at_s: at,
            action: Action::KillDc(dc1.clone()),
        });
    }
    // Events at or after the end would never happen: the engine refuses them.
    let end = s.duration_s as f64;
    s.events.retain(|e| e.at_s < end);
    (d, s)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_request_ends_exactly_once(sh in shape()) {
        let (d, s) = build(&sh);
        let mut sim = Simulation::new(&d, &s).unwrap_or_else(|f| panic!("{f:#?}"));
        sim.set_trace_sampling(3);
        let mut traced = 0u64;
        let mut t = 0;
        while !sim.is_finished() {
            t += 250_000;
            sim.advance(t, u64::MAX);
            for tr in sim.take_traces() {
                traced += 1;
                prop_assert!(tr.end_us >= tr.start_us);
                prop_assert!(tr.hops.windows(2).all(|w| w[0].depart_us <= w[1].depart_us));
            }
        }
        let m = sim.snapshot();
        let t = &m.totals;
        let by_cause: u64 = t.by_cause.iter().map(|(_, n)| n).sum();
        prop_assert!(t.created > 0);
        // Requests are counted once when created and once when they end, by separate
        // counters: every one ended, and exactly once.
        prop_assert_eq!(t.created, t.ok + by_cause);
        for (kind, k) in &m.per_kind {
            prop_assert_eq!(k.created, k.ok + k.failed, "{:?}", kind);
        }
        let kinds_created: u64 = m.per_kind.iter().map(|(_, k)| k.created).sum();
        prop_assert_eq!(kinds_created, t.created);
        // Every request record was given back, but for the jobs still waiting.
        prop_assert_eq!(sim.records_in_use(), m.jobs.in_system);
        let ok_in_series: f64 = m.series.iter().map(|p| p.throughput).sum();
        let err_in_series: u64 = m.series.iter().map(|p| p.errors).sum();
        prop_assert_eq!(ok_in_series as u64, t.ok);
        prop_assert_eq!(err_in_series, t.failed);
        prop_assert!(traced > 0 || t.created < 3);
        prop_assert_eq!(m.nodes.len(), d.nodes.len());
        // Every job ends at most once; the ones not ended wait in a queue or at a
        // worker (a queue with no live worker left keeps them).
        let j = &m.jobs;
        prop_assert_eq!(j.created, j.completed + j.lost + j.in_system);
        let waiting: u64 = m.nodes.iter().filter_map(|n| n.backlog).sum();
        let at_workers: u64 = m
            .nodes
            .iter()
            .filter(|n| n.kind == Kind::WorkerPool)
            .map(|n| n.queue_len as u64)
            .sum();
        prop_assert!(j.in_system >= waiting);
        prop_assert!(j.in_system <= waiting + at_workers);
        let done_in_series: u64 = m.series.iter().map(|p| p.jobs_done).sum();
        prop_assert_eq!(done_in_series, j.completed);
    }
}

/// Designs wired from any components with any settings, as the fuzz target `runs`
/// builds them: 80 of the inputs it found that the engine accepts, those with the most
/// kinds of component. Each still runs (a design the engine newly refuses is a change
/// to look at) to its end with every request ended exactly once.
#[test]
fn designs_the_fuzzer_found_run_to_their_end() {
    let corpus = include_str!("any_design_corpus.txt");
    let inputs: Vec<Vec<u8>> = corpus
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            (0..l.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect();
    assert_eq!(inputs.len(), 80);
    for (line, data) in inputs.iter().enumerate() {
        let (d, s, sampling) = crate::any_design::design_from_bytes(data);
        let mut sim = Simulation::new(&d, &s)
            .unwrap_or_else(|f| panic!("input {line} is refused: {f:?}\n{d:?}"));
        sim.set_trace_sampling(sampling);
        sim.run_to_end();
        let m = sim.snapshot();
        let ended: u64 = m.totals.by_cause.iter().map(|(_, n)| n).sum();
        assert_eq!(m.totals.created, m.totals.ok + ended, "input {line}: {d:?}");
        assert_eq!(m.totals.failed, ended, "input {line}");
    }
}
