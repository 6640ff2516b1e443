//! API gateway: the front door of the services behind it. It checks who is calling
//! (an authentication cost per request), refuses a user who sends more than their
//! allowance (a token bucket per user: a steady rate plus a burst; refused requests fail
//! as rate limited), and routes the rest to its services in turn. A managed service: it
//! never queues.

use crate::catalog::{float, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::sim::build::BuildCx;
use crate::sim::flow::wrap_add;
use crate::sim::{Frame, NodeSetup, Simulation};
use crate::trace::Cause;

const PARAMS: &[ParamSpec] = &[
    float(
        "rate_per_user",
        "Allowed rate per user",
        "req/s",
        "Requests one user may send per second over time; more are refused as rate limited.",
        0.01,
        10_000.0,
        10.0,
    ),
    float(
        "burst",
        "Burst allowance",
        "requests",
        "Requests one user may send at once before the rate applies.",
        1.0,
        10_000.0,
        20.0,
    ),
    float(
        "auth_ms",
        "Authentication time",
        "ms",
        "Time to check who sends each request.",
        0.0,
        100.0,
        2.0,
    ),
];

/// Typed settings of an API gateway.
pub(crate) struct Params {
    pub rate_per_user: f64,
    pub burst: f64,
    pub auth_ms: f64,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            rate_per_user: p.num("rate_per_user"),
            burst: p.num("burst").max(1.0),
            auth_ms: p.num("auth_ms"),
        }
    }
}

/// An API gateway during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    services: Vec<u32>,
    rr: usize,
    rate_per_us: f64,
    burst: f64,
    /// Per user: tokens left and when they were last topped up (allocated on first
    /// use, one entry per user of the run).
    tokens: Vec<f64>,
    topped_up: Vec<u64>,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "api_gateway",
        label: "API gateway",
        glyph: "GW",
        color: "#f43f5e",
        description: "The front door of your services: checks who is calling, limits how fast each user may call, and routes requests.",
        id_prefix: "gateway",
        params: PARAMS,
        roles: &[Role::EntryPoint, Role::Origin],
        calls: &[Role::EntryPoint, Role::AppServer],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        if cx.succ.is_empty() {
            out.push(cx.error(format!(
                "{} has no services behind it; connect it to load balancers or web servers.",
                cx.name()
            )));
        }
    }

    /// A token bucket per user of the run.
    fn memory_bytes(_params: &ParamMap, budget: &crate::budget::Budget) -> u64 {
        budget.users * 16
    }

    fn monthly_cost(_params: &ParamMap) -> f64 {
        35.0
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let mut services = cx.succ_offering(i, Role::EntryPoint);
        for s in cx.succ_offering(i, Role::AppServer) {
            if !services.contains(&s) {
                services.push(s);
            }
        }
        let state = State {
            services,
            rr: 0,
            rate_per_us: p.rate_per_user / 1e6,
            burst: p.burst,
            tokens: Vec::new(),
            topped_up: Vec::new(),
        };
        (NodeSetup::managed(p.auth_ms * 1000.0), state)
    }

    /// Authenticated: the user's token bucket decides, then the next service in turn.
    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        let user = sim.reqs[r as usize].user as usize;
        let (now, clients) = (sim.now, sim.clients.len());
        let g = sim.state_mut::<State>(node);
        if g.tokens.len() < clients {
            g.tokens.resize(clients, g.burst);
            g.topped_up.resize(clients, 0);
        }
        let elapsed = now.saturating_sub(g.topped_up[user]) as f64;
        let tokens = (g.tokens[user] + elapsed * g.rate_per_us).min(g.burst);
        g.topped_up[user] = now;
        if g.services.is_empty() {
            // Refused by validation; kept so that a run can never index an empty list.
            sim.fail(r, Cause::NoRoute, node);
            return;
        }
        if tokens < 1.0 {
            g.tokens[user] = tokens;
            sim.fail(r, Cause::RateLimited, node);
            return;
        }
        g.tokens[user] = tokens - 1.0;
        let m = g.services.len();
        let service = g.services[g.rr];
        g.rr = wrap_add(g.rr, 1, m);
        sim.send(r, service);
    }

    fn on_return(sim: &mut Simulation, r: u32, _node: u32, _frame: Frame) {
        sim.respond(r);
    }
}
