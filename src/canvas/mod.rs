//! The diagram canvas under pan and zoom, in three layers: an SVG of data-center boxes
//! and routed wires, the HTML canvas the run's dots are painted on, and an SVG of the
//! component cards on top (so a dot never covers a card's name). Pointer events go to
//! the gesture state machine (`editor::gesture`); its effects are applied here.
//! Submodules hold the pure parts: `geometry` and wire `routing`.

pub mod geometry;
pub mod routing;

use leptos::prelude::*;
use scalelab_engine::format::{fixed, trimmed};
use scalelab_engine::{Diagram, Kind};

use crate::editor::gesture::{Context, Effect, Gestures, Hit, Pointer, Preview, RunState};
use crate::editor::{Editor, Selection};
use crate::run::{Runner, Status};
use crate::view_util::kind_color;
use geometry::{Point, Rect, DC_BAR, DC_HANDLE, NODE_H, NODE_W, PORT_R};
use routing::Route;

/// A routed wire: its ends (ids, indices into `Diagram::nodes` and the cards it was
/// routed between) and its path.
#[derive(Clone, Debug, PartialEq)]
pub struct Wire {
    pub from: String,
    pub to: String,
    pub ends: (usize, usize),
    between: (Rect, Rect),
    pub route: Route,
    /// The route as SVG path data, made once per route rather than once per frame.
    path: String,
}

/// Every wire of a diagram, and the cards they were routed around.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Wires {
    cards: Vec<(String, Rect)>,
    pub list: Vec<Wire>,
}

/// Every wire of the diagram, routed around the cards. Given the wires of the diagram
/// before an edit, a wire whose two cards stayed put (at the same index, which picks
/// its lane) and that neither a moved or new card now blocks nor ran along where a
/// moved or removed card was keeps its route, so releasing a drag re-routes only what
/// it affects.
pub fn route_wires(d: &Diagram, before: Option<&Wires>) -> Wires {
    let cards: Vec<(String, Rect)> = d
        .nodes
        .iter()
        .map(|n| (n.id.clone(), geometry::node_rect(n.x, n.y)))
        .collect();
    let rects: Vec<Rect> = cards.iter().map(|c| c.1).collect();
    // Cards that are new or not where they were, and where moved or removed cards
    // were, pushed out by the margin: a wire that went around one there can now go
    // the short way.
    let mut changed: Vec<Rect> = Vec::new();
    if let Some(b) = before {
        for c in &cards {
            if !b.cards.contains(c) {
                changed.push(c.1);
            }
        }
        for c in &b.cards {
            if !cards.contains(c) {
                changed.push(c.1.grown(routing::MARGIN));
            }
        }
    }
    let list = d
        .edges
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let ends = (d.node_index(&e.from)?, d.node_index(&e.to)?);
            let between = (rects[ends.0], rects[ends.1]);
            let same = |w: &&Wire| w.from == e.from && w.to == e.to;
            let kept = before
                .and_then(|b| {
                    b.list
                        .get(i)
                        .filter(same)
                        .or_else(|| b.list.iter().find(same))
                })
                .filter(|w| {
                    // The same cards at the same place and index (the index picks the lane).
                    w.between == between
                        && w.ends == ends
                        && !changed.iter().any(|r| w.route.crosses(r))
                });
            let (route, path) = match kept {
                Some(w) => (w.route.clone(), w.path.clone()),
                None => {
                    let route = routing::route(between.0, between.1, &rects, ends.1);
                    let path = route.svg_path();
                    (route, path)
                }
            };
            Some(Wire {
                from: e.from.clone(),
                to: e.to.clone(),
                ends,
                between,
                route,
                path,
            })
        })
        .collect();
    Wires { cards, list }
}

/// The world bounds of everything in the diagram.
pub fn diagram_bounds(d: &Diagram) -> Option<Rect> {
    let nodes = d.nodes.iter().map(|n| geometry::node_rect(n.x, n.y));
    let dcs = d.data_centers.iter().map(|c| Rect::new(c.x, c.y, c.w, c.h));
    nodes.chain(dcs).reduce(|a, b| a.union(&b))
}

/// What is under the world point `w`, topmost first: ports, cards, data-center handles
/// and title bars, wires, data-center bodies, empty canvas. `zoom` widens the wires'
/// reach when zoomed out.
pub fn hit_test(d: &Diagram, wires: &[Wire], w: Point, zoom: f64) -> Hit {
    let positions: Vec<Point> = d.nodes.iter().map(|n| Point::new(n.x, n.y)).collect();
    if let Some(i) = geometry::hit_port(&positions, w) {
        let n = &d.nodes[i];
        return Hit::Port {
            node: n.id.clone(),
            at: geometry::out_port(n.x, n.y),
        };
    }
    if let Some(n) = d
        .nodes
        .iter()
        .rev()
        .find(|n| geometry::node_rect(n.x, n.y).contains(w))
    {
        return Hit::Node {
            id: n.id.clone(),
            x: n.x,
            y: n.y,
        };
    }
    for dc in d.data_centers.iter().rev() {
        let handle = Rect::new(
            dc.x + dc.w - DC_HANDLE,
            dc.y + dc.h - DC_HANDLE,
            DC_HANDLE,
            DC_HANDLE,
        );
        if handle.contains(w) {
            return Hit::DcHandle {
                id: dc.id.clone(),
                w: dc.w,
                h: dc.h,
            };
        }
        if Rect::new(dc.x, dc.y, dc.w, DC_BAR).contains(w) {
            return Hit::DcBar {
                id: dc.id.clone(),
                x: dc.x,
                y: dc.y,
            };
        }
    }
    let reach = 6.0 / zoom;
    if let Some(wire) = wires
        .iter()
        .map(|wire| (wire, wire.route.distance_to(w)))
        .filter(|(_, dist)| *dist <= reach)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(wire, _)| wire)
    {
        return Hit::Edge {
            from: wire.from.clone(),
            to: wire.to.clone(),
        };
    }
    match d
        .data_centers
        .iter()
        .rev()
        .find(|c| Rect::new(c.x, c.y, c.w, c.h).contains(w))
    {
        Some(c) => Hit::DcBody { id: c.id.clone() },
        None => Hit::Empty,
    }
}

/// Screen position of a pointer event relative to the canvas element.
fn local_point(el: &web_sys::HtmlElement, client_x: i32, client_y: i32) -> Point {
    let r = el.get_bounding_client_rect();
    Point::new(client_x as f64 - r.left(), client_y as f64 - r.top())
}

fn run_state(status: Status) -> RunState {
    match status {
        // A finished run has nothing left to kill: a click selects.
        Status::Idle | Status::Finished => RunState::Idle,
        Status::Running => RunState::Running,
        Status::Paused => RunState::Stopped,
    }
}

#[component]
pub fn Canvas() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let runner = expect_context::<Runner>();
    let area = NodeRef::<leptos::html::Div>::new();
    let gestures = StoredValue::new(Gestures::default());
    let wire_preview = RwSignal::new(None::<(Point, Point)>);
    let box_preview = RwSignal::new(None::<Rect>);
    // Wires are routed once per change of the diagram; a drag re-routes only the wires
    // of what it moves (see `Wires`).
    let wires =
        Memo::new(move |before: Option<&Wires>| editor.diagram.with(|d| route_wires(d, before)));

    let apply = move |effects: Vec<Effect>| {
        for effect in effects {
            match effect {
                Effect::SelectNode(id) => editor.selection.set(Selection::node(&id)),
                Effect::ToggleSelected(id) => editor.selection.update(|s| {
                    if !s.nodes.remove(&id) {
                        s.nodes.insert(id);
                    }
                    s.edge = None;
                    s.dc = None;
                }),
                Effect::SelectDc(id) => editor.selection.set(Selection::dc(&id)),
                Effect::SelectEdge { from, to } => editor.selection.set(Selection {
                    edge: Some((from, to)),
                    ..Default::default()
                }),
                Effect::ClearSelection => editor.selection.set(Selection::default()),
                Effect::BoxSelect { rect, add } => {
                    let inside: Vec<String> = editor.diagram.with_untracked(|d| {
                        d.nodes
                            .iter()
                            .filter(|n| rect.intersects(&geometry::node_rect(n.x, n.y)))
                            .map(|n| n.id.clone())
                            .collect()
                    });
                    editor.selection.update(|s| {
                        if !add {
                            s.nodes.clear();
                        }
                        s.edge = None;
                        s.dc = None;
                        s.nodes.extend(inside);
                    });
                }
                Effect::Preview(p) => editor.preview.set(p),
                Effect::Commit(p) => editor.commit_preview(p),
                Effect::WirePreview(w) => wire_preview.set(w),
                Effect::Connect { from, to } => editor.connect(&from, &to),
                Effect::BoxPreview(r) => box_preview.set(r),
                Effect::SetViewport(v) => editor.viewport.set(v),
                Effect::ToggleNode(id) => runner.toggle_node(&id),
                Effect::ToggleDc(id) => runner.toggle_dc(&id),
                Effect::Notice(text) => editor.show(text, false),
            }
        }
    };

    // The pointer of an event, and (except for moves) what is under it.
    let pointer_of = move |ev: &web_sys::PointerEvent| -> Option<(Pointer, Hit)> {
        let el = area.get_untracked()?;
        let screen = local_point(&el, ev.client_x(), ev.client_y());
        let viewport = editor.viewport.get_untracked();
        let world = viewport.to_world(screen);
        let p = Pointer {
            id: ev.pointer_id(),
            screen,
            world,
            shift: ev.shift_key(),
        };
        let hit = if ev.type_() == "pointermove" {
            Hit::Empty
        } else {
            editor.diagram.with_untracked(|d| {
                wires.with_untracked(|w| hit_test(d, &w.list, world, viewport.zoom))
            })
        };
        Some((p, hit))
    };
    // Feeds one event to the gesture machine with the current context.
    let feed = move |step: &dyn Fn(&mut Gestures, Context) -> Vec<Effect>| -> Vec<Effect> {
        editor.selection.with_untracked(|sel| {
            let cx = Context {
                run: run_state(runner.status.get_untracked()),
                select_mode: editor.select_mode.get_untracked(),
                viewport: editor.viewport.get_untracked(),
                selected: &sel.nodes,
            };
            gestures
                .try_update_value(|g| step(g, cx))
                .unwrap_or_default()
        })
    };

    let on_down = move |ev: web_sys::PointerEvent| {
        if let Some(el) = area.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        let Some((p, hit)) = pointer_of(&ev) else {
            return;
        };
        if matches!(hit, Hit::Port { .. }) {
            // Keep the browser from starting a text selection or a scroll.
            ev.prevent_default();
        }
        apply(feed(&|g, cx| g.down(p, hit.clone(), cx)));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        if gestures.with_value(Gestures::is_idle) {
            return;
        }
        if let Some((p, _)) = pointer_of(&ev) {
            apply(feed(&|g, cx| g.moved(p, cx)));
        }
    };
    let on_up = move |ev: web_sys::PointerEvent| {
        if let Some((p, hit)) = pointer_of(&ev) {
            apply(feed(&|g, cx| g.up(p, hit.clone(), cx)));
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
        format!(
            "translate({} {}) scale({})",
            trimmed(v.pan_x, 2),
            trimmed(v.pan_y, 2),
            trimmed(v.zoom, 5)
        )
    };
    let grid_style = move || {
        let v = editor.viewport.get();
        let size = trimmed(geometry::GRID * 2.0 * v.zoom, 2);
        format!(
            "background-size: {size}px {size}px; background-position: {}px {}px;",
            trimmed(v.pan_x, 2),
            trimmed(v.pan_y, 2)
        )
    };

    view! {
        <div
            class="canvas-area"
            class:select-mode=move || editor.select_mode.get()
            data-testid="canvas-area"
            node_ref=area
            style=grid_style
            on:pointerdown=on_down
            on:pointermove=on_move
            on:pointerup=on_up
            on:pointercancel=on_up
            on:wheel=on_wheel
        >
            <svg class="diagram under" data-testid="diagram-wires" aria-hidden="true">
                <defs>
                    <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse">
                        <path d="M 0 0 L 10 5 L 0 10 z" class="arrow-head"></path>
                    </marker>
                </defs>
                <g transform=transform>
                    <DataCenters/>
                    <WireLayer wires=wires/>
                </g>
            </svg>
            <canvas class="dots" data-testid="dots" node_ref=runner.canvas aria-hidden="true"></canvas>
            <svg class="diagram over" data-testid="diagram" role="group" aria-label="Diagram">
                <g transform=transform>
                    <Nodes/>
                    {move || wire_preview.get().map(|(a, b)| view! {
                        <line class="wire-preview" x1=trimmed(a.x, 2) y1=trimmed(a.y, 2) x2=trimmed(b.x, 2) y2=trimmed(b.y, 2)></line>
                    })}
                    {move || box_preview.get().map(|r| view! {
                        <rect class="box-select" data-testid="box-select" x=trimmed(r.x, 2) y=trimmed(r.y, 2) width=trimmed(r.w, 2) height=trimmed(r.h, 2)></rect>
                    })}
                </g>
            </svg>
            <EmptyHint/>
        </div>
    }
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
                // The box where it is, or where a drag is taking it; redrawn as a whole
                // when either changes.
                let shown = {
                    let id = id.clone();
                    move || {
                        editor.diagram.with(|d| {
                            d.data_center(&id).map(|c| {
                                let r = editor.preview.with(|p| {
                                    p.as_ref().map_or(Rect::new(c.x, c.y, c.w, c.h), |p| p.dc_rect(c))
                                });
                                let label = if c.name.contains(c.region.label()) {
                                    c.name.clone()
                                } else {
                                    format!("{} · {}", c.name, c.region.label())
                                };
                                (r, label)
                            })
                        })
                    }
                };
                let selected = {
                    let id = id.clone();
                    move || editor.selection.with(|s| s.dc.as_deref() == Some(id.as_str()))
                };
                let down = {
                    let id = id.clone();
                    move || runner.dc_down(&id)
                };
                view! {
                    <g class="dc" class:selected=selected class:down=down data-testid=format!("dc-{id}")>
                        {move || shown().map(|(c, label)| view! {
                            <rect class="dc-box" x=trimmed(c.x, 2) y=trimmed(c.y, 2) width=trimmed(c.w, 2) height=trimmed(c.h, 2) rx="12"></rect>
                            <rect class="dc-bar" x=trimmed(c.x, 2) y=trimmed(c.y, 2) width=trimmed(c.w, 2) height=trimmed(DC_BAR, 2) rx="12"></rect>
                            <text class="dc-label" x=trimmed(c.x + 12.0, 2) y=trimmed(c.y + 19.0, 2)>{label}</text>
                            <path class="dc-grip" d=format!(
                                "M {x1} {y2} L {x2} {y1} M {x3} {y2} L {x2} {y3}",
                                x1 = trimmed(c.x + c.w - DC_HANDLE + 2.0, 2), x2 = trimmed(c.x + c.w - 3.0, 2),
                                y1 = trimmed(c.y + c.h - DC_HANDLE + 2.0, 2), y2 = trimmed(c.y + c.h - 3.0, 2),
                                x3 = trimmed(c.x + c.w - DC_HANDLE / 2.0, 2), y3 = trimmed(c.y + c.h - DC_HANDLE / 2.0, 2),
                            )></path>
                        })}
                    </g>
                }
            }
        </For>
    }
}

/// One wire as drawn: ends and SVG path.
#[derive(Clone, Debug, PartialEq)]
struct DrawnWire {
    from: String,
    to: String,
    path: String,
}

/// The wires as drawn during a drag: a wire between two cards that move together is
/// moved with them, a wire with one moving end is routed again around the cards where
/// the drag shows them, and every other wire keeps its route.
fn drawn_wires(d: &Diagram, wires: &[Wire], preview: Option<&Preview>) -> Vec<DrawnWire> {
    let offsets: Option<Vec<(f64, f64)>> =
        preview.map(|p| d.nodes.iter().map(|n| p.node_offset(n)).collect());
    let cards: Option<Vec<Rect>> = offsets.as_ref().map(|o| {
        d.nodes
            .iter()
            .zip(o)
            .map(|(n, (dx, dy))| geometry::node_rect(n.x + dx, n.y + dy))
            .collect()
    });
    wires
        .iter()
        .map(|w| {
            let path = match (&offsets, &cards) {
                (Some(o), Some(cards)) if o[w.ends.0] != o[w.ends.1] => {
                    routing::route(cards[w.ends.0], cards[w.ends.1], cards, w.ends.1).svg_path()
                }
                (Some(o), _) if o[w.ends.0] != (0.0, 0.0) => {
                    let (dx, dy) = o[w.ends.0];
                    w.route.translated(dx, dy).svg_path()
                }
                _ => w.path.clone(),
            };
            DrawnWire {
                from: w.from.clone(),
                to: w.to.clone(),
                path,
            }
        })
        .collect()
}

#[component]
fn WireLayer(wires: Memo<Wires>) -> impl IntoView {
    let editor = expect_context::<Editor>();
    let drawn = Memo::new(move |_| {
        editor
            .diagram
            .with(|d| wires.with(|w| editor.preview.with(|p| drawn_wires(d, &w.list, p.as_ref()))))
    });
    view! {
        <For
            each=move || drawn.get()
            key=|w| (w.from.clone(), w.to.clone(), w.path.clone())
            let:wire
        >
            {
                let DrawnWire { from, to, path } = wire;
                let key = (from.clone(), to.clone());
                let selected = move || editor.selection.with(|s| s.edge.as_ref() == Some(&key));
                view! {
                    <path
                        class="edge"
                        class:selected=selected
                        data-testid=format!("edge-{from}-{to}")
                        d=path
                        marker-end="url(#arrow)"
                    ></path>
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
    // Where the card is shown: its place, or where a drag is taking it. Only this
    // attribute changes while dragging.
    let transform = move || {
        node.with(|n| {
            n.as_ref().map(|n| {
                let (dx, dy) = editor
                    .preview
                    .with(|p| p.as_ref().map_or((0.0, 0.0), |p| p.node_offset(n)));
                format!(
                    "translate({} {})",
                    trimmed(n.x + dx, 2),
                    trimmed(n.y + dy, 2)
                )
            })
        })
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
    // The card's content changes when the node's settings do, not when it moves.
    let content = Memo::new(move |_| {
        node.with(|n| {
            n.as_ref().map(|n| {
                let subtitle = editor
                    .diagram
                    .with_untracked(|d| crate::view_util::node_subtitle(d, &n.id));
                (n.id.clone(), n.kind, n.name.clone(), subtitle)
            })
        })
    });
    move || {
        content.get().map(|(id, kind, name, subtitle)| {
            let color = kind_color(kind);
            let (live, live2, live3) = (live.clone(), live.clone(), live.clone());
            let glow = move || {
                live()
                    .map(|l| {
                        if !l.up {
                            "stroke: var(--bad)".to_string()
                        } else if l.utilisation > 0.5 {
                            let a = ((l.utilisation - 0.5) * 2.0).clamp(0.0, 1.0);
                            format!(
                                "filter: drop-shadow(0 0 {}px rgba(245, 158, 11, {}))",
                                fixed(4.0 + 10.0 * a, 0),
                                fixed(0.4 + 0.6 * a, 2)
                            )
                        } else {
                            String::new()
                        }
                    })
                    .unwrap_or_default()
            };
            let down = move || live2().is_some_and(|l| !l.up);
            let subtitle_live = subtitle.clone();
            let sub_text = move || {
                let text = live3()
                    .map(|l| {
                        let busy = fixed(l.utilisation * 100.0, 0);
                        if !l.up {
                            "DOWN".to_string()
                        } else if kind == Kind::Users {
                            // A traffic source has no load of its own: keep its settings.
                            subtitle_live.clone()
                        } else if l.queue_len > 0 {
                            format!("{busy}% · {} queued", l.queue_len)
                        } else if let Some(h) = l.hit_rate {
                            // A cache's hit rate climbs as it warms up: the number to watch
                            // (how busy it is shows in its glow).
                            format!("{}% hit rate", fixed(h * 100.0, 0))
                        } else {
                            format!("{busy}% busy")
                        }
                    })
                    .unwrap_or_else(|| subtitle_live.clone());
                truncate(&text, 18)
            };
            let label = format!("{} ({})", name, kind.label());
            let name = truncate(&name, 18);
            // A long name is drawn narrower (style.css), so that it ends before the port.
            let name_class = match name.chars().count() {
                0..=12 => "node-name",
                13..=14 => "node-name narrow1",
                15..=16 => "node-name narrow2",
                _ => "node-name narrow3",
            };
            view! {
                <g
                    class="node"
                    class:selected=selected.clone()
                    class:down=down
                    data-testid=format!("node-{id}")
                    data-kind=kind.key()
                    transform=transform
                    tabindex="0"
                    role="button"
                    aria-label=label
                    on:focus=on_focus.clone()
                >
                    <title>{subtitle.clone()}</title>
                    <rect class="node-card" width=trimmed(NODE_W, 2) height=trimmed(NODE_H, 2) rx="10" style=glow></rect>
                    <rect class="node-badge" x="8" y="10" width="36" height="36" rx="8" fill=color></rect>
                    <text class="node-glyph" x="26" y="32" text-anchor="middle">{kind.glyph()}</text>
                    <text class=name_class x="52" y="25">{name}</text>
                    <text class="node-sub" data-testid=format!("node-sub-{id}") x="52" y="42">{sub_text}</text>
                    <circle class="port" data-testid=format!("port-{id}") cx=trimmed(NODE_W, 2) cy=trimmed(NODE_H / 2.0, 2) r=trimmed(PORT_R, 2)></circle>
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

#[cfg(test)]
mod tests {
    use super::*;
    use scalelab_engine::Region;

    #[test]
    fn hit_testing_finds_ports_cards_boxes_wires_and_empty_canvas() {
        let mut d = Diagram::default();
        let dc = d.add_data_center(Region::Europe, 0.0, 0.0, 800.0, 400.0);
        let web = d.add_node(Kind::WebServer, 64.0, 64.0);
        let db = d.add_node(Kind::Database, 464.0, 64.0);
        d.connect(&web, &db).unwrap();
        let wires = route_wires(&d, None).list;
        let hit = |x, y| hit_test(&d, &wires, Point::new(x, y), 1.0);
        assert!(
            matches!(hit(64.0 + NODE_W, 64.0 + NODE_H / 2.0), Hit::Port { node, .. } if node == web)
        );
        assert!(matches!(hit(100.0, 80.0), Hit::Node { id, .. } if id == web));
        assert!(matches!(hit(300.0, 10.0), Hit::DcBar { id, .. } if id == dc));
        assert!(matches!(hit(795.0, 395.0), Hit::DcHandle { id, .. } if id == dc));
        // The wire runs straight between the two cards' facing sides.
        assert!(
            matches!(hit(350.0, 64.0 + NODE_H / 2.0 + 2.0), Hit::Edge { from, to } if from == web && to == db)
        );
        assert!(matches!(hit(300.0, 300.0), Hit::DcBody { id } if id == dc));
        assert_eq!(hit(900.0, 900.0), Hit::Empty);
    }

    #[test]
    fn during_a_drag_only_wires_of_moved_cards_change() {
        let mut d = Diagram::default();
        let a = d.add_node(Kind::Users, 0.0, 0.0);
        let b = d.add_node(Kind::WebServer, 400.0, 0.0);
        let c = d.add_node(Kind::Database, 800.0, 0.0);
        let e = d.add_node(Kind::Database, 800.0, 400.0);
        d.connect(&a, &b).unwrap();
        d.connect(&b, &c).unwrap();
        d.connect(&c, &e).unwrap();
        let wires = route_wires(&d, None).list;
        let still = drawn_wires(&d, &wires, None);
        let p = Preview::MoveNodes {
            ids: [b.clone()].into(),
            dx: 0.0,
            dy: 200.0,
        };
        let moved = drawn_wires(&d, &wires, Some(&p));
        assert_ne!(moved[0].path, still[0].path);
        assert_ne!(moved[1].path, still[1].path);
        assert_eq!(moved[2].path, still[2].path);
        // Both ends moving together: the wire is moved as it is.
        let both = Preview::MoveNodes {
            ids: [c.clone(), e.clone()].into(),
            dx: 16.0,
            dy: 0.0,
        };
        let moved = drawn_wires(&d, &wires, Some(&both));
        assert_eq!(
            moved[2].path,
            wires[2].route.translated(16.0, 0.0).svg_path()
        );
    }

    #[test]
    fn after_an_edit_only_the_wires_it_affects_are_routed_again() {
        let mut d = Diagram::default();
        let a = d.add_node(Kind::Users, 0.0, 0.0);
        let b = d.add_node(Kind::WebServer, 400.0, 0.0);
        let c = d.add_node(Kind::Database, 0.0, 300.0);
        let e = d.add_node(Kind::Database, 400.0, 300.0);
        d.connect(&a, &b).unwrap();
        d.connect(&c, &e).unwrap();
        let before = route_wires(&d, None);
        // Mark the kept routes, so reuse can be told from routing again.
        let mut marked = before.clone();
        for w in &mut marked.list {
            w.route.points.insert(1, w.route.points[0]);
        }
        // A card dropped in the middle of the lower wire: that wire goes around it,
        // the upper one keeps its (marked) route.
        d.add_node(Kind::Cache, 200.0, 300.0);
        let after = route_wires(&d, Some(&marked));
        assert_eq!(after.list[0].route, marked.list[0].route);
        assert_ne!(after.list[1].route, marked.list[1].route);
        assert_eq!(after.list[1].route, route_wires(&d, None).list[1].route);
        // Moving an end routes its wire again.
        d.move_node(&a, 0.0, 100.0);
        let moved = route_wires(&d, Some(&after));
        assert_ne!(moved.list[0].route, after.list[0].route);
        assert_eq!(moved.list[1].route, after.list[1].route);
        // Moving the card in the way out of it: the wire that went around it goes
        // straight again, as if routed afresh.
        let cache = d.nodes[4].id.clone();
        d.move_node(&cache, 200.0, 600.0);
        let cleared = route_wires(&d, Some(&moved));
        assert_eq!(cleared.list[1].route, route_wires(&d, None).list[1].route);
        assert_eq!(cleared.list[1].route.points.len(), 2);
    }

    #[test]
    fn deleting_a_card_routes_the_wires_of_later_cards_as_afresh() {
        // Web servers wired to a cache and a database a column to the right: the wires'
        // last turns are on lanes picked by the target's index, which deleting an
        // earlier card shifts.
        let mut d = Diagram::default();
        let spare = d.add_node(Kind::Users, 0.0, 400.0);
        let webs: Vec<String> = (0..2)
            .map(|i| d.add_node(Kind::WebServer, 0.0, 112.0 * i as f64))
            .collect();
        let cache = d.add_node(Kind::Cache, 300.0, 0.0);
        let db = d.add_node(Kind::Database, 300.0, 112.0);
        for w in &webs {
            d.connect(w, &cache).unwrap();
            d.connect(w, &db).unwrap();
        }
        let before = route_wires(&d, None);
        d.remove_node(&spare);
        let after = route_wires(&d, Some(&before));
        assert_eq!(after, route_wires(&d, None));
        // The lanes did move (web server 1 to the database turns on another): the
        // kept routes would have been wrong.
        assert_ne!(after.list[1].route, before.list[1].route);
    }
}
