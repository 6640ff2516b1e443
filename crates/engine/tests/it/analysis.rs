//! The structural analysis against a brute-force oracle: remove each component (or each
//! data center) in turn and search again from every Users node.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use scalelab_engine::{analyze, Diagram, Kind, Role};

use crate::conservation::{build, shape};

/// For each Users node (in diagram order), the kinds it reaches without `removed`.
fn kinds_per_user(d: &Diagram, removed: &BTreeSet<usize>) -> Vec<(usize, BTreeSet<Kind>)> {
    let index: BTreeMap<&str, usize> = d
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut adj = vec![Vec::new(); d.nodes.len()];
    for e in &d.edges {
        let (a, b) = (index[e.from.as_str()], index[e.to.as_str()]);
        adj[a].push(b);
        // Databases joined by an edge are one service, reachable from either member.
        if d.nodes[a].kind == Kind::Database && d.nodes[b].kind == Kind::Database {
            adj[b].push(a);
        }
    }
    // Close the replication clusters: members reach each other.
    for _ in 0..d.nodes.len() {
        let snapshot = adj.clone();
        for (a, list) in snapshot.iter().enumerate() {
            if d.nodes[a].kind != Kind::Database {
                continue;
            }
            for &b in list {
                if d.nodes[b].kind == Kind::Database {
                    for &c in &snapshot[b] {
                        if d.nodes[c].kind == Kind::Database && c != a && !adj[a].contains(&c) {
                            adj[a].push(c);
                        }
                    }
                }
            }
        }
    }
    (0..d.nodes.len())
        .filter(|&u| d.nodes[u].kind.info().offers(Role::Source))
        .map(|u| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![u];
            while let Some(v) = stack.pop() {
                if removed.contains(&v) || !seen.insert(v) {
                    continue;
                }
                stack.extend(adj[v].iter().copied());
            }
            let kinds = seen
                .into_iter()
                .map(|v| d.nodes[v].kind)
                .filter(|k| !k.info().offers(Role::Source))
                .collect();
            (u, kinds)
        })
        .collect()
}

fn cuts_someone(d: &Diagram, removed: &BTreeSet<usize>) -> bool {
    let before = kinds_per_user(d, &BTreeSet::new());
    let after = kinds_per_user(d, removed);
    before
        .iter()
        .zip(&after)
        .any(|((_, a), (_, b))| !a.is_subset(b))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn single_points_of_failure_match_removing_each_node(sh in shape()) {
        let (d, _) = build(&sh);
        let a = analyze(&d);
        let reported: BTreeSet<String> =
            a.single_points_of_failure.iter().filter_map(|f| f.node.clone()).collect();
        for (i, n) in d.nodes.iter().enumerate() {
            let candidate = n.kind.info().self_managed
                && !(n.kind == Kind::Database
                    && n.params.get("role").is_none_or(|r| r.as_str() == Some("primary"))
                    && d.successors(&n.id).any(|s| s.kind == Kind::Database));
            // A node whose loss cuts someone off was necessarily reached.
            let expected = candidate && cuts_someone(&d, &BTreeSet::from([i]));
            prop_assert_eq!(reported.contains(&n.id), expected, "{} ({:?})", n.id, n.kind);
        }
        for dc in &d.data_centers {
            let inside: BTreeSet<usize> = (0..d.nodes.len())
                .filter(|&i| d.nodes[i].dc.as_deref() == Some(dc.id.as_str()))
                .collect();
            let expected = !inside.is_empty() && cuts_someone(&d, &inside);
            let reported = a.data_center_failures.iter().any(|f| f.message.contains(&dc.name));
            prop_assert_eq!(reported, expected, "{}", dc.name);
        }
    }
}
