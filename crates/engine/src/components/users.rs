//! Users: a population in one region sending requests at the level and in the shape
//! the scenario gives them. Each request is created here
//! (Poisson arrivals, thinned for time-varying traffic), resolves the domain through
//! DNS unless the user's cached answer is still fresh, goes to its entry point (static
//! assets to the CDN) and ends back here.

use crate::catalog::{choice, int, opt, Choice, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::region::Region;
use crate::scenario::{RequestKind, Traffic};
use crate::sim::build::BuildCx;
use crate::sim::flow::{mix, pick};
use crate::sim::{Frame, NodeSetup, Simulation, NONE};
use crate::trace::Cause;

/// The regions users can live in.
pub const REGIONS: &[Choice] = &[
    opt("north_america", "North America"),
    opt("south_america", "South America"),
    opt("europe", "Europe"),
    opt("asia", "Asia"),
    opt("oceania", "Oceania"),
];

const PARAMS: &[ParamSpec] = &[
    choice(
        "region",
        "Region",
        "Where these users live; distance to the data center costs network latency.",
        REGIONS,
        "north_america",
    ),
    int(
        "users",
        "Active users",
        "users",
        "Distinct users sending the traffic; each keeps its own DNS answer and login session.",
        1,
        100_000,
        1000,
    ),
];

/// Typed settings of a Users node.
pub(crate) struct Params {
    pub region: Region,
    pub users: u32,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            region: Region::from_key(p.choice("region")).unwrap_or(Region::NorthAmerica),
            users: p.int("users").max(1),
        }
    }
}

/// Phases of a request's Users frame.
#[repr(u8)]
enum Phase {
    /// Asking DNS for the entry point.
    Lookup = 1,
    /// Waiting for the answer from the entry point.
    Main = 2,
}

/// A Users node during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    region: u8,
    /// The first client id of these users.
    user_base: u32,
    users: u32,
    traffic: Traffic,
    max_rate: f64,
    /// Next arrival time in µs (fractional, so gaps are not biased by rounding).
    next_at: f64,
    /// The DNS it asks, and the CDN that DNS sends static assets to.
    dns: u32,
    dns_cdn: u32,
    /// Entry points it reaches without DNS.
    direct: Vec<u32>,
    cdn: u32,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "users",
        label: "Users",
        glyph: "U",
        color: "#0ea5e9",
        description: "People in one region sending requests to your site.",
        id_prefix: "users",
        params: PARAMS,
        roles: &[Role::Source],
        calls: &[Role::Resolver, Role::EntryPoint, Role::Edge],
        placement: Placement::Edge,
        self_managed: false,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        if cx.succ.is_empty() {
            out.push(cx.error(format!(
                "{} is not connected to anything; connect it to a DNS or an entry point.",
                cx.name()
            )));
        } else if cx.calls(Role::Resolver)
            && cx
                .succ
                .iter()
                .any(|s| !s.kind.info().offers(Role::Resolver))
        {
            out.push(cx.warning(format!(
                "{} is connected to a DNS and directly to servers; the direct connections are ignored.",
                cx.name()
            )));
        }
    }

    /// Each user's client: its cached DNS answer and its login.
    fn memory_bytes(params: &ParamMap, _budget: &crate::budget::Budget) -> u64 {
        Params::parse(params).users as u64 * 32
    }

    fn region(params: &ParamMap) -> Option<Region> {
        Some(Params::parse(params).region)
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let traffic = cx.s.traffic_for(&cx.d.nodes[i].id);
        let dns = cx.first_offering(i, Role::Resolver);
        let dns_cdn = if dns == NONE {
            NONE
        } else {
            cx.first_offering(dns as usize, Role::Edge)
        };
        let state = State {
            region: p.region.index() as u8,
            user_base: cx.clients,
            users: p.users,
            max_rate: traffic.max_rate(),
            traffic,
            next_at: 0.0,
            dns,
            dns_cdn,
            direct: cx.succ_offering(i, Role::EntryPoint),
            cdn: cx.first_offering(i, Role::Edge),
        };
        cx.clients += p.users;
        (NodeSetup::managed(0.0), state)
    }

    fn start(sim: &mut Simulation, node: u32) {
        sim.state_mut::<State>(node).next_at = 0.0;
        schedule_next_arrival(sim, node);
    }

    /// The next request of these users is due.
    fn on_tick(sim: &mut Simulation, node: u32, _token: u32) {
        schedule_next_arrival(sim, node);
        if !sim.nodes[node as usize].up() {
            return;
        }
        let u = sim.state::<State>(node);
        let (region, base, users) = (u.region, u.user_base, u.users);
        if let Some(r) = sim.new_request(node, region, base, users) {
            begin(sim, r, node);
        }
    }

    fn on_return(sim: &mut Simulation, r: u32, node: u32, frame: Frame) {
        if frame.phase == Phase::Lookup as u8 {
            let entry = sim.reply(r);
            let cdn = sim.state::<State>(node).dns_cdn;
            go_entry(sim, r, entry, cdn);
        } else {
            sim.complete(r);
        }
    }
}

/// Schedules the next arrival of these users by thinning a Poisson process at the
/// profile's peak rate, so time-varying profiles are exact.
fn schedule_next_arrival(sim: &mut Simulation, node: u32) {
    let max = sim.state::<State>(node).max_rate;
    if max <= 0.0 {
        return;
    }
    let dur = sim.duration_us as f64;
    let gap = 1e6 / max;
    let mut t = sim.state::<State>(node).next_at;
    loop {
        t += sim.rng.exp(gap);
        if let Some(until_s) = sim.state::<State>(node).traffic.quiet_until(t / 1e6) {
            // Nothing can arrive before the quiet stretch ends: start from its end.
            t = until_s * 1e6;
            continue;
        }
        if t >= dur {
            sim.state_mut::<State>(node).next_at = t;
            return;
        }
        let rate = sim
            .state::<State>(node)
            .traffic
            .rate_at(t / 1e6, dur / 1e6);
        if rate >= max || sim.rng.next_f64() * max < rate {
            break;
        }
    }
    sim.state_mut::<State>(node).next_at = t;
    sim.schedule_tick(t as u64, node, 0);
}

/// A new request starts: from the user's cached DNS answer, a fresh lookup, or a
/// direct entry point.
fn begin(sim: &mut Simulation, r: u32, node: u32) {
    let user = sim.reqs[r as usize].user;
    let u = sim.state::<State>(node);
    if u.dns != NONE {
        let (dns, cdn) = (u.dns, u.dns_cdn);
        let client = sim.clients[user as usize];
        if client.dns_entry != NONE && sim.now < client.dns_expiry {
            go_entry(sim, r, client.dns_entry, cdn);
        } else {
            sim.set_phase(r, Phase::Lookup as u8);
            sim.send(r, dns);
        }
    } else {
        let entry = if u.direct.is_empty() {
            NONE
        } else {
            pick(&u.direct, mix(user))
        };
        let cdn = u.cdn;
        go_entry(sim, r, entry, cdn);
    }
}

/// Sends the request to where it is served: static assets to the CDN when there is
/// one, everything else to the entry point.
fn go_entry(sim: &mut Simulation, r: u32, entry: u32, cdn: u32) {
    let kind = sim.reqs[r as usize].kind;
    let target = if kind == RequestKind::StaticAsset && cdn != NONE {
        cdn
    } else if entry != NONE {
        entry
    } else {
        cdn
    };
    if target == NONE {
        let node = sim.reqs[r as usize].frames[0].node as u32;
        sim.fail(r, Cause::NoRoute, node);
        return;
    }
    sim.set_phase(r, Phase::Main as u8);
    sim.send(r, target);
}
