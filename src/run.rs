//! Running the simulation in the page: the engine advances inside each animation
//! frame within a time budget, finished request traces become dots on the HTML
//! canvas, and a metrics snapshot is published a few times a second.

use std::collections::{BTreeMap, VecDeque};

use leptos::prelude::*;
use scalelab_engine::{
    Diagram, Metrics, NodePoint, Outcome, RequestKind, Scenario, Simulation, SnapshotOptions, Trace,
};
use wasm_bindgen::JsCast;

use crate::geometry::{self, Leg, Point, Viewport};
use crate::view_util::request_color;

/// Simulated time the animation trails the engine by, so a request that started at the
/// shown moment has usually finished (and been traced) already.
const TRAIL_US: u64 = 250_000;
/// Longest real time one frame may spend advancing the engine.
const FRAME_BUDGET_MS: f64 = 7.0;
/// Events processed between two checks of the frame budget.
const EVENT_CHUNK: u64 = 5_000;
/// Most traces kept for drawing at once; the oldest are dropped first.
const MAX_DOTS: usize = 6_000;
/// How long (simulated) a failed request stays on screen as a red dot.
const FAIL_SHOW_US: u64 = 400_000;
/// Real milliseconds between two metric snapshots.
const SNAPSHOT_EVERY_MS: f64 = 200.0;

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
}

/// A traced request ready to draw.
struct Dot {
    legs: Vec<Leg>,
    kind: RequestKind,
    /// Where and when it failed, to show a red dot there for a moment.
    failed_at: Option<(Point, u64)>,
    end_us: u64,
}

/// The part of a run that is not reactive: the engine and the dots.
struct Engine {
    sim: Simulation,
    diagram: Diagram,
    dots: VecDeque<Dot>,
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
    /// Simulated seconds shown, for the clock.
    pub shown_s: RwSignal<f64>,
    pub duration_s: RwSignal<f64>,
    live: RwSignal<BTreeMap<String, NodeLive>>,
    down_dcs: RwSignal<Vec<String>>,
    pub canvas: NodeRef<leptos::html::Canvas>,
}

impl Runner {
    pub fn new() -> Self {
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
            shown_s: RwSignal::new(0.0),
            duration_s: RwSignal::new(0.0),
            live: RwSignal::new(BTreeMap::new()),
            down_dcs: RwSignal::new(Vec::new()),
            canvas: NodeRef::new(),
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
            dots: VecDeque::new(),
            shown_us: 0,
            last_frame_ms: None,
            last_snapshot_ms: f64::NEG_INFINITY,
        }));
        self.down_dcs.set(Vec::new());
        self.status.set(Status::Running);
        self.publish(true);
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
            self.status.set(Status::Finished);
        }
        self.publish(true);
    }

    /// Throws the run away.
    pub fn reset(&self) {
        self.engine.set_value(None);
        self.status.set(Status::Idle);
        self.metrics.set(None);
        self.live.set(BTreeMap::new());
        self.down_dcs.set(Vec::new());
        self.shown_s.set(0.0);
        self.clear_canvas();
    }

    /// Kills a running node, or restores it when it is down.
    pub fn toggle_node(&self, id: &str) {
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

    /// Takes a whole data center down, or brings it back.
    pub fn toggle_dc(&self, id: &str) {
        let down = self.dc_down(id);
        self.engine.update_value(|e| {
            if let Some(e) = e {
                if down {
                    e.sim.restore_dc(id);
                } else {
                    e.sim.kill_dc(id);
                }
            }
        });
        self.down_dcs.update(|d| {
            if down {
                d.retain(|x| x != id);
            } else {
                d.push(id.to_string());
            }
        });
        self.publish(true);
    }

    /// One animation frame: advance the engine within budget, then draw. Returns how
    /// many dots were drawn.
    pub fn frame(&self, viewport: Viewport) -> usize {
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
            self.status.set(Status::Finished);
            // The last numbers of the run are always shown.
            self.publish(true);
        } else if snapshot_due && status == Status::Running {
            self.publish(false);
        }
        self.draw(viewport)
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
                    let live: BTreeMap<String, NodeLive> = m
                        .nodes
                        .iter()
                        .map(|n| {
                            (
                                n.id.clone(),
                                NodeLive {
                                    up: n.up,
                                    utilisation: n.utilisation,
                                    queue_len: n.queue_len,
                                },
                            )
                        })
                        .collect();
                    Some((m, live, e.shown_us))
                })
            })
            .flatten();
        if let Some((m, live, shown)) = snapshot {
            self.metrics.set(Some(m));
            if self.live.with_untracked(|l| l != &live) {
                self.live.set(live);
            }
            self.shown_s.set(shown as f64 / 1e6);
        }
    }

    fn clear_canvas(&self) {
        if let Some((ctx, w, h)) = self.context() {
            ctx.clear_rect(0.0, 0.0, w, h);
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

    fn draw(&self, viewport: Viewport) -> usize {
        let Some((ctx, w, h)) = self.context() else {
            return 0;
        };
        ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0).ok();
        ctx.clear_rect(0.0, 0.0, w, h);
        if self.reduced_motion.get_untracked() {
            return 0;
        }
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
            while e.dots.front().is_some_and(|d| d.end_us + FAIL_SHOW_US < t) {
                e.dots.pop_front();
            }
            let tau = std::f64::consts::TAU;
            // Batch dots by request kind: one path and one fill per colour.
            for &kind in RequestKind::ALL {
                ctx.begin_path();
                let mut any = false;
                for d in e.dots.iter().filter(|d| d.kind == kind) {
                    if let Some(p) = geometry::dot_position(&d.legs, t) {
                        ctx.move_to(p.x + 4.0, p.y);
                        let _ = ctx.arc(p.x, p.y, 4.0, 0.0, tau);
                        any = true;
                        drawn += 1;
                    }
                }
                if any {
                    ctx.set_fill_style_str(request_color(kind));
                    ctx.fill();
                }
            }
            ctx.begin_path();
            let mut any = false;
            for d in e.dots.iter() {
                if let Some((p, at)) = d.failed_at {
                    if at <= t && t <= at + FAIL_SHOW_US {
                        ctx.move_to(p.x + 6.0, p.y);
                        let _ = ctx.arc(p.x, p.y, 6.0, 0.0, tau);
                        any = true;
                    }
                }
            }
            if any {
                ctx.set_fill_style_str(FAIL_COLOR);
                ctx.fill();
            }
        });
        drawn
    }
}

impl Default for Runner {
    fn default() -> Self {
        Self::new()
    }
}

const FAIL_COLOR: &str = "#ef4444";

impl Engine {
    /// Turns newly finished traces into dots.
    fn collect_traces(&mut self) {
        for trace in self.sim.take_traces() {
            if let Some(dot) = dot_of(&self.diagram, &trace) {
                if self.dots.len() == MAX_DOTS {
                    self.dots.pop_front();
                }
                self.dots.push_back(dot);
            }
        }
    }
}

/// The legs of a trace in world coordinates: along the edge between two nodes, or
/// back along it for a response.
fn dot_of(d: &Diagram, trace: &Trace) -> Option<Dot> {
    let center = |i: u32| {
        d.nodes
            .get(i as usize)
            .map(|n| geometry::node_rect(n.x, n.y).center())
    };
    let mut legs = Vec::with_capacity(trace.hops.len());
    for hop in &trace.hops {
        let (a, b) = (
            d.nodes.get(hop.from as usize)?,
            d.nodes.get(hop.to as usize)?,
        );
        let forward = d.edges.iter().any(|e| e.from == a.id && e.to == b.id);
        let backward = d.edges.iter().any(|e| e.from == b.id && e.to == a.id);
        let (from, to) = if forward {
            (geometry::out_port(a.x, a.y), geometry::in_port(b.x, b.y))
        } else if backward {
            (geometry::in_port(a.x, a.y), geometry::out_port(b.x, b.y))
        } else {
            (center(hop.from)?, center(hop.to)?)
        };
        legs.push(Leg {
            from,
            to,
            depart_us: hop.depart_us,
            arrive_us: hop.arrive_us,
        });
    }
    let last = legs.last().copied()?;
    let failed_at = match trace.outcome {
        Outcome::Ok => None,
        _ => Some((last.to, last.arrive_us)),
    };
    Some(Dot {
        legs,
        kind: trace.kind,
        failed_at,
        end_us: last.arrive_us,
    })
}

fn now_ms() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

/// Starts the animation loop: one `frame` per display refresh for the page's life.
/// With `record`, each frame's script time and dot count are appended to
/// `window.__scalelabFrames` and `window.__scalelabDots` for the benchmark.
pub fn start_loop(runner: Runner, viewport: RwSignal<Viewport>, record: bool) {
    fn tick(runner: Runner, viewport: RwSignal<Viewport>, record: bool) {
        let start = now_ms();
        let drawn = runner.frame(viewport.get_untracked());
        if record {
            crate::bench::record_frame(now_ms() - start, drawn, runner.in_flight());
        }
        request_animation_frame(move || tick(runner, viewport, record));
    }
    request_animation_frame(move || tick(runner, viewport, record));
}
