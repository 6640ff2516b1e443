//! Session store: a shared key-value store (Redis-like) keeping user logins, so any web
//! server can serve any user and losing a server logs nobody out.

use crate::catalog::{int, ParamMap, ParamSpec, Reader, Size, SIZE};
use crate::components::{Component, Info, Placement, Role};
use crate::sim::build::BuildCx;
use crate::sim::{NodeSetup, Simulation, REQUEST_KINDS};

const PARAMS: &[ParamSpec] = &[
    SIZE,
    int(
        "max_queue",
        "Queue limit",
        "requests",
        "Requests that may wait for a free worker.",
        1,
        100_000,
        1000,
    ),
];

/// Typed settings of a session store.
pub(crate) struct Params {
    pub size: Size,
    pub max_queue: u32,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            size: p.size(),
            max_queue: p.int("max_queue"),
        }
    }
}

/// A session store keeps nothing the simulation needs beyond its generic server.
#[derive(Clone, Debug)]
pub(crate) struct State;

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "session_store",
        label: "Session store",
        glyph: "SS",
        color: "#f97316",
        description: "A shared key-value store that keeps user logins so any web server can serve any user.",
        id_prefix: "sessions",
        params: PARAMS,
        roles: &[Role::SessionStore],
        calls: &[],
        placement: Placement::DataCenter,
        self_managed: true,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn monthly_cost(params: &ParamMap) -> f64 {
        [15.0, 35.0, 85.0, 210.0][Params::parse(params).size.step()]
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let setup = NodeSetup::server(
            8 * p.size.concurrency_factor(),
            p.max_queue,
            [300.0 * p.size.speed_factor(); REQUEST_KINDS],
        );
        (setup, State)
    }

    fn on_served(sim: &mut Simulation, r: u32, _node: u32) {
        sim.respond(r);
    }
}
