//! The diagram a learner draws: nodes, directed edges (the direction requests flow) and
//! data centers; the editing operations the app calls; and `validate`, which reports
//! every problem with a sentence a learner understands.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::catalog::{self, with_article, Kind, ParamError, ParamValue, Params};
use crate::format::{self, FormatError};
use crate::region::Region;

/// The diagram format version this engine writes.
pub const DIAGRAM_VERSION: u32 = 1;
/// Most nodes a diagram may have.
pub const MAX_NODES: usize = 500;
/// Most edges a diagram may have.
pub const MAX_EDGES: usize = 4000;
/// Most data centers a diagram may have.
pub const MAX_DATA_CENTERS: usize = 64;
/// Longest node or data-center id.
pub const MAX_ID_LEN: usize = 64;

/// A system design: what the learner drew.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Diagram {
    pub version: u32,
    #[serde(default)]
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    #[serde(default)]
    pub data_centers: Vec<DataCenter>,
}

/// One component on the canvas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub x: f64,
    pub y: f64,
    /// The data center this node stands in; `None` means the implicit default data
    /// center in North America.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dc: Option<String>,
    /// Explicit parameter values; anything missing takes the catalog default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
}

/// A directed connection: `from` sends requests to `to`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edge {
    pub from: String,
    pub to: String,
}

/// A box on the canvas standing for a data center in a region.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataCenter {
    pub id: String,
    pub name: String,
    pub region: Region,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

/// How serious a finding is: errors stop a run, warnings do not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// One problem found in a diagram or scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub severity: Severity,
    /// The node concerned, when there is one.
    pub node: Option<String>,
    /// A sentence for the learner.
    pub message: String,
}

impl Finding {
    pub(crate) fn error(node: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            node: node.map(str::to_string),
            message: message.into(),
        }
    }

    pub(crate) fn warning(node: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            node: node.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match &self.node {
            Some(n) => write!(f, "{sev} ({n}): {}", self.message),
            None => write!(f, "{sev}: {}", self.message),
        }
    }
}

/// Why two nodes cannot be connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WiringError {
    /// One end does not exist.
    UnknownNode { id: String },
    /// An edge from a node to itself.
    SelfLoop { kind: Kind },
    /// The same edge exists already.
    Duplicate { from: String, to: String },
    /// Requests never flow from this kind to that kind.
    NotAllowed { from: Kind, to: Kind },
}

impl fmt::Display for WiringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WiringError::UnknownNode { id } => write!(f, "There is no component with id \"{id}\"."),
            WiringError::SelfLoop { kind } => {
                write!(
                    f,
                    "{} cannot send requests to itself.",
                    with_article(kind.label(), true)
                )
            }
            WiringError::Duplicate { from, to } => {
                write!(f, "{from} is already connected to {to}.")
            }
            WiringError::NotAllowed { from, to } => write!(
                f,
                "{} cannot send requests to {}.",
                with_article(from.label(), true),
                with_article(to.label(), false)
            ),
        }
    }
}

impl std::error::Error for WiringError {}

/// Whether requests may flow from a `from` node to a `to` node.
pub fn may_send(from: Kind, to: Kind) -> bool {
    use Kind::*;
    matches!(
        (from, to),
        (Users, Dns | LoadBalancer | WebServer | Cdn)
            | (Dns, LoadBalancer | WebServer | Cdn)
            | (LoadBalancer, WebServer)
            | (WebServer, SessionStore | Cache | Database | ObjectStorage)
            | (Cache, Database)
            | (Cdn, ObjectStorage | LoadBalancer | WebServer)
            | (Database, Database)
    )
}

impl Default for Diagram {
    fn default() -> Self {
        Diagram {
            version: DIAGRAM_VERSION,
            nodes: Vec::new(),
            edges: Vec::new(),
            data_centers: Vec::new(),
        }
    }
}

impl Diagram {
    /// An empty diagram.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads a diagram file, upgrading older versions.
    pub fn from_json(text: &str) -> Result<Diagram, FormatError> {
        format::parse_versioned(text, "diagram", DIAGRAM_VERSION, format::no_older_versions)
    }

    /// The diagram as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// The position of the node with this id in `nodes`.
    pub fn node_index(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// The data center with this id.
    pub fn data_center(&self, id: &str) -> Option<&DataCenter> {
        self.data_centers.iter().find(|d| d.id == id)
    }

    /// Adds a node with default parameters and returns its new id ("web-2").
    pub fn add_node(&mut self, kind: Kind, x: f64, y: f64) -> String {
        let taken: BTreeSet<&str> = self.nodes.iter().map(|n| n.id.as_str()).collect();
        let mut n = self.nodes.iter().filter(|n| n.kind == kind).count() + 1;
        while taken.contains(format!("{}-{n}", kind.id_prefix()).as_str()) {
            n += 1;
        }
        let id = format!("{}-{n}", kind.id_prefix());
        self.nodes.push(Node {
            id: id.clone(),
            kind,
            name: format!("{} {n}", kind.label()),
            x,
            y,
            dc: None,
            params: BTreeMap::new(),
        });
        id
    }

    /// Removes a node and its edges; returns what was removed.
    pub fn remove_node(&mut self, id: &str) -> Option<(Node, Vec<Edge>)> {
        let i = self.node_index(id)?;
        let node = self.nodes.remove(i);
        let (gone, kept): (Vec<Edge>, Vec<Edge>) = self
            .edges
            .drain(..)
            .partition(|e| e.from == id || e.to == id);
        self.edges = kept;
        Some((node, gone))
    }

    /// Moves a node on the canvas.
    pub fn move_node(&mut self, id: &str, x: f64, y: f64) {
        if let Some(n) = self.nodes.iter_mut().find(|n| n.id == id) {
            n.x = x;
            n.y = y;
        }
    }

    /// Whether `from -> to` may be added.
    pub fn can_connect(&self, from: &str, to: &str) -> Result<(), WiringError> {
        let a = self.node(from).ok_or_else(|| WiringError::UnknownNode {
            id: from.to_string(),
        })?;
        let b = self
            .node(to)
            .ok_or_else(|| WiringError::UnknownNode { id: to.to_string() })?;
        if from == to {
            return Err(WiringError::SelfLoop { kind: a.kind });
        }
        if self.edges.iter().any(|e| e.from == from && e.to == to) {
            return Err(WiringError::Duplicate {
                from: a.name.clone(),
                to: b.name.clone(),
            });
        }
        if !may_send(a.kind, b.kind) {
            return Err(WiringError::NotAllowed {
                from: a.kind,
                to: b.kind,
            });
        }
        Ok(())
    }

    /// Adds the edge `from -> to` if allowed.
    pub fn connect(&mut self, from: &str, to: &str) -> Result<(), WiringError> {
        self.can_connect(from, to)?;
        self.edges.push(Edge {
            from: from.to_string(),
            to: to.to_string(),
        });
        Ok(())
    }

    /// Removes the edge `from -> to`; false when there was none.
    pub fn disconnect(&mut self, from: &str, to: &str) -> bool {
        let before = self.edges.len();
        self.edges.retain(|e| !(e.from == from && e.to == to));
        self.edges.len() != before
    }

    /// A parameter's explicit value, or its catalog default.
    pub fn param(&self, id: &str, key: &str) -> Option<ParamValue> {
        let node = self.node(id)?;
        let spec = node.kind.param(key)?;
        Some(
            node.params
                .get(key)
                .cloned()
                .unwrap_or_else(|| spec.default_value()),
        )
    }

    /// Sets a parameter after checking it; on error nothing changes.
    pub fn set_param(&mut self, id: &str, key: &str, value: ParamValue) -> Result<(), ParamError> {
        let node = self
            .nodes
            .iter_mut()
            .find(|n| n.id == id)
            .ok_or_else(|| ParamError::UnknownNode { id: id.to_string() })?;
        let spec = node
            .kind
            .param(key)
            .ok_or_else(|| ParamError::UnknownParam {
                kind: node.kind,
                key: key.to_string(),
            })?;
        let v = spec.check(&value)?;
        node.params.insert(key.to_string(), v);
        Ok(())
    }

    /// Adds a data center box and returns its id ("dc-1").
    pub fn add_data_center(&mut self, region: Region, x: f64, y: f64, w: f64, h: f64) -> String {
        let mut n = self.data_centers.len() + 1;
        while self.data_centers.iter().any(|d| d.id == format!("dc-{n}")) {
            n += 1;
        }
        let id = format!("dc-{n}");
        self.data_centers.push(DataCenter {
            id: id.clone(),
            name: format!("{} data center {n}", region.label()),
            region,
            x,
            y,
            w,
            h,
        });
        id
    }

    /// Removes a data center; the nodes inside move to no data center.
    pub fn remove_data_center(&mut self, id: &str) {
        self.data_centers.retain(|d| d.id != id);
        for n in &mut self.nodes {
            if n.dc.as_deref() == Some(id) {
                n.dc = None;
            }
        }
    }

    /// Puts a node in a data center (or none). Unknown ids are ignored.
    pub fn set_node_dc(&mut self, node: &str, dc: Option<&str>) {
        if let Some(d) = dc {
            if self.data_center(d).is_none() {
                return;
            }
        }
        if let Some(n) = self.nodes.iter_mut().find(|n| n.id == node) {
            n.dc = dc.map(str::to_string);
        }
    }

    /// Monthly price of everything in the diagram, in dollars.
    pub fn monthly_cost(&self) -> f64 {
        self.nodes
            .iter()
            .map(|n| catalog::monthly_cost(n.kind, &n.params))
            .sum()
    }

    /// Ids of nodes that `id` sends requests to, in edge order.
    pub fn successors<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.edges
            .iter()
            .filter(move |e| e.from == id)
            .filter_map(|e| self.node(&e.to))
    }

    /// Ids of nodes that send requests to `id`, in edge order.
    pub fn predecessors<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.edges
            .iter()
            .filter(move |e| e.to == id)
            .filter_map(|e| self.node(&e.from))
    }

    /// The region a node stands in (users: their region parameter; nodes outside any
    /// data center: North America).
    pub fn node_region(&self, node: &Node) -> Region {
        if node.kind == Kind::Users {
            let p = Params {
                kind: node.kind,
                map: &node.params,
            };
            return Region::from_key(p.text("region")).unwrap_or(Region::NorthAmerica);
        }
        node.dc
            .as_deref()
            .and_then(|d| self.data_center(d))
            .map(|d| d.region)
            .unwrap_or(Region::NorthAmerica)
    }

    /// Every problem in the diagram: errors (which stop a run) and warnings.
    pub fn validate(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.nodes.len() > MAX_NODES {
            out.push(Finding::error(
                None,
                format!(
                    "The diagram has {} components; the limit is {MAX_NODES}.",
                    self.nodes.len()
                ),
            ));
        }
        if self.edges.len() > MAX_EDGES {
            out.push(Finding::error(
                None,
                format!(
                    "The diagram has {} connections; the limit is {MAX_EDGES}.",
                    self.edges.len()
                ),
            ));
        }
        if self.data_centers.len() > MAX_DATA_CENTERS {
            out.push(Finding::error(
                None,
                format!(
                    "The diagram has {} data centers; the limit is {MAX_DATA_CENTERS}.",
                    self.data_centers.len()
                ),
            ));
        }
        let mut dc_ids = BTreeSet::new();
        for d in &self.data_centers {
            if d.id.is_empty() || d.id.len() > MAX_ID_LEN {
                out.push(Finding::error(
                    None,
                    format!(
                        "Data center \"{}\" needs an id of 1 to {MAX_ID_LEN} characters.",
                        d.name
                    ),
                ));
            }
            if !dc_ids.insert(d.id.as_str()) {
                out.push(Finding::error(
                    None,
                    format!(
                        "Two data centers share the id \"{}\"; give each its own.",
                        d.id
                    ),
                ));
            }
        }
        let mut ids = BTreeSet::new();
        for n in &self.nodes {
            let id = Some(n.id.as_str());
            if n.id.is_empty() || n.id.len() > MAX_ID_LEN {
                out.push(Finding::error(
                    id,
                    format!(
                        "\"{}\" needs an id of 1 to {MAX_ID_LEN} characters.",
                        n.name
                    ),
                ));
            }
            if !ids.insert(n.id.as_str()) {
                out.push(Finding::error(
                    id,
                    format!(
                        "Two components share the id \"{}\"; give each its own.",
                        n.id
                    ),
                ));
            }
            if let Some(dc) = &n.dc {
                if !dc_ids.contains(dc.as_str()) {
                    out.push(Finding::error(
                        id,
                        format!(
                            "{} is placed in data center \"{dc}\", which does not exist.",
                            n.name
                        ),
                    ));
                }
            }
            for (key, value) in &n.params {
                match n.kind.param(key) {
                    None => out.push(Finding::warning(
                        id,
                        format!("{} has no parameter \"{key}\"; it is ignored.", n.name),
                    )),
                    Some(spec) => {
                        if let Err(e) = spec.check(value) {
                            out.push(Finding::error(id, format!("{}: {e}", n.name)));
                        }
                    }
                }
            }
        }
        let mut seen_edges = BTreeSet::new();
        for e in &self.edges {
            let (a, b) = (self.node(&e.from), self.node(&e.to));
            match (a, b) {
                (None, _) => out.push(Finding::error(
                    Some(&e.to),
                    format!(
                        "A connection starts at \"{}\", which does not exist; delete it.",
                        e.from
                    ),
                )),
                (_, None) => out.push(Finding::error(
                    Some(&e.from),
                    format!(
                        "A connection ends at \"{}\", which does not exist; delete it.",
                        e.to
                    ),
                )),
                (Some(a), Some(b)) => {
                    if e.from == e.to {
                        out.push(Finding::error(
                            Some(&a.id),
                            WiringError::SelfLoop { kind: a.kind }.to_string(),
                        ));
                    } else if !may_send(a.kind, b.kind) {
                        out.push(Finding::error(
                            Some(&a.id),
                            format!(
                                "{} {}",
                                WiringError::NotAllowed {
                                    from: a.kind,
                                    to: b.kind
                                },
                                wiring_hint(a.kind, b.kind)
                            ),
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
        self.validate_structure(&mut out);
        out.extend(crate::analysis::analyze(self).unreachable);
        out
    }

    fn validate_structure(&self, out: &mut Vec<Finding>) {
        if !self.nodes.iter().any(|n| n.kind == Kind::Users) {
            out.push(Finding::error(
                None,
                "Add a Users component: nothing sends traffic yet.",
            ));
        }
        fn p(n: &Node) -> Params<'_> {
            Params {
                kind: n.kind,
                map: &n.params,
            }
        }
        for n in &self.nodes {
            let id = Some(n.id.as_str());
            let succ: Vec<&Node> = self.successors(&n.id).collect();
            let has = |k: Kind| succ.iter().any(|s| s.kind == k);
            match n.kind {
                Kind::Users => {
                    if succ.is_empty() {
                        out.push(Finding::error(id, format!("{} is not connected to anything; connect it to a DNS or an entry point.", n.name)));
                    } else if has(Kind::Dns) && succ.iter().any(|s| s.kind != Kind::Dns) {
                        out.push(Finding::warning(id, format!("{} is connected to a DNS and directly to servers; the direct connections are ignored.", n.name)));
                    }
                }
                Kind::Dns => {
                    if succ.is_empty() {
                        out.push(Finding::error(id, format!("{} has no entry point to answer with; connect it to a load balancer, web server or CDN.", n.name)));
                    }
                    if p(n).text("routing") == "geo" && succ.iter().any(|s| s.dc.is_none()) {
                        out.push(Finding::warning(id, format!("{} uses GeoDNS, but some entry points are in no data center, so it cannot tell where they are.", n.name)));
                    }
                }
                Kind::LoadBalancer if !has(Kind::WebServer) => {
                    out.push(Finding::error(
                        id,
                        format!(
                            "{} has no servers behind it; connect it to web servers.",
                            n.name
                        ),
                    ));
                }
                Kind::Cdn if succ.is_empty() => {
                    out.push(Finding::error(id, format!("{} has no origin to fetch from on a miss; connect it to object storage or a web server.", n.name)));
                }
                Kind::WebServer => {
                    if p(n).text("sessions") == "store" && !has(Kind::SessionStore) {
                        out.push(Finding::error(
                            id,
                            format!(
                                "{} keeps sessions in a store, but no session store is connected.",
                                n.name
                            ),
                        ));
                    }
                    if p(n).text("sessions") == "in_memory" && has(Kind::SessionStore) {
                        out.push(Finding::warning(id, format!("{} keeps sessions in memory, so its session store is unused; set Sessions to store.", n.name)));
                    }
                }
                Kind::Cache => {
                    let strategy = p(n).text("strategy");
                    if strategy != "cache_aside" && !has(Kind::Database) {
                        out.push(Finding::error(id, format!("{} is {strategy} but has no database to load from; connect it to a database.", n.name)));
                    }
                }
                Kind::Database => {
                    let role = p(n).text("role");
                    let primaries_in: Vec<&Node> = self
                        .predecessors(&n.id)
                        .filter(|q| q.kind == Kind::Database)
                        .collect();
                    if role == "replica" {
                        if primaries_in.is_empty() {
                            out.push(Finding::error(id, format!("{} is a replica but no primary replicates to it; connect a primary database to it.", n.name)));
                        }
                        if succ.iter().any(|s| s.kind == Kind::Database) {
                            out.push(Finding::error(id, format!("{} is a replica and cannot replicate to another database; connect the primary to it instead.", n.name)));
                        }
                    } else if primaries_in.iter().any(|q| p(q).text("role") == "primary") {
                        out.push(Finding::error(id, format!("{} is a primary but another primary replicates to it; make one of them a replica.", n.name)));
                    }
                }
                _ => {}
            }
        }
    }
}

fn wiring_hint(from: Kind, to: Kind) -> &'static str {
    use Kind::*;
    match (from, to) {
        (Database, _) | (ObjectStorage, _) | (SessionStore, _) => {
            "Connections point the way requests flow: from the caller to the service."
        }
        (Users, _) => "Users reach a DNS, a load balancer, a web server or a CDN.",
        (LoadBalancer, _) => "A load balancer sends requests to web servers.",
        (Cdn, _) => "A CDN fetches misses from object storage or a web server.",
        _ => "Connections point the way requests flow: from the caller to the service.",
    }
}

/// Databases grouped into replication clusters (connected by database-to-database
/// edges), each a sorted list of node indices; clusters sorted by their first member.
pub(crate) fn db_clusters(d: &Diagram) -> Vec<Vec<usize>> {
    let n = d.nodes.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for e in &d.edges {
        if let (Some(a), Some(b)) = (d.node_index(&e.from), d.node_index(&e.to)) {
            if d.nodes[a].kind == Kind::Database && d.nodes[b].kind == Kind::Database {
                let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                parent[ra.max(rb)] = ra.min(rb);
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        if d.nodes[i].kind == Kind::Database {
            let r = find(&mut parent, i);
            groups.entry(r).or_default().push(i);
        }
    }
    groups.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn ids_are_fresh_and_names_follow() {
        let mut d = small();
        let w2 = d.add_node(Kind::WebServer, 0.0, 0.0);
        assert_eq!(w2, "web-2");
        assert_eq!(d.node(&w2).unwrap().name, "Web server 2");
        d.remove_node("web-1");
        let w = d.add_node(Kind::WebServer, 0.0, 0.0);
        assert_ne!(w, "web-2");
        assert!(d.node(&w).is_some());
    }

    #[test]
    fn a_valid_diagram_has_no_errors() {
        let d = small();
        let errors: Vec<_> = d
            .validate()
            .into_iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn wiring_errors_are_sentences() {
        let mut d = small();
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        assert_eq!(
            d.connect("db-1", &lb).unwrap_err().to_string(),
            "A database cannot send requests to a load balancer."
        );
        assert_eq!(
            d.connect("web-1", "web-1").unwrap_err().to_string(),
            "A web server cannot send requests to itself."
        );
        assert_eq!(
            d.connect("web-1", "db-1").unwrap_err().to_string(),
            "Web server 1 is already connected to Database 1."
        );
        assert_eq!(
            d.connect("web-1", "nope").unwrap_err().to_string(),
            "There is no component with id \"nope\"."
        );
        assert_eq!(
            d.connect("storage-9", "web-1").unwrap_err(),
            WiringError::UnknownNode {
                id: "storage-9".into()
            }
        );
        assert!(d.disconnect("web-1", "db-1"));
        assert!(!d.disconnect("web-1", "db-1"));
    }

    #[test]
    fn set_param_refuses_bad_values_and_keeps_the_old_one() {
        let mut d = small();
        d.set_param("web-1", "instances", ParamValue::Num(3.0))
            .unwrap();
        let err = d
            .set_param("web-1", "instances", ParamValue::Num(50.0))
            .unwrap_err();
        assert_eq!(err.to_string(), "Instances must be between 1 and 20.");
        assert_eq!(d.param("web-1", "instances"), Some(ParamValue::Num(3.0)));
        assert_eq!(d.param("web-1", "max_queue"), Some(ParamValue::Num(200.0)));
        assert!(d
            .set_param("web-1", "colour", ParamValue::Num(1.0))
            .is_err());
        assert!(d
            .set_param("ghost", "instances", ParamValue::Num(1.0))
            .is_err());
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
            has("web-1", "Queue limit must be between 1 and 10000"),
            "{f:#?}"
        );
        assert!(
            has("web-1", "data center \"dc-9\", which does not exist"),
            "{f:#?}"
        );
        assert!(has(&cdn, "receives no traffic"), "{f:#?}");
        assert!(f.iter().filter(|x| x.severity == Severity::Error).count() >= 7);
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
    fn removing_things_cleans_up() {
        let mut d = small();
        let (node, edges) = d.remove_node("web-1").unwrap();
        assert_eq!(node.id, "web-1");
        assert_eq!(edges.len(), 2);
        assert!(d.edges.iter().all(|e| e.from != "web-1" && e.to != "web-1"));
        let dc = d.add_data_center(Region::Europe, 0.0, 0.0, 100.0, 100.0);
        d.set_node_dc("db-1", Some(&dc));
        assert_eq!(d.node("db-1").unwrap().dc.as_deref(), Some(dc.as_str()));
        d.set_node_dc("db-1", Some("nope"));
        assert_eq!(d.node("db-1").unwrap().dc.as_deref(), Some(dc.as_str()));
        d.remove_data_center(&dc);
        assert_eq!(d.node("db-1").unwrap().dc, None);
    }

    #[test]
    fn json_round_trips_and_errors_have_positions() {
        let d = small();
        let text = d.to_json_pretty();
        assert_eq!(Diagram::from_json(&text).unwrap(), d);

        let bad = "{\n  \"version\": 1,\n  \"nodes\": [\n    {\"id\": \"a\", \"kind\": \"toaster\", \"name\": \"A\", \"x\": 0, \"y\": 0}\n  ]\n}";
        let e = Diagram::from_json(bad).unwrap_err();
        assert_eq!(e.line(), Some(4), "{e}");
        assert!(e.to_string().starts_with("line 4, column "), "{e}");
        assert!(e.to_string().contains("toaster"), "{e}");

        let e = Diagram::from_json("{\"version\": 1,\n \"nodes\": [}").unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");

        let e = Diagram::from_json("{\"nodes\": []}").unwrap_err();
        assert_eq!(e, FormatError::MissingVersion { what: "diagram" });
        let e = Diagram::from_json("{\"version\": 7, \"nodes\": []}").unwrap_err();
        assert!(e.to_string().contains("version 7"), "{e}");
        let e = Diagram::from_json("{\"version\": 1, \"nodes\": [], \"edgez\": []}").unwrap_err();
        assert!(e.to_string().contains("edgez"), "{e}");
    }

    #[test]
    fn clusters_group_replicas_with_their_primary() {
        let mut d = small();
        let r1 = d.add_node(Kind::Database, 0.0, 0.0);
        let other = d.add_node(Kind::Database, 0.0, 0.0);
        d.connect("db-1", &r1).unwrap();
        let c = db_clusters(&d);
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0],
            vec![d.node_index("db-1").unwrap(), d.node_index(&r1).unwrap()]
        );
        assert_eq!(c[1], vec![d.node_index(&other).unwrap()]);
    }
}
