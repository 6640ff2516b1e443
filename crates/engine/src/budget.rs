//! The run's budget, checked before anything is simulated: how much work the run does
//! (requests times the hops their wiring allows, bounded so a run finishes in
//! reasonable time in the browser) and
//! how much memory the run will hold at most (bounded so no accepted input can exhaust
//! the page). A run over either limit is refused with a sentence naming what to lower.

use crate::components::{dispatch, Kind, Role};
use crate::diagram::Diagram;
use crate::finding::Finding;
use crate::format::{fixed, thousands};
use crate::scenario::{Scenario, Traffic, MAX_TIMEOUT_MS};
use crate::sim::MAX_IN_FLIGHT;

/// Most steps of work one run may do: each request counts one step to start and one
/// per hop from one component to the next ([`hops_per_request`]), and each extra query
/// of a sharded database one ([`shard_work`]). Measured natively on the heaviest
/// wirings, a step takes 0.24–0.4 µs, so the longest accepted run takes about 12 s.
pub const MAX_WORK: f64 = 30_000_000.0;
/// Most memory one run may hold.
pub const MAX_MEMORY_BYTES: u64 = 256 * 1024 * 1024;

/// What a component's memory estimate may depend on.
pub(crate) struct Budget {
    /// Size of the key space.
    pub keys: u64,
    /// Distinct users of the whole run.
    pub users: u64,
    pub duration_s: u64,
}

/// Bytes of one request's slot while it is in flight.
const REQUEST_BYTES: u64 = 128;
/// Bytes of one client deadline, kept for the whole timeout even when the request ends
/// sooner.
const DEADLINE_BYTES: u64 = 16;
/// Bytes of one per-second point of one node, counted twice: the page keeps a copy of
/// a finished run's numbers (to show, and to check goals on) beside the run.
const POINT_BYTES: u64 = 2 * 64;

/// The requests a traffic profile sends over `duration_s` seconds (expected: the area
/// under its rate), and the highest rate it reaches within the run.
fn load(t: &Traffic, duration_s: f64) -> (f64, f64) {
    t.stretches(duration_s)
        .iter()
        .fold((0.0, 0.0), |(sent, peak), s| {
            (sent + s.expected(), s.rate0.max(s.rate1).max(peak))
        })
}

/// Shard queries a run's sharded databases add to its requests (each counted as one
/// step of work, at most): a cross-shard read asks every other shard too (the one shard
/// of any read is a hop of [`hops_per_request`]), at the most shards
/// the run reaches (every request is taken for a read); resharding copies keys at its
/// speed, each copy a read and a write, and at most every key per resharding. Each
/// resharding also looks through the whole shard-key space twice (to count the keys
/// that move, then to find them for copying), a few keys in the time of one step.
fn shard_work(d: &Diagram, s: &Scenario, requests: f64, users: u64) -> f64 {
    use crate::components::sharded_database::{reshard_targets, Params, ShardKey, Strategy};
    let mut extra = 0.0;
    for n in d.nodes.iter().filter(|n| n.kind == Kind::ShardedDatabase) {
        let p = Params::parse(&n.params);
        let (most, reshards) = reshard_targets(s, &n.id)
            .fold((p.shards, 0.0), |(most, count), x| {
                (most.max(x), count + 1.0)
            });
        let space = match p.shard_key {
            ShardKey::Key => s.keys.keys() as f64,
            ShardKey::UserId => users as f64,
        };
        let copies = (p.reshard_keys_per_s as f64 * s.duration_s as f64).min(space * reshards);
        let keys_per_step = match p.strategy {
            Strategy::Modulo => KEYS_PER_STEP_MODULO,
            Strategy::Consistent => KEYS_PER_STEP_CONSISTENT,
        };
        let scans = 2.0 * reshards * space / keys_per_step;
        extra +=
            requests * p.cross_shard_share * most.saturating_sub(1) as f64 + 2.0 * copies + scans;
    }
    extra
}

/// An upper bound, from the wiring alone, of the hops one request may make from each
/// node on, by node index. It is loose where that keeps it simple: a web server counts
/// every successor once (a request calls some of its session store, cache, database,
/// storage and queue), a cache its database whatever its strategy, and a sharded
/// database one shard (its cross-shard reads are [`shard_work`]'s); every other kind
/// passes a request to one of its successors (a load balancer to one backend, DNS to one
/// entry point), and replication is not a hop. No request goes deeper than the engine's
/// call stack: a source stands at its first level and the stack holds `MAX_DEPTH`
/// levels, plus one for a DNS lookup, which returns before the entry point is called.
pub(crate) fn hops_per_request(d: &Diagram, succ: &[Vec<u32>]) -> Vec<u32> {
    let n = d.nodes.len();
    let (mut below, mut here) = (vec![0u32; n], vec![0u32; n]);
    // From the deepest level up: a node at the last level calls no further.
    for _level in 0..crate::sim::MAX_DEPTH {
        for ((node, next), out) in d.nodes.iter().zip(succ).zip(here.iter_mut()) {
            let mut hops = (node.kind == Kind::ShardedDatabase) as u32;
            for &c in next {
                let h = 1 + below[c as usize];
                hops = match node.kind {
                    Kind::WebServer => hops + h,
                    Kind::Database => 0,
                    _ => hops.max(h),
                };
            }
            *out = hops;
        }
        std::mem::swap(&mut below, &mut here);
    }
    below
}

/// Keys a resharding's scan looks at in the time of one step of work, with modulo and
/// with consistent hashing (which searches the ring for each key). Measured natively: a
/// step takes 0.24–0.4 µs, one key 18 ns (modulo) and 92 ns (consistent, 64 shards of
/// 512 points); rounded down to stay on the safe side.
const KEYS_PER_STEP_MODULO: f64 = 10.0;
const KEYS_PER_STEP_CONSISTENT: f64 = 2.0;

fn megabytes(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{} GB", fixed(bytes as f64 / (1u64 << 30) as f64, 1))
    } else {
        format!("{} MB", thousands(bytes.div_ceil(1 << 20) as f64))
    }
}

/// The budget problems of running `d` under `s` (none when it fits).
pub(crate) fn check(d: &Diagram, s: &Scenario, succ: &[Vec<u32>]) -> Vec<Finding> {
    let mut out = Vec::new();
    let duration = s.duration_s as f64;
    let per_node = hops_per_request(d, succ);
    let (mut requests, mut hops, mut users, mut peak_rps) = (0.0, 0.0, 0, 0.0);
    for (n, &h) in d.nodes.iter().zip(&per_node) {
        if n.kind.info().offers(Role::Source) {
            let (r, peak) = load(&s.traffic_for(&n.id), duration);
            requests += r;
            hops += r * h as f64;
            users += crate::components::users::Params::parse(&n.params).users as u64;
            peak_rps += peak;
        }
    }
    let extra = shard_work(d, s, requests, users);
    let work = requests + hops + extra;
    if work > MAX_WORK {
        out.push(Finding::error(
            None,
            format!(
                "This run would take about {} steps of work (one to start each request and one per hop); the limit is 30,000,000. Lower the traffic or the duration, or let requests pass fewer components{}.",
                thousands(work),
                match extra > 0.0 {
                    true => "; with sharding, lower the share of cross-shard reads, or reshard less often",
                    false => "",
                },
            ),
        ));
    }

    let budget = Budget {
        keys: s.keys.keys() as u64,
        users,
        duration_s: s.duration_s as u64,
    };
    // Requests in flight: at most the peak rate times the client timeout (deadline
    // entries live that long), and never more than the engine follows at once.
    let timeout_s = s.client_timeout_ms.min(MAX_TIMEOUT_MS) as f64 / 1000.0;
    let deadlines = (peak_rps * timeout_s).min(1e12) as u64;
    let in_flight = deadlines.min(MAX_IN_FLIGHT as u64);
    let mut parts: Vec<(u64, String)> = vec![
        (
            in_flight * REQUEST_BYTES + deadlines * DEADLINE_BYTES,
            format!(
                "requests in flight (about {} req/s with a {} ms client timeout)",
                thousands(peak_rps),
                thousands(s.client_timeout_ms as f64)
            ),
        ),
        (
            d.nodes.len() as u64 * budget.duration_s.saturating_add(60) * POINT_BYTES,
            format!(
                "per-second numbers ({} components × {} s)",
                d.nodes.len(),
                s.duration_s
            ),
        ),
    ];
    // Per kind: 250 Users nodes of 4 MB each are one large part, not 250 small ones.
    let mut kinds: Vec<(Kind, u64, usize, &str)> = Vec::new();
    for n in &d.nodes {
        let bytes = dispatch!(n.kind, memory_bytes(&n.params, &budget));
        if bytes > 0 {
            match kinds.iter_mut().find(|k| k.0 == n.kind) {
                Some(k) => {
                    k.1 += bytes;
                    k.2 += 1;
                }
                None => kinds.push((n.kind, bytes, 1, &n.name)),
            }
        }
    }
    for (kind, bytes, count, name) in kinds {
        let kind_label = crate::catalog::in_sentence(kind.label());
        parts.push((
            bytes,
            match count {
                1 => format!("{name} ({kind_label})"),
                _ => format!("the {} {kind_label} components", thousands(count as f64)),
            },
        ));
    }
    let total: u64 = parts.iter().map(|(b, _)| *b).sum();
    if total > MAX_MEMORY_BYTES {
        // The biggest first.
        crate::order::sort_by_key(&mut parts, |p| !p.0);
        let biggest: Vec<String> = parts
            .iter()
            .take(3)
            .map(|(b, what)| format!("{what}: {}", megabytes(*b)))
            .collect();
        out.push(Finding::error(
            None,
            format!(
                "This run would need about {} of memory; a run may use 256 MB. The largest parts are {}. Lower what they depend on (users, keys, cache capacity, traffic, timeout or duration).",
                megabytes(total),
                biggest.join("; ")
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ParamValue;
    use crate::scenario::{Action, KeyPopularity, Profile, ScheduledEvent};
    use crate::sim::build::successors;

    fn check(d: &Diagram, s: &Scenario) -> Vec<Finding> {
        super::check(d, s, &successors(d))
    }

    /// The most hops of a request from each source, in diagram order.
    fn hops_per_request(d: &Diagram) -> Vec<u32> {
        let all = super::hops_per_request(d, &successors(d));
        d.nodes
            .iter()
            .zip(all)
            .filter(|(n, _)| n.kind == Kind::Users)
            .map(|(_, h)| h)
            .collect()
    }

    /// Whether one of the findings says `part`.
    fn says(f: &[Finding], part: &str) -> bool {
        f.iter().any(|x| x.message.contains(part))
    }

    fn requests_of(t: &Traffic, duration_s: f64) -> f64 {
        load(t, duration_s).0
    }

    fn peak_rate(t: &Traffic, duration_s: f64) -> f64 {
        load(t, duration_s).1
    }

    fn traffic(profile: Profile, rps: f64) -> Traffic {
        Traffic { profile, rps }
    }

    #[test]
    fn requests_follow_the_profile() {
        assert_eq!(requests_of(&traffic(Profile::Constant, 10.0), 60.0), 600.0);
        assert_eq!(
            requests_of(&traffic(Profile::Ramp { from_rps: 0.0 }, 10.0), 60.0),
            300.0
        );
        let spike = Profile::Spike {
            at_s: 10,
            len_s: 10,
            factor: 3.0,
        };
        assert_eq!(requests_of(&traffic(spike, 10.0), 60.0), 800.0);
        // Linear between the hourly values, around the clock: the mean of the 24
        // values (15.35 of 24) times the peak.
        let daily = requests_of(&traffic(Profile::Daily, 100.0), 86_400.0);
        let expected = 15.35 / 24.0 * 8_640_000.0;
        assert!((daily - expected).abs() < 1e-6 * expected, "{daily}");
        // A spike past the end counts only within the run.
        let late = Profile::Spike {
            at_s: 50,
            len_s: 100,
            factor: 0.0,
        };
        assert_eq!(requests_of(&traffic(late, 10.0), 60.0), 500.0);
    }

    #[test]
    fn the_peak_rate_is_the_highest_within_the_run() {
        let spike = |at_s| Profile::Spike {
            at_s,
            len_s: 10,
            factor: 5.0,
        };
        assert_eq!(peak_rate(&traffic(spike(30), 10.0), 60.0), 50.0);
        // A spike after the end does not count.
        assert_eq!(peak_rate(&traffic(spike(70), 10.0), 60.0), 10.0);
        let falling = Profile::Ramp { from_rps: 40.0 };
        assert_eq!(peak_rate(&traffic(falling, 10.0), 60.0), 40.0);
        // The daily curve peaks at its full rate in the evening.
        assert_eq!(peak_rate(&traffic(Profile::Daily, 300.0), 60.0), 300.0);
    }

    fn base() -> (Diagram, Scenario) {
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 0.0, 0.0);
        d.connect(&u, &w).unwrap();
        (d, Scenario::default())
    }

    #[test]
    fn a_normal_run_fits() {
        let (d, s) = base();
        assert!(check(&d, &s).is_empty());
    }

    #[test]
    fn a_request_counts_the_most_hops_its_wiring_allows() {
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let dns = d.add_node(Kind::Dns, 0.0, 0.0);
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        let plain = d.add_node(Kind::WebServer, 0.0, 0.0);
        let busy = d.add_node(Kind::WebServer, 0.0, 0.0);
        let cache = d.add_node(Kind::Cache, 0.0, 0.0);
        let db = d.add_node(Kind::Database, 0.0, 0.0);
        let replica = d.add_node(Kind::Database, 0.0, 0.0);
        d.set_param(&replica, "role", ParamValue::Text("replica".into()))
            .unwrap();
        for (a, b) in [
            (&u, &dns),
            (&dns, &lb),
            (&lb, &plain),
            (&lb, &busy),
            (&busy, &cache),
            (&busy, &db),
            (&cache, &db),
            (&db, &replica),
        ] {
            d.connect(a, b).unwrap();
        }
        // The busier server, bounded: the cache and its database (2, though a cache-aside
        // cache never calls it), then the database (1); replication is no hop. The load
        // balancer picks one server (1 more), DNS answers with the balancer (1 more), and
        // the users ask DNS (1).
        assert_eq!(hops_per_request(&d), vec![6]);
        // A second source straight at the plain server: one hop.
        let direct = d.add_node(Kind::Users, 0.0, 0.0);
        d.connect(&direct, &plain).unwrap();
        assert_eq!(hops_per_request(&d), vec![6, 1]);
    }

    #[test]
    fn a_loop_of_gateways_counts_no_deeper_than_the_call_stack() {
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let a = d.add_node(Kind::ApiGateway, 0.0, 0.0);
        let b = d.add_node(Kind::ApiGateway, 0.0, 0.0);
        for (x, y) in [(&u, &a), (&a, &b), (&b, &a)] {
            d.connect(x, y).unwrap();
        }
        // The users stand at depth 1 of 8: seven calls deep at most, and one more
        // level is allowed for a DNS lookup beside them.
        assert_eq!(hops_per_request(&d), vec![crate::sim::MAX_DEPTH as u32]);
        let mut lone = Diagram::new();
        lone.add_node(Kind::Users, 0.0, 0.0);
        assert_eq!(hops_per_request(&lone), vec![0]);
    }

    #[test]
    fn too_many_hops_are_refused_with_the_count() {
        // The sentences name the limits as written.
        assert_eq!(thousands(MAX_WORK), "30,000,000");
        assert_eq!(megabytes(MAX_MEMORY_BYTES), "256 MB");
        // Users → load balancer → server → database: 3 hops a request, 4 steps.
        let (mut d, mut s) = base();
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        let db = d.add_node(Kind::Database, 0.0, 0.0);
        d.edges.clear();
        for (a, b) in [("users-1", lb.as_str()), (&lb, "web-1"), ("web-1", &db)] {
            d.connect(a, b).unwrap();
        }
        s.duration_s = 1000;
        // 6,000,000 requests: 24,000,000 steps fit.
        s.set_rps("users-1", 6000.0);
        assert!(check(&d, &s).is_empty(), "{:#?}", check(&d, &s));
        // One more hop each (a cache before the database): 30,000,000 still fit...
        let cache = d.add_node(Kind::Cache, 0.0, 0.0);
        d.connect("web-1", &cache).unwrap();
        assert!(check(&d, &s).is_empty(), "{:#?}", check(&d, &s));
        // ...and one more (the cache may call the database): 36,000,000 do not.
        d.connect(&cache, &db).unwrap();
        let f = check(&d, &s);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "This run would take about 36,000,000 steps of work (one to start each request and one per hop); the limit is 30,000,000. Lower the traffic or the duration, or let requests pass fewer components."
        );
    }

    #[test]
    fn too_many_requests_are_refused_with_the_count() {
        let (d, mut s) = base();
        s.duration_s = 3600;
        s.set_rps("users-1", 1_000_000.0);
        // Users straight at one server: one step to start and one hop a request.
        let expected =
            "about 7,200,000,000 steps of work (one to start each request and one per hop)";
        let f = check(&d, &s);
        assert!(says(&f, expected), "{f:#?}");
    }

    #[test]
    fn cross_shard_reads_and_resharding_count_as_work() {
        // 3,000,000 requests through users → server → sharded database → a shard: 4
        // steps each, 12,000,000 steps. Every read asks every shard: 3 extra queries
        // with 4 shards, 7 once the run reshards to 8.
        let (mut d, mut s) = base();
        let db = d.add_node(Kind::ShardedDatabase, 0.0, 0.0);
        d.connect("web-1", &db).unwrap();
        d.set_param(&db, "shards", ParamValue::Num(4.0)).unwrap();
        d.set_param(&db, "shard_key", ParamValue::Text("key".into()))
            .unwrap();
        s.duration_s = 1000;
        s.set_rps("users-1", 3000.0);
        d.set_param(&db, "cross_shard_share", ParamValue::Num(1.0))
            .unwrap();
        assert!(check(&d, &s).is_empty(), "12 M steps and 9 M extra queries");
        s.events.push(ScheduledEvent {
            at_s: 10.0,
            action: Action::Reshard {
                node: db.clone(),
                shards: 8,
            },
        });
        // 12 M steps, 21 M extra queries, and resharding: it copies the 10,000 keys
        // twice (a read and a write), far below the speed's 500 a second over 1,000 s,
        // and scans the 10,000 keys twice, 10 keys a step with modulo: 2,000.
        let f = check(&d, &s);
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(
            f[0].message,
            "This run would take about 33,022,000 steps of work (one to start each request and one per hop); the limit is 30,000,000. Lower the traffic or the duration, or let requests pass fewer components; with sharding, lower the share of cross-shard reads, or reshard less often."
        );

        // Without cross-shard reads, copying at 100,000 keys a second over a million
        // keys, resharded 9 times (with the earlier one to 8 shards): 9 M copies of two
        // queries each, and 9 × 2 scans of a million keys, 10 keys a step.
        d.set_param(&db, "cross_shard_share", ParamValue::Num(0.0))
            .unwrap();
        d.set_param(&db, "reshard_keys_per_s", ParamValue::Num(100_000.0))
            .unwrap();
        s.keys = KeyPopularity::Uniform { keys: 1_000_000 };
        for i in 0..8 {
            s.events.push(ScheduledEvent {
                at_s: 20.0 + i as f64,
                action: Action::Reshard {
                    node: db.clone(),
                    shards: 2 + i % 2,
                },
            });
        }
        let f = check(&d, &s);
        assert!(says(&f, "about 31,800,000 steps of work"), "{f:#?}");
        // One resharding fewer: 12 M steps, 16 M queries and 1.6 M for the scans fit.
        s.events.pop();
        assert!(check(&d, &s).is_empty(), "{:#?}", check(&d, &s));
    }

    #[test]
    fn resharding_often_over_many_keys_is_refused_for_its_scans() {
        // A million keys and a copy speed of one key a second: almost nothing is
        // copied, but every resharding scans the million keys twice.
        let (mut d, mut s) = base();
        let db = d.add_node(Kind::ShardedDatabase, 0.0, 0.0);
        d.connect("web-1", &db).unwrap();
        d.set_param(&db, "shard_key", ParamValue::Text("key".into()))
            .unwrap();
        d.set_param(&db, "reshard_keys_per_s", ParamValue::Num(1.0))
            .unwrap();
        s.keys = KeyPopularity::Uniform { keys: 1_000_000 };
        let id = db.clone();
        let reshard = |s: &mut Scenario, times: usize| {
            s.events = (0..times)
                .map(|i| ScheduledEvent {
                    at_s: i as f64 / 10.0,
                    action: Action::Reshard {
                        node: id.clone(),
                        shards: 2 + i as u32 % 2,
                    },
                })
                .collect();
        };
        let refused = |d: &Diagram, s: &Scenario| {
            check(d, s).iter().any(|f| {
                f.message
                    .contains("with sharding, lower the share of cross-shard reads")
            })
        };
        // Modulo: 60 reshardings scan 120 M keys, 12 M steps at 10 keys a step.
        reshard(&mut s, 60);
        assert!(!refused(&d, &s));
        // 200 scan 400 M keys: 40 M steps.
        reshard(&mut s, 200);
        assert!(refused(&d, &s));
        // Consistent hashing searches its ring for every key, 2 keys a step: 60
        // reshardings are 60 M steps, 20 are 20 M.
        reshard(&mut s, 60);
        d.set_param(&db, "strategy", ParamValue::Text("consistent".into()))
            .unwrap();
        assert!(refused(&d, &s));
        reshard(&mut s, 20);
        assert!(!refused(&d, &s), "20 reshardings: 20 M steps");
        // Sharded by user, the space is the users (1,000 by default), not the keys.
        reshard(&mut s, 200);
        assert!(refused(&d, &s));
        d.set_param(&db, "shard_key", ParamValue::Text("user_id".into()))
            .unwrap();
        assert!(!refused(&d, &s));
    }

    #[test]
    fn memory_hungry_inputs_are_refused_naming_the_cause() {
        // Five hundred caches of a million keys each would hold gigabytes of indexes.
        let (mut d, mut s) = base();
        s.keys = KeyPopularity::Uniform { keys: 1_000_000 };
        for _ in 0..100 {
            let c = d.add_node(Kind::Cache, 0.0, 0.0);
            d.set_param(&c, "capacity", ParamValue::Num(1_000_000.0))
                .unwrap();
            d.connect("web-1", &c).unwrap();
        }
        let f = check(&d, &s);
        assert!(
            says(&f, "of memory") && says(&f, "the 100 cache components: "),
            "{f:#?}"
        );

        // A long client timeout at a high rate keeps many requests in flight.
        let (d, mut s) = base();
        s.client_timeout_ms = 60_000;
        s.duration_s = 5;
        s.set_rps("users-1", 1_000_000.0);
        let f = check(&d, &s);
        assert!(says(&f, "requests in flight"), "{f:#?}");

        // Many users keep many clients.
        let (mut d, s) = base();
        for _ in 0..499 {
            let u = d.add_node(Kind::Users, 0.0, 0.0);
            d.set_param(&u, "users", ParamValue::Num(100_000.0))
                .unwrap();
            d.connect(&u, "web-1").unwrap();
        }
        let f = check(&d, &s);
        // Said as one part: 499 × 100,000 users and 1,000 more, 32 bytes each, are
        // 1,596,832,000 bytes (1.5 GB), not 500 parts of 3 MB.
        assert!(says(&f, "the 500 users components: 1.5 GB"), "{f:#?}");
    }

    #[test]
    fn the_per_second_numbers_count_with_the_copy_the_page_keeps() {
        // The most components for an hour, one of them a cache of a million entries:
        // 500 × 3,660 points of 64 bytes are 112 MB, 224 MB with the page's copy, and
        // the cache 42 MB (1,000,000 × (40 + 4) bytes).
        let (mut d, mut s) = base();
        s.duration_s = crate::scenario::MAX_DURATION_S;
        s.set_rps("users-1", 10.0);
        s.keys = KeyPopularity::Uniform { keys: 1_000_000 };
        let c = d.add_node(Kind::Cache, 0.0, 0.0);
        d.set_param(&c, "capacity", ParamValue::Num(1_000_000.0))
            .unwrap();
        d.connect("web-1", &c).unwrap();
        while d.nodes.len() < crate::diagram::MAX_NODES {
            let w = d.add_node(Kind::WebServer, 0.0, 0.0);
            d.connect("users-1", &w).unwrap();
        }
        let f = check(&d, &s);
        assert!(
            says(&f, "per-second numbers (500 components × 3600 s): 224 MB"),
            "{f:#?}"
        );
        // Half an hour fits.
        s.duration_s /= 2;
        assert!(check(&d, &s).is_empty(), "{:#?}", check(&d, &s));
    }
}
