//! Message queue: takes background work from web servers and answers them at once; the
//! work becomes a job that waits here (up to the queue's maximum depth; beyond it the
//! hand-over fails) until a worker pool it is wired to has a free worker. A durable
//! queue keeps its jobs when it goes down; one that is not loses them. A job whose
//! worker dies is handed out again.

use std::collections::VecDeque;

use crate::catalog::{flag, int, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::sim::build::BuildCx;
use crate::sim::{NodeSetup, Simulation, F_JOB};
use crate::trace::Cause;

const PARAMS: &[ParamSpec] = &[
    int(
        "max_depth",
        "Maximum depth",
        "jobs",
        "Jobs that may wait; when it is full, handing over a new one fails.",
        1,
        1_000_000,
        10_000,
    ),
    flag(
        "durable",
        "Durable",
        "Keep waiting jobs on disk, so they survive the queue going down (slightly dearer).",
        true,
    ),
];

/// Typed settings of a message queue.
pub(crate) struct Params {
    pub max_depth: u32,
    pub durable: bool,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            max_depth: p.int("max_depth").max(1),
            durable: p.flag("durable"),
        }
    }
}

/// A message queue during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    /// Waiting jobs (request slot, generation), oldest first.
    backlog: VecDeque<(u32, u32)>,
    /// The worker pools it hands jobs to.
    consumers: Vec<u32>,
    rr: usize,
    max_depth: u32,
    durable: bool,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "message_queue",
        label: "Message queue",
        glyph: "MQ",
        color: "#d946ef",
        description: "Holds background work as jobs until a worker is free, so users get an answer at once.",
        id_prefix: "queue",
        params: PARAMS,
        roles: &[Role::Queue],
        calls: &[Role::Workers],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        if !cx.calls(Role::Workers) {
            out.push(cx.warning(format!(
                "{} has no worker pool: its jobs will only pile up; connect it to a worker pool.",
                cx.name()
            )));
        }
    }

    /// A full backlog.
    fn memory_bytes(params: &ParamMap, _budget: &crate::budget::Budget) -> u64 {
        Params::parse(params).max_depth as u64 * 16
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        if Params::parse(params).durable {
            25.0
        } else {
            15.0
        }
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let state = State {
            backlog: VecDeque::new(),
            consumers: cx.succ_offering(i, Role::Workers),
            rr: 0,
            max_depth: p.max_depth,
            durable: p.durable,
        };
        // Accepting a job takes half a millisecond.
        (NodeSetup::managed(500.0), state)
    }

    /// A producer hands over background work: it becomes a job, and the producer gets
    /// its answer at once (or a failure when the queue is full).
    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        let (kind, key) = {
            let req = &sim.reqs[r as usize];
            (req.kind, req.key)
        };
        let q = sim.state::<State>(node);
        if q.backlog.len() >= q.max_depth as usize {
            sim.record_job_rejected();
            sim.fail(r, Cause::QueueFull, node);
            return;
        }
        match sim.new_job(node, kind, key) {
            Some(job) => {
                let gen = sim.reqs[job as usize].gen;
                sim.state_mut::<State>(node).backlog.push_back((job, gen));
                sim.respond(r);
                pump(sim, node);
            }
            None => {
                sim.record_job_rejected();
                sim.fail(r, Cause::Overloaded, node);
            }
        }
    }

    fn pump(sim: &mut Simulation, node: u32) {
        pump(sim, node);
    }

    /// A job's worker died: hand it out again (from the front), unless the queue is
    /// down and kept nothing.
    fn on_job_failed(sim: &mut Simulation, node: u32, r: u32) {
        let q = sim.state::<State>(node);
        if !sim.nodes[node as usize].up() && !q.durable {
            sim.lose_job(r);
            return;
        }
        let req = &mut sim.reqs[r as usize];
        debug_assert!(req.flags & F_JOB != 0);
        req.depth = 1;
        let gen = req.gen;
        sim.state_mut::<State>(node).backlog.push_front((r, gen));
        pump(sim, node);
    }

    /// A queue that is not durable loses what was waiting.
    fn on_down(sim: &mut Simulation, node: u32) {
        if sim.state::<State>(node).durable {
            return;
        }
        let lost: Vec<(u32, u32)> = sim.state_mut::<State>(node).backlog.drain(..).collect();
        if !lost.is_empty() {
            let text = format!(
                "{} lost {} (it is not durable)",
                sim.ids[node as usize],
                crate::format::count_of(lost.len() as u64, "waiting job", "waiting jobs")
            );
            sim.mark(text);
        }
        for (r, gen) in lost {
            if sim.reqs[r as usize].gen == gen {
                sim.lose_job(r);
            }
        }
    }

    fn on_up(sim: &mut Simulation, node: u32) {
        pump(sim, node);
    }

    fn backlog(sim: &Simulation, node: u32) -> Option<(u64, u64)> {
        let q = sim.state::<State>(node);
        let oldest = q
            .backlog
            .front()
            .map(|&(r, _)| sim.reqs[r as usize].start)
            .unwrap_or(0);
        Some((q.backlog.len() as u64, oldest))
    }
}

/// Hands waiting jobs to worker pools with a free worker, taking turns among them.
fn pump(sim: &mut Simulation, node: u32) {
    if !sim.nodes[node as usize].up() {
        return;
    }
    let n = sim.state::<State>(node).consumers.len();
    while !sim.state::<State>(node).backlog.is_empty() {
        let start = sim.state::<State>(node).rr;
        let free = (0..n).map(|k| (start + k) % n).find(|&k| {
            let pool = sim.state::<State>(node).consumers[k];
            dispatch!(sim.nodes[pool as usize].kind, job_slots(sim, pool)) > 0
        });
        let Some(k) = free else { break };
        let pool = sim.state::<State>(node).consumers[k];
        let q = sim.state_mut::<State>(node);
        q.rr = (k + 1) % n;
        let Some((job, gen)) = q.backlog.pop_front() else {
            break;
        };
        if sim.reqs[job as usize].gen != gen {
            continue;
        }
        dispatch!(sim.nodes[pool as usize].kind, on_job_sent(sim, pool));
        sim.send(job, pool);
    }
}
