//! Object storage: keeps user files and static assets, and is the usual origin of a
//! CDN. A managed service: it never queues, each request takes its latency.

use crate::catalog::{float, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, Placement, Role};
use crate::sim::build::BuildCx;
use crate::sim::NodeSetup;

const PARAMS: &[ParamSpec] = &[float(
    "latency_ms",
    "Latency",
    "ms",
    "Mean time to read or store one object.",
    1.0,
    1000.0,
    20.0,
)];

/// Typed settings of an object storage.
pub(crate) struct Params {
    pub latency_ms: f64,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            latency_ms: p.num("latency_ms"),
        }
    }
}

/// Object storage keeps nothing the simulation needs beyond its latency.
#[derive(Clone, Debug)]
pub(crate) struct State;

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "object_storage",
        label: "Object storage",
        glyph: "OS",
        color: "#a16207",
        description: "Stores files such as images and uploads, and serves as the origin for the CDN.",
        id_prefix: "storage",
        params: PARAMS,
        roles: &[Role::ObjectStore, Role::Origin],
        calls: &[],
        placement: Placement::DataCenter,
        self_managed: false,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn monthly_cost(_params: &ParamMap) -> f64 {
        10.0
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        (NodeSetup::managed(p.latency_ms * 1000.0), State)
    }
}
