//! The diagram canvas: data-center boxes, edges and nodes drawn in SVG under pan and
//! zoom, the HTML canvas the run animation paints on, and the pointer gestures that
//! edit the diagram (move, wire, select, box-select, pan, pinch, wheel zoom).

use leptos::prelude::*;
use scalelab_engine::{Diagram, Kind};

use crate::geometry::{self, Point, Rect, Viewport, NODE_H, NODE_W, PORT_R};
use crate::run::Runner;
use crate::state::{Editor, Selection};
use crate::view_util::{kind_color, kind_key};

/// Height of a data-center box's title bar, which is where it is grabbed.
pub const DC_BAR: f64 = 28.0;
/// Size of a data-center box's resize handle.
const DC_HANDLE: f64 = 14.0;
/// Pointer travel (screen px) below which a press counts as a click.
const CLICK_SLOP: f64 = 4.0;

/// What the pointer is doing since it was pressed.
#[derive(Clone, Debug, Default)]
enum Gesture {
    #[default]
    Idle,
    MoveNodes {
        start: Point,
        origin: Vec<(String, f64, f64)>,
        before: Diagram,
        clicked: String,
        moved: bool,
    },
    MoveDc {
        id: String,
        start: Point,
        origin: (f64, f64),
        nodes: Vec<(String, f64, f64)>,
        before: Diagram,
        moved: bool,
    },
    ResizeDc {
        id: String,
        start: Point,
        origin: (f64, f64),
        before: Diagram,
    },
    Wire {
        from: String,
    },
    BoxSelect {
        start: Point,
    },
    Pan {
        start: Point,
        origin: Viewport,
        moved: bool,
    },
    Pinch {
        distance: f64,
        origin: Viewport,
        mid: Point,
    },
}

/// Screen position of a pointer event relative to the canvas element.
fn local_point(el: &web_sys::HtmlElement, client_x: i32, client_y: i32) -> Point {
    let r = el.get_bounding_client_rect();
    Point::new(client_x as f64 - r.left(), client_y as f64 - r.top())
}

/// The world bounds of everything in the diagram.
pub fn diagram_bounds(d: &Diagram) -> Option<Rect> {
    let nodes = d.nodes.iter().map(|n| geometry::node_rect(n.x, n.y));
    let dcs = d.data_centers.iter().map(|c| Rect::new(c.x, c.y, c.w, c.h));
    nodes.chain(dcs).reduce(|a, b| a.union(&b))
}

/// The data center whose box contains the centre of a node at (x, y).
pub fn dc_at(d: &Diagram, x: f64, y: f64) -> Option<String> {
    let c = geometry::node_rect(x, y).center();
    d.data_centers
        .iter()
        .rev()
        .find(|dc| Rect::new(dc.x, dc.y, dc.w, dc.h).contains(c))
        .map(|dc| dc.id.clone())
}

/// Re-assigns every node to the data center its card sits in.
pub fn assign_data_centers(d: &mut Diagram) {
    let placements: Vec<(String, Option<String>)> = d
        .nodes
        .iter()
        .map(|n| (n.id.clone(), dc_at(d, n.x, n.y)))
        .collect();
    for (id, dc) in placements {
        d.set_node_dc(&id, dc.as_deref());
    }
}

#[component]
pub fn Canvas() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let runner = expect_context::<Runner>();
    let area = NodeRef::<leptos::html::Div>::new();
    let gesture = StoredValue::new(Gesture::Idle);
    let pointers = StoredValue::new(Vec::<(i32, Point)>::new());
    let wire_preview = RwSignal::new(None::<(Point, Point)>);
    let box_preview = RwSignal::new(None::<Rect>);

    let world_of = move |p: Point| editor.viewport.get_untracked().to_world(p);

    let on_down = move |ev: web_sys::PointerEvent| {
        let Some(el) = area.get_untracked() else {
            return;
        };
        let p = local_point(&el, ev.client_x(), ev.client_y());
        let _ = el.set_pointer_capture(ev.pointer_id());
        pointers.update_value(|ps| {
            ps.retain(|(id, _)| *id != ev.pointer_id());
            ps.push((ev.pointer_id(), p));
        });
        // A second finger turns any gesture into a pinch.
        if pointers.with_value(|ps| ps.len()) == 2 {
            let (a, b) = pointers.with_value(|ps| (ps[0].1, ps[1].1));
            gesture.set_value(Gesture::Pinch {
                distance: a.dist(b).max(1.0),
                origin: editor.viewport.get_untracked(),
                mid: a.lerp(b, 0.5),
            });
            wire_preview.set(None);
            box_preview.set(None);
            return;
        }
        let w = world_of(p);
        let d = editor.diagram.get_untracked();
        let positions: Vec<Point> = d.nodes.iter().map(|n| Point::new(n.x, n.y)).collect();
        let rects: Vec<Rect> = d
            .nodes
            .iter()
            .map(|n| geometry::node_rect(n.x, n.y))
            .collect();
        let shift = ev.shift_key();

        if let Some(i) = geometry::hit_port(&positions, w) {
            if runner.is_active() {
                editor.show("Reset the run before changing the wiring.", true);
                return;
            }
            let from = d.nodes[i].id.clone();
            wire_preview.set(Some((geometry::out_port(d.nodes[i].x, d.nodes[i].y), w)));
            gesture.set_value(Gesture::Wire { from });
            ev.prevent_default();
            return;
        }
        if let Some(i) = geometry::hit_rect(&rects, w) {
            let id = d.nodes[i].id.clone();
            let mut sel = editor.selection.get_untracked();
            if shift {
                if !sel.nodes.remove(&id) {
                    sel.nodes.insert(id.clone());
                }
                sel.edge = None;
                sel.dc = None;
                editor.selection.set(sel.clone());
            } else if !sel.nodes.contains(&id) {
                sel = Selection::node(&id);
                editor.selection.set(sel.clone());
            }
            let origin = d
                .nodes
                .iter()
                .filter(|n| sel.nodes.contains(&n.id))
                .map(|n| (n.id.clone(), n.x, n.y))
                .collect();
            gesture.set_value(Gesture::MoveNodes {
                start: w,
                origin,
                before: d,
                clicked: id,
                moved: false,
            });
            return;
        }
        for dc in d.data_centers.iter().rev() {
            let handle = Rect::new(
                dc.x + dc.w - DC_HANDLE,
                dc.y + dc.h - DC_HANDLE,
                DC_HANDLE,
                DC_HANDLE,
            );
            if handle.contains(w) {
                gesture.set_value(Gesture::ResizeDc {
                    id: dc.id.clone(),
                    start: w,
                    origin: (dc.w, dc.h),
                    before: d.clone(),
                });
                return;
            }
            if Rect::new(dc.x, dc.y, dc.w, DC_BAR).contains(w) {
                editor.selection.set(Selection {
                    dc: Some(dc.id.clone()),
                    ..Default::default()
                });
                let nodes = d
                    .nodes
                    .iter()
                    .filter(|n| n.dc.as_deref() == Some(dc.id.as_str()))
                    .map(|n| (n.id.clone(), n.x, n.y))
                    .collect();
                gesture.set_value(Gesture::MoveDc {
                    id: dc.id.clone(),
                    start: w,
                    origin: (dc.x, dc.y),
                    nodes,
                    before: d.clone(),
                    moved: false,
                });
                return;
            }
        }
        let segments: Vec<(Point, Point)> = edge_segments(&d);
        if let Some(i) =
            geometry::hit_segment(&segments, w, 6.0 / editor.viewport.get_untracked().zoom)
        {
            let e = &d.edges[i];
            editor.selection.set(Selection {
                edge: Some((e.from.clone(), e.to.clone())),
                ..Default::default()
            });
            return;
        }
        if shift {
            box_preview.set(Some(Rect::from_corners(w, w)));
            gesture.set_value(Gesture::BoxSelect { start: w });
        } else {
            gesture.set_value(Gesture::Pan {
                start: p,
                origin: editor.viewport.get_untracked(),
                moved: false,
            });
        }
    };

    let on_move = move |ev: web_sys::PointerEvent| {
        let Some(el) = area.get_untracked() else {
            return;
        };
        let p = local_point(&el, ev.client_x(), ev.client_y());
        pointers.update_value(|ps| {
            if let Some(entry) = ps.iter_mut().find(|(id, _)| *id == ev.pointer_id()) {
                entry.1 = p;
            }
        });
        let w = world_of(p);
        let mut g = gesture.get_value();
        match &mut g {
            Gesture::Idle => return,
            // While a run goes on the layout stays put: a press is a click.
            Gesture::MoveNodes { .. } | Gesture::MoveDc { .. } | Gesture::ResizeDc { .. }
                if runner.is_active() =>
            {
                return
            }
            Gesture::MoveNodes {
                start,
                origin,
                moved,
                ..
            } => {
                let (dx, dy) = (w.x - start.x, w.y - start.y);
                let zoom = editor.viewport.get_untracked().zoom;
                if !*moved && (dx.hypot(dy) * zoom) < CLICK_SLOP {
                    return;
                }
                *moved = true;
                editor.diagram.update(|d| {
                    for (id, x, y) in origin.iter() {
                        d.move_node(id, geometry::snap(x + dx), geometry::snap(y + dy));
                    }
                });
            }
            Gesture::MoveDc {
                id,
                start,
                origin,
                nodes,
                moved,
                ..
            } => {
                let dx = geometry::snap(w.x - start.x);
                let dy = geometry::snap(w.y - start.y);
                *moved = true;
                editor.diagram.update(|d| {
                    if let Some(dc) = d.data_centers.iter_mut().find(|c| &c.id == id) {
                        dc.x = origin.0 + dx;
                        dc.y = origin.1 + dy;
                    }
                    for (n, x, y) in nodes.iter() {
                        d.move_node(n, x + dx, y + dy);
                    }
                });
            }
            Gesture::ResizeDc {
                id, start, origin, ..
            } => {
                let w_new = geometry::snap(origin.0 + w.x - start.x).max(NODE_W + 32.0);
                let h_new = geometry::snap(origin.1 + w.y - start.y).max(NODE_H + DC_BAR + 32.0);
                editor.diagram.update(|d| {
                    if let Some(dc) = d.data_centers.iter_mut().find(|c| &c.id == id) {
                        dc.w = w_new;
                        dc.h = h_new;
                    }
                });
            }
            Gesture::Wire { .. } => {
                wire_preview.update(|wp| {
                    if let Some((_, end)) = wp {
                        *end = w;
                    }
                });
            }
            Gesture::BoxSelect { start } => {
                box_preview.set(Some(Rect::from_corners(*start, w)));
            }
            Gesture::Pan {
                start,
                origin,
                moved,
            } => {
                let (dx, dy) = (p.x - start.x, p.y - start.y);
                if !*moved && dx.hypot(dy) < CLICK_SLOP {
                    return;
                }
                *moved = true;
                editor.viewport.set(origin.pan_by(dx, dy));
            }
            Gesture::Pinch {
                distance,
                origin,
                mid,
            } => {
                let (a, b) =
                    pointers.with_value(|ps| (ps.first().map(|x| x.1), ps.get(1).map(|x| x.1)));
                if let (Some(a), Some(b)) = (a, b) {
                    let now_mid = a.lerp(b, 0.5);
                    let v = origin
                        .zoom_at(*mid, a.dist(b) / *distance)
                        .pan_by(now_mid.x - mid.x, now_mid.y - mid.y);
                    editor.viewport.set(v);
                }
            }
        }
        gesture.set_value(g);
    };

    let on_up = move |ev: web_sys::PointerEvent| {
        pointers.update_value(|ps| ps.retain(|(id, _)| *id != ev.pointer_id()));
        let Some(el) = area.get_untracked() else {
            return;
        };
        let p = local_point(&el, ev.client_x(), ev.client_y());
        let w = world_of(p);
        // A drag that ended: place nodes in the data centers they now sit in, and
        // record the whole drag as one undo step.
        let finish_drag = move |before: Diagram| {
            let mut after = editor.diagram.get_untracked();
            assign_data_centers(&mut after);
            editor.commit(before, after);
        };
        match gesture.get_value() {
            Gesture::MoveNodes {
                before,
                clicked,
                moved,
                ..
            } => {
                if moved {
                    finish_drag(before);
                } else if runner.is_active() {
                    runner.toggle_node(&clicked);
                }
            }
            Gesture::MoveDc {
                id, before, moved, ..
            } => {
                if moved {
                    finish_drag(before);
                } else if runner.is_active() {
                    runner.toggle_dc(&id);
                }
            }
            Gesture::ResizeDc { before, .. } => finish_drag(before),
            Gesture::Wire { from } => {
                wire_preview.set(None);
                let d = editor.diagram.get_untracked();
                let rects: Vec<Rect> = d
                    .nodes
                    .iter()
                    .map(|n| geometry::node_rect(n.x, n.y))
                    .collect();
                if let Some(i) = geometry::hit_rect(&rects, w) {
                    let to = d.nodes[i].id.clone();
                    if to != from {
                        connect(editor, &from, &to);
                    }
                }
            }
            Gesture::BoxSelect { start } => {
                box_preview.set(None);
                let r = Rect::from_corners(start, w);
                let d = editor.diagram.get_untracked();
                editor.selection.update(|s| {
                    s.edge = None;
                    s.dc = None;
                    for n in &d.nodes {
                        if r.intersects(&geometry::node_rect(n.x, n.y)) {
                            s.nodes.insert(n.id.clone());
                        }
                    }
                });
            }
            Gesture::Pan { moved, .. } => {
                if !moved {
                    // A click on empty canvas, or on a data center's body.
                    let d = editor.diagram.get_untracked();
                    let dc = d
                        .data_centers
                        .iter()
                        .rev()
                        .find(|c| Rect::new(c.x, c.y, c.w, c.h).contains(w))
                        .map(|c| c.id.clone());
                    match dc {
                        Some(id) if runner.is_active() => runner.toggle_dc(&id),
                        Some(id) => editor.selection.set(Selection {
                            dc: Some(id),
                            ..Default::default()
                        }),
                        None => editor.selection.set(Selection::default()),
                    }
                }
            }
            Gesture::Pinch { .. } | Gesture::Idle => {}
        }
        if pointers.with_value(|ps| ps.is_empty()) {
            gesture.set_value(Gesture::Idle);
        } else if matches!(gesture.get_value(), Gesture::Pinch { .. }) {
            // One finger lifted: the remaining one pans from here.
            gesture.set_value(Gesture::Idle);
        }
    };

    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let Some(el) = area.get_untracked() else {
            return;
        };
        let p = local_point(&el, ev.client_x(), ev.client_y());
        let factor = (-ev.delta_y() * 0.0015).exp();
        editor.viewport.update(|v| *v = v.zoom_at(p, factor));
    };

    let transform = move || {
        let v = editor.viewport.get();
        format!("translate({} {}) scale({})", v.pan_x, v.pan_y, v.zoom)
    };
    let grid_style = move || {
        let v = editor.viewport.get();
        let size = geometry::GRID * 2.0 * v.zoom;
        format!(
            "background-size: {size}px {size}px; background-position: {}px {}px;",
            v.pan_x, v.pan_y
        )
    };

    view! {
        <div
            class="canvas-area"
            data-testid="canvas-area"
            node_ref=area
            style=grid_style
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up
            on:pointercancel=on_up
            on:wheel=on_wheel
        >
            <svg class="diagram" data-testid="diagram" role="group" aria-label="Diagram">
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head"></path>
                    </marker>
                </defs>
                <g transform=transform>
                    <DataCenters/>
                    <Edges/>
                    <Nodes/>
                    {move || wire_preview.get().map(|(a, b)| view! {
                        <line class="wire-preview" x1=a.x y1=a.y x2=b.x y2=b.y></line>
                    })}
                    {move || box_preview.get().map(|r| view! {
                        <rect class="box-select" data-testid="box-select" x=r.x y=r.y width=r.w height=r.h></rect>
                    })}
                </g>
            </svg>
            <canvas class="dots" data-testid="dots" node_ref=runner.canvas aria-hidden="true"></canvas>
            <EmptyHint/>
        </div>
    }
}

/// Tries to wire `from` → `to`, showing the engine's reason when it refuses.
pub fn connect(editor: Editor, from: &str, to: &str) {
    let d = editor.diagram.get_untracked();
    match d.can_connect(from, to) {
        Ok(()) => {
            editor.edit(|d| {
                let _ = d.connect(from, to);
            });
        }
        Err(reason) => editor.show(reason.to_string(), true),
    }
}

/// Straight segments from each edge's source port to its target port.
pub fn edge_segments(d: &Diagram) -> Vec<(Point, Point)> {
    d.edges
        .iter()
        .filter_map(|e| {
            let a = d.node(&e.from)?;
            let b = d.node(&e.to)?;
            Some((geometry::out_port(a.x, a.y), geometry::in_port(b.x, b.y)))
        })
        .collect()
}

#[component]
fn EmptyHint() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let empty = move || editor.diagram.with(|d| d.nodes.is_empty());
    view! {
        <Show when=empty>
            <div class="empty-hint" data-testid="empty-hint">
                <p><strong>"Start with the palette."</strong></p>
                <p>"Drag a component onto the canvas, then drag from its right-hand dot to another component to send it requests."</p>
            </div>
        </Show>
    }
}

#[component]
fn DataCenters() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let runner = expect_context::<Runner>();
    let ids = move || {
        editor.diagram.with(|d| {
            d.data_centers
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        })
    };
    view! {
        <For each=ids key=|id| id.clone() let:id>
            {
                let dc = {
                    let id = id.clone();
                    move || editor.diagram.with(|d| d.data_centers.iter().find(|c| c.id == id).cloned())
                };
                let selected = {
                    let id = id.clone();
                    move || editor.selection.with(|s| s.dc.as_deref() == Some(id.as_str()))
                };
                let down = {
                    let id = id.clone();
                    move || runner.dc_down(&id)
                };
                move || dc().map(|c| {
                    let (selected, down) = (selected.clone(), down.clone());
                    view! {
                    <g class="dc" class:selected=selected class:down=down data-testid=format!("dc-{}", c.id)>
                        <rect class="dc-box" x=c.x y=c.y width=c.w height=c.h rx="12"></rect>
                        <rect class="dc-bar" x=c.x y=c.y width=c.w height=DC_BAR rx="12"></rect>
                        <text class="dc-label" x={c.x + 12.0} y={c.y + 19.0}>
                            {if c.name.contains(c.region.label()) { c.name.clone() } else { format!("{} · {}", c.name, c.region.label()) }}
                        </text>
                        <path class="dc-grip" d=format!(
                            "M {x1} {y2} L {x2} {y1} M {x3} {y2} L {x2} {y3}",
                            x1 = c.x + c.w - DC_HANDLE + 2.0, x2 = c.x + c.w - 3.0,
                            y1 = c.y + c.h - DC_HANDLE + 2.0, y2 = c.y + c.h - 3.0,
                            x3 = c.x + c.w - DC_HANDLE / 2.0, y3 = c.y + c.h - DC_HANDLE / 2.0,
                        )></path>
                    </g>
                    }
                })
            }
        </For>
    }
}

#[component]
fn Edges() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let edges = move || {
        editor.diagram.with(|d| {
            d.edges
                .iter()
                .zip(edge_segments(d))
                .map(|(e, seg)| (e.from.clone(), e.to.clone(), seg))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <For
            each=edges
            key=|(a, b, (p, q))| (a.clone(), b.clone(), p.x.to_bits(), p.y.to_bits(), q.x.to_bits(), q.y.to_bits())
            let:edge
        >
            {
                let (from, to, (a, b)) = edge;
                let key = (from.clone(), to.clone());
                let selected = move || editor.selection.with(|s| s.edge.as_ref() == Some(&key));
                view! {
                    <line
                        class="edge"
                        class:selected=selected
                        data-testid=format!("edge-{from}-{to}")
                        x1=a.x y1=a.y x2={b.x - 3.0} y2=b.y
                        marker-end="url(#arrow)"
                    ></line>
                }
            }
        </For>
    }
}

#[component]
fn Nodes() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let ids = move || {
        editor
            .diagram
            .with(|d| d.nodes.iter().map(|n| n.id.clone()).collect::<Vec<_>>())
    };
    view! {
        <For each=ids key=|id| id.clone() let:id>
            <NodeCard id=id/>
        </For>
    }
}

#[component]
fn NodeCard(id: String) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let runner = expect_context::<Runner>();
    let node = {
        let id = id.clone();
        Memo::new(move |_| editor.diagram.with(|d| d.node(&id).cloned()))
    };
    let selected = {
        let id = id.clone();
        move || editor.selection.with(|s| s.nodes.contains(&id))
    };
    let live = {
        let id = id.clone();
        move || runner.node_live(&id)
    };
    let focus_id = id.clone();
    let on_focus = move |_| {
        if !editor
            .selection
            .with_untracked(|s| s.nodes.contains(&focus_id))
        {
            editor.selection.set(Selection::node(&focus_id));
        }
    };
    move || {
        node.get().map(|n| {
            let kind: Kind = n.kind;
            let color = kind_color(kind);
            let subtitle = crate::view_util::node_subtitle(&editor.diagram.get_untracked(), &n.id);
            let live = live.clone();
            let live2 = live.clone();
            let live3 = live.clone();
            let glow = move || {
                let l = live.clone()();
                l.map(|l| {
                    if !l.up {
                        "stroke: var(--bad)".to_string()
                    } else if l.utilisation > 0.5 {
                        let a = ((l.utilisation - 0.5) * 2.0).clamp(0.0, 1.0);
                        format!("filter: drop-shadow(0 0 {:.0}px rgba(245, 158, 11, {:.2}))", 4.0 + 10.0 * a, 0.4 + 0.6 * a)
                    } else {
                        String::new()
                    }
                })
                .unwrap_or_default()
            };
            let down = move || live2.clone()().is_some_and(|l| !l.up);
            let subtitle_live = subtitle.clone();
            let util_text = move || {
                live3.clone()().map(|l| {
                    if l.up && kind == Kind::Users {
                        // A traffic source has no load of its own: keep its settings.
                        subtitle_live.clone()
                    } else if l.up {
                        if l.queue_len > 0 {
                            format!("{:.0}% · {} queued", l.utilisation * 100.0, l.queue_len)
                        } else {
                            format!("{:.0}% busy", l.utilisation * 100.0)
                        }
                    } else {
                        "DOWN".to_string()
                    }
                })
            };
            let label = format!("{} ({})", n.name, kind.label());
            view! {
                <g
                    class="node"
                    class:selected=selected.clone()
                    class:down=down
                    data-testid=format!("node-{}", n.id)
                    data-kind=kind_key(kind)
                    transform=format!("translate({} {})", n.x, n.y)
                    tabindex="0"
                    role="button"
                    aria-label=label
                    on:focus=on_focus.clone()
                >
                    <rect class="node-card" width=NODE_W height=NODE_H rx="10" style=glow></rect>
                    <rect class="node-badge" x="8" y="10" width="36" height="36" rx="8" fill=color></rect>
                    <text class="node-glyph" x="26" y="32" text-anchor="middle">{kind.glyph()}</text>
                    <text class="node-name" x="52" y="25">{truncate(&n.name, 14)}</text>
                    <text class="node-sub" x="52" y="42">{move || truncate(&util_text().unwrap_or_else(|| subtitle.clone()), 19)}</text>
                    <circle class="port" data-testid=format!("port-{}", n.id) cx=NODE_W cy={NODE_H / 2.0} r=PORT_R></circle>
                </g>
            }
        })
    }
}

/// A text cut to `max` characters (an ellipsis marking the cut) to fit a card.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}
