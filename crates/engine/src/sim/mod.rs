//! The discrete-event simulation core: integer microsecond time, a monotone queue of
//! one-word events ordered by time (equal times in the order they were scheduled), one
//! seeded generator, and every request pushed hop by hop through the diagram. The core
//! knows requests, nodes as servers with workers and a queue, network hops, failures
//! and metrics; what a node does with a request is its component's business
//! (`components/`), reached through [`dispatch!`]. The browser drives a run slice by slice with [`Simulation::advance`];
//! goal checks call [`run_to_end`].

pub(crate) mod build;
pub(crate) mod flow;
pub(crate) mod keycache;
mod queue;

use std::collections::VecDeque;

use crate::components::{dispatch, Kind, State, StateOf};
use crate::diagram::Diagram;
use crate::finding::Finding;
use crate::metrics::{
    Acc, Business, JobAcc, Marker, Metrics, NodeMetrics, NodePoint, NodeSeries, PartMetrics,
    SecondPoint, WindowMetrics,
};
use crate::rng::{Rng, Zipf};
use crate::scenario::{Action, RequestKind, Scenario};
use crate::trace::{Cause, Hop, Trace};

use queue::EventQueue;

/// Deepest call chain a request may build (users → CDN → LB → web → cache → database is 6).
pub(crate) const MAX_DEPTH: usize = 8;
const _: () = assert!(MAX_DEPTH.is_power_of_two());
/// Most requests in flight at once; beyond it new requests are refused.
pub const MAX_IN_FLIGHT: usize = 1 << 18;
/// Most finished traces kept between two `take_traces` calls.
pub const MAX_TRACES: usize = 4096;
/// Most traces being recorded at once.
const MAX_ACTIVE_TRACES: usize = 8192;
/// What [`Simulation::snapshot_with`] includes besides the totals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotOptions {
    /// The global per-second series.
    pub series: bool,
    /// Every node's per-second series.
    pub node_series: bool,
}

impl Default for SnapshotOptions {
    fn default() -> Self {
        SnapshotOptions {
            series: true,
            node_series: true,
        }
    }
}

/// The memory proxy: what one request held costs, and one key kept in memory.
const MB_PER_REQUEST: f64 = 1.0;
const MB_PER_KEY: f64 = 0.001;

/// Most points kept in the per-second series.
pub const MAX_SERIES: usize = 3700;

/// Longest a run goes on after its end to let what is in flight finish: the longest
/// client timeout, so every user's request ends; jobs still queued then stay waiting.
pub const MAX_DRAIN_US: u64 = crate::scenario::MAX_TIMEOUT_MS as u64 * 1000;
/// Most markers kept.
pub const MAX_MARKERS: usize = 1000;
/// Stand-in for "as many workers as needed" (managed services).
pub(crate) const UNLIMITED: u32 = 1_000_000;
/// "No node", "no trace", "no index".
pub(crate) const NONE: u32 = u32::MAX;
/// Number of request kinds (service times are given per kind).
pub(crate) const REQUEST_KINDS: usize = RequestKind::ALL.len();

// Request flags.
pub(crate) const F_LIVE: u8 = 1;
pub(crate) const F_ABANDONED: u8 = 2;
/// The last lookup on the way was answered from memory.
pub(crate) const F_HIT: u8 = 4;
/// An internal request (a cache refreshing a key): real load, but no user waits for it
/// and it is never counted as a request.
pub(crate) const F_INTERNAL: u8 = 8;
/// The cache that missed asks its caller to fill it (cache-aside).
pub(crate) const F_FILL: u8 = 16;
/// A background job: handed to a message queue, done by a worker; no user waits for it
/// and it is counted among jobs, not requests.
pub(crate) const F_JOB: u8 = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum What {
    /// A timer of a node's component (next arrival, health check, promotion).
    Tick(u32, u32),
    /// A request reaches the node on top of its stack.
    Arrive(u32, u32),
    /// The node on top finished serving it.
    Done(u32, u32),
    /// A response reaches the node on top (the caller).
    Return(u32, u32),
    /// A scheduled scenario action (index into `actions`).
    Action(u32),
}

impl What {
    /// The variants' tags in a packed event.
    const TICK: u64 = 0;
    const ARRIVE: u64 = 1;
    const DONE: u64 = 2;
    const RETURN: u64 = 3;
    const ACTION: u64 = 4;

    /// Packs an event into one word for the queue: the variant's tag in the low 8
    /// bits, the first field (an index, below 2^24) in the next 24, the second in the
    /// high 32. [`Simulation::handle`] reads it back.
    #[inline]
    fn pack(self) -> u64 {
        let (tag, a, b) = match self {
            What::Tick(a, b) => (What::TICK, a, b),
            What::Arrive(a, b) => (What::ARRIVE, a, b),
            What::Done(a, b) => (What::DONE, a, b),
            What::Return(a, b) => (What::RETURN, a, b),
            What::Action(a) => (What::ACTION, a, 0),
        };
        debug_assert!(a < 1 << 24);
        tag | (a as u64) << 8 | (b as u64) << 32
    }
}

/// The clients' deadlines, `(time, request, generation)`, in time order (every request
/// gets the same timeout and is created at the current time, so they are pushed in
/// order), with the first one's time at hand for the event loop, which asks for it
/// before every event.
#[derive(Clone, Debug)]
struct Deadlines {
    items: VecDeque<(u64, u32, u32)>,
    /// The time of the first deadline; `u64::MAX` when there is none.
    next: u64,
}

impl Deadlines {
    fn new() -> Self {
        Deadlines {
            items: VecDeque::new(),
            next: u64::MAX,
        }
    }

    #[inline]
    fn push(&mut self, time: u64, r: u32, gen: u32) {
        debug_assert!(self.items.back().is_none_or(|d| d.0 <= time));
        if self.items.is_empty() {
            self.next = time;
        }
        self.items.push_back((time, r, gen));
    }

    /// The time of the first deadline; `u64::MAX` when there is none.
    #[inline]
    fn next_time(&self) -> u64 {
        self.next
    }

    /// Takes the first deadline out (there is one: `next_time` was not `u64::MAX`).
    fn pop(&mut self) -> (u32, u32) {
        let (_, r, gen) = self.items.pop_front().expect("a deadline is pending");
        self.next = self.items.front().map_or(u64::MAX, |d| d.0);
        (r, gen)
    }

    fn clear(&mut self) {
        self.items.clear();
        self.next = u64::MAX;
    }
}

/// One call of a request's stack (12 bytes: a diagram has at most
/// [`crate::diagram::MAX_NODES`] nodes, so a node index fits in a `u16`). `phase` and
/// `aux` belong to the component of `node`; a callee may leave a one-word reply in its
/// frame's `aux`, which the caller reads with [`Simulation::reply`] after the return.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Frame {
    pub node: u16,
    pub phase: u8,
    pub aux: u32,
    pub epoch: u32,
}

const _: () = assert!(crate::diagram::MAX_NODES < u16::MAX as usize);

/// One request in flight: a small header and a fixed-size call stack, laid out so
/// that the header and the first four frames (all of most requests' stack) share
/// the first of its two cache lines.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
pub(crate) struct Req {
    pub gen: u32,
    pub flags: u8,
    pub depth: u8,
    pub region: u8,
    pub kind: RequestKind,
    /// The Users node that created it (`NONE` for internal requests).
    pub users: u32,
    /// The client (user) id.
    pub user: u32,
    pub key: u32,
    pub trace: u32,
    pub frames: [Frame; MAX_DEPTH],
    pub start: u64,
}

const _: () = assert!(std::mem::size_of::<Req>() == 128);

impl Req {
    fn empty() -> Self {
        Req {
            gen: 0,
            flags: 0,
            depth: 0,
            region: 0,
            kind: RequestKind::PageRead,
            users: NONE,
            user: 0,
            key: 0,
            start: 0,
            trace: NONE,
            frames: [Frame::default(); MAX_DEPTH],
        }
    }

    #[inline]
    pub(crate) fn top(&self) -> &Frame {
        &self.frames[Self::top_index(self.depth)]
    }

    #[inline]
    pub(crate) fn top_mut(&mut self) -> &mut Frame {
        &mut self.frames[Self::top_index(self.depth)]
    }

    /// The index of the top frame of a stack `depth` deep (at least 1): masked rather
    /// than checked, since it is read on every event.
    #[inline(always)]
    fn top_index(depth: u8) -> usize {
        debug_assert!(depth >= 1 && depth as usize <= MAX_DEPTH);
        (depth as usize).wrapping_sub(1) & (MAX_DEPTH - 1)
    }
}

/// The generic part of a node: a server with workers and a bounded queue (or a managed
/// service that never queues), its failure state and its counters.
#[derive(Clone, Debug)]
pub(crate) struct NodeRt {
    pub kind: Kind,
    /// The diagram node this runtime node belongs to: itself, or the component that
    /// owns it as a part (a shard of a sharded database).
    pub parent: u32,
    /// Parts of this node (runtime nodes after the diagram's).
    pub children: Vec<u32>,
    /// Down because its parent is.
    pub parent_down: bool,
    /// Location index for latency; edge services (users, DNS, CDN) sit in the user's region.
    pub loc: u16,
    pub edge: bool,
    /// A managed service with unlimited workers: no queue, arrival and service fused.
    pub fast: bool,
    pub workers: u32,
    pub busy: u32,
    pub queue: VecDeque<(u32, u32)>,
    pub queue_cap: u32,
    pub svc_us: [f64; REQUEST_KINDS],
    pub killed: bool,
    /// Killed by a random failure (whose end brings it back), not on purpose.
    pub random_down: bool,
    pub dc_down: bool,
    pub epoch: u32,
    pub served: u64,
    pub failed: u64,
    pub reads: u64,
    pub writes: u64,
    /// The busy-share integral (µs-weighted) up to the last change of `workers`.
    util_area: f64,
    /// Σ busy × µs since the last change of `workers` (exact; divided by `workers`
    /// when read, so the hot path never divides).
    busy_us: u64,
    /// Σ requests held (in service or queued) × µs, exact.
    held_us: u64,
    last_change: u64,
    sec_util_start: f64,
    last_sec_util: f64,
    sec_reads_start: u64,
    sec_writes_start: u64,
    last_sec_reads: u64,
    last_sec_writes: u64,
    /// Lookups counted when the current second began.
    sec_hits_start: u64,
    sec_misses_start: u64,
    /// One point per simulated second (at most `MAX_SERIES`).
    points: Vec<NodePoint>,
}

/// What a component's `build` decides about its node's generic part.
#[derive(Clone, Copy, Debug)]
pub(crate) struct NodeSetup {
    /// Requests served at once ([`UNLIMITED`] for managed services).
    pub workers: u32,
    /// Requests that may wait when every worker is busy.
    pub queue_cap: u32,
    /// Mean service time per request kind, in microseconds.
    pub svc_us: [f64; REQUEST_KINDS],
    /// A managed service that never queues (arrival and service are one event).
    pub fast: bool,
}

impl NodeSetup {
    /// A managed service answering every request kind in `svc_us` on average.
    pub(crate) fn managed(svc_us: f64) -> Self {
        NodeSetup {
            workers: UNLIMITED,
            queue_cap: 0,
            svc_us: [svc_us; REQUEST_KINDS],
            fast: true,
        }
    }

    /// A server with `workers` workers and a queue of `queue_cap`.
    pub(crate) fn server(workers: u32, queue_cap: u32, svc_us: [f64; REQUEST_KINDS]) -> Self {
        NodeSetup {
            workers,
            queue_cap,
            svc_us,
            fast: false,
        }
    }
}

impl NodeRt {
    pub(crate) fn up(&self) -> bool {
        !self.killed && !self.dc_down && !self.parent_down
    }

    /// Brings the busy/queue integrals up to `now`.
    #[inline]
    pub(crate) fn touch(&mut self, now: u64) {
        if now > self.last_change {
            let dt = now - self.last_change;
            if self.busy > 0 || !self.queue.is_empty() {
                self.busy_us += self.busy as u64 * dt;
                self.held_us += (self.busy as u64 + self.queue.len() as u64) * dt;
            }
            self.last_change = now;
        }
    }

    /// Changes how many requests the node serves at once from `now`, closing the
    /// busy-share integral of the old number.
    pub(crate) fn set_workers(&mut self, now: u64, workers: u32) {
        self.touch(now);
        self.util_area = self.util_total();
        self.busy_us = 0;
        self.workers = workers;
    }

    /// The busy-share integral up to the last change (µs-weighted).
    fn util_total(&self) -> f64 {
        self.util_area + self.busy_us as f64 / self.workers.max(1) as f64
    }

    /// The busy-share and requests-held integrals up to `now` (µs-weighted).
    pub(crate) fn areas_at(&self, now: u64) -> (f64, f64) {
        let dt = now.saturating_sub(self.last_change);
        (
            self.util_area
                + (self.busy_us + self.busy as u64 * dt) as f64 / self.workers.max(1) as f64,
            (self.held_us + (self.busy as u64 + self.queue.len() as u64) * dt) as f64,
        )
    }
}

#[derive(Clone, Debug)]
struct DcRt {
    id: String,
    name: String,
    nodes: Vec<u32>,
    down: bool,
}

/// What the simulation remembers about one user's client: the DNS answer it caches and
/// the server holding its login (for servers that keep sessions in memory).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Client {
    pub dns_entry: u32,
    pub dns_expiry: u64,
    pub sess_node: u32,
    pub sess_epoch: u32,
    /// Sent at least one request (for the business numbers).
    pub seen: bool,
}

#[derive(Clone, Debug)]
struct ActiveTrace {
    kind: RequestKind,
    start: u64,
    hops: Vec<Hop>,
}

#[derive(Clone, Debug)]
struct WindowAcc {
    name: String,
    from_us: u64,
    to_us: u64,
    from_s: f64,
    to_s: f64,
    acc: Acc,
    per_kind: Vec<Acc>,
}

/// A running simulation of one diagram under one scenario.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub(crate) ids: Vec<String>,
    pub(crate) nodes: Vec<NodeRt>,
    /// Nodes of the diagram (the runtime nodes after them are parts of components).
    n_diagram: usize,
    /// Each node's component state, in diagram order.
    states: Vec<State>,
    dcs: Vec<DcRt>,
    n_locs: usize,
    pub(crate) region_loc_base: usize,
    pub(crate) lat: Vec<u64>,
    pub(crate) clients: Vec<Client>,
    pub(crate) reqs: Vec<Req>,
    free: Vec<u32>,
    /// Pending events, packed with [`What::pack`].
    heap: EventQueue<u64>,
    deadlines: Deadlines,
    pub(crate) rng: Rng,
    zipf: Option<Zipf>,
    pub(crate) keys: u32,
    mix_cdf: [f64; REQUEST_KINDS],
    timeout_us: u64,
    pub(crate) duration_us: u64,
    pub(crate) now: u64,
    last_event: u64,
    events_processed: u64,
    live: usize,
    total: Acc,
    per_kind: Vec<Acc>,
    second: Acc,
    pub(crate) jobs: JobAcc,
    monitored: bool,
    active_users: u64,
    windows: Vec<WindowAcc>,
    series: Vec<SecondPoint>,
    markers: Vec<Marker>,
    next_second_us: u64,
    finished: bool,
    /// Each diagram node's monthly price from its settings.
    static_cost: Vec<f64>,
    /// Each with whether it is a random failure's.
    actions: Vec<(Action, bool)>,
    trace_every: u32,
    trace_counter: u32,
    active_traces: Vec<ActiveTrace>,
    trace_free: Vec<u32>,
    finished_traces: VecDeque<Trace>,
}

impl Simulation {
    /// Prepares a run; fails with the error findings of the diagram and scenario.
    // Inline, like `build`, so that preparing a run compiles in the calling crate: in the
    // browser that is the app, optimised for size (it runs once per run, not per event).
    #[inline]
    pub fn new(diagram: &Diagram, scenario: &Scenario) -> Result<Simulation, Vec<Finding>> {
        build::build(diagram, scenario)
    }

    /// Current simulated time.
    pub fn now_us(&self) -> u64 {
        self.now
    }

    /// How long users send traffic (what is in flight then is let finish, for at most
    /// [`MAX_DRAIN_US`] more).
    pub fn duration_us(&self) -> u64 {
        self.duration_us
    }

    /// True when traffic has stopped and every request has ended (jobs may still be
    /// waiting when the drain's minute ran out).
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Events handled so far.
    pub fn events_processed(&self) -> u64 {
        self.events_processed
    }

    /// Requests at node `index` now: being served or waiting in its queue.
    pub fn node_in_system(&self, index: usize) -> u64 {
        let n = &self.nodes[index];
        n.busy as u64 + n.queue.len() as u64
    }

    /// Request records in use (users' requests, internal requests and jobs), counted
    /// as records are taken and given back: independent of the outcome counters.
    pub fn records_in_use(&self) -> u64 {
        self.live as u64
    }

    /// Requests currently in flight.
    pub fn in_flight(&self) -> u64 {
        self.total.created - self.total.ok - self.total.failed()
    }

    /// Handles events up to `until_us`, at most `max_events` of them; returns how many
    /// were handled. When all events up to `until_us` are done, the clock moves to
    /// `until_us` (or stops at the end of the run).
    pub fn advance(&mut self, until_us: u64, max_events: u64) -> u64 {
        let mut n = 0u64;
        // The run ends at the latest `MAX_DRAIN_US` after its end: every user's request
        // has ended by then (the longest client timeout); jobs still queued stay waiting.
        let last = self.duration_us + MAX_DRAIN_US;
        while n < max_events && !self.finished {
            let t_heap = self.heap.peek_time();
            let t_dl = self.deadlines.next_time();
            // The run ends when nothing is left to happen before `last`.
            let t_heap = match t_heap {
                Some(t) if t <= last => t,
                // Only events past the drain: the deadlines before it still count.
                Some(_) if t_dl <= last => u64::MAX,
                _ => {
                    self.stop(until_us);
                    return n;
                }
            };
            // A request finishing exactly at its deadline still counts as on time.
            if t_dl < t_heap {
                let t = t_dl;
                if t > until_us {
                    break;
                }
                self.roll_seconds(t);
                self.now = t;
                self.last_event = t;
                let (r, gen) = self.deadlines.pop();
                if self.timeout(r, gen) {
                    n += 1;
                    self.events_processed += 1;
                }
                continue;
            }
            if t_heap > until_us {
                break;
            }
            // Nothing was pushed since the peek (timeouts schedule nothing).
            let (time, what) = self.heap.pop_peeked();
            self.roll_seconds(time);
            self.now = time;
            self.last_event = time;
            self.handle(what);
            n += 1;
            self.events_processed += 1;
        }
        if n < max_events && !self.finished && until_us > self.now {
            self.roll_seconds(until_us);
            self.now = until_us;
        }
        n
    }

    /// Nothing is left to happen before the end of the drain: the run ends once the
    /// clock may reach it (otherwise it moves to `until_us`).
    #[cold]
    #[inline(never)]
    fn stop(&mut self, until_us: u64) {
        // No request is alive: nothing is pending, or only what comes after the drain
        // (every deadline before it was handled). Leftover deadlines are stale.
        self.deadlines.clear();
        let end = self
            .duration_us
            .max(self.last_event.div_ceil(1_000_000) * 1_000_000);
        if until_us >= end {
            self.roll_seconds(end);
            self.now = self.now.max(end);
            self.finished = true;
            let j = &mut self.jobs;
            j.waiting_at_stop = j.created - j.completed - j.lost;
        } else {
            self.roll_seconds(until_us);
            self.now = self.now.max(until_us);
        }
    }

    /// Runs until every request has ended (see [`Simulation::is_finished`]).
    pub fn run_to_end(&mut self) {
        while !self.finished {
            self.advance(u64::MAX, u64::MAX);
        }
    }

    pub(crate) fn node_by_id(&self, id: &str) -> Option<usize> {
        self.ids.iter().position(|x| x == id)
    }

    /// The component state of `node`, as its own kind's type.
    #[inline]
    pub(crate) fn state<T: StateOf>(&self, node: u32) -> &T {
        T::of(&self.states[node as usize])
    }

    /// The component state of `node`, as its own kind's type, to change.
    #[inline]
    pub(crate) fn state_mut<T: StateOf>(&mut self, node: u32) -> &mut T {
        T::of_mut(&mut self.states[node as usize])
    }

    /// Kills a node now, on purpose (by the learner or a scheduled event): the end of a
    /// random failure does not bring it back. False if unknown or already killed.
    pub fn kill_node(&mut self, id: &str) -> bool {
        let Some(i) = self.node_by_id(id) else {
            return false;
        };
        self.nodes[i].random_down = false;
        self.take_down(i, id)
    }

    /// Kills node `i` (whose id is `id`) unless it is killed already.
    fn take_down(&mut self, i: usize, id: &str) -> bool {
        if self.nodes[i].killed {
            return false;
        }
        let was_up = self.nodes[i].up();
        self.nodes[i].killed = true;
        self.mark(format!("{id} was killed"));
        if was_up {
            self.went_down(i as u32);
        }
        true
    }

    /// A random failure of a node starts (`down`) or ends. It takes down only a node
    /// that is not killed already, and its end brings back only a node it took down,
    /// not one killed on purpose meanwhile.
    fn random_failure(&mut self, id: &str, down: bool) {
        let Some(i) = self.node_by_id(id) else {
            return;
        };
        if down {
            if self.take_down(i, id) {
                self.nodes[i].random_down = true;
            }
        } else if self.nodes[i].random_down {
            self.bring_back(i, id);
        }
    }

    /// Spreads the data of a sharded database over `shards` shards now (keys move at
    /// once; copying them takes time); false if the node is unknown, cannot reshard, or
    /// has fewer shards prepared (a run prepares the most its scenario reshards to).
    pub fn reshard(&mut self, id: &str, shards: u32) -> bool {
        match self.node_by_id(id) {
            Some(i) if i < self.n_diagram => {
                dispatch!(self.nodes[i].kind, on_reshard(self, i as u32, shards))
            }
            _ => false,
        }
    }

    /// Brings a killed node back; false if unknown or not killed.
    pub fn restore_node(&mut self, id: &str) -> bool {
        match self.node_by_id(id) {
            Some(i) => self.bring_back(i, id),
            None => false,
        }
    }

    /// Brings node `i` (whose id is `id`) back if it is killed.
    fn bring_back(&mut self, i: usize, id: &str) -> bool {
        if !self.nodes[i].killed {
            return false;
        }
        self.nodes[i].killed = false;
        self.nodes[i].random_down = false;
        self.mark(format!("{id} was restored"));
        if self.nodes[i].up() {
            self.came_up(i as u32);
        }
        true
    }

    /// Takes a whole data center down; false if unknown or already down.
    pub fn kill_dc(&mut self, id: &str) -> bool {
        let Some(d) = self.dcs.iter().position(|d| d.id == id) else {
            return false;
        };
        if self.dcs[d].down {
            return false;
        }
        self.dcs[d].down = true;
        let name = self.dcs[d].name.clone();
        self.mark(format!("{name} went down"));
        for k in 0..self.dcs[d].nodes.len() {
            let i = self.dcs[d].nodes[k] as usize;
            let was_up = self.nodes[i].up();
            self.nodes[i].dc_down = true;
            if was_up {
                self.went_down(i as u32);
            }
        }
        true
    }

    /// Brings a data center back; false if unknown or not down.
    pub fn restore_dc(&mut self, id: &str) -> bool {
        let Some(d) = self.dcs.iter().position(|d| d.id == id) else {
            return false;
        };
        if !self.dcs[d].down {
            return false;
        }
        self.dcs[d].down = false;
        let name = self.dcs[d].name.clone();
        for k in 0..self.dcs[d].nodes.len() {
            let i = self.dcs[d].nodes[k] as usize;
            self.nodes[i].dc_down = false;
            if self.nodes[i].up() {
                self.came_up(i as u32);
            }
        }
        self.mark(format!("{name} is back"));
        true
    }

    /// Whether node `index` (into `Diagram::nodes`) is up.
    pub fn node_up(&self, index: usize) -> bool {
        self.nodes.get(index).is_some_and(|n| n.up())
    }

    /// Whether the data center with this id is down.
    pub fn dc_down(&self, id: &str) -> bool {
        self.dcs.iter().any(|d| d.id == id && d.down)
    }

    /// Traces of sampled requests that ended since the last call (at most
    /// [`MAX_TRACES`]; older ones are dropped first when the app falls behind).
    pub fn take_traces(&mut self) -> Vec<Trace> {
        self.finished_traces.drain(..).collect()
    }

    /// Records the path of every n-th request (0 turns tracing off).
    pub fn set_trace_sampling(&mut self, every_nth: u32) {
        self.trace_every = every_nth;
    }

    /// Everything measured so far.
    pub fn snapshot(&self) -> Metrics {
        self.snapshot_with(SnapshotOptions::default())
    }

    /// Everything measured, the simulation given up: the per-second series move into
    /// the metrics instead of being copied (they are the largest part of a long run).
    pub fn into_metrics(mut self) -> Metrics {
        let mut m = self.snapshot_with(SnapshotOptions {
            series: false,
            node_series: false,
        });
        m.series = std::mem::take(&mut self.series);
        m.node_series = self.nodes[..self.n_diagram]
            .iter_mut()
            .zip(&self.ids)
            .map(|(n, id)| NodeSeries {
                id: id.clone(),
                points: std::mem::take(&mut n.points),
            })
            .collect();
        m
    }

    /// The per-second points of node `index` (diagram order).
    pub fn node_points(&self, index: usize) -> &[NodePoint] {
        self.nodes.get(index).map_or(&[], |n| n.points.as_slice())
    }

    /// Everything measured so far, leaving out what `options` says is not needed (a
    /// view that polls several times a second skips the per-node series).
    pub fn snapshot_with(&self, options: SnapshotOptions) -> Metrics {
        let elapsed_s = self.now.min(self.duration_us) as f64 / 1e6;
        let now = self.now;
        let nodes = (0..self.n_diagram)
            .map(|i| {
                let mut m = self.node_metrics(i, now);
                m.parts = self.nodes[i]
                    .children
                    .iter()
                    .map(|&c| {
                        let cm = self.node_metrics(c as usize, now);
                        PartMetrics {
                            label: dispatch!(self.nodes[c as usize].kind, part_label(self, c))
                                .unwrap_or_else(|| self.ids[c as usize].clone()),
                            up: cm.up,
                            utilisation: cm.utilisation,
                            mean_utilisation: cm.mean_utilisation,
                            queue_len: cm.queue_len,
                            served: cm.served,
                            failed: cm.failed,
                            reads: cm.reads,
                            writes: cm.writes,
                            read_qps: cm.read_qps,
                            write_qps: cm.write_qps,
                        }
                    })
                    .collect();
                // What failed at its parts failed at the component.
                m.failed += m.parts.iter().map(|p| p.failed).sum::<u64>();
                m
            })
            .collect();
        let cost = (0..self.n_diagram)
            .map(|i| {
                dispatch!(self.nodes[i].kind, run_cost(self, i as u32))
                    .unwrap_or(self.static_cost[i])
            })
            .sum();
        let requests = self.total.ok + self.total.failed();
        Metrics {
            now_us: now,
            duration_us: self.duration_us,
            totals: self.total.totals(elapsed_s),
            per_kind: RequestKind::ALL
                .iter()
                .map(|k| (*k, self.per_kind[k.index()].kind_totals(elapsed_s)))
                .collect(),
            nodes,
            series: if options.series {
                self.series.clone()
            } else {
                Vec::new()
            },
            node_series: if options.node_series {
                self.nodes[..self.n_diagram]
                    .iter()
                    .zip(&self.ids)
                    .map(|(n, id)| NodeSeries {
                        id: id.clone(),
                        points: n.points.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            },
            markers: self.markers.clone(),
            cost_per_month: cost,
            windows: self
                .windows
                .iter()
                .map(|w| {
                    let span = (w.to_us.min(now).saturating_sub(w.from_us)) as f64 / 1e6;
                    WindowMetrics {
                        name: w.name.clone(),
                        from_s: w.from_s,
                        to_s: w.to_s,
                        totals: w.acc.totals(span),
                        per_kind: RequestKind::ALL
                            .iter()
                            .map(|k| (*k, w.per_kind[k.index()].kind_totals(span)))
                            .collect(),
                    }
                })
                .collect(),
            jobs: self.jobs.totals(),
            monitored: self.monitored,
            business: self.monitored.then(|| Business {
                active_users: self.active_users,
                requests_per_user: if self.active_users > 0 {
                    requests as f64 / self.active_users as f64
                } else {
                    0.0
                },
            }),
        }
    }

    /// Lookups of node `i` answered from memory and missed so far, for kinds that look
    /// things up.
    fn lookups(&self, i: usize) -> Option<(u64, u64)> {
        dispatch!(self.nodes[i].kind, lookups(self, i as u32))
    }

    fn node_metrics(&self, i: usize, now: u64) -> NodeMetrics {
        let n = &self.nodes[i];
        let in_first_second = now < 1_000_000;
        let utilisation = if in_first_second {
            if now > 0 {
                n.areas_at(now).0 / now as f64
            } else {
                0.0
            }
        } else {
            n.last_sec_util / 1e6
        };
        let (read_qps, write_qps) = if in_first_second {
            let s = (now as f64 / 1e6).max(1e-9);
            (n.reads as f64 / s, n.writes as f64 / s)
        } else {
            (n.last_sec_reads as f64, n.last_sec_writes as f64)
        };
        let lookups = self.lookups(i);
        let (hits, misses) = lookups.unwrap_or((0, 0));
        let hit_rate = lookups.map(|(h, m)| {
            if h + m > 0 {
                h as f64 / (h + m) as f64
            } else {
                0.0
            }
        });
        let extras = dispatch!(n.kind, extras(self, i as u32));
        let instances = dispatch!(n.kind, instances(self, i as u32));
        let backlog = dispatch!(n.kind, backlog(self, i as u32));
        let keys = dispatch!(n.kind, keys_held(self, i as u32));
        // Run averages cover the time the run really covered: up to now while it runs,
        // up to its last event once it has finished (not the rounded-up end second).
        let span = self.covered_span(now);
        let (util_area, sys_area) = n.areas_at(span);
        let t = span.max(1) as f64;
        NodeMetrics {
            id: self.ids[i].clone(),
            kind: n.kind,
            up: n.up(),
            utilisation: utilisation.clamp(0.0, 1.0),
            mean_utilisation: (util_area / t).clamp(0.0, 1.0),
            mean_in_system: sys_area / t,
            queue_len: n.queue.len() as u32,
            served: n.served,
            failed: n.failed,
            reads: n.reads,
            writes: n.writes,
            hit_rate,
            hits,
            misses,
            read_qps,
            write_qps,
            replication_lag_ms: extras.replication_lag_ms,
            role: extras.role,
            instances: instances.map(|(now, _)| now),
            instances_max: instances.map(|(_, max)| max),
            backlog: backlog.map(|(len, _)| len),
            memory_mb: (n.busy as f64 + n.queue.len() as f64) * MB_PER_REQUEST
                + keys as f64 * MB_PER_KEY,
            parts: Vec::new(),
            shards: extras.shards,
        }
    }

    /// The simulated time run averages are taken over: `now` while running, the last
    /// event once finished.
    fn covered_span(&self, now: u64) -> u64 {
        if self.finished {
            self.last_event.max(self.duration_us.min(now))
        } else {
            now
        }
    }

    pub(crate) fn mark(&mut self, text: String) {
        if self.markers.len() < MAX_MARKERS {
            self.markers.push(Marker {
                at_us: self.now,
                text,
            });
        }
    }

    /// Closes every simulated second whose end is at or before `t`.
    #[inline]
    fn roll_seconds(&mut self, t: u64) {
        if self.next_second_us <= t {
            self.roll_seconds_slow(t);
        }
    }

    #[inline(never)]
    fn roll_seconds_slow(&mut self, t: u64) {
        while self.next_second_us <= t {
            let boundary = self.next_second_us;
            let t_s = (boundary / 1_000_000 - 1) as u32;
            let keep = self.series.len() < MAX_SERIES;
            if keep {
                let sec = &self.second;
                let [p50, p95, p99] = sec.hist.quantiles([0.5, 0.95, 0.99]);
                self.series.push(SecondPoint {
                    t_s,
                    throughput: sec.ok as f64,
                    errors: sec.failed(),
                    by_cause: Cause::ALL
                        .iter()
                        .map(|c| (*c, sec.by_cause[c.index()]))
                        .filter(|(_, n)| *n > 0)
                        .collect(),
                    p50_ms: p50 / 1000.0,
                    p95_ms: p95 / 1000.0,
                    p99_ms: p99 / 1000.0,
                    max_ms: sec.hist.max() as f64 / 1000.0,
                    db_reads: sec.db_reads,
                    db_writes: sec.db_writes,
                    lost_writes: sec.lost_writes,
                    logged_out: sec.logged_out,
                    jobs_done: sec.jobs_done,
                    backlog: 0,
                    oldest_job_ms: 0.0,
                });
            }
            self.second.clear();
            // Jobs waiting in queues at the end of the second.
            let (mut backlog, mut oldest_since) = (0u64, u64::MAX);
            for i in 0..self.n_diagram {
                if let Some((len, since)) = dispatch!(self.nodes[i].kind, backlog(self, i as u32)) {
                    backlog += len;
                    if len > 0 {
                        oldest_since = oldest_since.min(since);
                    }
                }
            }
            let oldest_us = if backlog > 0 {
                boundary.saturating_sub(oldest_since)
            } else {
                0
            };
            let j = &mut self.jobs;
            if backlog > j.backlog_max {
                j.backlog_max = backlog;
                j.drained = false;
            }
            j.oldest_max_us = j.oldest_max_us.max(oldest_us);
            if j.backlog_max > 0 && !j.drained {
                // Until it empties, it is "drained by" the end of this second at the
                // earliest.
                j.backlog_drained_at_s = boundary as f64 / 1e6;
                j.drained = backlog == 0;
            }
            if keep {
                if let Some(p) = self.series.last_mut() {
                    p.backlog = backlog;
                    p.oldest_job_ms = oldest_us as f64 / 1000.0;
                }
            }
            for i in 0..self.nodes.len() {
                let lookups = self.lookups(i);
                let (hits, misses) = lookups.unwrap_or((0, 0));
                let instances = dispatch!(self.nodes[i].kind, instances(self, i as u32));
                let in_diagram = i < self.n_diagram;
                let n = &mut self.nodes[i];
                n.touch(boundary);
                let util = n.util_total();
                n.last_sec_util = util - n.sec_util_start;
                n.sec_util_start = util;
                n.last_sec_reads = n.reads - n.sec_reads_start;
                n.last_sec_writes = n.writes - n.sec_writes_start;
                n.sec_reads_start = n.reads;
                n.sec_writes_start = n.writes;
                if keep && in_diagram {
                    let (h, m) = (hits - n.sec_hits_start, misses - n.sec_misses_start);
                    let looked_up = lookups.is_some() && h + m > 0;
                    n.points.push(NodePoint {
                        t_s,
                        up: n.up(),
                        utilisation: n.last_sec_util / 1e6,
                        queue_len: n.queue.len() as u32,
                        hit_rate: looked_up.then(|| h as f64 / (h + m) as f64),
                        reads: n.last_sec_reads,
                        writes: n.last_sec_writes,
                        instances: instances.map(|(now, _)| now),
                    });
                }
                n.sec_hits_start = hits;
                n.sec_misses_start = misses;
            }
            self.next_second_us += 1_000_000;
        }
    }

    /// Sets a timer of `node`'s component: its `on_tick(node, token)` runs at `time`.
    #[inline]
    pub(crate) fn schedule_tick(&mut self, time: u64, node: u32, token: u32) {
        self.schedule(time, What::Tick(node, token));
    }

    #[inline(always)]
    fn schedule(&mut self, time: u64, what: What) {
        // Inlined so that packing folds into the caller.
        self.schedule_packed(time, what.pack());
    }

    fn schedule_packed(&mut self, time: u64, what: u64) {
        self.heap.push(time, what);
    }

    /// Handles an event packed by [`What::pack`], read straight from the word (one
    /// match instead of unpacking to a `What` and matching again).
    fn handle(&mut self, what: u64) {
        let a = (what as u32) >> 8;
        let b = (what >> 32) as u32;
        match what & 0xff {
            What::TICK => dispatch!(self.nodes[a as usize].kind, on_tick(self, a, b)),
            What::ARRIVE => {
                if self.reqs[a as usize].gen == b {
                    self.arrive(a)
                }
            }
            What::DONE => {
                if self.reqs[a as usize].gen == b {
                    self.done(a)
                }
            }
            What::RETURN => {
                if self.reqs[a as usize].gen == b {
                    self.returned(a)
                }
            }
            What::ACTION => match self.actions[a as usize].clone() {
                (Action::KillNode(id), true) => self.random_failure(&id, true),
                (Action::RestoreNode(id), true) => self.random_failure(&id, false),
                (Action::KillNode(id), false) => {
                    self.kill_node(&id);
                }
                (Action::RestoreNode(id), false) => {
                    self.restore_node(&id);
                }
                (Action::KillDc(id), _) => {
                    self.kill_dc(&id);
                }
                (Action::RestoreDc(id), _) => {
                    self.restore_dc(&id);
                }
                (Action::Reshard { node, shards }, _) => {
                    self.reshard(&node, shards);
                }
            },
            _ => unreachable!("an event packed with an unknown tag"),
        }
    }
}

/// Runs a diagram under a scenario to the end and returns the final metrics.
pub fn run_to_end(diagram: &Diagram, scenario: &Scenario) -> Result<Metrics, Vec<Finding>> {
    let mut sim = Simulation::new(diagram, scenario)?;
    sim.set_trace_sampling(0);
    sim.run_to_end();
    Ok(sim.into_metrics())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_integral_closes_at_each_change_of_workers() {
        let mut d = Diagram::new();
        let users = d.add_node(Kind::Users, 0.0, 0.0);
        let web = d.add_node(Kind::WebServer, 100.0, 0.0);
        d.connect(&users, &web)
            .expect("users may call a web server");
        let sim = Simulation::new(&d, &Scenario::default()).expect("valid");
        let mut n = sim.nodes[1].clone();
        // Two of two workers busy for a second, then the same two of four for one more.
        n.set_workers(0, 2);
        n.busy = 2;
        n.set_workers(1_000_000, 4);
        let (busy, held) = n.areas_at(2_000_000);
        assert_eq!(busy, 1_000_000.0 + 500_000.0);
        assert_eq!(held, 4_000_000.0);
    }
}
