//! DNS and GeoDNS: answers a user's lookup with an entry point (GeoDNS: the nearest one
//! it believes healthy), which the user's client then caches for the answer's TTL; it
//! checks its entry points periodically. A managed service answering from the edge.

use crate::catalog::{choice, choice_enum, int, ParamMap, ParamSpec, Reader};
use crate::components::{Component, Info, NodeCx, Placement, Role};
use crate::finding::Finding;
use crate::sim::build::BuildCx;
use crate::sim::flow::mix;
use crate::sim::{NodeSetup, Simulation, NONE};

choice_enum! {
    /// How DNS picks the entry point it answers with.
    pub(crate) enum Routing {
        Simple = "simple" : "Simple",
        Geo = "geo" : "GeoDNS (nearest)",
    }
}

const PARAMS: &[ParamSpec] = &[
    choice(
        "routing",
        "Routing",
        "Simple answers with any entry point; GeoDNS answers with the nearest healthy data center.",
        Routing::OPTIONS,
        "simple",
    ),
    int(
        "ttl_s",
        "Answer TTL",
        "s",
        "How long clients cache an answer before asking again.",
        0,
        86_400,
        300,
    ),
    int(
        "health_check_s",
        "Health check interval",
        "s",
        "How often DNS checks its entry points; 0 never checks.",
        0,
        600,
        10,
    ),
];

/// Typed settings of a DNS node.
pub(crate) struct Params {
    pub routing: Routing,
    pub ttl_s: u32,
    pub health_check_s: u32,
}

impl Params {
    pub(crate) fn parse(map: &ParamMap) -> Params {
        let p = Reader::new(PARAMS, map);
        Params {
            routing: Routing::from_key(p.choice("routing")).unwrap_or(Routing::Simple),
            ttl_s: p.int("ttl_s"),
            health_check_s: p.int("health_check_s"),
        }
    }
}

/// A DNS node during a run.
#[derive(Clone, Debug)]
pub(crate) struct State {
    geo: bool,
    ttl_us: u64,
    check_us: u64,
    entries: Vec<u32>,
    healthy: Vec<bool>,
}

pub(crate) struct Def;

impl Component for Def {
    const INFO: Info = Info {
        key: "dns",
        label: "DNS",
        glyph: "DNS",
        color: "#8b5cf6",
        description: "Turns your domain name into the address of an entry point; clients remember the answer for a while.",
        id_prefix: "dns",
        params: PARAMS,
        roles: &[Role::Resolver],
        calls: &[Role::EntryPoint, Role::Edge],
        placement: Placement::Edge,
        self_managed: false,
        grouped_by_own_edges: false,
    };

    type State = State;

    fn validate(cx: &NodeCx, out: &mut Vec<Finding>) {
        if cx.succ.is_empty() {
            out.push(cx.error(format!(
                "{} has no entry point to answer with; connect it to a load balancer, API gateway, web server or CDN.",
                cx.name()
            )));
        }
        // A CDN is everywhere by nature; the entry points behind GeoDNS must each be
        // somewhere.
        if Params::parse(&cx.node.params).routing == Routing::Geo
            && cx
                .succ
                .iter()
                .any(|s| s.dc.is_none() && s.kind.info().offers(Role::EntryPoint))
        {
            out.push(cx.warning(format!(
                "{} uses GeoDNS, but some entry points are in no data center, so it cannot tell where they are.",
                cx.name()
            )));
        }
    }

    fn monthly_cost(params: &ParamMap) -> f64 {
        match Params::parse(params).routing {
            Routing::Geo => 10.0,
            Routing::Simple => 1.0,
        }
    }

    fn build(cx: &mut BuildCx, i: usize) -> (NodeSetup, State) {
        let p = Params::parse(cx.params(i));
        let entries = cx.succ_offering(i, Role::EntryPoint);
        let state = State {
            geo: p.routing == Routing::Geo,
            ttl_us: p.ttl_s as u64 * 1_000_000,
            check_us: p.health_check_s as u64 * 1_000_000,
            healthy: vec![true; entries.len()],
            entries,
        };
        (NodeSetup::managed(1000.0), state)
    }

    fn start(sim: &mut Simulation, node: u32) {
        let t = sim.state::<State>(node).check_us;
        if t > 0 && t < sim.duration_us {
            sim.schedule_tick(t, node, 0);
        }
    }

    /// Answers the lookup: the entry point goes back to the user in this frame, and
    /// into the user's client cache until the TTL ends.
    fn on_served(sim: &mut Simulation, r: u32, node: u32) {
        let (region, user) = {
            let req = &sim.reqs[r as usize];
            (req.region, req.user)
        };
        let entry = choose(sim, node, region, user);
        let expiry = sim.now + sim.state::<State>(node).ttl_us;
        let client = &mut sim.clients[user as usize];
        client.dns_entry = entry;
        client.dns_expiry = expiry;
        sim.reqs[r as usize].top_mut().aux = entry;
        sim.respond(r);
    }

    /// A health check of every entry point.
    fn on_tick(sim: &mut Simulation, node: u32, _token: u32) {
        for e in 0..sim.state::<State>(node).entries.len() {
            let entry = sim.state::<State>(node).entries[e];
            let up = sim.nodes[entry as usize].up();
            if sim.state::<State>(node).healthy[e] != up {
                sim.state_mut::<State>(node).healthy[e] = up;
                let text = format!(
                    "{} {} {}",
                    sim.ids[node as usize],
                    if up {
                        "answers with"
                    } else {
                        "stopped answering with"
                    },
                    sim.ids[entry as usize]
                );
                sim.mark(text);
            }
        }
        let next = sim.now + sim.state::<State>(node).check_us.max(1);
        if next < sim.duration_us {
            sim.schedule_tick(next, node, 0);
        }
    }
}

/// GeoDNS: the nearest entry point DNS believes healthy; simple DNS: any healthy one.
/// Each user gets a stable pick among equals.
fn choose(sim: &Simulation, node: u32, region: u8, user: u32) -> u32 {
    let dns = sim.state::<State>(node);
    if dns.entries.is_empty() {
        return NONE;
    }
    let any_healthy = dns.healthy.iter().any(|h| *h);
    let ok = |i: usize| !any_healthy || dns.healthy[i];
    let from = sim.region_loc_base + region as usize;
    let cost = |i: usize| -> u64 {
        if dns.geo {
            sim.loc_latency(from, sim.loc(dns.entries[i], region))
        } else {
            0
        }
    };
    let best = (0..dns.entries.len())
        .filter(|&i| ok(i))
        .map(cost)
        .min()
        .unwrap_or(0);
    let ties = (0..dns.entries.len())
        .filter(|&i| ok(i) && cost(i) == best)
        .count();
    let pick = mix(user) as usize % ties.max(1);
    (0..dns.entries.len())
        .filter(|&i| ok(i) && cost(i) == best)
        .nth(pick)
        .map(|i| dns.entries[i])
        .unwrap_or(NONE)
}

#[cfg(test)]
mod tests {
    use crate::{Diagram, Kind, ParamValue, Region};

    #[test]
    fn geodns_warns_about_entry_points_outside_data_centers_not_about_the_cdn() {
        let mut d = Diagram::new();
        let dc = d.add_data_center(Region::Europe, 0.0, 0.0, 1.0, 1.0);
        let users = d.add_node(Kind::Users, 0.0, 0.0);
        let dns = d.add_node(Kind::Dns, 0.0, 0.0);
        d.set_param(&dns, "routing", ParamValue::Text("geo".into()))
            .unwrap();
        let lb = d.add_node(Kind::LoadBalancer, 0.0, 0.0);
        let web = d.add_node(Kind::WebServer, 0.0, 0.0);
        let cdn = d.add_node(Kind::Cdn, 0.0, 0.0);
        d.set_node_dc(&lb, Some(&dc));
        d.set_node_dc(&web, Some(&dc));
        for (a, b) in [(&users, &dns), (&dns, &lb), (&lb, &web), (&dns, &cdn), (&cdn, &web)] {
            d.connect(a, b).unwrap();
        }
        let warned = |d: &Diagram| {
            d.validate()
                .iter()
                .any(|f| f.message.contains("cannot tell where"))
        };
        assert!(!warned(&d), "{:?}", d.validate());
        d.set_node_dc(&lb, None);
        assert!(warned(&d));
    }
}
