//! The component registry: the one list of component kinds, the catalog entry each
//! kind declares, the roles that decide who may call whom, and the [`Component`] trait
//! through which the rest of the engine reaches a kind's behaviour.
//!
//! Everything about one kind lives in its own module (its catalog entry, typed
//! parameters, wiring, validation findings, cost and runtime behaviour). Nothing outside
//! a kind's module names it; the core dispatches with [`dispatch!`], generated from the
//! list in [`with_kinds!`]. Adding a kind is one module and one line in that list.

use serde::{Deserialize, Serialize};

use crate::catalog::{or_list, with_article, ParamMap, ParamSpec};
use crate::diagram::{Diagram, Node};
use crate::finding::Finding;
use crate::metrics::ShardMetrics;
use crate::region::Region;
use crate::sim::{build::BuildCx, Frame, NodeSetup, Simulation};

/// Calls `$callback! { (extra tokens) Variant => module, ... }` with the one list of
/// component kinds, in palette order.
macro_rules! with_kinds {
    ($callback:ident ! ( $($extra:tt)* )) => {
        $crate::components::$callback! { ($($extra)*)
            Users => users,
            Dns => dns,
            LoadBalancer => load_balancer,
            WebServer => web_server,
            SessionStore => session_store,
            Cache => cache,
            Cdn => cdn,
            Database => database,
            ShardedDatabase => sharded_database,
            ObjectStorage => object_storage,
            MessageQueue => message_queue,
            WorkerPool => worker_pool,
            ApiGateway => api_gateway,
            Monitoring => monitoring,
        }
    };
}

/// Calls a [`Component`] function of the kind `$kind`: `dispatch!(kind, on_served(sim, r, n))`.
macro_rules! dispatch {
    ($kind:expr, $method:ident $args:tt) => {
        $crate::components::with_kinds!(dispatch_match!($kind, $method, $args))
    };
}

macro_rules! dispatch_match {
    (($kind:expr, $method:ident, $args:tt) $($variant:ident => $module:ident,)*) => {
        match $kind {
            $($crate::components::Kind::$variant => {
                <$crate::components::$module::Def as $crate::components::Component>::$method $args
            })*
        }
    };
}

macro_rules! define_registry {
    (() $($variant:ident => $module:ident,)*) => {
        $(pub mod $module;)*

        /// A kind of component on the canvas. The order is the palette's.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $($variant,)*
        }

        impl Kind {
            /// Every kind, in palette order.
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            /// The kind's catalog entry.
            pub fn info(self) -> &'static Info {
                match self {
                    $(Kind::$variant => &<$module::Def as Component>::INFO,)*
                }
            }
        }

        /// The runtime state of one node's component during a run.
        #[derive(Clone, Debug)]
        pub(crate) enum State {
            $($variant($module::State),)*
        }

        $(
            impl From<$module::State> for State {
                fn from(state: $module::State) -> State {
                    State::$variant(state)
                }
            }

            impl StateOf for $module::State {
                #[inline]
                fn of(state: &State) -> &Self {
                    match state {
                        State::$variant(x) => x,
                        #[allow(unreachable_patterns)]
                        _ => unreachable!("a node's state has the kind of its node"),
                    }
                }
                #[inline]
                fn of_mut(state: &mut State) -> &mut Self {
                    match state {
                        State::$variant(x) => x,
                        #[allow(unreachable_patterns)]
                        _ => unreachable!("a node's state has the kind of its node"),
                    }
                }
            }
        )*

        /// Builds the runtime state of node `i` of kind `kind`.
        pub(crate) fn build(kind: Kind, cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
            match kind {
                $(Kind::$variant => {
                    let (setup, state) = <$module::Def as Component>::build(cx, i);
                    (setup, State::$variant(state))
                })*
            }
        }
    };
}

pub(crate) use {define_registry, dispatch, dispatch_match, with_kinds};

/// Autoscaling shared by the kinds that run instances.
pub(crate) mod autoscale;

with_kinds!(define_registry!());

/// Access to one kind's runtime state inside the registry's [`State`].
pub(crate) trait StateOf {
    fn of(state: &State) -> &Self;
    fn of_mut(state: &mut State) -> &mut Self;
}

/// What a component offers to the components that call it. Wiring is allowed when the
/// caller calls a role the callee offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Sends traffic; a scenario gives it a traffic level.
    Source,
    /// Turns the domain name into an entry point.
    Resolver,
    /// Where a user's request enters the system (DNS answers with one).
    EntryPoint,
    /// Runs the application.
    AppServer,
    /// Keeps logins for any server to read.
    SessionStore,
    /// Keeps hot data in memory in front of a database.
    Cache,
    /// Serves static files from the edge nearest each user.
    Edge,
    /// Where an edge fetches what it does not have.
    Origin,
    /// Stores data.
    Database,
    /// Receives a primary's changes.
    Replica,
    /// Stores files.
    ObjectStore,
    /// Holds jobs until a worker takes them.
    Queue,
    /// Takes jobs from a queue and does them.
    Workers,
    /// Watches every component and feeds dashboards.
    Monitor,
}

/// Where a component stands for network latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// In the data center it is drawn in (or the implicit one).
    DataCenter,
    /// A managed service answering from the edge nearest each user.
    Edge,
}

/// A kind's catalog entry: what the palette and the inspector show, and the facts the
/// engine's generic parts need.
#[derive(Debug)]
pub struct Info {
    /// The name used in files: "load_balancer".
    pub key: &'static str,
    /// A human name: "Load balancer".
    pub label: &'static str,
    /// One to three characters for the icon.
    pub glyph: &'static str,
    /// The badge colour.
    pub color: &'static str,
    /// One sentence a learner understands.
    pub description: &'static str,
    /// The prefix of generated ids: "lb".
    pub id_prefix: &'static str,
    /// Parameters in inspector order.
    pub params: &'static [ParamSpec],
    /// What it offers to its callers.
    pub roles: &'static [Role],
    /// The roles it may send requests to.
    pub calls: &'static [Role],
    pub placement: Placement,
    /// A machine the learner runs (and can lose); managed services are redundant inside
    /// and never a single point of failure.
    pub self_managed: bool,
    /// Edges between two nodes of this kind join them into one service (a replication
    /// cluster): whoever reaches one member reaches all of them.
    pub grouped_by_own_edges: bool,
}

impl Info {
    /// Whether this kind offers `role`.
    pub fn offers(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// A node seen with its neighbours, for design-time checks.
pub(crate) struct NodeCx<'a> {
    pub node: &'a Node,
    /// The nodes it sends requests to, in edge order.
    pub succ: Vec<&'a Node>,
    /// The nodes that send it requests, in edge order.
    pub pred: Vec<&'a Node>,
}

impl<'a> NodeCx<'a> {
    pub(crate) fn new(d: &'a Diagram, node: &'a Node) -> Self {
        NodeCx {
            node,
            succ: d.successors(&node.id).collect(),
            pred: d.predecessors(&node.id).collect(),
        }
    }

    /// Whether some successor offers `role`.
    pub(crate) fn calls(&self, role: Role) -> bool {
        self.succ.iter().any(|s| s.kind.info().offers(role))
    }

    /// The node's name, for messages.
    pub(crate) fn name(&self) -> &str {
        &self.node.name
    }

    pub(crate) fn error(&self, message: String) -> Finding {
        Finding::error(Some(&self.node.id), message)
    }

    pub(crate) fn warning(&self, message: String) -> Finding {
        Finding::warning(Some(&self.node.id), message)
    }
}

/// Extra per-node numbers some kinds report.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Extras {
    pub replication_lag_ms: Option<f64>,
    pub role: Option<String>,
    /// For sharded databases: shards in use, resharding and shard load.
    pub shards: Option<ShardMetrics>,
}

/// Everything one kind of component does. Every function has a default, so a kind only
/// writes what it needs; the simulation core calls them through [`dispatch!`].
pub(crate) trait Component {
    /// The catalog entry.
    const INFO: Info;

    // ----- design time ---------------------------------------------------------

    /// Appends the kind-specific problems of one node (its wiring and settings).
    fn validate(_cx: &NodeCx, _out: &mut Vec<Finding>) {}

    /// Monthly price in dollars for these settings (before any autoscaling).
    fn monthly_cost(_params: &ParamMap) -> f64 {
        0.0
    }

    /// Where a node of this kind stands when that is a setting (users), rather than the
    /// data center it is drawn in.
    fn region(_params: &ParamMap) -> Option<Region> {
        None
    }

    /// Whether the node survives its own loss (a primary that fails over to a replica),
    /// given the size of its service group.
    fn survives_own_loss(_params: &ParamMap, _group_size: usize) -> bool {
        false
    }

    /// Whether the node keeps user logins in its own memory.
    fn keeps_sessions_locally(_params: &ParamMap) -> bool {
        false
    }

    /// Most memory a node with these settings may hold during a run, in bytes (for the
    /// run's budget).
    fn memory_bytes(_params: &ParamMap, _budget: &crate::budget::Budget) -> u64 {
        0
    }

    /// Why requests failed at this node when it was down, if the kind knows better than
    /// "it was down" (a database without a replica).
    fn down_reason(_cx: &NodeCx) -> Option<String> {
        None
    }

    // ----- run time ------------------------------------------------------------

    /// The node's generic settings (workers, queue, service times) and its own state.
    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, Self::State)
    where
        Self: Sized;

    /// The runtime state type of this kind.
    type State;

    /// Called once per node, in diagram order, when the run starts (first arrivals,
    /// periodic checks).
    fn start(_sim: &mut Simulation, _node: u32) {}

    /// A request reached the node and it is up. Return false when the component ended
    /// the request itself (it failed it).
    #[inline]
    fn on_arrive(_sim: &mut Simulation, _r: u32, _node: u32) -> bool {
        true
    }

    /// The node finished serving the request on top of its stack.
    #[inline]
    fn on_served(sim: &mut Simulation, r: u32, _node: u32) {
        sim.respond(r);
    }

    /// A call the node made returned to it (`frame` is its own frame).
    #[inline]
    fn on_return(sim: &mut Simulation, r: u32, _node: u32, _frame: Frame) {
        sim.respond(r);
    }

    /// A timer the node set went off.
    fn on_tick(_sim: &mut Simulation, _node: u32, _token: u32) {}

    /// The node went down (its queue has already failed).
    fn on_down(_sim: &mut Simulation, _node: u32) {}

    /// The node came back up.
    fn on_up(_sim: &mut Simulation, _node: u32) {}

    /// A request holding `frame` of this node is being freed.
    #[inline]
    fn on_release(_sim: &mut Simulation, _node: u32, _frame: Frame) {}

    /// Which node of this node's service answers the read of request `r` (a database
    /// picks a replica; a sharded database the shard that owns the request's user id or
    /// key). The node itself by default.
    #[inline]
    fn route_read(_sim: &mut Simulation, node: u32, _r: u32) -> u32 {
        node
    }

    /// Which node of this node's service takes the write of request `r` (a database: its
    /// primary; a sharded database: the shard that owns the request's user id or key).
    #[inline]
    fn route_write(_sim: &mut Simulation, node: u32, _r: u32) -> u32 {
        node
    }

    /// Whether a scenario may reshard nodes of this kind (spread their data over another
    /// number of shards).
    fn reshards() -> bool {
        false
    }

    /// A scheduled resharding: spread the node's data over `shards` shards. False when
    /// the node cannot.
    fn on_reshard(_sim: &mut Simulation, _node: u32, _shards: u32) -> bool {
        false
    }

    /// The label of the part `part` (a runtime node after the diagram's) in metrics;
    /// `None` keeps its generated id.
    fn part_label(_sim: &Simulation, _part: u32) -> Option<String> {
        None
    }

    /// A caller that read `key` elsewhere after this node missed it hands it over to
    /// keep (cache-aside).
    fn fill(_sim: &mut Simulation, _node: u32, _key: u32) {}

    /// A caller changed `key`: a copy this node keeps is stale.
    fn invalidate(_sim: &mut Simulation, _node: u32, _key: u32) {}

    /// An internal request this node started ended without an answer.
    fn on_internal_end(_sim: &mut Simulation, _node: u32, _key: u32) {}

    /// A job this node (a queue) handed out failed before it was done (its worker
    /// died): hand it out again, or lose it.
    fn on_job_failed(sim: &mut Simulation, _node: u32, r: u32) {
        sim.lose_job(r);
    }

    /// Jobs this node (a worker pool) can start right now.
    fn job_slots(_sim: &Simulation, _node: u32) -> u32 {
        0
    }

    /// A job is on its way to this node (a worker pool): keep a worker for it.
    fn on_job_sent(_sim: &mut Simulation, _node: u32) {}

    /// Take jobs from this node (a queue) for whoever has room.
    fn pump(_sim: &mut Simulation, _node: u32) {}

    /// Jobs waiting here and when the oldest of them was handed over, in µs (queues).
    fn backlog(_sim: &Simulation, _node: u32) -> Option<(u64, u64)> {
        None
    }

    /// Instances running now and the most at once so far, for kinds with instances.
    fn instances(_sim: &Simulation, _node: u32) -> Option<(u32, u32)> {
        None
    }

    /// The monthly price of the node as it ran (instances that came and went, egress);
    /// `None` keeps the price of its settings.
    fn run_cost(_sim: &Simulation, _node: u32) -> Option<f64> {
        None
    }

    /// Keys the node keeps in memory (for the memory figure).
    fn keys_held(_sim: &Simulation, _node: u32) -> u64 {
        0
    }

    /// Lookups answered from memory and missed so far, for kinds that look things up.
    fn lookups(_sim: &Simulation, _node: u32) -> Option<(u64, u64)> {
        None
    }

    /// Kind-specific numbers of the node.
    fn extras(_sim: &Simulation, _node: u32) -> Extras {
        Extras::default()
    }
}

impl Kind {
    /// Whether a scheduled resharding may name a component of this kind.
    pub fn reshards(self) -> bool {
        dispatch!(self, reshards())
    }

    /// A human name: "Load balancer".
    pub fn label(self) -> &'static str {
        self.info().label
    }

    /// One to three characters for the icon.
    pub fn glyph(self) -> &'static str {
        self.info().glyph
    }

    /// One sentence a learner understands.
    pub fn description(self) -> &'static str {
        self.info().description
    }

    /// The prefix of generated node ids: "lb", "web", "db".
    pub fn id_prefix(self) -> &'static str {
        self.info().id_prefix
    }

    /// The snake_case name used in files: "load_balancer".
    pub fn key(self) -> &'static str {
        self.info().key
    }

    /// The kind named `key` in files.
    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.iter().copied().find(|k| k.key() == key)
    }

    /// The parameters this kind has, in inspector order.
    pub fn params(self) -> &'static [ParamSpec] {
        self.info().params
    }

    /// The parameter with this key, if the kind has one.
    pub fn param(self, key: &str) -> Option<&'static ParamSpec> {
        self.params().iter().find(|p| p.key == key)
    }

    /// Whether some kind may call this one (a component nothing can call, such as
    /// monitoring or users, is not expected to receive traffic).
    pub fn takes_calls(self) -> bool {
        Kind::ALL.iter().any(|k| k.may_send(self))
    }

    /// Whether requests may flow from a node of this kind to a node of kind `to`.
    pub fn may_send(self, to: Kind) -> bool {
        self.info().calls.iter().any(|r| to.info().offers(*r))
    }

    /// The kinds this kind may send requests to, in palette order.
    pub fn callees(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.iter().copied().filter(move |k| self.may_send(*k))
    }

    /// Monthly price of one component with these settings, in dollars.
    pub fn monthly_cost(self, params: &ParamMap) -> f64 {
        dispatch!(self, monthly_cost(params))
    }

    /// The region of a component whose location is a setting (users).
    pub(crate) fn region_of(self, params: &ParamMap) -> Option<Region> {
        dispatch!(self, region(params))
    }

    /// Whether the component keeps user logins in its own memory.
    pub fn keeps_sessions_locally(self, params: &ParamMap) -> bool {
        dispatch!(self, keeps_sessions_locally(params))
    }

    /// One sentence saying which kinds this kind may call, for a refused wire.
    pub fn wiring_hint(self) -> String {
        let names: Vec<String> = self
            .callees()
            .map(|k| with_article(k.label(), false))
            .collect();
        match names.as_slice() {
            [] => format!(
                "{} only answers requests: connections point the way requests flow, from the caller to the service.",
                with_article(self.label(), true)
            ),
            _ => format!(
                "{} sends requests to {}.",
                with_article(self.label(), true),
                or_list(&names)
            ),
        }
    }
}

/// Monthly price of one component in dollars.
pub fn monthly_cost(kind: Kind, params: &ParamMap) -> f64 {
    kind.monthly_cost(params)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ParamValue;

    #[test]
    fn every_kind_has_a_complete_entry_whose_defaults_pass_their_checks() {
        let mut keys = Vec::new();
        for &k in Kind::ALL {
            let info = k.info();
            assert!(!info.glyph.is_empty() && info.glyph.len() <= 3, "{k:?}");
            assert!(info.description.ends_with('.'), "{k:?}");
            assert!(info.color.starts_with('#'), "{k:?}");
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::String(info.key.into())
            );
            assert_eq!(Kind::from_key(info.key), Some(k));
            keys.push(info.key);
            for p in k.params() {
                assert_eq!(
                    p.check(&p.default_value()),
                    Ok(p.default_value()),
                    "{k:?}.{}",
                    p.key
                );
            }
            // Each component reads its defaults without touching an undeclared key
            // (the reader asserts that in debug builds).
            let _ = k.monthly_cost(&ParamMap::new());
            let _ = k.region_of(&ParamMap::new());
            let _ = k.keeps_sessions_locally(&ParamMap::new());
        }
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Kind::ALL.len(), "file keys are unique");
    }

    #[test]
    fn wiring_follows_the_roles() {
        assert!(Kind::Users.may_send(Kind::Dns));
        assert!(Kind::LoadBalancer.may_send(Kind::WebServer));
        assert!(!Kind::LoadBalancer.may_send(Kind::Database));
        assert!(Kind::Database.may_send(Kind::Database));
        assert!(!Kind::Database.may_send(Kind::LoadBalancer));
        assert!(Kind::Cdn.may_send(Kind::ObjectStorage));
        assert_eq!(
            Kind::LoadBalancer.wiring_hint(),
            "A load balancer sends requests to a web server."
        );
        assert_eq!(
            Kind::ObjectStorage.wiring_hint(),
            "An object storage only answers requests: connections point the way requests flow, from the caller to the service."
        );
    }

    #[test]
    fn bigger_sizes_cost_more_than_the_capacity_they_add() {
        let mut params = ParamMap::new();
        let mut last_price_per_worker = 0.0;
        for s in crate::catalog::SIZES {
            params.insert("size".to_string(), ParamValue::Text(s.key.to_string()));
            let cost = Kind::WebServer.monthly_cost(&params);
            let per_worker =
                cost / crate::catalog::Size::from_key(s.key).concurrency_factor() as f64;
            assert!(per_worker > last_price_per_worker, "{}", s.key);
            last_price_per_worker = per_worker;
        }
    }
}
