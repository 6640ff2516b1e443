//! Structural analysis with graph algorithms: single points of failure on the way from
//! users to the services they need, and components no traffic can reach.

use petgraph::algo::dominators::simple_fast;
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

use crate::components::{dispatch, Kind, Role};
use crate::diagram::Diagram;
use crate::finding::Finding;
use crate::sim::build::service_groups;

/// What the structural analysis found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// Components whose loss cuts some users off from a service they reach today.
    pub single_points_of_failure: Vec<Finding>,
    /// Components that no users can reach.
    pub unreachable: Vec<Finding>,
    /// Data centers whose loss cuts some users off (only when the diagram has some).
    pub data_center_failures: Vec<Finding>,
}

/// Service groups as lists of members (only groups of two or more).
fn groups(d: &Diagram) -> Vec<Vec<usize>> {
    let group = service_groups(d);
    let mut out: Vec<Vec<usize>> = Vec::new();
    for head in 0..group.len() {
        let members: Vec<usize> = (0..group.len())
            .filter(|&m| group[m] as usize == head)
            .collect();
        if members.len() > 1 {
            out.push(members);
        }
    }
    out
}

/// Successor lists by node index: the diagram's edges, plus edges joining every two
/// members of a service group (a replication cluster is one service: whoever reaches a
/// member reaches all).
fn adjacency(d: &Diagram, groups: &[Vec<usize>]) -> Vec<Vec<u32>> {
    let index = d.index_by_id();
    let mut adj = vec![Vec::new(); d.nodes.len()];
    for e in &d.edges {
        if let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
            if a != b {
                adj[a].push(b as u32);
            }
        }
    }
    for c in groups {
        for &a in c {
            for &b in c {
                if a != b {
                    adj[a].push(b as u32);
                }
            }
        }
    }
    for list in &mut adj {
        crate::order::sort_u32(list);
        list.dedup();
    }
    adj
}

/// Which users reach which nodes, for all users at once: one bit per Users node in a
/// row of `words` words per node. Nodes in `removed` are out of the graph.
struct Reach<'a> {
    adj: &'a [Vec<u32>],
    users: &'a [usize],
    words: usize,
}

impl Reach<'_> {
    fn run(&self, removed: &[bool]) -> Vec<u64> {
        let w = self.words;
        let mut bits = vec![0u64; self.adj.len() * w];
        let mut queue = std::collections::VecDeque::new();
        let mut queued = vec![false; self.adj.len()];
        for (k, &u) in self.users.iter().enumerate() {
            if !removed[u] {
                bits[u * w + k / 64] |= 1 << (k % 64);
                if !queued[u] {
                    queued[u] = true;
                    queue.push_back(u);
                }
            }
        }
        // Propagate until nothing grows; a node is queued again only when its set of
        // users grows, which bounds the work.
        while let Some(v) = queue.pop_front() {
            queued[v] = false;
            for &s in &self.adj[v] {
                let s = s as usize;
                if removed[s] {
                    continue;
                }
                let mut grew = false;
                for i in 0..w {
                    let add = bits[v * w + i] & !bits[s * w + i];
                    if add != 0 {
                        bits[s * w + i] |= add;
                        grew = true;
                    }
                }
                if grew && !queued[s] {
                    queued[s] = true;
                    queue.push_back(s);
                }
            }
        }
        bits
    }
}

/// For each kind in palette order, the users reaching some node of it (a user bit row).
fn kinds_reached(d: &Diagram, bits: &[u64], words: usize) -> Vec<Vec<u64>> {
    let mut out = vec![vec![0u64; words]; Kind::ALL.len()];
    for (i, n) in d.nodes.iter().enumerate() {
        if n.kind.info().offers(Role::Source) {
            continue;
        }
        let k = Kind::ALL.iter().position(|x| *x == n.kind).unwrap_or(0);
        for w in 0..words {
            out[k][w] |= bits[i * words + w];
        }
    }
    out
}

/// Whether node `i` survives its own loss (a primary with a replica and failover).
fn survives_loss(d: &Diagram, i: usize, groups: &[Vec<usize>]) -> bool {
    let n = &d.nodes[i];
    let size = groups.iter().find(|g| g.contains(&i)).map_or(1, Vec::len);
    dispatch!(n.kind, survives_own_loss(&n.params, size))
}

/// Runs the analysis: a dominator tree per Users node for single points of failure,
/// and one reachability pass over all users at once (bit sets) per data center, so a
/// 500-node diagram takes milliseconds.
pub fn analyze(d: &Diagram) -> Analysis {
    let n = d.nodes.len();
    let clusters = groups(d);
    let adj = adjacency(d, &clusters);
    let users: Vec<usize> = (0..n)
        .filter(|&i| d.nodes[i].kind.info().offers(Role::Source))
        .collect();
    let words = users.len().div_ceil(64).max(1);
    let reach = Reach {
        adj: &adj,
        users: &users,
        words,
    };
    let none = vec![false; n];
    let base_bits = reach.run(&none);
    let baseline = kinds_reached(d, &base_bits, words);
    let reached = |i: usize| {
        base_bits[i * words..(i + 1) * words]
            .iter()
            .any(|w| *w != 0)
    };

    let mut out = Analysis::default();
    for (i, node) in d.nodes.iter().enumerate() {
        if node.kind.takes_calls() && !reached(i) {
            out.unreachable.push(Finding::warning(
                Some(&node.id),
                format!(
                    "{} receives no traffic: no path leads to it from any users.",
                    node.name
                ),
            ));
        }
    }

    // The first (users node, kind) that some user reached before and not after.
    let lost_kind = |removed: &[bool]| -> Option<(usize, Kind)> {
        let now = kinds_reached(d, &reach.run(removed), words);
        for (k, &u) in users.iter().enumerate() {
            let bit = 1u64 << (k % 64);
            let w = k / 64;
            for (ki, kind) in Kind::ALL.iter().enumerate() {
                if baseline[ki][w] & bit != 0 && now[ki][w] & bit == 0 {
                    return Some((u, *kind));
                }
            }
        }
        None
    };

    // Single points of failure from each user's dominator tree: a node whose loss cuts
    // user u off from every node of kind k is exactly a node that dominates all the
    // k-nodes u reaches, i.e. an ancestor (or itself) of their lowest common ancestor.
    // For each node, the first (user, kind) it cuts, in users order then palette order.
    let mut cuts: Vec<Option<(usize, Kind)>> = vec![None; n];
    let mut graph: DiGraph<(), ()> = DiGraph::with_capacity(n, adj.iter().map(Vec::len).sum());
    for _ in 0..n {
        graph.add_node(());
    }
    for (a, list) in adj.iter().enumerate() {
        for &b in list {
            graph.add_edge(NodeIndex::new(a), NodeIndex::new(b as usize), ());
        }
    }
    for &u in &users {
        let dom = simple_fast(&graph, NodeIndex::new(u));
        let idom = |v: usize| {
            dom.immediate_dominator(NodeIndex::new(v))
                .map(|x| x.index())
        };
        let depth = |mut v: usize| {
            let mut k = 0;
            while let Some(p) = idom(v) {
                v = p;
                k += 1;
            }
            k
        };
        let lca = |a: usize, b: usize| {
            let (mut a, mut b) = (a, b);
            let (mut da, mut db) = (depth(a), depth(b));
            while da > db {
                a = idom(a).unwrap_or(a);
                da -= 1;
            }
            while db > da {
                b = idom(b).unwrap_or(b);
                db -= 1;
            }
            while a != b {
                a = idom(a).unwrap_or(a);
                b = idom(b).unwrap_or(b);
            }
            a
        };
        for kind in Kind::ALL {
            if kind.info().offers(Role::Source) {
                continue;
            }
            let mut meet: Option<usize> = None;
            for v in 0..n {
                let reachable = v == u || dom.immediate_dominator(NodeIndex::new(v)).is_some();
                if reachable && d.nodes[v].kind == *kind {
                    meet = Some(meet.map_or(v, |m| lca(m, v)));
                }
            }
            let mut v = meet;
            while let Some(x) = v {
                if x == u {
                    break;
                }
                if cuts[x].is_none() {
                    cuts[x] = Some((u, *kind));
                }
                v = idom(x);
            }
        }
    }
    for (i, node) in d.nodes.iter().enumerate() {
        if !node.kind.info().self_managed || !reached(i) || survives_loss(d, i, &clusters) {
            continue;
        }
        if let Some((u, k)) = cuts[i] {
            out.single_points_of_failure.push(Finding::warning(
                Some(&node.id),
                format!(
                    "If {} fails, {} can no longer reach any {}: it is a single point of failure.",
                    node.name,
                    d.nodes[u].name,
                    crate::catalog::in_sentence(k.label())
                ),
            ));
        }
    }

    for dc in &d.data_centers {
        let removed: Vec<bool> = d
            .nodes
            .iter()
            .map(|x| x.home_dc() == Some(dc.id.as_str()))
            .collect();
        if !removed.iter().any(|r| *r) {
            continue;
        }
        if let Some((u, k)) = lost_kind(&removed) {
            out.data_center_failures.push(Finding::warning(
                None,
                format!(
                    "If {} goes down, {} can no longer reach any {}.",
                    dc.name,
                    d.nodes[u].name,
                    crate::catalog::in_sentence(k.label())
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ParamValue;

    fn chain() -> Diagram {
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        let w1 = d.add_node(Kind::WebServer, 0.0, 0.0);
        let db = d.add_node(Kind::Database, 0.0, 0.0);
        d.connect(&u, &lb).unwrap();
        d.connect(&lb, &w1).unwrap();
        d.connect(&w1, &db).unwrap();
        d
    }

    fn spof_ids(d: &Diagram) -> Vec<String> {
        analyze(d)
            .single_points_of_failure
            .into_iter()
            .filter_map(|f| f.node)
            .collect()
    }

    #[test]
    fn one_of_everything_is_fragile_everywhere() {
        assert_eq!(spof_ids(&chain()), vec!["lb-1", "web-1", "db-1"]);
    }

    #[test]
    fn a_second_server_and_a_replica_remove_those_spofs() {
        let mut d = chain();
        let w2 = d.add_node(Kind::WebServer, 0.0, 0.0);
        d.connect("lb-1", &w2).unwrap();
        d.connect(&w2, "db-1").unwrap();
        assert_eq!(spof_ids(&d), vec!["lb-1", "db-1"]);
        let r = d.add_node(Kind::Database, 0.0, 0.0);
        d.set_param(&r, "role", ParamValue::Text("replica".into()))
            .unwrap();
        d.connect("db-1", &r).unwrap();
        assert_eq!(spof_ids(&d), vec!["lb-1"]);
        d.set_param("db-1", "failover", ParamValue::Bool(false))
            .unwrap();
        assert_eq!(spof_ids(&d), vec!["lb-1", "db-1"]);
    }

    #[test]
    fn a_kind_named_by_an_abbreviation_keeps_its_capitals() {
        // Users reach the web server directly and through an API gateway, the only one,
        // which stands in a data center: losing the data center loses only the gateway.
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let gw = d.add_node(Kind::ApiGateway, 0.0, 0.0);
        let web = d.add_node(Kind::WebServer, 0.0, 0.0);
        for (a, b) in [(&u, &gw), (&gw, &web), (&u, &web)] {
            d.connect(a, b).unwrap();
        }
        let dc = d.add_data_center(crate::region::Region::Europe, 0.0, 0.0, 100.0, 100.0);
        d.set_node_dc(&gw, Some(&dc));
        d.data_centers[0].name = "Paris".into();
        let found: Vec<String> = analyze(&d)
            .data_center_failures
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            ["If Paris goes down, Users 1 can no longer reach any API gateway."]
        );
    }

    #[test]
    fn unreachable_nodes_are_reported() {
        let mut d = chain();
        let c = d.add_node(Kind::Cache, 0.0, 0.0);
        let a = analyze(&d);
        assert_eq!(a.unreachable.len(), 1);
        assert_eq!(a.unreachable[0].node.as_deref(), Some(c.as_str()));
    }
}
