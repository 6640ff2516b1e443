//! The canvas's pointer gestures as a pure state machine: press, move and release
//! (with what was under the pointer) go in; what the view should do comes out as
//! [`Effect`]s — select, show a drag preview, commit it as one edit, wire two
//! components, pan, pinch-zoom, kill or restore during a run. No web types, so every
//! gesture is tested natively.

use scalelab_engine::vecmap::VecSet;

use scalelab_engine::{DataCenter, Diagram, Node};

use crate::canvas::geometry::{snap, Point, Rect, Viewport, DC_BAR, NODE_H, NODE_W};

/// Pointer travel (screen px) below which a press counts as a click.
pub const CLICK_SLOP: f64 = 4.0;
/// Smallest data-center box: room for one card and the title bar.
pub const DC_MIN: (f64, f64) = (NODE_W + 32.0, NODE_H + DC_BAR + 32.0);

/// What the run is doing, as far as gestures care.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunState {
    /// No run: every gesture edits.
    Idle,
    /// A run is animating: a click kills or restores, the layout stays put.
    Running,
    /// A run exists but is paused or finished: a click kills or restores, a drag edits
    /// (and the view resets the run).
    Stopped,
}

/// One pointer event: which pointer, where on screen and in the world, and whether
/// Shift was held.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pointer {
    pub id: i32,
    pub screen: Point,
    pub world: Point,
    pub shift: bool,
}

/// What is under the pointer, topmost first.
#[derive(Clone, Debug, PartialEq)]
pub enum Hit {
    /// A node's output port; `at` is the port's position.
    Port { node: String, at: Point },
    /// A node's card, with the card's top-left corner.
    Node { id: String, x: f64, y: f64 },
    /// A data center's resize handle, with the box's size.
    DcHandle { id: String, w: f64, h: f64 },
    /// A data center's title bar, with the box's top-left corner.
    DcBar { id: String, x: f64, y: f64 },
    /// The inside of a data center's box.
    DcBody { id: String },
    /// A wire.
    Edge { from: String, to: String },
    /// Empty canvas.
    Empty,
}

/// The state of the canvas's pointers and the things they hold.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub run: RunState,
    /// The select-mode toggle: dragging the empty canvas draws a selection box instead
    /// of panning (for touch screens, which have no Shift key).
    pub select_mode: bool,
    pub viewport: Viewport,
    pub selected: &'a VecSet<String>,
}

/// A drag in progress, shown on the canvas without touching the diagram until it is
/// released.
#[derive(Clone, Debug, PartialEq)]
pub enum Preview {
    /// These nodes move by (dx, dy).
    MoveNodes {
        ids: VecSet<String>,
        dx: f64,
        dy: f64,
    },
    /// A data center's box moves by (dx, dy), and the nodes inside with it.
    MoveDc { id: String, dx: f64, dy: f64 },
    /// A data center's box takes a new size.
    ResizeDc { id: String, w: f64, h: f64 },
}

impl Preview {
    /// How far the preview moves `node` (zero when it does not).
    pub fn node_offset(&self, node: &Node) -> (f64, f64) {
        match self {
            Preview::MoveNodes { ids, dx, dy } if ids.contains(&node.id) => (*dx, *dy),
            Preview::MoveDc { id, dx, dy } if node.dc.as_deref() == Some(id.as_str()) => (*dx, *dy),
            _ => (0.0, 0.0),
        }
    }

    /// Where the preview shows a data center's box.
    pub fn dc_rect(&self, dc: &DataCenter) -> Rect {
        let r = Rect::new(dc.x, dc.y, dc.w, dc.h);
        match self {
            Preview::MoveDc { id, dx, dy } if *id == dc.id => {
                Rect::new(r.x + dx, r.y + dy, r.w, r.h)
            }
            Preview::ResizeDc { id, w, h } if *id == dc.id => Rect::new(r.x, r.y, *w, *h),
            _ => r,
        }
    }

    /// Makes the preview real: one edit of the diagram, after which every node belongs
    /// to the data center its card now sits in.
    pub fn apply(&self, d: &mut Diagram) {
        match self {
            Preview::MoveNodes { ids, dx, dy } => {
                d.move_nodes_by(ids.iter().map(String::as_str), *dx, *dy)
            }
            Preview::MoveDc { id, dx, dy } => {
                if let Some((x, y)) = d.data_center(id).map(|c| (c.x, c.y)) {
                    let _ = d.move_data_center(id, x + dx, y + dy);
                }
            }
            Preview::ResizeDc { id, w, h } => {
                let _ = d.resize_data_center(id, *w, *h);
            }
        }
        d.assign_data_centers(NODE_W, NODE_H);
    }
}

/// What the view should do after a pointer event.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Select only this node.
    SelectNode(String),
    /// Add the node to the selection, or take it out (Shift-click).
    ToggleSelected(String),
    SelectDc(String),
    SelectEdge {
        from: String,
        to: String,
    },
    ClearSelection,
    /// Select the nodes whose cards touch this world rectangle, adding them to the
    /// selection when `add`.
    BoxSelect {
        rect: Rect,
        add: bool,
    },
    /// Show (or stop showing) a drag in progress.
    Preview(Option<Preview>),
    /// Record the drag as one edit.
    Commit(Preview),
    /// The dashed wire from a port to the pointer, or none.
    WirePreview(Option<(Point, Point)>),
    Connect {
        from: String,
        to: String,
    },
    /// The selection box being drawn, or none.
    BoxPreview(Option<Rect>),
    SetViewport(Viewport),
    /// Kill or restore during a run.
    ToggleNode(String),
    ToggleDc(String),
    /// Tell the learner why nothing happened.
    Notice(&'static str),
}

/// Shown when a drag is refused because the run is animating.
pub const PAUSE_TO_MOVE: &str =
    "Pause the run to move things. While it runs, a click kills or restores a component.";
/// Shown when a wire is started while the run is animating.
pub const PAUSE_TO_WIRE: &str = "Pause the run to change the wiring.";

#[derive(Clone, Debug, Default)]
enum State {
    #[default]
    Idle,
    /// Ignore this press until it is released.
    Ignored,
    MoveNodes {
        ids: VecSet<String>,
        start: Pointer,
        anchor: (f64, f64),
        clicked: String,
        drag: Drag,
    },
    MoveDc {
        id: String,
        start: Pointer,
        origin: (f64, f64),
        drag: Drag,
    },
    ResizeDc {
        id: String,
        start: Pointer,
        origin: (f64, f64),
        drag: Drag,
    },
    Wire {
        from: String,
        at: Point,
    },
    BoxSelect {
        start: Point,
        add: bool,
    },
    Pan {
        start: Point,
        origin: Viewport,
        moved: bool,
        /// The data center pressed, if any: a click selects it (or kills it in a run).
        dc: Option<String>,
    },
    Pinch {
        distance: f64,
        origin: Viewport,
        mid: Point,
    },
}

impl State {
    /// What a drag of nodes or of a data center (moving or resizing it) shows with the
    /// pointer at `now`: positions snapped to the grid; `None` for any other gesture.
    fn preview_at(&self, now: Point) -> Option<Preview> {
        let snapped = |origin: (f64, f64), start: &Pointer| {
            (
                snap(origin.0 + now.x - start.world.x),
                snap(origin.1 + now.y - start.world.y),
            )
        };
        match self {
            State::MoveNodes {
                ids, start, anchor, ..
            } => {
                let (x, y) = snapped(*anchor, start);
                Some(Preview::MoveNodes {
                    ids: ids.clone(),
                    dx: x - anchor.0,
                    dy: y - anchor.1,
                })
            }
            State::MoveDc {
                id, start, origin, ..
            } => {
                let (x, y) = snapped(*origin, start);
                Some(Preview::MoveDc {
                    id: id.clone(),
                    dx: x - origin.0,
                    dy: y - origin.1,
                })
            }
            State::ResizeDc {
                id, start, origin, ..
            } => {
                let (w, h) = snapped(*origin, start);
                Some(Preview::ResizeDc {
                    id: id.clone(),
                    w: w.max(DC_MIN.0),
                    h: h.max(DC_MIN.1),
                })
            }
            _ => None,
        }
    }
}

/// Whether a press-and-drag has left the click slop, and whether it was refused.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Drag {
    moved: bool,
    refused: bool,
}

impl Drag {
    /// Updates for a pointer now `travel` screen px from where it was pressed; returns
    /// whether the drag should show, or a notice when it is refused.
    fn step(&mut self, travel: f64, run: RunState, out: &mut Vec<Effect>) -> bool {
        if !self.moved && travel < CLICK_SLOP {
            return false;
        }
        if !self.moved {
            self.moved = true;
            if run == RunState::Running {
                self.refused = true;
                out.push(Effect::Notice(PAUSE_TO_MOVE));
            }
        }
        !self.refused
    }
}

/// The gesture state machine. Feed it every pointer event of the canvas.
#[derive(Clone, Debug, Default)]
pub struct Gestures {
    state: State,
    /// Pointers down, with their screen positions (two make a pinch).
    pointers: Vec<(i32, Point)>,
}

impl Gestures {
    /// Whether a gesture is in progress.
    pub fn is_idle(&self) -> bool {
        matches!(self.state, State::Idle)
    }

    /// A pointer was pressed on `hit`.
    pub fn down(&mut self, p: Pointer, hit: Hit, cx: Context) -> Vec<Effect> {
        let mut out = Vec::new();
        self.pointers.retain(|(id, _)| *id != p.id);
        self.pointers.push((p.id, p.screen));
        if self.pointers.len() == 2 {
            // A second finger turns any gesture into a pinch; what the first one was
            // dragging is dropped.
            let (a, b) = (self.pointers[0].1, self.pointers[1].1);
            self.state = State::Pinch {
                distance: a.dist(b).max(1.0),
                origin: cx.viewport,
                mid: a.lerp(b, 0.5),
            };
            out.extend([
                Effect::Preview(None),
                Effect::WirePreview(None),
                Effect::BoxPreview(None),
            ]);
            return out;
        }
        if self.pointers.len() > 2 {
            return out;
        }
        self.state = match hit {
            Hit::Port { node, at } => {
                if cx.run == RunState::Running {
                    out.push(Effect::Notice(PAUSE_TO_WIRE));
                    State::Ignored
                } else {
                    out.push(Effect::WirePreview(Some((at, p.world))));
                    State::Wire { from: node, at }
                }
            }
            Hit::Node { id, x, y } => {
                let mut ids = cx.selected.clone();
                if p.shift {
                    if !ids.remove(&id) {
                        ids.insert(id.clone());
                    }
                    out.push(Effect::ToggleSelected(id.clone()));
                } else if !ids.contains(&id) {
                    ids.clear();
                    ids.insert(id.clone());
                    out.push(Effect::SelectNode(id.clone()));
                }
                State::MoveNodes {
                    ids,
                    start: p,
                    anchor: (x, y),
                    clicked: id,
                    drag: Drag::default(),
                }
            }
            Hit::DcHandle { id, w, h } => State::ResizeDc {
                id,
                start: p,
                origin: (w, h),
                drag: Drag::default(),
            },
            Hit::DcBar { id, x, y } => {
                out.push(Effect::SelectDc(id.clone()));
                State::MoveDc {
                    id,
                    start: p,
                    origin: (x, y),
                    drag: Drag::default(),
                }
            }
            Hit::Edge { from, to } => {
                out.push(Effect::SelectEdge { from, to });
                State::Ignored
            }
            Hit::DcBody { .. } | Hit::Empty if p.shift || cx.select_mode => {
                out.push(Effect::BoxPreview(Some(Rect::from_corners(
                    p.world, p.world,
                ))));
                State::BoxSelect {
                    start: p.world,
                    add: p.shift,
                }
            }
            Hit::DcBody { id } => State::Pan {
                start: p.screen,
                origin: cx.viewport,
                moved: false,
                dc: Some(id),
            },
            Hit::Empty => State::Pan {
                start: p.screen,
                origin: cx.viewport,
                moved: false,
                dc: None,
            },
        };
        out
    }

    /// A pointer moved.
    pub fn moved(&mut self, p: Pointer, cx: Context) -> Vec<Effect> {
        let mut out = Vec::new();
        if let Some(entry) = self.pointers.iter_mut().find(|(id, _)| *id == p.id) {
            entry.1 = p.screen;
        } else {
            return out;
        }
        match &mut self.state {
            State::Idle | State::Ignored => {}
            State::MoveNodes { start, drag, .. }
            | State::MoveDc { start, drag, .. }
            | State::ResizeDc { start, drag, .. } => {
                if drag.step(p.screen.dist(start.screen), cx.run, &mut out) {
                    out.push(Effect::Preview(self.state.preview_at(p.world)));
                }
            }
            State::Wire { at, .. } => out.push(Effect::WirePreview(Some((*at, p.world)))),
            State::BoxSelect { start, .. } => out.push(Effect::BoxPreview(Some(
                Rect::from_corners(*start, p.world),
            ))),
            State::Pan {
                start,
                origin,
                moved,
                ..
            } => {
                let (dx, dy) = (p.screen.x - start.x, p.screen.y - start.y);
                if *moved || dx.hypot(dy) >= CLICK_SLOP {
                    *moved = true;
                    out.push(Effect::SetViewport(origin.pan_by(dx, dy)));
                }
            }
            State::Pinch {
                distance,
                origin,
                mid,
            } => {
                if let [(_, a), (_, b)] = self.pointers[..] {
                    let now_mid = a.lerp(b, 0.5);
                    let v = origin
                        .zoom_at(*mid, a.dist(b) / *distance)
                        .pan_by(now_mid.x - mid.x, now_mid.y - mid.y);
                    out.push(Effect::SetViewport(v));
                }
            }
        }
        out
    }

    /// A pointer was released (or cancelled) over `hit`.
    pub fn up(&mut self, p: Pointer, hit: Hit, cx: Context) -> Vec<Effect> {
        let mut out = Vec::new();
        let was_down = self.pointers.iter().any(|(id, _)| *id == p.id);
        self.pointers.retain(|(id, _)| *id != p.id);
        if !was_down {
            return out;
        }
        let state = std::mem::take(&mut self.state);
        let running = cx.run != RunState::Idle;
        let preview = state.preview_at(p.world);
        match state {
            State::Idle | State::Ignored | State::Pinch { .. } => {}
            State::MoveNodes { clicked, drag, .. } if !drag.moved => {
                if running {
                    out.push(Effect::ToggleNode(clicked));
                }
            }
            State::MoveDc { id, drag, .. } if !drag.moved => {
                if running {
                    out.push(Effect::ToggleDc(id));
                }
            }
            State::MoveNodes { drag, .. }
            | State::MoveDc { drag, .. }
            | State::ResizeDc { drag, .. } => {
                if let (true, false, Some(edit)) = (drag.moved, drag.refused, preview) {
                    out.push(Effect::Preview(None));
                    out.push(Effect::Commit(edit));
                }
            }
            State::Wire { from, .. } => {
                out.push(Effect::WirePreview(None));
                let to = match hit {
                    Hit::Node { id, .. } => Some(id),
                    Hit::Port { node, .. } => Some(node),
                    _ => None,
                };
                if let Some(to) = to.filter(|t| *t != from) {
                    out.push(Effect::Connect { from, to });
                }
            }
            State::BoxSelect { start, add } => {
                out.push(Effect::BoxPreview(None));
                out.push(Effect::BoxSelect {
                    rect: Rect::from_corners(start, p.world),
                    add,
                });
            }
            State::Pan { moved, dc, .. } => {
                if !moved {
                    out.push(match dc {
                        Some(id) if running => Effect::ToggleDc(id),
                        Some(id) => Effect::SelectDc(id),
                        None => Effect::ClearSelection,
                    });
                }
            }
        }
        // With one finger of a pinch still down, nothing happens until it lifts.
        if !self.pointers.is_empty() {
            self.state = State::Ignored;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f64, y: f64) -> Pointer {
        Pointer {
            id: 1,
            screen: Point::new(x, y),
            world: Point::new(x, y),
            shift: false,
        }
    }

    fn finger(id: i32, x: f64, y: f64) -> Pointer {
        Pointer { id, ..at(x, y) }
    }

    fn cx(run: RunState, selected: &VecSet<String>) -> Context<'_> {
        Context {
            run,
            select_mode: false,
            viewport: Viewport::default(),
            selected,
        }
    }

    fn node(id: &str) -> Hit {
        Hit::Node {
            id: id.into(),
            x: 0.0,
            y: 0.0,
        }
    }

    #[test]
    fn dragging_a_node_previews_and_commits_one_snapped_move_on_release() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        let out = g.down(at(10.0, 10.0), node("web-1"), cx(RunState::Idle, &none));
        assert_eq!(out, vec![Effect::SelectNode("web-1".into())]);
        // Within the click slop: nothing yet.
        assert!(g
            .moved(at(12.0, 11.0), cx(RunState::Idle, &none))
            .is_empty());
        let out = g.moved(at(40.0, 27.0), cx(RunState::Idle, &none));
        let ids = VecSet::from(["web-1".to_string()]);
        assert_eq!(
            out,
            vec![Effect::Preview(Some(Preview::MoveNodes {
                ids: ids.clone(),
                dx: 32.0,
                dy: 16.0
            }))]
        );
        let out = g.up(at(40.0, 27.0), Hit::Empty, cx(RunState::Idle, &none));
        assert_eq!(
            out,
            vec![
                Effect::Preview(None),
                Effect::Commit(Preview::MoveNodes {
                    ids,
                    dx: 32.0,
                    dy: 16.0
                })
            ]
        );
        assert!(g.is_idle());
    }

    #[test]
    fn dragging_one_of_several_selected_nodes_moves_them_all() {
        let sel = VecSet::from(["a".to_string(), "b".to_string()]);
        let mut g = Gestures::default();
        assert!(g
            .down(at(0.0, 0.0), node("a"), cx(RunState::Idle, &sel))
            .is_empty());
        let out = g.moved(at(100.0, 0.0), cx(RunState::Idle, &sel));
        assert!(
            matches!(&out[..], [Effect::Preview(Some(Preview::MoveNodes { ids, .. }))] if *ids == sel)
        );
        // Shift-click takes a node out of the selection instead.
        let mut g = Gestures::default();
        let p = Pointer {
            shift: true,
            ..at(0.0, 0.0)
        };
        assert_eq!(
            g.down(p, node("b"), cx(RunState::Idle, &sel)),
            vec![Effect::ToggleSelected("b".into())]
        );
    }

    #[test]
    fn during_a_run_a_click_kills_or_restores_and_a_drag_is_refused_with_a_notice() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        g.down(at(0.0, 0.0), node("web-1"), cx(RunState::Running, &none));
        let out = g.up(at(1.0, 1.0), node("web-1"), cx(RunState::Running, &none));
        assert_eq!(out, vec![Effect::ToggleNode("web-1".into())]);

        g.down(at(0.0, 0.0), node("web-1"), cx(RunState::Running, &none));
        let out = g.moved(at(50.0, 0.0), cx(RunState::Running, &none));
        assert_eq!(out, vec![Effect::Notice(PAUSE_TO_MOVE)]);
        assert!(g
            .moved(at(80.0, 0.0), cx(RunState::Running, &none))
            .is_empty());
        assert!(g
            .up(at(80.0, 0.0), Hit::Empty, cx(RunState::Running, &none))
            .is_empty());
    }

    #[test]
    fn after_pausing_a_drag_edits_and_a_click_still_kills() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        g.down(at(0.0, 0.0), node("web-1"), cx(RunState::Stopped, &none));
        g.moved(at(64.0, 0.0), cx(RunState::Stopped, &none));
        let out = g.up(at(64.0, 0.0), Hit::Empty, cx(RunState::Stopped, &none));
        assert!(matches!(
            out[..],
            [Effect::Preview(None), Effect::Commit(_)]
        ));

        g.down(at(0.0, 0.0), node("web-1"), cx(RunState::Stopped, &none));
        let out = g.up(at(0.0, 0.0), node("web-1"), cx(RunState::Stopped, &none));
        assert_eq!(out, vec![Effect::ToggleNode("web-1".into())]);
    }

    #[test]
    fn a_wire_dragged_from_a_port_connects_to_the_node_it_is_dropped_on() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        let port = Hit::Port {
            node: "users-1".into(),
            at: Point::new(160.0, 28.0),
        };
        let out = g.down(at(160.0, 28.0), port.clone(), cx(RunState::Idle, &none));
        assert_eq!(
            out,
            vec![Effect::WirePreview(Some((
                Point::new(160.0, 28.0),
                Point::new(160.0, 28.0)
            )))]
        );
        g.moved(at(300.0, 40.0), cx(RunState::Idle, &none));
        let out = g.up(at(300.0, 40.0), node("web-1"), cx(RunState::Idle, &none));
        assert_eq!(
            out,
            vec![
                Effect::WirePreview(None),
                Effect::Connect {
                    from: "users-1".into(),
                    to: "web-1".into()
                }
            ]
        );
        // Dropped on empty canvas or on itself: no wire.
        g.down(at(160.0, 28.0), port.clone(), cx(RunState::Idle, &none));
        assert_eq!(
            g.up(at(10.0, 10.0), Hit::Empty, cx(RunState::Idle, &none)),
            vec![Effect::WirePreview(None)]
        );
        // While running, wiring is refused with a reason.
        assert_eq!(
            g.down(at(160.0, 28.0), port, cx(RunState::Running, &none)),
            vec![Effect::Notice(PAUSE_TO_WIRE)]
        );
    }

    #[test]
    fn select_mode_or_shift_turns_a_drag_on_empty_canvas_into_a_selection_box() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        let touch = Context {
            select_mode: true,
            ..cx(RunState::Idle, &none)
        };
        g.down(at(10.0, 10.0), Hit::Empty, touch);
        let out = g.moved(at(110.0, 60.0), touch);
        assert_eq!(
            out,
            vec![Effect::BoxPreview(Some(Rect::new(10.0, 10.0, 100.0, 50.0)))]
        );
        let out = g.up(at(110.0, 60.0), Hit::Empty, touch);
        assert_eq!(
            out,
            vec![
                Effect::BoxPreview(None),
                Effect::BoxSelect {
                    rect: Rect::new(10.0, 10.0, 100.0, 50.0),
                    add: false
                }
            ]
        );
        // Without select mode or Shift the same drag pans.
        g.down(at(10.0, 10.0), Hit::Empty, cx(RunState::Idle, &none));
        let out = g.moved(at(110.0, 60.0), cx(RunState::Idle, &none));
        assert_eq!(
            out,
            vec![Effect::SetViewport(Viewport::default().pan_by(100.0, 50.0))]
        );
        assert!(g
            .up(at(110.0, 60.0), Hit::Empty, cx(RunState::Idle, &none))
            .is_empty());
    }

    #[test]
    fn a_click_on_empty_canvas_clears_and_on_a_data_center_selects_or_kills_it() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        g.down(at(5.0, 5.0), Hit::Empty, cx(RunState::Idle, &none));
        assert_eq!(
            g.up(at(5.0, 5.0), Hit::Empty, cx(RunState::Idle, &none)),
            vec![Effect::ClearSelection]
        );
        let body = Hit::DcBody { id: "dc-1".into() };
        g.down(at(5.0, 5.0), body.clone(), cx(RunState::Idle, &none));
        assert_eq!(
            g.up(at(5.0, 5.0), body.clone(), cx(RunState::Idle, &none)),
            vec![Effect::SelectDc("dc-1".into())]
        );
        g.down(at(5.0, 5.0), body.clone(), cx(RunState::Running, &none));
        assert_eq!(
            g.up(at(5.0, 5.0), body, cx(RunState::Running, &none)),
            vec![Effect::ToggleDc("dc-1".into())]
        );
    }

    #[test]
    fn data_center_boxes_move_and_resize_with_a_minimum_size() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        let bar = Hit::DcBar {
            id: "dc-1".into(),
            x: 0.0,
            y: 0.0,
        };
        assert_eq!(
            g.down(at(20.0, 10.0), bar, cx(RunState::Idle, &none)),
            vec![Effect::SelectDc("dc-1".into())]
        );
        g.moved(at(120.0, 10.0), cx(RunState::Idle, &none));
        let out = g.up(at(120.0, 10.0), Hit::Empty, cx(RunState::Idle, &none));
        assert_eq!(
            out[1],
            Effect::Commit(Preview::MoveDc {
                id: "dc-1".into(),
                dx: 96.0,
                dy: 0.0
            })
        );
        let handle = Hit::DcHandle {
            id: "dc-1".into(),
            w: 400.0,
            h: 300.0,
        };
        g.down(at(400.0, 300.0), handle.clone(), cx(RunState::Idle, &none));
        let out = g.moved(at(0.0, 0.0), cx(RunState::Idle, &none));
        assert_eq!(
            out,
            vec![Effect::Preview(Some(Preview::ResizeDc {
                id: "dc-1".into(),
                w: DC_MIN.0,
                h: DC_MIN.1
            }))]
        );
        g.up(at(0.0, 0.0), Hit::Empty, cx(RunState::Idle, &none));
        // A press on the handle that never leaves the click slop changes nothing.
        g.down(at(400.0, 300.0), handle, cx(RunState::Idle, &none));
        g.moved(at(401.0, 300.0), cx(RunState::Idle, &none));
        assert_eq!(
            g.up(at(401.0, 300.0), Hit::Empty, cx(RunState::Idle, &none)),
            vec![]
        );
    }

    #[test]
    fn a_second_finger_turns_the_gesture_into_a_pinch_zoom() {
        let none = VecSet::new();
        let mut g = Gestures::default();
        g.down(
            finger(1, 100.0, 100.0),
            node("web-1"),
            cx(RunState::Idle, &none),
        );
        let out = g.down(
            finger(2, 200.0, 100.0),
            Hit::Empty,
            cx(RunState::Idle, &none),
        );
        assert_eq!(out[0], Effect::Preview(None));
        let out = g.moved(finger(2, 300.0, 100.0), cx(RunState::Idle, &none));
        let [Effect::SetViewport(v)] = out[..] else {
            panic!("{out:?}")
        };
        assert!(
            (v.zoom - 2.0).abs() < 1e-9,
            "fingers twice as far apart: {v:?}"
        );
        // Lifting one finger ends the pinch without a click.
        assert!(g
            .up(
                finger(2, 300.0, 100.0),
                Hit::Empty,
                cx(RunState::Idle, &none)
            )
            .is_empty());
        assert!(g
            .moved(finger(1, 150.0, 100.0), cx(RunState::Idle, &none))
            .is_empty());
        assert!(g
            .up(
                finger(1, 150.0, 100.0),
                Hit::Empty,
                cx(RunState::Idle, &none)
            )
            .is_empty());
        assert!(g.is_idle());
    }

    #[test]
    fn a_preview_moves_nodes_and_boxes_and_applies_as_engine_edits() {
        use scalelab_engine::{Kind, Region};
        let mut d = Diagram::default();
        let dc = d.add_data_center(Region::Europe, 0.0, 0.0, 400.0, 300.0);
        let web = d.add_node(Kind::WebServer, 32.0, 64.0);
        let db = d.add_node(Kind::Database, 600.0, 64.0);
        d.assign_data_centers(NODE_W, NODE_H);
        let p = Preview::MoveDc {
            id: dc.clone(),
            dx: 16.0,
            dy: 32.0,
        };
        assert_eq!(p.node_offset(d.node(&web).unwrap()), (16.0, 32.0));
        assert_eq!(p.node_offset(d.node(&db).unwrap()), (0.0, 0.0));
        assert_eq!(
            p.dc_rect(d.data_center(&dc).unwrap()),
            Rect::new(16.0, 32.0, 400.0, 300.0)
        );
        // Dragging the database into the box puts it in the data center.
        Preview::MoveNodes {
            ids: VecSet::from([db.clone()]),
            dx: -400.0,
            dy: 96.0,
        }
        .apply(&mut d);
        assert_eq!(d.node(&db).unwrap().dc.as_deref(), Some(dc.as_str()));
        p.apply(&mut d);
        assert_eq!(
            (d.node(&web).unwrap().x, d.node(&web).unwrap().y),
            (48.0, 96.0)
        );
    }
}
