//! Web server: runs the application with a fixed number of workers per instance (the
//! rest of the requests wait in a bounded queue). After its own work it calls what it is
//! wired to: the session store, then a cache or the database for reads (filling a
//! cache-aside cache after a miss), the database for writes (invalidating the cache),
//! and object storage for files. Uploads and background jobs leave work to do: with a
//! message queue the server hands it over as a job; without one it does it while the
//! user waits. Without a database it does the database work itself.
//! With sessions in memory, a user whose server died is logged out.

use crate::catalog::{choice, choice_enum, float, int, ParamMap, ParamSpec, Reader, Size, SIZE};
use crate::components::autoscale::{self, Autoscaler, Decision, Settings};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::scenario::RequestKind;
use crate::sim::build::BuildCx;
use crate::sim::flow::pick;
use crate::sim::{Frame, NodeSetup, Simulation, F_FILL, F_HIT, NONE, REQUEST_KINDS};
use crate::trace::Cause;

/// Mean service time in ms of a small web server per request kind, for the
/// application's own work.
const WEB_MS: [f64; REQUEST_KINDS] = [10.0, 5.0, 8.0, 1.0, 30.0, 3.0];
/// Extra work a web server does when it has no database and keeps the data itself.
const EMBEDDED_DB_MS: [f64; REQUEST_KINDS] = [6.0, 3.0, 6.0, 0.0, 2.0, 0.0];

choice_enum! {
    /// Where a web server keeps user logins.
    pub(crate) enum Sessions {
        InMemory = "in_memory" : "In server memory",
        Store = "store" : "In a session store",
    }
}

const PARAMS: &[ParamSpec] = &[
    SIZE,
    int("instances", "Instances", "instances", "Identical copies of this server sharing its queue (the starting number with autoscaling).", 1, 100, 1),
    choice("sessions", "Sessions", "In server memory keeps logins on this server (lost when it dies); in a session store keeps them in a shared store any server can read.", Sessions::OPTIONS, "in_memory"),
    int("max_queue", "Queue limit", "requests", "Requests that may wait for a free worker; beyond that they are refused.", 1, 10_000, 200),
    int("workers", "Workers per instance", "", "Requests one instance serves at once; 0 follows the size: 4, 8, 16 or 32.", 0, 1024, 0),
    float("service_ms", "Work per request", "ms", "Mean time one request keeps a worker busy; 0 follows the size and request type.", 0.0, 60_000.0, 0.0),
    autoscale::ENABLED,
    autoscale::MIN,
    autoscale::MAX,
    int("target_utilisation", "Target busy share", "%", "Autoscaling adds instances when the servers are busier than this, and removes them when quieter.", 10, 95, 60),
    autoscale::INTERVAL,
    autoscale::WARMUP,
];

/// Monthly price of one instance by size.
const PRICE: [f64; 4] = [20.0, 50.0, 130.0, 340.0];

/// The timers of a web server.
const CHECK: u32 = 0;
const WARM: u32 = 1;

/// Typed settings of a web server.
pub(crate) struct Params {
    pub size: Size,
    pub instances: u32,
    pub sessions: Sessions,
    pub max_queue: u32,
    pub workers: u32,
    pub service_ms: f64,
    pub autoscale: Settings,
    pub target_utilisation: f64,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            size: p.size(),
            instances: p.int("instances").max(1),
            sessions: Sessions::from_key(p.choice("sessions")).unwrap_or(Sessions::InMemory),
            max_queue: p.int("max_queue"),
            workers: p.int("workers"),
            service_ms: p.num("service_ms"),
            autoscale: Settings::read(&p),
            target_utilisation: p.num("target_utilisation") / 100.0,
        }
    }
}

/// Phases of a web server's frame: what it is waiting for.
#[repr(u8)]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Start = 0,
    Session = 1,
    Cache = 2,
    DbRead = 3,
    DbWrite = 4,
    Storage = 5,
    Enqueue = 6,
}

impl Phase {
    fn of(x: u8) -> Phase {
        match x {
            1 => Phase::Session,
            2 => Phase::Cache,
            3 => Phase::DbRead,
            4 => Phase::DbWrite,
            5 => Phase::Storage,
            6 => Phase::Enqueue,
            _ => Phase::Start,
        }
    }
}

/// A web server during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    stateful: bool,
    session_store: u32,
    caches: Vec<u32>,
    /// One node per database service it reads and writes (directly or behind its
    /// cache); the database routes each query within its service.
    dbs: Vec<u32>,
    storage: u32,
    /// The message queue it hands background work to.
    queue: u32,
    per_instance: u32,
    price: f64,
    target_utilisation: f64,
    scaler: Autoscaler,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "web_server",
        label: "Web server",
        glyph: "WEB",
        color: "#10b981",
        description: "Runs your application: a fixed number of workers handle requests, the rest wait in a queue.",
        id_prefix: "web",
        params: PARAMS,
        roles: &[Role::EntryPoint, Role::AppServer, Role::Origin],
        calls: &[
            Role::SessionStore,
            Role::Cache,
            Role::Database,
            Role::ObjectStore,
            Role::Queue,
        ],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        let p = Params::parse(&cx.node.params);
        p.autoscale.validate(cx, p.instances, out);
        let sessions = p.sessions;
        if sessions == Sessions::Store && !cx.calls(Role::SessionStore) {
            out.push(cx.error(format!(
                "{} keeps sessions in a store, but no session store is connected.",
                cx.name()
            )));
        }
        if sessions == Sessions::InMemory && cx.calls(Role::SessionStore) {
            out.push(cx.warning(format!(
                "{} keeps sessions in memory, so its session store is unused; set Sessions to a session store.",
                cx.name()
            )));
        }
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        let p = Params::parse(params);
        PRICE[p.size.step()] * p.instances as f64
    }

    fn keeps_sessions_locally(params: &ParamMap) -> bool {
        Params::parse(params).sessions == Sessions::InMemory
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let caches = cx.succ_offering(i, Role::Cache);
        let mut dbs = cx.groups_offering(i, Role::Database);
        if dbs.is_empty() {
            // Wired web → cache → database, the server still reads and writes the
            // database behind its cache (cache-aside fills the cache from it), rather
            // than doing the database work itself.
            for &c in &caches {
                dbs.extend(cx.groups_offering(c as usize, Role::Database));
            }
            crate::order::sort_u32(&mut dbs);
            dbs.dedup();
        }
        let per_instance = match p.workers {
            0 => 4 * p.size.concurrency_factor(),
            w => w,
        };
        let queue = cx.first_offering(i, Role::Queue);
        let mut svc_us = [0.0; REQUEST_KINDS];
        for (k, svc) in svc_us.iter_mut().enumerate() {
            *svc = if p.service_ms > 0.0 {
                p.service_ms * 1000.0
            } else {
                let embedded = if dbs.is_empty() { EMBEDDED_DB_MS[k] } else { 0.0 };
                (WEB_MS[k] + embedded) * p.size.speed_factor() * 1000.0
            };
            if queue == NONE && leaves_a_job(RequestKind::ALL[k]) {
                // No queue: the background work is done here, while the user waits.
                *svc += cx.s.job_ms * p.size.speed_factor() * 1000.0;
            }
        }
        let state = State {
            stateful: p.sessions == Sessions::InMemory,
            session_store: cx.first_offering(i, Role::SessionStore),
            caches,
            dbs,
            storage: cx.first_offering(i, Role::ObjectStore),
            queue,
            per_instance,
            price: PRICE[p.size.step()],
            target_utilisation: p.target_utilisation,
            scaler: Autoscaler::new(p.autoscale, p.instances),
        };
        let workers = per_instance * state.scaler.active();
        (NodeSetup::server(workers, p.max_queue, svc_us), state)
    }

    fn start(sim: &mut Simulation, node: u32) {
        let s = sim.state::<State>(node).scaler.settings;
        if s.enabled && s.interval_us < sim.duration_us {
            sim.schedule_tick(s.interval_us, node, CHECK);
        }
    }

    /// Autoscaling: every check, aim the busy share over the last interval at the
    /// target; new instances take work after their warm-up.
    fn on_tick(sim: &mut Simulation, node: u32, token: u32) {
        let now = sim.now;
        if token == WARM {
            if sim.state_mut::<State>(node).scaler.warm_up(now) > 0 {
                resize(sim, node);
            }
            return;
        }
        let (util_area, _) = sim.nodes[node as usize].areas_at(now);
        let web = sim.state_mut::<State>(node);
        let interval = web.scaler.settings.interval_us;
        let utilisation = (util_area - web.scaler.last_util_area) / interval as f64;
        web.scaler.last_util_area = util_area;
        let desired = autoscale::instances_for_utilisation(
            web.scaler.active(),
            utilisation,
            web.target_utilisation,
        );
        match web.scaler.decide(now, desired) {
            Decision::Started(_, ready) => sim.schedule_tick(ready, node, WARM),
            Decision::Stopped(_) => resize(sim, node),
            Decision::Keep => {}
        }
        if now + interval < sim.duration_us {
            sim.schedule_tick(now + interval, node, CHECK);
        }
    }

    fn instances(sim: &Simulation, node: u32) -> Option<(u32, u32)> {
        let s = &sim.state::<State>(node).scaler;
        Some((s.active(), s.max_seen()))
    }

    fn run_cost(sim: &Simulation, node: u32) -> Option<f64> {
        let web = sim.state::<State>(node);
        web.scaler
            .settings
            .enabled
            .then(|| web.price * web.scaler.average_paid(sim.now))
    }

    /// With sessions in memory, the server that holds a user's login must still be the
    /// one that logged them in: if it died since, the user is logged out.
    fn on_arrive(sim: &mut Simulation, r: u32, node: u32) -> bool {
        let (kind, user) = {
            let req = &sim.reqs[r as usize];
            (req.kind, req.user as usize)
        };
        if !sim.state::<State>(node).stateful || kind == RequestKind::StaticAsset {
            return true;
        }
        let client = sim.clients[user];
        if client.sess_node != NONE
            && sim.nodes[client.sess_node as usize].epoch != client.sess_epoch
        {
            sim.clients[user].sess_node = NONE;
            sim.record_logged_out();
            sim.nodes[client.sess_node as usize].failed += 1;
            sim.fail_uncounted_at(r, Cause::SessionLost);
            return false;
        }
        let epoch = sim.nodes[node as usize].epoch;
        sim.clients[user].sess_node = node;
        sim.clients[user].sess_epoch = epoch;
        true
    }

    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        step(sim, r, node, Phase::Start);
    }

    fn on_return(sim: &mut Simulation, r: u32, node: u32, frame: Frame) {
        step(sim, r, node, Phase::of(frame.phase));
    }
}

/// The next step of a request after the server's own work or after a call returned.
fn step(sim: &mut Simulation, r: u32, node: u32, phase: Phase) {
    let (key, kind, flags) = {
        let req = &sim.reqs[r as usize];
        (req.key, req.kind, req.flags)
    };
    let web = sim.state::<State>(node);
    let cache = if web.caches.is_empty() {
        NONE
    } else {
        pick(&web.caches, key)
    };
    let db = if web.dbs.is_empty() {
        NONE
    } else {
        pick(&web.dbs, key)
    };
    match phase {
        Phase::Start => {
            if !web.stateful && kind != RequestKind::StaticAsset && web.session_store != NONE {
                let store = web.session_store;
                call(sim, r, Phase::Session, store);
            } else {
                work_on_data(sim, r, node, cache, db);
            }
        }
        Phase::Session => work_on_data(sim, r, node, cache, db),
        Phase::Cache => {
            let hit = flags & F_HIT != 0;
            let fill_asked = flags & F_FILL != 0;
            if !hit && fill_asked && db != NONE {
                let target = route_read(sim, db, r);
                call(sim, r, Phase::DbRead, target);
            } else {
                if !hit && fill_asked {
                    // No database: the server worked the answer out itself, and
                    // cache-aside stores it for next time.
                    dispatch!(sim.nodes[cache as usize].kind, fill(sim, cache, key));
                }
                sim.respond(r);
            }
        }
        Phase::DbRead => {
            if cache != NONE && flags & F_FILL != 0 {
                dispatch!(sim.nodes[cache as usize].kind, fill(sim, cache, key));
            }
            sim.respond(r);
        }
        Phase::DbWrite => {
            if cache != NONE {
                dispatch!(sim.nodes[cache as usize].kind, invalidate(sim, cache, key));
            }
            sim.respond(r);
        }
        Phase::Storage => hand_over_job(sim, r, node),
        Phase::Enqueue => sim.respond(r),
    }
}

/// Workers follow the number of instances taking work.
fn resize(sim: &mut Simulation, node: u32) {
    let web = sim.state::<State>(node);
    let workers = web.per_instance * web.scaler.active();
    sim.set_workers(node, workers);
}

/// Whether a request of this kind leaves background work to do.
fn leaves_a_job(kind: RequestKind) -> bool {
    matches!(kind, RequestKind::Upload | RequestKind::BackgroundJob)
}

/// Hands the request's background work to the message queue (which answers quickly),
/// or answers the user when there is none (the work was done in the service time).
fn hand_over_job(sim: &mut Simulation, r: u32, node: u32) {
    let queue = sim.state::<State>(node).queue;
    if queue != NONE && leaves_a_job(sim.reqs[r as usize].kind) {
        call(sim, r, Phase::Enqueue, queue);
    } else {
        sim.respond(r);
    }
}

fn work_on_data(sim: &mut Simulation, r: u32, node: u32, cache: u32, db: u32) {
    let (kind, key) = {
        let req = &sim.reqs[r as usize];
        (req.kind, req.key)
    };
    match kind {
        RequestKind::PageRead | RequestKind::ApiRead => {
            if cache != NONE {
                call(sim, r, Phase::Cache, cache);
            } else if db != NONE {
                let target = route_read(sim, db, r);
                call(sim, r, Phase::DbRead, target);
            } else {
                sim.respond(r);
            }
        }
        RequestKind::Write => {
            if db != NONE {
                let target = dispatch!(sim.nodes[db as usize].kind, route_write(sim, db, r));
                call(sim, r, Phase::DbWrite, target);
            } else {
                if cache != NONE {
                    dispatch!(sim.nodes[cache as usize].kind, invalidate(sim, cache, key));
                }
                sim.respond(r);
            }
        }
        RequestKind::StaticAsset | RequestKind::Upload => {
            let storage = sim.state::<State>(node).storage;
            if storage != NONE {
                call(sim, r, Phase::Storage, storage);
            } else {
                hand_over_job(sim, r, node);
            }
        }
        RequestKind::BackgroundJob => hand_over_job(sim, r, node),
    }
}

/// The node of the database service `db` that answers the read of request `r`.
fn route_read(sim: &mut Simulation, db: u32, r: u32) -> u32 {
    dispatch!(sim.nodes[db as usize].kind, route_read(sim, db, r))
}

fn call(sim: &mut Simulation, r: u32, phase: Phase, to: u32) {
    sim.set_phase(r, phase as u8);
    sim.send(r, to);
}
