//! Compiles a validated diagram and scenario into the simulation's flat, index-based
//! runtime state (no strings on the hot path). The generic parts (locations, latency,
//! service groups, the request mix) are built here; each node's own settings and state
//! come from its component's `build`.

use std::collections::VecDeque;

use crate::vecmap::VecMap;

use super::*;
use crate::catalog::ParamMap;
use crate::components::{self, Placement, Role, State};
use crate::finding::Severity;
use crate::region::{one_way_latency_us, Region, IN_DC_HOP_US};
use crate::scenario::KeyPopularity;

fn errors(mut f: Vec<Finding>) -> Vec<Finding> {
    f.retain(|x| x.severity == Severity::Error);
    f
}

/// What a component's `build` may look at: the diagram and scenario, every node's
/// successors, the service groups, and the client ids handed out so far.
pub(crate) struct BuildCx<'a> {
    pub d: &'a Diagram,
    pub s: &'a Scenario,
    /// Successors of each node (node indices, in edge order).
    pub succ: Vec<Vec<u32>>,
    /// The service group of each node: the lowest index of the nodes joined to it by
    /// edges between nodes of a kind whose catalog says they form one service
    /// (replication clusters); its own index otherwise.
    pub group: Vec<u32>,
    /// Size of the key space.
    pub keys: u32,
    /// Client ids handed out to Users nodes so far.
    pub clients: u32,
    /// Parts of components (runtime nodes after the diagram's): owner, settings, state.
    children: Vec<(u32, NodeSetup, State)>,
}

impl<'a> BuildCx<'a> {
    /// The kind of node `i`.
    pub(crate) fn kind(&self, i: u32) -> Kind {
        self.d.nodes[i as usize].kind
    }

    /// The stored parameters of node `i`.
    pub(crate) fn params(&self, i: usize) -> &'a ParamMap {
        &self.d.nodes[i].params
    }

    /// Successors of `i` offering `role`, in edge order.
    pub(crate) fn succ_offering(&self, i: usize, role: Role) -> Vec<u32> {
        self.succ[i]
            .iter()
            .copied()
            .filter(|&t| self.kind(t).info().offers(role))
            .collect()
    }

    /// Nodes sending requests to `i` that offer `role`, in diagram order.
    pub(crate) fn pred_offering(&self, i: usize, role: Role) -> Vec<u32> {
        (0..self.succ.len() as u32)
            .filter(|&j| self.succ[j as usize].contains(&(i as u32)))
            .filter(|&j| self.kind(j).info().offers(role))
            .collect()
    }

    /// The first successor of `i` offering `role`, or `NONE`.
    pub(crate) fn first_offering(&self, i: usize, role: Role) -> u32 {
        self.succ[i]
            .iter()
            .copied()
            .find(|&t| self.kind(t).info().offers(role))
            .unwrap_or(NONE)
    }

    /// The service groups (by their lowest member) of the successors of `i` offering
    /// `role`, sorted.
    pub(crate) fn groups_offering(&self, i: usize, role: Role) -> Vec<u32> {
        let mut gs: Vec<u32> = self
            .succ_offering(i, role)
            .into_iter()
            .map(|t| self.group[t as usize])
            .collect();
        crate::order::sort_u32(&mut gs);
        gs.dedup();
        gs
    }

    /// Adds a part of component `parent` (a shard): a runtime node of its own, after the
    /// diagram's nodes, down whenever `parent` is. Returns its node index.
    pub(crate) fn add_child(&mut self, parent: usize, setup: NodeSetup, state: State) -> u32 {
        let index = self.d.nodes.len() + self.children.len();
        self.children.push((parent as u32, setup, state));
        index as u32
    }

    /// The members of the service group headed by `head`, in diagram order.
    pub(crate) fn group_members(&self, head: u32) -> Vec<u32> {
        (0..self.group.len() as u32)
            .filter(|&m| self.group[m as usize] == head)
            .collect()
    }
}

/// The generic runtime part of a node.
fn node_rt(kind: Kind, parent: u32, loc: u16, setup: NodeSetup) -> NodeRt {
    NodeRt {
        kind,
        parent,
        children: Vec::new(),
        parent_down: false,
        loc,
        edge: kind.info().placement == Placement::Edge,
        fast: setup.fast,
        workers: setup.workers,
        busy: 0,
        queue: VecDeque::new(),
        queue_cap: setup.queue_cap,
        svc_us: setup.svc_us,
        killed: false,
        random_down: false,
        dc_down: false,
        epoch: 0,
        served: 0,
        failed: 0,
        reads: 0,
        writes: 0,
        util_area: 0.0,
        busy_us: 0,
        held_us: 0,
        last_change: 0,
        sec_util_start: 0.0,
        last_sec_util: 0.0,
        sec_reads_start: 0,
        sec_writes_start: 0,
        last_sec_reads: 0,
        last_sec_writes: 0,
        sec_hits_start: 0,
        sec_misses_start: 0,
        points: Vec::new(),
    }
}

/// Service groups: union-find over edges joining two nodes of one kind whose catalog
/// entry says such edges form one service. Each node maps to the lowest member.
pub(crate) fn service_groups(d: &Diagram) -> Vec<u32> {
    let n = d.nodes.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    let index = d.index_by_id();
    for e in &d.edges {
        if let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
            let k = d.nodes[a].kind;
            if k == d.nodes[b].kind && k.info().grouped_by_own_edges {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    (0..n).map(|i| find(&mut parent, i) as u32).collect()
}

/// Successors of each node of `d` (node indices, in edge order).
pub(crate) fn successors(d: &Diagram) -> Vec<Vec<u32>> {
    let index = d.index_by_id();
    let mut out: Vec<Vec<u32>> = d.nodes.iter().map(|_| Vec::new()).collect();
    // One pass over the edges, in their order: O(edges × log nodes).
    for e in &d.edges {
        if let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
            out[a].push(b as u32);
        }
    }
    out
}

#[inline]
pub(super) fn build(d: &Diagram, s: &Scenario) -> Result<Simulation, Vec<Finding>> {
    let mut findings = errors(d.validate());
    findings.extend(errors(s.validate(d)));
    if !findings.is_empty() {
        return Err(findings);
    }
    let succ = successors(d);
    findings = crate::budget::check(d, s, &succ);
    if !findings.is_empty() {
        return Err(findings);
    }
    let n = d.nodes.len();

    // Locations: each data center, the implicit default data center, then the regions.
    let mut dc_index = VecMap::new();
    for (i, x) in d.data_centers.iter().enumerate() {
        dc_index.insert(x.id.as_str(), i);
    }
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

    let mut cx = BuildCx {
        d,
        s,
        succ,
        group: service_groups(d),
        keys: s.keys.keys(),
        clients: 0,
        children: Vec::new(),
    };
    let mut nodes = Vec::with_capacity(n);
    let mut states = Vec::with_capacity(n);
    for (i, node) in d.nodes.iter().enumerate() {
        let loc = node
            .dc
            .as_deref()
            .and_then(|x| dc_index.get(x).copied())
            .unwrap_or(implicit) as u16;
        let (setup, state) = components::build(node.kind, &mut cx, i);
        let mut rt = node_rt(node.kind, i as u32, loc, setup);
        // One point per second of the run and of its drain, reserved at once: growing
        // by doubling would hold up to twice that (the budget counts this much).
        rt.points = Vec::with_capacity(
            (s.duration_s as usize + (super::MAX_DRAIN_US / 1_000_000) as usize + 1)
                .min(super::MAX_SERIES),
        );
        nodes.push(rt);
        states.push(state);
    }
    let mut ids: Vec<String> = d.nodes.iter().map(|x| x.id.clone()).collect();
    for (k, (parent, setup, state)) in std::mem::take(&mut cx.children).into_iter().enumerate() {
        let index = (n + k) as u32;
        let p = parent as usize;
        let mut rt = node_rt(nodes[p].kind, parent, nodes[p].loc, setup);
        rt.edge = nodes[p].edge;
        nodes.push(rt);
        nodes[p].children.push(index);
        states.push(state);
        let part = nodes[p].children.len();
        ids.push(format!("{} part {part}", d.nodes[p].id));
    }

    let dcs = d
        .data_centers
        .iter()
        .map(|dc| DcRt {
            id: dc.id.clone(),
            name: dc.name.clone(),
            nodes: (0..n)
                .filter(|&i| d.nodes[i].home_dc() == Some(dc.id.as_str()))
                .map(|i| i as u32)
                .collect(),
            down: false,
        })
        .collect();

    let shares = s.mix.shares();
    let sum: f64 = shares.iter().sum();
    let mut mix_cdf = [0.0; REQUEST_KINDS];
    let mut acc = 0.0;
    for k in 0..REQUEST_KINDS {
        acc += shares[k] / sum;
        mix_cdf[k] = acc;
    }
    // From the last kind with a share on, the sum is 1 exactly: rounding must never
    // send a request to a kind with no share.
    let last = shares.iter().rposition(|x| *x > 0.0).unwrap_or(0);
    for c in &mut mix_cdf[last..] {
        *c = 1.0;
    }

    let timeline = s.timeline(d);
    let mut sim = Simulation {
        ids,
        nodes,
        n_diagram: n,
        states,
        dcs,
        n_locs,
        region_loc_base,
        lat,
        clients: vec![
            Client {
                dns_entry: NONE,
                dns_expiry: 0,
                sess_node: NONE,
                sess_epoch: 0,
                seen: false,
            };
            cx.clients as usize
        ],
        reqs: Vec::new(),
        free: Vec::new(),
        heap: EventQueue::new(),
        deadlines: Deadlines::new(),
        rng: Rng::new(s.seed),
        zipf: match s.keys {
            KeyPopularity::Zipf { keys, s } => Some(Zipf::new(keys, s)),
            KeyPopularity::Uniform { .. } => None,
        },
        keys: cx.keys,
        mix_cdf,
        timeout_us: s.client_timeout_ms as u64 * 1000,
        duration_us: s.duration_s as u64 * 1_000_000,
        now: 0,
        last_event: 0,
        events_processed: 0,
        live: 0,
        total: Acc::default(),
        per_kind: vec![Acc::default(); REQUEST_KINDS],
        second: Acc::default(),
        jobs: JobAcc::default(),
        monitored: d.nodes.iter().any(|x| x.kind.info().offers(Role::Monitor)),
        active_users: 0,
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
                per_kind: vec![Acc::default(); REQUEST_KINDS],
            })
            .collect(),
        series: Vec::new(),
        markers: Vec::new(),
        next_second_us: 1_000_000,
        finished: false,
        static_cost: d
            .nodes
            .iter()
            .map(|x| x.kind.monthly_cost(&x.params))
            .collect(),
        actions: timeline
            .iter()
            .map(|e| (e.action.clone(), e.random))
            .collect(),
        trace_every: 1,
        trace_counter: 0,
        active_traces: Vec::new(),
        trace_free: Vec::new(),
        finished_traces: VecDeque::new(),
    };

    // Scheduled and random actions, in time order (ties: file order, the order they
    // are scheduled in).
    for (i, e) in timeline.iter().enumerate() {
        // Rounded: 4.1 s is 4,100,000 µs, not the 4,099,999 truncation would give.
        let at = (e.at_s * 1e6).round() as u64;
        if at <= sim.duration_us {
            sim.schedule(at, What::Action(i as u32));
        }
    }
    for i in 0..sim.nodes.len() as u32 {
        dispatch!(sim.nodes[i as usize].kind, start(&mut sim, i));
    }
    Ok(sim)
}
