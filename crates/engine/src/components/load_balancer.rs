//! Load balancer: spreads requests over the web servers behind it (round robin, least
//! connections, random or IP hash), probes them with health checks and takes a server
//! out of rotation after enough failed probes. Until then, requests sent to a dead
//! server fail. A managed service: it never queues.

use crate::catalog::{choice, choice_enum, flag, float, int, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, Kind, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::sim::build::BuildCx;
use crate::sim::flow::{mix, wrap_add};
use crate::sim::{Frame, NodeSetup, Simulation};
use crate::trace::Cause;

choice_enum! {
    /// How the next server is picked.
    pub(crate) enum Algorithm {
        RoundRobin = "round_robin" : "Round robin",
        LeastConnections = "least_connections" : "Least connections",
        Random = "random" : "Random",
        IpHash = "ip_hash" : "IP hash (sticky)",
    }
}

const PARAMS: &[ParamSpec] = &[
    choice(
        "algorithm",
        "Algorithm",
        "How the next server is picked; IP hash keeps each user on one server (sticky sessions).",
        Algorithm::OPTIONS,
        "round_robin",
    ),
    flag(
        "health_checks",
        "Health checks",
        "Probe servers and stop sending requests to dead ones.",
        true,
    ),
    float(
        "check_interval_s",
        "Check interval",
        "s",
        "Time between two probes of a server.",
        0.5,
        60.0,
        5.0,
    ),
    int(
        "unhealthy_threshold",
        "Failures before removal",
        "probes",
        "Failed probes in a row before a server is taken out of rotation.",
        1,
        10,
        2,
    ),
];

/// Typed settings of a load balancer.
pub(crate) struct Params {
    pub algorithm: Algorithm,
    pub health_checks: bool,
    pub check_interval_s: f64,
    pub unhealthy_threshold: u32,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            algorithm: Algorithm::from_key(p.choice("algorithm")).unwrap_or(Algorithm::RoundRobin),
            health_checks: p.flag("health_checks"),
            check_interval_s: p.num("check_interval_s"),
            unhealthy_threshold: p.int("unhealthy_threshold").max(1),
        }
    }
}

/// The phase of a load balancer's frame once it has picked a server (`aux` holds the
/// server's position among the backends).
const SENT: u8 = 1;

/// A load balancer during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    algo: Algorithm,
    backends: Vec<u32>,
    healthy: Vec<bool>,
    /// The positions of the healthy backends, in order (rebuilt when health changes,
    /// which is rare), so picking the j-th healthy one costs nothing per request.
    in_rotation: Vec<u32>,
    fails: Vec<u32>,
    conns: Vec<u32>,
    /// Least connections over more than [`SCAN_UP_TO`] backends: open connections of
    /// each healthy backend, searched in O(log m) per request instead of a scan.
    least: Option<MinTree>,
    rr: u32,
    checks: bool,
    interval_us: u64,
    threshold: u32,
    /// Requests sent to each backend (for tests and goal reasons).
    sent: Vec<u64>,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "load_balancer",
        label: "Load balancer",
        glyph: "LB",
        color: "#6366f1",
        description: "Spreads requests over several web servers and stops using the ones that fail health checks.",
        id_prefix: "lb",
        params: PARAMS,
        roles: &[Role::EntryPoint, Role::Origin],
        calls: &[Role::AppServer],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        if !cx.calls(Role::AppServer) {
            out.push(cx.error(format!(
                "{} has no servers behind it; connect it to web servers.",
                cx.name()
            )));
        }
    }

    fn monthly_cost(_params: &ParamMap) -> f64 {
        20.0
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let backends = cx.succ_offering(i, Role::AppServer);
        let m = backends.len();
        let state = State {
            algo: p.algorithm,
            backends,
            healthy: vec![true; m],
            in_rotation: (0..m as u32).collect(),
            fails: vec![0; m],
            conns: vec![0; m],
            least: (p.algorithm == Algorithm::LeastConnections && m > SCAN_UP_TO)
                .then(|| MinTree::new(m)),
            rr: 0,
            checks: p.health_checks,
            interval_us: (p.check_interval_s * 1e6) as u64,
            threshold: p.unhealthy_threshold,
            sent: vec![0; m],
        };
        (NodeSetup::managed(50.0), state)
    }

    fn start(sim: &mut Simulation, node: u32) {
        let lb = sim.state::<State>(node);
        if lb.checks && lb.interval_us < sim.duration_us {
            let t = lb.interval_us;
            sim.schedule_tick(t, node, 0);
        }
    }

    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        forward(sim, r, node);
    }

    fn on_return(sim: &mut Simulation, r: u32, node: u32, frame: Frame) {
        sim.state_mut::<State>(node).close(frame.aux as usize);
        sim.respond(r);
    }

    #[inline]
    fn on_release(sim: &mut Simulation, node: u32, frame: Frame) {
        if frame.phase == SENT {
            sim.state_mut::<State>(node).close(frame.aux as usize);
        }
    }

    /// A health check of every server.
    fn on_tick(sim: &mut Simulation, node: u32, _token: u32) {
        let lb_id = sim.ids[node as usize].clone();
        for b in 0..sim.state::<State>(node).backends.len() {
            let server = sim.state::<State>(node).backends[b];
            let up = sim.nodes[server as usize].up();
            let lb = sim.state_mut::<State>(node);
            let threshold = lb.threshold;
            // Some(true): back in rotation; Some(false): taken out.
            let change = if up {
                lb.fails[b] = 0;
                (!lb.healthy[b]).then(|| {
                    lb.healthy[b] = true;
                    true
                })
            } else {
                lb.fails[b] += 1;
                (lb.healthy[b] && lb.fails[b] >= threshold).then(|| {
                    lb.healthy[b] = false;
                    false
                })
            };
            let server_id = &sim.ids[server as usize];
            let text = match change {
                Some(true) => format!("{lb_id} sees {server_id} healthy again"),
                Some(false) => format!(
                    "{lb_id} took {server_id} out of rotation after {}",
                    crate::format::count_of(
                        threshold as u64,
                        "failed health check",
                        "failed health checks"
                    )
                ),
                None => continue,
            };
            sim.state_mut::<State>(node).set_health(b, change == Some(true));
            sim.mark(text);
        }
        let next = sim.now + sim.state::<State>(node).interval_us.max(1);
        if next < sim.duration_us {
            sim.schedule_tick(next, node, 0);
        }
    }
}

/// Picks a server it believes healthy and sends the request there.
fn forward(sim: &mut Simulation, r: u32, node: u32) {
    let user = sim.reqs[r as usize].user;
    let m = sim.state::<State>(node).backends.len();
    let healthy_count = sim.state::<State>(node).in_rotation.len();
    if healthy_count == 0 {
        sim.fail(r, Cause::NoRoute, node);
        return;
    }
    let nth_healthy = |lb: &State, j: usize| lb.in_rotation[j] as usize;
    let b = match sim.state::<State>(node).algo {
        Algorithm::RoundRobin => {
            let lb = sim.state_mut::<State>(node);
            let start = lb.rr as usize;
            let i = (0..m)
                .map(|k| wrap_add(start, k, m))
                .find(|&i| lb.healthy[i])
                .unwrap_or(0);
            lb.rr = wrap_add(i, 1, m) as u32;
            i
        }
        Algorithm::LeastConnections => {
            // The healthy backend with the fewest connections; on a tie, the first
            // from a position that moves one step per request.
            let lb = sim.state_mut::<State>(node);
            let start = lb.rr as usize;
            lb.rr = wrap_add(start, 1, m) as u32;
            match &lb.least {
                Some(tree) => tree.first_min_from(start),
                None => {
                    let mut best = usize::MAX;
                    for k in 0..m {
                        let i = wrap_add(start, k, m);
                        if lb.healthy[i] && (best == usize::MAX || lb.conns[i] < lb.conns[best]) {
                            best = i;
                        }
                    }
                    best
                }
            }
        }
        Algorithm::Random => {
            let j = sim.rng.below(healthy_count as u32) as usize;
            nth_healthy(sim.state::<State>(node), j)
        }
        Algorithm::IpHash => nth_healthy(
            sim.state::<State>(node),
            mix(user) as usize % healthy_count,
        ),
    };
    let lb = sim.state_mut::<State>(node);
    lb.conns[b] += 1;
    if let (Some(tree), true) = (&mut lb.least, lb.healthy[b]) {
        tree.set(b, lb.conns[b]);
    }
    lb.sent[b] += 1;
    let backend = lb.backends[b];
    let f = sim.reqs[r as usize].top_mut();
    f.aux = b as u32;
    f.phase = SENT;
    sim.send(r, backend);
}

impl State {
    /// A connection to backend `b` ended.
    fn close(&mut self, b: usize) {
        self.conns[b] -= 1;
        if let (Some(tree), true) = (&mut self.least, self.healthy[b]) {
            tree.set(b, self.conns[b]);
        }
    }

    /// Backend `b` was put back in rotation (`true`) or taken out.
    fn set_health(&mut self, b: usize, healthy: bool) {
        self.healthy[b] = healthy;
        if let Some(tree) = &mut self.least {
            tree.set(b, if healthy { self.conns[b] } else { MinTree::ABSENT });
        }
        self.in_rotation = (0..self.healthy.len() as u32)
            .filter(|&i| self.healthy[i as usize])
            .collect();
    }
}

/// Up to this many backends, least connections scans them (cheaper than keeping a tree
/// up to date); beyond, it searches a [`MinTree`]. Both pick the same backend.
const SCAN_UP_TO: usize = 16;

/// A segment tree of `u32` values answering "the first position holding the minimum,
/// searching from `start` and wrapping around" in O(log m). Positions holding
/// [`MinTree::ABSENT`] are never chosen (unless every position does).
#[derive(Clone, Debug)]
struct MinTree {
    /// Leaves start at `size`; `tree[k]` is the minimum of its two children.
    tree: Vec<u32>,
    size: usize,
    len: usize,
}

impl MinTree {
    const ABSENT: u32 = u32::MAX;

    /// `len` positions, all 0.
    fn new(len: usize) -> MinTree {
        let size = len.next_power_of_two().max(1);
        let mut tree = vec![MinTree::ABSENT; 2 * size];
        tree[size..size + len].fill(0);
        for k in (1..size).rev() {
            tree[k] = tree[2 * k].min(tree[2 * k + 1]);
        }
        MinTree { tree, size, len }
    }

    fn set(&mut self, i: usize, v: u32) {
        let mut k = self.size + i;
        self.tree[k] = v;
        while k > 1 {
            k /= 2;
            let m = self.tree[2 * k].min(self.tree[2 * k + 1]);
            if self.tree[k] == m {
                break;
            }
            self.tree[k] = m;
        }
    }

    /// The first position at or after `start` holding the overall minimum, else the
    /// first before it: what a scan from `start` that keeps the first strict minimum
    /// returns.
    fn first_min_from(&self, start: usize) -> usize {
        let min = self.tree[1];
        self.first_at_most(1, 0, self.size, start, min)
            .or_else(|| self.first_at_most(1, 0, self.size, 0, min))
            .filter(|&i| i < self.len)
            .unwrap_or(0)
    }

    /// The first position `>= from` within node `k` (covering `lo..hi`) whose value is
    /// at most `v`.
    fn first_at_most(&self, k: usize, lo: usize, hi: usize, from: usize, v: u32) -> Option<usize> {
        if hi <= from || self.tree[k] > v {
            return None;
        }
        if hi - lo == 1 {
            return Some(lo);
        }
        let mid = (lo + hi) / 2;
        self.first_at_most(2 * k, lo, mid, from, v)
            .or_else(|| self.first_at_most(2 * k + 1, mid, hi, from, v))
    }
}

impl Simulation {
    /// Requests a load balancer has sent to each of its servers so far, as
    /// (server node index, count); empty for any other node.
    pub fn lb_sent(&self, lb_node: usize) -> Vec<(usize, u64)> {
        match self.nodes.get(lb_node) {
            Some(n) if n.kind == Kind::LoadBalancer => {
                let lb = self.state::<State>(lb_node as u32);
                lb.backends
                    .iter()
                    .zip(&lb.sent)
                    .map(|(b, s)| (*b as usize, *s))
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What least connections did before the tree: scan every backend from `start`,
    /// keeping the first strict minimum among the healthy ones.
    fn scan(values: &[u32], start: usize) -> Option<usize> {
        let m = values.len();
        let mut best: Option<usize> = None;
        for k in 0..m {
            let i = (start + k) % m;
            if values[i] != MinTree::ABSENT && best.is_none_or(|b| values[i] < values[b]) {
                best = Some(i);
            }
        }
        best
    }

    proptest! {
        #[test]
        fn the_tree_picks_what_a_scan_picks(
            len in 1usize..70,
            ops in proptest::collection::vec((any::<usize>(), 0u32..6, any::<bool>(), any::<usize>()), 1..200),
        ) {
            let mut tree = MinTree::new(len);
            let mut values = vec![0u32; len];
            for (at, v, absent, start) in ops {
                let i = at % len;
                values[i] = if absent { MinTree::ABSENT } else { v };
                tree.set(i, values[i]);
                let start = start % len;
                if let Some(expected) = scan(&values, start) {
                    prop_assert_eq!(tree.first_min_from(start), expected, "{:?} from {}", values, start);
                }
            }
        }
    }

    #[test]
    fn ties_rotate_from_the_start_position() {
        let mut tree = MinTree::new(5);
        tree.set(0, 3);
        tree.set(2, 3);
        // Minimum 0 at 1, 3 and 4.
        assert_eq!(tree.first_min_from(0), 1);
        assert_eq!(tree.first_min_from(2), 3);
        assert_eq!(tree.first_min_from(4), 4);
        tree.set(1, MinTree::ABSENT);
        tree.set(3, 1);
        tree.set(4, 2);
        assert_eq!(tree.first_min_from(4), 3);
    }
}
