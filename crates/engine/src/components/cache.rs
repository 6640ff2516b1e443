//! Cache: keeps recently used keys in memory in front of a database. Its hit rate
//! emerges per key from the key stream, its capacity, TTL and eviction policy. With
//! cache-aside the caller fills it after a miss; read-through loads misses from the
//! database itself; refresh-ahead also reloads hot keys shortly before they expire.
//! Writes invalidate the key.

use crate::catalog::{choice, choice_enum, float, int, ParamMap, ParamSpec, Reader, Size, SIZE};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::sim::build::BuildCx;
use crate::sim::flow::pick;
use crate::sim::keycache::{Eviction, KeyCache, Lookup};
use crate::sim::{Frame, NodeSetup, Simulation, F_FILL, F_HIT, REQUEST_KINDS};

choice_enum! {
    /// Which key leaves a full cache.
    pub(crate) enum EvictionPolicy {
        Lru = "lru" : "Least recently used (LRU)",
        Lfu = "lfu" : "Least frequently used (LFU)",
        Fifo = "fifo" : "Oldest first (FIFO)",
    }
}

choice_enum! {
    /// Who loads a missed key.
    pub(crate) enum Strategy {
        CacheAside = "cache_aside" : "Cache-aside",
        ReadThrough = "read_through" : "Read-through",
        RefreshAhead = "refresh_ahead" : "Refresh-ahead",
    }
}

const PARAMS: &[ParamSpec] = &[
    SIZE,
    int("capacity", "Capacity", "keys", "How many keys fit; when full, the eviction policy picks a victim.", 1, 1_000_000, 1000),
    float("ttl_s", "TTL", "s", "How long an entry stays valid; 0 keeps it until evicted.", 0.0, 86_400.0, 60.0),
    choice("eviction", "Eviction", "Which key leaves when the cache is full: the least recently used, the least frequently used since it entered the cache, or the oldest.", EvictionPolicy::OPTIONS, "lru"),
    choice("strategy", "Strategy", "Cache-aside: the server checks the cache and fills it after a miss. Read-through: the cache loads misses from the database itself. Refresh-ahead: read-through that reloads hot keys before they expire.", Strategy::OPTIONS, "cache_aside"),
    int("max_queue", "Queue limit", "requests", "Requests that may wait for a free worker.", 1, 100_000, 1000),
];

/// Typed settings of a cache.
pub(crate) struct Params {
    pub size: Size,
    pub capacity: u32,
    pub ttl_s: f64,
    pub eviction: EvictionPolicy,
    pub strategy: Strategy,
    pub max_queue: u32,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            size: p.size(),
            capacity: p.int("capacity"),
            ttl_s: p.num("ttl_s"),
            eviction: EvictionPolicy::from_key(p.choice("eviction")).unwrap_or(EvictionPolicy::Lru),
            strategy: Strategy::from_key(p.choice("strategy")).unwrap_or(Strategy::CacheAside),
            max_queue: p.int("max_queue"),
        }
    }
}

/// Phases of a cache's frame.
#[repr(u8)]
enum Phase {
    /// Loading a missed key from the database (read-through).
    Load = 1,
    /// An internal refresh of a hot key (refresh-ahead).
    Refresh = 9,
}

/// A cache during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    store: KeyCache,
    strategy: Strategy,
    /// One node per database service it loads from.
    dbs: Vec<u32>,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "cache",
        label: "Cache",
        glyph: "C",
        color: "#ef4444",
        description: "Keeps recently used data in memory so most reads never reach the database.",
        id_prefix: "cache",
        params: PARAMS,
        roles: &[Role::Cache],
        calls: &[Role::Database],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        let strategy = Params::parse(&cx.node.params).strategy;
        if strategy != Strategy::CacheAside && !cx.calls(Role::Database) {
            let label = Strategy::OPTIONS[strategy as usize].label;
            out.push(cx.error(format!(
                "{} uses {label} but has no database to load from; connect it to a database.",
                cx.name()
            )));
        }
    }

    /// An index word per key of the key space, and the entries it holds.
    fn memory_bytes(params: &ParamMap, budget: &crate::budget::Budget) -> u64 {
        budget.keys * 4 + Params::parse(params).capacity as u64 * 40
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        let p = Params::parse(params);
        [15.0, 35.0, 85.0, 210.0][p.size.step()] + p.capacity as f64 * 0.0005
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let eviction = match p.eviction {
            EvictionPolicy::Lru => Eviction::Lru,
            EvictionPolicy::Lfu => Eviction::Lfu,
            EvictionPolicy::Fifo => Eviction::Fifo,
        };
        let state = State {
            store: KeyCache::new(eviction, p.capacity, (p.ttl_s * 1e6) as u64, cx.keys),
            strategy: p.strategy,
            dbs: cx.groups_offering(i, Role::Database),
        };
        let setup = NodeSetup::server(
            8 * p.size.concurrency_factor(),
            p.max_queue,
            [300.0 * p.size.speed_factor(); REQUEST_KINDS],
        );
        (setup, state)
    }

    /// Looks the key up. A hit answers at once; a miss either asks the caller to fill
    /// the cache (cache-aside) or loads the key from the database first.
    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        let key = sim.reqs[r as usize].key;
        let now = sim.now;
        let cache = sim.state_mut::<State>(node);
        match cache.store.get(key, now) {
            Lookup::Hit { remaining_us } => {
                let ttl = cache.store.ttl_us();
                let refresh = cache.strategy == Strategy::RefreshAhead
                    && ttl > 0
                    && remaining_us < ttl / 4
                    && !cache.dbs.is_empty()
                    && cache.store.start_refresh(key);
                let req = &mut sim.reqs[r as usize];
                req.flags = (req.flags | F_HIT) & !F_FILL;
                if refresh {
                    spawn_refresh(sim, node, key);
                }
                sim.respond(r);
            }
            Lookup::Miss => {
                let aside = cache.strategy == Strategy::CacheAside;
                let no_db = cache.dbs.is_empty();
                let db = if no_db { 0 } else { pick(&cache.dbs, key) };
                let req = &mut sim.reqs[r as usize];
                req.flags &= !(F_HIT | F_FILL);
                if aside {
                    req.flags |= F_FILL;
                }
                if aside || no_db {
                    sim.respond(r);
                } else {
                    let target = dispatch!(sim.nodes[db as usize].kind, route_read(sim, db, r));
                    sim.set_phase(r, Phase::Load as u8);
                    sim.send(r, target);
                }
            }
        }
    }

    /// The database answered a load or a refresh: keep the key.
    fn on_return(sim: &mut Simulation, r: u32, node: u32, frame: Frame) {
        let key = sim.reqs[r as usize].key;
        let now = sim.now;
        sim.state_mut::<State>(node).store.insert(key, now);
        if frame.phase == Phase::Refresh as u8 {
            sim.release(r);
        } else {
            sim.respond(r);
        }
    }

    fn fill(sim: &mut Simulation, node: u32, key: u32) {
        let now = sim.now;
        sim.state_mut::<State>(node).store.insert(key, now);
    }

    fn invalidate(sim: &mut Simulation, node: u32, key: u32) {
        sim.state_mut::<State>(node).store.invalidate(key);
    }

    fn on_internal_end(sim: &mut Simulation, node: u32, key: u32) {
        sim.state_mut::<State>(node).store.end_refresh(key);
    }

    fn lookups(sim: &Simulation, node: u32) -> Option<(u64, u64)> {
        let store = &sim.state::<State>(node).store;
        Some((store.hits, store.misses))
    }
}

/// Refresh-ahead: a background read that renews a hot key before it expires. It is
/// real database load but no user waits for it, so it is not counted as a request.
fn spawn_refresh(sim: &mut Simulation, node: u32, key: u32) {
    let Some(r) = sim.new_internal(node, Phase::Refresh as u8, key) else {
        sim.state_mut::<State>(node).store.end_refresh(key);
        return;
    };
    let db = pick(&sim.state::<State>(node).dbs, key);
    let target = dispatch!(sim.nodes[db as usize].kind, route_read(sim, db, r));
    sim.send(r, target);
}
