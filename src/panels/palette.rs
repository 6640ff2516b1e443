//! The palette: one tile per component kind from the engine's catalog, plus the data
//! center box. Drag a tile onto the canvas to place it there, or press it to place it
//! in the middle of the view.

use leptos::prelude::*;
use scalelab_engine::format::trimmed;
use scalelab_engine::{Kind, Region};

use crate::canvas::geometry::{self, Point, NODE_H, NODE_W};
use crate::editor::{Editor, Selection};
use crate::run::{Runner, Status};
use crate::view_util::kind_color;

/// What a palette tile places.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Placeable {
    Component(Kind),
    DataCenter,
}

/// Default size of a new data-center box.
const DC_SIZE: (f64, f64) = (416.0, 288.0);

/// Adds `what` with its top-left corner near the world point `at`, as one edit.
pub fn place(editor: Editor, what: Placeable, at: Point) {
    let full = editor
        .diagram
        .with_untracked(|d| d.full(what == Placeable::DataCenter));
    if let Some(why) = full {
        editor.show(why, true);
        return;
    }
    let x = geometry::snap(at.x);
    let y = geometry::snap(at.y);
    match what {
        Placeable::Component(kind) => {
            let id = editor.edit(|d| {
                let id = d.add_node(kind, x, y);
                d.assign_data_centers(NODE_W, NODE_H);
                id
            });
            editor.selection.set(Selection::node(&id));
        }
        Placeable::DataCenter => {
            let id = editor.edit(|d| {
                // Each new data center takes the next region not used yet.
                let region = Region::ALL
                    .iter()
                    .copied()
                    .find(|r| !d.data_centers.iter().any(|c| c.region == *r))
                    .unwrap_or(Region::ALL[0]);
                let id = d.add_data_center(region, x, y, DC_SIZE.0, DC_SIZE.1);
                d.assign_data_centers(NODE_W, NODE_H);
                id
            });
            editor.selection.set(Selection::dc(&id));
        }
    }
}

#[component]
pub fn Palette() -> impl IntoView {
    let editor = expect_context::<Editor>();
    let runner = expect_context::<Runner>();
    // The tile being dragged and where the pointer is (client coordinates).
    let ghost = RwSignal::new(None::<(Placeable, Point)>);
    let start = StoredValue::new(Point::default());

    let canvas_rect = || {
        document()
            .query_selector("[data-testid=canvas-area]")
            .ok()
            .flatten()
            .map(|el| el.get_bounding_client_rect())
    };

    // Drops at a client point: onto the canvas at that spot, or, for a press without
    // a drag, into the middle of the visible canvas.
    let drop_at = move |what: Placeable, client: Point, dragged: bool| {
        if runner.status.get_untracked() == Status::Running {
            editor.show("Pause the run to add components.", false);
            return;
        }
        let Some(r) = canvas_rect() else { return };
        let local = if dragged {
            let inside = client.x >= r.left()
                && client.x <= r.right()
                && client.y >= r.top()
                && client.y <= r.bottom();
            if !inside {
                return;
            }
            // The ghost is held by its centre.
            Point::new(client.x - r.left(), client.y - r.top())
        } else {
            Point::new(r.width() / 2.0, r.height() / 2.0)
        };
        let mut w = editor.viewport.get_untracked().to_world(local);
        if !dragged {
            // Pressed tiles all land in the middle: step down past what is there.
            let taken = |p: Point| {
                editor.diagram.with_untracked(|d| {
                    d.nodes.iter().any(|n| {
                        (n.x + NODE_W / 2.0 - p.x).abs() < NODE_W
                            && (n.y + NODE_H / 2.0 - p.y).abs() < NODE_H
                    })
                })
            };
            for _ in 0..12 {
                if !taken(w) {
                    break;
                }
                w.y += NODE_H + geometry::GRID;
            }
        }
        let offset = match what {
            Placeable::Component(_) => (NODE_W / 2.0, NODE_H / 2.0),
            Placeable::DataCenter => (DC_SIZE.0 / 2.0, 14.0),
        };
        place(editor, what, Point::new(w.x - offset.0, w.y - offset.1));
    };

    // Only what the chapter has unlocked (everything in the sandbox).
    let tiles = move || {
        let palette = editor.palette.get();
        let dc = palette.data_centers.then_some(Placeable::DataCenter);
        palette
            .kinds
            .into_iter()
            .map(Placeable::Component)
            .chain(dc)
            .map(|what| {
            let (key, label, glyph, color, help) = match what {
                Placeable::Component(k) => (k.key(), k.label(), k.glyph(), kind_color(k), k.description()),
                Placeable::DataCenter => (
                    "data_center",
                    "Data center",
                    "DC",
                    "#94a3b8",
                    "A region box: everything inside fails together and pays cross-region latency to other regions.",
                ),
            };
            view! {
                <button
                    class="palette-item"
                    data-testid=format!("palette-{key}")
                    title=help
                    on:pointerdown=move |ev: web_sys::PointerEvent| {
                        if ev.button() != 0 { return; }
                        ev.prevent_default();
                        if let Some(el) = ev.current_target().and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok()) {
                            let _ = el.set_pointer_capture(ev.pointer_id());
                        }
                        let p = Point::new(ev.client_x() as f64, ev.client_y() as f64);
                        start.set_value(p);
                        ghost.set(Some((what, p)));
                    }
                    on:pointermove=move |ev: web_sys::PointerEvent| {
                        if ghost.with_untracked(Option::is_some) {
                            ghost.set(Some((what, Point::new(ev.client_x() as f64, ev.client_y() as f64))));
                        }
                    }
                    on:pointerup=move |ev: web_sys::PointerEvent| {
                        if ghost.get_untracked().is_none() { return; }
                        ghost.set(None);
                        let p = Point::new(ev.client_x() as f64, ev.client_y() as f64);
                        let dragged = p.dist(start.get_value()) > 6.0;
                        drop_at(what, p, dragged);
                    }
                    on:pointercancel=move |_| ghost.set(None)
                    on:keydown=move |ev: web_sys::KeyboardEvent| {
                        if ev.key() == "Enter" || ev.key() == " " {
                            ev.prevent_default();
                            drop_at(what, Point::default(), false);
                        }
                    }
                >
                    <span class="badge" style=format!("background:{color}")>{glyph}</span>
                    <span class="palette-label">{label}</span>
                </button>
            }
        })
        .collect_view()
    };

    view! {
        <nav class="palette" data-testid="palette" aria-label="Components">
            {tiles}
        </nav>
        {move || ghost.get().filter(|(_, p)| p.dist(start.get_value()) > 6.0).map(|(what, p)| {
            let label = match what {
                Placeable::Component(k) => k.label(),
                Placeable::DataCenter => "Data center",
            };
            view! {
                <div class="drag-ghost" style=format!("left:{}px;top:{}px", trimmed(p.x, 2), trimmed(p.y, 2))>{label}</div>
            }
        })}
    }
}
