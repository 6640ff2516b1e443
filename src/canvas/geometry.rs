//! Pure canvas geometry: card and port positions, the screen↔world transform under pan
//! and zoom, grid snapping, and hit-testing of ports and segments. No web types
//! here, so all of it is tested natively.

/// Width and height of a node's card in world units.
pub const NODE_W: f64 = 160.0;
pub const NODE_H: f64 = 56.0;
/// Grid spacing nodes snap to, in world units.
pub const GRID: f64 = 16.0;
/// Radius of the output port drawn on a node's right edge, in world units.
pub const PORT_R: f64 = 7.0;
/// Height of a data-center box's title bar, which is where it is grabbed.
pub const DC_BAR: f64 = 28.0;
/// Size of a data-center box's resize handle, in its bottom-right corner.
pub const DC_HANDLE: f64 = 14.0;
pub const MIN_ZOOM: f64 = 0.25;
pub const MAX_ZOOM: f64 = 3.0;

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
    pub fn dist(self, o: Point) -> f64 {
        ((self.x - o.x).powi(2) + (self.y - o.y).powi(2)).sqrt()
    }
    pub fn lerp(self, o: Point, t: f64) -> Point {
        Point::new(self.x + (o.x - self.x) * t, self.y + (o.y - self.y) * t)
    }
}

/// An axis-aligned rectangle in world units.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub const fn new(x: f64, y: f64, w: f64, h: f64) -> Self {
        Self { x, y, w, h }
    }
    /// The rectangle spanned by two corners given in any order.
    pub fn from_corners(a: Point, b: Point) -> Self {
        Rect::new(
            a.x.min(b.x),
            a.y.min(b.y),
            (a.x - b.x).abs(),
            (a.y - b.y).abs(),
        )
    }
    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x && p.x <= self.x + self.w && p.y >= self.y && p.y <= self.y + self.h
    }
    /// Whether `p` is strictly inside (not on an edge). This and `grown` are inlined:
    /// out of line, the router's calls cost the page about 75 bytes more.
    #[inline(always)]
    pub fn has_inside(&self, p: Point) -> bool {
        p.x > self.x && p.x < self.x + self.w && p.y > self.y && p.y < self.y + self.h
    }
    /// The rectangle pushed out by `m` on every side.
    #[inline(always)]
    pub fn grown(&self, m: f64) -> Rect {
        Rect::new(self.x - m, self.y - m, self.w + 2.0 * m, self.h + 2.0 * m)
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
    pub fn center(&self) -> Point {
        Point::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    /// The smallest rectangle holding both.
    pub fn union(&self, o: &Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        Rect::new(
            x,
            y,
            (self.x + self.w).max(o.x + o.w) - x,
            (self.y + self.h).max(o.y + o.h) - y,
        )
    }
}

/// The card of a node whose top-left corner is at (x, y).
pub fn node_rect(x: f64, y: f64) -> Rect {
    Rect::new(x, y, NODE_W, NODE_H)
}

/// Where a node's output port sits (middle of its right edge).
pub fn out_port(x: f64, y: f64) -> Point {
    Point::new(x + NODE_W, y + NODE_H / 2.0)
}

/// Pan and zoom: `screen = world * zoom + pan`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Viewport {
    pub pan_x: f64,
    pub pan_y: f64,
    pub zoom: f64,
}

impl Default for Viewport {
    fn default() -> Self {
        Self {
            pan_x: 0.0,
            pan_y: 0.0,
            zoom: 1.0,
        }
    }
}

impl Viewport {
    pub fn to_world(&self, screen: Point) -> Point {
        Point::new(
            (screen.x - self.pan_x) / self.zoom,
            (screen.y - self.pan_y) / self.zoom,
        )
    }

    pub fn to_screen(&self, world: Point) -> Point {
        Point::new(
            world.x * self.zoom + self.pan_x,
            world.y * self.zoom + self.pan_y,
        )
    }

    /// Zooms by `factor` keeping the world point under `anchor` (screen) fixed.
    pub fn zoom_at(&self, anchor: Point, factor: f64) -> Viewport {
        let zoom = (self.zoom * factor).clamp(MIN_ZOOM, MAX_ZOOM);
        let world = self.to_world(anchor);
        Viewport {
            zoom,
            pan_x: anchor.x - world.x * zoom,
            pan_y: anchor.y - world.y * zoom,
        }
    }

    pub fn pan_by(&self, dx: f64, dy: f64) -> Viewport {
        Viewport {
            pan_x: self.pan_x + dx,
            pan_y: self.pan_y + dy,
            ..*self
        }
    }

    /// The viewport that shows `bounds` centred in a screen of `width`×`height` with a
    /// margin, never zooming in past 1.
    pub fn fit(bounds: Rect, width: f64, height: f64, margin: f64) -> Viewport {
        if bounds.w <= 0.0 || bounds.h <= 0.0 || width <= 0.0 || height <= 0.0 {
            return Viewport::default();
        }
        let zoom = ((width - 2.0 * margin) / bounds.w)
            .min((height - 2.0 * margin) / bounds.h)
            .clamp(MIN_ZOOM, 1.0);
        let c = bounds.center();
        Viewport {
            zoom,
            pan_x: width / 2.0 - c.x * zoom,
            pan_y: height / 2.0 - c.y * zoom,
        }
    }
}

/// Rounds a world coordinate to the nearest grid line.
pub fn snap(v: f64) -> f64 {
    (v / GRID).round() * GRID
}

/// Index of the topmost node whose output port is within reach of `p`. The reach is
/// generous (twice the drawn radius) so ports are easy to grab by touch.
pub fn hit_port(positions: &[Point], p: Point) -> Option<usize> {
    positions
        .iter()
        .rposition(|n| out_port(n.x, n.y).dist(p) <= PORT_R * 2.0)
}

/// Distance from `p` to the segment `a`–`b`.
pub fn dist_to_segment(p: Point, a: Point, b: Point) -> f64 {
    let len2 = (b.x - a.x).powi(2) + (b.y - a.y).powi(2);
    if len2 == 0.0 {
        return p.dist(a);
    }
    let t = (((p.x - a.x) * (b.x - a.x) + (p.y - a.y) * (b.y - a.y)) / len2).clamp(0.0, 1.0);
    p.dist(a.lerp(b, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: Point, b: Point) -> bool {
        a.dist(b) < 1e-9
    }

    #[test]
    fn screen_and_world_round_trip_under_pan_and_zoom() {
        let v = Viewport {
            pan_x: 120.0,
            pan_y: -40.0,
            zoom: 1.75,
        };
        let w = Point::new(33.0, 91.5);
        let s = v.to_screen(w);
        assert!(close(
            s,
            Point::new(33.0 * 1.75 + 120.0, 91.5 * 1.75 - 40.0)
        ));
        assert!(close(v.to_world(s), w));
    }

    #[test]
    fn zooming_keeps_the_point_under_the_cursor_still() {
        let v = Viewport {
            pan_x: 10.0,
            pan_y: 20.0,
            zoom: 1.0,
        };
        let anchor = Point::new(300.0, 200.0);
        let before = v.to_world(anchor);
        let z = v.zoom_at(anchor, 2.0);
        assert_eq!(z.zoom, 2.0);
        assert!(close(z.to_world(anchor), before));
        assert_eq!(v.zoom_at(anchor, 100.0).zoom, MAX_ZOOM);
        assert_eq!(v.zoom_at(anchor, 0.001).zoom, MIN_ZOOM);
    }

    #[test]
    fn fit_centres_the_bounds_and_never_magnifies() {
        let b = Rect::new(100.0, 100.0, 400.0, 200.0);
        let v = Viewport::fit(b, 1000.0, 800.0, 40.0);
        assert_eq!(v.zoom, 1.0);
        assert!(close(v.to_screen(b.center()), Point::new(500.0, 400.0)));
        let big = Rect::new(0.0, 0.0, 4000.0, 1000.0);
        let v = Viewport::fit(big, 1000.0, 800.0, 0.0);
        assert!((v.zoom - 0.25).abs() < 1e-9);
        assert!(close(v.to_screen(big.center()), Point::new(500.0, 400.0)));
    }

    #[test]
    fn snapping_rounds_to_the_grid() {
        assert_eq!(snap(7.0), 0.0);
        assert_eq!(snap(9.0), 16.0);
        assert_eq!(snap(-9.0), -16.0);
        assert_eq!(snap(40.0), 48.0);
    }

    #[test]
    fn ports_are_hit_near_the_right_edge_only() {
        let nodes = [Point::new(0.0, 0.0), Point::new(300.0, 0.0)];
        let port = out_port(0.0, 0.0);
        assert_eq!(hit_port(&nodes, port), Some(0));
        assert_eq!(hit_port(&nodes, Point::new(port.x + 10.0, port.y)), Some(0));
        assert_eq!(hit_port(&nodes, Point::new(10.0, 10.0)), None);
        assert_eq!(hit_port(&nodes, out_port(300.0, 0.0)), Some(1));
    }

    #[test]
    fn the_distance_to_a_segment_is_to_its_nearest_point() {
        let (a, b) = (Point::new(0.0, 0.0), Point::new(100.0, 0.0));
        assert!((dist_to_segment(Point::new(50.0, 2.0), a, b) - 2.0).abs() < 1e-9);
        // Beyond the end the distance is to the endpoint.
        assert!((dist_to_segment(Point::new(103.0, 4.0), a, b) - 5.0).abs() < 1e-9);
    }

    #[test]
    fn box_selection_uses_rectangles_from_any_corner_order() {
        let r = Rect::from_corners(Point::new(200.0, 150.0), Point::new(50.0, 20.0));
        assert_eq!(r, Rect::new(50.0, 20.0, 150.0, 130.0));
        assert!(r.intersects(&node_rect(100.0, 100.0)));
        assert!(!r.intersects(&node_rect(400.0, 100.0)));
    }
}
