//! The diagram a learner draws: nodes, directed edges (the direction requests flow) and
//! data centers, and the editing operations the app calls. Checking a diagram is
//! `validate.rs`'s job.

use crate::vecmap::VecMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::{with_article, ParamError, ParamValue};
use crate::components::{Kind, Placement};
use crate::format::{self, FormatError};
use crate::region::Region;

/// The diagram format version this engine writes. Version 2 moved a Users node's
/// traffic level (its `rps` parameter) into the scenario.
pub const DIAGRAM_VERSION: u32 = 2;

pub(crate) const FORMAT: format::Versioned = format::Versioned {
    what: "diagram",
    current: DIAGRAM_VERSION,
    migrate,
};

/// Upgrades a diagram document from version `from` to `from + 1`.
fn migrate(mut v: Value, from: u32) -> Value {
    if from == 1 {
        for (_, node) in users_nodes_v1(&mut v) {
            if let Some(params) = node.get_mut("params").and_then(Value::as_object_mut) {
                params.remove("rps");
            }
        }
    }
    v
}

/// The Users nodes of a version-1 diagram document, with their place in its list.
fn users_nodes_v1(v: &mut Value) -> impl Iterator<Item = (usize, &mut Value)> {
    v.get_mut("nodes")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .enumerate()
        .filter(|(_, n)| n.get("kind").and_then(Value::as_str) == Some("users"))
}
/// Most nodes a diagram may have.
pub const MAX_NODES: usize = 500;
/// Farthest a position may lie from the canvas's origin, either way, and the largest
/// side of a data center, in a file (the editor stays far within).
pub const MAX_COORD: f64 = 1_000_000.0;
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
    #[serde(default, skip_serializing_if = "VecMap::is_empty")]
    pub params: VecMap<String, ParamValue>,
}

impl Node {
    /// The data center the component fails with: the one it stands in, but none for a
    /// kind that is not placed (visitors, DNS, a CDN: they sit in their region or answer
    /// from the edge nearest each user), wherever its card is drawn.
    pub fn home_dc(&self) -> Option<&str> {
        match self.kind.info().placement {
            Placement::DataCenter => self.dc.as_deref(),
            Placement::Edge => None,
        }
    }
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
    /// The diagram has [`MAX_EDGES`] connections already.
    Full,
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
            WiringError::Full => write!(
                f,
                "A diagram holds at most {} connections.",
                crate::format::thousands(MAX_EDGES as f64)
            ),
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
    from.may_send(to)
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

    /// Reads a diagram file, upgrading older versions. A version-1 file's traffic
    /// levels are dropped; use [`Diagram::from_json_with_levels`] to keep them.
    // Inline so that it, and the serde reader it instantiates, compile in the calling
    // crate: in the browser that is the app, optimised for size, not the engine,
    // optimised for speed (file reading is not on the hot path).
    #[inline]
    pub fn from_json(text: &str) -> Result<Diagram, FormatError> {
        let d: Diagram = format::parse_versioned(text, &FORMAT)?;
        d.names_fit(text)?;
        d.places_fit(text)?;
        Ok(d)
    }

    /// The diagram as a file will read it back: positions brought within
    /// ±[`MAX_COORD`], data-center sides within 1 to [`MAX_COORD`], an empty name
    /// replaced by its kind's and a long one cut to
    /// [`MAX_NAME_CHARS`](crate::edits::MAX_NAME_CHARS) characters. The editor keeps to
    /// these; a hand-made link need not, so a link is fitted when it is opened.
    pub fn fit_for_file(mut self) -> Diagram {
        let place = |v: f64| v.clamp(-MAX_COORD, MAX_COORD);
        let side = |v: f64| v.clamp(1.0, MAX_COORD);
        for n in &mut self.nodes {
            (n.x, n.y) = (place(n.x), place(n.y));
            fit_name(&mut n.name, n.kind.info().label);
        }
        for c in &mut self.data_centers {
            (c.x, c.y, c.w, c.h) = (place(c.x), place(c.y), side(c.w), side(c.h));
            fit_name(&mut c.name, "Data center");
        }
        self
    }

    /// A position far off the canvas or a data center of no size, which the editor
    /// never makes, is refused when a file is read: the canvas could not show it.
    fn places_fit(&self, text: &str) -> Result<(), FormatError> {
        use crate::jsonpos::Seg;
        let nodes = self
            .nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| [("nodes", i, "x", n.x, false), ("nodes", i, "y", n.y, false)]);
        let dcs = self.data_centers.iter().enumerate().flat_map(|(i, c)| {
            [
                ("data_centers", i, "x", c.x, false),
                ("data_centers", i, "y", c.y, false),
                ("data_centers", i, "w", c.w, true),
                ("data_centers", i, "h", c.h, true),
            ]
        });
        for (list, i, field, v, size) in nodes.chain(dcs) {
            let (low, what) = match size {
                true => (1.0, "a size must be from 1 to 1,000,000"),
                false => (
                    -MAX_COORD,
                    "a position must be from -1,000,000 to 1,000,000",
                ),
            };
            if !(low..=MAX_COORD).contains(&v) {
                return Err(format::syntax_at(
                    text,
                    &[Seg::Key(list), Seg::Index(i), Seg::Key(field)],
                    format!(
                        "\"{list}[{i}].{field}\" is {}; {what}",
                        format::quoted_number(v)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A name the editor would not take (empty, or longer than it allows) is refused
    /// when a file is read: messages, cards and links are made for names of that length.
    fn names_fit(&self, text: &str) -> Result<(), FormatError> {
        use crate::edits::MAX_NAME_CHARS;
        use crate::jsonpos::Seg;
        let names = (self.nodes.iter().map(|n| ("nodes", &n.name)))
            .enumerate()
            .chain(
                self.data_centers
                    .iter()
                    .map(|d| ("data_centers", &d.name))
                    .enumerate(),
            );
        for (i, (list, name)) in names {
            if name.trim().is_empty() {
                return Err(format::syntax_at(
                    text,
                    &[Seg::Key(list), Seg::Index(i), Seg::Key("name")],
                    format!("\"{list}[{i}].name\" is empty or only spaces; a name needs 1 to {MAX_NAME_CHARS} characters"),
                ));
            }
            let chars = name.chars().count();
            if chars > MAX_NAME_CHARS {
                return Err(format::syntax_at(
                    text,
                    &[Seg::Key(list), Seg::Index(i), Seg::Key("name")],
                    format!("\"{list}[{i}].name\" has {chars} characters; a name can have at most {MAX_NAME_CHARS}"),
                ));
            }
        }
        Ok(())
    }

    /// Reads a diagram file and, for a version-1 file, the traffic level (`rps`) each
    /// Users node carried, by node id: since version 2 the scenario holds it (see
    /// [`crate::Scenario::adopt_levels`]).
    // Inline for the reason given at `from_json`.
    #[inline]
    pub fn from_json_with_levels(
        text: &str,
    ) -> Result<(Diagram, VecMap<String, f64>), FormatError> {
        let d = Diagram::from_json(text)?;
        let mut levels = VecMap::new();
        let mut v = format::parse_value(text)?;
        if v.get("version").and_then(Value::as_f64) == Some(1.0) {
            for (i, node) in users_nodes_v1(&mut v) {
                let id = node.get("id").and_then(Value::as_str).map(str::to_string);
                let Some(rps) = node.pointer("/params/rps") else {
                    continue;
                };
                // A level that is not a number is a mistake, not a reason to run at
                // the default traffic.
                let rps = rps.as_f64().filter(|x| x.is_finite() && *x >= 0.0).ok_or_else(|| {
                    use crate::jsonpos::Seg;
                    let path = [Seg::Key("nodes"), Seg::Index(i), Seg::Key("params"), Seg::Key("rps")];
                    format::syntax_at(
                        text,
                        &path,
                        format!("\"nodes[{i}].params.rps\" must be a number of requests per second, 0 or more"),
                    )
                })?;
                if let Some(id) = id {
                    levels.insert(id, rps);
                }
            }
        }
        Ok((d, levels))
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

    /// Node positions by id (of a repeated id, the last).
    pub fn index_by_id(&self) -> VecMap<&str, usize> {
        self.nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i))
            .collect()
    }

    /// The data center with this id.
    pub fn data_center(&self, id: &str) -> Option<&DataCenter> {
        self.data_centers.iter().find(|d| d.id == id)
    }

    /// Adds a node with default parameters and returns its new id ("web-2").
    pub fn add_node(&mut self, kind: Kind, x: f64, y: f64) -> String {
        let mut n = self.nodes.iter().filter(|n| n.kind == kind).count() + 1;
        let taken = |id: String| self.nodes.iter().any(|x| x.id == id);
        while taken(format!("{}-{n}", kind.id_prefix())) {
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
            params: VecMap::new(),
        });
        id
    }

    /// Why no more components (or, with `data_center`, data centers) can be added, in
    /// the learner's words; `None` while there is room. Files and links hold at most
    /// [`MAX_NODES`] components and [`MAX_DATA_CENTERS`] data centers.
    pub fn full(&self, data_center: bool) -> Option<String> {
        match data_center {
            false => (self.nodes.len() >= MAX_NODES)
                .then(|| format!("A diagram holds at most {MAX_NODES} components.")),
            true => (self.data_centers.len() >= MAX_DATA_CENTERS)
                .then(|| format!("A diagram holds at most {MAX_DATA_CENTERS} data centers.")),
        }
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
        if self.edges.len() >= MAX_EDGES {
            return Err(WiringError::Full);
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
            .map(|n| n.kind.monthly_cost(&n.params))
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
        if let Some(region) = node.kind.region_of(&node.params) {
            return region;
        }
        node.dc
            .as_deref()
            .and_then(|d| self.data_center(d))
            .map(|d| d.region)
            .unwrap_or(Region::NorthAmerica)
    }
}

/// An empty name (or only spaces) becomes `default`; a name over
/// [`MAX_NAME_CHARS`](crate::edits::MAX_NAME_CHARS) characters is cut to that many.
fn fit_name(name: &mut String, default: &str) {
    if name.trim().is_empty() {
        *name = default.to_string();
    } else if let Some((cut, _)) = name.char_indices().nth(crate::edits::MAX_NAME_CHARS) {
        name.truncate(cut);
    }
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
    fn the_editor_stops_at_what_files_and_links_hold() {
        let mut d = small();
        assert_eq!(d.full(false), None);
        while d.nodes.len() < MAX_NODES {
            d.add_node(Kind::Cache, 0.0, 0.0);
        }
        assert_eq!(
            d.full(false).unwrap(),
            "A diagram holds at most 500 components."
        );
        assert_eq!(d.full(true), None);
        for i in 0..MAX_DATA_CENTERS {
            assert_eq!(d.full(true), None);
            d.add_data_center(Region::ALL[0], i as f64, 0.0, 10.0, 10.0);
        }
        assert!(d.full(true).unwrap().contains("at most 64 data centers"));
        // Connections: the last one that fits is made, the next is refused.
        let filler = Edge {
            from: "x".into(),
            to: "y".into(),
        };
        d.edges.resize(MAX_EDGES - 1, filler);
        d.connect("users-1", "web-1").unwrap();
        let refused = d.connect("users-1", "db-1").unwrap_err();
        assert_eq!(
            refused.to_string(),
            "A diagram holds at most 4,000 connections."
        );
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
            .set_param("web-1", "instances", ParamValue::Num(150.0))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Instances must be between 1 and 100 instances."
        );
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
    fn a_version_1_diagram_gives_its_traffic_levels_to_the_scenario() {
        let v1 = r#"{"version": 1, "nodes": [
            {"id": "u", "kind": "users", "name": "U", "x": 0, "y": 0, "params": {"rps": 120, "region": "europe"}},
            {"id": "w", "kind": "web_server", "name": "W", "x": 0, "y": 0}
        ], "edges": [{"from": "u", "to": "w"}]}"#;
        let (d, levels) = Diagram::from_json_with_levels(v1).unwrap();
        assert_eq!(d.version, DIAGRAM_VERSION);
        assert!(!d.node("u").unwrap().params.contains_key("rps"));
        assert_eq!(
            d.param("u", "region"),
            Some(ParamValue::Text("europe".into()))
        );
        assert_eq!(levels.get("u"), Some(&120.0));
        assert_eq!(levels.len(), 1);
        // Written as 1.0, it is still version 1, with its levels.
        let (_, levels) = Diagram::from_json_with_levels(&v1.replace("1,", "1.0,")).unwrap();
        assert_eq!(levels.get("u"), Some(&120.0));
        let current = d.to_json_pretty();
        assert!(Diagram::from_json_with_levels(&current)
            .unwrap()
            .1
            .is_empty());
        // A level that is not a number of requests per second is refused, at its place.
        for bad in ["\"x\"", "true", "-5", "{}"] {
            let text = v1.replace("\"rps\": 120", &format!("\"rps\": {bad}"));
            let e = Diagram::from_json_with_levels(&text).unwrap_err();
            assert_eq!(e.line(), Some(2), "{e}");
            assert!(
                e.to_string().ends_with(
                    "\"nodes[0].params.rps\" must be a number of requests per second, 0 or more"
                ),
                "{e}"
            );
        }
    }

    #[test]
    fn a_file_with_a_name_longer_than_the_editor_allows_is_refused_at_the_name() {
        let mut d = small();
        d.add_data_center(Region::Europe, 0.0, 0.0, 10.0, 10.0);
        d.nodes[2].name = "n".repeat(crate::edits::MAX_NAME_CHARS);
        d.data_centers[0].name = "d".repeat(crate::edits::MAX_NAME_CHARS);
        let text = d.to_json_pretty();
        assert_eq!(Diagram::from_json(&text).unwrap(), d);
        for (node, dc, expected) in [
            (
                5000,
                1,
                "\"nodes[2].name\" has 5000 characters; a name can have at most 40",
            ),
            (
                1,
                41,
                "\"data_centers[0].name\" has 41 characters; a name can have at most 40",
            ),
        ] {
            d.nodes[2].name = "n".repeat(node);
            d.data_centers[0].name = "é".repeat(dc);
            let text = d.to_json_pretty();
            let e = Diagram::from_json(&text).unwrap_err();
            assert!(e.to_string().ends_with(expected), "{e}");
            let (line, _) = text
                .lines()
                .enumerate()
                .find(|(_, l)| {
                    l.contains(&d.nodes[2].name) && node > 40
                        || l.contains(&d.data_centers[0].name) && dc > 40
                })
                .unwrap();
            assert_eq!(e.line(), Some(line + 1), "{e}");
        }
    }

    #[test]
    fn a_file_with_an_empty_name_is_refused_at_the_name() {
        let mut d = small();
        d.nodes[1].name = "  ".into();
        let text = d.to_json_pretty();
        let e = Diagram::from_json(&text).unwrap_err();
        assert!(
            e.to_string().ends_with(
                "\"nodes[1].name\" is empty or only spaces; a name needs 1 to 40 characters"
            ),
            "{e}"
        );
        d.nodes[1].name = " A ".into();
        assert!(Diagram::from_json(&d.to_json_pretty()).is_ok());
    }

    #[test]
    fn a_file_with_a_place_off_the_canvas_or_a_data_center_of_no_size_is_refused() {
        let mut d = small();
        d.add_data_center(Region::Europe, 0.0, 0.0, 10.0, 10.0);
        // The limits themselves are fine.
        d.nodes[1].x = -MAX_COORD;
        d.nodes[2].y = MAX_COORD;
        d.data_centers[0].w = 1.0;
        d.data_centers[0].h = MAX_COORD;
        assert!(Diagram::from_json(&d.to_json_pretty()).is_ok());
        // How to spoil the diagram, the message, and what the line it names holds.
        type Case = (fn(&mut Diagram), &'static str, &'static str);
        let cases: [Case; 4] = [
            (
                |d| d.nodes[1].x = 1e308,
                "\"nodes[1].x\" is 1e308; a position must be from -1,000,000 to 1,000,000",
                "\"x\": 1e+308",
            ),
            (
                |d| d.nodes[2].y = -1_000_000.5,
                "\"nodes[2].y\" is -1000000.5; a position must be from -1,000,000 to 1,000,000",
                "\"y\": -1000000.5",
            ),
            (
                |d| d.data_centers[0].w = -5.0,
                "\"data_centers[0].w\" is -5; a size must be from 1 to 1,000,000",
                "\"w\": -5",
            ),
            (
                |d| d.data_centers[0].h = 0.5,
                "\"data_centers[0].h\" is 0.5; a size must be from 1 to 1,000,000",
                "\"h\": 0.5",
            ),
        ];
        for (spoil, expected, at) in cases {
            let mut bad = d.clone();
            spoil(&mut bad);
            let text = bad.to_json_pretty();
            let e = Diagram::from_json(&text).unwrap_err();
            assert!(e.to_string().ends_with(expected), "{e}");
            let line = text
                .lines()
                .position(|l| l.contains(at))
                .unwrap_or_else(|| panic!("{at} not in {text}"));
            assert_eq!(e.line(), Some(line + 1), "{e}");
        }
    }

    #[test]
    fn a_diagram_fitted_for_a_file_reads_back() {
        let mut d = small();
        d.add_data_center(Region::Europe, 0.0, 0.0, 10.0, 10.0);
        let fine = d.clone();
        assert_eq!(
            fine.clone().fit_for_file(),
            fine,
            "what the editor makes is kept"
        );
        d.nodes[0].x = -1e300;
        d.nodes[1].y = 2e6;
        d.nodes[2].name = " ".into();
        // 41 characters, the last two bytes each: cut to 40 at a character boundary.
        d.nodes[3].name = format!("{}éé", "n".repeat(39));
        d.data_centers[0].w = -3.0;
        d.data_centers[0].h = 0.0;
        d.data_centers[0].name = String::new();
        assert!(Diagram::from_json(&d.to_json_pretty()).is_err());
        let fitted = d.clone().fit_for_file();
        assert_eq!(
            Diagram::from_json(&fitted.to_json_pretty()).unwrap(),
            fitted
        );
        assert_eq!(
            (fitted.nodes[0].x, fitted.nodes[1].y),
            (-MAX_COORD, MAX_COORD)
        );
        assert_eq!(fitted.nodes[2].name, d.nodes[2].kind.info().label);
        assert_eq!(fitted.nodes[3].name, format!("{}é", "n".repeat(39)));
        let c = &fitted.data_centers[0];
        assert_eq!((c.w, c.h, c.name.as_str()), (1.0, 1.0, "Data center"));
    }

    #[test]
    fn json_round_trips_and_errors_have_positions() {
        let d = small();
        let text = d.to_json_pretty();
        assert_eq!(Diagram::from_json(&text).unwrap(), d);

        let bad = "{\n  \"version\": 2,\n  \"nodes\": [\n    {\"id\": \"a\", \"kind\": \"toaster\", \"name\": \"A\", \"x\": 0, \"y\": 0}\n  ]\n}";
        let e = Diagram::from_json(bad).unwrap_err();
        assert_eq!(e.line(), Some(4), "{e}");
        assert!(e.to_string().starts_with("line 4, column "), "{e}");
        assert!(e.to_string().contains("toaster"), "{e}");

        let e = Diagram::from_json("{\"version\": 2,\n \"nodes\": [}").unwrap_err();
        assert_eq!(e.line(), Some(2), "{e}");

        let e = Diagram::from_json("{\"nodes\": []}").unwrap_err();
        assert_eq!(e, FormatError::MissingVersion { what: "diagram" });
        let e = Diagram::from_json("{\"version\": 7, \"nodes\": []}").unwrap_err();
        assert!(e.to_string().contains("version 7"), "{e}");
        let e = Diagram::from_json("{\"version\": 2, \"nodes\": [], \"edgez\": []}").unwrap_err();
        assert!(e.to_string().contains("edgez"), "{e}");
    }
}
