//! Database: SQL or NoSQL, primary or replica. A primary wired to replicas forms a
//! replication cluster: the primary takes every write, reads go round robin to live
//! replicas, those in the reader's data center first (or the primary when none is
//! left), replicas trail by their replication lag.
//! When a primary with automatic failover dies, a replica is promoted after the
//! promotion delay; writes it had acknowledged within that replica's lag are lost.

use std::collections::VecDeque;

use crate::catalog::{choice, choice_enum, flag, float, int, ParamMap, ParamSpec, Reader, Size, SIZE};
use crate::components::{Component, Extras, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::scenario::RequestKind;
use crate::sim::build::BuildCx;
use crate::sim::flow::wrap_add;
use crate::sim::{NodeSetup, Simulation, NONE, REQUEST_KINDS};

/// Mean query time in ms of a small SQL database per request kind.
const SQL_MS: [f64; REQUEST_KINDS] = [6.0, 3.0, 6.0, 1.0, 2.0, 3.0];
/// NoSQL: faster simple reads and writes, slower join-heavy page reads.
const NOSQL_MS: [f64; REQUEST_KINDS] = [7.8, 1.8, 3.6, 1.0, 1.2, 1.8];
/// Write history kept to count writes lost in a lag window: longer than any lag a
/// replica can have (the longest configured lag plus a full queue of writes).
const HISTORY_US: u64 = 60_000_000;
/// Most writes remembered at once (the oldest are forgotten first).
const MAX_HISTORY: usize = 1 << 20;

choice_enum! {
    /// The database engine.
    pub(crate) enum Engine {
        Sql = "sql" : "Relational (SQL)",
        NoSql = "nosql" : "NoSQL",
    }
}

choice_enum! {
    /// Primary (takes writes) or replica (copies the primary, serves reads).
    pub(crate) enum DbRole {
        Primary = "primary" : "Primary",
        Replica = "replica" : "Replica",
    }
}

const PARAMS: &[ParamSpec] = &[
    choice("engine", "Engine", "Relational (SQL) handles joins well; NoSQL is faster for simple key reads and writes.", Engine::OPTIONS, "sql"),
    choice("role", "Role", "The primary takes writes; replicas copy it and serve reads.", DbRole::OPTIONS, "primary"),
    SIZE,
    float("replication_lag_ms", "Replication lag", "ms", "How far this replica trails its primary; writes inside this window are lost if the primary dies.", 0.0, 10_000.0, 100.0),
    flag("failover", "Automatic failover", "When this primary dies, promote a replica.", true),
    float("promotion_s", "Promotion delay", "s", "Time to detect a dead primary and promote a replica.", 0.0, 600.0, 10.0),
    int("max_queue", "Queue limit", "requests", "Queries that may wait for a free connection.", 1, 100_000, 500),
];

/// Typed settings of a database.
pub(crate) struct Params {
    pub engine: Engine,
    pub role: DbRole,
    pub size: Size,
    pub replication_lag_ms: f64,
    pub failover: bool,
    pub promotion_s: f64,
    pub max_queue: u32,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            engine: Engine::from_key(p.choice("engine")).unwrap_or(Engine::Sql),
            role: DbRole::from_key(p.choice("role")).unwrap_or(DbRole::Primary),
            size: p.size(),
            replication_lag_ms: p.num("replication_lag_ms"),
            failover: p.flag("failover"),
            promotion_s: p.num("promotion_s"),
            max_queue: p.int("max_queue"),
        }
    }
}

/// A replication cluster, kept in the state of its lowest-index member (the head).
#[derive(Clone, Debug)]
struct Cluster {
    members: Vec<u32>,
    primary: u32,
    /// The round robin's next member, one cursor per reader's location (locations
    /// share one past eight): with a single cursor, readers in two data centers kept
    /// sending each to the first replica after the other's and the second got little.
    rr: [u32; 8],
    /// Invalidates a pending promotion when the primary comes back first.
    token: u32,
    pending_lost: u64,
    /// When the primary acknowledged each recent write, oldest first.
    acked: VecDeque<u64>,
}

impl Cluster {
    fn note_write(&mut self, now: u64) {
        while self
            .acked
            .front()
            .is_some_and(|&t| now.saturating_sub(t) > HISTORY_US)
            || self.acked.len() >= MAX_HISTORY
        {
            self.acked.pop_front();
        }
        self.acked.push_back(now);
    }

    /// Writes acknowledged less than `lag_us` before `now`: the ones a replica trailing
    /// by `lag_us` has not received yet (none when the lag is 0).
    fn writes_within(&self, now: u64, lag_us: u64) -> u64 {
        let since = now.saturating_sub(lag_us);
        let first = self.acked.partition_point(|&t| t <= since);
        if lag_us == 0 {
            return 0;
        }
        (self.acked.len() - first) as u64
    }
}

/// A database during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    /// The member holding the cluster.
    head: u32,
    lag_base_us: u64,
    failover: bool,
    promotion_us: u64,
    /// Only on the head.
    cluster: Option<Cluster>,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "database",
        label: "Database",
        glyph: "DB",
        color: "#3b82f6",
        description: "Stores your data; a primary takes writes and replicas copy it to serve reads.",
        id_prefix: "db",
        params: PARAMS,
        roles: &[Role::Database, Role::Replica],
        calls: &[Role::Replica],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: true,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        let role = Params::parse(&cx.node.params).role;
        let own_kind = cx.node.kind;
        let primaries_in: Vec<_> = cx.pred.iter().filter(|q| q.kind == own_kind).collect();
        if role == DbRole::Replica {
            if primaries_in.is_empty() {
                out.push(cx.error(format!(
                    "{} is a replica but no primary replicates to it; connect a primary database to it.",
                    cx.name()
                )));
            }
            if cx.succ.iter().any(|s| s.kind == own_kind) {
                out.push(cx.error(format!(
                    "{} is a replica and cannot replicate to another database; connect the primary to it instead.",
                    cx.name()
                )));
            }
        } else if primaries_in
            .iter()
            .any(|q| Params::parse(&q.params).role == DbRole::Primary)
        {
            out.push(cx.error(format!(
                "{} is a primary but another primary replicates to it; make one of them a replica.",
                cx.name()
            )));
        }
    }

    /// The write history kept for lost-write accounting.
    fn memory_bytes(_params: &ParamMap, _budget: &crate::budget::Budget) -> u64 {
        MAX_HISTORY as u64 * 8
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        [30.0, 75.0, 190.0, 480.0][Params::parse(params).size.step()]
    }

    fn survives_own_loss(params: &ParamMap, group_size: usize) -> bool {
        let p = Params::parse(params);
        p.role == DbRole::Primary && p.failover && group_size > 1
    }

    fn down_reason(cx: &NodeCx) -> Option<String> {
        // With failover off, a replica does not take over: the generic reason fits.
        let how = if !cx.calls(Role::Replica) {
            "and has no replica to take over; add a replica"
        } else if Params::parse(&cx.node.params).failover {
            "until a replica took over; a shorter Promotion delay shortens that"
        } else {
            return None;
        };
        Some(format!("{} was down {how}.", cx.node.name))
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let table = match p.engine {
            Engine::NoSql => NOSQL_MS,
            Engine::Sql => SQL_MS,
        };
        let mut svc_us = [0.0; REQUEST_KINDS];
        for (svc, ms) in svc_us.iter_mut().zip(table) {
            *svc = ms * p.size.speed_factor() * 1000.0;
        }
        let head = cx.group[i];
        let cluster = (head == i as u32).then(|| {
            let members = cx.group_members(head);
            let primary = members
                .iter()
                .copied()
                .find(|&m| Params::parse(cx.params(m as usize)).role == DbRole::Primary)
                .unwrap_or(members[0]);
            Cluster {
                members,
                primary,
                rr: [0; 8],
                token: 0,
                pending_lost: 0,
                acked: VecDeque::new(),
            }
        });
        let state = State {
            head,
            lag_base_us: (p.replication_lag_ms * 1000.0) as u64,
            failover: p.failover,
            promotion_us: (p.promotion_s * 1e6) as u64,
            cluster,
        };
        (
            NodeSetup::server(8 * p.size.concurrency_factor(), p.max_queue, svc_us),
            state,
        )
    }

    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        let write = sim.reqs[r as usize].kind.is_write();
        sim.record_db_query(write);
        if write {
            let now = sim.now;
            let c = cluster_mut(sim, node);
            if c.primary == node {
                c.note_write(now);
            }
        }
        sim.respond(r);
    }

    /// Reads go to a live replica where the caller stands (round robin), else to any
    /// live replica, or to the primary when none is left.
    fn route_read(sim: &mut Simulation, node: u32, r: u32) -> u32 {
        let head = sim.state::<State>(node).head;
        let m = cluster(sim, head).members.len();
        let primary = cluster(sim, head).primary;
        let here = sim.nodes[sim.reqs[r as usize].top().node as usize].loc;
        let slot = here as usize % 8;
        let start = cluster(sim, head).rr[slot] as usize;
        let mut far = None;
        for k in 0..m {
            let i = wrap_add(start, k, m);
            let member = cluster(sim, head).members[i];
            let n = &sim.nodes[member as usize];
            if member != primary && n.up() {
                if n.loc == here {
                    cluster_mut(sim, head).rr[slot] = wrap_add(i, 1, m) as u32;
                    return member;
                }
                far = far.or(Some(i));
            }
        }
        match far {
            Some(i) => {
                cluster_mut(sim, head).rr[slot] = wrap_add(i, 1, m) as u32;
                cluster(sim, head).members[i]
            }
            None => primary,
        }
    }

    fn route_write(sim: &mut Simulation, node: u32, _r: u32) -> u32 {
        cluster(sim, node).primary
    }

    /// A dead primary starts a failover (or writes fail when no replica can take over).
    fn on_down(sim: &mut Simulation, node: u32) {
        if cluster(sim, node).primary != node {
            return;
        }
        let now = sim.now;
        let candidate = promotion_candidate(sim, node, node);
        let id = sim.ids[node as usize].clone();
        let own = sim.state::<State>(node);
        let (failover, delay) = (own.failover, own.promotion_us);
        if failover && candidate != NONE {
            let lag = replica_lag_us(sim, candidate);
            let head = sim.state::<State>(node).head;
            let c = cluster_mut(sim, node);
            let lost = c.writes_within(now, lag);
            c.pending_lost = lost;
            c.token += 1;
            let token = c.token;
            sim.schedule_tick(now + delay, head, token);
            sim.mark(format!(
                "{id} (primary) is down; a replica will be promoted in {} s",
                crate::format::trimmed(delay as f64 / 1e6, 6)
            ));
        } else {
            sim.mark(format!(
                "{id} (primary) is down and no replica can take over; writes fail"
            ));
        }
    }

    fn on_up(sim: &mut Simulation, node: u32) {
        let id = sim.ids[node as usize].clone();
        let c = cluster_mut(sim, node);
        if c.primary == node {
            // Back before a promotion: nothing was lost after all.
            c.token += 1;
            c.pending_lost = 0;
            sim.mark(format!("{id} is primary again"));
        } else if c.members.len() > 1 {
            sim.mark(format!("{id} rejoined as a replica"));
        }
    }

    /// The promotion delay of a dead primary ended (on the cluster's head).
    fn on_tick(sim: &mut Simulation, head: u32, token: u32) {
        if cluster(sim, head).token != token {
            return;
        }
        let old = cluster(sim, head).primary;
        if sim.nodes[old as usize].up() {
            return;
        }
        let candidate = promotion_candidate(sim, head, old);
        if candidate == NONE {
            let text = format!("no replica of {} is left to promote", sim.ids[old as usize]);
            sim.mark(text);
            return;
        }
        let c = cluster_mut(sim, head);
        let lost = std::mem::take(&mut c.pending_lost);
        c.primary = candidate;
        sim.record_lost(lost);
        let text = format!(
            "{} promoted to primary; {} not yet replicated from {} {} lost",
            sim.ids[candidate as usize],
            crate::format::count_of(lost, "write", "writes"),
            sim.ids[old as usize],
            if lost == 1 { "was" } else { "were" }
        );
        sim.mark(text);
    }

    fn extras(sim: &Simulation, node: u32) -> Extras {
        if !sim.nodes[node as usize].up() {
            // A dead database is neither: it takes nothing and trails nobody.
            return Extras {
                role: Some("down".to_string()),
                ..Extras::default()
            };
        }
        if cluster(sim, node).primary == node {
            Extras {
                replication_lag_ms: None,
                role: Some("primary".to_string()),
                shards: None,
            }
        } else {
            Extras {
                replication_lag_ms: Some(replica_lag_us(sim, node) as f64 / 1000.0),
                role: Some("replica".to_string()),
                shards: None,
            }
        }
    }
}

/// The cluster `node` belongs to.
fn cluster(sim: &Simulation, node: u32) -> &Cluster {
    let head = sim.state::<State>(node).head;
    sim.state::<State>(head)
        .cluster
        .as_ref()
        .expect("the head of a cluster holds it")
}

fn cluster_mut(sim: &mut Simulation, node: u32) -> &mut Cluster {
    let head = sim.state::<State>(node).head;
    sim.state_mut::<State>(head)
        .cluster
        .as_mut()
        .expect("the head of a cluster holds it")
}

/// The first live member other than `old`.
fn promotion_candidate(sim: &Simulation, node: u32, old: u32) -> u32 {
    cluster(sim, node)
        .members
        .iter()
        .copied()
        .find(|&m| m != old && sim.nodes[m as usize].up())
        .unwrap_or(NONE)
}

/// How far a replica trails: its configured lag plus the writes queued at it.
fn replica_lag_us(sim: &Simulation, node: u32) -> u64 {
    let n = &sim.nodes[node as usize];
    let backlog =
        n.queue.len() as f64 * n.svc_us[RequestKind::Write.index()] / n.workers.max(1) as f64;
    sim.state::<State>(node).lag_base_us + backlog as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(writes: &[u64]) -> Cluster {
        let mut c = Cluster {
            members: vec![0, 1],
            primary: 0,
            rr: [0; 8],
            token: 0,
            pending_lost: 0,
            acked: VecDeque::new(),
        };
        for &t in writes {
            c.note_write(t);
        }
        c
    }

    #[test]
    fn lost_writes_are_exactly_those_acknowledged_within_the_lag() {
        let c = cluster(&[1_000, 99_999, 100_000, 100_500, 150_000, 199_999, 200_000]);
        // At 200 ms with a lag of 100 ms: writes after 100 ms (exclusive) are lost.
        assert_eq!(c.writes_within(200_000, 100_000), 4);
        // A fractional lag is not truncated to whole milliseconds.
        assert_eq!(c.writes_within(200_000, 500), 2);
        assert_eq!(c.writes_within(200_000, 1), 1);
        // A replica that is fully up to date loses nothing.
        assert_eq!(c.writes_within(200_000, 0), 0);
    }

    #[test]
    fn the_history_forgets_what_no_lag_can_reach() {
        let mut c = cluster(&[0, 1]);
        c.note_write(HISTORY_US + 10);
        assert_eq!(c.acked.len(), 1);
    }
}
