//! Sharded database: the data split across several databases (shards) by a shard key,
//! the user id or the request key, mapped to a shard by modulo (`key % shards`) or by
//! consistent hashing (a ring of virtual nodes). The component on the canvas is a small
//! router; each shard is a part of it (a runtime node of its own: a database with its
//! own workers and queue, down whenever the router is). Callers send each query
//! straight to the shard that owns its key (`route_read` / `route_write`). A share of
//! reads are cross-shard queries: they go to the router, which asks every shard in turn
//! (a sequential scatter-gather, so the query pays every shard's time) and answers after
//! the last one.
//!
//! A scheduled resharding switches routing to the new mapping at once, counts the keys
//! whose shard changed and copies them at the resharding speed as internal requests (a
//! read at the old shard, then a write at the new one) until every moved key is copied:
//! modulo moves most keys, consistent hashing only those the new shards take over, so
//! its copying is shorter and lighter. Reads of a key not yet copied are answered by
//! its new shard as if it were there (the model counts the copy work, not stale reads).

use std::collections::{BTreeMap, VecDeque};

use crate::catalog::{choice, choice_enum, float, int, ParamMap, ParamSpec, Reader, Size, SIZES};
use crate::components::{Component, Extras, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::format::fixed;
use crate::metrics::ShardMetrics;
use crate::scenario::{Action, RequestKind, Scenario, MAX_KEYS, MAX_SHARDS};
use crate::sim::build::BuildCx;
use crate::sim::{Frame, NodeSetup, Simulation, F_INTERNAL, REQUEST_KINDS};

/// Mean query time in ms of a small SQL shard per request kind (a database's).
const SQL_MS: [f64; REQUEST_KINDS] = [6.0, 3.0, 6.0, 1.0, 2.0, 3.0];
/// NoSQL: faster simple reads and writes, slower join-heavy page reads (a database's).
const NOSQL_MS: [f64; REQUEST_KINDS] = [7.8, 1.8, 3.6, 1.0, 1.2, 1.8];
/// Monthly price of one shard per size: a database's.
const SHARD_PRICES: [f64; 4] = [30.0, 75.0, 190.0, 480.0];
/// The router's work per cross-shard query, in µs (it only forwards).
const ROUTER_US: f64 = 100.0;
/// Below this many virtual nodes per shard, consistent hashing shares keys unevenly.
const FEW_VNODES: u32 = 16;
/// Keys are hashed onto the ring with this salt (its top bit keeps every ring point's
/// input, `shard << 32 | vnode`, apart from every key's).
const RING_SALT: u64 = 0xD1B5_4A32_D192_ED03;

choice_enum! {
    /// What decides which shard a request's data lives on.
    pub(crate) enum ShardKey {
        UserId = "user_id" : "User id",
        Key = "key" : "Request key",
    }
}

choice_enum! {
    /// How a shard key is mapped to a shard.
    pub(crate) enum Strategy {
        Modulo = "modulo" : "Modulo (key mod shards)",
        Consistent = "consistent" : "Consistent hashing",
    }
}

choice_enum! {
    /// The database engine of every shard.
    pub(crate) enum Engine {
        Sql = "sql" : "Relational (SQL)",
        NoSql = "nosql" : "NoSQL",
    }
}

const PARAMS: &[ParamSpec] = &[
    int("shards", "Shards", "", "How many databases share the data; each keeps the keys mapped to it and serves their queries.", 1, MAX_SHARDS as i64, 4),
    choice("shard_key", "Shard key", "What decides where a request's data lives: the user who sends it, or the data key it reads or writes. A very popular key (a celebrity) sends all its traffic to one shard.", ShardKey::OPTIONS, "user_id"),
    choice("strategy", "Strategy", "Modulo puts key k on shard k mod shards: even, but changing the number of shards moves most keys. Consistent hashing places shards at points on a ring and each key on the next point: adding a shard only moves the keys it takes over.", Strategy::OPTIONS, "modulo"),
    int("vnodes", "Virtual nodes per shard", "", "Consistent hashing only: points each shard has on the ring. More points share the keys more evenly (each shard's share varies by about 1/√points).", 1, 512, 64),
    choice("size", "Size of each shard", "Each shard is a database of this size: bigger ones handle more queries at once but cost more than proportionally.", SIZES, "small"),
    choice("engine", "Engine", "Relational (SQL) handles joins well; NoSQL is faster for simple key reads and writes.", Engine::OPTIONS, "sql"),
    float("cross_shard_share", "Cross-shard reads", "", "Share of reads (0 to 1) that need data from every shard, such as a join or a search: they ask each shard in turn, so they are slower and load every shard.", 0.0, 1.0, 0.0),
    int("reshard_keys_per_s", "Resharding speed", "keys/s", "While resharding, keys copied per second from their old shard to their new one; each copy is a read and a write on the shards.", 1, 100_000, 500),
    int("max_queue", "Queue limit", "requests", "Queries that may wait for a free connection at each shard.", 1, 100_000, 500),
];

/// Typed settings of a sharded database.
pub(crate) struct Params {
    pub shards: u32,
    pub shard_key: ShardKey,
    pub strategy: Strategy,
    pub vnodes: u32,
    pub size: Size,
    pub engine: Engine,
    pub cross_shard_share: f64,
    pub reshard_keys_per_s: u32,
    pub max_queue: u32,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            shards: p.int("shards").clamp(1, MAX_SHARDS),
            shard_key: ShardKey::from_key(p.choice("shard_key")).unwrap_or(ShardKey::UserId),
            strategy: Strategy::from_key(p.choice("strategy")).unwrap_or(Strategy::Modulo),
            vnodes: p.int("vnodes").max(1),
            size: p.size(),
            engine: Engine::from_key(p.choice("engine")).unwrap_or(Engine::Sql),
            cross_shard_share: p.num("cross_shard_share"),
            reshard_keys_per_s: p.int("reshard_keys_per_s").max(1),
            max_queue: p.int("max_queue"),
        }
    }
}

/// Phases of the router's frame.
#[repr(u8)]
enum Phase {
    /// A cross-shard read asking every shard in turn; `aux` is the next shard.
    Scatter = 1,
    /// A query that reached the router itself, forwarded to its shard.
    Forward = 2,
    /// A key copy reading at its old shard; `aux` identifies the copy.
    CopyRead = 3,
    /// A key copy writing at its new shard.
    CopyWrite = 4,
}

/// A well-mixed 64-bit hash (the SplitMix64 finaliser).
fn mix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The ring of `shards × vnodes` points: each shard's points do not depend on how many
/// shards there are, so adding a shard only adds its own points.
fn ring(shards: u32, vnodes: u32) -> Vec<(u64, u8)> {
    let mut points: Vec<(u64, u32)> = (0..shards)
        .flat_map(|s| (0..vnodes).map(move |v| (mix64((s as u64) << 32 | v as u64), s)))
        .collect();
    crate::order::sort_pairs(&mut points);
    points.into_iter().map(|(h, s)| (h, s as u8)).collect()
}

/// Which shard owns each key, for every shard count a run uses.
#[derive(Clone, Debug)]
pub(crate) struct Mapping {
    strategy: Strategy,
    vnodes: u32,
    /// Consistent hashing: the ring for each shard count used (empty for the others).
    rings: Vec<Vec<(u64, u8)>>,
}

impl Mapping {
    /// A mapping ready for the shard counts in `counts`.
    pub(crate) fn new(strategy: Strategy, vnodes: u32, counts: &[u32]) -> Mapping {
        let mut m = Mapping {
            strategy,
            vnodes,
            rings: vec![Vec::new(); MAX_SHARDS as usize + 1],
        };
        for &n in counts {
            m.prepare(n);
        }
        m
    }

    /// Makes `owner` ready for `shards` shards (`1..=MAX_SHARDS`).
    pub(crate) fn prepare(&mut self, shards: u32) {
        let n = shards as usize;
        if self.strategy == Strategy::Consistent && self.rings[n].is_empty() {
            self.rings[n] = ring(shards, self.vnodes);
        }
    }

    /// The shard (0-based) that owns `key` among `shards` shards.
    #[inline]
    pub(crate) fn owner(&self, shards: u32, key: u32) -> u32 {
        match self.strategy {
            Strategy::Modulo => key % shards,
            Strategy::Consistent => {
                let ring = &self.rings[shards as usize];
                let h = mix64(key as u64 ^ RING_SALT);
                let i = ring.partition_point(|p| p.0 < h);
                ring[if i == ring.len() { 0 } else { i }].1 as u32
            }
        }
    }

    /// How many of the keys `0..space` change shard going from `from` to `to` shards.
    pub(crate) fn moved(&self, from: u32, to: u32, space: u32) -> u64 {
        (0..space)
            .filter(|&k| self.owner(from, k) != self.owner(to, k))
            .count() as u64
    }
}

/// The keys one resharding still has to look through for copies.
#[derive(Clone, Debug)]
struct CopyJob {
    from: u32,
    to: u32,
    /// The next key to look at.
    cursor: u32,
}

/// The router: the mapping, the resharding under way and the shard-load accounting.
#[derive(Clone, Debug)]
pub(crate) struct Router {
    /// The node of each shard (parts of the router).
    parts: Vec<u32>,
    key: ShardKey,
    map: Mapping,
    /// Shards in use now.
    shards: u32,
    cross_share: f64,
    speed: u64,
    /// Size of the shard key's space (set when the run starts).
    space: u32,
    // Resharding.
    jobs: VecDeque<CopyJob>,
    /// Copies that failed (a shard was down or full), to do again: key, from, to.
    retry: VecDeque<(u32, u8, u8)>,
    /// Copies under way by (key, copy id): from, to.
    in_flight: BTreeMap<(u32, u32), (u8, u8)>,
    next_copy: u32,
    /// Copies are paced from this time, `ticks` ticks so far.
    pace_from_us: u64,
    ticks: u64,
    /// Invalidates the pending copy tick when pacing restarts.
    token: u32,
    ticking: bool,
    /// The run ended with keys still to copy (said once).
    stopped: bool,
    keys_moved: u64,
    keys_copied: u64,
    /// When the copying under way began.
    copy_start_us: u64,
    // Load accounting.
    /// When each shard last came into use, and what it had served then.
    joined_us: Vec<u64>,
    served_at_join: Vec<u64>,
    /// Shard-microseconds in use up to `count_since_us` (for the cost as it ran).
    shard_us: u64,
    count_since_us: u64,
    shard_price: f64,
    /// User queries per shard-key value since the last resharding (when the space is
    /// at most `MAX_KEYS`), each shard's busiest key and its count, and each shard's
    /// user queries since then.
    hits: Vec<u32>,
    hot: Vec<(u32, u32)>,
    user_queries: Vec<u64>,
}

/// A sharded database's node during a run: the router (the diagram node) or a shard.
#[derive(Clone, Debug)]
pub(crate) enum State {
    Router(Box<Router>),
    Shard { router: u32, index: u32 },
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "sharded_database",
        label: "Sharded database",
        glyph: "SH",
        color: "#1d4ed8",
        description: "Splits your data across several databases (shards) by a shard key, so each shard takes only its share of the reads and writes.",
        id_prefix: "shards",
        params: PARAMS,
        roles: &[Role::Database],
        calls: &[],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        let p = Params::parse(&cx.node.params);
        if p.strategy == Strategy::Consistent && p.vnodes < FEW_VNODES && p.shards > 1 {
            let spread = 100.0 / (p.vnodes as f64).sqrt();
            out.push(cx.warning(format!(
                "{} gives each shard only {} virtual node{} on the ring, so shards hold very unequal shares of the keys (about ±{}%); use 64 or more.",
                cx.name(),
                p.vnodes,
                if p.vnodes == 1 { "" } else { "s" },
                fixed(spread, 0)
            )));
        }
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        let p = Params::parse(params);
        SHARD_PRICES[p.size.step()] * p.shards as f64
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let counts: Vec<u32> = std::iter::once(p.shards)
            .chain(reshard_targets(cx.s, &cx.d.nodes[i].id))
            .collect();
        let parts_needed = counts.iter().copied().max().unwrap_or(1);
        let table = match p.engine {
            Engine::NoSql => NOSQL_MS,
            Engine::Sql => SQL_MS,
        };
        let mut svc_us = [0.0; REQUEST_KINDS];
        for (svc, ms) in svc_us.iter_mut().zip(table) {
            *svc = ms * p.size.speed_factor() * 1000.0;
        }
        let shard = NodeSetup::server(8 * p.size.concurrency_factor(), p.max_queue, svc_us);
        let parts = (0..parts_needed)
            .map(|index| {
                let state = State::Shard {
                    router: i as u32,
                    index,
                };
                cx.add_child(i, shard, state.into())
            })
            .collect();
        let n = parts_needed as usize;
        let router = Router {
            parts,
            key: p.shard_key,
            map: Mapping::new(p.strategy, p.vnodes, &counts),
            shards: p.shards,
            cross_share: p.cross_shard_share,
            speed: p.reshard_keys_per_s as u64,
            space: 0,
            jobs: VecDeque::new(),
            retry: VecDeque::new(),
            in_flight: BTreeMap::new(),
            next_copy: 0,
            pace_from_us: 0,
            ticks: 0,
            token: 0,
            ticking: false,
            stopped: false,
            keys_moved: 0,
            keys_copied: 0,
            copy_start_us: 0,
            joined_us: vec![0; n],
            served_at_join: vec![0; n],
            shard_us: 0,
            count_since_us: 0,
            shard_price: SHARD_PRICES[p.size.step()],
            hits: Vec::new(),
            hot: vec![(0, 0); n],
            user_queries: vec![0; n],
        };
        (NodeSetup::managed(ROUTER_US), State::Router(Box::new(router)))
    }

    /// Learns the size of the shard key's space (users are known once every node is
    /// built).
    fn start(sim: &mut Simulation, node: u32) {
        let clients = sim.clients.len() as u32;
        let keys = sim.keys;
        if let State::Router(router) = sim.state_mut::<State>(node) {
            router.space = match router.key {
                ShardKey::Key => keys,
                ShardKey::UserId => clients,
            };
            if router.space <= MAX_KEYS {
                router.hits = vec![0; router.space as usize];
            }
        }
    }

    /// A read goes to the shard that owns its key, or, with the cross-shard share's
    /// probability, to the router, which asks every shard (the draw is made only when
    /// that share is above zero).
    fn route_read(sim: &mut Simulation, node: u32, r: u32) -> u32 {
        let share = router(sim, node).cross_share;
        if share > 0.0 && sim.rng.next_f64() < share {
            return node;
        }
        owner_part(sim, node, r)
    }

    fn route_write(sim: &mut Simulation, node: u32, r: u32) -> u32 {
        owner_part(sim, node, r)
    }

    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        match *sim.state::<State>(node) {
            State::Shard { router: owner, index } => {
                let req = &sim.reqs[r as usize];
                let (write, user, key, flags) = (req.kind.is_write(), req.user, req.key, req.flags);
                if flags & F_INTERNAL == 0 {
                    let rt = router_mut(sim, owner);
                    let k = shard_key(rt, user, key, flags);
                    note_user_query(rt, index, k);
                }
                sim.record_db_query(write);
                sim.respond(r);
            }
            State::Router(_) => {
                if sim.reqs[r as usize].kind.is_write() {
                    // Only reached by a caller that did not route its write: forward it.
                    let part = owner_part(sim, node, r);
                    sim.set_phase(r, Phase::Forward as u8);
                    sim.send(r, part);
                } else {
                    // A cross-shard read: every shard in turn, from the first.
                    let first = router(sim, node).parts[0];
                    let top = sim.reqs[r as usize].top_mut();
                    top.phase = Phase::Scatter as u8;
                    top.aux = 1;
                    sim.send(r, first);
                }
            }
        }
    }

    fn on_return(sim: &mut Simulation, r: u32, node: u32, frame: Frame) {
        match frame.phase {
            p if p == Phase::Scatter as u8 => {
                let rt = router(sim, node);
                if frame.aux < rt.shards {
                    let next = rt.parts[frame.aux as usize];
                    sim.reqs[r as usize].top_mut().aux = frame.aux + 1;
                    sim.send(r, next);
                } else {
                    sim.respond(r);
                }
            }
            p if p == Phase::CopyRead as u8 => {
                let key = sim.reqs[r as usize].key;
                let rt = router(sim, node);
                let Some(&(_, to)) = rt.in_flight.get(&(key, frame.aux)) else {
                    sim.release(r);
                    return;
                };
                let target = rt.parts[to as usize];
                sim.reqs[r as usize].kind = RequestKind::Write;
                sim.set_phase(r, Phase::CopyWrite as u8);
                sim.send(r, target);
            }
            p if p == Phase::CopyWrite as u8 => {
                let key = sim.reqs[r as usize].key;
                let rt = router_mut(sim, node);
                rt.in_flight.remove(&(key, frame.aux));
                rt.keys_copied += 1;
                sim.release(r);
                finish_if_done(sim, node);
            }
            _ => sim.respond(r),
        }
    }

    /// A copy failed (a shard was down or its queue full): copy that key again later.
    fn on_internal_end(sim: &mut Simulation, node: u32, key: u32) {
        let rt = router_mut(sim, node);
        let found = rt
            .in_flight
            .range((key, 0)..=(key, u32::MAX))
            .next()
            .map(|(k, v)| (*k, *v));
        if let Some((k, (from, to))) = found {
            rt.in_flight.remove(&k);
            rt.retry.push_back((key, from, to));
            if !rt.ticking {
                start_pacing(sim, node);
            }
        }
    }

    /// The next key copy is due.
    fn on_tick(sim: &mut Simulation, node: u32, token: u32) {
        let rt = router_mut(sim, node);
        if token != rt.token || !rt.ticking {
            return;
        }
        rt.ticks += 1;
        if sim.nodes[node as usize].up() {
            issue_copy(sim, node);
        }
        schedule_copy(sim, node);
    }

    fn reshards() -> bool {
        true
    }

    fn on_reshard(sim: &mut Simulation, node: u32, shards: u32) -> bool {
        let now = sim.now;
        let id = sim.ids[node as usize].clone();
        let (from, prepared) = {
            let rt = router(sim, node);
            (rt.shards, rt.parts.len())
        };
        if shards == 0 || shards as usize > prepared {
            sim.mark(format!(
                "{id} cannot reshard to {shards} shards: this run prepared {prepared}"
            ));
            return false;
        }
        let newcomers: Vec<(usize, u64)> = (from..shards)
            .map(|s| {
                let part = router(sim, node).parts[s as usize];
                (s as usize, sim.nodes[part as usize].served)
            })
            .collect();
        let rt = router_mut(sim, node);
        rt.map.prepare(shards);
        let moved = rt.map.moved(from, shards, rt.space);
        rt.shard_us += rt.shards as u64 * now.saturating_sub(rt.count_since_us);
        rt.count_since_us = now;
        for (s, served) in newcomers {
            rt.joined_us[s] = now;
            rt.served_at_join[s] = served;
        }
        rt.shards = shards;
        rt.keys_moved += moved;
        // Keys changed shards: which keys are hot on which shard starts over.
        rt.hits.iter_mut().for_each(|h| *h = 0);
        rt.hot.iter_mut().for_each(|h| *h = (0, 0));
        rt.user_queries.iter_mut().for_each(|q| *q = 0);
        if moved > 0 {
            if rt.jobs.is_empty() && rt.retry.is_empty() && rt.in_flight.is_empty() {
                rt.copy_start_us = now;
            }
            rt.jobs.push_back(CopyJob {
                from,
                to: shards,
                cursor: 0,
            });
        }
        let (space, ticking) = (rt.space, rt.ticking);
        sim.mark(format!(
            "resharding {id} from {from} to {shards} shards moves {} of {} keys",
            crate::format::thousands(moved as f64),
            crate::format::thousands(space as f64)
        ));
        if moved > 0 && !ticking {
            start_pacing(sim, node);
        }
        true
    }

    fn run_cost(sim: &Simulation, node: u32) -> Option<f64> {
        let rt = router(sim, node);
        let t = sim.now.min(sim.duration_us);
        let until = t.max(rt.count_since_us);
        let shard_us = rt.shard_us + rt.shards as u64 * (until - rt.count_since_us);
        let mean = if until > 0 {
            shard_us as f64 / until as f64
        } else {
            rt.shards as f64
        };
        Some(rt.shard_price * mean)
    }

    fn part_label(sim: &Simulation, part: u32) -> Option<String> {
        match *sim.state::<State>(part) {
            State::Shard { router: r, index } => Some(if index < router(sim, r).shards {
                format!("Shard {}", index + 1)
            } else {
                format!("Shard {} (not in use)", index + 1)
            }),
            State::Router(_) => None,
        }
    }

    fn extras(sim: &Simulation, node: u32) -> Extras {
        match sim.state::<State>(node) {
            State::Router(rt) => Extras {
                shards: Some(shard_metrics(sim, rt)),
                ..Extras::default()
            },
            State::Shard { .. } => Extras::default(),
        }
    }
}

fn router(sim: &Simulation, node: u32) -> &Router {
    match sim.state::<State>(node) {
        State::Router(rt) => rt,
        State::Shard { .. } => unreachable!("callers reach a sharded database by its router"),
    }
}

fn router_mut(sim: &mut Simulation, node: u32) -> &mut Router {
    match sim.state_mut::<State>(node) {
        State::Router(rt) => rt,
        State::Shard { .. } => unreachable!("callers reach a sharded database by its router"),
    }
}

/// The value that decides a request's shard: its user id or its key (internal requests,
/// which have no user, go by their key).
#[inline]
fn shard_key(rt: &Router, user: u32, key: u32, flags: u8) -> u32 {
    match rt.key {
        ShardKey::UserId if flags & F_INTERNAL == 0 => user,
        _ => key,
    }
}

/// The shard node that owns request `r`'s shard key now.
#[inline]
fn owner_part(sim: &Simulation, node: u32, r: u32) -> u32 {
    let rt = router(sim, node);
    let req = &sim.reqs[r as usize];
    let k = shard_key(rt, req.user, req.key, req.flags);
    rt.parts[rt.map.owner(rt.shards, k) as usize]
}

/// Counts a user query of shard key `k` on shard `index` (for the hot-key figures); a
/// key's own count only grows on the shard that owns it (a cross-shard read visits the
/// others too).
#[inline]
fn note_user_query(rt: &mut Router, index: u32, k: u32) {
    let s = index as usize;
    rt.user_queries[s] += 1;
    if rt.hits.is_empty() || rt.map.owner(rt.shards, k) != index {
        return;
    }
    if let Some(h) = rt.hits.get_mut(k as usize) {
        *h = h.saturating_add(1);
        if *h > rt.hot[s].1 {
            rt.hot[s] = (k, *h);
        }
    }
}

/// The shard counts the scenario's reshardings of node `id` ask for (clamped to what a
/// run can prepare), in time order.
pub(crate) fn reshard_targets<'a>(s: &'a Scenario, id: &'a str) -> impl Iterator<Item = u32> + 'a {
    s.events.iter().filter_map(move |e| match &e.action {
        Action::Reshard { node, shards } if node == id => Some((*shards).clamp(1, MAX_SHARDS)),
        _ => None,
    })
}

/// Starts (or restarts) pacing copies at the resharding speed from now.
fn start_pacing(sim: &mut Simulation, node: u32) {
    let now = sim.now;
    let rt = router_mut(sim, node);
    rt.token = rt.token.wrapping_add(1);
    rt.pace_from_us = now;
    rt.ticks = 0;
    rt.ticking = true;
    schedule_copy(sim, node);
}

/// Schedules the next copy tick while keys remain to copy; copying stops with the run.
fn schedule_copy(sim: &mut Simulation, node: u32) {
    let duration = sim.duration_us;
    let rt = router_mut(sim, node);
    if rt.jobs.is_empty() && rt.retry.is_empty() {
        rt.ticking = false;
        return;
    }
    let at = rt.pace_from_us + (rt.ticks + 1) * 1_000_000 / rt.speed;
    if at > duration {
        rt.ticking = false;
        if !std::mem::replace(&mut rt.stopped, true) {
            let left = rt.keys_moved - rt.keys_copied;
            let id = sim.ids[node as usize].clone();
            sim.mark(format!(
                "the run ended while {id} was resharding: {left} moved keys not copied yet"
            ));
        }
        return;
    }
    let token = rt.token;
    sim.schedule_tick(at, node, token);
}

/// The next key to copy: a failed copy first, then the next moved key of the oldest
/// resharding.
fn next_copy(rt: &mut Router) -> Option<(u32, u8, u8)> {
    if let Some(x) = rt.retry.pop_front() {
        return Some(x);
    }
    while let Some(job) = rt.jobs.front_mut() {
        while job.cursor < rt.space {
            let k = job.cursor;
            job.cursor += 1;
            let (a, b) = (rt.map.owner(job.from, k), rt.map.owner(job.to, k));
            if a != b {
                return Some((k, a as u8, b as u8));
            }
        }
        rt.jobs.pop_front();
    }
    None
}

/// Starts copying one moved key: an internal read at its old shard.
fn issue_copy(sim: &mut Simulation, node: u32) {
    let Some((key, from, to)) = next_copy(router_mut(sim, node)) else {
        return;
    };
    let Some(r) = sim.new_internal(node, Phase::CopyRead as u8, key) else {
        router_mut(sim, node).retry.push_front((key, from, to));
        return;
    };
    let rt = router_mut(sim, node);
    let id = rt.next_copy;
    rt.next_copy = rt.next_copy.wrapping_add(1);
    rt.in_flight.insert((key, id), (from, to));
    let source = rt.parts[from as usize];
    sim.reqs[r as usize].top_mut().aux = id;
    sim.send(r, source);
}

/// Marks the end of a resharding's copying once every moved key is copied.
fn finish_if_done(sim: &mut Simulation, node: u32) {
    let now = sim.now;
    let rt = router(sim, node);
    if rt.jobs.is_empty() && rt.retry.is_empty() && rt.in_flight.is_empty() {
        let secs = (now - rt.copy_start_us) as f64 / 1e6;
        let text = format!(
            "{} finished resharding: {} copied in {} s",
            sim.ids[node as usize],
            crate::format::count_of(rt.keys_copied, "moved key", "moved keys"),
            fixed(secs, 1)
        );
        sim.mark(text);
    }
}

/// The sharded database's own figures: shards, resharding progress and shard load.
fn shard_metrics(sim: &Simulation, rt: &Router) -> ShardMetrics {
    let now = sim.now;
    // Load: queries served per second since the shard came into use, among the shards
    // in use for at least a second.
    let loads: Vec<(u32, f64)> = (0..rt.shards)
        .filter(|&s| now.saturating_sub(rt.joined_us[s as usize]) >= 1_000_000)
        .map(|s| {
            let i = s as usize;
            let served = sim.nodes[rt.parts[i] as usize].served - rt.served_at_join[i];
            let secs = (now - rt.joined_us[i]) as f64 / 1e6;
            (s, served.max(1) as f64 / secs)
        })
        .collect();
    let hot = loads.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
    let cold = loads.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
    let (hot_key, hot_key_share) = match hot {
        Some((s, _)) if rt.hot[s as usize].1 > 0 => {
            let (k, n) = rt.hot[s as usize];
            (Some(k), n as f64 / rt.user_queries[s as usize].max(1) as f64)
        }
        _ => (None, 0.0),
    };
    ShardMetrics {
        shards: rt.shards,
        shard_key: rt.key.key().to_string(),
        strategy: rt.map.strategy.key().to_string(),
        keys: rt.space as u64,
        keys_moved: rt.keys_moved,
        keys_copied: rt.keys_copied,
        keys_to_copy: rt.keys_moved - rt.keys_copied,
        imbalance: hot.zip(cold).map(|(h, c)| h.1 / c.1),
        hot_shard: hot.map(|h| h.0 + 1),
        cold_shard: cold.map(|c| c.0 + 1),
        hot_key,
        hot_key_share,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ParamValue;
    use crate::components::Kind;

    #[test]
    fn modulo_moves_exactly_the_keys_whose_remainder_changes() {
        let m = Mapping::new(Strategy::Modulo, 1, &[4, 5]);
        assert_eq!(m.owner(4, 13), 1);
        assert_eq!(m.owner(5, 13), 3);
        // k % 4 == k % 5 exactly when k % 20 < 4: 4 keys in 20 stay.
        assert_eq!(m.moved(4, 5, 20), 16);
        assert_eq!(m.moved(4, 5, 10_000), 8_000);
        let brute = (0..997u32).filter(|k| k % 3 != k % 7).count() as u64;
        assert_eq!(m.moved(3, 7, 997), brute);
        assert_eq!(m.moved(4, 4, 997), 0);
    }

    #[test]
    fn consistent_hashing_only_moves_keys_to_the_new_shard() {
        let m = Mapping::new(Strategy::Consistent, 64, &[4, 5]);
        let space = 20_000;
        let mut moved = 0;
        for k in 0..space {
            let (a, b) = (m.owner(4, k), m.owner(5, k));
            assert!(a < 4 && b < 5);
            if a != b {
                // Adding shard 5 only adds its points: a key moves only onto it.
                assert_eq!(b, 4, "key {k}");
                moved += 1;
            }
        }
        assert_eq!(m.moved(4, 5, space), moved);
        // Shrinking back moves the same keys.
        assert_eq!(m.moved(5, 4, space), moved);
        let share = moved as f64 / space as f64;
        // The new shard's share of a ring of 5 × 64 random points is Beta(64, 256):
        // 0.2 ± 0.022 (one standard deviation); three of them is the bound.
        assert!((share - 0.2).abs() < 0.067, "{share}");
    }

    #[test]
    fn a_small_ring_agrees_with_a_hand_count() {
        // Two shards with one point each: the keys between the points go to the later.
        let m = Mapping::new(Strategy::Consistent, 1, &[2]);
        let r = ring(2, 1);
        for k in 0..500u32 {
            let h = mix64(k as u64 ^ RING_SALT);
            let expect = if h <= r[0].0 || h > r[1].0 { r[0].1 } else { r[1].1 };
            assert_eq!(m.owner(2, k), expect as u32);
        }
    }

    #[test]
    fn more_virtual_nodes_share_keys_more_evenly() {
        let spread = |v: u32| {
            let m = Mapping::new(Strategy::Consistent, v, &[8]);
            let mut counts = [0u32; 8];
            for k in 0..80_000 {
                counts[m.owner(8, k) as usize] += 1;
            }
            let max = *counts.iter().max().unwrap() as f64;
            let min = *counts.iter().min().unwrap() as f64;
            max / min
        };
        let (one, sixty_four, many) = (spread(1), spread(64), spread(512));
        assert!(one > 2.0, "{one}");
        assert!(sixty_four < 1.6 && many < 1.2, "{sixty_four} {many}");
        assert!(many < sixty_four && sixty_four < one);
    }

    #[test]
    fn price_is_a_database_of_that_size_per_shard() {
        for size in ["small", "medium", "large", "xlarge"] {
            let mut db = ParamMap::new();
            db.insert("size".into(), ParamValue::Text(size.into()));
            let mut sh = db.clone();
            sh.insert("shards".into(), ParamValue::Num(6.0));
            assert_eq!(
                Kind::ShardedDatabase.monthly_cost(&sh),
                6.0 * Kind::Database.monthly_cost(&db)
            );
        }
    }

    #[test]
    fn few_virtual_nodes_are_warned_about() {
        let mut d = crate::diagram::Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let w = d.add_node(Kind::WebServer, 0.0, 0.0);
        let s = d.add_node(Kind::ShardedDatabase, 0.0, 0.0);
        d.connect(&u, &w).unwrap();
        d.connect(&w, &s).unwrap();
        assert!(d.validate().is_empty(), "{:#?}", d.validate());
        d.set_param(&s, "strategy", ParamValue::Text("consistent".into()))
            .unwrap();
        d.set_param(&s, "vnodes", ParamValue::Num(4.0)).unwrap();
        let f = d.validate();
        assert!(
            f.len() == 1 && f[0].message.contains("virtual nodes"),
            "{f:#?}"
        );
    }
}
