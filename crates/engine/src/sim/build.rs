//! Compiles a validated diagram and scenario into the simulation's flat, index-based
//! runtime state (no strings on the hot path).

use std::collections::{BTreeMap, VecDeque};

use super::cache::{Eviction, KeyCache};
use super::*;
use crate::catalog::{Params, Size};
use crate::diagram::{db_clusters, Severity};
use crate::region::{one_way_latency_us, Region, IN_DC_HOP_US};
use crate::scenario::KeyPopularity;

/// Mean service time in ms of a web server (small size) per request kind, for the
/// application's own work.
const WEB_MS: [f64; 5] = [10.0, 5.0, 8.0, 1.0, 30.0];
/// Extra work a web server does when it has no database and keeps the data itself.
const EMBEDDED_DB_MS: [f64; 5] = [6.0, 3.0, 6.0, 0.0, 2.0];
/// Mean query time in ms of a SQL database (small size) per request kind.
const SQL_MS: [f64; 5] = [6.0, 3.0, 6.0, 1.0, 2.0];
/// NoSQL: faster simple reads and writes, slower join-heavy page reads.
const NOSQL_MS: [f64; 5] = [7.8, 1.8, 3.6, 1.0, 1.2];

fn errors(mut f: Vec<Finding>) -> Vec<Finding> {
    f.retain(|x| x.severity == Severity::Error);
    f
}

pub(super) fn build(d: &Diagram, s: &Scenario) -> Result<Simulation, Vec<Finding>> {
    let mut findings = errors(d.validate());
    findings.extend(errors(s.validate(d)));
    if !findings.is_empty() {
        return Err(findings);
    }
    let n = d.nodes.len();
    let index: BTreeMap<&str, u32> = d
        .nodes
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i as u32))
        .collect();
    let succ: Vec<Vec<u32>> = d
        .nodes
        .iter()
        .map(|x| {
            d.edges
                .iter()
                .filter(|e| e.from == x.id)
                .filter_map(|e| index.get(e.to.as_str()).copied())
                .collect()
        })
        .collect();
    let kind_of = |i: u32| d.nodes[i as usize].kind;

    // Locations: each data center, the implicit default data center, then the regions.
    let dc_index: BTreeMap<&str, usize> = d
        .data_centers
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i))
        .collect();
    let implicit = d.data_centers.len();
    let region_loc_base = implicit + 1;
    let n_locs = region_loc_base + Region::ALL.len();
    let loc_region = |l: usize| -> Region {
        if l < implicit {
            d.data_centers[l].region
        } else if l == implicit {
            Region::NorthAmerica
        } else {
            Region::ALL[l - region_loc_base]
        }
    };
    let mut lat = vec![0u64; n_locs * n_locs];
    for a in 0..n_locs {
        for b in 0..n_locs {
            let base = if a == b && a < region_loc_base {
                IN_DC_HOP_US
            } else {
                one_way_latency_us(loc_region(a), loc_region(b))
            };
            lat[a * n_locs + b] = libm::round(base as f64 * s.latency_scale) as u64;
        }
    }

    let clusters_idx = db_clusters(d);
    let mut cluster_of = vec![NONE; n];
    for (c, members) in clusters_idx.iter().enumerate() {
        for &m in members {
            cluster_of[m] = c as u32;
        }
    }

    let keys = s.keys.keys();
    let mut nodes = Vec::with_capacity(n);
    let (mut users, mut dnss, mut lbs, mut webs, mut caches, mut cdns) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut lag_base_us = vec![0u64; n];
    let mut failover = vec![false; n];
    let mut promotion_us = vec![0u64; n];
    let mut user_total: u32 = 0;

    for (i, node) in d.nodes.iter().enumerate() {
        let p = Params {
            kind: node.kind,
            map: &node.params,
        };
        let size: Size = p.size();
        let speed = size.speed_factor();
        let conc = size.concurrency_factor();
        let loc = node
            .dc
            .as_deref()
            .and_then(|x| dc_index.get(x).copied())
            .unwrap_or(implicit) as u16;
        // The first successor of node `i` of a kind, or NONE.
        let first_succ = |i: usize, k: Kind| -> u32 {
            succ[i]
                .iter()
                .copied()
                .find(|&t| kind_of(t) == k)
                .unwrap_or(NONE)
        };
        let clusters_of_succ = |i: usize| -> Vec<u32> {
            let mut cs: Vec<u32> = succ[i]
                .iter()
                .filter(|&&t| kind_of(t) == Kind::Database)
                .map(|&t| cluster_of[t as usize])
                .collect();
            cs.sort_unstable();
            cs.dedup();
            cs
        };
        let mut rt = NodeRt {
            kind: node.kind,
            loc,
            edge: matches!(node.kind, Kind::Users | Kind::Dns | Kind::Cdn),
            role: 0,
            fast: false,
            workers: UNLIMITED,
            busy: 0,
            queue: VecDeque::new(),
            queue_cap: 0,
            svc_us: [0.0; 5],
            killed: false,
            dc_down: false,
            epoch: 0,
            served: 0,
            failed: 0,
            reads: 0,
            writes: 0,
            util_area: 0.0,
            in_system_area: 0.0,
            last_change: 0,
            sec_util_start: 0.0,
            last_sec_util: 0.0,
            sec_reads_start: 0,
            sec_writes_start: 0,
            sec_hits_start: 0,
            sec_misses_start: 0,
            points: Vec::new(),
            last_sec_reads: 0,
            last_sec_writes: 0,
        };
        match node.kind {
            Kind::Users => {
                rt.role = users.len() as u32;
                let count = p.num("users").max(1.0) as u32;
                let traffic = s.traffic_for(d, &node.id);
                let dns = first_succ(i, Kind::Dns);
                let direct: Vec<u32> = succ[i]
                    .iter()
                    .copied()
                    .filter(|&t| matches!(kind_of(t), Kind::LoadBalancer | Kind::WebServer))
                    .collect();
                let cdn = first_succ(i, Kind::Cdn);
                let region = Region::from_key(p.text("region")).unwrap_or(Region::NorthAmerica);
                users.push(UsersRt {
                    node: i as u32,
                    region: region.index() as u8,
                    user_base: user_total,
                    users: count,
                    max_rate: traffic.max_rate(),
                    traffic,
                    next_at: 0.0,
                    dns,
                    direct,
                    cdn,
                });
                user_total += count;
            }
            Kind::Dns => {
                rt.role = dnss.len() as u32;
                rt.svc_us = [1000.0; 5];
                let entries: Vec<u32> = succ[i]
                    .iter()
                    .copied()
                    .filter(|&t| kind_of(t) != Kind::Cdn)
                    .collect();
                let cdn = first_succ(i, Kind::Cdn);
                dnss.push(DnsRt {
                    node: i as u32,
                    geo: p.text("routing") == "geo",
                    ttl_us: p.num("ttl_s") as u64 * 1_000_000,
                    check_us: p.num("health_check_s") as u64 * 1_000_000,
                    healthy: vec![true; entries.len()],
                    entries,
                    cdn,
                });
            }
            Kind::LoadBalancer => {
                rt.role = lbs.len() as u32;
                rt.svc_us = [50.0; 5];
                let backends: Vec<u32> = succ[i]
                    .iter()
                    .copied()
                    .filter(|&t| kind_of(t) == Kind::WebServer)
                    .collect();
                let m = backends.len();
                lbs.push(LbRt {
                    node: i as u32,
                    algo: match p.text("algorithm") {
                        "least_connections" => Algo::LeastConnections,
                        "random" => Algo::Random,
                        "ip_hash" => Algo::IpHash,
                        _ => Algo::RoundRobin,
                    },
                    backends,
                    healthy: vec![true; m],
                    fails: vec![0; m],
                    conns: vec![0; m],
                    rr: 0,
                    checks: p.flag("health_checks"),
                    interval_us: (p.num("check_interval_s") * 1e6) as u64,
                    threshold: p.num("unhealthy_threshold").max(1.0) as u32,
                    sent: vec![0; m],
                });
            }
            Kind::WebServer => {
                rt.role = webs.len() as u32;
                let mut clusters = clusters_of_succ(i);
                if clusters.is_empty() {
                    // Wired web → cache → database, the server still reads and writes
                    // the database behind its cache (cache-aside fills the cache from
                    // it), rather than doing the database work itself.
                    for &t in &succ[i] {
                        if kind_of(t) == Kind::Cache {
                            clusters.extend(clusters_of_succ(t as usize));
                        }
                    }
                    clusters.sort_unstable();
                    clusters.dedup();
                }
                let per_instance = match p.num("workers") as u32 {
                    0 => 4 * conc,
                    w => w,
                };
                rt.workers = per_instance * p.num("instances").max(1.0) as u32;
                rt.queue_cap = p.num("max_queue") as u32;
                let override_ms = p.num("service_ms");
                for k in 0..5 {
                    rt.svc_us[k] = if override_ms > 0.0 {
                        override_ms * 1000.0
                    } else {
                        let embedded = if clusters.is_empty() {
                            EMBEDDED_DB_MS[k]
                        } else {
                            0.0
                        };
                        (WEB_MS[k] + embedded) * speed * 1000.0
                    };
                }

                webs.push(WebRt {
                    stateful: p.text("sessions") != "store",
                    session_store: first_succ(i, Kind::SessionStore),
                    caches: Vec::new(), // filled once caches have indices
                    clusters,
                    storage: first_succ(i, Kind::ObjectStorage),
                });
            }
            Kind::SessionStore => {
                rt.workers = 8 * conc;
                rt.queue_cap = p.num("max_queue") as u32;
                rt.svc_us = [300.0 * speed; 5];
            }
            Kind::Cache => {
                rt.role = caches.len() as u32;
                rt.workers = 8 * conc;
                rt.queue_cap = p.num("max_queue") as u32;
                rt.svc_us = [300.0 * speed; 5];
                caches.push(CacheRt {
                    node: i as u32,
                    store: KeyCache::new(
                        Eviction::from_key(p.text("eviction")),
                        p.num("capacity") as u32,
                        (p.num("ttl_s") * 1e6) as u64,
                        keys,
                    ),
                    strategy: match p.text("strategy") {
                        "read_through" => Strategy::ReadThrough,
                        "refresh_ahead" => Strategy::RefreshAhead,
                        _ => Strategy::CacheAside,
                    },
                    clusters: clusters_of_succ(i),
                });
            }
            Kind::Cdn => {
                rt.role = cdns.len() as u32;
                rt.svc_us = [500.0; 5];
                cdns.push(CdnRt {
                    edges: vec![None; Region::ALL.len()],
                    capacity: p.num("capacity") as u32,
                    ttl_us: (p.num("ttl_s") * 1e6) as u64,
                    origins: succ[i].clone(),
                });
            }
            Kind::Database => {
                rt.workers = 8 * conc;
                rt.queue_cap = p.num("max_queue") as u32;
                let table = if p.text("engine") == "nosql" {
                    NOSQL_MS
                } else {
                    SQL_MS
                };
                for (svc, ms) in rt.svc_us.iter_mut().zip(table) {
                    *svc = ms * speed * 1000.0;
                }
                lag_base_us[i] = (p.num("replication_lag_ms") * 1000.0) as u64;
                failover[i] = p.flag("failover");
                promotion_us[i] = (p.num("promotion_s") * 1e6) as u64;
            }
            Kind::ObjectStorage => {
                rt.svc_us = [p.num("latency_ms") * 1000.0; 5];
            }
        }
        rt.fast = rt.workers == UNLIMITED && !matches!(node.kind, Kind::Users | Kind::WebServer);
        nodes.push(rt);
    }
    // Web servers address caches by runtime index.
    let cache_rt_of: BTreeMap<u32, u32> = caches
        .iter()
        .enumerate()
        .map(|(ci, c)| (c.node, ci as u32))
        .collect();
    let mut w = 0;
    for (i, node) in d.nodes.iter().enumerate() {
        if node.kind == Kind::WebServer {
            webs[w].caches = succ[i]
                .iter()
                .filter_map(|t| cache_rt_of.get(t).copied())
                .collect();
            w += 1;
        }
    }

    let clusters: Vec<ClusterRt> = clusters_idx
        .iter()
        .map(|members| {
            let primary = members
                .iter()
                .copied()
                .find(|&m| {
                    Params {
                        kind: Kind::Database,
                        map: &d.nodes[m].params,
                    }
                    .text("role")
                        == "primary"
                })
                .unwrap_or(members[0]);
            ClusterRt {
                members: members.iter().map(|&m| m as u32).collect(),
                primary: primary as u32,
                rr: 0,
                token: 0,
                pending_lost: 0,
                ring: vec![0; RING_MS],
                ring_last_ms: 0,
            }
        })
        .collect();

    let dcs = d
        .data_centers
        .iter()
        .map(|dc| DcRt {
            id: dc.id.clone(),
            name: dc.name.clone(),
            nodes: (0..n)
                .filter(|&i| d.nodes[i].dc.as_deref() == Some(dc.id.as_str()))
                .map(|i| i as u32)
                .collect(),
            down: false,
        })
        .collect();

    let shares = s.mix.shares();
    let sum: f64 = shares.iter().sum();
    let mut mix_cdf = [0.0; 5];
    let mut acc = 0.0;
    for k in 0..5 {
        acc += shares[k] / sum;
        mix_cdf[k] = acc;
    }
    mix_cdf[4] = 1.0;

    let mut sim = Simulation {
        ids: d.nodes.iter().map(|x| x.id.clone()).collect(),
        nodes,
        users,
        dnss,
        lbs,
        webs,
        caches,
        cdns,
        clusters,
        cluster_of,
        lag_base_us,
        failover,
        promotion_us,
        dcs,
        n_locs,
        region_loc_base,
        lat,
        user_state: vec![
            UserState {
                dns_entry: NONE,
                dns_expiry: 0,
                sess_node: NONE,
                sess_epoch: 0
            };
            user_total as usize
        ],
        reqs: Vec::new(),
        free: Vec::new(),
        heap: EventQueue::new(),
        seq: 0,
        deadlines: VecDeque::new(),
        rng: Rng::new(s.seed),
        zipf: match s.keys {
            KeyPopularity::Zipf { keys, s } => Some(Zipf::new(keys, s)),
            KeyPopularity::Uniform { .. } => None,
        },
        keys,
        mix_cdf,
        timeout_us: s.client_timeout_ms as u64 * 1000,
        duration_us: s.duration_s as u64 * 1_000_000,
        now: 0,
        last_event: 0,
        events_processed: 0,
        live: 0,
        total: Acc::default(),
        per_kind: vec![Acc::default(); 5],
        second: Acc::default(),
        windows: s
            .windows
            .iter()
            .map(|w| WindowAcc {
                name: w.name.clone(),
                from_us: (w.from_s * 1e6) as u64,
                to_us: (w.to_s * 1e6) as u64,
                from_s: w.from_s,
                to_s: w.to_s,
                acc: Acc::default(),
            })
            .collect(),
        series: Vec::new(),
        markers: Vec::new(),
        next_second_us: 1_000_000,
        finished: false,
        cost: d.monthly_cost(),
        actions: s.events.iter().map(|e| e.action.clone()).collect(),
        trace_every: 1,
        trace_counter: 0,
        active_traces: Vec::new(),
        trace_free: Vec::new(),
        finished_traces: VecDeque::new(),
    };

    // Scheduled actions in time order (ties: file order, through the sequence number).
    let mut order: Vec<usize> = (0..s.events.len()).collect();
    order.sort_by(|&a, &b| s.events[a].at_s.total_cmp(&s.events[b].at_s));
    for i in order {
        let at = (s.events[i].at_s * 1e6) as u64;
        if at <= sim.duration_us {
            sim.schedule(at, What::Action(i as u32));
        }
    }
    for u in 0..sim.users.len() {
        sim.users[u].next_at = 0.0;
        sim.schedule_next_arrival(u as u32);
    }
    for l in 0..sim.lbs.len() {
        if sim.lbs[l].checks && sim.lbs[l].interval_us < sim.duration_us {
            let t = sim.lbs[l].interval_us;
            sim.schedule(t, What::LbCheck(l as u32));
        }
    }
    for x in 0..sim.dnss.len() {
        let t = sim.dnss[x].check_us;
        if t > 0 && t < sim.duration_us {
            sim.schedule(t, What::DnsCheck(x as u32));
        }
    }
    Ok(sim)
}
