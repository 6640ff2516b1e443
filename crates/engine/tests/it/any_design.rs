//! A design built from arbitrary bytes the way the editor builds one (any components,
//! settings within their bounds, any wires it accepts) with a short scenario of any
//! traffic and failures. Shared by the fuzz target `runs` (`fuzz/`, which includes this
//! file) and the test `designs_the_fuzzer_found_run_to_their_end`, which replays inputs
//! it found.

use scalelab_engine::catalog::ParamType;
use scalelab_engine::{
    Action, Diagram, Kind, ParamValue, Profile, Region, Scenario, ScheduledEvent, Traffic,
};

/// Reads the bytes one at a time, then zeros.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn pick(&mut self, n: usize) -> usize {
        self.next() as usize % n.max(1)
    }

    /// A value between `lo` and `hi`: often an end or the middle, otherwise anywhere.
    fn within(&mut self, lo: f64, hi: f64) -> f64 {
        match self.next() % 4 {
            0 => lo,
            1 => hi,
            _ => lo + (hi - lo) * self.next() as f64 / 255.0,
        }
    }
}

const REGIONS: [Region; 5] = [
    Region::NorthAmerica,
    Region::SouthAmerica,
    Region::Europe,
    Region::Asia,
    Region::Oceania,
];

/// The design, its scenario, and a trace sampling to run it with.
pub fn design_from_bytes(data: &[u8]) -> (Diagram, Scenario, u32) {
    let mut b = Bytes(data);
    let mut d = Diagram::new();
    let dcs: Vec<String> = (0..b.pick(3))
        .map(|_| d.add_data_center(REGIONS[b.pick(5)], 0.0, 0.0, 1.0, 1.0))
        .collect();
    for _ in 0..1 + b.pick(10) {
        let kind = Kind::ALL[b.pick(Kind::ALL.len())];
        let id = d.add_node(kind, 0.0, 0.0);
        if !dcs.is_empty() && b.next() % 2 == 0 {
            d.set_node_dc(&id, Some(&dcs[b.pick(dcs.len())]));
        }
        let params = kind.info().params;
        for _ in 0..b.pick(4).min(params.len()) {
            let p = &params[b.pick(params.len())];
            let v = match p.ty {
                ParamType::Int { min, max, .. } => {
                    ParamValue::Num(b.within(min as f64, max as f64).round())
                }
                ParamType::Float { min, max, .. } => ParamValue::Num(b.within(min, max)),
                ParamType::Choice { options, .. } => {
                    ParamValue::Text(options[b.pick(options.len())].key.to_string())
                }
                ParamType::Bool { .. } => ParamValue::Bool(b.next() % 2 == 0),
            };
            let _ = d.set_param(&id, p.key, v);
        }
    }
    let ids: Vec<String> = d.nodes.iter().map(|n| n.id.clone()).collect();
    for _ in 0..b.pick(16) {
        let (from, to) = (&ids[b.pick(ids.len())], &ids[b.pick(ids.len())]);
        let _ = d.connect(from, to);
    }
    let duration_s = 1 + b.pick(5) as u32;
    let mut s = Scenario {
        duration_s,
        seed: b.next() as u64,
        client_timeout_ms: [50, 500, 2000, 30_000][b.pick(4)],
        job_ms: b.within(0.0, 100.0),
        ..Scenario::default()
    };
    s.mix.background_job = b.within(0.0, 0.3);
    for n in d.nodes.iter().filter(|n| n.kind == Kind::Users) {
        let profile = match b.pick(4) {
            0 => Profile::Constant,
            1 => Profile::Ramp { from_rps: 0.0 },
            2 => Profile::Daily,
            _ => Profile::Spike {
                at_s: 0,
                len_s: 1,
                factor: b.within(0.0, 10.0),
            },
        };
        let rps = b.within(0.0, 800.0);
        s.traffic.insert(n.id.clone(), Traffic { profile, rps });
    }
    for _ in 0..b.pick(4) {
        let at_s = b.within(0.0, duration_s as f64 - 0.01);
        let action = match b.pick(5) {
            0 => Action::KillNode(ids[b.pick(ids.len())].clone()),
            1 => Action::RestoreNode(ids[b.pick(ids.len())].clone()),
            2 if !dcs.is_empty() => Action::KillDc(dcs[b.pick(dcs.len())].clone()),
            3 if !dcs.is_empty() => Action::RestoreDc(dcs[b.pick(dcs.len())].clone()),
            _ => Action::Reshard {
                node: ids[b.pick(ids.len())].clone(),
                shards: 1 + b.pick(9) as u32,
            },
        };
        s.events.push(ScheduledEvent { at_s, action });
    }
    let sampling = b.pick(4) as u32;
    (d, s, sampling)
}
