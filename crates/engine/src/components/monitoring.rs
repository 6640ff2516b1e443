//! Monitoring: collects every component's numbers (host level: busy share, queue,
//! memory; aggregated: hit rates, database queries, job backlog) and the business
//! numbers (active users, requests per user). It takes no requests; with one in the
//! diagram, dashboards can show what each component is doing, and without one only
//! what users see is available.

use crate::catalog::{ParamMap, ParamSpec};
use crate::components::{Component, Info, Placement, Role};
use crate::sim::build::BuildCx;
use crate::sim::NodeSetup;

const PARAMS: &[ParamSpec] = &[];

/// Monitoring keeps nothing the simulation needs: the core measures everything, and a
/// monitored run exposes it.
#[derive(Clone, Debug)]
pub(crate) struct State;

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "monitoring",
        label: "Monitoring",
        glyph: "MON",
        color: "#64748b",
        description: "Collects metrics from every component and the business, so dashboards show where the trouble is.",
        id_prefix: "monitoring",
        params: PARAMS,
        roles: &[Role::Monitor],
        calls: &[],
        placement: Placement::DataCenter,
        self_managed: false,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn monthly_cost(_params: &ParamMap) -> f64 {
        15.0
    }

    fn build(_cx: &mut BuildCx, _i: usize) -> (NodeSetup, State) {
        (NodeSetup::managed(0.0), State)
    }
}
