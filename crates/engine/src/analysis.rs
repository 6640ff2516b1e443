//! Structural analysis with graph algorithms: single points of failure on the way from
//! users to the services they need, and components no traffic can reach.

use std::collections::BTreeSet;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::{Bfs, NodeFiltered};
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

fn graph(d: &Diagram, groups: &[Vec<usize>]) -> DiGraph<usize, ()> {
    let mut g = DiGraph::with_capacity(d.nodes.len(), d.edges.len());
    for i in 0..d.nodes.len() {
        g.add_node(i);
    }
    for e in &d.edges {
        if let (Some(a), Some(b)) = (d.node_index(&e.from), d.node_index(&e.to)) {
            if a != b {
                g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
            }
        }
    }
    // A replication cluster is one service: whoever reaches a member reaches all.
    for c in groups {
        for &a in c {
            for &b in c {
                if a != b {
                    g.add_edge(NodeIndex::new(a), NodeIndex::new(b), ());
                }
            }
        }
    }
    g
}

fn reached(g: &DiGraph<usize, ()>, start: usize, removed: &BTreeSet<usize>) -> Vec<bool> {
    let mut seen = vec![false; g.node_count()];
    if removed.contains(&start) {
        return seen;
    }
    let filtered = NodeFiltered::from_fn(g, |n: NodeIndex| !removed.contains(&n.index()));
    let mut bfs = Bfs::new(&filtered, NodeIndex::new(start));
    while let Some(n) = bfs.next(&filtered) {
        seen[n.index()] = true;
    }
    seen
}

fn kinds_reached(d: &Diagram, seen: &[bool]) -> BTreeSet<Kind> {
    seen.iter()
        .enumerate()
        .filter(|(i, s)| **s && !d.nodes[*i].kind.info().offers(Role::Source))
        .map(|(i, _)| d.nodes[i].kind)
        .collect()
}

/// Whether node `i` survives its own loss (a primary with a replica and failover).
fn survives_loss(d: &Diagram, i: usize, groups: &[Vec<usize>]) -> bool {
    let n = &d.nodes[i];
    let size = groups.iter().find(|g| g.contains(&i)).map_or(1, Vec::len);
    dispatch!(n.kind, survives_own_loss(&n.params, size))
}

/// Runs the analysis.
pub fn analyze(d: &Diagram) -> Analysis {
    let clusters = groups(d);
    let g = graph(d, &clusters);
    let users: Vec<usize> = (0..d.nodes.len())
        .filter(|&i| d.nodes[i].kind.info().offers(Role::Source))
        .collect();
    let none = BTreeSet::new();
    let baseline: Vec<(usize, BTreeSet<Kind>)> = users
        .iter()
        .map(|&u| (u, kinds_reached(d, &reached(&g, u, &none))))
        .collect();

    let mut out = Analysis::default();
    let mut any_reached = vec![false; d.nodes.len()];
    for &u in &users {
        for (i, s) in reached(&g, u, &none).into_iter().enumerate() {
            any_reached[i] |= s;
        }
    }
    for (i, n) in d.nodes.iter().enumerate() {
        if n.kind.takes_calls() && !any_reached[i] {
            out.unreachable.push(Finding::warning(
                Some(&n.id),
                format!(
                    "{} receives no traffic: no path leads to it from any users.",
                    n.name
                ),
            ));
        }
    }

    let lost_kind = |removed: &BTreeSet<usize>| -> Option<(usize, Kind)> {
        for (u, kinds) in &baseline {
            let now = kinds_reached(d, &reached(&g, *u, removed));
            if let Some(k) = kinds.iter().find(|k| !now.contains(k)) {
                return Some((*u, *k));
            }
        }
        None
    };

    for (i, n) in d.nodes.iter().enumerate() {
        if !n.kind.info().self_managed || !any_reached[i] || survives_loss(d, i, &clusters) {
            continue;
        }
        let removed = BTreeSet::from([i]);
        if let Some((u, k)) = lost_kind(&removed) {
            out.single_points_of_failure.push(Finding::warning(
                Some(&n.id),
                format!(
                    "If {} fails, {} can no longer reach any {}: it is a single point of failure.",
                    n.name,
                    d.nodes[u].name,
                    k.label().to_lowercase()
                ),
            ));
        }
    }

    for dc in &d.data_centers {
        let removed: BTreeSet<usize> = (0..d.nodes.len())
            .filter(|&i| d.nodes[i].dc.as_deref() == Some(dc.id.as_str()))
            .collect();
        if removed.is_empty() {
            continue;
        }
        if let Some((u, k)) = lost_kind(&removed) {
            out.data_center_failures.push(Finding::warning(
                None,
                format!(
                    "If {} goes down, {} can no longer reach any {}.",
                    dc.name,
                    d.nodes[u].name,
                    k.label().to_lowercase()
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
    fn unreachable_nodes_are_reported() {
        let mut d = chain();
        let c = d.add_node(Kind::Cache, 0.0, 0.0);
        let a = analyze(&d);
        assert_eq!(a.unreachable.len(), 1);
        assert_eq!(a.unreachable[0].node.as_deref(), Some(c.as_str()));
    }
}
