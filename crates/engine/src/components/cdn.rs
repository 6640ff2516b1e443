//! CDN: edge locations in every region keep copies of static assets close to users.
//! A static asset is served from the user's nearest edge; a miss is fetched from the
//! origin (object storage, a web server, a load balancer or an API gateway) nearest
//! that edge that is up, and kept for its TTL. Other requests pass through to that
//! origin. A managed service answering from the edge.

use crate::catalog::{float, int, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::region::Region;
use crate::scenario::RequestKind;
use crate::sim::build::BuildCx;
use crate::sim::flow::pick;
use crate::sim::keycache::{Eviction, KeyCache, Lookup};
use crate::sim::{Frame, NodeSetup, Simulation, F_HIT, NONE};
use crate::trace::Cause;

const PARAMS: &[ParamSpec] = &[
    int(
        "capacity",
        "Capacity per edge",
        "objects",
        "Objects each edge location keeps.",
        1,
        1_000_000,
        10_000,
    ),
    float(
        "ttl_s",
        "TTL",
        "s",
        "How long an edge serves an object before fetching it again.",
        0.0,
        604_800.0,
        3600.0,
    ),
];

/// Typed settings of a CDN.
pub(crate) struct Params {
    pub capacity: u32,
    pub ttl_s: f64,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            capacity: p.int("capacity"),
            ttl_s: p.num("ttl_s"),
        }
    }
}

/// Size of one static asset, for egress.
const OBJECT_KB: f64 = 20.0;
/// Price of data sent from the edges to users, per GB.
const EGRESS_PER_GB: f64 = 0.005;
/// Seconds in a 30-day month.
const MONTH_S: f64 = 2_592_000.0;

/// Monthly price of the edges alone.
fn base_cost(capacity: u32) -> f64 {
    20.0 + capacity as f64 * 0.001
}

/// Phases of a CDN's frame.
#[repr(u8)]
enum Phase {
    /// Fetching a missed static asset from the origin.
    Fill = 1,
    /// Passing a dynamic request through to the origin.
    Pass = 2,
}

/// A CDN during a run: one edge cache per region, created on first use.
#[derive(Clone, Debug)]
pub(crate) struct State {
    edges: Vec<Option<KeyCache>>,
    capacity: u32,
    ttl_us: u64,
    origins: Vec<u32>,
    /// Per region, the origins with their latency from that region's edge, nearest
    /// first (equal latencies in wiring order); filled when the run starts.
    nearest: Vec<Vec<(u32, u64)>>,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "cdn",
        label: "CDN",
        glyph: "CDN",
        color: "#06b6d4",
        description: "Edge servers around the world that keep copies of static files close to users.",
        id_prefix: "cdn",
        params: PARAMS,
        roles: &[Role::Edge],
        calls: &[Role::Origin],
        placement: Placement::Edge,
        self_managed: false,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        if cx.succ.is_empty() {
            out.push(cx.error(format!(
                "{} has no origin to fetch from on a miss; connect it to object storage or a web server.",
                cx.name()
            )));
        }
    }

    /// One edge cache per region, each like a cache.
    fn memory_bytes(params: &ParamMap, budget: &crate::budget::Budget) -> u64 {
        let edge = budget.keys * 4 + Params::parse(params).capacity as u64 * 40;
        edge * Region::ALL.len() as u64
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        base_cost(Params::parse(params).capacity)
    }

    /// The edges plus egress: every asset sent to a user, at the run's rate for a month.
    fn run_cost(sim: &Simulation, node: u32) -> Option<f64> {
        let (hits, misses) = Self::lookups(sim, node)?;
        let elapsed_s = sim.now.min(sim.duration_us) as f64 / 1e6;
        let per_s = if elapsed_s > 0.0 {
            (hits + misses) as f64 / elapsed_s
        } else {
            0.0
        };
        let gb = per_s * MONTH_S * OBJECT_KB / 1e6;
        Some(base_cost(sim.state::<State>(node).capacity) + gb * EGRESS_PER_GB)
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let state = State {
            edges: vec![None; Region::ALL.len()],
            capacity: p.capacity,
            ttl_us: (p.ttl_s * 1e6) as u64,
            origins: cx.succ_offering(i, Role::Origin),
            nearest: Vec::new(),
        };
        (NodeSetup::managed(500.0), state)
    }

    fn start(sim: &mut Simulation, node: u32) {
        let nearest = (0..Region::ALL.len())
            .map(|region| {
                let edge = sim.loc(node, region as u8);
                let mut by_latency: Vec<(u32, u64)> = sim
                    .state::<State>(node)
                    .origins
                    .iter()
                    .map(|&o| (o, sim.loc_latency(edge, sim.loc(o, region as u8))))
                    .collect();
                // Stable: equal latencies keep the wiring order.
                crate::order::sort_by_key(&mut by_latency, |&(_, latency)| latency);
                by_latency
            })
            .collect();
        sim.state_mut::<State>(node).nearest = nearest;
    }

    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        let (key, region, kind) = {
            let req = &sim.reqs[r as usize];
            (req.key, req.region as usize, req.kind)
        };
        let keys = sim.keys;
        let now = sim.now;
        let origin = choose_origin(sim, node, region, key);
        if origin == NONE {
            sim.fail(r, Cause::NoRoute, node);
            return;
        }
        if kind != RequestKind::StaticAsset {
            sim.set_phase(r, Phase::Pass as u8);
            sim.send(r, origin);
            return;
        }
        let cdn = sim.state_mut::<State>(node);
        let (capacity, ttl) = (cdn.capacity, cdn.ttl_us);
        let edge = cdn.edges[region]
            .get_or_insert_with(|| KeyCache::new(Eviction::Lru, capacity, ttl, keys));
        match edge.get(key, now) {
            Lookup::Hit { .. } => {
                sim.reqs[r as usize].flags |= F_HIT;
                sim.respond(r);
            }
            Lookup::Miss => {
                sim.reqs[r as usize].flags &= !F_HIT;
                sim.set_phase(r, Phase::Fill as u8);
                sim.send(r, origin);
            }
        }
    }

    fn on_return(sim: &mut Simulation, r: u32, node: u32, frame: Frame) {
        if frame.phase == Phase::Fill as u8 {
            let (key, region) = {
                let req = &sim.reqs[r as usize];
                (req.key, req.region as usize)
            };
            let now = sim.now;
            if let Some(edge) = sim.state_mut::<State>(node).edges[region].as_mut() {
                edge.insert(key, now);
            }
        }
        sim.respond(r);
    }

    fn lookups(sim: &Simulation, node: u32) -> Option<(u64, u64)> {
        Some(
            sim.state::<State>(node)
                .edges
                .iter()
                .flatten()
                .fold((0, 0), |(h, m), e| (h + e.hits, m + e.misses)),
        )
    }
}

/// The origin a request from `region` about `key` goes to: the nearest origin that is
/// up, from that region's edge; among origins equally near, a stable pick by key. When
/// none is up, the nearest (the request fails there); `NONE` when the CDN has none.
fn choose_origin(sim: &Simulation, node: u32, region: usize, key: u32) -> u32 {
    let nearest = &sim.state::<State>(node).nearest[region];
    let Some(&(first, _)) = nearest.first() else {
        return NONE;
    };
    let up = |&(o, _): &(u32, u64)| sim.nodes[o as usize].up();
    // Nearest first: look at a group of equally near origins at a time, and take the
    // first group with one up.
    let mut from = 0;
    while from < nearest.len() {
        let l = nearest[from].1;
        let to = from + nearest[from..].iter().take_while(|o| o.1 == l).count();
        let group = &nearest[from..to];
        let live = group.iter().filter(|o| up(o)).count();
        if live == group.len() {
            return pick(group, key).0;
        }
        if live > 0 {
            let nth = (key % live as u32) as usize;
            return group.iter().filter(|o| up(o)).nth(nth).map_or(NONE, |o| o.0);
        }
        from = to;
    }
    first
}
