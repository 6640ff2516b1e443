//! Users: a population in one region sending requests at the level and in the shape
//! the scenario gives them. Each request is created here
//! (Poisson arrivals, drawn exactly for time-varying traffic), resolves the domain through
//! DNS unless the user's cached answer is still fresh, goes to its entry point (static
//! assets to the CDN) and ends back here.

use crate::catalog::{choice, int, opt, Choice, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::region::Region;
use crate::scenario::{RequestKind, Stretch};
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
    /// The traffic profile, in µs and requests per µs.
    stretches: Vec<Stretch>,
    /// The stretch the next arrival falls in (`stretches.len()` when there is none).
    stretch: usize,
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
        let stretches = cx
            .s
            .traffic_for(&cx.d.nodes[i].id)
            .stretches(cx.s.duration_s as f64)
            .into_iter()
            // Stretches without traffic are skipped: users that never send draw nothing.
            .filter(|s| s.expected() > 0.0)
            .map(|s| s.in_micros())
            .collect();
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
            stretches,
            stretch: 0,
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
        let u = sim.state_mut::<State>(node);
        (u.next_at, u.stretch) = (0.0, 0);
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

/// Schedules the next arrival of these users, if any comes before the end of the run.
fn schedule_next_arrival(sim: &mut Simulation, node: u32) {
    let u = sim.state::<State>(node);
    if u.stretch >= u.stretches.len() {
        return;
    }
    // How many requests the profile is expected to send between this arrival and the
    // next: exponential with mean 1 for a Poisson process, whatever its rate.
    let e = sim.rng.exp(1.0);
    let end = sim.duration_us as f64;
    let u = sim.state_mut::<State>(node);
    match next_arrival(&u.stretches, &mut u.stretch, u.next_at, e) {
        // Rounding could put one at the very end, when the run no longer takes any.
        Some(t) if t < end => {
            u.next_at = t;
            sim.schedule_tick(t as u64, node, 0);
        }
        _ => u.stretch = u.stretches.len(),
    }
}

/// The time after `t` by which `e` requests are expected, within stretches of
/// linearly changing rate (times in µs, rates per µs) starting from `*stretch`, which
/// moves to the stretch the answer is in; `None` past the last one. This inverts the
/// expected count exactly, so an arrival costs one random draw whatever the profile
/// (thinning at the peak rate would draw up to the spike factor, 100, per arrival),
/// and stretches without traffic are skipped at once.
fn next_arrival(
    stretches: &[Stretch],
    stretch: &mut usize,
    t: f64,
    mut e: f64,
) -> Option<f64> {
    while let Some(s) = stretches.get(*stretch) {
        let from = t.max(s.from);
        if from < s.to {
            let slope = (s.rate1 - s.rate0) / (s.to - s.from);
            let r0 = s.rate0 + slope * (from - s.from);
            let area = (r0 + s.rate1) * 0.5 * (s.to - from);
            if e < area {
                if e <= 0.0 {
                    return Some(from);
                }
                // r0·τ + slope·τ²/2 = e, written so it neither cancels nor divides by
                // a slope of 0.
                let root = (r0 * r0 + 2.0 * slope * e).max(0.0).sqrt();
                let tau = 2.0 * e / (r0 + root);
                return Some((from + tau).min(s.to));
            }
            e -= area;
        }
        *stretch += 1;
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn stretch(from: f64, to: f64, rate0: f64, rate1: f64) -> Stretch {
        Stretch {
            from,
            to,
            rate0,
            rate1,
        }
    }

    #[test]
    fn arrivals_invert_the_expected_count() {
        let at = |st: &[Stretch], t: f64, e: f64| {
            let mut i = 0;
            let next = next_arrival(st, &mut i, t, e);
            (next, i)
        };
        // A steady 0.5 per µs: one request takes 2 µs.
        let steady = [stretch(0.0, 100.0, 0.5, 0.5)];
        assert_eq!(at(&steady, 10.0, 1.0), (Some(12.0), 0));
        // Rising from 0 by 0.01 per µs²: 2 requests take √(2·2 / 0.01) = 20 µs.
        let rising = [stretch(0.0, 100.0, 0.0, 1.0)];
        assert_eq!(at(&rising, 0.0, 2.0), (Some(20.0), 0));
        // From 10 µs the rate is 0.1: 0.1τ + 0.005τ² = 1.5 gives τ = 10.
        let (t, _) = at(&rising, 10.0, 1.5);
        assert!((t.unwrap() - 20.0).abs() < 1e-12, "{t:?}");
        // Falling from 2 to 0 over 10 µs: 2τ − 0.1τ² = 6.4 gives τ = 4.
        let falling = [stretch(0.0, 10.0, 2.0, 0.0)];
        let (t, _) = at(&falling, 0.0, 6.4);
        assert!((t.unwrap() - 4.0).abs() < 1e-12, "{t:?}");
        // From 8 µs: 2 requests left in the first stretch, none in the quiet one, and
        // the last one comes 0.5 µs into the third.
        let gap = [
            stretch(0.0, 10.0, 1.0, 1.0),
            stretch(10.0, 20.0, 0.0, 0.0),
            stretch(20.0, 30.0, 2.0, 2.0),
        ];
        assert_eq!(at(&gap, 8.0, 3.0), (Some(20.5), 2));
        // Past the last stretch there is no next arrival.
        assert_eq!(at(&gap, 25.0, 100.0), (None, 3));
        assert_eq!(at(&gap, 30.0, 0.1), (None, 3));
        // Nothing expected in between: the next arrival is at the same time.
        assert_eq!(at(&steady, 10.0, 0.0), (Some(10.0), 0));
    }
}
