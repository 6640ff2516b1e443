//! Running the simulation in the page: the engine advances inside animation frames
//! within a time budget, finished request traces become dots moving along the routed
//! wires of the HTML canvas, and a metrics snapshot is published a few times a second.
//! The frame loop runs only while the run does; otherwise a change of view repaints
//! once. The pure part (paths, the dot pool) is in `dots`.

pub mod dots;

use scalelab_engine::vecmap::VecMap;

use leptos::prelude::*;
use scalelab_engine::{
    Diagram, Metrics, NodePoint, RequestKind, Scenario, Simulation, SnapshotOptions,
};
use wasm_bindgen::JsCast;

use crate::canvas::geometry::{Point, Viewport};
use crate::view_util::request_color;
use dots::{Dots, Paths};

/// Simulated time the animation trails the engine by, so a request that started at the
/// shown moment has usually finished (and been traced) already.
const TRAIL_US: u64 = 250_000;
/// Longest real time one frame may spend advancing the engine.
const FRAME_BUDGET_MS: f64 = 7.0;
/// Events processed between two checks of the frame budget.
const EVENT_CHUNK: u64 = 5_000;
/// Most traced requests kept for drawing at once; the oldest are dropped first. Enough
/// for ten thousand requests in flight to show as ten thousand dots.
const MAX_DOTS: usize = 12_000;
/// Real milliseconds between two metric snapshots.
const SNAPSHOT_EVERY_MS: f64 = 200.0;
const DOT_R: f64 = 4.0;
const FAIL_R: f64 = 6.0;
const FAIL_COLOR: &str = "#ef4444";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Idle,
    Running,
    Paused,
    Finished,
}

/// What the canvas shows of a node during a run.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeLive {
    pub up: bool,
    pub utilisation: f64,
    pub queue_len: u32,
    /// For caches and CDNs: the share of lookups answered from memory so far.
    pub hit_rate: Option<f64>,
}

/// The part of a run that is not reactive: the engine, its diagram and the dots.
struct Engine {
    sim: Simulation,
    /// The run's own copy of the diagram: traces refer to its node indices.
    diagram: Diagram,
    paths: Paths,
    dots: Dots,
    /// Where this frame's dots are, one list per request kind, reused every frame.
    scratch: Vec<Vec<Point>>,
    failed_scratch: Vec<Point>,
    /// Simulated time the animation shows.
    shown_us: u64,
    last_frame_ms: Option<f64>,
    last_snapshot_ms: f64,
}

#[derive(Clone, Copy)]
pub struct Runner {
    engine: StoredValue<Option<Engine>, LocalStorage>,
    pub status: RwSignal<Status>,
    pub speed: RwSignal<f64>,
    pub reduced_motion: RwSignal<bool>,
    pub metrics: RwSignal<Option<Metrics>>,
    /// Everything the finished run measured (the per-node series included): what goals
    /// are checked against, and what the run's digest is taken of.
    pub final_metrics: RwSignal<Option<Metrics>>,
    /// The learner killed or restored something by hand during this run.
    pub intervened: RwSignal<bool>,
    /// Simulated seconds shown, for the clock.
    pub shown_s: RwSignal<f64>,
    pub duration_s: RwSignal<f64>,
    /// Derived from each snapshot, never edited: what the cards show.
    live: RwSignal<VecMap<String, NodeLive>>,
    /// Data centers down in the last snapshot, read from its markers (see
    /// `down_data_centers`).
    down_dcs: RwSignal<Vec<String>>,
    pub canvas: NodeRef<leptos::html::Canvas>,
    viewport: RwSignal<Viewport>,
    /// A frame is requested and not drawn yet.
    frame_pending: StoredValue<bool>,
    /// Record each frame for the benchmark page.
    record: bool,
}

impl Runner {
    pub fn new(viewport: RwSignal<Viewport>, record: bool) -> Self {
        let reduced = window()
            .match_media("(prefers-reduced-motion: reduce)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        Runner {
            engine: StoredValue::new_local(None),
            status: RwSignal::new(Status::Idle),
            speed: RwSignal::new(1.0),
            reduced_motion: RwSignal::new(reduced),
            metrics: RwSignal::new(None),
            final_metrics: RwSignal::new(None),
            intervened: RwSignal::new(false),
            shown_s: RwSignal::new(0.0),
            duration_s: RwSignal::new(0.0),
            live: RwSignal::new(VecMap::new()),
            down_dcs: RwSignal::new(Vec::new()),
            canvas: NodeRef::new(),
            viewport,
            frame_pending: StoredValue::new(false),
            record,
        }
    }

    /// A run exists (running, paused or finished).
    pub fn is_active(&self) -> bool {
        self.status.get_untracked() != Status::Idle
    }

    pub fn node_live(&self, id: &str) -> Option<NodeLive> {
        self.live.with(|l| l.get(id).cloned())
    }

    /// The per-second points of a node in the current run (empty without a run).
    pub fn node_points(&self, id: &str) -> Vec<NodePoint> {
        self.engine.with_value(|e| {
            e.as_ref()
                .and_then(|e| {
                    e.diagram
                        .node_index(id)
                        .map(|i| e.sim.node_points(i).to_vec())
                })
                .unwrap_or_default()
        })
    }

    /// Requests the engine has in flight (0 without a run).
    pub fn in_flight(&self) -> u64 {
        self.engine
            .with_value(|e| e.as_ref().map_or(0, |e| e.sim.in_flight()))
    }

    pub fn dc_down(&self, id: &str) -> bool {
        self.down_dcs.with(|d| d.iter().any(|x| x == id))
    }

    /// Starts a run of `diagram` under `scenario`, or returns the blocking findings.
    pub fn start(&self, diagram: &Diagram, scenario: &Scenario) -> Result<(), Vec<String>> {
        let sim = Simulation::new(diagram, scenario)
            .map_err(|findings| findings.into_iter().map(|f| f.message).collect::<Vec<_>>())?;
        self.duration_s.set(sim.duration_us() as f64 / 1e6);
        self.engine.set_value(Some(Engine {
            sim,
            diagram: diagram.clone(),
            paths: Paths::new(diagram),
            dots: Dots::new(MAX_DOTS),
            scratch: vec![Vec::new(); RequestKind::ALL.len()],
            failed_scratch: Vec::new(),
            shown_us: 0,
            last_frame_ms: None,
            last_snapshot_ms: f64::NEG_INFINITY,
        }));
        self.final_metrics.set(None);
        self.intervened.set(false);
        self.status.set(Status::Running);
        self.publish(true);
        self.wake();
        Ok(())
    }

    pub fn pause(&self) {
        if self.status.get_untracked() == Status::Running {
            self.status.set(Status::Paused);
        }
    }

    pub fn resume(&self) {
        if self.status.get_untracked() == Status::Paused {
            self.engine.update_value(|e| {
                if let Some(e) = e {
                    e.last_frame_ms = None;
                }
            });
            self.status.set(Status::Running);
            self.wake();
        }
    }

    /// Advances a paused run by one simulated second.
    pub fn step(&self) {
        if self.status.get_untracked() == Status::Running {
            self.status.set(Status::Paused);
        }
        let done = self
            .engine
            .try_update_value(|e| {
                e.as_mut().map(|e| {
                    let target = (e.shown_us + 1_000_000).min(e.sim.duration_us());
                    e.sim.advance(target + TRAIL_US, u64::MAX);
                    e.shown_us = target;
                    e.collect_traces();
                    e.shown_us >= e.sim.duration_us()
                })
            })
            .flatten();
        if done == Some(true) {
            self.finish();
        } else {
            self.publish(true);
        }
        self.wake();
    }

    /// The shown run reached its end: let the requests still in flight finish (for at
    /// most a minute), show and keep the full final numbers, and mark it finished.
    /// What the screen shows of each component's moment (the cards, the inspector: how
    /// busy, what waits, the last second's rates) stays as the scenario ended: after
    /// it, the servers drain their queues and fall idle, and "28% busy" on a server
    /// that was full a moment ago would mislead.
    fn finish(&self) {
        self.publish(true);
        let full = self
            .engine
            .try_update_value(|e| {
                e.as_mut().map(|e| {
                    e.sim.run_to_end();
                    e.sim.snapshot()
                })
            })
            .flatten();
        let mut shown = full.clone();
        self.metrics.with_untracked(|end| {
            if let (Some(shown), Some(end)) = (&mut shown, end) {
                // The fields of a moment that a component (`NodeMetrics`) and each of its
                // parts (`PartMetrics`, two types) both have.
                macro_rules! moment {
                    ($to:expr, $from:expr) => {
                        $to.up = $from.up;
                        $to.utilisation = $from.utilisation;
                        $to.queue_len = $from.queue_len;
                        $to.read_qps = $from.read_qps;
                        $to.write_qps = $from.write_qps;
                    };
                }
                for (n, e) in shown.nodes.iter_mut().zip(&end.nodes) {
                    moment!(n, e);
                    n.backlog = e.backlog;
                    n.instances = e.instances;
                    n.memory_mb = e.memory_mb;
                    for (p, e) in n.parts.iter_mut().zip(&e.parts) {
                        moment!(p, e);
                    }
                }
            }
        });
        self.metrics.set(shown);
        self.final_metrics.set(full);
        self.status.set(Status::Finished);
    }

    /// Shows a run done elsewhere (a goal check) in the metrics panel, without
    /// animating it. The next run or reset replaces it.
    pub fn show_checked(&self, m: Metrics, duration_s: f64) {
        self.duration_s.set(duration_s);
        self.shown_s.set(duration_s);
        self.metrics.set(Some(m));
    }

    /// Throws the run away.
    pub fn reset(&self) {
        self.engine.set_value(None);
        self.status.set(Status::Idle);
        self.metrics.set(None);
        self.final_metrics.set(None);
        self.intervened.set(false);
        self.live.set(VecMap::new());
        self.down_dcs.set(Vec::new());
        self.shown_s.set(0.0);
        self.wake();
    }

    /// Kills a running node, or restores it when it is down (not once the run has
    /// finished: nothing is left to fail).
    pub fn toggle_node(&self, id: &str) {
        if self.status.get_untracked() == Status::Finished {
            return;
        }
        self.intervened.set(true);
        self.engine.update_value(|e| {
            if let Some(e) = e {
                if let Some(i) = e.diagram.node_index(id) {
                    if e.sim.node_up(i) {
                        e.sim.kill_node(id);
                    } else {
                        e.sim.restore_node(id);
                    }
                }
            }
        });
        self.publish(true);
    }

    /// Takes a whole data center down, or brings it back. The engine is asked, not a
    /// copy: `kill_dc` refuses a data center that is already down (a scheduled
    /// failure may have taken it down), and then it is restored instead.
    pub fn toggle_dc(&self, id: &str) {
        if self.status.get_untracked() == Status::Finished {
            return;
        }
        self.intervened.set(true);
        self.engine.update_value(|e| {
            if let Some(e) = e {
                if !e.sim.kill_dc(id) {
                    e.sim.restore_dc(id);
                }
            }
        });
        self.publish(true);
    }

    /// Makes sure a frame will be drawn: every frame while the run runs, one frame
    /// otherwise (after a pause, a step, a pan or zoom, a reset).
    pub fn wake(&self) {
        if self.frame_pending.get_value() {
            return;
        }
        self.frame_pending.set_value(true);
        let runner = *self;
        request_animation_frame(move || runner.tick());
    }

    fn tick(&self) {
        self.frame_pending.set_value(false);
        let start = now_ms();
        let running = self.status.get_untracked() == Status::Running;
        let drawn = self.frame();
        if running && self.record {
            crate::bench::record_frame(now_ms() - start, drawn, self.in_flight());
        }
        if self.status.get_untracked() == Status::Running {
            self.wake();
        }
    }

    /// One animation frame: advance the engine within budget, then draw. Returns how
    /// many dots were drawn.
    fn frame(&self) -> usize {
        let now = now_ms();
        let status = self.status.get_untracked();
        let mut finished = false;
        let mut snapshot_due = false;
        self.engine.update_value(|e| {
            let Some(e) = e else { return };
            if status == Status::Running {
                let dt = e
                    .last_frame_ms
                    .map_or(0.0, |last| (now - last).clamp(0.0, 100.0));
                e.last_frame_ms = Some(now);
                let speed = self.speed.get_untracked();
                let want = (e.shown_us + (dt * 1000.0 * speed) as u64).min(e.sim.duration_us());
                let goal = want + TRAIL_US;
                while e.sim.now_us() < goal && !e.sim.is_finished() {
                    e.sim.advance(goal, EVENT_CHUNK);
                    if now_ms() - now > FRAME_BUDGET_MS {
                        break;
                    }
                }
                // When the engine could not keep up, the picture slows down instead of
                // the page freezing.
                e.shown_us = want
                    .min(e.sim.now_us().saturating_sub(TRAIL_US))
                    .max(e.shown_us);
                if e.sim.is_finished() {
                    e.shown_us = want;
                }
                e.collect_traces();
                finished = e.shown_us >= e.sim.duration_us();
            }
            snapshot_due = now - e.last_snapshot_ms >= SNAPSHOT_EVERY_MS;
        });
        if finished {
            self.finish();
        } else if snapshot_due && status == Status::Running {
            self.publish(false);
        }
        self.draw()
    }

    /// Publishes the engine's numbers to the reactive signals.
    fn publish(&self, force: bool) {
        let now = now_ms();
        let snapshot = self
            .engine
            .try_update_value(|e| {
                e.as_mut().and_then(|e| {
                    if !force && now - e.last_snapshot_ms < SNAPSHOT_EVERY_MS {
                        return None;
                    }
                    e.last_snapshot_ms = now;
                    // The per-node series are read one node at a time (`node_points`).
                    let m = e.sim.snapshot_with(SnapshotOptions {
                        node_series: false,
                        ..SnapshotOptions::default()
                    });
                    let down = down_data_centers(&e.diagram, &e.sim);
                    Some((m, down, e.shown_us))
                })
            })
            .flatten();
        if let Some((m, down, shown)) = snapshot {
            let live: VecMap<String, NodeLive> = m
                .nodes
                .iter()
                .map(|n| {
                    let state = NodeLive {
                        up: n.up,
                        utilisation: n.busiest_utilisation(),
                        queue_len: n.queued(),
                        hit_rate: n.hit_rate,
                    };
                    (n.id.clone(), state)
                })
                .collect();
            self.metrics.set(Some(m));
            if self.live.with_untracked(|l| l != &live) {
                self.live.set(live);
            }
            if self.down_dcs.with_untracked(|d| d != &down) {
                self.down_dcs.set(down);
            }
            self.shown_s.set(shown as f64 / 1e6);
        }
    }

    /// The 2D context, sized to the element in device pixels.
    fn context(&self) -> Option<(web_sys::CanvasRenderingContext2d, f64, f64)> {
        let canvas = self.canvas.get_untracked()?;
        let ratio = window().device_pixel_ratio();
        let w = (canvas.client_width() as f64 * ratio).round() as u32;
        let h = (canvas.client_height() as f64 * ratio).round() as u32;
        if canvas.width() != w || canvas.height() != h {
            canvas.set_width(w);
            canvas.set_height(h);
        }
        let ctx = canvas
            .get_context("2d")
            .ok()??
            .dyn_into::<web_sys::CanvasRenderingContext2d>()
            .ok()?;
        Some((ctx, w as f64, h as f64))
    }

    fn draw(&self) -> usize {
        let Some((ctx, w, h)) = self.context() else {
            return 0;
        };
        ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok();
        ctx.clear_rect(0.0, 0.0, w, h);
        if self.reduced_motion.get_untracked() {
            return 0;
        }
        let viewport = self.viewport.get_untracked();
        let ratio = window().device_pixel_ratio();
        ctx.set_transform(
            viewport.zoom * ratio,
            0.0,
            0.0,
            viewport.zoom * ratio,
            viewport.pan_x * ratio,
            viewport.pan_y * ratio,
        )
        .ok();
        let mut drawn = 0;
        self.engine.update_value(|e| {
            let Some(e) = e else { return };
            let t = e.shown_us;
            e.dots.expire(t);
            for list in e.scratch.iter_mut() {
                list.clear();
            }
            e.failed_scratch.clear();
            let (scratch, failed) = (&mut e.scratch, &mut e.failed_scratch);
            e.dots.visit(
                &e.paths,
                t,
                |p, kind| scratch[kind.index()].push(p),
                |p| failed.push(p),
            );
            let tau = std::f64::consts::TAU;
            // One path and one fill per colour.
            for (&kind, points) in RequestKind::ALL.iter().zip(scratch.iter()) {
                if points.is_empty() {
                    continue;
                }
                ctx.begin_path();
                for p in points {
                    ctx.move_to(p.x + DOT_R, p.y);
                    let _ = ctx.arc(p.x, p.y, DOT_R, 0.0, tau);
                }
                ctx.set_fill_style_str(request_color(kind));
                ctx.fill();
                drawn += points.len();
            }
            if !failed.is_empty() {
                ctx.begin_path();
                for p in failed.iter() {
                    ctx.move_to(p.x + FAIL_R, p.y);
                    let _ = ctx.arc(p.x, p.y, FAIL_R, 0.0, tau);
                }
                ctx.set_fill_style_str(FAIL_COLOR);
                ctx.fill();
            }
        });
        drawn
    }
}

impl Engine {
    /// Turns newly finished traces into dots.
    fn collect_traces(&mut self) {
        for trace in self.sim.take_traces() {
            self.dots.push(&trace, &mut self.paths);
        }
    }
}

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// The data centers the engine says are down.
pub fn down_data_centers(d: &Diagram, sim: &Simulation) -> Vec<String> {
    d.data_centers
        .iter()
        .filter(|c| sim.dc_down(&c.id))
        .map(|c| c.id.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scalelab_engine::{Action, Kind, Region, ScheduledEvent};

    #[test]
    fn a_scheduled_data_center_failure_shows_as_down_and_its_recovery_as_up() {
        let mut d = Diagram::default();
        let dc = d.add_data_center(Region::Europe, 0.0, 0.0, 400.0, 300.0);
        let users = d.add_node(Kind::Users, -300.0, 0.0);
        let web = d.add_node(Kind::WebServer, 32.0, 64.0);
        d.set_node_dc(&web, Some(&dc));
        d.connect(&users, &web).unwrap();
        let scenario = Scenario {
            duration_s: 10,
            events: vec![
                ScheduledEvent {
                    at_s: 2.0,
                    action: Action::KillDc(dc.clone()),
                },
                ScheduledEvent {
                    at_s: 5.0,
                    action: Action::RestoreDc(dc.clone()),
                },
            ],
            ..Scenario::default()
        };
        let mut sim = Simulation::new(&d, &scenario).unwrap();
        sim.advance(1_000_000, u64::MAX);
        assert!(down_data_centers(&d, &sim).is_empty());
        sim.advance(3_000_000, u64::MAX);
        assert_eq!(down_data_centers(&d, &sim), vec![dc.clone()]);
        // The engine refuses to kill it again, which is how a click restores it.
        assert!(!sim.kill_dc(&dc));
        sim.advance(6_000_000, u64::MAX);
        assert!(down_data_centers(&d, &sim).is_empty());
    }
}
