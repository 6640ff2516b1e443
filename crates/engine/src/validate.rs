//! Checking a diagram: limits, ids, data centers, parameters, wiring, each component's
//! own rules and unreachable components. Every problem is reported (not only the
//! first), each with the node concerned and a sentence a learner understands.

use crate::vecmap::VecSet;

use crate::components::{dispatch, Kind, NodeCx, Role};
use crate::diagram::{Diagram, WiringError, MAX_DATA_CENTERS, MAX_EDGES, MAX_ID_LEN, MAX_NODES};
use crate::finding::Finding;
use crate::format::short;

/// The known name closest to `typed` (a small edit distance), to suggest for a typo.
pub fn nearest<'a>(typed: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (edit_distance(typed, k), k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance over characters (inputs are short names).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

impl Diagram {
    /// Every problem in the diagram: errors (which stop a run) and warnings.
    pub fn validate(&self) -> Vec<Finding> {
        let over = self.over_limits();
        if !over.is_empty() {
            // Past the limits, the rest would only be slow and say little more.
            return over;
        }
        let mut out = self.validate_form();
        if !self
            .nodes
            .iter()
            .any(|n| n.kind.info().offers(Role::Source))
        {
            out.push(Finding::error(
                None,
                "Add a Users component: nothing sends traffic yet.",
            ));
        }
        // Web servers with callers but no data tier (a database or a cache), and whether
        // some web server has one.
        let (mut without, mut some_with) = (Vec::new(), false);
        for n in &self.nodes {
            let cx = NodeCx::new(self, n);
            if n.kind == Kind::WebServer {
                if cx.calls(Role::Database) || cx.calls(Role::Cache) {
                    some_with = true;
                } else if !cx.pred.is_empty() {
                    without.push(n);
                }
            }
            dispatch!(n.kind, validate(&cx, &mut out));
        }
        // One without beside one with keeps data of its own, as chapter 1's server does:
        // likely a connection forgotten, and it does the database's work too. (One that
        // nothing calls yet is already said to receive no traffic.)
        if some_with {
            for n in without {
                out.push(Finding::warning(
                    Some(&n.id),
                    format!("{} has no database, unlike the other web servers, so it keeps data of its own; connect it to the database or cache they use.", n.name),
                ));
            }
        }
        self.gateway_loops(&mut out);
        out.extend(crate::analysis::analyze(self).unreachable);
        out
    }

    /// API gateways passing requests on to each other in a loop (the only kind that may
    /// call its own kind): a request may pass a gateway more than once, and fails for
    /// having no route when its call stack is full. One warning per connection that
    /// closes a loop, found depth first.
    fn gateway_loops(&self, out: &mut Vec<Finding>) {
        let n = self.nodes.len();
        let gateway = |i: usize| self.nodes[i].kind == Kind::ApiGateway;
        let mut next = crate::sim::build::successors(self);
        for (a, s) in next.iter_mut().enumerate() {
            // Once each: two connections between the same gateways make one loop.
            let mut once = Vec::new();
            for &b in s.iter() {
                if b as usize != a && gateway(a) && gateway(b as usize) && !once.contains(&b) {
                    once.push(b);
                }
            }
            *s = once;
        }
        // 0: not reached yet; 1: on the path being followed; 2: done.
        let mut state = vec![0u8; n];
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            state[start] = 1;
            // Each node on the path with how many of its successors were followed.
            let mut path = vec![(start, 0)];
            while let Some(top) = path.last_mut() {
                let (u, k) = *top;
                let Some(&v) = next[u].get(k) else {
                    state[u] = 2;
                    path.pop();
                    continue;
                };
                top.1 += 1;
                let v = v as usize;
                match state[v] {
                    0 => {
                        state[v] = 1;
                        path.push((v, 0));
                    }
                    1 => out.push(Finding::warning(
                        Some(&self.nodes[v].id),
                        format!(
                            "{} can get its own requests back through {}: a request may pass it more than once, which adds work and waiting, and one that goes round too often fails for having no route; remove a connection that closes the loop.",
                            self.nodes[v].name, self.nodes[u].name
                        ),
                    )),
                    _ => {}
                }
            }
        }
    }

    /// The problems of the diagram as data, whatever the design: over the limits,
    /// ids, settings, connections the engine does not allow. An unfinished design (a
    /// challenge's starting point: Users not yet connected) passes this, not
    /// [`Diagram::validate`].
    pub fn validate_form(&self) -> Vec<Finding> {
        let mut out = self.over_limits();
        if !out.is_empty() {
            return out;
        }
        if !self.validate_ids(&mut out) {
            // The other messages name components by these ids and names.
            return out;
        }
        self.validate_params(&mut out);
        self.validate_edges(&mut out);
        out
    }

    /// The limits on components, connections and data centers, checked first.
    fn over_limits(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        let too_big = [
            (self.nodes.len(), MAX_NODES, "components"),
            (self.edges.len(), MAX_EDGES, "connections"),
            (self.data_centers.len(), MAX_DATA_CENTERS, "data centers"),
        ];
        for (count, limit, what) in too_big {
            if count > limit {
                out.push(Finding::error(
                    None,
                    format!(
                        "The diagram has {} {what}; the limit is {}.",
                        crate::format::thousands(count as f64),
                        crate::format::thousands(limit as f64)
                    ),
                ));
            }
        }
        out
    }

    /// Checks ids and data-center references; false when an id is unusable (empty,
    /// too long or shared).
    fn validate_ids(&self, out: &mut Vec<Finding>) -> bool {
        let before = out.len();
        let mut dc_ids = VecSet::new();
        for d in &self.data_centers {
            if d.id.is_empty() || d.id.chars().count() > MAX_ID_LEN {
                out.push(Finding::error(
                    None,
                    format!(
                        "Data center \"{}\" needs an id of 1 to {MAX_ID_LEN} characters.",
                        short(&d.name)
                    ),
                ));
            }
            if !dc_ids.insert(d.id.as_str()) {
                out.push(Finding::error(
                    None,
                    format!(
                        "Two data centers share the id \"{}\"; give each its own.",
                        short(&d.id)
                    ),
                ));
            }
        }
        let mut ids = VecSet::new();
        for n in &self.nodes {
            let id = Some(n.id.as_str());
            if n.id.is_empty() || n.id.chars().count() > MAX_ID_LEN {
                out.push(Finding::error(
                    id,
                    format!(
                        "\"{}\" needs an id of 1 to {MAX_ID_LEN} characters.",
                        short(&n.name)
                    ),
                ));
            }
            if !ids.insert(n.id.as_str()) {
                out.push(Finding::error(
                    id,
                    format!(
                        "Two components share the id \"{}\"; give each its own.",
                        short(&n.id)
                    ),
                ));
            }
        }
        let sound = out.len() == before;
        for n in &self.nodes {
            let id = Some(n.id.as_str());
            if let Some(dc) = &n.dc {
                if !dc_ids.contains(dc.as_str()) {
                    out.push(Finding::error(
                        id,
                        format!(
                            "{} is placed in data center \"{}\", which does not exist.",
                            n.name,
                            short(dc)
                        ),
                    ));
                }
            }
        }
        sound
    }

    /// Unknown parameters (with the nearest known name) and values out of bounds.
    fn validate_params(&self, out: &mut Vec<Finding>) {
        for n in &self.nodes {
            let id = Some(n.id.as_str());
            for (key, value) in &n.params {
                match n.kind.param(key) {
                    None => {
                        let hint = nearest(key, n.kind.params().iter().map(|p| p.key))
                            .map(|k| format!(" Did you mean \"{k}\"?"))
                            .unwrap_or_else(|| {
                                let keys: Vec<&str> =
                                    n.kind.params().iter().map(|p| p.key).collect();
                                format!(" Its settings are: {}.", keys.join(", "))
                            });
                        out.push(Finding::error(
                            id,
                            format!(
                                "{} ({}) has no setting \"{}\".{hint}",
                                n.name,
                                crate::catalog::in_sentence(n.kind.label()),
                                short(key)
                            ),
                        ));
                    }
                    Some(spec) => {
                        if let Err(e) = spec.check(value) {
                            out.push(Finding::error(id, format!("{}: {e}", n.name)));
                        }
                    }
                }
            }
        }
    }

    fn validate_edges(&self, out: &mut Vec<Finding>) {
        let mut seen_edges = VecSet::new();
        for e in &self.edges {
            let (a, b) = (self.node(&e.from), self.node(&e.to));
            match (a, b) {
                (None, _) => out.push(Finding::error(
                    Some(&e.to),
                    format!(
                        "A connection starts at \"{}\", which does not exist; delete it.",
                        short(&e.from)
                    ),
                )),
                (_, None) => out.push(Finding::error(
                    Some(&e.from),
                    format!(
                        "A connection ends at \"{}\", which does not exist; delete it.",
                        short(&e.to)
                    ),
                )),
                (Some(a), Some(b)) => {
                    if e.from == e.to {
                        out.push(Finding::error(
                            Some(&a.id),
                            WiringError::SelfLoop { kind: a.kind }.to_string(),
                        ));
                    } else if !a.kind.may_send(b.kind) {
                        let refused = WiringError::NotAllowed {
                            from: a.kind,
                            to: b.kind,
                        };
                        out.push(Finding::error(
                            Some(&a.id),
                            format!("{refused} {}", a.kind.wiring_hint()),
                        ));
                    }
                    if !seen_edges.insert((e.from.as_str(), e.to.as_str())) {
                        out.push(Finding::warning(
                            Some(&a.id),
                            format!("{} is connected to {} twice.", a.name, b.name),
                        ));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ParamValue;
    use crate::components::Kind;
    use crate::diagram::Edge;
    use crate::finding::Severity;
    use crate::region::Region;

    fn small() -> Diagram {
        let mut d = Diagram::new();
        let u = d.add_node(Kind::Users, 0.0, 0.0);
        let dns = d.add_node(Kind::Dns, 1.0, 0.0);
        let web = d.add_node(Kind::WebServer, 2.0, 0.0);
        let db = d.add_node(Kind::Database, 3.0, 0.0);
        d.connect(&u, &dns).unwrap();
        d.connect(&dns, &web).unwrap();
        d.connect(&web, &db).unwrap();
        d
    }

    #[test]
    fn a_valid_diagram_has_no_errors() {
        let errors: Vec<_> = small()
            .validate()
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn validate_reports_every_problem_with_its_node() {
        let mut d = small();
        d.edges.push(Edge {
            from: "web-1".into(),
            to: "ghost".into(),
        });
        d.edges.push(Edge {
            from: "db-1".into(),
            to: "web-1".into(),
        });
        let cdn = d.add_node(Kind::Cdn, 0.0, 0.0);
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        let replica = d.add_node(Kind::Database, 0.0, 0.0);
        d.set_param(&replica, "role", ParamValue::Text("replica".into()))
            .unwrap();
        d.set_param("web-1", "sessions", ParamValue::Text("store".into()))
            .unwrap();
        d.nodes[2]
            .params
            .insert("max_queue".into(), ParamValue::Num(0.0));
        d.nodes[2]
            .params
            .insert("instanses".into(), ParamValue::Num(2.0));
        d.nodes[2].dc = Some("dc-9".into());
        let f = d.validate();
        let has = |node: &str, needle: &str| {
            f.iter()
                .any(|x| x.node.as_deref() == Some(node) && x.message.contains(needle))
        };
        assert!(has("web-1", "\"ghost\", which does not exist"), "{f:#?}");
        assert!(
            has("db-1", "A database cannot send requests to a web server."),
            "{f:#?}"
        );
        assert!(has(&cdn, "no origin"), "{f:#?}");
        assert!(has(&lb, "no servers behind it"), "{f:#?}");
        assert!(has(&replica, "no primary replicates to it"), "{f:#?}");
        assert!(has("web-1", "no session store is connected"), "{f:#?}");
        assert!(
            has("web-1", "Queue limit must be between 1 and 10,000"),
            "{f:#?}"
        );
        assert!(
            has(
                "web-1",
                "has no setting \"instanses\". Did you mean \"instances\"?"
            ),
            "{f:#?}"
        );
        assert!(
            has("web-1", "data center \"dc-9\", which does not exist"),
            "{f:#?}"
        );
        assert!(has(&cdn, "receives no traffic"), "{f:#?}");
        assert!(f.iter().filter(|x| x.severity == Severity::Error).count() >= 8);
    }

    #[test]
    fn a_web_server_without_the_database_the_others_have_is_warned_about() {
        let unlike = |d: &Diagram| -> Vec<String> {
            d.validate()
                .into_iter()
                .filter(|f| f.message.contains("unlike the other web servers"))
                .inspect(|f| assert_eq!(f.severity, Severity::Warning))
                .filter_map(|f| f.node)
                .collect()
        };
        let mut d = small();
        let web2 = d.add_node(Kind::WebServer, 2.0, 1.0);
        // Just dropped, nothing calls it: it is said to receive no traffic, and only that.
        assert!(unlike(&d).is_empty());
        d.connect("dns-1", &web2).unwrap();
        assert_eq!(unlike(&d), std::slice::from_ref(&web2));
        // Behind a cache counts as having the data tier.
        let cache = d.add_node(Kind::Cache, 3.0, 1.0);
        d.connect(&web2, &cache).unwrap();
        d.connect(&cache, "db-1").unwrap();
        assert!(unlike(&d).is_empty());
        // Servers with no database at all are chapter 1's design: nothing to say.
        let mut alone = Diagram::new();
        let u = alone.add_node(Kind::Users, 0.0, 0.0);
        let dns = alone.add_node(Kind::Dns, 1.0, 0.0);
        for y in [0.0, 1.0] {
            let w = alone.add_node(Kind::WebServer, 2.0, y);
            alone.connect(&dns, &w).unwrap();
        }
        alone.connect(&u, &dns).unwrap();
        assert!(unlike(&alone).is_empty());
    }

    #[test]
    fn no_users_is_an_error() {
        let d = Diagram::new();
        assert!(d
            .validate()
            .iter()
            .any(|f| f.severity == Severity::Error && f.message.contains("Users")));
    }

    #[test]
    fn past_the_node_limit_only_the_limit_is_reported() {
        let mut d = Diagram::new();
        for _ in 0..=MAX_NODES {
            d.add_node(Kind::WebServer, 0.0, 0.0);
        }
        let f = d.validate();
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("the limit is 500"));
    }

    #[test]
    fn ids_are_measured_in_characters() {
        let mut d = small();
        let dc = d.add_data_center(Region::Europe, 0.0, 0.0, 10.0, 10.0);
        // 64 two-byte characters: 128 bytes, but within the 64-character limit.
        d.data_centers[0].id = "é".repeat(64);
        d.nodes[0].id = "ü".repeat(64);
        let _ = dc;
        let f = d.validate();
        assert!(
            !f.iter().any(|x| x.message.contains("needs an id")),
            "{f:#?}"
        );
        d.nodes[1].id = "x".repeat(65);
        assert!(d
            .validate()
            .iter()
            .any(|x| x.message.contains("needs an id")));
    }

    #[test]
    fn no_message_quotes_a_long_text_whole() {
        let long = "b".repeat(5000);
        // Long ids, references and setting keys are quoted shortened.
        let mut d = small();
        d.nodes[2].id = long.clone();
        d.nodes[3].dc = Some(long.clone());
        d.nodes[3].params.insert(long.clone(), ParamValue::Num(1.0));
        d.edges.push(Edge {
            from: "users-1".into(),
            to: long.clone(),
        });
        d.edges.push(Edge {
            from: long.clone(),
            to: "db-1".into(),
        });
        let texts: Vec<String> = d.validate().iter().map(|x| x.to_string()).collect();
        assert!(
            texts.iter().any(|t| t.contains("needs an id")),
            "{texts:#?}"
        );
        d.nodes[2].id = "web-1".into();
        let more: Vec<String> = d.validate().iter().map(|x| x.to_string()).collect();
        for needle in [
            "is placed in data center",
            "has no setting",
            "A connection ends at",
            "A connection starts at",
        ] {
            assert!(
                more.iter().any(|t| t.contains(needle)),
                "{needle}: {more:#?}"
            );
        }
        let whole = "b".repeat(41);
        for t in texts.iter().chain(&more) {
            assert!(!t.contains(&whole), "{t}");
        }
        assert!(more.iter().filter(|t| t.contains("bbb…")).count() >= 4);
    }
    #[test]
    fn nearest_names_are_suggested_only_when_close() {
        assert_eq!(nearest("polcy", ["policy", "size"]), Some("policy"));
        assert_eq!(nearest("zzzzzz", ["policy", "size"]), None);
    }
}
