//! Worker pool: instances of a worker program that take jobs from the message queues
//! wired to them, one job per worker at a time, each taking the scenario's work per job
//! (faster on bigger machines). With autoscaling, the pool grows when jobs wait and
//! shrinks when they do not.

use crate::catalog::{float, int, ParamMap, ParamSpec, Reader, Size, SIZE};
use crate::components::autoscale::{self, Autoscaler, Decision, Settings};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::sim::build::BuildCx;
use crate::sim::{NodeSetup, Simulation, REQUEST_KINDS};

const PARAMS: &[ParamSpec] = &[
    SIZE,
    int("instances", "Instances", "instances", "Copies of the worker program (the starting number with autoscaling).", 1, 100, 2),
    int("workers", "Workers per instance", "", "Jobs one instance works on at once; 0 follows the size: 2, 4, 8 or 16.", 0, 256, 0),
    autoscale::ENABLED,
    autoscale::MIN,
    autoscale::MAX,
    float("target_backlog", "Target waiting jobs per worker", "jobs", "Autoscaling adds instances when more jobs than this wait per worker.", 0.1, 1000.0, 2.0),
    autoscale::INTERVAL,
    autoscale::WARMUP,
];

/// Typed settings of a worker pool.
pub(crate) struct Params {
    pub size: Size,
    pub instances: u32,
    pub workers: u32,
    pub autoscale: Settings,
    pub target_backlog: f64,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            size: p.size(),
            instances: p.int("instances").max(1),
            workers: p.int("workers"),
            autoscale: Settings::read(&p),
            target_backlog: p.num("target_backlog"),
        }
    }

    fn per_instance(&self) -> u32 {
        match self.workers {
            0 => 2 * self.size.concurrency_factor(),
            w => w,
        }
    }
}

/// Monthly price of one instance by size.
const PRICE: [f64; 4] = [15.0, 40.0, 100.0, 260.0];

/// The timers of a worker pool.
const CHECK: u32 = 0;
const WARM: u32 = 1;

/// A worker pool during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    /// Jobs on their way here, for which a worker is kept.
    reserved: u32,
    /// The queues it takes jobs from.
    sources: Vec<u32>,
    per_instance: u32,
    price: f64,
    target_backlog: f64,
    scaler: Autoscaler,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "worker_pool",
        label: "Worker pool",
        glyph: "WK",
        color: "#14b8a6",
        description: "Workers that take jobs from a message queue and do the slow work in the background.",
        id_prefix: "workers",
        params: PARAMS,
        roles: &[Role::Workers],
        calls: &[],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        let p = Params::parse(&cx.node.params);
        p.autoscale.validate(cx, p.instances, out);
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        let p = Params::parse(params);
        PRICE[p.size.step()] * p.instances as f64
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let scaler = Autoscaler::new(p.autoscale, p.instances);
        let per_instance = p.per_instance();
        let job_us = cx.s.job_ms * p.size.speed_factor() * 1000.0;
        let state = State {
            reserved: 0,
            sources: cx.pred_offering(i, Role::Queue),
            per_instance,
            price: PRICE[p.size.step()],
            target_backlog: p.target_backlog,
            scaler,
        };
        let workers = per_instance * state.scaler.active();
        // Jobs only come when a worker is free; the queue is a safety net for when
        // autoscaling removes workers that a job was already sent to.
        (
            NodeSetup::server(workers, 1_000_000, [job_us; REQUEST_KINDS]),
            state,
        )
    }

    fn start(sim: &mut Simulation, node: u32) {
        let s = sim.state::<State>(node).scaler.settings;
        if s.enabled && s.interval_us < sim.duration_us {
            sim.schedule_tick(s.interval_us, node, CHECK);
        }
    }

    fn on_arrive(sim: &mut Simulation, _r: u32, node: u32) -> bool {
        let pool = sim.state_mut::<State>(node);
        pool.reserved = pool.reserved.saturating_sub(1);
        true
    }

    /// A job is done: it ends here, and the worker takes the next waiting one.
    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        sim.complete_job(r);
        pump_sources(sim, node);
    }

    fn job_slots(sim: &Simulation, node: u32) -> u32 {
        let n = &sim.nodes[node as usize];
        if !n.up() {
            return 0;
        }
        n.workers
            .saturating_sub(n.busy + n.queue.len() as u32 + sim.state::<State>(node).reserved)
    }

    fn on_job_sent(sim: &mut Simulation, node: u32) {
        sim.state_mut::<State>(node).reserved += 1;
    }

    fn on_down(sim: &mut Simulation, node: u32) {
        sim.state_mut::<State>(node).reserved = 0;
    }

    fn on_up(sim: &mut Simulation, node: u32) {
        pump_sources(sim, node);
    }

    fn on_tick(sim: &mut Simulation, node: u32, token: u32) {
        let now = sim.now;
        if token == WARM {
            if sim.state_mut::<State>(node).scaler.warm_up(now) > 0 {
                resize(sim, node);
                pump_sources(sim, node);
            }
            return;
        }
        // Target tracking on waiting jobs: enough workers for the jobs being worked on
        // plus one per `target_backlog` waiting jobs.
        let waiting: u64 = sim
            .state::<State>(node)
            .sources
            .clone()
            .into_iter()
            .filter_map(|q| dispatch!(sim.nodes[q as usize].kind, backlog(sim, q)))
            .map(|(len, _)| len)
            .sum();
        let pool = sim.state::<State>(node);
        let busy = sim.nodes[node as usize].busy as f64;
        let wanted_workers = busy + waiting as f64 / pool.target_backlog;
        let desired = libm::ceil(wanted_workers / pool.per_instance as f64) as u32;
        match sim.state_mut::<State>(node).scaler.decide(now, desired) {
            Decision::Started(_, ready) => sim.schedule_tick(ready, node, WARM),
            Decision::Stopped(_) => resize(sim, node),
            Decision::Keep => {}
        }
        let next = now + sim.state::<State>(node).scaler.settings.interval_us;
        if next < sim.duration_us {
            sim.schedule_tick(next, node, CHECK);
        }
    }

    fn instances(sim: &Simulation, node: u32) -> Option<(u32, u32)> {
        let s = &sim.state::<State>(node).scaler;
        Some((s.active(), s.max_seen()))
    }

    fn run_cost(sim: &Simulation, node: u32) -> Option<f64> {
        let pool = sim.state::<State>(node);
        pool.scaler
            .settings
            .enabled
            .then(|| pool.price * pool.scaler.average_paid(sim.now))
    }
}

/// Workers follow the number of instances taking work.
fn resize(sim: &mut Simulation, node: u32) {
    let pool = sim.state::<State>(node);
    let workers = pool.per_instance * pool.scaler.active();
    sim.set_workers(node, workers);
}

/// Asks every queue this pool takes jobs from to hand out what it can.
fn pump_sources(sim: &mut Simulation, node: u32) {
    for k in 0..sim.state::<State>(node).sources.len() {
        let q = sim.state::<State>(node).sources[k];
        dispatch!(sim.nodes[q as usize].kind, pump(sim, q));
    }
}
