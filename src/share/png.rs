//! The diagram as a picture, drawn onto an off-screen canvas from the model (cards,
//! routed wires, data-center boxes), so it does not depend on the page's styles or a
//! run in progress: either what the canvas shows (its size, pan and zoom) or the whole
//! diagram.

use scalelab_engine::{Diagram, Region};
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::canvas::geometry::{Viewport, DC_BAR, NODE_H, NODE_W};
use crate::canvas::{diagram_bounds, route_wires};
use crate::view_util::kind_color;

const MARGIN: f64 = 32.0;
/// Pixels per diagram unit: sharp on high-density screens.
const SCALE: f64 = 2.0;
/// Largest side of the picture, in pixels.
const MAX_SIDE: f64 = 8192.0;

/// A PNG of the whole diagram as a `data:` URL, or `None` for an empty diagram.
pub fn diagram_png(d: &Diagram) -> Option<String> {
    let mut b = diagram_bounds(d)?;
    for dc in &d.data_centers {
        b = b.union(&crate::canvas::geometry::Rect::new(dc.x, dc.y, dc.w, dc.h));
    }
    let (w, h) = (b.w + 2.0 * MARGIN, b.h + 2.0 * MARGIN);
    let scale = SCALE.min(MAX_SIDE / w.max(h));
    let (canvas, cx) = blank(w * scale, h * scale)?;
    cx.scale(scale, scale).ok()?;
    cx.translate(MARGIN - b.x, MARGIN - b.y).ok()?;
    draw(&cx, d);
    canvas.to_data_url().ok()
}

/// A PNG of what the canvas shows: `w` × `h` screen pixels (at twice the density)
/// under the viewport `vp`; `None` for an empty diagram.
pub fn view_png(d: &Diagram, vp: Viewport, w: f64, h: f64) -> Option<String> {
    diagram_bounds(d)?;
    let (w, h) = (
        w.clamp(1.0, MAX_SIDE / SCALE),
        h.clamp(1.0, MAX_SIDE / SCALE),
    );
    let (canvas, cx) = blank(w * SCALE, h * SCALE)?;
    cx.scale(SCALE, SCALE).ok()?;
    cx.translate(vp.pan_x, vp.pan_y).ok()?;
    cx.scale(vp.zoom, vp.zoom).ok()?;
    draw(&cx, d);
    canvas.to_data_url().ok()
}

/// An off-screen canvas of `w` × `h` pixels, filled white.
fn blank(w: f64, h: f64) -> Option<(HtmlCanvasElement, CanvasRenderingContext2d)> {
    let canvas: HtmlCanvasElement = web_sys::window()?
        .document()?
        .create_element("canvas")
        .ok()?
        .dyn_into()
        .ok()?;
    canvas.set_width(w.round() as u32);
    canvas.set_height(h.round() as u32);
    let cx: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
    cx.set_fill_style_str("#ffffff");
    cx.fill_rect(0.0, 0.0, w, h);
    Some((canvas, cx))
}

/// Draws the diagram in its own coordinates.
fn draw(cx: &CanvasRenderingContext2d, d: &Diagram) {
    cx.set_font("600 13px system-ui, sans-serif");

    for dc in &d.data_centers {
        cx.set_fill_style_str("#f1f5f9");
        cx.fill_rect(dc.x, dc.y, dc.w, dc.h);
        cx.set_stroke_style_str("#94a3b8");
        cx.stroke_rect(dc.x, dc.y, dc.w, dc.h);
        cx.set_fill_style_str("#e2e8f0");
        cx.fill_rect(dc.x, dc.y, dc.w, DC_BAR);
        cx.set_fill_style_str("#334155");
        let label = format!("{} · {}", dc.name, region_label(dc.region));
        let _ = cx.fill_text(&label, dc.x + 12.0, dc.y + 19.0);
    }

    cx.set_stroke_style_str("#64748b");
    cx.set_fill_style_str("#64748b");
    cx.set_line_width(1.5);
    for wire in route_wires(d, None).list {
        let pts = &wire.route.points;
        let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
            continue;
        };
        cx.begin_path();
        cx.move_to(first.x, first.y);
        for p in &pts[1..] {
            cx.line_to(p.x, p.y);
        }
        cx.stroke();
        // An arrowhead along the last segment.
        if let Some(prev) = pts.iter().rev().nth(1) {
            let (dx, dy) = (last.x - prev.x, last.y - prev.y);
            let len = (dx * dx + dy * dy).sqrt().max(1e-9);
            let (ux, uy) = (dx / len, dy / len);
            cx.begin_path();
            cx.move_to(last.x, last.y);
            cx.line_to(last.x - 8.0 * ux - 4.0 * uy, last.y - 8.0 * uy + 4.0 * ux);
            cx.line_to(last.x - 8.0 * ux + 4.0 * uy, last.y - 8.0 * uy - 4.0 * ux);
            cx.close_path();
            cx.fill();
        }
    }

    for n in &d.nodes {
        cx.set_fill_style_str("#ffffff");
        cx.fill_rect(n.x, n.y, NODE_W, NODE_H);
        cx.set_stroke_style_str("#cbd5e1");
        cx.stroke_rect(n.x, n.y, NODE_W, NODE_H);
        cx.set_fill_style_str(kind_color(n.kind));
        cx.fill_rect(n.x + 10.0, n.y + 12.0, 32.0, 32.0);
        cx.set_fill_style_str("#ffffff");
        cx.set_font("700 10px system-ui, sans-serif");
        let _ = cx.fill_text_with_max_width(n.kind.glyph(), n.x + 13.0, n.y + 32.0, 26.0);
        cx.set_fill_style_str("#0f172a");
        cx.set_font("600 13px system-ui, sans-serif");
        let _ = cx.fill_text_with_max_width(&n.name, n.x + 50.0, n.y + 25.0, NODE_W - 58.0);
        cx.set_fill_style_str("#64748b");
        cx.set_font("11px system-ui, sans-serif");
        let _ = cx.fill_text_with_max_width(n.kind.label(), n.x + 50.0, n.y + 42.0, NODE_W - 58.0);
    }
}

fn region_label(r: Region) -> &'static str {
    r.label()
}
